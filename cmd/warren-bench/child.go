package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/pulse"
	"github.com/warren-tui/warren/ui"
	uiscreen "github.com/warren-tui/warren/ui/screen"
)

// The child is warren's UI alone in a process of its own, so its RSS and
// CPU are the UI's. It reports on stdout as JSON lines: one paintReport,
// then (after idling) one idleReport, or one childError.

const paintTimeout = 2 * time.Minute

// Terminal size of the run; at 45 lines a page of the list is 40 rows.
const termWidth, termHeight = 160, 45

// floorFPS is the static program's frame rate: Bubble Tea's own renderer
// ticking at the rate warren drew at before it drew only on change.
const floorFPS = 20

type paintReport struct {
	Event      string  `json:"event"` // "painted"
	FromExecMS float64 `json:"from_exec_ms"`
	PaintMS    float64 `json:"paint_ms"`       // program start -> rows on the output
	ViewMS     float64 `json:"view_ms"`        // program start -> View() first held the rows
	FetchMS    float64 `json:"first_fetch_ms"` // duration of the first Queues call
	RSSKB      int64   `json:"rss_kb"`
	HWMKB      int64   `json:"hwm_kb"`
}

type idleReport struct {
	Event         string  `json:"event"` // "idle"
	Seconds       float64 `json:"seconds"`
	CPUPercent    float64 `json:"cpu_pct"`
	RSSKB         int64   `json:"rss_kb"`
	HWMKB         int64   `json:"hwm_kb"`
	QueueCalls    int64   `json:"queue_calls"`
	QueueMSAvg    float64 `json:"queue_ms_avg"`
	OverviewCalls int64   `json:"overview_calls"`
	Updates       int64   `json:"updates"`
	Writes        int64   `json:"writes"`
	Bytes         int64   `json:"bytes"`
	// The pulse's reads in the window, when it was on.
	PulseReads    int64    `json:"pulse_reads"`
	PulseMSAvg    float64  `json:"pulse_ms_avg"`
	PulseQueues   int      `json:"pulse_queues"`
	PulseSampled  []string `json:"pulse_sampled"`
	PulseFindings int      `json:"pulse_findings"`
}

type childError struct {
	Event string `json:"event"` // "error"
	Error string `json:"error"`
}

// childArgs is what the parent passes to the child; the credentials
// travel in the environment, not on a command line others can read.
type childArgs struct {
	API     string
	Vhost   string
	Queues  int
	Idle    time.Duration
	Spawned time.Time
	Floor   bool // run a static model instead of warren
	Pulse   bool // let warren read its pulse in the background (the badge)
}

const (
	envUser = "WARREN_BENCH_USER"
	envPass = "WARREN_BENCH_PASS"
	// envProfile names a file for a CPU profile of the child's idle window.
	envProfile = "WARREN_BENCH_IDLE_CPUPROFILE"
)

// runChild runs the real UI on a queue list and reports. Exit status 1
// after printing a childError.
func runChild(a childArgs) {
	out := json.NewEncoder(os.Stdout)
	if err := childRun(a, out); err != nil {
		_ = out.Encode(childError{Event: "error", Error: err.Error()})
		os.Exit(1)
	}
	os.Exit(0) // no orderly shutdown: there is nothing left to measure
}

