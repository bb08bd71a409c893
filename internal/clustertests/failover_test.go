package clustertests

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/broker"
	"github.com/warren-tui/warren/internal/testnode"
	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui"
)

// The failover tests give warren the cluster's nodes in the order 2, 3, 1,
// so that it talks to node 2 first, then kill node 2 (killNode2 starts it
// again after, for the tests that follow). The objects that must outlive
// the kill are quorum queues, streams and classic queues placed on node 3.

// hostPort is the host:port of a URL.
func hostPort(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// amqpList is the cluster's AMQP endpoints, node 2 first.
func amqpList(t *testing.T, c *testnode.Cluster) string {
	return c.URI(2) + "," + hostPort(t, c.URI(3)) + "," + hostPort(t, c.URI(1))
}

// apiList is the cluster's management APIs, node 2 first.
func apiList(t *testing.T, c *testnode.Cluster) string {
	return c.API(2) + "," + hostPort(t, c.API(3)) + "," + hostPort(t, c.API(1))
}

func openSession(t *testing.T, c *testnode.Cluster, name string) *broker.Session {
	t.Helper()
	s, err := broker.Open(broker.Config{URI: amqpList(t, c), Name: name, Retry: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// waitSessionUp waits for the session's connection, on node 2.
func waitSessionUp(t *testing.T, c *testnode.Cluster, s *broker.Session) {
	t.Helper()
	eventually(t, func() string {
		if s.Connection() == nil {
			return "the session never connected"
		}
		if addr, _ := s.Endpoint(); addr != hostPort(t, c.URI(2)) {
			return "the session is on " + addr + ", not on node 2"
		}
		return ""
	})
}

// publishNumbered publishes bodies prefix-0 … prefix-(n-1), persistent and
// confirmed, through conn.
func publishNumbered(t *testing.T, conn *amqp.Connection, exchange, key, prefix string, n int) {
	t.Helper()
	ch := channel(t, conn)
	defer ch.Close()
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	confirms := ch.NotifyPublish(make(chan amqp.Confirmation, n))
	for i := range n {
		if err := ch.PublishWithContext(ctx(t), exchange, key, false, false, amqp.Publishing{
			DeliveryMode: amqp.Persistent, Body: []byte(prefix + "-" + strconv.Itoa(i)),
		}); err != nil {
			t.Fatal(err)
		}
	}
	for range n {
		select {
		case cf := <-confirms:
			if !cf.Ack {
				t.Fatalf("publish %d nacked", cf.DeliveryTag)
			}
		case <-time.After(time.Minute):
			t.Fatal("no publisher confirm within a minute")
		}
	}
}

func bodies(ms []message.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m.Body)
	}
	return out
}

func numbered(prefix string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, prefix+"-"+strconv.Itoa(i))
	}
	return out
}

// drainQueue takes every message of q through conn with one consumer
// (acking each) and returns their bodies in order.
func drainQueue(t *testing.T, conn *amqp.Connection, q string) []string {
	t.Helper()
	ch := channel(t, conn)
	defer ch.Close()
	check := channel(t, conn)
	defer check.Close()
	if err := ch.Qos(2000, 0, false); err != nil {
		t.Fatal(err)
	}
	ds, err := ch.Consume(q, "", false, false, false, false, nil)
	if err != nil {
		t.Fatalf("consume %s: %v", q, err)
	}
	var out []string
	for {
		select {
		case d, ok := <-ds:
			if !ok {
				t.Fatalf("the consumer of %s closed", q)
			}
			out = append(out, string(d.Body))
			if err := d.Ack(false); err != nil {
				t.Fatal(err)
			}
		case <-time.After(time.Second):
			qi, err := check.QueueDeclarePassive(q, true, false, false, false, nil)
			if err != nil {
				t.Fatal(err)
			}
			if qi.Messages == 0 {
				return out
			}
		}
	}
}

// timedSource is the management client, recording when each queue
// listing came back.
type timedSource struct {
	*mgmt.Client
	mu    sync.Mutex
	lists []time.Time
}

func (s *timedSource) Queues(ctx context.Context, opts mgmt.ListOptions) (mgmt.Page[mgmt.Queue], error) {
	p, err := s.Client.Queues(ctx, opts)
	if err == nil {
		s.mu.Lock()
		s.lists = append(s.lists, time.Now())
		s.mu.Unlock()
	}
	return p, err
}

