package boundedfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRefusesWhatIsNotARegularFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/dev/zero": "a character device",
		fifo:        "a named pipe",
		dir:         "a directory",
	} {
		done := make(chan error, 1)
		go func() { _, _, err := ReadFile(path, 1<<20); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
				t.Errorf("%s: err = %v, want ErrNotRegular naming it as %s", path, err, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: reading hangs", path)
		}
	}
}

func TestCapsTheSize(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(p, make([]byte, 3<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := ReadFile(p, 1<<20)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "3 MiB") || !strings.Contains(err.Error(), "limit is 1 MiB") {
		t.Fatalf("err = %v", err)
	}
	b, info, err := ReadFile(p, 3<<20)
	if err != nil || len(b) != 3<<20 || info.Size() != 3<<20 {
		t.Fatalf("a file at the limit: %d bytes, %v", len(b), err)
	}
	if _, _, err := ReadFile(filepath.Join(t.TempDir(), "none"), 10); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1 KiB", 1536: "1.5 KiB", 16 << 20: "16 MiB", 1 << 30: "1 GiB", 3 << 40: "3 TiB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
