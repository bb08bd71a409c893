package ui

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warren-tui/warren/internal/watchstate"
	"github.com/warren-tui/warren/mgmt"
)

// VhostOverview totals one vhost of the fake broker, as the API does.
func (f *fakeSource) VhostOverview(_ context.Context, vhost string, withCounts bool) (mgmt.Overview, error) {
	if err := f.enter(); err != nil {
		return mgmt.Overview{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.overview
	o.Queues, o.Exchanges, o.Connections, o.Consumers, o.Messages, o.Ready, o.Unacked = 0, 0, 0, 0, 0, 0, 0
	for _, q := range f.queues {
		if q.Vhost == vhost {
			o.Queues++
			o.Consumers += q.Consumers
			o.Messages, o.Ready, o.Unacked = o.Messages+q.Messages, o.Ready+q.Ready, o.Unacked+q.Unacked
		}
	}
	for _, x := range f.exchanges {
		if x.Vhost == vhost {
			o.Exchanges++
		}
	}
	if !withCounts {
		o.Queues, o.Exchanges, o.Connections, o.Consumers = 0, 0, 0, 0
	}
	return o, nil
}

// The header's totals follow the vhost chosen with :vhost, and go back
// to the cluster's with :vhost *.
func TestHeaderTotalsFollowTheVhost(t *testing.T) {
	f := demoFake()
	a := newTestApp(f, Target{})
	settle(t, a, a.Init(), size())
	header := func() string { return flat(strings.SplitN(screen(a), "\n", 3)[1]) }
	if got := header(); !strings.Contains(got, "queues 6") || !strings.Contains(got, "messages 1,580") {
		t.Fatalf("cluster totals: %s", got)
	}
	var want mgmt.Overview
	want, _ = f.VhostOverview(context.Background(), "demo.vhost", true)
	settle(t, a, press(":"))
	settle(t, a, typed("vhost demo.vhost")...)
	settle(t, a, press("enter"))
	if got := header(); !strings.Contains(got, "queues "+count(int64(want.Queues))+" ") || !strings.Contains(got, "messages "+count(want.Messages)+" ") {
		t.Fatalf("vhost demo.vhost totals should show %d queues and %d messages: %s", want.Queues, want.Messages, got)
	}
	// The next polls read messages and rates only; the counts stay.
	for range 2 {
		settle(t, a, pollMsg{view: a.headerID(), gen: a.headPoll.gen})
	}
	if got := header(); !strings.Contains(got, "queues 1 ") {
		t.Fatalf("between counts the last ones stay: %s", got)
	}
	settle(t, a, press(":"))
	settle(t, a, typed("vhost *")...)
	settle(t, a, press("enter"))
	if got := header(); !strings.Contains(got, "queues 6") {
		t.Fatalf("back to every vhost: %s", got)
	}
}

// memPins is a PinStore in memory, shared by two Apps as the file is
// shared by two runs.
type memPins struct {
	mu     sync.Mutex
	boards map[string][]watchstate.Pin
}

func (m *memPins) LoadPins(board string) ([]watchstate.Pin, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]watchstate.Pin(nil), m.boards[board]...), nil
}

func (m *memPins) SavePins(board string, pins []watchstate.Pin) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.boards[board] = append([]watchstate.Pin(nil), pins...)
	return nil
}

// Pins survive a restart: the next run's board holds them, in order;
// another broker's board does not.
func TestWatchPinsSurviveARestart(t *testing.T) {
	store := &memPins{boards: map[string][]watchstate.Pin{}}
	run := func(api string) *App {
		a := New(Target{Source: demoFake(), API: api}, Options{Refresh: time.Hour, Timeout: time.Second, Pins: store}, nil)
		a.c.now, a.c.tick, a.c.frame = func() time.Time { return fixedNow }, testTick, time.Hour
		a.debounce = time.Millisecond
		settle(t, a, a.Init(), size())
		return a
	}
	a := run("http://guest:secret@127.0.0.1:15672")
	for _, q := range []string{"demo.payments", "demo.orders.all", "demo.events"} {
		selectQueue(t, a, q)
		settle(t, a, press("w"), press("esc"))
	}
	selectQueue(t, a, "demo.events")
	settle(t, a, press("w")) // unpinned again
	for board := range store.boards {
		if strings.Contains(board, "secret") || strings.Contains(board, "guest") {
			t.Fatalf("the board name carries credentials: %q", board)
		}
	}
	settle(t, a, press(":"))
	settle(t, a, typed("watch")...)
	settle(t, a, press("enter"), press("j"), press("w")) // unpinned on the board: demo.orders.all
	b := run("http://127.0.0.1:15672")
	want := []pin{{"/", "demo.payments"}}
	if !reflect.DeepEqual(b.c.pins, want) {
		t.Fatalf("after a restart the board holds %v, want %v", b.c.pins, want)
	}
	if other := run("http://rabbit.example:15672"); len(other.c.pins) != 0 {
		t.Fatalf("another broker's board: %v", other.c.pins)
	}
}
