package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/ui/widget"
)

// screenSizes are the sizes every view is checked at: the classic
// terminal and a roomy one.
var screenSizes = []struct{ w, h int }{{80, 24}, {120, 40}}

// viewCase opens one main view on a fresh App of the given size.
type viewCase struct {
	name string
	open func(t *testing.T, w, h int) *App
	// selected holds, for each row drawn in the theme's Selected style, a
	// text that row shows (none for views without a cursor row).
	selected []string
}

// sizedApp builds a test App on the demo broker and sizes it.
func sizedApp(t *testing.T, tg Target, w, h int) *App {
	t.Helper()
	if tg.Context == "" {
		tg.Context = "local"
	}
	a := newTestApp(demoFake(), tg)
	settle(t, a, a.Init(), tea.WindowSizeMsg{Width: w, Height: h})
	return a
}

// send sends each message on its own, as a person types.
func send(t *testing.T, a *App, msgs ...tea.Msg) {
	t.Helper()
	for _, m := range msgs {
		settle(t, a, m)
	}
}

func runCommand(t *testing.T, a *App, c string) {
	t.Helper()
	send(t, a, press(":"))
	send(t, a, typed(c)...)
	send(t, a, press("enter"))
}

func filterTo(t *testing.T, a *App, f string) {
	t.Helper()
	send(t, a, press("/"))
	send(t, a, typed(f)...)
	send(t, a, press("enter"))
}

func viewCases() []viewCase {
	deadLetters := func() *fakePeeker {
		pk := &fakePeeker{}
		for i := 1; i <= 3; i++ {
			pk.msgs = append(pk.msgs, deadLetter(i, fmt.Sprintf(`{"order":%d,"total":12.50,"items":["book"]}`, i)))
		}
		return pk
	}
	return append([]viewCase{
		{name: "queue-list", selected: []string{"demo.orders.all"}, open: func(t *testing.T, w, h int) *App {
			a := sizedApp(t, Target{}, w, h)
			send(t, a, press("j"), press("j")) // a row in the middle: billing, events, all
			return a
		}},
		{name: "queue-detail", selected: []string{"demo.orders"}, open: func(t *testing.T, w, h int) *App {
			a := sizedApp(t, Target{}, w, h)
			filterTo(t, a, "orders.created")
			send(t, a, press("enter"))
			send(t, a, press("G")) // the binding, below the chart the list's samples start
			return a
		}},
		{name: "exchange-list", selected: []string{"amq.topic"}, open: func(t *testing.T, w, h int) *App {
			a := sizedApp(t, Target{}, w, h)
			runCommand(t, a, "ex")
			send(t, a, press("j"))
			return a
		}},
		{name: "exchange-detail", selected: []string{"demo.orders.all"}, open: func(t *testing.T, w, h int) *App {
			a := sizedApp(t, Target{}, w, h)
			runCommand(t, a, "ex")
			send(t, a, press("G"), press("enter")) // demo.orders
			send(t, a, press("j"))                 // its second binding
			return a
		}},
		{name: "bindings", selected: []string{"demo.orders.all"}, open: func(t *testing.T, w, h int) *App {
			a := sizedApp(t, Target{}, w, h)
			runCommand(t, a, "bi")
			send(t, a, press("j"))
			return a
		}},
		{name: "connections", selected: []string{"127.0.0.1:50000"}, open: func(t *testing.T, w, h int) *App {
			a := sizedApp(t, Target{}, w, h)
			runCommand(t, a, "co")
			return a
		}},
		{name: "nodes", selected: []string{"rabbit@demo"}, open: func(t *testing.T, w, h int) *App {
			a := sizedApp(t, Target{}, w, h)
			runCommand(t, a, "no")
			return a
		}},
		{name: "peek-list", selected: []string{"order-2"}, open: func(t *testing.T, w, h int) *App {
			a := sizedApp(t, Target{Peeker: deadLetters()}, w, h)
			filterTo(t, a, "dlq")
			send(t, a, press("p"), press("space")) // marks the first and moves to the second
			return a
		}},
		{name: "inspector", open: func(t *testing.T, w, h int) *App {
			pk := &fakePeeker{msgs: []message.Message{deadLetter(1, `{"order":1042,"customer":{"name":"Ada","vip":true},"total":12.50,"note":null}`)}}
			a := sizedApp(t, Target{Peeker: pk}, w, h)
			filterTo(t, a, "dlq")
			send(t, a, press("p"), press("enter"))
			return a
		}},
		{name: "consume-dialog", open: func(t *testing.T, w, h int) *App {
			a := sizedApp(t, Target{Streamer: &fakeStreamer{feed: &fakeFeed{}}}, w, h)
			filterTo(t, a, "orders.created")
			send(t, a, press("t"))
			return a
		}},
		{name: "live-pane", selected: []string{"demo.orders", "order.shipped"}, open: func(t *testing.T, w, h int) *App {
			st := &fakeStreamer{feed: &fakeFeed{}}
			a := sizedApp(t, Target{Streamer: st}, w, h)
			tapDemoOrders(t, a)
			for i := 1; i <= 30; i++ {
				st.feed.push(orderMsg(i))
			}
			frame(t, a)
			send(t, a, press("k")) // off the newest row (order.created): the pane stops following
			return a
		}},
		{name: "watch-board", selected: []string{"demo.orders.all"}, open: func(t *testing.T, w, h int) *App {
			a := sizedApp(t, Target{Streamer: &depthStreamer{}}, w, h)
			for _, q := range []string{"orders.all", "payments"} {
				filterTo(t, a, q)
				send(t, a, press("w"), press("esc"))
			}
			runCommand(t, a, "watch")
			wv := a.top().(*watchView)
			settle(t, a, pollMsg{view: wv.id(), gen: wv.poll.gen})
			return a
		}},
		{name: "help", open: func(t *testing.T, w, h int) *App {
			a := sizedApp(t, Target{}, w, h)
			send(t, a, press("?"))
			return a
		}},
		{name: "publish-form", open: func(t *testing.T, w, h int) *App {
			a := sizedApp(t, Target{Publisher: &fakePublisher{outcome: ops.Confirmed}}, w, h)
			filterTo(t, a, "orders.created")
			send(t, a, press("P"))
			return a
		}},
	}, clusterViewCases()...)
}

