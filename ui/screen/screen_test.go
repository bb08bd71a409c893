package screen

import (
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// terminal records every write the screen makes, one entry per write.
type terminal struct {
	mu     sync.Mutex
	writes []string
	seen   chan struct{}
}

func newTerminal() *terminal { return &terminal{seen: make(chan struct{}, 1000)} }

func (t *terminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	t.writes = append(t.writes, string(p))
	t.mu.Unlock()
	select {
	case t.seen <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (t *terminal) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.writes)
}

func (t *terminal) since(n int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.writes[n:], "")
}

// waitFor waits until the writes from n on hold text.
func (t *terminal) waitFor(tb testing.TB, n int, text string) {
	tb.Helper()
	deadline := time.After(5 * time.Second)
	for !strings.Contains(t.since(n), text) {
		select {
		case <-t.seen:
		case <-deadline:
			tb.Fatalf("%q never written; writes: %q", text, t.since(n))
		}
	}
}

// counter shows a number; setMsg changes it, nopMsg changes nothing.
type counter struct {
	n     int
	views int
	mu    *sync.Mutex
	sized chan struct{} // closed at the first size Bubble Tea sends
	size  [2]int        // the last size, under mu
	light bool          // the terminal said its background is light, under mu
}

type setMsg int
type nopMsg struct{}

func (c *counter) Init() tea.Cmd { return nil }
func (c *counter) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch m := msg.(type) {
	case setMsg:
		c.n = int(m)
	case execNow:
		return c, m.cmd
	case tea.BackgroundColorMsg:
		c.mu.Lock()
		c.light = !m.IsDark()
		c.mu.Unlock()
	case tea.WindowSizeMsg:
		c.mu.Lock()
		c.size = [2]int{m.Width, m.Height}
		c.mu.Unlock()
		select {
		case <-c.sized:
		default:
			close(c.sized)
		}
	case tea.KeyPressMsg:
		if m.String() == "q" {
			return c, tea.Quit
		}
	}
	return c, nil
}
func (c *counter) View() tea.View {
	c.mu.Lock()
	c.views++
	c.mu.Unlock()
	v := tea.NewView("count " + strings.Repeat("#", c.n%7) + " " + strconv.Itoa(c.n) + "\nsecond line")
	v.WindowTitle = "counter"
	return v
}

func start(t *testing.T, minFrame time.Duration) (*Program, *terminal, *counter, chan error) {
	t.Helper()
	out := newTerminal()
	keys, typing := io.Pipe()
	t.Cleanup(func() { typing.Close() })
	m := &counter{mu: &sync.Mutex{}, sized: make(chan struct{})}
	p := New(m, Config{In: keys, Out: out, Width: 40, Height: 5, Profile: colorprofile.ANSI256,
		MinFrame: minFrame, Env: []string{"TERM=xterm-256color"}}, tea.WithoutSignals())
	ran := make(chan error, 1)
	go func() { _, err := p.Run(); ran <- err }()
	t.Cleanup(func() { p.Kill(); <-ran })
	out.waitFor(t, 0, "count  0")
	<-m.sized // Bubble Tea sends the first size on its own, late or not
	return p, out, m, ran
}

