package broker

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
)

func moveCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// The headline case: 100,000 messages classic → classic, every one
// arriving with the same body and headers, in order, none left behind.
// The source is named classic, as the UI does, so the move reads it with a
// consumer prefetch.
func TestMove100k(t *testing.T) {
	if testing.Short() {
		t.Skip("100k messages: skipped under -short")
	}
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	conn := adminConn(t, vh)
	const n = 100_000
	src, dst, want := filledPair(t, vh, conn, n)

	s := openTestSession(t, brokertest.URI())
	var last MoveProgress
	res, err := s.Move(moveCtx(t), MoveRequest{Vhost: vh, Queue: src, Target: ToQueue, TargetQueue: dst, QueueType: QueueClassic},
		func(p MoveProgress) { last = p })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("moved %d in %v (%.0f msg/s)", res.Moved, res.Took, float64(res.Moved)/res.Took.Seconds())
	if res.Moved != n || res.ReturnedToSource != 0 || res.DuplicateRisk != 0 || last.Moved != n {
		t.Fatalf("result %+v, last progress %+v", res, last)
	}
	if d := depth(t, conn, src); d != 0 {
		t.Fatalf("%d left in the source", d)
	}
	got := readAll(t, conn, dst)
	if len(got) != n {
		t.Fatalf("target holds %d, want %d", len(got), n)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("message %d differs (seq %d, want seq %d): order or content changed", i, got[i].seq, want[i].seq)
		}
	}
}

// Dead letters from two queues bound to the same exchange and key go back
// to the queue each died in, and to no other bound queue; one without an
// origin stays in the dead-letter queue.
func TestMoveReturnToOrigin(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	ex, a, b, c, dlq := brokertest.Name("ex"), brokertest.Name("a"), brokertest.Name("b"), brokertest.Name("c"), brokertest.Name("dlq")
	brokertest.DeclareExchange(t, vh, ex, "direct")
	dlx := `{"x-dead-letter-exchange":"","x-dead-letter-routing-key":"` + dlq + `"}`
	brokertest.DeclareQueue(t, vh, a, dlx)
	brokertest.DeclareQueue(t, vh, b, dlx)
	brokertest.DeclareQueue(t, vh, c, "") // bound too, but never failed
	brokertest.DeclareQueue(t, vh, dlq, "")
	for _, q := range []string{a, b, c} {
		brokertest.MustDo(t, "POST", "/api/bindings/"+brokertest.Esc(vh)+"/e/"+brokertest.Esc(ex)+"/q/"+brokertest.Esc(q),
			[]byte(`{"routing_key":"k"}`))
	}
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, ex, "k", numbered(10, "m")...)
	rejectFirst(t, conn, a, 10) // all of a's die
	rejectFirst(t, conn, b, 4)  // four of b's die
	readAll(t, conn, c)
	publishConfirmed(t, conn, "", dlq, numbered(1, "no-origin")...)
	eventuallyDepth(t, conn, dlq, 15)

	s := openTestSession(t, brokertest.URI())
	res, err := s.Move(moveCtx(t), MoveRequest{Vhost: vh, Queue: dlq, Target: ReturnToOrigin}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Moved != 14 || res.NoOrigin != 1 || res.ReturnedToSource != 1 {
		t.Fatalf("result %+v", res)
	}
	for q, want := range map[string]int{a: 10, b: 4 + 6, c: 0, dlq: 1} {
		if got := depth(t, conn, q); got != want {
			t.Errorf("queue %s holds %d, want %d", q, got, want)
		}
	}
}

// rejectFirst has a plain consumer reject n messages without requeue (so
// the broker dead-letters them) and leave the rest in the queue.
func rejectFirst(t *testing.T, conn *amqp.Connection, queue string, n int) {
	t.Helper()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	for i := 0; i < n; i++ {
		d, ok, err := ch.Get(queue, false)
		if err != nil || !ok {
			t.Fatalf("get %d from %s: %v %v", i, queue, ok, err)
		}
		if err := d.Reject(false); err != nil {
			t.Fatal(err)
		}
	}
}

