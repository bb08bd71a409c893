package broker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/internal/testnode"
)

// Faults lose nothing. A durable classic queue is filled with persistent
// messages numbered in their bodies and moved to another with Move, as the
// UI does; each case breaks the broker mid-move, and the next case moves
// on what is left (as a person would after a move stopped), so the
// 100,000 are written once and read once. A duplicate is a message in
// both queues (its copy confirmed, its ack lost), so what a case adds to
// the two queues' total is exactly its duplicates; a final clean move and
// a read of the target prove every number arrived. These tests stop, kill
// and alarm a broker, so they run on a node of their own
// (internal/testnode), never on the shared one.

// faultN is how many messages the move cases carry. The fault comes once
// 30% of a move's messages are moved.
const faultN = 100_000

func TestMoveFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts and kills a RabbitMQ node: skipped under -short")
	}
	node := testnode.Start(t)
	s := openTestSession(t, node.URI())
	killAndStart := func() error {
		if err := node.Kill9(); err != nil {
			return err
		}
		return node.Start()
	}
	src, dst := brokertest.Name("src"), brokertest.Name("dst")
	conn := nodeConn(t, node)
	declareDurableQueue(t, conn, src, nil)
	declareDurableQueue(t, conn, dst, nil)
	fillPersistent(t, conn, "", src, faultN)
	req := MoveRequest{Vhost: "/", Queue: src, Target: ToQueue, TargetQueue: dst, QueueType: QueueClassic}
	held := faultN // in the two queues together
	for _, c := range []struct {
		name  string
		fault func() error
		// exact: the broker lived through the fault (or shut down cleanly),
		// so every ack it read was kept, and the summary's "may exist
		// twice" must cover every duplicate. After a kill -9, acks it read
		// but had not yet written to disk are lost too, which no client can
		// count.
		exact bool
	}{
		{"all connections closed", func() error { return node.CloseAllConnections("warren fault test") }, true},
		{"node restarted", node.Restart, true},
		{"kill -9 then start", killAndStart, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := moveWithFault(t, s, req, c.fault)
			conn := nodeConn(t, node)
			left, moved := nodeDepth(t, conn, src), nodeDepth(t, conn, dst)
			dups := left + moved - held
			held = left + moved
			t.Logf("%s: source %d, target %d: %d new duplicates (negative: lost); the summary: %s (err %v)",
				c.name, left, moved, dups, resultLine(res), err)
			if err == nil {
				t.Errorf("the interrupted move reported no error: %+v", res)
			}
			if dups < 0 {
				t.Errorf("LOST %d", -dups)
			}
			if c.exact && dups > res.DuplicateRisk {
				t.Errorf("%d duplicates, but the summary said %d may exist twice", dups, res.DuplicateRisk)
			}
			if !c.exact && dups > res.DuplicateRisk {
				t.Logf("KNOWN GAP: %d duplicates after kill -9, the summary said %d may exist twice "+
					"and does not say that the broker may have lost acks it had read", dups, res.DuplicateRisk)
			}
		})
	}

	t.Run("audit after a clean move", func(t *testing.T) {
		res := finishMove(t, s, req)
		conn := nodeConn(t, node)
		if left := nodeDepth(t, conn, src); left != 0 {
			t.Errorf("%d left in the source after a clean move (%s)", left, resultLine(res))
		}
		seen, _ := readSeqs(t, conn, dst)
		lost, total := 0, 0
		for i := 0; i < faultN; i++ {
			if seen[i] == 0 {
				lost++
			}
			total += seen[i]
		}
		t.Logf("AUDIT of %d: lost %d, the target holds %d (duplicates %d)", faultN, lost, total, total-(faultN-lost))
		if lost != 0 || len(seen) > faultN {
			t.Errorf("LOST %d of %d; %d numbers never sent", lost, faultN, max(len(seen)-faultN, 0))
		}
		deleteQueues(t, node, src, dst)
	})

	t.Run("return to origin, connections closed", func(t *testing.T) {
		const n = 10_000
		orig, dlq := brokertest.Name("orig"), brokertest.Name("dlq")
		conn := nodeConn(t, node)
		declareDurableQueue(t, conn, dlq, nil)
		declareDurableQueue(t, conn, orig, amqp.Table{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq})
		fillPersistent(t, conn, "", orig, n)
		rejectAll(t, conn, orig, n)
		waitDepth(t, conn, dlq, n)
		req := MoveRequest{Vhost: "/", Queue: dlq, Target: ReturnToOrigin, QueueType: QueueClassic}
		first, err := moveWithFault(t, s, req, func() error { return node.CloseAllConnections("warren fault test") })
		finishMove(t, s, req)
		conn = nodeConn(t, node)
		left := nodeDepth(t, conn, dlq)
		seen, xdeath := readSeqs(t, conn, orig)
		lost, total := 0, 0
		for i := 0; i < n; i++ {
			if seen[i] == 0 {
				lost++
			}
			total += seen[i]
		}
		dups := total - (n - lost)
		t.Logf("AUDIT of %d dead letters: lost %d, duplicates in the origin %d, left in the DLQ %d; "+
			"the interrupted move's summary: %s (err %v)", n, lost, dups, left, resultLine(first), err)
		if lost != 0 || left != 0 {
			t.Errorf("LOST %d, %d left in the dead-letter queue", lost, left)
		}
		if err == nil || first.NoOrigin != 0 {
			t.Errorf("interrupted move: %+v, err %v", first, err)
		}
		if dups > first.DuplicateRisk {
			t.Errorf("%d duplicates in the origin, but the summary said %d may exist twice", dups, first.DuplicateRisk)
		}
		if !xdeath {
			t.Error("returned messages lost their x-death history")
		}
		deleteQueues(t, node, orig, dlq)
	})
}

