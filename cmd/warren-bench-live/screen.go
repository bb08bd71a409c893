package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// screen is the program's terminal: it keeps what was written so the
// bench can wait for text to appear after a given point.
type screen struct {
	mu   sync.Mutex
	buf  []byte
	base int // bytes dropped from the front so far
}

func newScreen() *screen { return &screen{} }

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.buf = append(s.buf, p...)
	if len(s.buf) > 8<<20 { // keep memory flat: drop the oldest half
		half := len(s.buf) / 2
		s.base += half
		s.buf = append([]byte(nil), s.buf[half:]...)
	}
	s.mu.Unlock()
	return len(p), nil
}

// mark is a position in the output; waitAfter looks only past it.
func (s *screen) mark() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.base + len(s.buf)
}

func (s *screen) waitAfter(mark int, text string, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		from := max(mark-s.base, 0)
		found := from <= len(s.buf) && bytes.Contains(s.buf[from:], []byte(text))
		s.mu.Unlock()
		if found {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

func (s *screen) waitFor(text string, within time.Duration) {
	if !s.waitAfter(0, text, within) {
		fail("the screen never showed %q", text)
	}
}

// blockForever is a terminal input that never types.
type blockForever struct{}

func (blockForever) Read([]byte) (int, error) { select {} }

// rssNow reads this process's resident and peak memory in MB.
func rssNow() (rss, hwm float64) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			hwm = kb / 1024
		}
	}
	return rss, hwm
}

// dump writes what was output after mark to a file, for debugging.
func (s *screen) dump(path string, mark int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	from := min(max(mark-s.base, 0), len(s.buf))
	_ = os.WriteFile(path, s.buf[from:], 0o644)
}