// Each main view at each size, as the terminal gets it: warren's colours,
// bold and the selected row's style are in the golden bytes, so a cursor
// on the wrong row or a changed style fails the comparison (cat -v shows
// the escapes).
func TestViewsGolden(t *testing.T) {
	for _, vc := range viewCases() {
		for _, sz := range screenSizes {
			t.Run(fmt.Sprintf("%s/%dx%d", vc.name, sz.w, sz.h), func(t *testing.T) {
				a := vc.open(t, sz.w, sz.h)
				out := a.render()
				checkFrameSize(t, out, sz.w, sz.h)
				checkSelectedRows(t, a, out, vc.selected)
				golden.RequireEqual(t, out)
			})
		}
	}
}

// checkFrameSize fails unless the frame is exactly w x h cells.
func checkFrameSize(t *testing.T, out string, w, h int) {
	t.Helper()
	lines := strings.Split(out, "\n")
	if len(lines) != h {
		t.Errorf("%d lines on a %d-line screen", len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d columns on a %d-column screen", i+1, n, w)
		}
	}
}

// checkSelectedRows fails unless the lines drawn in the theme's Selected
// style are exactly one per want, in order, each holding its text.
func checkSelectedRows(t *testing.T, a *App, out string, want []string) {
	t.Helper()
	styled := a.c.th.Selected.Render("\x00")
	open := styled[:strings.IndexByte(styled, 0)]
	if open == "" {
		t.Fatal("the Selected style draws no escape: a cursor row would be invisible")
	}
	var rows []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, open) {
			rows = append(rows, ansi.Strip(l))
		}
	}
	ok := len(rows) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = strings.Contains(rows[i], want[i])
	}
	if !ok {
		t.Fatalf("want selected rows holding %q, got %q", want, rows)
	}
}

// A stripped golden would not see these; the ANSI one does.
func TestGoldenSeesCursorAndTheme(t *testing.T) {
	path := filepath.Join("testdata", "TestViewsGolden", "queue-list", "80x24.golden")
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	open := func() *App { return viewCases()[0].open(t, 80, 24) }
	if got := open().render(); got != string(want) {
		t.Fatalf("%s is stale: go test ./ui -run TestViewsGolden -update", path)
	}

	a := open()
	send(t, a, press("k")) // the cursor one row up
	if got := a.render(); got == string(want) {
		t.Error("a cursor on another row renders the same bytes")
	}

	a = open()
	a.c.th.Selected = a.c.th.Selected.Background(a.c.th.Row.GetForeground()) // another selected-row colour
	got := a.render()
	if got == string(want) {
		t.Error("another selected-row colour renders the same bytes")
	}
	if ansi.Strip(got) != ansi.Strip(string(want)) {
		t.Error("the colour change should leave the text as it was (so only an ANSI golden sees it)")
	}
}

