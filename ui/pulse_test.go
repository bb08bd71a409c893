package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/warren-tui/warren/pulse"
	"github.com/warren-tui/warren/ui/widget"
)

// pulseFake adds the pulse to the fake broker, with a fixed snapshot.
type pulseFake struct {
	*fakeSource
	snap   pulse.Snapshot
	reads  atomic.Int64
	vhosts []string
}

func (p *pulseFake) Pulse(_ context.Context, vhost string) (pulse.Snapshot, error) {
	p.reads.Add(1)
	if err := p.enter(); err != nil {
		return pulse.Snapshot{}, err
	}
	p.mu.Lock()
	p.vhosts = append(p.vhosts, vhost)
	p.mu.Unlock()
	s := p.snap
	s.At = fixedNow
	return s, nil
}

// demoPulse is a broker with something of each severity wrong: a missing
// dead-letter exchange and a memory alarm (critical), a TTL without one
// and work nobody takes (warning), dead letters waiting and a transient
// queue (info).
func demoPulse() pulse.Snapshot {
	return pulse.Snapshot{
		Version: "3.10.8",
		Have:    pulse.Parts{Queues: true, Exchanges: true, Bindings: true, Policies: true, Consumers: true, Connections: true, Nodes: true},
		Exchanges: []pulse.Exchange{
			{Vhost: "/", Name: "", Type: "direct"},
			{Vhost: "/", Name: "demo.dlx", Type: "topic"},
		},
		Queues: []pulse.Queue{
			{Vhost: "/", Name: "demo.orders.created", Type: "classic", Durable: true, Consumers: 1, Arguments: map[string]any{"x-dead-letter-exchange": "demo.gone"}},
			{Vhost: "/", Name: "demo.bulk.001", Type: "classic", Durable: true, Consumers: 1, Policy: map[string]any{"message-ttl": 86400000.0}, PolicyName: "demo-ttl"},
			{Vhost: "/", Name: "demo.orders.shipped", Type: "classic", Durable: true, Ready: 240, Messages: 240},
			{Vhost: "/", Name: "demo.orders.dlq", Type: "classic", Durable: true, Ready: 12, Messages: 12},
			{Vhost: "/", Name: "demo.retry", Type: "classic", Durable: true, Consumers: 1, Arguments: map[string]any{"x-dead-letter-exchange": "demo.dlx"}},
			{Vhost: "/", Name: "demo.scratch", Type: "classic", Consumers: 1},
		},
		Bindings: []pulse.Binding{
			{Vhost: "/", Source: "", Destination: "demo.retry", DestinationType: "queue", RoutingKey: "demo.retry"},
			{Vhost: "/", Source: "demo.dlx", Destination: "demo.orders.dlq", DestinationType: "queue", RoutingKey: "#"},
		},
		Policies: []pulse.Policy{{Vhost: "/", Name: "demo-ttl", Pattern: `^demo\.bulk\.0`, ApplyTo: "queues", Priority: 1, Definition: map[string]any{"message-ttl": 86400000.0}}},
		Nodes:    []pulse.Node{{Name: "rabbit@demo", Running: true, MemAlarm: true, FDUsed: 100, FDTotal: 1000}},
	}
}

// pulseApp is a sized App on the demo broker with the demo pulse read once.
func pulseApp(t *testing.T, snap pulse.Snapshot, w, h int) (*App, *pulseFake) {
	t.Helper()
	a := newTestApp(demoFake(), Target{Context: "local"})
	pf := &pulseFake{fakeSource: a.c.target.Source.(*fakeSource), snap: snap}
	a.c.target.Source = pf
	settle(t, a, a.Init(), tea.WindowSizeMsg{Width: w, Height: h})
	return a, pf
}

func TestPulseViewGolden(t *testing.T) {
	for _, sz := range screenSizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			a, _ := pulseApp(t, demoPulse(), sz.w, sz.h)
			runCommand(t, a, "pulse")
			send(t, a, press("j")) // the second critical finding
			out := a.render()
			checkFrameSize(t, out, sz.w, sz.h)
			checkSelectedRows(t, a, out, []string{"demo.orders.created"})
			golden.RequireEqual(t, out)
		})
	}
}

