package broker

import (
	"reflect"
	"strings"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/message"
)

// peekFingerprints peeks the first n messages of a classic or quorum
// queue and returns their fingerprints, in order, as the UI would get them.
func peekFingerprints(t *testing.T, s *Session, vh, q, typ string, n int) []string {
	t.Helper()
	res := peekOK(t, s, PeekRequest{Vhost: vh, Queue: q, Type: typ, Count: n, DeliveryLimit: -1})
	if len(res.Messages) != n {
		t.Fatalf("peek saw %d messages, want %d", len(res.Messages), n)
	}
	fps := make([]string, n)
	for i, m := range res.Messages {
		fps[i] = message.Fingerprint(m)
	}
	return fps
}

// wantSeqs reads the queue to its end and fails unless it held exactly
// the sequence numbers want, in order. readAll leaves its consumer on, so
// each queue is read once.
func wantSeqs(t *testing.T, conn *amqp.Connection, queue string, want []int64) {
	t.Helper()
	fs := readAll(t, conn, queue)
	got := make([]int64, len(fs))
	for i, f := range fs {
		got[i] = f.seq
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("queue %s holds seqs %v, want %v", queue, got, want)
	}
}

// counted checks the requeue figures of a move from a classic queue (what
// was held, and what was delivered past the last one taken, went back) and
// returns res without them or its duration, to compare with a MoveResult.
func counted(t *testing.T, res MoveResult) MoveResult {
	t.Helper()
	if held := res.Skipped + res.ReturnedToSource; res.Requeued < held || res.QueueType != QueueClassic && res.QueueType != "" ||
		res.RequeuedUnseen != 0 || res.ToTail != 0 || res.OverLimit != 0 || res.Reordered {
		t.Fatalf("result %+v: %d held, requeued %d", res, held, res.Requeued)
	}
	res.Requeued, res.QueueType, res.DeliveryLimit, res.Took = 0, "", 0, 0
	return res
}

func seqRange(from, to int64, except ...int64) []int64 {
	var out []int64
next:
	for i := from; i < to; i++ {
		for _, e := range except {
			if i == e {
				continue next
			}
		}
		out = append(out, i)
	}
	return out
}

