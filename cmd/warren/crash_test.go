//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"

	"github.com/warren-tui/warren/internal/ptytest"
	"github.com/warren-tui/warren/ui/screen"
)

// The test binary plays two more parts: the crash monitor (it re-executes
// itself, as warren does) and a small full-screen program whose Update
// panics on "x".
func TestMain(m *testing.M) {
	switch {
	case os.Getenv(crashMonitorEnv) == "1":
		os.Exit(runCrashMonitor())
	case os.Getenv("WARREN_TEST_PANICKY") == "1":
		panickyMain()
		return
	}
	os.Exit(m.Run())
}

type panicky struct{}

func (panicky) Init() tea.Cmd { return nil }
func (m panicky) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	switch {
	case ok && k.String() == "x":
		panic("boom from Update")
	case ok && k.String() == "c": // on a goroutine of its own, as every command
		return m, func() tea.Msg { panic("boom from a command") }
	case ok && k.String() == "k":
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	case ok && k.String() == "q":
		return m, tea.Quit
	}
	return m, nil
}
func (panicky) View() tea.View {
	v := tea.NewView("ready for x")
	v.AltScreen = true
	return v
}

func panickyMain() {
	stop, err := startCrashMonitor()
	if err != nil {
		fmt.Fprintln(os.Stderr, "no monitor:", err)
		os.Exit(3)
	}
	// As warren runs: its screen takes the terminal, not Bubble Tea's renderer.
	_, _ = screen.New(panicky{}, screen.Config{}, tea.WithoutCatchPanics()).Run()
	stop() // not deferred: a deferred stop would run while the panic unwinds, before the crash is written
}

// screenLog collects what the program writes to the terminal.
type screenLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screenLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *screenLog) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func (s *screenLog) waitFor(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(s.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q on the terminal; it shows %q", text, s.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A panic in Update or in a command, with the program in raw mode on the
// alternate screen, ends with the terminal as it was before, the
// alternate screen left, and a message naming the crash report, which
// holds the panic.
func TestCrashRestoresTheTerminalAndSavesAReport(t *testing.T) {
	for key, panicText := range map[string]string{"x": "boom from Update", "c": "boom from a command"} {
		t.Run(panicText, func(t *testing.T) { crashTest(t, key, panicText) })
	}
}

// startInPTY runs the test binary as the panicky program on a fresh
// pseudo-terminal and waits until it has taken the screen over.
func startInPTY(t *testing.T, cache string) (cmd *exec.Cmd, master, slave *os.File, before *term.State, screen *screenLog) {
	master, slave = ptytest.Open(t)
	before, err := term.GetState(slave.Fd())
	if err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "WARREN_TEST_PANICKY=1", "XDG_CACHE_HOME="+cache, "TERM=xterm-256color")
	// Not a session of its own: were the program the terminal's
	// controlling process, its death would hang the terminal up for the
	// monitor too, which a shell running warren never does.
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	screen = &screenLog{}
	go func() { _, _ = ioCopy(screen, master) }()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	screen.waitFor(t, "ready for x")
	if during, err := term.GetState(slave.Fd()); err != nil || reflect.DeepEqual(before, during) {
		t.Fatalf("the program never put the terminal in raw mode (%v): the test proves nothing", err)
	}
	return cmd, master, slave, before, screen
}

// A warren killed outright leaves no crash output, yet its terminal is
// restored too.
func TestKilledRestoresTheTerminal(t *testing.T) {
	cache := t.TempDir()
	cmd, master, slave, before, screen := startInPTY(t, cache)
	if _, err := master.Write([]byte("k")); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	screen.waitFor(t, "warren ended without a word")
	if after, err := term.GetState(slave.Fd()); err != nil || !reflect.DeepEqual(before, after) {
		t.Fatalf("the terminal was left as the program set it (%v)", err)
	}
	if reports, _ := filepath.Glob(filepath.Join(cache, "warren", "*")); len(reports) != 0 {
		t.Fatalf("a kill has no report to save: %v", reports)
	}
}

func crashTest(t *testing.T, key, panicText string) {
	master, slave := ptytest.Open(t)
	before, err := term.GetState(slave.Fd())
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "WARREN_TEST_PANICKY=1", "XDG_CACHE_HOME="+cache, "TERM=xterm-256color")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	// Not a session of its own: were the program the terminal's
	// controlling process, its death would hang the terminal up for the
	// monitor too, which a shell running warren never does.
	var screen screenLog
	go func() { _, _ = ioCopy(&screen, master) }()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	screen.waitFor(t, "ready for x")
	during, err := term.GetState(slave.Fd())
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(before, during) {
		t.Fatal("the program never put the terminal in raw mode: the test proves nothing")
	}
	if _, err := master.Write([]byte(key)); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Fatalf("the program should die of its panic (exit 2): %v", err)
	}
	screen.waitFor(t, "Please attach it to a bug report.")
	after, err := term.GetState(slave.Fd())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Fatal("the terminal was left as the program set it, not as it was")
	}
	out := screen.String()
	crashAt := strings.LastIndex(out, "warren crashed")
	if !strings.Contains(out[crashAt:], "warren crashed: panic: "+panicText) || !strings.Contains(out, "\x1b[?1049l") {
		t.Fatalf("the crash message, after leaving the alternate screen: %q", out)
	}
	reports, _ := filepath.Glob(filepath.Join(cache, "warren", "crash-*.txt"))
	if len(reports) != 1 || !strings.Contains(out, "the crash report is in "+reports[0]) {
		t.Fatalf("reports %v; screen %q", reports, out)
	}
	report, err := os.ReadFile(reports[0])
	if err != nil || !bytes.Contains(report, []byte("panic: "+panicText)) || !bytes.Contains(report, []byte("goroutine ")) {
		t.Fatalf("report: %q %v", report, err)
	}
	t.Logf("the terminal ends with %q", out[crashAt:])
	if info, _ := os.Stat(reports[0]); info.Mode().Perm() != 0o600 {
		t.Fatalf("the report is readable by others: %v", info.Mode())
	}
}

