package ui

import (
	"strings"
	"testing"
)

// Every kind makeView knows builds its view; the others (none, the
// inspector and route kinds that need a message, out of range) build
// nothing, and opening them is an error, never the queue list.
func TestViewKindsBuildTheirViewOrNone(t *testing.T) {
	a := newTestApp(demoFake(), Target{})
	for k := kindQueues; k <= kindPeek; k++ {
		v := a.makeView(k, "/", "demo.orders")
		if v == nil {
			t.Errorf("%s: no view", k)
			continue
		}
		if k <= kindPulse && v.title() != k.String() {
			t.Errorf("%s: the list's title is %q", k, v.title())
		}
	}
	for _, k := range []viewKind{noView, kindMessage, kindRoute, kindCount, -1} {
		if v := a.makeView(k, "/", "x"); v != nil {
			t.Errorf("%s made a %T", k, v)
		}
	}
	settle(t, a, a.Init(), size())
	before := len(a.stack)
	settle(t, a, openMsg{name: "demo.orders"}, openMsg{kind: kindMessage, vhost: "/"})
	if len(a.stack) != before || !a.statusErr || !strings.Contains(a.status, "a bug in warren") {
		t.Fatalf("an open without a kind (or a message) pushed %T, status %q", a.top(), a.status)
	}
}

// The root view is remembered by kind: a new vhost opens the same list
// again, whatever its title says.
func TestVhostKeepsTheRootKind(t *testing.T) {
	a := newTestApp(demoFake(), Target{})
	settle(t, a, a.Init(), size())
	for _, cmd := range []string{"pulse", "nodes", "co", "bindings", "ex", "queues"} {
		settle(t, a, press(":"))
		settle(t, a, typed(cmd)...)
		settle(t, a, press("enter"))
		want := a.top().title()
		settle(t, a, press(":"))
		settle(t, a, typed("vhost demo.vhost")...)
		settle(t, a, press("enter"))
		if len(a.stack) != 1 || a.top().title() != want || a.root != rootCommands[commandAliases[cmd]] {
			t.Errorf(":%s then :vhost shows %q (root %s), want %q", cmd, a.top().title(), a.root, want)
		}
	}
}

// A delete closes the detail of the object deleted, and only that one:
// a queue of the same name in another vhost keeps its detail open.
func TestDeleteClosesOnlyTheDeletedObjectsDetail(t *testing.T) {
	a := newTestApp(demoFake(), Target{})
	settle(t, a, a.Init(), size())
	other := a.makeView(kindQueue, "other", "demo.orders.dlq")
	settle(t, a, a.push(other))
	d := newDeleteConfirm(a.c, "queue", "/", "demo.orders.dlq")
	settle(t, a, a.push(d))
	settle(t, a, d.done)
	if a.top() != other {
		t.Fatalf("deleting / demo.orders.dlq closed the detail of other demo.orders.dlq: top %T %q", a.top(), a.top().title())
	}
	same := a.makeView(kindQueue, "/", "demo.orders.dlq")
	settle(t, a, a.push(same))
	d = newDeleteConfirm(a.c, "queue", "/", "demo.orders.dlq")
	settle(t, a, a.push(d))
	settle(t, a, d.done)
	if a.top() != other {
		t.Fatalf("the deleted queue's detail stays open: top %T %q", a.top(), a.top().title())
	}
}

// A live pane of no kind says so; it never consumes.
func TestLivePaneOfNoKindIsAnError(t *testing.T) {
	if got := (liveSpec{}).target(); !strings.Contains(got, "pane kind 0") {
		t.Errorf("target of no kind = %q", got)
	}
	for k, want := range map[paneKind]string{paneTap: "tap", paneTrace: "trace", paneTail: "tail", paneConsume: "consume"} {
		if k.String() != want {
			t.Errorf("%d is %q, want %q", k, k, want)
		}
	}
}