// helpScroll matches the help title's scroll note.
var helpScroll = regexp.MustCompile(`scroll · lines (\d+)-(\d+) of (\d+)`)

// readHelp opens help and reads its whole body off the screen, scrolling
// one line at a time while it does not fit. It says how often it scrolled.
func readHelp(t *testing.T, a *App, open tea.Msg) ([]string, int) {
	t.Helper()
	send(t, a, open)
	if a.mode != modeHelp {
		t.Fatalf("%v should open help", open)
	}
	_, bh := a.bodySize()
	body := func() (string, []string) {
		lines := strings.Split(ansi.Strip(a.render()), "\n")
		lines = lines[3 : 3+bh] // below the two header lines and the title bar
		for i, l := range lines {
			lines[i] = strings.TrimRight(l, " ")
		}
		return lines[0], lines[1:]
	}
	title, lines := body()
	if !strings.HasPrefix(title, "Keys of ") {
		t.Fatalf("help title line %q", title)
	}
	m := helpScroll.FindStringSubmatch(title)
	if m == nil {
		for len(lines) > 0 && lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1] // the padding below a help that fits
		}
		return lines, 0
	}
	total, _ := strconv.Atoi(m[3])
	full := append([]string(nil), lines...)
	scrolls := 0
	for len(full) < total {
		send(t, a, press("j"))
		scrolls++
		title, lines = body()
		m = helpScroll.FindStringSubmatch(title)
		if m == nil || m[1] != strconv.Itoa(scrolls+1) {
			t.Fatalf("j in help should scroll one line: after %d, title %q", scrolls, title)
		}
		full = append(full, lines[len(lines)-1])
	}
	send(t, a, press("j"))
	if t2, _ := body(); t2 != title {
		t.Fatalf("j past the end of help moved it: %q, then %q", title, t2)
	}
	send(t, a, press("g"))
	if t2, _ := body(); !strings.Contains(t2, "lines 1-") {
		t.Fatalf("g in help should go back to the top: %q", t2)
	}
	return full, scrolls
}

// shownKeys joins each wrapped description to its key line, so a
// binding reads as one line: two spaces, the key in 14 columns, the
// description.
func shownKeys(lines []string) map[string]bool {
	const indent = "                 " // the description column
	shown := map[string]bool{}
	var cur string
	flush := func() {
		if cur != "" {
			shown[cur] = true
		}
		cur = ""
	}
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, indent) && cur != "":
			cur += " " + strings.TrimSpace(l)
		case strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "   "):
			flush()
			cur = l
		default:
			flush()
		}
	}
	flush()
	return shown
}

// Help shows every key of the current view, in full, at each size: where
// it does not fit, it scrolls, and the whole of it is read by scrolling.
func TestHelpListsEveryKey(t *testing.T) {
	for _, readOnly := range []bool{false, true} {
		for _, vc := range viewCases() {
			if vc.name == "help" {
				continue
			}
			for _, sz := range screenSizes {
				name := fmt.Sprintf("%s/%dx%d", vc.name, sz.w, sz.h)
				if readOnly {
					name = "read-only/" + name
				}
				t.Run(name, func(t *testing.T) {
					a := vc.open(t, sz.w, sz.h)
					a.c.target.ReadOnly = readOnly // only help's wording; the views were opened writable
					open := press("?")
					if tv, ok := a.top().(typingView); ok && tv.typing() {
						open = press("f1") // ? is text in a form
					}
					lines, scrolls := readHelp(t, a, open)
					shown := shownKeys(lines)
					var want []binding
					for _, g := range a.helpGroups() {
						want = append(want, g.keys...)
					}
					if len(want) < 10 {
						t.Fatalf("help of %T lists %d keys", a.top(), len(want))
					}
					for _, b := range want {
						hk := b.Help()
						desc := hk.Desc
						if readOnly && b.writes {
							desc = "unavailable (read-only): " + desc
						}
						if line := "  " + widget.Cell(hk.Key, 14, false) + " " + desc; !shown[line] {
							t.Errorf("help lacks %q", line)
						}
					}
					if vc.name == "queue-list" && sz.h == 24 && scrolls == 0 {
						t.Error("the queue list's help fits 80x24 without scrolling: this test no longer proves scrolling works")
					}
					if t.Failed() {
						t.Logf("help as read:\n%s", strings.Join(lines, "\n"))
					}
					send(t, a, press("esc"))
					if a.mode != modeNormal {
						t.Fatal("esc should close help")
					}
				})
			}
		}
	}
}
