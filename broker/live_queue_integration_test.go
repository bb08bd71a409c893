package broker

import (
	"errors"
	"fmt"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/message"
)

// A tail from first reads the stream in order with offsets, then follows
// what is published next.
func TestTailFromFirstFollows(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("stream")
	declareDurable(t, vh, q, `{"x-queue-type":"stream"}`)
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, numbered(100, "old")...)
	s := openTestSession(t, brokertest.URI())
	l, err := s.Tail(liveCtx(t), TailSpec{Vhost: vh, Queue: q, From: StreamFrom{Kind: StreamFirst}}, LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	closeLive(t, l)
	got := collect(t, l, 100)
	publishConfirmed(t, conn, "", q, numbered(20, "new")...)
	got = append(got, collect(t, l, 20)...)
	quiet(t, l)
	want := append(wantBodies("old", 0, 100), wantBodies("new", 0, 20)...)
	for i, m := range got {
		if string(m.Body) != want[i] || m.Offset != int64(i) || m.Queue != q {
			t.Fatalf("row %d: %q at offset %d, want %q at %d", i, m.Body, m.Offset, want[i], i)
		}
	}
}

// A tail from a time skips the chunks written before it.
func TestTailFromTime(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("stream")
	declareDurable(t, vh, q, `{"x-queue-type":"stream"}`)
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, numbered(30, "before")...)
	time.Sleep(1500 * time.Millisecond) // AMQP timestamps have whole seconds
	from := time.Now()
	time.Sleep(1100 * time.Millisecond)
	publishConfirmed(t, conn, "", q, numbered(30, "after")...)
	s := openTestSession(t, brokertest.URI())
	l, err := s.Tail(liveCtx(t), TailSpec{Vhost: vh, Queue: q, From: StreamFrom{Kind: StreamTime, Time: from}}, LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	closeLive(t, l)
	got := collect(t, l, 30)
	quiet(t, l)
	if string(got[0].Body) != "after 0" || got[0].Offset != 30 || string(got[29].Body) != "after 29" {
		t.Fatalf("from time: first %q at %d, last %q", got[0].Body, got[0].Offset, got[29].Body)
	}
}

// After a lost connection a tail resumes after the last offset it saw:
// nothing twice, nothing skipped.
func TestTailResumesAfterConnectionKill(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("stream")
	declareDurable(t, vh, q, `{"x-queue-type":"stream"}`)
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, numbered(50, "a")...)
	s := openTestSession(t, brokertest.URI())
	l, err := s.Tail(liveCtx(t), TailSpec{Vhost: vh, Queue: q, From: StreamFrom{Kind: StreamOffset, Offset: 10}},
		LiveOptions{Retry: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	closeLive(t, l)
	got := collect(t, l, 40)
	killVhostConns(t, vh, "(tail, vhost ")
	publishConfirmed(t, conn, "", q, numbered(10, "b")...)
	got = append(got, collect(t, l, 10)...)
	quiet(t, l)
	for i, m := range got {
		if m.Offset != int64(10+i) {
			t.Fatalf("row %d has offset %d, want %d (%q)", i, m.Offset, 10+i, m.Body)
		}
	}
}

// Consume in ack mode empties the queue; paused, it reads nothing beyond
// the prefetch and takes nothing.
func TestConsumeAckAndPause(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("classic")
	brokertest.DeclareQueue(t, vh, q, "")
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, numbered(20, "m")...)
	s := openTestSession(t, brokertest.URI())
	l, err := s.Consume(liveCtx(t), ConsumeSpec{Vhost: vh, Queue: q, Type: QueueClassic, Mode: ConsumeAck},
		LiveOptions{Prefetch: 5, StartPaused: true})
	if err != nil {
		t.Fatal(err)
	}
	closeLive(t, l)
	quiet(t, l)
	if n, c, err := s.QueueDepth(liveCtx(t), vh, q); err != nil || n != 20 || c != 0 {
		t.Fatalf("started paused: %d ready, %d consumers (%v), want 20, 0", n, c, err)
	}
	l.Resume()
	got := collect(t, l, 20)
	if string(got[19].Body) != "m 19" {
		t.Fatalf("last %q", got[19].Body)
	}
	eventuallyDepth(t, conn, q, 0)

	l.Pause()
	publishConfirmed(t, conn, "", q, numbered(20, "n")...)
	quiet(t, l)
	if n, _, err := s.QueueDepth(liveCtx(t), vh, q); err != nil || n != 15 {
		t.Fatalf("paused: %d ready (%v), want 15 (5 prefetched, unacked)", n, err)
	}
	l.Resume()
	got = collect(t, l, 20)
	if string(got[0].Body) != "n 0" || string(got[19].Body) != "n 19" {
		t.Fatalf("after resume: %q .. %q", got[0].Body, got[19].Body)
	}
	eventuallyDepth(t, conn, q, 0)
}