func childRun(a childArgs, out *json.Encoder) error {
	start := time.Now()
	src := &timedSource{}
	var inner tea.Model = staticModel{}
	want := []string{staticText}
	if !a.Floor {
		client, err := mgmt.New(mgmt.Config{APIURL: a.API, Username: os.Getenv(envUser), Password: os.Getenv(envPass)})
		if err != nil {
			return err
		}
		src.Client = client
		// Without the pulse the UI gets a Source that has no Pulse method.
		var source ui.Source = struct{ ui.Source }{src}
		if a.Pulse {
			source = src
		}
		inner = ui.New(ui.Target{Source: source, API: client.API(), Vhost: a.Vhost},
			ui.Options{Refresh: 5 * time.Second, Timeout: 10 * time.Second}, nil)
		want = []string{thousands(a.Queues) + " queues", benchQueueName(0)}
	}
	model := &watchedModel{inner: inner, want: want[0]}
	screen := &screenWatch{want: want, painted: make(chan struct{})}
	keyboard, keys := io.Pipe() // nothing is ever typed: reads block like an idle keyboard
	defer keys.Close()
	env := []string{"TERM=xterm-256color"}
	var p *tea.Program
	var run func() (tea.Model, error)
	if a.Floor {
		// The floor is a plain Bubble Tea program: its own renderer, on
		// its ticker, at the 20 fps warren ran it at before its screen.
		p = tea.NewProgram(model, tea.WithFPS(floorFPS),
			tea.WithInput(keyboard), tea.WithOutput(screen), tea.WithWindowSize(termWidth, termHeight),
			tea.WithoutSignalHandler(), // the parent stops us; ctrl+c kills us outright
			tea.WithEnvironment(env), tea.WithColorProfile(colorprofile.ANSI256))
		run = p.Run
	} else {
		// warren as it runs: drawn by its screen, only on change.
		sp := uiscreen.New(model, uiscreen.Config{In: keyboard, Out: screen, Width: termWidth, Height: termHeight,
			Profile: colorprofile.ANSI256, MinFrame: ui.MinFrame, Env: env},
			tea.WithoutSignalHandler())
		p, run = sp.Program, sp.Run
	}
	ran := make(chan error, 1)
	go func() { _, err := run(); ran <- err }()
	defer p.Kill()

	select {
	case <-screen.painted:
	case err := <-ran:
		return fmt.Errorf("UI ended before the first page showed: %v", err)
	case <-time.After(paintTimeout):
		return fmt.Errorf("no %q on screen after %s; last output: %q", want, paintTimeout, screen.text())
	}
	mem := selfMemory()
	ms := func(t time.Time) float64 { return float64(t.Sub(start).Microseconds()) / 1000 }
	err := out.Encode(paintReport{Event: "painted",
		FromExecMS: float64(screen.at.Sub(a.Spawned).Microseconds()) / 1000,
		PaintMS:    ms(screen.at), ViewMS: ms(model.readyAt()),
		FetchMS: float64(src.firstQueues.Load()) / 1e6,
		RSSKB:   mem.RSSKB, HWMKB: mem.HWMKB})
	if err != nil || a.Idle <= 0 {
		return err
	}

	// Idle on the list, as someone would leave warren open in a terminal.
	src.reset()
	model.updates.Store(0)
	screen.writes.Store(0)
	screen.bytes.Store(0)
	stopProfile := startProfile(os.Getenv(envProfile))
	cpu0, t0 := selfCPU(), time.Now()
	select {
	case <-time.After(a.Idle):
	case err := <-ran:
		return fmt.Errorf("UI ended while idling: %v", err)
	}
	cpu, wall := selfCPU()-cpu0, time.Since(t0)
	stopProfile()
	mem = selfMemory()
	calls := src.queueCalls.Load()
	var avg float64
	if calls > 0 {
		avg = float64(src.queueTime.Load()) / float64(calls) / 1e6
	}
	ir := idleReport{Event: "idle", Seconds: wall.Seconds(), CPUPercent: percentOfCore(cpu, wall),
		RSSKB: mem.RSSKB, HWMKB: mem.HWMKB, QueueCalls: calls, QueueMSAvg: avg,
		OverviewCalls: src.overviewCalls.Load(), Updates: model.updates.Load(),
		Writes: screen.writes.Load(), Bytes: screen.bytes.Load()}
	if reads := src.pulseReads.Load(); reads > 0 {
		src.mu.Lock()
		ir.PulseReads, ir.PulseMSAvg = reads, float64(src.pulseTime.Load())/float64(reads)/1e6
		ir.PulseQueues, ir.PulseSampled, ir.PulseFindings = len(src.lastPulse.Queues), src.lastPulse.Sampled, len(pulse.Evaluate(src.lastPulse, nil, pulse.DefaultConfig()))
		src.mu.Unlock()
	}
	return out.Encode(ir)
}

// timedSource is the real client with a stopwatch on the two calls the
// queue list makes; every other method is the client's own.
type timedSource struct {
	*mgmt.Client
	firstQueues   atomic.Int64 // ns, the first Queues call
	queueCalls    atomic.Int64
	queueTime     atomic.Int64 // ns
	overviewCalls atomic.Int64
	pulseReads    atomic.Int64
	pulseTime     atomic.Int64 // ns
	mu            sync.Mutex
	lastPulse     pulse.Snapshot
}

