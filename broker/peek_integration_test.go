package broker

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/message"
)

func peekOK(t *testing.T, s *Session, req PeekRequest) PeekResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := s.Peek(ctx, req)
	if err != nil {
		t.Fatalf("Peek(%s %q): %v", req.Type, req.Queue, err)
	}
	return res
}

// headerCount is a peeked message's x-delivery-count; absent means 0
// (consumers on 3.10 and everything on 4.x see no header before a return).
func headerCount(m message.Message) int64 {
	n, _ := m.Headers["x-delivery-count"].(int64)
	return n
}

func msgBodies(ms []message.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m.Body)
	}
	return out
}

func wantBodies(prefix string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s %d", prefix, i))
	}
	return out
}

// Three peeks of a classic queue leave its count and order as they were.
func TestPeekClassicKeepsCountAndOrder(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("classic")
	brokertest.DeclareQueue(t, vh, q, "")
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, numbered(10, "m")...)
	s := openTestSession(t, brokertest.URI())

	for i := 0; i < 3; i++ {
		res := peekOK(t, s, PeekRequest{Vhost: vh, Queue: q, Type: QueueClassic, Count: 5, DeliveryLimit: -1})
		if got := msgBodies(res.Messages); !reflect.DeepEqual(got, wantBodies("m", 0, 5)) {
			t.Fatalf("peek %d: %q", i, got)
		}
		for j, m := range res.Messages {
			if m.Position != j+1 || m.Vhost != vh || m.Queue != q || m.Offset != -1 || m.Properties.MessageID != fmt.Sprintf("m-%d", j) {
				t.Errorf("peek %d message %d: %+v", i, j, m)
			}
			if m.Redelivered != (i > 0) {
				t.Errorf("peek %d message %d: redelivered %v", i, j, m.Redelivered)
			}
		}
		if res.Taken != 5 || !res.More || res.QueueType != QueueClassic || !strings.Contains(res.Effect, "marked redelivered") {
			t.Errorf("peek %d: %+v", i, res)
		}
	}
	// "n" for more: the second page is taken together with the first.
	res := peekOK(t, s, PeekRequest{Vhost: vh, Queue: q, Type: QueueClassic, Count: 5, Skip: 5})
	if got := msgBodies(res.Messages); !reflect.DeepEqual(got, wantBodies("m", 5, 10)) || res.Messages[0].Position != 6 || res.Taken != 10 {
		t.Fatalf("second page: %q, first position %d, taken %d", got, res.Messages[0].Position, res.Taken)
	}
	res = peekOK(t, s, PeekRequest{Vhost: vh, Queue: q, Type: QueueClassic, Count: 50})
	if len(res.Messages) != 10 || res.More {
		t.Fatalf("peek of 50 on 10 messages: %d messages, more %v", len(res.Messages), res.More)
	}

	if n := depth(t, conn, q); n != 10 {
		t.Fatalf("depth after peeks = %d, want 10", n)
	}
	var got []string
	for _, d := range drain(t, conn, q, nil) {
		got = append(got, string(d.Body))
	}
	if !reflect.DeepEqual(got, wantBodies("m", 0, 10)) {
		t.Fatalf("read back after peeks: %q", got)
	}
}

