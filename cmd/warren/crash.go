package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/charmbracelet/x/term"
)

// A crash must not leave the terminal in raw mode, and a recover cannot
// catch everything (a panic on another goroutine, running out of memory).
// So warren starts a small second copy of itself, the crash monitor, that
// notes the terminal's state before the screen takes it over and reads
// this process's crash output (runtime/debug.SetCrashOutput). If any
// arrives, the monitor restores the terminal, saves the report to a file
// and says where. A normal exit says goodbye on the same pipe and the
// monitor leaves quietly; a warren that ends with neither (killed, by the
// out-of-memory killer say) still gets its terminal restored.

// crashMonitorEnv marks the monitor process.
const crashMonitorEnv = "WARREN_CRASH_MONITOR"

// cleanExit is what a normal exit writes to the monitor; crash output
// never starts with a NUL.
const cleanExit = "\x00warren: clean exit\n"

// maxCrashReport bounds what the monitor keeps; a trace of every
// goroutine of a busy warren is well under this.
const maxCrashReport = 16 << 20

// startCrashMonitor starts the monitor and hands it this process's crash
// output. stop, on a normal exit, lets it go; it must not be deferred,
// since deferred calls also run while a panic unwinds. Without a monitor (it could
// not start) warren still runs: a crash is then only printed.
func startCrashMonitor() (stop func(), err error) {
	exe, err := os.Executable()
	if err != nil {
		return func() {}, err
	}
	crashR, crashW, err := os.Pipe()
	if err != nil {
		return func() {}, err
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		crashR.Close()
		crashW.Close()
		return func() {}, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(withoutEnv(os.Environ(), "WARREN_PASSWORD"), crashMonitorEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = crashR, readyW, os.Stderr
	err = cmd.Start()
	crashR.Close()
	readyW.Close()
	if err != nil {
		crashW.Close()
		readyR.Close()
		return func() {}, err
	}
	// Wait until the monitor has noted the terminal's state: after this
	// the screen may switch it to raw mode.
	ready := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(readyR).ReadString('\n')
		ready <- line == "ready\n"
	}()
	select {
	case ok := <-ready:
		if !ok {
			err = errors.New("the crash monitor did not start")
		}
	case <-time.After(5 * time.Second):
		err = errors.New("the crash monitor did not answer")
	}
	readyR.Close()
	if err == nil {
		err = debug.SetCrashOutput(crashW, debug.CrashOptions{}) // the runtime keeps its own copy
	}
	if err != nil {
		crashW.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return func() {}, err
	}
	return func() {
		_ = debug.SetCrashOutput(nil, debug.CrashOptions{})
		_, _ = crashW.WriteString(cleanExit)
		crashW.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			_ = cmd.Process.Kill()
		}
	}, nil
}

// withoutEnv drops one variable: the monitor needs no password.
func withoutEnv(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// runCrashMonitor is the monitor's whole life. Its stdin is the crash
// output, stdout says "ready", stderr is the terminal.
func runCrashMonitor() int {
	// Keys like ctrl+c reach the whole process group; the monitor outlives
	// them to do its job, and ends when warren's crash output closes.
	signal.Ignore(syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP)
	fd := os.Stderr.Fd()
	state, stateErr := term.GetState(fd)
	fmt.Fprintln(os.Stdout, "ready")
	os.Stdout.Close()

	var buf bytes.Buffer
	_, _ = io.Copy(&buf, io.LimitReader(os.Stdin, maxCrashReport))
	_, _ = io.Copy(io.Discard, os.Stdin)
	if buf.String() == cleanExit {
		return 0 // warren ended normally
	}
	if stateErr == nil {
		_ = term.Restore(fd, state)
		os.Stderr.WriteString(resetScreen)
	}
	if buf.Len() == 0 {
		fmt.Fprintln(os.Stderr, "\nwarren ended without a word (killed, perhaps by the out-of-memory killer); the terminal is restored.")
		return 0
	}
	path, err := writeCrashReport(buf.Bytes(), time.Now())
	where := "the crash report is in " + path
	if err != nil {
		where = "the crash report could not be saved (" + err.Error() + "); it was printed above"
	}
	fmt.Fprintf(os.Stderr, "\nwarren crashed: %s\nThe terminal is restored; %s. Please attach it to a bug report.\n", crashSummary(buf.Bytes()), where)
	return 0
}

// resetScreen undoes what a full-screen program may have turned on: the
// alternate screen, a hidden cursor, mouse reports, bracketed paste, focus
// events and enhanced keyboard modes.
const resetScreen = "\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[?1004l\x1b[<u\x1b[>4;0m\x1b[0m"

// crashSummary is the first line that says what happened ("panic: …",
// "fatal error: …", "SIGSEGV: …"), with control characters made visible.
func crashSummary(out []byte) string {
	for _, line := range strings.Split(string(out), "\n") {
		signal, _, isSignal := strings.Cut(line, ": ")
		if strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ") ||
			(isSignal && strings.HasPrefix(signal, "SIG") && strings.ToUpper(signal) == signal) {
			return printable(strings.TrimSpace(line), 200)
		}
	}
	return "unexpectedly"
}

func printable(s string, limit int) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= limit {
			b.WriteString("…")
			break
		}
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// writeCrashReport saves the crash output under the user's cache
// directory (else the temporary one), readable only by the user.
func writeCrashReport(out []byte, now time.Time) (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "warren")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, "crash-"+now.UTC().Format("20060102-150405")+"-*.txt")
	if err != nil {
		return "", err
	}
	fmt.Fprintf(f, "warren crash report, %s\n(command-line arguments are left out: they may hold credentials)\n\n", now.UTC().Format(time.RFC3339))
	_, werr := f.Write(out)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return f.Name(), werr
}
