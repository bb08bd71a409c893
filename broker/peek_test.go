package broker

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/message"
)

func TestDefaultDeliveryLimit(t *testing.T) {
	for version, want := range map[string]int{
		"3.10.8": -1, "3.13.7": -1, "3.8.0": -1, "4.0.0": 20, "4.1.2": 20, "v4.0.5": 20,
		"4.2.0-rc.1": 20, "5.0.0": 20, "": 20, "garbage": 20,
	} {
		if got := DefaultDeliveryLimit(version); got != want {
			t.Errorf("DefaultDeliveryLimit(%q) = %d, want %d", version, got, want)
		}
	}
}

func TestRequeueCounts(t *testing.T) {
	for version, want := range map[string]bool{
		"3.10.8": true, "3.13.7": true, "4.0.0": true, "4.2.9": true, "v4.2.1": true,
		"4.3.0": false, "4.3.0-rc.1": false, "v4.4.1": false, "5.0.0": false,
		"": true, "garbage": true, "4": true, "4.x": true,
	} {
		if got := RequeueCounts(version); got != want {
			t.Errorf("RequeueCounts(%q) = %v, want %v", version, got, want)
		}
	}
}

func TestPeekRequestRaisesDeliveryCount(t *testing.T) {
	for _, tc := range []struct {
		req  PeekRequest
		want bool
	}{
		{PeekRequest{Type: QueueQuorum, DeliveryLimit: 0}, true},
		{PeekRequest{Type: QueueQuorum, DeliveryLimit: 3}, true},
		{PeekRequest{Type: QueueQuorum, DeliveryLimit: 3, RequeueFree: true}, false},
		{PeekRequest{Type: QueueQuorum, DeliveryLimit: -1}, false},
		{PeekRequest{Type: QueueClassic, DeliveryLimit: 3}, false},
		{PeekRequest{Type: QueueStream, DeliveryLimit: 3}, false},
	} {
		if got := tc.req.RaisesDeliveryCount(); got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.req, got, tc.want)
		}
	}
}

// amqp091-go encodes a Go int as a 32-bit field; the broker wants a long
// for offsets, so the argument must be an int64.
func TestStreamOffsetArgTypes(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		from StreamFrom
		want any
	}{
		{StreamFrom{}, "first"},
		{StreamFrom{Kind: StreamLast}, "last"},
		{StreamFrom{Kind: StreamNext}, "next"},
		{StreamFrom{Kind: StreamOffset, Offset: 42}, int64(42)},
		{StreamFrom{Kind: StreamTime, Time: at}, at},
	} {
		got, err := streamOffsetArg(tc.from)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("streamOffsetArg(%+v) = %#v, %v; want %#v", tc.from, got, err, tc.want)
		}
	}
	for _, bad := range []StreamFrom{{Kind: StreamOffset, Offset: -1}, {Kind: StreamTime}, {Kind: 99}} {
		if _, err := streamOffsetArg(bad); err == nil {
			t.Errorf("streamOffsetArg(%+v) accepted", bad)
		}
	}
}

func TestConvertTableGivesPlainGoValues(t *testing.T) {
	ts := time.Unix(1700000000, 0)
	in := amqp.Table{
		"s": "text", "b": true, "i8": int8(-1), "u8": uint8(7), "i16": int16(3), "u16": uint16(4),
		"i32": int32(5), "u32": uint32(6), "i64": int64(7), "f32": float32(1.5), "f64": 2.5,
		"dec": amqp.Decimal{Scale: 2, Value: 1234}, "ts": ts, "bytes": []byte{0, 1}, "void": nil,
		"x-death": []any{amqp.Table{
			"reason": "rejected", "count": int64(1), "routing-keys": []any{"rk"},
			"nested": amqp.Table{"d": amqp.Decimal{Scale: 1, Value: 5}},
		}},
	}
	want := map[string]any{
		"s": "text", "b": true, "i8": int8(-1), "u8": uint8(7), "i16": int16(3), "u16": uint16(4),
		"i32": int32(5), "u32": uint32(6), "i64": int64(7), "f32": float32(1.5), "f64": 2.5,
		"dec": message.Decimal{Scale: 2, Value: 1234}, "ts": ts, "bytes": []byte{0, 1}, "void": nil,
		"x-death": []any{map[string]any{
			"reason": "rejected", "count": int64(1), "routing-keys": []any{"rk"},
			"nested": map[string]any{"d": message.Decimal{Scale: 1, Value: 5}},
		}},
	}
	if got := convertTable(in); !reflect.DeepEqual(got, want) {
		t.Errorf("convertTable:\n got %#v\nwant %#v", got, want)
	}
	if convertTable(nil) != nil {
		t.Error("a nil table must stay nil")
	}
}

func TestDeliveryCountReadsAnyIntegerType(t *testing.T) {
	for _, v := range []any{int64(3), int32(3), int16(3), int8(3), uint32(3), uint16(3), uint8(3), 3} {
		if got := deliveryCount(amqp.Table{"x-delivery-count": v}); got != 3 {
			t.Errorf("deliveryCount(%T) = %d", v, got)
		}
	}
	if got := deliveryCount(nil); got != 0 {
		t.Errorf("no header (RabbitMQ 4.x before the first return) = %d, want 0", got)
	}
}