// Every property and header type makes it through, converted to plain Go.
func TestPeekCarriesPropertiesAndHeaders(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("props")
	brokertest.DeclareQueue(t, vh, q, "")
	brokertest.DeclareExchange(t, vh, "orders", "direct")
	brokertest.MustDo(t, "POST", "/api/bindings/"+brokertest.Esc(vh)+"/e/orders/q/"+brokertest.Esc(q), []byte(`{"routing_key":"order.created"}`))
	conn := adminConn(t, vh)
	ts := time.Unix(1700000000, 0)
	publishConfirmed(t, conn, "orders", "order.created", amqp.Publishing{
		ContentType: "application/json", ContentEncoding: "gzip", DeliveryMode: 2, Priority: 3,
		CorrelationId: "corr", ReplyTo: "replies", Expiration: "600000", MessageId: "id-1",
		Timestamp: ts, Type: "order", UserId: "guest", AppId: "shop",
		Headers: amqp.Table{
			"str": "v", "n": int64(-5), "i": int32(7), "f": 1.25, "ok": true, "when": ts,
			"dec": amqp.Decimal{Scale: 2, Value: 314}, "raw": []byte{0xff, 0},
			"list":  []any{"a", int64(1), amqp.Table{"deep": "x"}},
			"table": amqp.Table{"k": "v", "inner": amqp.Table{"n": int64(2)}},
		},
		Body: []byte(`{"id":1}`),
	})
	s := openTestSession(t, brokertest.URI())
	res := peekOK(t, s, PeekRequest{Vhost: vh, Queue: q, Type: QueueClassic})
	if len(res.Messages) != 1 {
		t.Fatalf("%d messages", len(res.Messages))
	}
	m := res.Messages[0]
	wantProps := message.Properties{
		ContentType: "application/json", ContentEncoding: "gzip", DeliveryMode: 2, Priority: 3,
		CorrelationID: "corr", ReplyTo: "replies", Expiration: "600000", MessageID: "id-1",
		Timestamp: ts, Type: "order", UserID: "guest", AppID: "shop",
	}
	if !m.Properties.Timestamp.Equal(ts) {
		t.Errorf("timestamp %v", m.Properties.Timestamp)
	}
	m.Properties.Timestamp = ts
	if m.Properties != wantProps || m.Exchange != "orders" || m.RoutingKey != "order.created" || m.Redelivered || string(m.Body) != `{"id":1}` {
		t.Errorf("message = %+v", m)
	}
	when, _ := m.Headers["when"].(time.Time)
	delete(m.Headers, "when")
	wantHeaders := map[string]any{
		"str": "v", "n": int64(-5), "i": int32(7), "f": 1.25, "ok": true,
		"dec": message.Decimal{Scale: 2, Value: 314}, "raw": []byte{0xff, 0},
		"list":  []any{"a", int64(1), map[string]any{"deep": "x"}},
		"table": map[string]any{"k": "v", "inner": map[string]any{"n": int64(2)}},
	}
	if !when.Equal(ts) || !reflect.DeepEqual(m.Headers, wantHeaders) {
		t.Errorf("headers = %#v (when %v)", m.Headers, when)
	}
}

// Two peeks of a stream from the start see the same messages, and the
// stream still holds all of them.
func TestPeekStreamIsRepeatableAndNonDestructive(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("stream")
	declareDurable(t, vh, q, `{"x-queue-type":"stream"}`)
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, numbered(20, "s")...)
	s := openTestSession(t, brokertest.URI())

	first := peekOK(t, s, PeekRequest{Vhost: vh, Queue: q, Type: QueueStream})
	second := peekOK(t, s, PeekRequest{Vhost: vh, Queue: q, Type: QueueStream, From: StreamFrom{Kind: StreamFirst}})
	if got := msgBodies(first.Messages); !reflect.DeepEqual(got, wantBodies("s", 0, 20)) {
		t.Fatalf("first peek: %q", got)
	}
	if !reflect.DeepEqual(first.Messages, second.Messages) {
		t.Fatal("two peeks from first differ")
	}
	for i, m := range first.Messages {
		if m.Offset != int64(i) || m.Position != i+1 || m.Redelivered {
			t.Errorf("message %d: offset %d position %d redelivered %v", i, m.Offset, m.Position, m.Redelivered)
		}
	}
	if first.NextOffset != 20 || first.More || first.Effect != "Read by offset: the stream is unchanged." {
		t.Errorf("result: next %d more %v effect %q", first.NextOffset, first.More, first.Effect)
	}

	// Paging by offset, as "n" does.
	page := peekOK(t, s, PeekRequest{Vhost: vh, Queue: q, Type: QueueStream, Count: 3, Skip: 5, From: StreamFrom{Kind: StreamOffset, Offset: 5}})
	if got := msgBodies(page.Messages); !reflect.DeepEqual(got, wantBodies("s", 5, 8)) || page.NextOffset != 8 || !page.More || page.Messages[0].Position != 6 {
		t.Fatalf("page from offset 5: %q next %d more %v", got, page.NextOffset, page.More)
	}
	last := peekOK(t, s, PeekRequest{Vhost: vh, Queue: q, Type: QueueStream, From: StreamFrom{Kind: StreamLast}})
	if n := len(last.Messages); n == 0 || string(last.Messages[n-1].Body) != "s 19" {
		t.Fatalf("from last: %q", msgBodies(last.Messages))
	}
	byTime := peekOK(t, s, PeekRequest{Vhost: vh, Queue: q, Type: QueueStream, From: StreamFrom{Kind: StreamTime, Time: time.Now().Add(-time.Hour)}})
	if len(byTime.Messages) != 20 {
		t.Fatalf("from an hour ago: %d messages", len(byTime.Messages))
	}
	next := peekOK(t, s, PeekRequest{Vhost: vh, Queue: q, Type: QueueStream, From: StreamFrom{Kind: StreamNext}})
	if len(next.Messages) != 0 {
		t.Fatalf("from next: %q", msgBodies(next.Messages))
	}

	// The stream still holds all twenty, as a plain reader sees it.
	read := drain(t, conn, q, amqp.Table{"x-stream-offset": "first"})
	if len(read) != 20 {
		t.Fatalf("stream read back: %d messages, want 20", len(read))
	}
}