func TestPulseFindingsWorstFirstWithWhyAndFix(t *testing.T) {
	a, _ := pulseApp(t, demoPulse(), 120, 40)
	runCommand(t, a, "pu")
	s := screen(a)
	order := []string{"memory alarm", "demo.gone", "expire after 24h", "240 messages ready", "12 dead letters", "transient"}
	last := -1
	for _, w := range order {
		i := strings.Index(s, w)
		if i < 0 || i < last {
			t.Fatalf("%q missing or out of order (worst first):\n%s", w, s)
		}
		last = i
	}
	if !strings.Contains(s, "why") || !strings.Contains(s, "rabbitmq-diagnostics -n rabbit@demo memory_breakdown") {
		t.Fatalf("the selected finding's why and command are not shown:\n%s", s)
	}
	if !strings.Contains(strings.Split(s, "\n")[2], "2 critical · 2 warning · 2 info") {
		t.Fatalf("title bar counts: %q", strings.Split(s, "\n")[2])
	}
}

// The badge counts critical and warning findings in every view.
func TestPulseBadgeInTheHeader(t *testing.T) {
	a, _ := pulseApp(t, demoPulse(), 160, 30)
	for _, cmd := range []string{"queues", "ex", "no"} {
		runCommand(t, a, cmd)
		if head := strings.Split(screen(a), "\n")[0]; !strings.Contains(head, "pulse 2 critical 2 warning") {
			t.Fatalf(":%s header lacks the pulse badge: %q", cmd, head)
		}
	}
	healthy, _ := pulseApp(t, pulse.Snapshot{Have: pulse.Parts{Queues: true}}, 160, 30)
	if head := strings.Split(screen(healthy), "\n")[0]; strings.Contains(head, "pulse") {
		t.Fatalf("a broker without findings has a badge: %q", head)
	}
	plain := newTestApp(demoFake(), Target{})
	settle(t, plain, plain.Init(), size())
	if head := strings.Split(screen(plain), "\n")[0]; strings.Contains(head, "pulse") {
		t.Fatalf("a source without a pulse shows a badge: %q", head)
	}
}

func TestPulseEnterOpensTheObject(t *testing.T) {
	a, _ := pulseApp(t, demoPulse(), 120, 40)
	runCommand(t, a, "pulse")
	send(t, a, press("enter")) // the memory alarm: the node's detail
	if got := a.top().title(); got != "node rabbit@demo" {
		t.Fatalf("enter on a node finding opened %q", got)
	}
	send(t, a, press("esc"), press("j"), press("enter"))
	if got := a.top().title(); got != "queue demo.orders.created" {
		t.Fatalf("enter on a queue finding opened %q", got)
	}
}

func TestPulseYCopiesTheFix(t *testing.T) {
	a, _ := pulseApp(t, demoPulse(), 120, 40)
	runCommand(t, a, "pulse")
	send(t, a, press("j"))
	f, _ := a.top().(*pulseView).selected()
	_, cmd := a.Update(press("y"))
	var copied []string
	var walk func(tea.Cmd)
	walk = func(c tea.Cmd) {
		for _, m := range runCmd(c) {
			if b, ok := m.(tea.BatchMsg); ok {
				for _, c := range b {
					walk(c)
				}
				continue
			}
			if fmt.Sprintf("%T", m) == "tea.setClipboardMsg" {
				copied = append(copied, fmt.Sprint(m))
			}
			a.Update(m)
		}
	}
	walk(cmd)
	want := "rabbitmqadmin --vhost=/ declare exchange name=demo.gone type=fanout durable=true"
	if f.Command != want || len(copied) != 1 || copied[0] != want {
		t.Fatalf("copied %q, want %q (finding %+v)", copied, want, f)
	}
	if last := strings.Split(screen(a), "\n"); !strings.Contains(last[len(last)-1], "copied to the clipboard") {
		t.Fatalf("the status does not say it copied: %q", last[len(last)-1])
	}
}

// The pulse reads in the background, never from Update, and follows
// :vhost.
func TestPulseReadsInCommandsAndFollowsTheVhost(t *testing.T) {
	a, pf := pulseApp(t, demoPulse(), 120, 40)
	if pf.reads.Load() == 0 {
		t.Fatal("the pulse never read")
	}
	before := pf.fakeSource.calls.Load()
	for _, k := range []string{"j", "k"} {
		a.Update(press(k))
	}
	if pf.fakeSource.calls.Load() != before {
		t.Fatal("Update did I/O")
	}
	runCommand(t, a, "vhost orders")
	pf.mu.Lock()
	last := pf.vhosts[len(pf.vhosts)-1]
	pf.mu.Unlock()
	if last != "orders" {
		t.Fatalf("after :vhost orders the pulse read vhost %q", last)
	}
}

