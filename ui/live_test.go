package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/message"
)

// fakeFeed is a live feed the test pushes synthetic batches into.
type fakeFeed struct {
	mu       sync.Mutex
	pending  []message.Message
	received uint64
	dropped  uint64
	paused   bool
	closed   bool
	state    ops.LiveStatus // the zero value is running
	hang     chan struct{}  // when set, Close waits for it: a broker that hangs
}

func (f *fakeFeed) push(ms ...message.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending = append(f.pending, ms...)
	f.received += uint64(len(ms))
}

func (f *fakeFeed) Drain(max int) ([]message.Message, uint64, uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := min(max, len(f.pending))
	b := f.pending[:n]
	f.pending = f.pending[n:]
	return b, f.dropped, f.received
}
func (f *fakeFeed) Stats() ops.PumpStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return ops.PumpStats{Received: f.received, Dropped: f.dropped, Rate: 250}
}
func (f *fakeFeed) State() ops.LiveStatus { f.mu.Lock(); defer f.mu.Unlock(); return f.state }
func (f *fakeFeed) Pause()                { f.mu.Lock(); f.paused = true; f.mu.Unlock() }
func (f *fakeFeed) Resume()               { f.mu.Lock(); f.paused = false; f.mu.Unlock() }
func (f *fakeFeed) Paused() bool          { f.mu.Lock(); defer f.mu.Unlock(); return f.paused }
func (f *fakeFeed) Clear()                { f.mu.Lock(); f.pending, f.received, f.dropped = nil, 0, 0; f.mu.Unlock() }
func (f *fakeFeed) Close() error {
	if f.hang != nil {
		<-f.hang
	}
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	return nil
}

// fakeStreamer hands out one fake feed and remembers what it was asked.
type fakeStreamer struct {
	feed  *fakeFeed
	taps  []ops.TapSpec
	tails []ops.TailSpec
	cons  []ops.ConsumeSpec
}

func (s *fakeStreamer) Tap(_ context.Context, spec ops.TapSpec) (LiveFeed, error) {
	s.taps = append(s.taps, spec)
	return s.feed, nil
}
func (s *fakeStreamer) Tail(_ context.Context, spec ops.TailSpec) (LiveFeed, error) {
	s.tails = append(s.tails, spec)
	return s.feed, nil
}
func (s *fakeStreamer) Consume(_ context.Context, spec ops.ConsumeSpec) (LiveFeed, error) {
	s.cons = append(s.cons, spec)
	return s.feed, nil
}
func (s *fakeStreamer) QueueDepth(context.Context, string, string) (int, int, error) {
	return 0, 0, nil
}

func liveApp(t *testing.T, readOnly bool) (*App, *fakeStreamer) {
	st := &fakeStreamer{feed: &fakeFeed{}}
	a := newTestApp(demoFake(), Target{Streamer: st, ReadOnly: readOnly})
	settle(t, a, a.Init(), size())
	return a, st
}

func orderMsg(i int) message.Message {
	return message.Message{Exchange: "demo.orders", RoutingKey: fmt.Sprintf("order.%s", []string{"created", "shipped"}[i%2]),
		Properties: message.Properties{ContentType: "application/json"}, Headers: map[string]any{"tenant": "shop-eu"},
		Body: []byte(fmt.Sprintf(`{"n":%d,"country":"%s"}`, i, []string{"PT", "ES"}[i%2]))}
}

// tapDemoOrders opens a tap pane on demo.orders, the last exchange of the
// demo list.
func tapDemoOrders(t *testing.T, a *App) {
	t.Helper()
	settle(t, a, press(":"))
	settle(t, a, typed("ex")...)
	settle(t, a, press("enter"))
	settle(t, a, press("G"), press("t"))
}

// frame runs one pane frame as the frame tick would.
func frame(t *testing.T, a *App) {
	t.Helper()
	lv := a.top().(*liveView)
	settle(t, a, liveFrameMsg{view: lv.id(), gen: lv.gen})
}

