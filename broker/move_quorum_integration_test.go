package broker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
)

// quorumMoveRequest moves everything from a quorum queue with the given
// delivery limit to a queue, as the UI asks for it.
func quorumMoveRequest(vh, src, dst string, limit int) MoveRequest {
	return MoveRequest{Vhost: vh, Queue: src, Target: ToQueue, TargetQueue: dst, QueueType: QueueQuorum, DeliveryLimit: limit}
}

// chargeHead takes the first n messages of a quorum queue with a consumer
// and requeues them, count times: each time their delivery count rises by
// one, as a peek's would.
func chargeHead(t *testing.T, conn *amqp.Connection, queue string, n, count int) {
	t.Helper()
	for i := 0; i < count; i++ {
		ch := adminChannel(t, conn)
		if err := ch.Qos(n, 0, false); err != nil {
			t.Fatal(err)
		}
		ds, err := ch.Consume(queue, "charge", false, false, false, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		var last uint64
		for j := 0; j < n; j++ {
			select {
			case d := <-ds:
				last = d.DeliveryTag
			case <-time.After(10 * time.Second):
				t.Fatalf("charge: %d of %d delivered", j, n)
			}
		}
		if err := ch.Cancel("charge", false); err != nil {
			t.Fatal(err)
		}
		if err := ch.Nack(last, true, true); err != nil {
			t.Fatal(err)
		}
		if err := ch.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// readCounts consumes the queue like readAll and also returns each
// message's x-delivery-count (0 when absent), in order. Acks never charge.
func readCounts(t *testing.T, conn *amqp.Connection, queue string) (fps []fingerprint, counts []int64) {
	t.Helper()
	_, ds := consumeManual(t, conn, queue)
	for {
		select {
		case d := <-ds:
			fps = append(fps, fingerprintOf(withoutCount(d.Headers), d.Body))
			counts = append(counts, deliveryCount(d.Headers))
			if err := d.Ack(false); err != nil {
				t.Fatal(err)
			}
		case <-time.After(500 * time.Millisecond):
			if depth(t, conn, queue) == 0 {
				return fps, counts
			}
		}
	}
}

func withoutCount(h amqp.Table) amqp.Table { return without(h, "x-delivery-count") }

// A quorum source is checked out a window at a time, so the move's idle
// check once saw zero ready (all checked out to the move itself) and
// ended at once, "moved 0", with the broker then requeueing everything.
// The move must move the whole queue, and the copies must not carry the
// source's delivery count. The type is left for the move to find out.
func TestMoveQuorumMovesAll(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	conn := adminConn(t, vh)
	src, dst := brokertest.Name("quorum"), brokertest.Name("dst")
	declareDurable(t, vh, src, `{"x-queue-type":"quorum","x-delivery-limit":2}`)
	brokertest.DeclareQueue(t, vh, dst, "")
	const n = 20_000
	want := fillSeq(t, conn, src, n)
	chargeHead(t, conn, src, 10, 1) // ten carry x-delivery-count 1
	s := openTestSession(t, brokertest.URI())
	req := quorumMoveRequest(vh, src, dst, 2)
	req.QueueType = ""
	res, err := s.Move(moveCtx(t), req, nil)
	t.Logf("result %+v", res)
	if err != nil {
		t.Fatal(err)
	}
	if res.Moved != n || res.Requeued != 0 || res.RequeuedUnseen != 0 || res.ReturnedToSource != 0 || res.QueueType != QueueQuorum {
		t.Fatalf("result %+v", res)
	}
	eventuallyDepth(t, conn, src, 0)
	got, counts := readCounts(t, conn, dst)
	if len(got) != n {
		t.Fatalf("target holds %d, want %d", len(got), n)
	}
	seen := map[fingerprint]int{}
	for i, f := range got {
		seen[f]++
		if counts[i] != 0 {
			t.Fatalf("copy of seq %d carries x-delivery-count %d", f.seq, counts[i])
		}
	}
	for _, f := range want {
		if seen[f] != 1 {
			t.Fatalf("seq %d arrived %d times", f.seq, seen[f])
		}
	}
}

// Return to origin from a quorum dead-letter queue with a delivery limit
// of 3, holding messages without x-death among dead letters: the plain
// ones stay, each requeued once (delivery count +1, back at the head in
// order), except those already at the limit, which a requeue would have
// the broker drop: they go to the tail as copies. Nothing is lost, and the
// result counts each.
func TestMoveQuorumReturnToOriginKeepsPlain(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	conn := adminConn(t, vh)
	origin, dlq := brokertest.Name("origin"), brokertest.Name("dlq")
	declareDurable(t, vh, dlq, `{"x-queue-type":"quorum","x-delivery-limit":3}`)
	brokertest.DeclareQueue(t, vh, origin, `{"x-dead-letter-exchange":"","x-dead-letter-routing-key":"`+dlq+`"}`)
	plain := func(from, n int) {
		msgs := make([]amqp.Publishing, n)
		for i := range msgs {
			msgs[i] = amqp.Publishing{Body: []byte(fmt.Sprintf("plain %d", from+i)), Headers: amqp.Table{"seq": int64(from + i)}}
		}
		publishConfirmed(t, conn, "", dlq, msgs...)
	}
	dead := func(from, n int) {
		msgs := make([]amqp.Publishing, n)
		for i := range msgs {
			msgs[i] = amqp.Publishing{Body: []byte(fmt.Sprintf("dead %d", from+i)), Headers: amqp.Table{"seq": int64(from + i)}}
		}
		publishConfirmed(t, conn, "", origin, msgs...)
		rejectFirst(t, conn, origin, n)
	}
	// The DLQ: 50 plain (0-49), 100 dead (1000-1099), 50 plain (50-99),
	// 100 dead (1100-1199). The first 100 are charged to the limit.
	plain(0, 50)
	dead(1000, 100)
	plain(50, 50)
	dead(1100, 100)
	eventuallyDepth(t, conn, dlq, 300)
	chargeHead(t, conn, dlq, 100, 3)

	s := openTestSession(t, brokertest.URI())
	res, err := s.Move(moveCtx(t), MoveRequest{Vhost: vh, Queue: dlq, Target: ReturnToOrigin, QueueType: QueueQuorum, DeliveryLimit: 3}, nil)
	t.Logf("result %+v", res)
	if err != nil {
		t.Fatal(err)
	}
	if res.Moved != 200 || res.NoOrigin != 100 || res.ToTail != 50 || res.Requeued != 50 || res.OverLimit != 0 || res.RequeuedUnseen != 0 {
		t.Fatalf("result %+v, want 200 moved, 100 without origin: 50 requeued, 50 to the tail", res)
	}
	if got := depth(t, conn, origin); got != 200 {
		t.Errorf("origin holds %d, want 200", got)
	}
	got, counts := readCounts(t, conn, dlq)
	if len(got) != 100 {
		for i, f := range got {
			t.Logf("%d: seq %d count %d", i, f.seq, counts[i])
		}
		t.Fatalf("the DLQ holds %d, want the 100 plain ones", len(got))
	}
	seen := map[int64]bool{}
	for i, f := range got {
		seen[f.seq] = true
		// First the ones requeued in place (charged once, in order), then
		// the copies at the tail (a fresh count).
		switch {
		case i < 50 && (f.seq != int64(50+i) || counts[i] != 1):
			t.Errorf("position %d: seq %d count %d, want seq %d count 1", i, f.seq, counts[i], 50+i)
		case i >= 50 && (f.seq >= 50 || counts[i] != 0):
			t.Errorf("position %d: seq %d count %d, want a copy of seq 0-49 with count 0", i, f.seq, counts[i])
		}
	}
	if len(seen) != 100 {
		t.Errorf("%d distinct plain messages, want 100", len(seen))
	}
}

// Losing the move's link twice on a quorum queue with a delivery limit of
// 3 loses nothing: only the messages checked out at the time are charged
// (a window, not the queue), and the charges the results report match the
// delivery counts the broker then shows.
func TestMoveQuorumLinkLostTwice(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	conn := adminConn(t, vh)
	src, dst := brokertest.Name("quorum"), brokertest.Name("dst")
	declareDurable(t, vh, src, `{"x-queue-type":"quorum","x-delivery-limit":3}`)
	brokertest.DeclareQueue(t, vh, dst, "")
	const n = 20_000
	fillSeq(t, conn, src, n)
	s := openTestSession(t, brokertest.URI())
	var results []MoveResult
	for round := 0; round < 2; round++ {
		var once sync.Once
		killed := make(chan bool, 1)
		res, err := s.Move(moveCtx(t), quorumMoveRequest(vh, src, dst, 3), func(p MoveProgress) {
			if p.Moved >= 3000 {
				once.Do(func() {
					ok := false
					for end := time.Now().Add(20 * time.Second); !ok && time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
						ok = killMoveConnection(t, vh)
					}
					killed <- ok
				})
			}
		})
		t.Logf("round %d: err %v; result %+v", round, err, res)
		if !<-killed || err == nil {
			t.Fatalf("round %d: the link was not lost (err %v)", round, err)
		}
		if res.Requeued > 1024+64 || res.OverLimit != 0 {
			t.Fatalf("round %d: %d requeued, %d over the limit: more than the window was checked out", round, res.Requeued, res.OverLimit)
		}
		results = append(results, res)
	}
	moved := readAll(t, conn, dst)
	left, counts := readCounts(t, conn, src)
	seen := map[int64]int{}
	for _, f := range append(append([]fingerprint(nil), moved...), left...) {
		seen[f.seq]++
	}
	if len(seen) != n {
		t.Fatalf("lost %d messages", n-len(seen))
	}
	var charges int64
	charged := 0
	for _, c := range counts {
		charges += c
		charged += b2i(c > 0)
		if c > 2 {
			t.Errorf("a message was charged %d times in two link losses", c)
		}
	}
	// Every copy confirmed is at the target (one in doubt may be too);
	// what the second round reports requeued had no ack sent, so it is in
	// the source, charged; the charges never exceed what was reported.
	var moved0, inDoubt, dupRisk, high int
	for _, r := range results {
		moved0 += r.Moved
		inDoubt += r.InDoubt
		dupRisk += r.DuplicateRisk
		high += r.Requeued + r.RequeuedUnseen + r.DuplicateRisk
	}
	dups := len(moved) + len(left) - n
	t.Logf("target %d, source %d (%d duplicates); %d in the source charged, %d charges in all; reported: moved %d, at risk %d, charges at most %d",
		len(moved), len(left), dups, charged, charges, moved0, dupRisk, high)
	if len(moved) < moved0 || len(moved) > moved0+inDoubt {
		t.Errorf("target holds %d, the results say %d moved (%d in doubt)", len(moved), moved0, inDoubt)
	}
	if dups > dupRisk {
		t.Errorf("%d duplicates, %d reported at risk", dups, dupRisk)
	}
	if charged < results[1].Requeued || charges > int64(high) {
		t.Errorf("%d charged in the source (%d charges); the results report %d requeued last, at most %d charges", charged, charges, results[1].Requeued, high)
	}
}

// seqMessages are n persistent messages carrying their sequence number,
// with the fingerprints a peek would show for them.
func seqMessages(n int) ([]amqp.Publishing, []string) {
	msgs, fps := make([]amqp.Publishing, n), make([]string, n)
	for i := range msgs {
		msgs[i] = amqp.Publishing{DeliveryMode: amqp.Persistent, MessageId: fmt.Sprintf("m-%d", i),
			Headers: amqp.Table{"seq": int64(i)}, Body: []byte(fmt.Sprintf("body %d", i))}
		fps[i] = deliveryFingerprint(&amqp.Delivery{DeliveryMode: amqp.Persistent, MessageId: msgs[i].MessageId,
			Headers: msgs[i].Headers, Body: msgs[i].Body})
	}
	return msgs, fps
}

// Held messages fill a quorum consumer's small prefetch (every copy is
// unroutable): the move renews its consumer instead of stalling, and gives
// every one back in order, charged once.
func TestMoveQuorumUnroutableKeepsOrder(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	conn := adminConn(t, vh)
	src, ex := brokertest.Name("quorum"), brokertest.Name("ex")
	declareDurable(t, vh, src, `{"x-queue-type":"quorum","x-delivery-limit":3}`)
	brokertest.DeclareExchange(t, vh, ex, "direct")
	const n = 3000
	fillSeq(t, conn, src, n)
	s := openTestSession(t, brokertest.URI())
	res, err := s.Move(moveCtx(t), MoveRequest{Vhost: vh, Queue: src, Target: ToExchange, Exchange: ex, RoutingKey: "k",
		Window: 256, QueueType: QueueQuorum, DeliveryLimit: 3}, nil)
	t.Logf("result %+v", res)
	if err != nil {
		t.Fatal(err)
	}
	if res.Moved != 0 || res.Unroutable != n || res.Requeued != n || res.Reordered || res.OverLimit != 0 {
		t.Fatalf("result %+v", res)
	}
	eventuallyDepth(t, conn, src, n)
	got, counts := readCounts(t, conn, src)
	if len(got) != n || !inOrder(got) {
		t.Fatalf("source holds %d (in order: %v), want %d in order", len(got), inOrder(got), n)
	}
	for i, c := range counts {
		if c != 1 {
			t.Fatalf("message %d: delivery count %d, want 1", i, c)
		}
	}
}

// Removing one message 300 deep in a quorum queue with a limit charges
// the 300 ahead of it (they must be taken) and few past it: the consumer
// starts small and doubles. Everything else stays, in order.
func TestRemoveFromQuorumChargesLittle(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	conn := adminConn(t, vh)
	q := brokertest.Name("quorum")
	declareDurable(t, vh, q, `{"x-queue-type":"quorum","x-delivery-limit":3}`)
	msgs, fps := seqMessages(5000)
	publishConfirmed(t, conn, "", q, msgs...)
	s := openTestSession(t, brokertest.URI())
	res, err := s.Remove(moveCtx(t), RemoveRequest{Vhost: vh, Queue: q, Fingerprints: []string{fps[300]}, DeliveryLimit: 3})
	t.Logf("result %+v", res)
	if err != nil {
		t.Fatal(err)
	}
	if res.Removed != 1 || res.NotFound != 0 || res.ToTail != 0 || res.Requeued < 300 || res.Requeued > 2*300 {
		t.Fatalf("result %+v, want 1 removed and 300 to 600 requeued", res)
	}
	eventuallyDepth(t, conn, q, 4999)
	got, counts := readCounts(t, conn, q)
	if len(got) != 4999 || !inOrder(got) || got[299].seq != 299 || got[300].seq != 301 {
		t.Fatalf("queue holds %d (in order %v)", len(got), inOrder(got))
	}
	charged := 0
	for i, c := range counts {
		if c > 1 || (i < 300 && c != 1) {
			t.Fatalf("message %d (seq %d): delivery count %d", i, got[i].seq, c)
		}
		charged += int(c)
	}
	if charged != res.Requeued {
		t.Fatalf("%d messages charged, the result says %d requeued", charged, res.Requeued)
	}
}

// Cancelling a quorum move mid-way: what was checked out and not moved
// goes back to the head in order, charged once each, and the result counts
// exactly those; the rest were never touched.
func TestMoveQuorumCancelSaysWhatItCharged(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	conn := adminConn(t, vh)
	src, dst := brokertest.Name("quorum"), brokertest.Name("dst")
	declareDurable(t, vh, src, `{"x-queue-type":"quorum","x-delivery-limit":3}`)
	brokertest.DeclareQueue(t, vh, dst, "")
	const n = 20_000
	fillSeq(t, conn, src, n)
	s := openTestSession(t, brokertest.URI())
	ctx, cancel := context.WithCancel(moveCtx(t))
	defer cancel()
	res, err := s.Move(ctx, quorumMoveRequest(vh, src, dst, 3), func(p MoveProgress) {
		if p.Moved >= 2000 {
			cancel()
		}
	})
	t.Logf("result %+v", res)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	moved := readAll(t, conn, dst)
	left, counts := readCounts(t, conn, src)
	if len(moved) != res.Moved || len(moved)+len(left) != n || res.DuplicateRisk != 0 || res.RequeuedUnseen != 0 || res.Reordered {
		t.Fatalf("result %+v, target %d, source %d", res, len(moved), len(left))
	}
	if !inOrder(moved) || !inOrder(left) || (len(moved) > 0 && len(left) > 0 && left[0].seq != moved[len(moved)-1].seq+1) {
		t.Fatal("order not kept")
	}
	charged := 0
	for i, c := range counts {
		if c > 1 || (c == 1) != (i < res.Requeued) {
			t.Fatalf("source message %d (seq %d): delivery count %d; %d reported requeued", i, left[i].seq, c, res.Requeued)
		}
		charged += int(c)
	}
	if charged != res.Requeued || charged > 1024 {
		t.Fatalf("%d charged, %d reported", charged, res.Requeued)
	}
}