// Only moves exactly the peeked messages marked, the first taken one and
// two in the middle, stops once it found them, and every other message
// stays in the source in its order. More are skipped than the window, so
// holding them must make room: the consumer is renewed. The first move
// names the queue classic, the others leave the type to the session's
// QueueTyper (the management API). A fingerprint never met is
// counted NotFound after the whole source was scanned.
func TestMoveOnlyMarked(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	conn := adminConn(t, vh)
	src, dst, _ := filledPair(t, vh, conn, 50) // typed, nested headers; a third without message id
	s := openTestSession(t, brokertest.URI())
	fps := peekFingerprints(t, s, vh, src, QueueClassic, 50)

	res, err := s.Move(moveCtx(t), MoveRequest{Vhost: vh, Queue: src, Target: ToQueue, TargetQueue: dst,
		Only: []string{fps[33], fps[17]}, Window: 16, QueueType: QueueClassic}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Taken: 0..33, the last one marked; so 32 skipped.
	want := MoveResult{Moved: 2, Skipped: 32}
	if res = counted(t, res); res != want {
		t.Fatalf("result %+v, want %+v", res, want)
	}
	if d := depth(t, conn, dst); d != 2 {
		t.Fatalf("target holds %d messages, want 2", d)
	}
	res, err = s.Move(moveCtx(t), MoveRequest{Vhost: vh, Queue: src, Target: ToQueue, TargetQueue: dst,
		Only: []string{fps[0], strings.Repeat("0", 64)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want = MoveResult{Moved: 1, Skipped: 47, NotFound: 1}
	if res = counted(t, res); res != want {
		t.Fatalf("second move: result %+v, want %+v", res, want)
	}
	wantSeqs(t, conn, dst, []int64{17, 33, 0})
	wantSeqs(t, conn, src, seqRange(1, 50, 17, 33))

	res, err = s.Move(moveCtx(t), MoveRequest{Vhost: vh, Queue: src, Target: ToQueue, TargetQueue: dst,
		Only: []string{fps[1]}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res = counted(t, res); res != (MoveResult{NotFound: 1}) {
		t.Fatalf("move from an empty source: %+v", res)
	}
}

// Two messages alike share a fingerprint: listed once, only the first
// moves; a failure among the selected still counts as ReturnedToSource,
// not Skipped.
func TestMoveOnlyCountsListings(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	src, ex := brokertest.Name("src"), brokertest.Name("ex")
	brokertest.DeclareQueue(t, vh, src, "")
	brokertest.DeclareExchange(t, vh, ex, "direct") // nothing bound: unroutable
	conn := adminConn(t, vh)
	same := amqp.Publishing{Body: []byte("same")}
	publishConfirmed(t, conn, "", src, same, amqp.Publishing{Body: []byte("other")}, same)
	fp := message.Fingerprint(message.Message{Body: []byte("same")})
	s := openTestSession(t, brokertest.URI())
	res, err := s.Move(moveCtx(t), MoveRequest{Vhost: vh, Queue: src, Target: ToExchange, Exchange: ex, RoutingKey: "k",
		Only: []string{fp}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The first "same" is taken, returned unroutable and held; then all
	// listed were found, so "other" and the second "same" are never taken.
	want := MoveResult{ReturnedToSource: 1, Unroutable: 1}
	if res = counted(t, res); res != want {
		t.Fatalf("result %+v, want %+v", res, want)
	}
	if got := bodies(drain(t, conn, src, nil)); !reflect.DeepEqual(got, []string{"same", "other", "same"}) {
		t.Fatalf("source holds %q", got)
	}
}

func bodies(ds []amqp.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = string(d.Body)
	}
	return out
}

// Remove deletes exactly the listed message, found by the fingerprint a
// peek gave, and the rest stay in order; a message listed twice but
// present once is removed once, and the second listing is NotFound, as is
// everything listed for an empty queue.
func TestRemoveListed(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("q")
	brokertest.DeclareQueue(t, vh, q, "")
	conn := adminConn(t, vh)
	fillSeq(t, conn, q, 20)
	s := openTestSession(t, brokertest.URI())
	fps := peekFingerprints(t, s, vh, q, QueueClassic, 20)

	res, err := s.Remove(moveCtx(t), RemoveRequest{Vhost: vh, Queue: q, Fingerprints: []string{fps[7], fps[12], fps[7]}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Removed != 2 || res.NotFound != 1 {
		t.Fatalf("result %+v, want 2 removed, 1 not found", res)
	}
	wantSeqs(t, conn, q, seqRange(0, 20, 7, 12))

	// The queue is empty now: nothing is found.
	res, err = s.Remove(moveCtx(t), RemoveRequest{Vhost: vh, Queue: q, Fingerprints: []string{fps[0]}})
	if err != nil || res.Removed != 0 || res.NotFound != 1 {
		t.Fatalf("remove from an empty queue: %+v, %v", res, err)
	}
}

// A quorum peek raises the delivery count the broker puts in a header;
// Remove still recognises the peeked message, and the others stay.
func TestRemoveAfterQuorumPeek(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("quorum")
	declareDurable(t, vh, q, `{"x-queue-type":"quorum"}`)
	conn := adminConn(t, vh)
	fillSeq(t, conn, q, 6)
	s := openTestSession(t, brokertest.URI())
	peekFingerprints(t, s, vh, q, QueueQuorum, 6) // a first peek: counts go to 1
	eventuallyDepth(t, conn, q, 6)
	fps := peekFingerprints(t, s, vh, q, QueueQuorum, 6)
	eventuallyDepth(t, conn, q, 6)

	// No limit (RabbitMQ 3.x): requeued messages go to the tail, so the
	// whole queue is taken and the other five requeued, in order.
	res, err := s.Remove(moveCtx(t), RemoveRequest{Vhost: vh, Queue: q, Fingerprints: []string{fps[2]}, DeliveryLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Removed != 1 || res.NotFound != 0 || res.Requeued != 5 || res.ToTail != 0 {
		t.Fatalf("result %+v, want 1 removed, 5 requeued", res)
	}
	eventuallyDepth(t, conn, q, 5)
	wantSeqs(t, conn, q, seqRange(0, 6, 2))
}

// A stream is append-only: Remove refuses it and says so, and the stream
// keeps every message.
func TestRemoveRefusesStream(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("stream")
	declareDurable(t, vh, q, `{"x-queue-type":"stream"}`)
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, numbered(3, "s")...)
	s := openTestSession(t, brokertest.URI())
	fp := message.Fingerprint(message.Message{Properties: message.Properties{MessageID: "s-1"}, Body: []byte("s 1")})
	_, err := s.Remove(moveCtx(t), RemoveRequest{Vhost: vh, Queue: q, Fingerprints: []string{fp}})
	if err == nil || !strings.Contains(err.Error(), "is a stream") || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("err = %v, want a refusal naming the stream", err)
	}
	if got := drain(t, conn, q, amqp.Table{"x-stream-offset": "first"}); len(got) != 3 {
		t.Fatalf("stream holds %d messages, want 3", len(got))
	}
}

// The last of 66,001 messages is found although every one before it is
// held: the consumer (its type from the management API) is renewed each
// time held messages fill half its prefetch, never stalling and never
// using a channel-wide prefetch, which RabbitMQ 4.3 refuses; and the held
// messages go back with one multiple nack, which a classic queue takes at
// once (one nack each took RabbitMQ 3.10 minutes).
func TestRemoveDeepPastPrefetchLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("66k messages: skipped under -short")
	}
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("deep")
	brokertest.DeclareQueue(t, vh, q, "")
	conn := adminConn(t, vh)
	const n = 66_000
	fillSeq(t, conn, q, n)
	publishConfirmed(t, conn, "", q, amqp.Publishing{Body: []byte("marker")})
	s := openTestSession(t, brokertest.URI())
	fp := message.Fingerprint(message.Message{Body: []byte("marker")})
	res, err := s.Remove(moveCtx(t), RemoveRequest{Vhost: vh, Queue: q, Fingerprints: []string{fp}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Removed != 1 || res.NotFound != 0 {
		t.Fatalf("result %+v, want 1 removed", res)
	}
	t.Logf("scanned %d messages in %v", n+1, res.Took)
	if got := readAll(t, conn, q); len(got) != n || !inOrder(got) {
		t.Fatalf("queue holds %d (in order: %v), want %d in order", len(got), inOrder(got), n)
	}
}