func TestTapPaneTakesBatchesPerFrame(t *testing.T) {
	a, st := liveApp(t, false)
	tapDemoOrders(t, a)
	if len(st.taps) != 1 || st.taps[0].Exchange != "demo.orders" || st.taps[0].Kind != "topic" {
		t.Fatalf("tap request = %+v", st.taps)
	}
	for i := 1; i <= 500; i++ {
		st.feed.push(orderMsg(i))
	}
	frame(t, a)
	got := screen(a)
	if !strings.Contains(got, "500 received") || !strings.Contains(got, `{"n":500,"country":"PT"}`) {
		t.Fatalf("one frame should take the whole batch and follow the newest:\n%s", got)
	}
	lv := a.top().(*liveView)
	if len(lv.rows) != 500 {
		t.Fatalf("pane holds %d rows", len(lv.rows))
	}
	golden.RequireEqual(t, got)

	settle(t, a, press("/"))
	settle(t, a, typed("json:country=PT")...)
	settle(t, a, press("enter"))
	if len(lv.shown) != 250 {
		t.Fatalf("filter shows %d, want 250", len(lv.shown))
	}
	settle(t, a, press(" "))
	if !st.feed.Paused() || !strings.Contains(screen(a), "PAUSED") {
		t.Fatal("space should pause the feed and say so")
	}
	settle(t, a, press(" "))
	if st.feed.Paused() {
		t.Fatal("space again should resume")
	}
	settle(t, a, press("c"))
	if len(lv.rows) != 0 || !strings.Contains(screen(a), "0 received") {
		t.Fatal("c should clear rows and counters")
	}
	settle(t, a, press("esc")) // clears the filter first
	settle(t, a, press("esc"))
	if !st.feed.closed {
		t.Fatal("closing the pane should close its feed")
	}
}

func TestPaneBoundsItsRows(t *testing.T) {
	a, st := liveApp(t, false)
	tapDemoOrders(t, a)
	for i := 0; i < maxPaneRows+1234; i++ {
		st.feed.push(orderMsg(i))
	}
	frame(t, a)
	frame(t, a)
	lv := a.top().(*liveView)
	if len(lv.rows) != maxPaneRows || len(lv.cells) != maxPaneRows || lv.rows[len(lv.rows)-1].Body == nil {
		t.Fatalf("pane holds %d rows, want the newest %d", len(lv.rows), maxPaneRows)
	}
}

func TestStreamTPailsAndQueueTAsksHowToSettle(t *testing.T) {
	a, st := liveApp(t, false)
	settle(t, a, press("/"))
	settle(t, a, typed("events")...)
	settle(t, a, press("enter"), press("t"))
	if len(st.tails) != 1 || st.tails[0].Queue != "demo.events" || st.tails[0].From.Kind != ops.StreamLast {
		t.Fatalf("t on a stream should tail it from last: %+v", st.tails)
	}
	settle(t, a, press("esc"), press("esc"))
	settle(t, a, press("/"))
	settle(t, a, typed("created")...)
	settle(t, a, press("enter"), press("t"))
	if _, ok := a.top().(*consumeDialog); !ok || len(st.cons) != 0 {
		t.Fatalf("t on a classic queue should ask first, top %T, consumes %d", a.top(), len(st.cons))
	}
	golden.RequireEqual(t, screen(a))
	settle(t, a, press("r"))
	if len(st.cons) != 1 || st.cons[0].Mode != ops.ConsumeReject {
		t.Fatalf("r should consume with reject: %+v", st.cons)
	}
	if _, ok := a.top().(*liveView); !ok {
		t.Fatalf("the dialog should give way to the pane, top %T", a.top())
	}
}

func TestReadOnlyAllowsOnlyRequeueConsume(t *testing.T) {
	a, st := liveApp(t, true)
	settle(t, a, press("/"))
	settle(t, a, typed("created")...)
	settle(t, a, press("enter"), press("t"))
	settle(t, a, press("a"))
	if len(st.cons) != 0 || !strings.Contains(a.status, "read-only") {
		t.Fatalf("read-only must refuse ack: %q", a.status)
	}
	settle(t, a, press("n"))
	if len(st.cons) != 1 || st.cons[0].Mode != ops.ConsumeNackRequeue {
		t.Fatal("nack-requeue should still be allowed")
	}
}

