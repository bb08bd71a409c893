package ui

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/mgmt"
)

// newTestApp builds an App on a fake with a fixed clock and a refresh so
// long that polls never fire during a test.
func newTestApp(f *fakeSource, t Target) *App {
	t.Source = f
	if t.API == "" {
		t.API = "http://127.0.0.1:15672"
	}
	a := New(t, Options{Refresh: time.Hour, Timeout: time.Second}, nil)
	a.c.now = func() time.Time { return fixedNow }
	a.debounce = time.Millisecond
	a.c.frame = time.Hour // tests run frames by hand
	a.c.tick = testTick
	return a
}

// settle feeds msgs to the App and runs the commands they return, feeding
// results back, until nothing more arrives. Commands that do not return
// quickly (poll timers) are dropped.
func settle(t *testing.T, a *App, msgs ...tea.Msg) {
	t.Helper()
	queue := append([]tea.Msg(nil), msgs...)
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 1000 {
			t.Fatal("settle: too many steps")
		}
		msg := queue[0]
		queue = queue[1:]
		if c, ok := msg.(tea.Cmd); ok {
			queue = append(queue, runCmd(c)...)
			continue
		}
		if rv := reflect.ValueOf(msg); rv.Kind() == reflect.Slice && rv.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
			for i := 0; i < rv.Len(); i++ { // tea.Sequence: in order
				queue = append(queue, runCmd(rv.Index(i).Interface().(tea.Cmd))...)
			}
			continue
		}
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				queue = append(queue, runCmd(c)...)
			}
			continue
		}
		_, cmd := a.Update(msg)
		queue = append(queue, runCmd(cmd)...)
	}
}

// testTick fires short timers (the filter debounce) at once and never
// fires the others (polls, frames): tests send those messages by hand, so
// every command a test runs returns promptly.
func testTick(d time.Duration, f func(time.Time) tea.Msg) tea.Cmd {
	if d < time.Second {
		return func() tea.Msg { return f(fixedNow) }
	}
	return nil
}

func runCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case m := <-ch:
		if m == nil {
			return nil
		}
		if _, quit := m.(tea.QuitMsg); quit {
			return nil
		}
		return []tea.Msg{m}
	case <-time.After(10 * time.Second):
		panic("a command ran for 10 s: a timer the test did not replace?")
	}
}

