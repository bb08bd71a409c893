//go:build unix

package ui

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/message"
)

// watchdog ends the test binary when a read hangs, rather than letting
// it sit until go test's own timeout.
func watchdog(t *testing.T) {
	timer := time.AfterFunc(30*time.Second, func() { panic(t.Name() + ": reading a file hangs") })
	t.Cleanup(func() { timer.Stop() })
}

// badFiles are the names a person might give that must not be read
// whole: a device that never ends, the terminal, a FIFO with no writer,
// a directory.
func badFiles(t *testing.T) map[string]string {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"/dev/zero": "/dev/zero is a character device, not a regular file",
		fifo:        fifo + " is a named pipe, not a regular file",
		dir:         dir + " is a directory, not a regular file",
	}
	if f, err := os.Open("/dev/tty"); err == nil { // only when the test has a terminal
		f.Close()
		files["/dev/tty"] = "/dev/tty is a character device"
	}
	return files
}

// sparse makes a file of size zero bytes without writing them.
func sparse(t *testing.T, name string, size int64) string {
	p := filepath.Join(t.TempDir(), name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImportRefusesDevicesPipesAndLongLines(t *testing.T) {
	watchdog(t)
	a, _, _, mv, _ := writeApp(t, false)
	files := badFiles(t)
	defer func(limit int) { importLineLimit = limit }(importLineLimit)
	importLineLimit = 1 << 20 // as 32 MiB, without writing that much
	files[sparse(t, "zeros.jsonl", 1<<20+1)] = "line 1 is longer than 1 MiB, the limit of one line"
	good, _ := message.MarshalJSONL(message.Message{Offset: -1, Body: []byte("ok")})
	long := filepath.Join(t.TempDir(), "long.jsonl")
	if err := os.WriteFile(long, append(good, []byte(strings.Repeat(" ", 1<<20)+"\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	files[long] = "line 2 is longer than 1 MiB"
	for path, want := range files {
		settle(t, a, press(":"))
		settle(t, a, typed("import "+path)...)
		settle(t, a, press("enter"))
		got := a.status // the file is refused before any target menu
		if !strings.Contains(got, "cannot import: ") || !strings.Contains(got, want) {
			t.Errorf(":import %s should say %q:\n%s", path, want, got)
		}
		settle(t, a, press("enter")) // starting anyway is refused
		if len(mv.imports) != 0 {
			t.Fatalf(":import %s published %d", path, len(mv.imports))
		}
		settle(t, a, press("esc"))
	}
}

func TestBodyFileIsARegularFileUpTo64MiB(t *testing.T) {
	watchdog(t)
	a, pub, _, _, _ := writeApp(t, false)
	selectQueue(t, a, "demo.orders.created")
	settle(t, a, press("P"))
	pv := a.top().(*publishView)
	files := badFiles(t)
	big := sparse(t, "big.bin", maxBodyFile+1)
	files[big] = big + " is 67108865 bytes, too large: the limit is 64 MiB"
	for path, want := range files {
		pv.form.Get("file").Ed.Set(path)
		settle(t, a, press("ctrl+s"))
		if len(pub.sent) != 0 || !strings.Contains(pv.outcome, "body file: "+want) {
			t.Errorf("body file %s: sent %d, outcome %q, want %q", path, len(pub.sent), pv.outcome, want)
		}
	}
	// (the limit itself is read whole: see internal/boundedfile's tests)
	ok := sparse(t, "ok.bin", 1<<20)
	pv.form.Get("file").Ed.Set(ok)
	settle(t, a, press("ctrl+s"))
	if len(pub.sent) != 1 || len(pub.sent[0].msg.Body) != 1<<20 {
		t.Fatalf("a 1 MiB body file should be sent: %d sent, outcome %q", len(pub.sent), pv.outcome)
	}
}

// An import that stops part way says how far it got.
func TestImportSummarySaysWhereItStopped(t *testing.T) {
	t.Parallel()
	got := summaryText(moveDoneMsg{imp: &ops.ImportResult{Published: 40, Read: 40}, total: 100})
	if !strings.Contains(got, "published 40") || !strings.Contains(got, "stopped after 40 of 100: the rest were not published") {
		t.Fatalf("summary %q", got)
	}
	if got := summaryText(moveDoneMsg{imp: &ops.ImportResult{Published: 100, Read: 100}, total: 100}); strings.Contains(got, "stopped") {
		t.Fatalf("a whole import: %q", got)
	}
}
