package ui

import (
	"bytes"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// TestFlow drives the whole program as a person would: the list appears,
// a filter narrows it, enter opens a queue, esc goes back, q quits.
func TestFlow(t *testing.T) {
	f := demoFake()
	a := New(Target{Source: f, API: "http://127.0.0.1:15672"}, Options{Refresh: time.Hour, Timeout: time.Second}, nil)
	tm := teatest.NewTestModel(t, a, teatest.WithInitialTermSize(120, 40))
	waitFor := func(what string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
			teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	waitFor("demo.orders.created")
	tm.Type("/")
	tm.Type("created")
	waitFor("filter /created/")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor("BINDINGS INTO THIS QUEUE")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	waitFor("1 queue of 6")
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	final := tm.FinalModel(t).(*App)
	if len(final.stack) != 1 || final.top().title() != "queues" {
		t.Fatalf("ended on %q with %d views", final.top().title(), len(final.stack))
	}
}