// A target nothing is bound to returns every message: all stay in the
// source, in order, counted unroutable. More messages than the window
// prove that holding failures does not stall the move: the consumer is
// renewed each time held messages fill half its prefetch, whether the
// type was given or learnt from the management API.
func TestMoveUnroutableLeavesSource(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	conn := adminConn(t, vh)
	s := openTestSession(t, brokertest.URI())
	for _, qtype := range []string{"", QueueClassic} {
		t.Run("type "+qtype, func(t *testing.T) {
			src, ex := brokertest.Name("src"), brokertest.Name("ex")
			brokertest.DeclareQueue(t, vh, src, "")
			brokertest.DeclareExchange(t, vh, ex, "direct")
			const n = 3000
			fillSeq(t, conn, src, n)
			res, err := s.Move(moveCtx(t), MoveRequest{Vhost: vh, Queue: src, Target: ToExchange, Exchange: ex, RoutingKey: "k",
				Window: 256, QueueType: qtype}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Moved != 0 || res.Unroutable != n || res.ReturnedToSource != n {
				t.Fatalf("result %+v", res)
			}
			got := readAll(t, conn, src)
			if len(got) != n || !inOrder(got) {
				t.Fatalf("source holds %d (in order: %v), want %d in order", len(got), inOrder(got), n)
			}
		})
	}
}

// Cancelling mid-move leaves every unmoved message in the source, in
// order; the moved ones are at the target, in order.
func TestMoveCancelKeepsOrder(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	conn := adminConn(t, vh)
	const n = 20_000
	src, dst, _ := filledPair(t, vh, conn, n)
	s := openTestSession(t, brokertest.URI())
	ctx, cancel := context.WithCancel(moveCtx(t))
	defer cancel()
	res, err := s.Move(ctx, MoveRequest{Vhost: vh, Queue: src, Target: ToQueue, TargetQueue: dst},
		func(p MoveProgress) {
			if p.Moved >= 2000 {
				cancel()
			}
		})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	moved, left := readAll(t, conn, dst), readAll(t, conn, src)
	t.Logf("result %+v; target %d, source %d", res, len(moved), len(left))
	if len(moved) != res.Moved || len(moved)+len(left) != n || res.DuplicateRisk != 0 {
		t.Fatalf("result %+v, target %d, source %d", res, len(moved), len(left))
	}
	if !inOrder(moved) || !inOrder(left) || (len(moved) > 0 && len(left) > 0 && left[0].seq != moved[len(moved)-1].seq+1) {
		t.Fatal("order not kept")
	}
}

// Killing the move's connection from the broker side loses nothing: every
// message is in the source or the target (duplicates allowed), and the
// duplicates are within what the result reports as at risk.
func TestMoveConnectionKilled(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	conn := adminConn(t, vh)
	const n = 30_000
	src, dst, _ := filledPair(t, vh, conn, n)
	s := openTestSession(t, brokertest.URI())
	var once sync.Once
	killed := make(chan bool, 1)
	res, err := s.Move(moveCtx(t), MoveRequest{Vhost: vh, Queue: src, Target: ToQueue, TargetQueue: dst},
		func(p MoveProgress) {
			if p.Moved >= 3000 {
				// The move waits here (progress runs on its settling path)
				// until the management API lists its connection and closes it.
				once.Do(func() {
					ok := false
					for end := time.Now().Add(20 * time.Second); !ok && time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
						ok = killMoveConnection(t, vh)
					}
					killed <- ok
				})
			}
		})
	if !<-killed {
		t.Fatal("could not find and close the move's connection")
	}
	if err == nil {
		t.Fatalf("move reported no error after its connection was closed: %+v", res)
	}
	moved, left := readAll(t, conn, dst), readAll(t, conn, src)
	seen := map[int64]int{}
	for _, f := range append(append([]fingerprint(nil), moved...), left...) {
		seen[f.seq]++
	}
	dups := len(moved) + len(left) - n
	t.Logf("err %v; result %+v; target %d, source %d, duplicates %d", err, res, len(moved), len(left), dups)
	if len(seen) != n {
		t.Fatalf("lost %d messages", n-len(seen))
	}
	if dups > res.DuplicateRisk {
		t.Fatalf("%d duplicates, but only %d reported at risk", dups, res.DuplicateRisk)
	}
}

// A quorum queue the move is not told the type of: the session asks the
// management API and reads it as a quorum queue, moving everything in
// order. Without a QueueTyper the move refuses before taking anything.
func TestMoveFromQuorum(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	src, dst := brokertest.Name("quorum"), brokertest.Name("dst")
	declareDurable(t, vh, src, `{"x-queue-type":"quorum"}`)
	brokertest.DeclareQueue(t, vh, dst, "")
	conn := adminConn(t, vh)
	const n = 2000
	want := fillSeq(t, conn, src, n)
	s := openTestSession(t, brokertest.URI())
	s.SetQueueTyper(nil)
	_, err := s.Move(moveCtx(t), MoveRequest{Vhost: vh, Queue: src, Target: ToQueue, TargetQueue: dst}, nil)
	if err == nil || !strings.Contains(err.Error(), "type (classic or quorum) is unknown") {
		t.Fatalf("a move of unknown type without a QueueTyper: %v", err)
	}
	eventuallyDepth(t, conn, src, n)
	s.SetQueueTyper(apiClient(t))
	res, err := s.Move(moveCtx(t), MoveRequest{Vhost: vh, Queue: src, Target: ToQueue, TargetQueue: dst}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Moved != n || res.ReturnedToSource != 0 || res.QueueType != QueueQuorum {
		t.Fatalf("result %+v", res)
	}
	eventuallyDepth(t, conn, src, 0)
	got := readAll(t, conn, dst)
	if len(got) != n || !inOrder(got) || got[0] != want[0] || got[n-1] != want[n-1] {
		t.Fatalf("target holds %d (in order: %v), want %d in order", len(got), inOrder(got), n)
	}
}

// A message published with a CC header keeps it (dead-lettering strips
// it, a plain queue does not). Sent on through the default exchange, each
// CC entry would name one more queue; moves drop CC there, so only the
// target gets the message.
func TestMoveToQueueIgnoresCC(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	src, dst, other := brokertest.Name("src"), brokertest.Name("dst"), brokertest.Name("other")
	brokertest.DeclareQueue(t, vh, src, "")
	brokertest.DeclareQueue(t, vh, dst, "")
	conn := adminConn(t, vh)
	// CC names a queue that does not exist yet, so only src gets it now.
	publishConfirmed(t, conn, "", src, amqp.Publishing{Body: []byte("cc"), Headers: amqp.Table{"CC": []any{other}}})
	brokertest.DeclareQueue(t, vh, other, "") // later, a queue of that name

	s := openTestSession(t, brokertest.URI())
	res, err := s.Move(moveCtx(t), MoveRequest{Vhost: vh, Queue: src, Target: ToQueue, TargetQueue: dst}, nil)
	if err != nil || res.Moved != 1 {
		t.Fatalf("move: %+v %v", res, err)
	}
	if got := depth(t, conn, dst); got != 1 {
		t.Errorf("target holds %d, want 1", got)
	}
	if got := depth(t, conn, other); got != 0 {
		t.Errorf("the queue named in CC got %d copies, want none", got)
	}
}