// firstListAfter is when the first queue listing after t came back.
func (s *timedSource) firstListAfter(t time.Time) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, at := range s.lists {
		if at.After(t) {
			return at, true
		}
	}
	return time.Time{}, false
}

// TestFailoverListsKeepUpdating drives warren's queue list against the
// cluster through node 2's API and AMQP port, both listed first, and
// kills node 2: a queue listing comes back within two refresh intervals
// of the kill, a queue declared after it shows up, and the header names
// the nodes warren moved to.
func TestFailoverListsKeepUpdating(t *testing.T) {
	c := need(t)
	cl, err := mgmt.New(mgmt.Config{APIURL: apiList(t, c), Username: "guest", Password: "guest", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	src := &timedSource{Client: cl}
	s := openSession(t, c, name("warren-fo-lists"))
	waitSessionUp(t, c, s)
	setup := dial(t, c, 3, "")
	before, after := name("warren-fo-before"), name("warren-fo-after")
	declare(t, setup, before, "quorum")

	const refresh = 3 * time.Second
	var mu sync.Mutex
	var last string
	app := ui.New(ui.Target{Source: src, API: c.API(2), APIs: apiList(t, c), AMQP: broker.Redact(amqpList(t, c))}, ui.Options{Refresh: refresh, Timeout: 10 * time.Second}, nil)
	tm := teatest.NewTestModel(t, recorder{app: app, mu: &mu, last: &last}, teatest.WithInitialTermSize(240, 50))
	t.Cleanup(func() { _ = tm.Quit() })
	go func() { // the link events, as cmd/warren's pump sends them
		for ev := range s.Events() {
			tm.Send(ui.LinkMsg{State: ev.State, Err: ev.Err, At: ev.At, Endpoint: ev.Endpoint, FailedOver: ev.FailedOver})
		}
	}()
	screen, waitFor := screenOf(t, &mu, &last)
	tm.Type("/" + before)
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(before, "AMQP ● up "+hostPort(t, c.URI(2)), "HTTP ● up "+hostPort(t, c.API(2)))

	killNode2(t, c, api(t, c))
	killed := time.Now() // node 2 is dead from here on
	declare(t, setup, after, "quorum")
	// The list keeps refreshing, from another node, within two intervals.
	deadline := killed.Add(2*refresh + 500*time.Millisecond)
	for {
		at, ok := src.firstListAfter(killed)
		if ok {
			if at.After(killed.Add(2 * refresh)) {
				t.Errorf("the first queue listing after the kill came %v after it, more than two refresh intervals (%v)", at.Sub(killed).Round(time.Millisecond), 2*refresh)
			}
			t.Logf("first queue listing %v after the kill", at.Sub(killed).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no queue listing within two refresh intervals (%v) of the kill:\n%s", 2*refresh, screen())
		}
		time.Sleep(50 * time.Millisecond)
	}
	tm.Type("/")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	tm.Type("/warren-fo-")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	sc := waitFor(before, after, "HTTP ● up failed over to "+hostPort(t, c.API(3)),
		"AMQP ● up failed over to "+hostPort(t, c.URI(3)))
	if strings.Contains(sc, "guest:guest") {
		t.Errorf("the screen shows credentials:\n%s", sc)
	}
}

// TestFailoverLivePanesResume opens a tap, a stream tail and an acking
// consume of a quorum queue through node 2, kills node 2, and checks that
// each pane comes back by itself on another node and receives what is
// published after the kill: the tap and the tail each message once and in
// order, the consume every one (and the queue ends empty).
func TestFailoverLivePanesResume(t *testing.T) {
	c := need(t)
	s := openSession(t, c, name("warren-fo-panes"))
	waitSessionUp(t, c, s)
	setup := dial(t, c, 3, "")
	ex, stream, q := name("warren-fo-topic"), name("warren-fo-stream"), name("warren-fo-work")
	ch := channel(t, setup)
	if err := ch.ExchangeDeclare(ex, "topic", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if ch, err := setup.Channel(); err == nil {
			_ = ch.ExchangeDelete(ex, false, false)
		}
	})
	declare(t, setup, stream, "stream")
	declare(t, setup, q, "quorum")

	live, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	opts := broker.LiveOptions{Retry: 500 * time.Millisecond}
	tap, err := s.Tap(live, broker.TapSpec{Vhost: "/", Exchange: ex, Kind: "topic"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tail, err := s.Tail(live, broker.TailSpec{Vhost: "/", Queue: stream, From: broker.StreamFrom{Kind: broker.StreamFirst}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	consume, err := s.Consume(live, broker.ConsumeSpec{Vhost: "/", Queue: q, Type: broker.QueueQuorum, Mode: broker.ConsumeAck, DeliveryLimit: -1}, opts)
	if err != nil {
		t.Fatal(err)
	}
	panes := map[string]*broker.Live{"tap": tap, "tail": tail, "consume": consume}
	for _, l := range panes {
		t.Cleanup(func() { _ = l.Close() })
	}
	collect := func(name string, l *broker.Live, want func([]string) bool) []string {
		t.Helper()
		var got []string
		deadline := time.After(time.Minute)
		for !want(got) {
			select {
			case <-l.Notify():
				b, _, _ := l.Drain(0)
				got = append(got, bodies(b)...)
			case <-deadline:
				t.Fatalf("the %s got %d messages (state %+v): %v", name, len(got), l.State(), got)
			}
		}
		return got
	}
	publish := func(prefix string, n int) {
		publishNumbered(t, setup, ex, "k", prefix, n)
		publishNumbered(t, setup, "", stream, prefix, n)
		publishNumbered(t, setup, "", q, prefix, n)
	}
	// Every pane runs, on node 2, before the kill.
	eventually(t, func() string {
		for name, l := range panes {
			if st := l.State(); st.State != broker.LiveRunning {
				return fmt.Sprintf("the %s is %v", name, st.State)
			}
		}
		return ""
	})
	publish("before", 20)
	seen := map[string][]string{}
	for name, l := range panes {
		seen[name] = collect(name, l, func(got []string) bool { return len(got) >= 20 })
	}

	killNode2(t, c, api(t, c))
	for name, l := range panes {
		for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if st := l.State(); st.State == broker.LiveRunning && st.Resumed >= 1 {
				break
			} else if st.State == broker.LiveFailed || time.Now().After(deadline) {
				t.Fatalf("the %s did not resume on another node: %+v", name, st)
			}
		}
	}
	if addr, _ := s.Endpoint(); addr == hostPort(t, c.URI(2)) {
		t.Logf("the session itself is still recovering (on %s); the panes dial on their own", addr)
	}
	publish("after", 30)
	want := numbered("after", 0, 30)
	hasAll := func(got []string) bool {
		have := map[string]bool{}
		for _, b := range got {
			have[b] = true
		}
		for _, w := range want {
			if !have[w] {
				return false
			}
		}
		return true
	}
	for name, l := range panes {
		got := collect(name, l, hasAll)
		var afterOnly []string
		for _, b := range got {
			if strings.HasPrefix(b, "after-") {
				afterOnly = append(afterOnly, b)
			}
		}
		switch name {
		case "tap", "tail": // each once, in order, and nothing from before again
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("after the kill the %s saw %v, want %v", name, got, want)
			}
		case "consume": // redelivered messages from before may come again
			if fmt.Sprint(afterOnly) != fmt.Sprint(want) {
				t.Errorf("after the kill the consume saw %v, want %v", afterOnly, want)
			}
		}
	}
	check := channel(t, setup)
	eventually(t, func() string {
		qi, err := check.QueueDeclarePassive(q, true, false, false, false, nil)
		if err != nil {
			return err.Error()
		}
		if qi.Messages != 0 {
			return fmt.Sprintf("%d messages left in the consumed queue", qi.Messages)
		}
		return ""
	})
}

// TestFailoverMoveFinishes moves 30,000 numbered messages between two
// quorum queues led by node 3, through node 2, and kills node 2 while the
// move runs: the move goes on from another node and finishes, every
// message is in the target, the source is empty, and the copies there
// twice are no more than the move counted as possibly twice.
func TestFailoverMoveFinishes(t *testing.T) {
	c := need(t)
	s := openSession(t, c, name("warren-fo-move"))
	waitSessionUp(t, c, s)
	setup := dial(t, c, 3, "")
	src, dst := name("warren-fo-src"), name("warren-fo-dst")
	declare(t, setup, src, "quorum")
	declare(t, setup, dst, "quorum")
	const n = 30000
	publishNumbered(t, setup, "", src, "m", n)

	var once sync.Once
	kill := make(chan struct{})
	type outcome struct {
		res broker.MoveResult
		err error
	}
	done := make(chan outcome, 1)
	mctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	go func() {
		res, err := s.Move(mctx, broker.MoveRequest{Vhost: "/", Queue: src, Target: broker.ToQueue, TargetQueue: dst,
			QueueType: broker.QueueQuorum, DeliveryLimit: -1}, func(p broker.MoveProgress) {
			if p.Moved >= 1000 {
				once.Do(func() { close(kill) })
			}
		})
		done <- outcome{res, err}
	}()
	select {
	case <-kill:
	case o := <-done:
		t.Fatalf("the move ended before it moved 1,000: %+v %v", o.res, o.err)
	}
	killNode2(t, c, api(t, c))
	var o outcome
	select {
	case o = <-done:
	case <-time.After(5 * time.Minute):
		t.Fatal("the move did not finish within 5 minutes of the kill")
	}
	t.Logf("move: %+v, err %v", o.res, o.err)
	if o.err != nil {
		t.Fatalf("the move did not finish: %v (%+v)", o.err, o.res)
	}
	if o.res.FailedOver < 1 {
		t.Fatalf("the move finished before node 2 died (moved %d): the test saw no failover", o.res.Moved)
	}
	left := drainQueue(t, setup, src)
	got := drainQueue(t, setup, dst)
	count := map[string]int{}
	for _, b := range got {
		count[b]++
	}
	missing, twice := 0, 0
	for _, w := range numbered("m", 0, n) {
		switch count[w] {
		case 0:
			missing++
		case 1:
		default:
			twice += count[w] - 1
		}
	}
	t.Logf("target holds %d (%d there twice or more), source %d left; the move counted %d as possibly twice", len(got), twice, len(left), o.res.DuplicateRisk)
	if missing != 0 || len(left) != 0 {
		t.Errorf("%d of %d messages are not in the target, %d left in the source", missing, n, len(left))
	}
	if len(got) != n+twice || twice > o.res.DuplicateRisk {
		t.Errorf("%d copies are there twice, the move counted %d as possibly twice", twice, o.res.DuplicateRisk)
	}
}

// TestFailoverPeekLosesNothing peeks, again and again, at a classic queue
// on node 3 through node 2, and kills node 2 meanwhile: every peek that
// answers shows the queue's first 200 messages in order, peeks answer
// again from another node, and the queue still holds every message once,
// in order.
func TestFailoverPeekLosesNothing(t *testing.T) {
	c := need(t)
	s := openSession(t, c, name("warren-fo-peek"))
	waitSessionUp(t, c, s)
	setup := dial(t, c, 3, "")
	q := name("warren-fo-peek")
	declare(t, setup, q, "classic") // on node 3, the connection's node
	const n = 500
	publishNumbered(t, setup, "", q, "p", n)
	want := fmt.Sprint(numbered("p", 0, 200))

	var mu sync.Mutex
	var okBefore, okAfter, failed int
	var killedAt time.Time
	stop := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-stop:
				return
			default:
			}
			pctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			res, err := s.Peek(pctx, broker.PeekRequest{Vhost: "/", Queue: q, Type: broker.QueueClassic, Count: 200})
			cancel()
			mu.Lock()
			switch {
			case err != nil:
				failed++
				t.Logf("a peek failed: %v", err)
			case fmt.Sprint(bodies(res.Messages)) != want:
				t.Errorf("a peek showed %d messages, not the first 200 in order: %v", len(res.Messages), bodies(res.Messages))
			case killedAt.IsZero():
				okBefore++
			default:
				okAfter++
			}
			mu.Unlock()
		}
	}()
	eventually(t, func() string {
		mu.Lock()
		defer mu.Unlock()
		if okBefore < 3 {
			return fmt.Sprintf("%d peeks answered before the kill", okBefore)
		}
		return ""
	})
	killNode2(t, c, api(t, c))
	mu.Lock()
	killedAt = time.Now() // peeks that answer from now on answer from another node
	mu.Unlock()
	eventually(t, func() string {
		mu.Lock()
		defer mu.Unlock()
		if okAfter < 5 {
			return fmt.Sprintf("%d peeks answered after the kill (%d failed)", okAfter, failed)
		}
		return ""
	})
	close(stop)
	<-stopped
	t.Logf("peeks: %d before the kill, %d after, %d failed", okBefore, okAfter, failed)
	if got := drainQueue(t, setup, q); fmt.Sprint(got) != fmt.Sprint(numbered("p", 0, n)) {
		t.Errorf("after the peeks the queue holds %d messages, not the %d in order: %v", len(got), n, got)
	}
}
