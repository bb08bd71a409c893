package ui

import (
	"strings"
	"testing"
)

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
	ready, unacked := qd.series.ready.Values(), qd.series.unacked.Values()
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

// The : prompt edits like text: the cursor moves, and typing lands at it.
func TestPromptCursorMoves(t *testing.T) {
	a := newTestApp(demoFake(), Target{})
	settle(t, a, a.Init(), size())
	settle(t, a, press(":"))
	settle(t, a, typed("ux.imp")...)
	settle(t, a, press("home"), press("delete"), press("delete"), press("delete"), press("end"))
	settle(t, a, typed("ort ")...)
	if got := a.input.Text(); got != "import " {
		t.Fatalf("after moving the cursor the line is %q, want %q", got, "import ")
	}
	settle(t, a, press("ctrl+u"))
	settle(t, a, typed("vh ord")...)
	settle(t, a, press("left"), press("left"), press("left"), press("left"))
	settle(t, a, typed("ost")...)
	if got := a.input.Text(); got != "vhost ord" {
		t.Fatalf("got %q", got)
	}
	settle(t, a, press("tab"))
	if got := a.input.Text(); got != "vhost orders " {
		t.Fatalf("completion after editing gave %q", got)
	}
}