// Without a crash the monitor leaves quietly: no message, no report.
func TestCleanExitLeavesNoReport(t *testing.T) {
	cache := t.TempDir()
	cmd, master, _, _, screen := startInPTY(t, cache)
	if _, err := master.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("a clean exit: %v", err)
	}
	time.Sleep(500 * time.Millisecond) // room for a monitor that would speak
	if out := screen.String(); strings.Contains(out, "warren crashed") || strings.Contains(out, "without a word") {
		t.Fatalf("the monitor spoke after a clean exit: %q", out)
	}
	if reports, _ := filepath.Glob(filepath.Join(cache, "warren", "*")); len(reports) != 0 {
		t.Fatalf("reports after a clean exit: %v", reports)
	}
}

func ioCopy(dst *screenLog, src *os.File) (int64, error) {
	buf := make([]byte, 4096)
	var n int64
	for {
		k, err := src.Read(buf)
		if k > 0 {
			dst.Write(buf[:k])
			n += int64(k)
		}
		if err != nil {
			return n, err
		}
	}
}

func TestCrashSummary(t *testing.T) {
	t.Parallel()
	for out, want := range map[string]string{
		"panic: boom\n\ngoroutine 1 [running]:\n":         "panic: boom",
		"fatal error: runtime: out of memory\n\nruntime…": "fatal error: runtime: out of memory",
		"SIGQUIT: quit\nPC=0x48f2e1 m=0 sigcode=0\n":      "SIGQUIT: quit",
		"panic: \x1b]52;c;x\x07evil\n":                    `panic: \x1b]52;c;x\x07evil`,
		"goroutine 1 [running]:\n":                        "unexpectedly",
	} {
		if got := crashSummary([]byte(out)); got != want {
			t.Errorf("crashSummary(%q) = %q, want %q", out, got, want)
		}
	}
}