// Reject sends every message to the queue's dead-letter exchange.
func TestConsumeRejectDeadLetters(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q, dlq := brokertest.Name("work"), brokertest.Name("dlq")
	brokertest.DeclareQueue(t, vh, dlq, "")
	brokertest.DeclareQueue(t, vh, q, `{"x-dead-letter-exchange":"","x-dead-letter-routing-key":"`+dlq+`"}`)
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, numbered(30, "m")...)
	s := openTestSession(t, brokertest.URI())
	l, err := s.Consume(liveCtx(t), ConsumeSpec{Vhost: vh, Queue: q, Type: QueueClassic, Mode: ConsumeReject}, LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	closeLive(t, l)
	collect(t, l, 30)
	eventuallyDepth(t, conn, dlq, 30)
	eventuallyDepth(t, conn, q, 0)
}

// A browse of a quorum queue without a limit takes nothing: after Close
// the queue holds everything.
func TestConsumeNackRequeueKeepsAll(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("quorum")
	declareDurable(t, vh, q, `{"x-queue-type":"quorum"}`)
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, numbered(10, "m")...)
	s := openTestSession(t, brokertest.URI())
	l, err := s.Consume(liveCtx(t), ConsumeSpec{Vhost: vh, Queue: q, Type: QueueQuorum, Mode: ConsumeNackRequeue, DeliveryLimit: -1}, LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	collect(t, l, 10)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	eventuallyDepth(t, conn, q, 10)
}

func TestConsumeMissingQueueFails(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	s := openTestSession(t, brokertest.URI())
	_, err := s.Consume(liveCtx(t), ConsumeSpec{Vhost: vh, Queue: "nope", Type: QueueClassic}, LiveOptions{})
	if !errors.Is(err, ErrQueueNotFound) {
		t.Fatalf("err = %v", err)
	}
}

// QueueDepth reads exact counts at once, and a missing queue does not
// spoil the next read.
func TestQueueDepth(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("classic")
	brokertest.DeclareQueue(t, vh, q, "")
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, numbered(7, "m")...)
	s := openTestSession(t, brokertest.URI())
	ctx := liveCtx(t)
	if n, c, err := s.QueueDepth(ctx, vh, q); err != nil || n != 7 || c != 0 {
		t.Fatalf("QueueDepth = %d, %d, %v; want 7, 0", n, c, err)
	}
	if _, _, err := s.QueueDepth(ctx, vh, "nope"); !errors.Is(err, ErrQueueNotFound) {
		t.Fatalf("missing queue: %v", err)
	}
	ch := adminChannel(t, conn)
	if err := ch.Qos(1, 0, false); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Consume(q, "", false, false, false, false, amqp.Table{}); err != nil {
		t.Fatal(err)
	}
	n, c, err := s.QueueDepth(ctx, vh, q)
	for deadline := time.Now().Add(5 * time.Second); (n != 6 || c != 1) && err == nil && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		n, c, err = s.QueueDepth(ctx, vh, q)
	}
	if err != nil || n != 6 || c != 1 {
		t.Fatalf("with a consumer: %d ready, %d consumers, %v; want 6, 1", n, c, err)
	}
}