// openPaymentsConsume opens the consume dialog on demo.payments, a quorum
// queue with a delivery limit of 3.
func openPaymentsConsume(t *testing.T, a *App) {
	t.Helper()
	settle(t, a, press("/"))
	settle(t, a, typed("payments")...)
	settle(t, a, press("enter"), press("t"))
	if _, ok := a.top().(*consumeDialog); !ok {
		t.Fatalf("t should open the consume dialog, top %T", a.top())
	}
}

// On a quorum queue whose requeues count toward a limit, every consume
// mode asks once more, with the risk, and starts only on y.
func TestQuorumConsumeAsksWithTheRisk(t *testing.T) {
	for _, tc := range []struct {
		key  string
		mode ops.ConsumeMode
		says string
	}{
		{"n", ops.ConsumeNackRequeue, "The browse reads up to 5 messages (at most 5000; none past that, even if more arrive) once and puts them all back"},
		{"a", ops.ConsumeAck, "up to 100 messages delivered but not yet shown go back with their delivery count raised by 1"},
	} {
		a, st := liveApp(t, false)
		openPaymentsConsume(t, a)
		if got := flat(screen(a)); !strings.Contains(got, "This quorum queue has a delivery limit of 3") {
			t.Fatalf("the dialog should name the limit:\n%s", got)
		}
		settle(t, a, press(tc.key))
		if len(st.cons) != 0 {
			t.Fatalf("%s started without a y", tc.key)
		}
		if got := flat(screen(a)); !strings.Contains(got, tc.says) || !strings.Contains(got, "y start, accepting this risk") {
			t.Fatalf("%s should show the risk:\n%s", tc.key, got)
		}
		settle(t, a, press("y"))
		if len(st.cons) != 1 || st.cons[0].Mode != tc.mode || !st.cons[0].AcceptRisk || st.cons[0].DeliveryLimit != 3 {
			t.Fatalf("after y: %+v", st.cons)
		}
		if tc.mode == ops.ConsumeNackRequeue && st.cons[0].MaxMessages != 5 {
			t.Fatalf("the browse may read %d, but the question said 5", st.cons[0].MaxMessages)
		}
	}
}

// Read-only mode does not browse a queue where that raises counts toward
// a limit, and says why.
func TestReadOnlyRefusesQuorumBrowse(t *testing.T) {
	a, st := liveApp(t, true)
	openPaymentsConsume(t, a)
	settle(t, a, press("n"))
	settle(t, a, press("y"))
	if len(st.cons) != 0 || !strings.Contains(a.status, "read-only mode does not peek or browse it") {
		t.Fatalf("read-only browsed a limited quorum queue (%d consumes): %q", len(st.cons), a.status)
	}
}

// A finished browse says what it did above the rows.
func TestBrowseDoneShowsWhatItDid(t *testing.T) {
	a, st := liveApp(t, false)
	settle(t, a, press("/"))
	settle(t, a, typed("created")...)
	settle(t, a, press("enter"), press("t"))
	settle(t, a, press("n"))
	if len(st.cons) != 1 || st.cons[0].AcceptRisk || st.cons[0].DeliveryLimit != -1 {
		t.Fatalf("a classic browse needs no consent: %+v", st.cons)
	}
	st.feed.push(orderMsg(1), orderMsg(2))
	st.feed.mu.Lock()
	st.feed.state = ops.LiveStatus{State: ops.LiveDone, Note: "Browsed: Took 2 messages and returned them to the queue in order."}
	st.feed.mu.Unlock()
	lv := a.top().(*liveView)
	settle(t, a, liveFrameMsg{view: lv.viewID, gen: lv.gen})
	got := screen(a)
	if !strings.Contains(got, "Browsed: Took 2 messages and returned them to the queue in order.") || !strings.Contains(got, "· done") ||
		!strings.Contains(got, "PT") {
		t.Fatalf("the pane should show the browse's note and rows:\n%s", got)
	}
}

