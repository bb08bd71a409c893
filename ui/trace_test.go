package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warren-tui/warren/message"
)

// fakeTracer keeps which vhosts are traced and every change asked of it.
type fakeTracer struct {
	mu   sync.Mutex
	on   []string
	sets []string // "vhost=on" or "vhost=off", in order
	slow bool     // each change is made, but its answer times out
}

func (f *fakeTracer) Tracing(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.on), nil
}

func (f *fakeTracer) SetTracing(_ context.Context, vhost string, on bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.on = slices.DeleteFunc(f.on, func(v string) bool { return v == vhost })
	state := "off"
	if on {
		f.on, state = append(f.on, vhost), "on"
	}
	f.sets = append(f.sets, vhost+"="+state)
	if f.slow {
		return errors.New("management API: no answer before the caller's deadline")
	}
	return nil
}

func (f *fakeTracer) changes() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.sets, " ")
}

func traceApp(t *testing.T, tr *fakeTracer, readOnly bool) (*App, *fakeStreamer) {
	st := &fakeStreamer{feed: &fakeFeed{}}
	a := newTestApp(demoFake(), Target{Tracer: tr, Streamer: st, ReadOnly: readOnly})
	settle(t, a, a.Init(), size())
	return a, st
}

// :trace asks before it turns tracing on; y turns it on and opens a tap
// of the firehose; closing the pane turns it off. n leaves it off.
func TestTraceAsksAndTurnsItselfOff(t *testing.T) {
	tr := &fakeTracer{}
	a, st := traceApp(t, tr, false)
	settle(t, a, press(":"))
	settle(t, a, typed("trace /")...)
	settle(t, a, press("enter"))
	if got := flat(screen(a)); !strings.Contains(got, "Turn tracing (the firehose) on in vhost / and watch") || tr.changes() != "" {
		t.Fatalf("no question, or tracing changed unasked (%q):\n%s", tr.changes(), got)
	}
	settle(t, a, press("y"))
	lv, ok := a.top().(*liveView)
	if !ok || lv.spec.kind != paneTrace || tr.changes() != "/=on" || len(st.taps) != 1 || st.taps[0].Exchange != "amq.rabbitmq.trace" || st.taps[0].Key != "#" {
		t.Fatalf("y: top %T, changes %q, taps %+v", a.top(), tr.changes(), st.taps)
	}
	if !strings.Contains(screen(a), "TRACING /") {
		t.Fatalf("the header does not say tracing is on:\n%s", screen(a))
	}
	settle(t, a, press("esc"))
	if tr.changes() != "/=on /=off" || strings.Contains(screen(a), "TRACING") {
		t.Fatalf("closing the pane: changes %q, screen:\n%s", tr.changes(), screen(a))
	}
	settle(t, a, press(":"))
	settle(t, a, typed("trace /")...)
	settle(t, a, press("enter"))
	settle(t, a, press("n"))
	if _, ok := a.top().(*traceAsk); ok || tr.changes() != "/=on /=off" {
		t.Fatalf("n: top %T, changes %q", a.top(), tr.changes())
	}
}

// Tracing turned on outside warren: the header says so from the start,
// :trace opens the pane without asking, and closing it leaves it on.
func TestTraceLeavesOthersTracingAlone(t *testing.T) {
	tr := &fakeTracer{on: []string{"/"}}
	a, _ := traceApp(t, tr, false)
	if got := screen(a); !strings.Contains(got, "TRACING /") || !strings.Contains(flat(got), "warren leaves it as it is") {
		t.Fatalf("tracing found on at the start should be said:\n%s", got)
	}
	settle(t, a, press(":"))
	settle(t, a, typed("trace /")...)
	settle(t, a, press("enter"))
	if _, ok := a.top().(*liveView); !ok {
		t.Fatalf("top %T: the pane should open at once", a.top())
	}
	settle(t, a, press("esc"))
	if tr.changes() != "" {
		t.Fatalf("warren changed tracing it did not turn on: %q", tr.changes())
	}
}