func press(s string) tea.Msg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "delete":
		return tea.KeyPressMsg{Code: tea.KeyDelete}
	case "f1":
		return tea.KeyPressMsg{Code: tea.KeyF1}
	}
	if c, ok := strings.CutPrefix(s, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: []rune(c)[0], Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func typed(s string) []tea.Msg {
	var out []tea.Msg
	for _, r := range s {
		out = append(out, press(string(r)))
	}
	return out
}

func screen(a *App) string { return ansi.Strip(a.render()) }

func size() tea.Msg { return tea.WindowSizeMsg{Width: 120, Height: 40} }

func TestUpdatePerformsNoIO(t *testing.T) {
	f := demoFake()
	a := newTestApp(f, Target{})
	var cmds []tea.Cmd
	step := func(m tea.Msg) {
		_, c := a.Update(m)
		cmds = append(cmds, c)
	}
	step(size())
	for _, m := range append(typed("/orders"), press("enter"), press("M"), press("N"), press("down"), press("enter"), press("esc"), press(":")) {
		step(m)
	}
	step(press("ctrl+r"))
	if n := f.calls.Load(); n != 0 {
		t.Fatalf("Update made %d backend calls; all I/O must be in commands", n)
	}
	// The commands it returned are what do the I/O.
	for _, c := range cmds {
		runCmd(c)
	}
	if f.calls.Load() == 0 {
		t.Fatal("running the returned commands made no backend call; the test proves nothing")
	}
}

func TestQueueListGolden(t *testing.T) {
	a := newTestApp(demoFake(), Target{Context: "local"})
	settle(t, a, a.Init(), size())
	golden.RequireEqual(t, screen(a))
}

func TestFilterNarrowsLiveAndEnterKeepsIt(t *testing.T) {
	f := demoFake()
	a := newTestApp(f, Target{})
	settle(t, a, a.Init(), size())
	settle(t, a, press("/"))
	settle(t, a, typed("dlq")...)
	if got := screen(a); !strings.Contains(got, "demo.orders.dlq") || strings.Contains(got, "demo.orders.all") {
		t.Fatalf("typing a filter should narrow the list live:\n%s", got)
	}
	settle(t, a, press("enter"))
	if a.mode != modeNormal {
		t.Fatal("enter should leave the filter prompt")
	}
	lv := a.top().(*listView[mgmt.Queue])
	if lv.opts.Filter != "dlq" || lv.tbl.Cursor != 0 {
		t.Fatalf("filter kept = %q, cursor = %d; want dlq, 0", lv.opts.Filter, lv.tbl.Cursor)
	}
	golden.RequireEqual(t, screen(a))
	settle(t, a, press("esc"))
	if lv.opts.Filter != "" || !strings.Contains(screen(a), "demo.orders.all") {
		t.Fatal("esc should clear the filter")
	}
}

// The broker's name filter ignores case (RabbitMQ 3.10.8: name=DEMO with
// use_regex=true lists demo.* queues), and so does the fake; the mgmt
// integration tests check the broker side.
func TestFilterIgnoresCaseLikeTheBroker(t *testing.T) {
	a := newTestApp(demoFake(), Target{})
	settle(t, a, a.Init(), size())
	settle(t, a, press("/"))
	settle(t, a, typed("ORDERS\\.DLQ")...)
	settle(t, a, press("enter"))
	lv := a.top().(*listView[mgmt.Queue])
	if len(lv.items) != 1 || lv.items[0].Name != "demo.orders.dlq" {
		t.Fatalf("an upper-case filter should find demo.orders.dlq, got %d rows:\n%s", len(lv.items), screen(a))
	}
	settle(t, a, press(":"))
	settle(t, a, typed("bi")...)
	settle(t, a, press("enter"), press("/"))
	settle(t, a, typed("ORDER\\.#")...) // a routing key, in other case
	settle(t, a, press("enter"))
	bv := a.top().(*listView[mgmt.Binding])
	if len(bv.items) != 1 || bv.items[0].Destination != "demo.orders.all" {
		t.Fatalf("the bindings filter should match a routing key in any case, got %+v", bv.items)
	}
}

func TestBadRegexIsAnErrorNotAFetch(t *testing.T) {
	f := demoFake()
	a := newTestApp(f, Target{})
	settle(t, a, a.Init(), size())
	settle(t, a, press("/"))
	settle(t, a, typed("(")...)
	settle(t, a, press("enter"))
	if !a.statusErr || !strings.Contains(a.status, "not a valid regular expression") {
		t.Fatalf("status = %q, want a regex error", a.status)
	}
	if f.lastQueues.Filter == "(" {
		t.Fatal("an invalid regex reached the broker")
	}
}

func TestSortKeysAskTheServer(t *testing.T) {
	f := demoFake()
	a := newTestApp(f, Target{})
	settle(t, a, a.Init(), size())
	settle(t, a, press("M"))
	if f.lastQueues.Sort != mgmt.SortMessages || !f.lastQueues.Reverse {
		t.Fatalf("M: sort = %+v, want messages, biggest first", f.lastQueues)
	}
	if first := a.top().(*listView[mgmt.Queue]).items[0].Name; first != "demo.orders.all" {
		t.Fatalf("deepest queue should be first, got %s", first)
	}
	settle(t, a, press("M"))
	if !(f.lastQueues.Sort == mgmt.SortMessages && !f.lastQueues.Reverse) {
		t.Fatal("M again should reverse")
	}
	settle(t, a, press("C"))
	if f.lastQueues.Sort != mgmt.SortConsumers {
		t.Fatal("C should sort by consumers")
	}
	settle(t, a, press("R"))
	if f.lastQueues.Sort != mgmt.SortRate {
		t.Fatal("R should sort by rate")
	}
	settle(t, a, press("N"))
	if f.lastQueues.Sort != mgmt.SortName || f.lastQueues.Reverse {
		t.Fatal("N should sort by name A-Z")
	}
}

func TestQueueDetailAndBack(t *testing.T) {
	a := newTestApp(demoFake(), Target{})
	settle(t, a, a.Init(), size())
	settle(t, a, press("enter")) // first row by name: billing
	settle(t, a, press("esc"))
	settle(t, a, typed("jjj")...) // demo.orders.created
	settle(t, a, press("enter"))
	d, ok := a.top().(*queueDetail)
	if !ok || d.name != "demo.orders.created" {
		t.Fatalf("enter should open the queue detail, top is %T", a.top())
	}
	golden.RequireEqual(t, screen(a))
	settle(t, a, press("enter")) // the selected binding: its source exchange
	if x, ok := a.top().(*exchangeDetail); !ok || x.name != "demo.orders" {
		t.Fatalf("enter on a binding should open its source exchange, top is %T", a.top())
	}
	settle(t, a, press("esc"), press("esc"))
	if len(a.stack) != 1 {
		t.Fatalf("esc twice should be back at the list, stack %d", len(a.stack))
	}
}

func TestCommandViewsGolden(t *testing.T) {
	for _, cmd := range []string{"ex", "bi", "co", "no"} {
		t.Run(cmd, func(t *testing.T) {
			a := newTestApp(demoFake(), Target{ReadOnly: true})
			settle(t, a, a.Init(), size())
			settle(t, a, press(":"))
			settle(t, a, typed(cmd)...)
			settle(t, a, press("enter"))
			golden.RequireEqual(t, screen(a))
		})
	}
}

func TestExchangeDetailGolden(t *testing.T) {
	a := newTestApp(demoFake(), Target{})
	settle(t, a, a.Init(), size())
	settle(t, a, press(":"))
	settle(t, a, typed("exchanges")...)
	settle(t, a, press("enter"))
	settle(t, a, press("G"), press("enter")) // demo.orders, the last by name
	golden.RequireEqual(t, screen(a))
}

func TestVhostCommandAndCompletion(t *testing.T) {
	f := demoFake()
	a := newTestApp(f, Target{})
	settle(t, a, a.Init(), size())
	settle(t, a, press(":"))
	settle(t, a, typed("vhost or")...)
	settle(t, a, press("tab"))
	if a.input.Text() != "vhost orders " {
		t.Fatalf("tab completion gave %q", a.input.Text())
	}
	settle(t, a, press("backspace"))
	settle(t, a, typed("x")...)
	a.input.Set("vhost demo.vhost")
	settle(t, a, press("enter"))
	if f.lastQueues.Vhost != "demo.vhost" || !strings.Contains(screen(a), "billing") || strings.Contains(screen(a), "demo.orders.all") {
		t.Fatalf(":vhost should narrow the lists: %+v\n%s", f.lastQueues, screen(a))
	}
	settle(t, a, press(":"))
	settle(t, a, typed("vhost *")...)
	settle(t, a, press("enter"))
	if f.lastQueues.Vhost != "" {
		t.Fatal(":vhost * should list every vhost")
	}
}

func TestUnknownCommandSaysSo(t *testing.T) {
	a := newTestApp(demoFake(), Target{})
	settle(t, a, a.Init(), size())
	settle(t, a, press(":"))
	settle(t, a, typed("frobnicate")...)
	settle(t, a, press("enter"))
	if !a.statusErr || !strings.Contains(a.status, "unknown command :frobnicate") {
		t.Fatalf("status = %q", a.status)
	}
}

func TestBrokerErrorShownThenRecovered(t *testing.T) {
	f := demoFake()
	a := newTestApp(f, Target{})
	f.setFail(fmt.Errorf("management API at http://127.0.0.1:15672: %w", errors.New("connection refused")))
	settle(t, a, a.Init(), size())
	got := screen(a)
	if !strings.Contains(got, "HTTP ● down") || !strings.Contains(got, "connection refused") {
		t.Fatalf("a failing API should show the link down and why:\n%s", got)
	}
	golden.RequireEqual(t, got)
	f.setFail(nil)
	settle(t, a, press("ctrl+r"))
	got = screen(a)
	if !strings.Contains(got, "HTTP ● up") || !strings.Contains(got, "demo.orders.all") {
		t.Fatalf("after recovery the list should be back:\n%s", got)
	}
}

func TestStaleResultsAreDropped(t *testing.T) {
	f := demoFake()
	a := newTestApp(f, Target{})
	settle(t, a, a.Init(), size())
	lv := a.top().(*listView[mgmt.Queue])
	stale := fetchedMsg{view: lv.id(), gen: lv.poll.gen - 1, data: mgmt.Page[mgmt.Queue]{Items: []mgmt.Queue{{Name: "ghost"}}, FilteredCount: 1}}
	settle(t, a, stale)
	if strings.Contains(screen(a), "ghost") {
		t.Fatal("a result of an older generation was shown")
	}
}

func TestHiddenViewsDoNotPoll(t *testing.T) {
	f := demoFake()
	a := newTestApp(f, Target{})
	settle(t, a, a.Init(), size())
	list := a.top()
	settle(t, a, press("enter"))
	before := f.calls.Load()
	_, cmd := a.Update(pollMsg{view: list.id(), gen: list.(*listView[mgmt.Queue]).poll.gen})
	if cmd != nil {
		runCmd(cmd)
	}
	if f.calls.Load() != before {
		t.Fatal("a view under the top one polled")
	}
}

func TestPagingPastTheLastRowFetchesTheNextPage(t *testing.T) {
	f := demoFake()
	f.queues = nil
	for i := 0; i < 100; i++ {
		f.queues = append(f.queues, mgmt.Queue{Vhost: "/", Name: fmt.Sprintf("q%03d", i), Type: "classic", HasStats: true})
	}
	a := newTestApp(f, Target{})
	settle(t, a, a.Init(), tea.WindowSizeMsg{Width: 120, Height: 15}) // 10 rows a page
	lv := a.top().(*listView[mgmt.Queue])
	if f.lastQueues.PageSize != 10 {
		t.Fatalf("page size = %d, want the visible rows (10)", f.lastQueues.PageSize)
	}
	for i := 0; i < 10; i++ {
		settle(t, a, press("j"))
	}
	if f.lastQueues.Page != 2 || lv.items[lv.tbl.Cursor].Name != "q010" {
		t.Fatalf("page %d, row %s; want page 2 at q010", f.lastQueues.Page, lv.items[lv.tbl.Cursor].Name)
	}
	settle(t, a, press("k"))
	if f.lastQueues.Page != 1 || lv.items[lv.tbl.Cursor].Name != "q009" {
		t.Fatal("up from the first row should go back to the end of page 1")
	}
	settle(t, a, press("G"))
	if f.lastQueues.Page != 10 || lv.items[lv.tbl.Cursor].Name != "q099" {
		t.Fatalf("G: page %d", f.lastQueues.Page)
	}
	if !strings.Contains(screen(a), "page 10/10") {
		t.Fatal("the title should say which page")
	}
}

func TestLinkStateInHeader(t *testing.T) {
	a := newTestApp(demoFake(), Target{})
	settle(t, a, a.Init(), size())
	settle(t, a, LinkMsg{State: ops.LinkReconnecting})
	if !strings.Contains(screen(a), "AMQP ◌ reconnecting") {
		t.Fatal("reconnecting should show in the header")
	}
	settle(t, a, LinkMsg{State: ops.LinkDown, Err: errors.New("AMQP login refused: wrong username or password")})
	if got := screen(a); !strings.Contains(got, "AMQP ● down (login refused: wrong username or password)") {
		t.Fatalf("down should say why in the header:\n%s", got)
	}
	settle(t, a, LinkMsg{State: ops.LinkUp})
	if !strings.Contains(screen(a), "AMQP ● up") {
		t.Fatal("up should show in the header")
	}
}

func TestQuit(t *testing.T) {
	a := newTestApp(demoFake(), Target{})
	settle(t, a, a.Init(), size())
	_, cmd := a.Update(press("q"))
	if cmd == nil {
		t.Fatal("q should quit")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q should return tea.Quit")
	}
	// In a prompt, q is text.
	settle(t, a, press("/"))
	_, cmd = a.Update(press("q"))
	if cmd != nil {
		if _, ok := cmd().(tea.QuitMsg); ok {
			t.Fatal("q typed into the filter quit the program")
		}
	}
}

// fakeSwitcher hands out a second fake broker for :ctx.
type fakeSwitcher struct {
	other *fakeSource
}

func (s fakeSwitcher) Contexts() []string { return []string{"local", "staging"} }

func (s fakeSwitcher) Switch(_ context.Context, name string) (Target, error) {
	if name != "staging" {
		return Target{}, fmt.Errorf("no context %q", name)
	}
	return Target{Context: "staging", Source: s.other, API: "http://staging:15672", ReadOnly: true}, nil
}

func TestContextSwitch(t *testing.T) {
	staging := demoFake()
	staging.queues = []mgmt.Queue{{Vhost: "/", Name: "staging.only", Type: "classic", HasStats: true}}
	a := New(Target{Context: "local", Source: demoFake(), API: "http://local:15672"}, Options{Refresh: time.Hour, Timeout: time.Second}, fakeSwitcher{other: staging})
	a.debounce = time.Millisecond
	a.c.tick = testTick
	settle(t, a, a.Init(), size())
	settle(t, a, press(":"))
	settle(t, a, typed("ctx st")...)
	settle(t, a, press("tab"))
	if a.input.Text() != "ctx staging " {
		t.Fatalf("context completion = %q", a.input.Text())
	}
	settle(t, a, press("enter"))
	got := screen(a)
	if !strings.Contains(got, "ctx staging") || !strings.Contains(got, "staging.only") || !strings.Contains(got, "READ-ONLY") {
		t.Fatalf(":ctx staging should show the other broker:\n%s", got)
	}
	settle(t, a, press(":"))
	settle(t, a, typed("ctx nope")...)
	settle(t, a, press("enter"))
	if !a.statusErr || !strings.Contains(a.status, `no context "nope"`) || a.c.target.Context != "staging" {
		t.Fatalf("a failed switch should keep the current context and say why: %q", a.status)
	}
}

// An action on the selection while a new filter's rows are still on their
// way must not hit the old selection.
func TestActionsWaitForAFreshList(t *testing.T) {
	f := demoFake()
	pk := &fakePeeker{}
	a := newTestApp(f, Target{Peeker: pk})
	settle(t, a, a.Init(), size())
	lv := a.top().(*listView[mgmt.Queue])
	_, cmd := a.Update(press("M")) // the re-sorted page is in flight
	settle(t, a, press("p"))
	if len(a.stack) != 1 || !strings.Contains(a.status, "still loading") {
		t.Fatalf("p on a stale list should wait: stack %d, status %q", len(a.stack), a.status)
	}
	settle(t, a, cmd)
	if lv.stale() {
		t.Fatal("the list should be fresh once its rows arrived")
	}
}

// Status lines expire by themselves (k9s's flash): an info line after
// statusInfoFor, an error after statusErrorFor, and an expiry never
// clears a newer line.
func TestStatusExpires(t *testing.T) {
	a := newTestApp(demoFake(), Target{})
	settle(t, a, a.Init(), size())
	var armed []time.Duration
	var fire []func(time.Time) tea.Msg
	a.c.tick = func(d time.Duration, f func(time.Time) tea.Msg) tea.Cmd {
		if d == statusInfoFor || d == statusErrorFor {
			armed, fire = append(armed, d), append(fire, f)
			return nil
		}
		return testTick(d, f)
	}
	settle(t, a, statusMsg{text: "exported 3 messages"})
	settle(t, a, statusMsg{text: "peek failed", err: true})
	if len(armed) != 2 || armed[0] != statusInfoFor || armed[1] != statusErrorFor {
		t.Fatalf("expiries armed: %v", armed)
	}
	settle(t, a, fire[0](fixedNow)) // the info line's expiry: the error stays
	if !strings.Contains(screen(a), "peek failed") {
		t.Fatal("an older status's expiry cleared a newer one")
	}
	settle(t, a, fire[1](fixedNow))
	if strings.Contains(screen(a), "peek failed") {
		t.Fatal("the error should have expired")
	}
}

// A half-typed filter's error goes once the filter is valid again.
func TestFilterErrorClearsWhenValid(t *testing.T) {
	a := newTestApp(demoFake(), Target{})
	settle(t, a, a.Init(), size())
	settle(t, a, press("/"))
	settle(t, a, typed("orders(")...)
	if !strings.Contains(a.status, "not a valid regular expression") {
		t.Fatalf("status %q", a.status)
	}
	settle(t, a, press("backspace"))
	if a.status != "" {
		t.Fatalf("a valid filter left the error: %q", a.status)
	}
}

// A memory or disk alarm shows in the header, named with its node, for as
// long as the nodes report it.
func TestAlarmInHeader(t *testing.T) {
	f := demoFake()
	f.nodes[0].MemAlarm = true
	a := newTestApp(f, Target{})
	settle(t, a, a.Init(), size())
	if got := screen(a); !strings.Contains(got, "ALARM memory on rabbit@demo: publishing blocked") {
		t.Fatalf("the alarm should show in the header:\n%s", got)
	}
	// One failed read of the nodes (a timeout, a user without monitoring)
	// says nothing about the alarm: it stays.
	f.mu.Lock()
	f.nodes[0].MemAlarm = false
	f.nodesErr = errors.New("management API: 403 Forbidden")
	f.mu.Unlock()
	settle(t, a, press("ctrl+r"))
	if got := screen(a); !strings.Contains(got, "ALARM memory on rabbit@demo") {
		t.Fatalf("a failed read of the nodes cleared the alarm:\n%s", got)
	}
	f.mu.Lock()
	f.nodesErr = nil
	f.mu.Unlock()
	settle(t, a, press("ctrl+r"))
	if strings.Contains(screen(a), "ALARM") {
		t.Fatal("a cleared alarm should go from the header")
	}
}

// The header names the AMQP endpoint in use only when warren was given
// several, and always says when it failed over.
func TestHeaderNamesTheEndpointOfSeveral(t *testing.T) {
	firstLine := func(a *App) string { return strings.SplitN(screen(a), "\n", 2)[0] }
	one := newTestApp(demoFake(), Target{AMQP: "amqp://guest:xxxxx@10.0.0.1:5672/"})
	settle(t, one, one.Init(), size())
	settle(t, one, LinkMsg{State: ops.LinkUp, Endpoint: "10.0.0.1:5672"})
	if got := firstLine(one); !strings.Contains(got, "AMQP ● up") || strings.Contains(got, "10.0.0.1") {
		t.Fatalf("one endpoint: the header should say up without naming it:\n%s", got)
	}
	settle(t, one, LinkMsg{State: ops.LinkUp, Endpoint: "10.0.0.1:5672", FailedOver: true})
	if got := firstLine(one); !strings.Contains(got, "failed over to 10.0.0.1:5672") {
		t.Fatalf("a failover should be said:\n%s", got)
	}
	several := newTestApp(demoFake(), Target{AMQP: "amqp://guest:xxxxx@10.0.0.1:5672/,10.0.0.2:5672"})
	settle(t, several, several.Init(), size())
	settle(t, several, LinkMsg{State: ops.LinkUp, Endpoint: "10.0.0.1:5672"})
	if got := firstLine(several); !strings.Contains(got, "AMQP ● up 10.0.0.1:5672") {
		t.Fatalf("several endpoints: the header should name the one in use:\n%s", got)
	}
	apis := demoFake()
	apis.overview.Endpoint = "10.0.0.1:15672"
	withAPIs := newTestApp(apis, Target{API: "http://10.0.0.1:15672", APIs: "http://10.0.0.1:15672,10.0.0.2:15672"})
	settle(t, withAPIs, withAPIs.Init(), size())
	if got := firstLine(withAPIs); !strings.Contains(got, "HTTP ● up 10.0.0.1:15672") {
		t.Fatalf("several APIs: the header should name the one in use:\n%s", got)
	}
}