func (s *timedSource) Pulse(ctx context.Context, vhost string) (pulse.Snapshot, error) {
	t := time.Now()
	snap, err := s.Client.Pulse(ctx, vhost)
	s.pulseTime.Add(int64(time.Since(t)))
	s.pulseReads.Add(1)
	s.mu.Lock()
	s.lastPulse = snap
	s.mu.Unlock()
	return snap, err
}

func (s *timedSource) Queues(ctx context.Context, o mgmt.ListOptions) (mgmt.Page[mgmt.Queue], error) {
	t := time.Now()
	p, err := s.Client.Queues(ctx, o)
	took := int64(time.Since(t))
	s.firstQueues.CompareAndSwap(0, took)
	s.queueCalls.Add(1)
	s.queueTime.Add(took)
	return p, err
}

func (s *timedSource) Overview(ctx context.Context) (mgmt.Overview, error) {
	s.overviewCalls.Add(1)
	return s.Client.Overview(ctx)
}

func (s *timedSource) reset() {
	s.queueCalls.Store(0)
	s.queueTime.Store(0)
	s.overviewCalls.Store(0)
	s.pulseReads.Store(0)
	s.pulseTime.Store(0)
}

// watchedModel wraps the model under test (warren's App, or the floor)
// with a counter on Update and a note of when View first held the list's
// title; it returns itself so the program keeps calling through it.
type watchedModel struct {
	inner   tea.Model
	want    string
	updates atomic.Int64
	ready   atomic.Int64 // unix ns when View first held want
}

func (m *watchedModel) Init() tea.Cmd { return m.inner.Init() }

func (m *watchedModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m.updates.Add(1)
	var cmd tea.Cmd
	m.inner, cmd = m.inner.Update(msg)
	return m, cmd
}

func (m *watchedModel) View() tea.View {
	v := m.inner.View()
	if m.ready.Load() == 0 && strings.Contains(ansi.Strip(v.Content), m.want) {
		m.ready.Store(time.Now().UnixNano())
	}
	return v
}

// staticModel is the floor: a program that draws once and then does
// nothing, so its idle CPU is Bubble Tea's own (the frame ticker).
type staticModel struct{}

const staticText = "bubbletea floor: a static view"

func (staticModel) Init() tea.Cmd                         { return nil }
func (s staticModel) Update(tea.Msg) (tea.Model, tea.Cmd) { return s, nil }
func (staticModel) View() tea.View {
	v := tea.NewView(staticText)
	v.AltScreen = true
	return v
}

func (m *watchedModel) readyAt() time.Time { return time.Unix(0, m.ready.Load()) }

// screenWatch is the terminal: it keeps what was written, without escape
// sequences, until every wanted text has appeared, then only counts.
type screenWatch struct {
	want    []string
	mu      sync.Mutex
	raw     []byte
	at      time.Time // when the last wanted text appeared
	painted chan struct{}
	writes  atomic.Int64
	bytes   atomic.Int64
}

func (w *screenWatch) Write(p []byte) (int, error) {
	w.writes.Add(1)
	w.bytes.Add(int64(len(p)))
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.at.IsZero() {
		return len(p), nil
	}
	w.raw = append(w.raw, p...)
	// The renderer writes whole frames, so no sequence is split across
	// writes; changed runs of a line are written whole (see putRange in
	// ultraviolet), so a new title or row appears as contiguous text.
	plain := ansi.Strip(string(w.raw))
	for _, s := range w.want {
		if !strings.Contains(plain, s) {
			return len(p), nil
		}
	}
	w.at = time.Now()
	w.raw = nil
	close(w.painted)
	return len(p), nil
}

// text is the tail of the output so far, for error messages.
func (w *screenWatch) text() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := ansi.Strip(string(w.raw))
	if len(s) > 600 {
		s = s[len(s)-600:]
	}
	return s
}

// thousands formats 50000 as "50,000", as the list's title does.
func thousands(n int) string {
	if n < 0 {
		return "-" + thousands(-n)
	}
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// startProfile writes a CPU profile to path until the returned func runs;
// it does nothing when path is "".
func startProfile(path string) func() {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}