func TestVhostURIEscapesThePath(t *testing.T) {
	p, err := newVhostPool(Config{URI: "amqp://bob:s3cret@host:5673/home?heartbeat=5"})
	if err != nil {
		t.Fatal(err)
	}
	for vhost, wantPath := range map[string]string{"/": "/%2F", "orders": "/orders", "a/b c": "/a%2Fb%20c"} {
		raw := p.uriFor(vhost)
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if u.EscapedPath() != wantPath || Vhost(u) != vhost || u.Host != "host:5673" || u.RawQuery != "heartbeat=5" {
			t.Errorf("uriFor(%q) = %s", vhost, Redact(raw))
		}
		au, err := amqp.ParseURI(raw)
		if err != nil || au.Vhost != vhost {
			t.Errorf("amqp091-go reads vhost %q from uriFor(%q), err %v", au.Vhost, vhost, err)
		}
	}
}

func TestPeekErrorsAreClearAndTyped(t *testing.T) {
	p, _ := newVhostPool(Config{URI: "amqp://bob:s3cret@host/"})
	s := &Session{vhosts: p}
	req := PeekRequest{Vhost: "v", Queue: "q", Type: QueueClassic}
	for _, tc := range []struct {
		err  error
		is   error
		text string
	}{
		{&amqp.Error{Code: amqp.NotFound, Reason: "NOT_FOUND - no queue 'q' in vhost 'v'"}, ErrQueueNotFound, `queue "q" not found in vhost "v"`},
		{&amqp.Error{Code: amqp.AccessRefused, Reason: "ACCESS_REFUSED"}, ErrAccessRefused, `user "bob" may not read queue "q" in vhost "v"`},
		{&amqp.Error{Code: amqp.AccessRefused, Reason: "ACCESS_REFUSED - queue 'q' in vhost 'v' in exclusive use"}, nil, `queue "q" in vhost "v" has an exclusive consumer`},
		{&amqp.Error{Code: amqp.ResourceLocked, Reason: "RESOURCE_LOCKED"}, nil, `queue "q" in vhost "v" is exclusive to another connection`},
	} {
		got := s.queueErr(req, tc.err)
		if (tc.is != nil && !errors.Is(got, tc.is)) || (tc.is == nil && errors.Is(got, ErrAccessRefused)) || !strings.Contains(got.Error(), tc.text) || strings.Contains(got.Error(), "s3cret") {
			t.Errorf("queueErr(%v) = %v", tc.err, got)
		}
	}
	for _, tc := range []struct {
		err  error
		is   error
		text string
	}{
		{amqp.ErrVhost, ErrAccessRefused, `user "bob" has no access to vhost "v"`},
		{&amqp.Error{Code: amqp.NotAllowed, Reason: "NOT_ALLOWED - access to vhost 'v' refused for user 'bob'"}, ErrAccessRefused, `user "bob" has no access to vhost "v"`},
		{&amqp.Error{Code: amqp.NotAllowed, Reason: "NOT_ALLOWED - vhost v not found"}, ErrVhostNotFound, `vhost "v" does not exist`},
	} {
		got := p.vhostErr("v", tc.err)
		if !errors.Is(got, tc.is) || !strings.Contains(got.Error(), tc.text) {
			t.Errorf("vhostErr(%v) = %v", tc.err, got)
		}
	}
	var risk error = &DeliveryLimitRiskError{Vhost: "v", Queue: "q", Limit: 20}
	if !errors.Is(risk, ErrDeliveryLimitRisk) || !strings.Contains(risk.Error(), "20") ||
		!strings.Contains(risk.Error(), "dropped or dead-lettered") {
		t.Errorf("risk error = %v", risk)
	}
}

func TestQueueEffectSaysWhatHappened(t *testing.T) {
	for _, tc := range []struct {
		req  PeekRequest
		res  PeekResult
		want string
	}{
		{PeekRequest{Type: QueueClassic}, PeekResult{}, "Nothing was taken: the queue was empty."},
		{PeekRequest{Type: QueueClassic}, PeekResult{Taken: 1}, "Took 1 message and returned it to the queue; it is now marked redelivered."},
		{PeekRequest{Type: QueueClassic}, PeekResult{Taken: 2}, "Took 2 messages and returned them to the queue in order; they are now marked redelivered."},
		{PeekRequest{Type: QueueQuorum, DeliveryLimit: 20}, PeekResult{Taken: 1}, "Took 1 message and returned it to the queue; its delivery count went up by 1 (limit 20)."},
		{PeekRequest{Type: QueueQuorum, DeliveryLimit: -1}, PeekResult{Taken: 3}, "Took 3 messages and returned them to the queue in order; each one's delivery count went up by 1 (no delivery limit)."},
		{PeekRequest{Type: QueueQuorum, DeliveryLimit: -1}, PeekResult{Taken: 50, Reordered: true},
			"Took 50 messages and returned them to the back of the queue, behind the messages not peeked (a quorum queue without a delivery limit requeues at the back); each one's delivery count went up by 1 (no delivery limit)."},
		{PeekRequest{Type: QueueQuorum, DeliveryLimit: 5}, PeekResult{Taken: 200, Reordered: true},
			"Took 200 messages and returned them to the head of the queue, maybe not in their old order (the broker was slow to take them back, and merges requeues it is not done with); each one's delivery count went up by 1 (limit 5)."},
		{PeekRequest{Type: QueueQuorum, DeliveryLimit: 2}, PeekResult{Taken: 3, OverLimit: 1},
			"Took 3 messages and returned them to the queue in order; each one's delivery count went up by 1 (limit 2). 1 of them passed the limit, so the broker dropped or dead-lettered it."},
	} {
		if got := queueEffect(tc.req, tc.res); got != tc.want {
			t.Errorf("queueEffect(%+v, %+v)\n got %q\nwant %q", tc.req, tc.res, got, tc.want)
		}
	}
}