// A quorum queue with a delivery limit: peek refuses until the user
// accepts the risk, and then shows each message's delivery count.
func TestPeekQuorumRespectsTheDeliveryLimit(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("quorum")
	declareDurable(t, vh, q, `{"x-queue-type":"quorum","x-delivery-limit":2}`)
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, numbered(1, "qq")...)
	s := openTestSession(t, brokertest.URI())

	req := PeekRequest{Vhost: vh, Queue: q, Type: QueueQuorum, DeliveryLimit: 2}
	for i := 0; i < 3; i++ {
		res, err := s.Peek(context.Background(), req)
		var risk *DeliveryLimitRiskError
		if !errors.Is(err, ErrDeliveryLimitRisk) || !errors.As(err, &risk) || risk.Limit != 2 || risk.Queue != q || len(res.Messages) != 0 {
			t.Fatalf("peek without consent: %v, %d messages", err, len(res.Messages))
		}
	}
	// The refusals touched nothing: the message is there, never delivered.
	ch := adminChannel(t, conn)
	d, ok, err := ch.Get(q, false)
	if err != nil || !ok {
		t.Fatalf("read back: ok %v err %v", ok, err)
	}
	if d.Redelivered || deliveryCount(d.Headers) != 0 {
		t.Fatalf("after refused peeks: redelivered %v, count %d", d.Redelivered, deliveryCount(d.Headers))
	}
	if err := ch.Nack(d.DeliveryTag, false, true); err != nil { // count 1 from now on
		t.Fatal(err)
	}

	req.AcceptRisk = true
	res := peekOK(t, s, req)
	if len(res.Messages) != 1 || res.Messages[0].Headers["x-delivery-count"] != int64(1) || res.OverLimit != 0 ||
		!strings.Contains(res.Effect, "delivery count went up by 1 (limit 2)") {
		t.Fatalf("accepted peek: %+v", res)
	}
	// Count 2 now: this peek pushes it past the limit, and says so.
	res = peekOK(t, s, req)
	if len(res.Messages) != 1 || res.Messages[0].Headers["x-delivery-count"] != int64(2) || res.OverLimit != 1 ||
		!strings.Contains(res.Effect, "dropped or dead-lettered it") {
		t.Fatalf("peek at the limit: %+v", res)
	}
	if got := drain(t, conn, q, nil); len(got) != 0 {
		t.Fatalf("the broker kept a message past its limit: %d left", len(got))
	}
}

// With a limit, a quorum queue returns a large requeue in its own hash
// order: a peek of 200 gives them back in runs it keeps in order, at the
// head, each charged once.
func TestPeekQuorumWithLimitKeepsOrder(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("quorum")
	declareDurable(t, vh, q, `{"x-queue-type":"quorum","x-delivery-limit":5}`)
	conn := adminConn(t, vh)
	fillSeq(t, conn, q, 300)
	s := openTestSession(t, brokertest.URI())
	res := peekOK(t, s, PeekRequest{Vhost: vh, Queue: q, Type: QueueQuorum, Count: 200, DeliveryLimit: 5, AcceptRisk: true})
	if len(res.Messages) != 200 || res.Reordered {
		t.Fatalf("peek: %d messages, reordered %v", len(res.Messages), res.Reordered)
	}
	eventuallyDepth(t, conn, q, 300)
	got, counts := readCounts(t, conn, q)
	if len(got) != 300 || !inOrder(got) {
		t.Fatalf("the queue holds %d (in order: %v), want 300 in order", len(got), inOrder(got))
	}
	for i, c := range counts {
		if want := int64(b2i(i < 200)); c != want {
			t.Fatalf("message %d: delivery count %d, want %d", i, c, want)
		}
	}
}