// Read-only never turns tracing on: it says why and what would.
func TestTraceReadOnly(t *testing.T) {
	tr := &fakeTracer{}
	a, _ := traceApp(t, tr, true)
	settle(t, a, press(":"))
	settle(t, a, typed("trace /")...)
	settle(t, a, press("enter"))
	settle(t, a, press("y"))
	if got := flat(screen(a)); !strings.Contains(got, "read-only: tracing is off in vhost /, and warren does not turn it on") || tr.changes() != "" {
		t.Fatalf("changes %q, screen:\n%s", tr.changes(), got)
	}
}

// Quitting turns off the tracing warren turned on.
func TestQuitTurnsTracingOff(t *testing.T) {
	tr := &fakeTracer{}
	a, _ := traceApp(t, tr, false)
	settle(t, a, press(":"))
	settle(t, a, typed("trace /")...)
	settle(t, a, press("enter"))
	settle(t, a, press("y"))
	settle(t, a, press("q"))
	if tr.changes() != "/=on /=off" {
		t.Fatalf("quit: changes %q", tr.changes())
	}
}

// A firehose message reads as an event: what was published where, and
// which queues it went to; a delivery names its queue.
func TestTraceRow(t *testing.T) {
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	pub := message.Message{RoutingKey: "publish.orders", Body: []byte("hi"), Headers: map[string]any{
		"exchange_name": "orders", "routing_keys": []any{"order.eu"}, "routed_queues": []any{"eu", "audit"},
		"connection": "10.0.0.1:5000 -> 10.0.0.2:5672", "user": "shop"}}
	if got := strings.Join(traceRow(at, pub), "|"); got != "12:00:00.000|publish|orders|order.eu|eu,audit|10.0.0.1:5000 -> 10.0.0.2:5672|shop|hi" {
		t.Errorf("publish row %q", got)
	}
	pub.Headers["routed_queues"] = []any{}
	if got := traceRow(at, pub)[4]; got != "unroutable: dropped (or returned)" {
		t.Errorf("unroutable row says %q", got)
	}
	del := message.Message{RoutingKey: "deliver.eu", Headers: map[string]any{"exchange_name": "", "routing_keys": []any{"eu"}}}
	if got := traceRow(at, del); got[1] != "deliver" || got[2] != "(default)" || got[4] != "eu" {
		t.Errorf("deliver row %q", got)
	}
}

// A broker too slow to answer may still have turned tracing on: warren
// then treats it as its own, and turns it off when the pane closes.
func TestTraceOnBySlowBroker(t *testing.T) {
	tr := &fakeTracer{slow: true}
	a, _ := traceApp(t, tr, false)
	settle(t, a, press(":"))
	settle(t, a, typed("trace /")...)
	settle(t, a, press("enter"))
	settle(t, a, press("y"))
	if lv, ok := a.top().(*liveView); !ok || !lv.spec.ownTrace {
		t.Fatalf("top %T: the pane should open, owning the tracing", a.top())
	}
	settle(t, a, press("esc"))
	if tr.changes() != "/=on /=off" {
		t.Fatalf("changes %q", tr.changes())
	}
}

// blockingTracer answers SetTracing only once released.
type blockingTracer struct {
	fakeTracer
	release chan struct{}
}

func (b *blockingTracer) SetTracing(ctx context.Context, vhost string, on bool) error {
	if on {
		<-b.release
	}
	return b.fakeTracer.SetTracing(ctx, vhost, on)
}

// esc while y's request is on its way keeps the question (its answer
// must find it), and the answer opens the pane as usual.
func TestTraceQuestionHoldsWhileTurningOn(t *testing.T) {
	tr := &blockingTracer{release: make(chan struct{})}
	a, _ := traceApp(t, &tr.fakeTracer, false)
	a.c.target.Tracer = tr
	settle(t, a, press(":"))
	settle(t, a, typed("trace /")...)
	settle(t, a, press("enter"))
	_, cmd := a.Update(press("y"))
	settle(t, a, press("esc"))
	if _, ok := a.top().(*traceAsk); !ok {
		t.Fatalf("esc closed the question while tracing was being turned on: top %T", a.top())
	}
	close(tr.release)
	settle(t, a, cmd)
	if lv, ok := a.top().(*liveView); !ok || !lv.spec.ownTrace {
		t.Fatalf("top %T: the pane should open, owning the tracing", a.top())
	}
}