// A consume that acks must never drop: when the pane does not keep up, it
// waits for room with the rest still in the queue, instead of acking
// messages the ring then overwrites unseen.
func TestConsumeAckWaitsForTheScreenInsteadOfDropping(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("classic")
	brokertest.DeclareQueue(t, vh, q, "")
	conn := adminConn(t, vh)
	const total = 1000
	publishConfirmed(t, conn, "", q, numbered(total, "m")...)
	s := openTestSession(t, brokertest.URI())
	l, err := s.Consume(liveCtx(t), ConsumeSpec{Vhost: vh, Queue: q, Type: QueueClassic, Mode: ConsumeAck},
		LiveOptions{Capacity: 50, Prefetch: 100})
	if err != nil {
		t.Fatal(err)
	}
	closeLive(t, l)
	// Nobody drains: the ring fills (up to a batch short of full), and
	// then the consumer must wait: the count stops growing, with no drop.
	var last uint64
	for deadline, still := time.Now().Add(10*time.Second), 0; still < 5; time.Sleep(100 * time.Millisecond) {
		n := l.Stats().Received
		if n > 0 && n == last {
			still++
		} else {
			still = 0
		}
		last = n
		if time.Now().After(deadline) {
			t.Fatalf("the consumer never waited for the ring: %d received", n)
		}
	}
	st := l.Stats()
	if st.Dropped != 0 || st.Received > 50 || st.Received < 40 {
		t.Fatalf("undrained: received %d, dropped %d; want at most the ring (50) and no drops", st.Received, st.Dropped)
	}
	if n, _, err := s.QueueDepth(liveCtx(t), vh, q); err != nil || n < total-50-100-liveBatch {
		t.Fatalf("the queue should still hold all but the ring and the prefetch: %d ready (%v)", n, err)
	}
	var got []message.Message
	deadline := time.After(20 * time.Second)
	for len(got) < total {
		select {
		case <-deadline:
			t.Fatalf("drained %d of %d (state %v)", len(got), total, l.State())
		case <-time.After(5 * time.Millisecond): // a slow screen: 20 at a time
			b, dropped, _ := l.Drain(20)
			if dropped != 0 {
				t.Fatalf("dropped %d", dropped)
			}
			got = append(got, b...)
		}
	}
	for i, m := range got {
		if want := fmt.Sprintf("m %d", i); string(m.Body) != want {
			t.Fatalf("message %d is %q, want %q: lost or reordered", i, m.Body, want)
		}
	}
	eventuallyDepth(t, conn, q, 0)
}

// A consume that acks settles only what the screen has taken: closing the
// pane puts back every message it never showed, and what it took is acked.
func TestConsumeAckSettlesOnlyWhatTheScreenTook(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("classic")
	brokertest.DeclareQueue(t, vh, q, "")
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, numbered(100, "m")...)
	s := openTestSession(t, brokertest.URI())
	consume := func() *Live {
		l, err := s.Consume(liveCtx(t), ConsumeSpec{Vhost: vh, Queue: q, Type: QueueClassic, Mode: ConsumeAck}, LiveOptions{})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			if _, buffered := l.Progress(); buffered == 100 {
				return l
			}
			if time.Now().After(deadline) {
				t.Fatal("the pump never held all 100")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	l := consume()
	time.Sleep(10 * settleIdle) // long enough for any settling
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	eventuallyDepth(t, conn, q, 100) // none taken by the screen: none gone

	l = consume()
	closeLive(t, l)
	for taken := 0; taken < 100; {
		b, _, _ := l.Drain(30)
		taken += len(b)
	}
	eventuallyDepth(t, conn, q, 0) // all taken: all acked, pane still open
}