// Hostile names in findings are drawn escaped, in the rows and in the
// detail, and the fix command quotes them for the shell.
func TestPulseHostileNames(t *testing.T) {
	evil := "q\x1b]8;;http://evil\x07\u202e\x9bx\nrm"
	s := pulse.Snapshot{Have: pulse.Parts{Queues: true, Exchanges: true}, Queues: []pulse.Queue{
		{Vhost: "/", Name: evil, Type: "classic", Durable: true, Consumers: 1, Arguments: map[string]any{"x-dead-letter-exchange": evil}},
	}}
	a, _ := pulseApp(t, s, 120, 40)
	runCommand(t, a, "pulse")
	frame := a.render()
	checkFrame(t, "pulse view", frame, "body")
	f, _ := a.top().(*pulseView).selected()
	if strings.ContainsAny(f.Command, "\n\x1b\a") || !strings.Contains(f.Command, `$'name=q\x1b]8;;http://evil\x07`) {
		t.Fatalf("fix command not quoted safely: %q", f.Command)
	}
	if !strings.Contains(ansi.Strip(frame), `\x1b]8;;http://evil`) {
		t.Fatal("the hostile name is not shown escaped")
	}
	// A group of hostile names in hostile vhosts, closed and open.
	for i := range 3 {
		s.Queues = append(s.Queues, pulse.Queue{Vhost: evil + strconv.Itoa(i%2), Name: evil + strconv.Itoa(i), Type: "classic", Durable: true,
			Consumers: 1, Arguments: map[string]any{"x-message-ttl": 1000.0}})
	}
	a, _ = pulseApp(t, s, 120, 40)
	runCommand(t, a, "pulse")
	send(t, a, press("j"))
	checkFrame(t, "pulse view, a group", a.render(), "body")
	send(t, a, press("enter"), press("j"))
	checkFrame(t, "pulse view, an open group", a.render(), "body")
	if it, _ := a.top().(*pulseView).selectedItem(); !it.member {
		t.Fatalf("no member selected: %+v", it)
	}
}

// The findings view's help lists its own keys, read whole at each size.
func TestPulseHelpListsItsKeys(t *testing.T) {
	for _, sz := range screenSizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			a, _ := pulseApp(t, demoPulse(), sz.w, sz.h)
			runCommand(t, a, "pulse")
			pv := a.top().(*pulseView)
			lines, _ := readHelp(t, a, press("?"))
			shown := shownKeys(lines)
			for _, b := range a.viewScope(pv).bindings() {
				if line := "  " + widget.Cell(b.Help().Key, 14, false) + " " + b.Help().Desc; !shown[line] {
					t.Errorf("help lacks %q", line)
				}
			}
		})
	}
}

// The pulse reads at the list's refresh while reads are quick, and
// stretches its pace (and the trend window with it) when they are slow.
func TestPulsePaceFollowsTheCostOfARead(t *testing.T) {
	for _, c := range []struct {
		took, every, window time.Duration
	}{
		{20 * time.Millisecond, 5 * time.Second, 3 * time.Minute},
		{300 * time.Millisecond, 30 * time.Second, 3 * time.Minute},
		{time.Second, 100 * time.Second, 400 * time.Second},
		{time.Minute, 100 * time.Minute, pulseHistory},
	} {
		every := pulseEvery(5*time.Second, c.took)
		if every != c.every || growthWindow(every) != c.window {
			t.Errorf("a read of %s: every %s, window %s; want %s, %s", c.took, every, growthWindow(every), c.every, c.window)
		}
	}
}

// bulkPulse is demoPulse with eleven more bulk queues under the TTL
// policy: twelve findings of one rule, shown as one group.
func bulkPulse() pulse.Snapshot {
	s := demoPulse()
	for i := 2; i <= 12; i++ {
		s.Queues = append(s.Queues, pulse.Queue{Vhost: "/", Name: fmt.Sprintf("demo.bulk.%03d", i), Type: "classic", Durable: true, Consumers: 1,
			Policy: map[string]any{"message-ttl": 86400000.0}, PolicyName: "demo-ttl"})
	}
	return s
}

// The grouped view at both sizes: the group open, the cursor on a member.
func TestPulseGroupedViewGolden(t *testing.T) {
	for _, sz := range screenSizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			a, _ := pulseApp(t, bulkPulse(), sz.w, sz.h)
			runCommand(t, a, "pulse")
			send(t, a, press("j"), press("j"), press("enter"), press("j"), press("j"))
			out := a.render()
			checkFrameSize(t, out, sz.w, sz.h)
			checkSelectedRows(t, a, out, []string{"demo.bulk.002"})
			golden.RequireEqual(t, out)
		})
	}
}

