package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warren-tui/warren/mgmt"
)

// fakeShoveler runs one shovel that empties the source on its first look.
type fakeShoveler struct {
	mu      sync.Mutex
	specs   []mgmt.ShovelSpec
	looks   int
	stopped int
}

func (f *fakeShoveler) ShovelsEnabled(context.Context) (bool, error) { return true, nil }
func (f *fakeShoveler) StartShovel(_ context.Context, s mgmt.ShovelSpec) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.specs = append(f.specs, s)
	return "warren-move-x", nil
}
func (f *fakeShoveler) Shovel(context.Context, string, string) (mgmt.ShovelState, error) {
	return mgmt.ShovelState{Exists: true, State: "running"}, nil
}
func (f *fakeShoveler) ShovelDefined(context.Context, string, string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.looks++
	return f.looks < 2, nil
}
func (f *fakeShoveler) StopShovel(context.Context, string, string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopped++
	return nil
}

// heldStreamer is a fakeStreamer whose queues hold n messages.
type heldStreamer struct {
	fakeStreamer
	n int
}

func (s *heldStreamer) QueueDepth(context.Context, string, string) (int, int, error) {
	return s.n, 0, nil
}

// s in the move dialog asks for a queue or an exchange and has the broker
// move the whole queue with a shovel, summed up like any move.
func TestShovelMoveFromTheDialog(t *testing.T) {
	sh := &fakeShoveler{}
	a := newTestApp(demoFake(), Target{Mover: &fakeMover{}, Shoveler: sh, Streamer: &heldStreamer{n: 735}})
	settle(t, a, a.Init(), size())
	selectQueue(t, a, "demo.orders.dlq")
	settle(t, a, press("m"))
	settle(t, a, press("s"))
	settle(t, a, typed("demo.orders.retry")...)
	settle(t, a, press("ctrl+s"))
	settle(t, a, press("y")) // a whole queue: it asks once with the count
	mv := a.runningMove()
	for deadline := time.Now().Add(5 * time.Second); mv != nil && !mv.done; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the shovel move never ended")
		}
		settle(t, a, moveTickMsg{view: mv.viewID})
	}
	if len(sh.specs) != 1 || sh.specs[0] != (mgmt.ShovelSpec{Vhost: "/", Queue: "demo.orders.dlq", TargetQueue: "demo.orders.retry"}) {
		t.Fatalf("shovels started: %+v", sh.specs)
	}
	if got := flat(screen(a)); !strings.Contains(got, "moved 735") {
		t.Fatalf("the summary should count the moved:\n%s", screen(a))
	}
}

// A shovel moves whole queues: marked messages and imports are refused
// with the reason, as is a target without a shoveler (read-only).
func TestShovelMoveRefusals(t *testing.T) {
	a := newTestApp(demoFake(), Target{Mover: &fakeMover{}, Streamer: &heldStreamer{n: 1}})
	settle(t, a, a.Init(), size())
	selectQueue(t, a, "demo.orders.dlq")
	settle(t, a, press("m"))
	settle(t, a, press("s"))
	if !strings.Contains(a.status, "no management API client") {
		t.Fatalf("status %q", a.status)
	}
}

// A quorum source is refused where a requeue counts: a stopped shovel
// would give back up to 1,000 messages, each charged a delivery.
func TestShovelMoveRefusesQuorum(t *testing.T) {
	a := newTestApp(demoFake(), Target{Mover: &fakeMover{}, Shoveler: &fakeShoveler{}, Streamer: &heldStreamer{n: 1}})
	settle(t, a, a.Init(), size())
	selectQueue(t, a, "demo.payments")
	settle(t, a, press("m"))
	settle(t, a, press("s"))
	if !strings.Contains(a.status, "raises each message's delivery count") {
		t.Fatalf("status %q", a.status)
	}
}
