package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/internal/testnode"
	"github.com/warren-tui/warren/message"
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
			left, moved := stableDepths(t, nodeConn(t, node), src, dst)
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

	t.Run("memory alarm during a publish and a move", func(t *testing.T) { alarmCase(t, node, s) })
}

// A memory alarm blocks every publishing connection. A publish and a move
// started under it wait, say why (the move through OnBlocked), hang on
// nothing and lose nothing; once the alarm clears both finish. A publish
// whose deadline ends under the alarm says the broker blocked it.
func alarmCase(t *testing.T, node *testnode.Node, s *Session) {
	const n = 5000
	src, dst, pq := brokertest.Name("src"), brokertest.Name("dst"), brokertest.Name("pub")
	conn := nodeConn(t, node)
	for _, q := range []string{src, dst, pq} {
		declareDurableQueue(t, conn, q, nil)
	}
	defer deleteQueues(t, node, src, dst, pq)
	fillPersistent(t, conn, "", src, n)
	if err := node.SetMemoryAlarm(true); err != nil {
		t.Fatal(err)
	}
	alarmOn := true
	defer func() {
		if alarmOn {
			_ = node.SetMemoryAlarm(false)
		}
	}()

	// A publish whose deadline ends under the alarm.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	start := time.Now()
	short, shortErr := s.PublishMessage(ctx, "/", "", pq, message.Message{Body: []byte("short deadline")})
	cancel()
	took := time.Since(start)
	t.Logf("publish with a 3 s deadline under the alarm: %v after %v: outcome %v, err %v",
		short.Outcome, took.Round(time.Millisecond), short.Outcome, shortErr)
	if took > 10*time.Second {
		t.Errorf("a publish with a 3 s deadline took %v", took)
	}
	if !errors.Is(shortErr, ErrBlocked) || !strings.Contains(shortErr.Error(), "memory") {
		t.Errorf("a publish blocked past its deadline says %v, want it to name the broker's block", shortErr)
	}

	type published struct {
		res  PublishResult
		err  error
		took time.Duration
	}
	pubDone := make(chan published, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		start := time.Now()
		res, err := s.PublishMessage(ctx, "/", "", pq, message.Message{Body: []byte("long deadline")})
		pubDone <- published{res, err, time.Since(start)}
	}()
	type moved struct {
		res MoveResult
		err error
	}
	moveDone := make(chan moved, 1)
	var bmu sync.Mutex
	var blocks []string
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		res, err := s.Move(ctx, MoveRequest{Vhost: "/", Queue: src, Target: ToQueue, TargetQueue: dst, QueueType: QueueClassic,
			OnBlocked: func(blocked bool, reason string) {
				bmu.Lock()
				blocks = append(blocks, fmt.Sprintf("%v %s", blocked, reason))
				bmu.Unlock()
			}}, nil)
		moveDone <- moved{res, err}
	}()
	time.Sleep(5 * time.Second)
	select {
	case p := <-pubDone:
		t.Errorf("the publish ended under the alarm: %+v %v", p.res, p.err)
	case m := <-moveDone:
		t.Errorf("the move ended under the alarm: %+v %v", m.res, m.err)
	default:
	}
	bmu.Lock()
	heard := append([]string(nil), blocks...)
	bmu.Unlock()
	t.Logf("under the alarm: the move heard %q; source %d, target %d; connections: %s",
		heard, nodeDepth(t, conn, src), nodeDepth(t, conn, dst), connStates(t, node))
	if len(heard) == 0 || !strings.HasPrefix(heard[0], "true ") {
		t.Errorf("the move was not told it is blocked: %q", heard)
	}

	if err := node.SetMemoryAlarm(false); err != nil {
		t.Fatal(err)
	}
	alarmOn = false
	cleared := time.Now()
	p := <-pubDone
	t.Logf("publish: %v %v, %v after the alarm cleared (%v in all)", p.res.Outcome, p.err,
		time.Since(cleared).Round(time.Millisecond), p.took.Round(time.Millisecond))
	if p.err != nil || p.res.Outcome != Confirmed {
		t.Errorf("the publish after the alarm cleared: %+v %v", p.res, p.err)
	}
	m := <-moveDone
	bmu.Lock()
	heard = append(heard[:0], blocks...)
	bmu.Unlock()
	t.Logf("move: %s (err %v), %v after the alarm cleared; it heard %q", resultLine(m.res), m.err,
		time.Since(cleared).Round(time.Millisecond), heard)
	if m.err != nil || m.res.Moved != n || m.res.DuplicateRisk != 0 {
		t.Errorf("the move after the alarm cleared: %+v %v", m.res, m.err)
	}
	time.Sleep(time.Second) // a publish in doubt would land by now
	bodies := map[string]int{}
	for _, d := range drain(t, conn, pq, nil) {
		bodies[string(d.Body)]++
	}
	t.Logf("the publish queue holds %v", bodies)
	if bodies["long deadline"] != 1 {
		t.Errorf("the confirmed publish arrived %d times", bodies["long deadline"])
	}
	if short.Outcome == InDoubt && bodies["short deadline"] > 1 || short.Outcome != InDoubt && bodies["short deadline"] != 0 {
		t.Errorf("the publish that gave up (%v) arrived %d times", short.Outcome, bodies["short deadline"])
	}
	if left, got := nodeDepth(t, conn, src), nodeDepth(t, conn, dst); left != 0 || got != n {
		t.Errorf("after the move: source %d, target %d, want 0 and %d", left, got, n)
	}
}