func TestTapKeyCommandRebinds(t *testing.T) {
	a, st := liveApp(t, false)
	tapDemoOrders(t, a)
	settle(t, a, press(":"))
	settle(t, a, typed("key order.created")...)
	settle(t, a, press("enter"))
	if len(st.taps) != 2 || st.taps[1].Key != "order.created" {
		t.Fatalf(":key should restart the tap with the key: %+v", st.taps)
	}
	settle(t, a, press(":"))
	settle(t, a, typed("key x-match=any,channel=email")...)
	settle(t, a, press("enter"))
	if got := st.taps[2].Args; got["x-match"] != "any" || got["channel"] != "email" {
		t.Fatalf("header match args = %v", got)
	}
}

func TestDefaultExchangeCannotBeTapped(t *testing.T) {
	a, st := liveApp(t, false)
	settle(t, a, press(":"))
	settle(t, a, typed("ex")...)
	settle(t, a, press("enter"))
	settle(t, a, press("t")) // (default) sorts first
	if len(st.taps) != 0 || !strings.Contains(a.status, "amq.rabbitmq.trace") {
		t.Fatalf("the default exchange should offer the firehose: %q", a.status)
	}
}

func TestQuitClosesPanes(t *testing.T) {
	a, st := liveApp(t, false)
	tapDemoOrders(t, a)
	_, cmd := a.Update(press("q"))
	settle(t, a, cmd)
	deadline := time.Now().Add(time.Second)
	for !st.feed.closed && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !st.feed.closed {
		t.Fatal("quitting should close the feed (and its broker objects)")
	}
}

// depthStreamer reports exact depths that change between reads.
type depthStreamer struct {
	fakeStreamer
	mu    sync.Mutex
	reads int
}

func (s *depthStreamer) QueueDepth(_ context.Context, vhost, queue string) (int, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	if queue == "demo.payments" {
		return 0, 0, fmt.Errorf("queue %q not found", queue)
	}
	return 100 * s.reads, 2, nil
}

func TestWatchBoard(t *testing.T) {
	st := &depthStreamer{}
	a := newTestApp(demoFake(), Target{Streamer: st})
	settle(t, a, a.Init(), size())
	settle(t, a, press("/"))
	settle(t, a, typed("orders.all")...)
	settle(t, a, press("enter"), press("w"))
	if !strings.Contains(a.status, "pinned demo.orders.all") {
		t.Fatalf("w should pin: %q", a.status)
	}
	settle(t, a, press("esc"), press("/"))
	settle(t, a, typed("payments")...)
	settle(t, a, press("enter"), press("w"))
	settle(t, a, press(":"))
	settle(t, a, typed("watch")...)
	settle(t, a, press("enter"))
	wv, ok := a.top().(*watchView)
	if !ok {
		t.Fatalf(":watch should open the board, top %T", a.top())
	}
	got := screen(a)
	if !strings.Contains(got, "demo.orders.all") || !strings.Contains(got, `queue "demo.p`) {
		t.Fatalf("board should show each pin and its errors:\n%s", got)
	}
	// The next exact read (a poll) changes the depth within a second.
	settle(t, a, pollMsg{view: wv.id(), gen: wv.poll.gen})
	if !strings.Contains(screen(a), "300") {
		t.Fatalf("the board should show the new exact depth:\n%s", screen(a))
	}
	golden.RequireEqual(t, screen(a))
	settle(t, a, press("w")) // unpin the selected (first) row
	if len(a.c.pins) != 1 || a.c.pins[0].name != "demo.payments" {
		t.Fatalf("pins after unpin: %+v", a.c.pins)
	}
}