// Twelve findings of one rule are one row that counts them and says what
// they share; enter lists them under it and closes them again; a member
// opens its queue and y copies its own command; the badge still counts
// every finding, and the title bar how many kinds they make.
func TestPulseGroupsFindingsOfOneRule(t *testing.T) {
	a, _ := pulseApp(t, bulkPulse(), 120, 40)
	runCommand(t, a, "pulse")
	pv := a.top().(*pulseView)
	rows := func() []string {
		var out []string
		for _, it := range pv.items {
			out = append(out, strings.Join(pulseItemRow(it)[3:], " | "))
		}
		return out
	}
	want := []string{
		"rabbit@demo | memory alarm: publishing is blocked on every node",
		`demo.orders.created | dead-letters to exchange "demo.gone", which does not exist: its dead letters are dropped`,
		"▸ 12 queues | messages expire and are dropped: no dead-letter exchange",
		"demo.orders.shipped | 240 messages ready and no consumers",
		"demo.orders.dlq | 12 dead letters wait and nobody consumes them",
		"demo.scratch | transient (non-durable) and not exclusive: a deprecated kind of queue",
	}
	if got := rows(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	s := screen(a)
	if head := strings.Split(s, "\n")[0]; !strings.Contains(head, "pulse 2 critical 13 warning") {
		t.Fatalf("the badge counts findings, not rows: %q", head)
	}
	if title := strings.Split(s, "\n")[2]; !strings.Contains(title, "2 critical · 13 warning · 2 info (6 kinds)") {
		t.Fatalf("title bar: %q", title)
	}
	send(t, a, press("j"), press("j"))
	if s := screen(a); !strings.Contains(s, "warning · 12 queues: messages expire") ||
		!strings.Contains(s, "demo.bulk.001, demo.bulk.002, demo.bulk.003, demo.bulk.004, demo.bulk.005, and 7 more") {
		t.Fatalf("a group's detail does not say what its findings share:\n%s", s)
	}
	if _, cmd := a.Update(press("y")); cmd == nil {
		t.Fatal("y on a group says nothing")
	}

	send(t, a, press("enter"))
	if got := rows(); len(got) != 6+12 || got[2] != "▾ 12 queues | messages expire and are dropped: no dead-letter exchange" ||
		!strings.HasPrefix(got[3], "  demo.bulk.001 | messages expire after 24h") || !strings.HasPrefix(got[14], "  demo.bulk.012 |") {
		t.Fatalf("an open group:\n%s", strings.Join(got, "\n"))
	}
	if it, _ := pv.selectedItem(); it.group == nil {
		t.Fatal("opening a group moved the cursor off it")
	}
	if s := screen(a); !strings.Contains(s, "(listed below; enter closes") {
		t.Fatalf("an open group's detail:\n%s", s)
	}
	send(t, a, press("j"), press("j"))
	f, ok := pv.selected()
	if !ok || f.Object.Name != "demo.bulk.002" {
		t.Fatalf("selected %+v", f)
	}
	var copied []string
	_, cmd := a.Update(press("y"))
	for _, m := range runCmd(cmd) {
		if b, ok := m.(tea.BatchMsg); ok {
			for _, c := range b {
				for _, m := range runCmd(c) {
					if fmt.Sprintf("%T", m) == "tea.setClipboardMsg" {
						copied = append(copied, fmt.Sprint(m))
					}
				}
			}
		}
	}
	if len(copied) != 1 || copied[0] != f.Command || !strings.Contains(f.Command, `'^demo\.bulk\.002$'`) {
		t.Fatalf("y on a member copied %q, want its own command %q", copied, f.Command)
	}
	// A fresh read keeps the group open and the cursor on the member.
	settle(t, a, a.refreshPulse())
	if f, _ := pv.selected(); f.Object.Name != "demo.bulk.002" || len(pv.items) != 18 {
		t.Fatalf("after a read: selected %q, %d rows", f.Object.Name, len(pv.items))
	}
	send(t, a, press("enter"))
	if got := a.top().title(); got != "queue demo.bulk.002" {
		t.Fatalf("enter on a member opened %q", got)
	}
	send(t, a, press("esc"), press("k"), press("k"), press("enter"))
	if len(pv.items) != 6 {
		t.Fatalf("enter on an open group's row did not close it:\n%s", strings.Join(rows(), "\n"))
	}
}