// connStates lists the node's connections and their states (running,
// blocking, blocked, flow) as its API says.
func connStates(t *testing.T, node *testnode.Node) string {
	t.Helper()
	code, body, err := node.Do("GET", "/api/connections?columns=client_properties.connection_name,state")
	if err != nil || code != 200 {
		return fmt.Sprintf("(%d %v)", code, err)
	}
	var conns []struct {
		State  string `json:"state"`
		Client struct {
			Name string `json:"connection_name"`
		} `json:"client_properties"`
	}
	_ = json.Unmarshal(body, &conns)
	var out []string
	for _, c := range conns {
		out = append(out, fmt.Sprintf("%q %s", c.Client.Name, c.State))
	}
	return strings.Join(out, ", ")
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
				// Inline: the move waits for the fault to land, so a busy
				// machine cannot let it finish first.
				faulted <- fault()
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
	// A sliding window of confirms keeps the broker busy; waiting for a
	// whole batch at a time would leave it idle at every batch's end.
	const window = 4096
	pending := make([]*amqp.DeferredConfirmation, 0, n)
	waitOne := func(dc *amqp.DeferredConfirmation) {
		if ok, err := dc.WaitContext(ctx); err != nil || !ok {
			t.Fatalf("fill not confirmed: %v", err)
		}
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
		pending = append(pending, dc)
		if i >= window {
			waitOne(pending[i-window])
		}
	}
	for _, dc := range pending[max(n-window, 0):] {
		waitOne(dc)
	}
	t.Logf("filled %d persistent messages in %v", n, time.Since(start).Round(time.Millisecond))
}

// rejectAll has a plain consumer reject n messages without requeue, so
// the broker dead-letters each with a real x-death.
func rejectAll(t *testing.T, conn *amqp.Connection, queue string, n int) {
	t.Helper()
	_, ds := consumeManual(t, conn, queue)
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

// stableDepths reads both queues' depths until two reads half a second
// apart agree: the broker requeues a closed channel's unacked messages a
// moment after the client saw the close.
func stableDepths(t *testing.T, conn *amqp.Connection, a, b string) (int, int) {
	t.Helper()
	da, db := nodeDepth(t, conn, a), nodeDepth(t, conn, b)
	for range 20 {
		time.Sleep(500 * time.Millisecond)
		na, nb := nodeDepth(t, conn, a), nodeDepth(t, conn, b)
		if na == da && nb == db {
			break
		}
		da, db = na, nb
	}
	return da, db
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