// Without a limit a quorum peek needs no consent and keeps the order.
func TestPeekQuorumWithoutLimitKeepsOrder(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("quorum")
	declareDurable(t, vh, q, `{"x-queue-type":"quorum"}`)
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, numbered(5, "q")...)
	s := openTestSession(t, brokertest.URI())
	for i := 0; i < 3; i++ { // back to back: the second starts before the broker applied the first's returns
		res := peekOK(t, s, PeekRequest{Vhost: vh, Queue: q, Type: QueueQuorum, DeliveryLimit: -1})
		if got := msgBodies(res.Messages); !reflect.DeepEqual(got, wantBodies("q", 0, 5)) {
			t.Fatalf("peek %d: %q", i, got)
		}
		if !strings.Contains(res.Effect, "no delivery limit") || res.Taken != 5 || res.More {
			t.Errorf("peek %d: %+v", i, res)
		}
		for j, m := range res.Messages {
			if headerCount(m) != int64(i) || m.Redelivered != (i > 0) {
				t.Errorf("peek %d message %d: count %v redelivered %v", i, j, m.Headers["x-delivery-count"], m.Redelivered)
			}
		}
	}
	page := peekOK(t, s, PeekRequest{Vhost: vh, Queue: q, Type: QueueQuorum, DeliveryLimit: -1, Count: 2, Skip: 2})
	// Returns go to the back of a quorum queue without a limit, so the
	// peek takes it whole (5, not 4) to keep the order.
	if got := msgBodies(page.Messages); !reflect.DeepEqual(got, wantBodies("q", 2, 4)) || page.Messages[0].Position != 3 ||
		page.Taken != 5 || !page.More || page.Reordered {
		t.Fatalf("second page: %q, taken %d", got, page.Taken)
	}
	var got []string
	for _, d := range drain(t, conn, q, nil) {
		got = append(got, string(d.Body))
	}
	if !reflect.DeepEqual(got, wantBodies("q", 0, 5)) {
		t.Fatalf("read back after peeks: %q", got)
	}
}

// A quorum queue without a limit too big to take whole: the peeked
// messages go to its back, and the result says so.
func TestPeekQuorumWithoutLimitSaysWhenItReorders(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("quorum")
	declareDurable(t, vh, q, `{"x-queue-type":"quorum"}`)
	conn := adminConn(t, vh)
	total := quorumWholeQueueMax + 1
	publishConfirmed(t, conn, "", q, numbered(total, "b")...)
	s := openTestSession(t, brokertest.URI())
	res := peekOK(t, s, PeekRequest{Vhost: vh, Queue: q, Type: QueueQuorum, DeliveryLimit: -1, Count: 3})
	if got := msgBodies(res.Messages); !reflect.DeepEqual(got, wantBodies("b", 0, 3)) || res.Taken != 3 || !res.Reordered || !res.More ||
		!strings.Contains(res.Effect, "to the back of the queue") {
		t.Fatalf("peek: %q %+v", got, res)
	}
	var got []string
	for _, d := range drain(t, conn, q, nil) {
		got = append(got, string(d.Body))
	}
	want := append(wantBodies("b", 3, total), wantBodies("b", 0, 3)...)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("read back: %d messages, first %q, last %q", len(got), got[:3], got[len(got)-3:])
	}
}

// RabbitMQ 3.10 requeues a quorum queue's messages of one nack in a
// scrambled order past 32 of them: peeks and browses give them back in
// runs that keep the order.
func TestQuorumReadsKeepTheOrder(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("quorum")
	declareDurable(t, vh, q, `{"x-queue-type":"quorum","x-delivery-limit":10}`)
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, numbered(200, "m")...)
	s := openTestSession(t, brokertest.URI())
	req := PeekRequest{Vhost: vh, Queue: q, Type: QueueQuorum, DeliveryLimit: 10, AcceptRisk: true, Count: 100}
	for i := range 3 {
		res := peekOK(t, s, req)
		if len(res.Messages) != 100 {
			t.Fatalf("peek %d showed %d", i, len(res.Messages))
		}
		for j, m := range res.Messages {
			if want := fmt.Sprintf("m %d", j); string(m.Body) != want {
				t.Fatalf("peek %d, row %d: %q, want %q: the previous peek gave them back out of order", i, j, m.Body, want)
			}
		}
	}
	l, err := s.Consume(liveCtx(t), ConsumeSpec{Vhost: vh, Queue: q, Type: QueueQuorum, Mode: ConsumeNackRequeue, DeliveryLimit: 10, AcceptRisk: true}, LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st := waitEnded(t, l); st.State != LiveDone {
		t.Fatalf("browse: %+v", st)
	}
	_ = l.Close()
	back := drain(t, conn, q, nil)
	if len(back) != 200 {
		t.Fatalf("%d left, want 200", len(back))
	}
	for i, d := range back {
		if want := fmt.Sprintf("m %d", i); string(d.Body) != want {
			t.Fatalf("after the browse, message %d is %q, want %q", i, d.Body, want)
		}
	}
}