// The first frame takes the terminal; after it, updates that leave the
// view as it was write nothing at all, and a change writes only what
// changed, at once.
func TestDrawsOnlyOnChange(t *testing.T) {
	p, out, m, _ := start(t, 0)
	first := out.since(0)
	for _, want := range []string{ansi.SetModeAltScreenSaveCursor, ansi.HideCursor, ansi.SetWindowTitle("counter"), "second line"} {
		if !strings.Contains(first, want) {
			t.Errorf("the first frame lacks %q: %q", want, first)
		}
	}
	n := out.count()
	for range 200 {
		p.Send(nopMsg{})
	}
	// Bubble Tea asks for a view after each of them.
	deadline := time.Now().Add(5 * time.Second)
	for {
		m.mu.Lock()
		views := m.views
		m.mu.Unlock()
		if views >= 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if got := out.since(n); got != "" {
		t.Fatalf("200 updates that changed nothing wrote %q", got)
	}

	p.Send(setMsg(1))
	out.waitFor(t, n, "1")
	got := out.since(n)
	if strings.Contains(got, "second line") || strings.Contains(got, "count") || strings.Contains(got, ansi.SetModeAltScreenSaveCursor) {
		t.Fatalf("a change of one number rewrote more than it: %q", got)
	}
}

// A burst of changes within MinFrame is drawn as few frames ending with
// the last state, not one per change.
func TestBurstIsCoalesced(t *testing.T) {
	p, out, _, _ := start(t, 50*time.Millisecond)
	n := out.count()
	for i := 1; i <= 500; i++ {
		p.Send(setMsg(i))
	}
	out.waitFor(t, n, "500")
	time.Sleep(150 * time.Millisecond)
	if frames := out.count() - n; frames > 20 {
		t.Fatalf("500 changes in a burst took %d writes", frames)
	}
	if last := out.since(out.count() - 1); !strings.Contains(last, "500") {
		t.Fatalf("the last frame is not the last state: %q", last)
	}
}

// waitQuit waits for the program to end without an error; the result
// stays in ran for the test's clean-up.
func waitQuit(t *testing.T, ran chan error, why string) {
	t.Helper()
	select {
	case err := <-ran:
		ran <- err
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal(why)
	}
}

// A new size redraws the whole frame; the end gives the terminal back.
func TestResizeRedrawsAndQuitLeaves(t *testing.T) {
	p, out, _, ran := start(t, 0)
	n := out.count()
	p.Send(tea.WindowSizeMsg{Width: 60, Height: 8})
	out.waitFor(t, n, "second line")
	n = out.count()
	p.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	waitQuit(t, ran, "q did not quit")
	if got := out.since(n); !strings.HasSuffix(got, ansi.ResetModeBracketedPaste+ansi.ShowCursor+ansi.ResetModeAltScreenSaveCursor) {
		t.Fatalf("quitting did not leave the alternate screen and show the cursor: %q", got)
	}
}

// A command handed the terminal runs between leaving and entering the
// screen, no frame is drawn while it runs, and the whole frame is drawn
// again after.
func TestHandGivesTheTerminalAndTakesItBack(t *testing.T) {
	p, out, _, _ := start(t, 0)
	n := out.count()
	ran := make(chan string, 1)
	cmd := &fakeCommand{run: func() error {
		before := out.since(n)
		// A frame offered while the command has the terminal.
		p.s.offer("drawn over the editor", "counter")
		go p.Send(setMsg(7)) // and a change, taken once the exec is over
		time.Sleep(100 * time.Millisecond)
		ran <- before + "|" + out.since(n)
		return nil
	}}
	done := make(chan error, 1)
	p.Send(execNow{tea.Exec(p.Hand(cmd), func(err error) tea.Msg { done <- err; return nil })})
	var during string
	select {
	case during = <-ran:
	case <-time.After(5 * time.Second):
		t.Fatal("the command never ran")
	}
	before, whileRunning, _ := strings.Cut(during, "|")
	if !strings.HasSuffix(before, ansi.ResetModeAltScreenSaveCursor) {
		t.Fatalf("the command ran before the screen was left: %q", before)
	}
	if whileRunning != before {
		t.Fatalf("a frame was drawn over the command: %q", strings.TrimPrefix(whileRunning, before))
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	out.waitFor(t, n, "7")
	after := out.since(n + 1)
	if !strings.Contains(after, ansi.SetModeAltScreenSaveCursor) || !strings.Contains(after, "second line") {
		t.Fatalf("taking the terminal back did not redraw the whole frame: %q", after)
	}
}

// execNow carries a command the counter returns from Update, so that
// Bubble Tea runs it.
type execNow struct{ cmd tea.Cmd }

type fakeCommand struct {
	run func() error
	in  io.Reader
	out io.Writer
}

func (f *fakeCommand) Run() error            { return f.run() }
func (f *fakeCommand) SetStdin(r io.Reader)  { f.in = r }
func (f *fakeCommand) SetStdout(w io.Writer) { f.out = w }
func (f *fakeCommand) SetStderr(io.Writer)   {}
