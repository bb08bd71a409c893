package broker

import (
	"reflect"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/message"
)

// Broker text is escaped where it is shown, never on the way in: a message
// with control sequences, C1 and bidi runes and invalid UTF-8 in every
// field comes out of a delivery byte for byte, so that republish, move,
// export and fingerprints see what the broker holds.
func TestDeliveryKeepsHostileTextExact(t *testing.T) {
	h := "\x1b]8;;https://evil.example/\x1b\\L\x1b]8;;\x1b\\\x1b]52;c;aGk=\x07\x1b[31m\u009b2J\u202e\xff"
	d := amqp.Delivery{
		Exchange: h, RoutingKey: h, ContentType: h, ContentEncoding: h, CorrelationId: h, ReplyTo: h,
		Expiration: h, MessageId: h, Type: h, UserId: h, AppId: h,
		Headers: amqp.Table{h: h, "x-death": []any{amqp.Table{"reason": h, "queue": h, "routing-keys": []any{h}}},
			"nested": amqp.Table{h: []byte(h)}},
		Body: []byte(h),
	}
	got := fromDelivery(d, h, h, 1)
	want := message.Message{Vhost: h, Queue: h, Position: 1, Offset: -1, Exchange: h, RoutingKey: h,
		Properties: message.Properties{ContentType: h, ContentEncoding: h, CorrelationID: h, ReplyTo: h,
			Expiration: h, MessageID: h, Type: h, UserID: h, AppID: h},
		Headers: map[string]any{h: h, "x-death": []any{map[string]any{"reason": h, "queue": h, "routing-keys": []any{h}}},
			"nested": map[string]any{h: []byte(h)}},
		Body: []byte(h),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the delivery changed on the way in:\n got %#v\nwant %#v", got, want)
	}
}