// moveWithFault runs a Move and, once 30% of its messages are moved, injects
// the fault beside it (the move runs on at full speed meanwhile). It
// returns once both the move and the fault are over; the fault must work.
func moveWithFault(t *testing.T, s *Session, req MoveRequest, fault func() error) (MoveResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var once sync.Once
	faulted := make(chan error, 1)
	start := time.Now()
	res, err := s.Move(ctx, req, func(p MoveProgress) {
		if p.Moved >= p.Total*3/10 {
			once.Do(func() {
				t.Logf("fault at %d moved (%v in)", p.Moved, time.Since(start).Round(time.Millisecond))
				go func() { faulted <- fault() }()
			})
		}
	})
	t.Logf("move returned after %v", time.Since(start).Round(time.Millisecond))
	once.Do(func() { faulted <- errors.New("the move ended before the fault was injected") })
	if ferr := <-faulted; ferr != nil {
		t.Fatalf("fault: %v (move: %+v, %v)", ferr, res, err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the move hung until its deadline: %+v", res)
	}
	return res, err
}

// finishMove moves what the fault left in the source with a second Move,
// which meets no fault and so must be clean.
func finishMove(t *testing.T, s *Session, req MoveRequest) MoveResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := s.Move(ctx, req, nil)
	if err != nil {
		t.Errorf("second move: %v (%+v)", err, res)
	}
	if res.DuplicateRisk != 0 || res.ReturnedToSource != 0 {
		t.Errorf("second move, with no fault: %+v", res)
	}
	return res
}

