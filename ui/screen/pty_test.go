package screen

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/internal/ptytest"
)

// On a real terminal: raw mode for the run and cooked again after, the
// size read from the terminal and followed on SIGWINCH, its background
// colour asked, keys typed on it read, and the alternate screen left at
// the end.
func TestOnARealTerminal(t *testing.T) {
	master, slave := ptytest.Open(t)
	ptytest.Resize(t, slave, 50, 6)
	var mu sync.Mutex
	var shown bytes.Buffer
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := master.Read(b)
			mu.Lock()
			shown.Write(b[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	waitShown := func(text string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			mu.Lock()
			ok := strings.Contains(shown.String(), text)
			mu.Unlock()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				mu.Lock()
				defer mu.Unlock()
				t.Fatalf("%q never shown; the terminal got %q", text, shown.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if !ptytest.Canonical(t, slave) {
		t.Fatal("a fresh terminal is not cooked: the test proves nothing")
	}

	m := &counter{mu: &sync.Mutex{}, sized: make(chan struct{})}
	p := New(m, Config{In: slave, Out: slave, Profile: colorprofile.ANSI256, Env: []string{"TERM=xterm-256color"}}, tea.WithoutSignals())
	ran := make(chan error, 1)
	go func() { _, err := p.Run(); ran <- err }()
	t.Cleanup(func() {
		p.Kill()
		<-ran
	})
	waitShown("second line")
	<-m.sized
	if ptytest.Canonical(t, slave) {
		t.Fatal("the terminal is not in raw mode while the program runs")
	}
	sizeIs := func(want [2]int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			m.mu.Lock()
			got := m.size
			m.mu.Unlock()
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the program has the size %v, the terminal %v", got, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	sizeIs([2]int{50, 6})

	// The screen asks the background colour as it starts; the answer is
	// read as a message, not as keys.
	waitShown(ansi.RequestBackgroundColor)
	if _, err := io.WriteString(master, "\x1b]11;rgb:ffff/ffff/ffff\x07"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		m.mu.Lock()
		light := m.light
		m.mu.Unlock()
		if light {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the terminal's answer about its background never reached the program")
		}
		time.Sleep(10 * time.Millisecond)
	}
	ptytest.Resize(t, slave, 70, 9)
	if err := syscall.Kill(os.Getpid(), syscall.SIGWINCH); err != nil {
		t.Fatal(err)
	}
	sizeIs([2]int{70, 9})

	if _, err := io.WriteString(master, "q"); err != nil {
		t.Fatal(err)
	}
	waitQuit(t, ran, "q typed on the terminal did not quit")
	waitShown(ansi.ShowCursor + ansi.ResetModeAltScreenSaveCursor)
	if !ptytest.Canonical(t, slave) {
		t.Fatal("the terminal was left in raw mode")
	}
}
