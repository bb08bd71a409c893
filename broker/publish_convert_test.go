package broker

import (
	"reflect"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/message"
)

// A message survives message → Publishing → Delivery → message unchanged,
// headers of every documented type included.
func TestPublishingRoundTrip(t *testing.T) {
	ts := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	m := message.Message{
		Offset: -1,
		Properties: message.Properties{
			ContentType: "application/json", ContentEncoding: "gzip", DeliveryMode: 2,
			Priority: 3, CorrelationID: "c", ReplyTo: "r", Expiration: "60000",
			MessageID: "m-1", Timestamp: ts, Type: "t", UserID: "guest", AppID: "a",
		},
		Headers: map[string]any{
			"s": "x", "b": []byte{0, 1}, "t": true, "i8": int8(-1), "i16": int16(-2),
			"i32": int32(-3), "i64": int64(-4), "u8": uint8(5), "u16": uint16(6),
			"u32": uint32(7), "f32": float32(1.5), "f64": 2.5, "ts": ts,
			"dec": message.Decimal{Scale: 2, Value: 12345}, "nil": nil,
			"nested":  map[string]any{"deep": map[string]any{"n": int64(1)}, "arr": []any{"a", int32(2)}},
			"x-death": []any{map[string]any{"queue": "q", "count": int64(1), "routing-keys": []any{"k"}}},
		},
		Body: []byte("hello"),
	}
	p := toPublishing(m)
	if err := p.Headers.Validate(); err != nil {
		t.Fatalf("headers do not encode: %v", err)
	}
	if _, ok := p.Headers["dec"].(amqp.Decimal); !ok {
		t.Fatalf("decimal = %T, want amqp.Decimal", p.Headers["dec"])
	}
	d := amqp.Delivery{
		ContentType: p.ContentType, ContentEncoding: p.ContentEncoding, DeliveryMode: p.DeliveryMode,
		Priority: p.Priority, CorrelationId: p.CorrelationId, ReplyTo: p.ReplyTo,
		Expiration: p.Expiration, MessageId: p.MessageId, Timestamp: p.Timestamp,
		Type: p.Type, UserId: p.UserId, AppId: p.AppId, Headers: p.Headers, Body: p.Body,
	}
	got := fromDelivery(d, "", "", 0)
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip changed the message:\n got %#v\nwant %#v", got, m)
	}
}

// Go values the wire lacks become the nearest wire type.
func TestToFieldValueWidens(t *testing.T) {
	tab := toTable(map[string]any{"i": 1, "u": uint(2), "u64": uint64(3), "l": []any{4}})
	if err := tab.Validate(); err != nil {
		t.Fatal(err)
	}
	if tab["i"] != int64(1) || tab["u"] != int64(2) || tab["u64"] != int64(3) || tab["l"].([]any)[0] != int64(4) {
		t.Fatalf("got %#v", tab)
	}
	if toTable(nil) != nil {
		t.Fatal("nil headers must stay nil")
	}
}