// nodeConn is a plain connection to the test node, closed with the test.
func nodeConn(t *testing.T, node *testnode.Node) *amqp.Connection {
	t.Helper()
	conn, err := amqp.Dial(node.URI())
	if err != nil {
		t.Fatalf("dial the test node: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func declareDurableQueue(t *testing.T, conn *amqp.Connection, name string, args amqp.Table) {
	t.Helper()
	ch := adminChannel(t, conn)
	if _, err := ch.QueueDeclare(name, true, false, false, false, args); err != nil {
		t.Fatalf("declare %s: %v", name, err)
	}
}

// deleteQueues keeps the node light for the next case (a kill -9
// recovers every queue on it).
func deleteQueues(t *testing.T, node *testnode.Node, queues ...string) {
	t.Helper()
	conn := nodeConn(t, node)
	ch := adminChannel(t, conn)
	for _, q := range queues {
		if _, err := ch.QueueDelete(q, false, false, false); err != nil {
			t.Errorf("delete %s: %v", q, err)
		}
	}
}

func nodeDepth(t *testing.T, conn *amqp.Connection, queue string) int {
	t.Helper()
	ch := adminChannel(t, conn)
	q, err := ch.QueueDeclarePassive(queue, true, false, false, false, nil)
	if err != nil {
		t.Fatalf("passive declare %s: %v", queue, err)
	}
	return q.Messages
}

// fillPersistent publishes n persistent 256-byte messages, each carrying
// its number at the head of its body (and in a "seq" header), with
// confirms.
func fillPersistent(t *testing.T, conn *amqp.Connection, exchange, key string, n int) {
	t.Helper()
	start := time.Now()
	ch := adminChannel(t, conn)
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pending := make([]*amqp.DeferredConfirmation, 0, 2048)
	wait := func() {
		for _, dc := range pending {
			if ok, err := dc.WaitContext(ctx); err != nil || !ok {
				t.Fatalf("fill not confirmed: %v", err)
			}
		}
		pending = pending[:0]
	}
	pad := make([]byte, 256)
	for i := range pad {
		pad[i] = '.'
	}
	for i := 0; i < n; i++ {
		body := append([]byte(nil), pad...)
		copy(body, fmt.Sprintf("%08d", i))
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, exchange, key, false, false, amqp.Publishing{
			DeliveryMode: amqp.Persistent, Body: body, Headers: amqp.Table{"seq": int64(i)},
		})
		if err != nil {
			t.Fatal(err)
		}
		if pending = append(pending, dc); len(pending) == cap(pending) {
			wait()
		}
	}
	wait()
	t.Logf("filled %d persistent messages in %v", n, time.Since(start).Round(time.Millisecond))
}

// rejectAll has a plain consumer reject n messages without requeue, so
// the broker dead-letters each with a real x-death.
func rejectAll(t *testing.T, conn *amqp.Connection, queue string, n int) {
	t.Helper()
	ch := adminChannel(t, conn)
	if err := ch.Qos(1000, 0, false); err != nil {
		t.Fatal(err)
	}
	ds, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		d := <-ds
		if i%500 == 0 || i == n {
			if err := d.Nack(true, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitDepth(t, conn, queue, 0)
}

// waitDepth waits (up to a minute) until queue holds want messages: dead
// letters reach their queue a moment after the reject.
func waitDepth(t *testing.T, conn *amqp.Connection, queue string, want int) {
	t.Helper()
	n := -1
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if n = nodeDepth(t, conn, queue); n == want {
			return
		}
	}
	t.Fatalf("%s holds %d messages, want %d", queue, n, want)
}

// resultLine is a move's result in the words of the UI's summary.
func resultLine(r MoveResult) string {
	return fmt.Sprintf("moved %d · returned to the source %d (unroutable %d, nacked %d, in doubt %d, no origin %d) · may exist twice %d",
		r.Moved, r.ReturnedToSource, r.Unroutable, r.Nacked, r.InDoubt, r.NoOrigin, r.DuplicateRisk)
}

// readSeqs takes every message of queue (which nothing else touches) and
// counts how often each number came; xdeath says whether every one
// carried an x-death header.
func readSeqs(t *testing.T, conn *amqp.Connection, queue string) (map[int]int, bool) {
	t.Helper()
	want := nodeDepth(t, conn, queue)
	ch := adminChannel(t, conn)
	ds, err := ch.Consume(queue, "", true, true, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[int]int, want)
	xdeath := true
	for got := 0; got < want; got++ {
		select {
		case d, ok := <-ds:
			if !ok {
				t.Fatalf("audit consumer closed after %d of %d", got, want)
			}
			seq, err := strconv.Atoi(string(d.Body[:min(8, len(d.Body))]))
			if err != nil {
				t.Fatalf("a message without a number: %q", d.Body[:min(16, len(d.Body))])
			}
			seen[seq]++
			if _, ok := d.Headers["x-death"]; !ok {
				xdeath = false
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("audit: %d of %d read, then nothing", got, want)
		}
	}
	if d := nodeDepth(t, conn, queue); d != 0 {
		t.Fatalf("audit: %d more arrived in %s while reading", d, queue)
	}
	return seen, xdeath
}