func TestMoveReturnsToOriginByDefault(t *testing.T) {
	mv := &fakeMover{}
	a := newTestApp(demoFake(), Target{Mover: mv})
	settle(t, a, a.Init(), size())
	settle(t, a, press("/"))
	settle(t, a, typed("dlq")...)
	settle(t, a, press("enter"), press("m"))
	if _, ok := a.top().(*moveView); !ok {
		t.Fatalf("m should open the move dialog, top %T", a.top())
	}
	golden.RequireEqual(t, screen(a))
	settle(t, a, press("enter"), press("y"))
	if len(mv.reqs) != 1 || mv.reqs[0].Target != ops.ReturnToOrigin || mv.reqs[0].Queue != "demo.orders.dlq" {
		t.Fatalf("m enter should return to origin: %+v", mv.reqs)
	}
	got := screen(a)
	if !strings.Contains(got, "moved 68") || !strings.Contains(a.status, "no origin 2") {
		t.Fatalf("the summary should count every message:\n%s\n%s", got, a.status)
	}
}

func TestReadOnlyRefusesMove(t *testing.T) {
	mv := &fakeMover{}
	a := newTestApp(demoFake(), Target{Mover: mv, ReadOnly: true})
	settle(t, a, a.Init(), size())
	settle(t, a, press("m"))
	if len(a.stack) != 1 || !strings.Contains(a.status, "read-only") {
		t.Fatalf("read-only must refuse m: %q", a.status)
	}
}

// QuitMsg (the terminal hung up) closes live panes' feeds like q does.
func TestQuitMsgClosesPanes(t *testing.T) {
	a, st := liveApp(t, false)
	tapDemoOrders(t, a)
	settle(t, a, QuitMsg{})
	if !st.feed.closed {
		t.Fatal("a hang-up must close the tap like quitting does")
	}
}

// With the broker hung, closing a pane never returns; q still ends warren
// within about a second, leaving the broker to drop the tap's exclusive
// objects with the connection.
func TestQuitWithinASecondWhenTheBrokerHangs(t *testing.T) {
	a, st := liveApp(t, false)
	st.feed.hang = make(chan struct{})
	defer close(st.feed.hang)
	tapDemoOrders(t, a)
	_, cmd := a.Update(press("q"))
	start := time.Now()
	if !quits(cmd) {
		t.Fatal("q should quit")
	}
	if took := time.Since(start); took > quitCloseWait+500*time.Millisecond {
		t.Fatalf("quitting took %s with a hung broker", took)
	}
}

// A tap that came back after a lost link marks the gap in its rows; the
// mark is not a message: enter, r and s pass it by.
func TestTapMarksTheGapAfterAResumption(t *testing.T) {
	a, st := liveApp(t, false)
	tapDemoOrders(t, a)
	lv := a.top().(*liveView)
	st.feed.push(orderMsg(1))
	settle(t, a, liveFrameMsg{view: lv.viewID, gen: lv.gen})
	st.feed.mu.Lock()
	st.feed.state = ops.LiveStatus{State: ops.LiveRunning, Resumed: 1}
	st.feed.mu.Unlock()
	st.feed.push(orderMsg(2))
	settle(t, a, liveFrameMsg{view: lv.viewID, gen: lv.gen})
	got := screen(a)
	if !strings.Contains(got, "── gap ──") || !strings.Contains(got, "published meanwhile: unseen") {
		t.Fatalf("the gap should show:\n%s", got)
	}
	if len(lv.rows) != 3 || !lv.gap[1] {
		t.Fatalf("rows %d, gaps %v", len(lv.rows), lv.gap)
	}
	lv.tbl.Cursor = 1
	if _, _, ok := lv.selectedMessage(); ok {
		t.Fatal("a gap mark is not a message")
	}
	settle(t, a, press("enter"))
	if a.top() != view(lv) {
		t.Fatal("enter on a gap mark opened something")
	}
	// The same resumption is marked once.
	settle(t, a, liveFrameMsg{view: lv.viewID, gen: lv.gen})
	if len(lv.rows) != 3 {
		t.Fatalf("the gap was marked again: %d rows", len(lv.rows))
	}
}

