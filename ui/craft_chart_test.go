package ui

import (
	"strings"
	"testing"
)

// A change of 1 is one step of the sparkline, not a full-height jump; a
// deep queue's change of 1 does not show at all.
func TestSparklineScalesSmallChanges(t *testing.T) {
	for _, tc := range []struct {
		vals []float64
		want string
	}{
		{[]float64{0, 1}, "▁▂"},
		{[]float64{5, 6, 5}, "▁▂▁"},
		{[]float64{1000, 1001}, "▁▁"},
		{[]float64{0, 100}, "▁█"},
		{[]float64{10000, 10500, 11000}, "▁▄▇"},
	} {
		if got := sparkline(tc.vals, 16); got != tc.want {
			t.Errorf("sparkline(%v) = %q, want %q", tc.vals, got, tc.want)
		}
	}
}

// The queue detail's depth chart starts from what the list sampled.
func TestQueueDetailChartStartsFromTheListSamples(t *testing.T) {
	f := demoFake()
	a := newTestApp(f, Target{})
	settle(t, a, a.Init(), size())
	// Two more list polls of demo.orders.created (the first came with the
	// list): 120 ready and 3 unacked each time in the fake.
	a.c.hist.addDepth("/", "demo.orders.created", 100, 0, fixedNow)
	a.c.hist.addDepth("/", "demo.orders.created", 110, 4, fixedNow)
	selectQueue(t, a, "demo.orders.created")
	settle(t, a, press("enter"))
	qd, ok := a.top().(*queueDetail)
	if !ok || qd.series == nil {
		t.Fatalf("enter should open the queue detail, top %T", a.top())
	}
	ready, unacked := qd.series.ready.values(), qd.series.unacked.values()
	// list samples (the filter's fetch adds one more), then the detail's own
	if len(ready) < 4 || ready[0] != 120 || unacked[0] != 3 || ready[1] != 100 || unacked[1] != 0 || ready[2] != 106 || unacked[2] != 4 {
		t.Fatalf("the chart should start from the list's samples: ready %v unacked %v", ready, unacked)
	}
}

// A poll that only starts a fetch draws nothing new: Bubble Tea asks for
// the view after every message, and the App gives the last frame back.
func TestIdlePollsDoNotRedraw(t *testing.T) {
	a := newTestApp(demoFake(), Target{})
	settle(t, a, a.Init(), size())
	first := a.View().Content
	a.status = "a change that no message made" // only render would show it
	a.Update(pollMsg{view: a.headerID(), gen: a.headPoll.gen})
	if got := a.View().Content; got != first {
		t.Fatal("a poll tick redrew the screen")
	}
	a.Update(statusMsg{text: "a status"})
	if got := a.View().Content; got == first || !strings.Contains(got, "a status") {
		t.Fatal("a message that changes the screen must redraw it")
	}
}
