package broker

import (
	"reflect"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/message"
)

// A routed message is confirmed and arrives as sent: headers with their
// AMQP types, properties and body, read back with a plain basic.get.
func TestPublishMessageConfirmed(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("q")
	brokertest.DeclareQueue(t, vh, q, "")
	s := openTestSession(t, brokertest.URI())
	ts := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	m := message.Message{
		Properties: message.Properties{ContentType: "application/json", MessageID: "pm-1", DeliveryMode: 2,
			CorrelationID: "c-1", Timestamp: ts, AppID: "warren-test"},
		Headers: map[string]any{"k": "v", "n": int32(7), "big": int64(1) << 40,
			"nested": map[string]any{"ok": true, "list": []any{"a", int16(2)}}},
		Body: []byte(`{"id":1}`),
	}
	res, err := s.PublishMessage(moveCtx(t), vh, "", q, m)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != Confirmed || res.MessageID != "pm-1" {
		t.Fatalf("result %+v, want confirmed pm-1", res)
	}
	ch := adminChannel(t, adminConn(t, vh))
	d, ok, err := ch.Get(q, true)
	if err != nil || !ok {
		t.Fatalf("get: %v %v", ok, err)
	}
	wantHeaders := amqp.Table{"k": "v", "n": int32(7), "big": int64(1) << 40,
		"nested": amqp.Table{"ok": true, "list": []any{"a", int16(2)}}}
	if !reflect.DeepEqual(d.Headers, wantHeaders) {
		t.Errorf("headers %#v, want %#v", d.Headers, wantHeaders)
	}
	if string(d.Body) != `{"id":1}` || d.ContentType != "application/json" || d.MessageId != "pm-1" ||
		d.DeliveryMode != 2 || d.CorrelationId != "c-1" || !d.Timestamp.Equal(ts) || d.AppId != "warren-test" {
		t.Errorf("delivery %+v", d)
	}
	if got := message.Fingerprint(fromDelivery(d, vh, q, 1)); got != message.Fingerprint(m) {
		t.Error("the message read back has another fingerprint than the one published")
	}
}

// Each other outcome, told apart: unroutable (returned with the broker's
// reply), refused (a full queue that rejects publishes), and a missing
// exchange (the broker closes the channel: in doubt, with its reason).
// A message without an id gets one.
func TestPublishMessageOutcomes(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	full, ex := brokertest.Name("full"), brokertest.Name("ex")
	brokertest.DeclareQueue(t, vh, full, `{"x-max-length":0,"x-overflow":"reject-publish"}`)
	brokertest.DeclareExchange(t, vh, ex, "direct") // nothing bound
	s := openTestSession(t, brokertest.URI())
	body := message.Message{Body: []byte("x")}

	res, err := s.PublishMessage(moveCtx(t), vh, ex, "nowhere", body)
	if err != nil || res.Outcome != Returned || res.ReplyCode != 312 || res.ReplyText != "NO_ROUTE" || res.MessageID == "" {
		t.Fatalf("unroutable: %+v, %v", res, err)
	}
	res, err = s.PublishMessage(moveCtx(t), vh, "", full, body)
	if err != nil || res.Outcome != Nacked {
		t.Fatalf("to a full queue: %+v, %v", res, err)
	}
	res, err = s.PublishMessage(moveCtx(t), vh, brokertest.Name("missing"), "k", body)
	if err != nil || res.Outcome != Refused || res.Err == nil || !strings.Contains(res.Err.Error(), "no exchange") {
		t.Fatalf("to a missing exchange: %+v, %v", res, err)
	}
}