// A move reads the source's type and delivery limit from the broker when
// it starts, so a quorum move keeps what a requeue would drop; a classic
// queue has no limit.
func TestMoveAsksTheDeliveryLimit(t *testing.T) {
	for _, tc := range []struct {
		queue, qtype string
		limit        int
	}{{"demo.payments", ops.QueueQuorum, 3}, {"demo.orders.dlq", ops.QueueClassic, -1}} {
		mv := &fakeMover{}
		a := newTestApp(demoFake(), Target{Mover: mv})
		settle(t, a, a.Init(), size())
		settle(t, a, press("/"))
		settle(t, a, typed(tc.queue)...)
		settle(t, a, press("enter"), press("m"), press("enter"), press("y"))
		if len(mv.reqs) != 1 || mv.reqs[0].Queue != tc.queue || mv.reqs[0].QueueType != tc.qtype || mv.reqs[0].DeliveryLimit != tc.limit {
			t.Fatalf("%s: move request %+v, want type %s limit %d", tc.queue, mv.reqs, tc.qtype, tc.limit)
		}
	}
}

func TestMoveSummarySaysWhatWasCharged(t *testing.T) {
	r := ops.MoveResult{Moved: 900, ReturnedToSource: 100, NoOrigin: 100, Requeued: 60, ToTail: 40,
		QueueType: ops.QueueQuorum, DeliveryLimit: 3}
	got := summaryText(moveDoneMsg{result: r})
	for _, want := range []string{"moved 900", "requeued 60, each one's delivery count +1 (limit 3)", "copied to the tail of the source instead 40"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary %q lacks %q", got, want)
		}
	}
	r = ops.MoveResult{Moved: 10, Requeued: 5, RequeuedUnseen: 7, OverLimit: 2, Reordered: true, QueueType: ops.QueueQuorum, DeliveryLimit: -1}
	got = summaryText(moveDoneMsg{result: r})
	for _, want := range []string{"requeued 5 (and up to 7 checked out but never delivered), each one's delivery count +1, not back in their old places", "past the delivery limit 2"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary %q lacks %q", got, want)
		}
	}
	if got := summaryText(moveDoneMsg{result: ops.MoveResult{Moved: 3}}); strings.Contains(got, "requeued") {
		t.Errorf("nothing requeued, yet %q", got)
	}
}

// c on a consume that takes messages clears the pane, not the pump: the
// pump's messages are settled as shown, so clearing it would take ones
// nobody saw. A tap's c clears both.
func TestClearNeverTakesUnshownMessages(t *testing.T) {
	a, st := liveApp(t, false)
	settle(t, a, press("/"))
	settle(t, a, typed("created")...)
	settle(t, a, press("enter"), press("t"))
	settle(t, a, press("a")) // ack
	lv := a.top().(*liveView)
	st.feed.push(orderMsg(1))
	settle(t, a, press("c"))
	st.feed.mu.Lock()
	pending := len(st.feed.pending)
	st.feed.mu.Unlock()
	if pending != 1 {
		t.Fatalf("c emptied the pump of an acking consume: %d pending", pending)
	}
	settle(t, a, liveFrameMsg{view: lv.viewID, gen: lv.gen})
	if len(lv.rows) != 1 {
		t.Fatalf("the message should reach the pane after c: %d rows", len(lv.rows))
	}
}

// A move stopped by a message it cannot decode says how many moved
// originals it found back in the source, and blames no broker crash.
func TestMoveSummaryAfterUndecodable(t *testing.T) {
	err := &ops.UndecodableError{Vhost: "/", Queue: "q", Reader: "move", Offset: -1}
	got := summaryText(moveDoneMsg{result: ops.MoveResult{Moved: 12, Reconciled: 5}, err: err})
	if !strings.Contains(got, "may exist twice 0 (5 moved ones the broker had put back were found in the source and removed there)") ||
		strings.Contains(got, "crashed") {
		t.Errorf("summary %q", got)
	}
	if got := summaryText(moveDoneMsg{result: ops.MoveResult{Moved: 12}, err: errors.New("link lost")}); !strings.Contains(got, "crashed") {
		t.Errorf("a lost link no longer warns of what a crash can leave: %q", got)
	}
}
