package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/warren-tui/warren/mgmt"
)

// clusterViewCases are the cluster views on the demo broker: three nodes
// (rabbit@demo-3 down), demo.payments a quorum queue led by rabbit@demo-2.
func clusterViewCases() []viewCase {
	return []viewCase{
		{name: "node-detail", selected: []string{"127.0.0.1:50000"}, open: func(t *testing.T, w, h int) *App {
			a := sizedApp(t, Target{}, w, h)
			runCommand(t, a, "no")
			send(t, a, press("enter"))
			return a
		}},
		{name: "node-detail-down", selected: []string{"every queue on this node"}, open: func(t *testing.T, w, h int) *App {
			a := sizedApp(t, Target{}, w, h)
			runCommand(t, a, "no")
			send(t, a, press("G"), press("enter"))
			return a
		}},
		{name: "connection-detail", open: func(t *testing.T, w, h int) *App {
			a := sizedApp(t, Target{}, w, h)
			runCommand(t, a, "co")
			send(t, a, press("enter"))
			return a
		}},
		{name: "queue-list-by-node", selected: []string{"demo.payments"}, open: func(t *testing.T, w, h int) *App {
			a := sizedApp(t, Target{}, w, h)
			filterTo(t, a, "node:rabbit@demo-2")
			return a
		}},
		{name: "queue-detail-quorum", selected: []string{"rabbit@demo-2"}, open: func(t *testing.T, w, h int) *App {
			a := sizedApp(t, Target{}, w, h)
			filterTo(t, a, "payments")
			send(t, a, press("enter"))
			return a
		}},
	}
}

// enter opens a node from the nodes list, a connection from the
// connection list, and from a node its connections and queues; a member
// of a quorum queue opens its node.
func TestClusterViewsNavigate(t *testing.T) {
	a := sizedApp(t, Target{}, 120, 40)
	runCommand(t, a, "no")
	send(t, a, press("enter"))
	nd, ok := a.top().(*nodeDetail)
	if !ok || nd.name != "rabbit@demo" {
		t.Fatalf("enter on the nodes list opened %T", a.top())
	}
	send(t, a, press("enter")) // its one connection
	cd, ok := a.top().(*connectionDetail)
	if !ok || cd.name != "127.0.0.1:50000 -> 127.0.0.1:5672" || len(cd.k.ChannelList) != 2 {
		t.Fatalf("enter on a node's connection opened %T", a.top())
	}
	send(t, a, press("esc"), press("j"), press("enter")) // every queue on the node
	if lv, ok := a.top().(*listView[mgmt.Queue]); !ok || lv.opts.Node != "rabbit@demo" || lv.filter() != "node:rabbit@demo" ||
		len(lv.items) != 5 {
		t.Fatalf("the node's queue-list link opened %T", a.top())
	}
	send(t, a, press("esc"), press("esc"), press("j"), press("enter")) // esc clears the filter, esc goes back; its first queue
	if qd, ok := a.top().(*queueDetail); !ok || qd.name != nd.n.Leaders[0].Name {
		t.Fatalf("enter on a node's first queue opened %T", a.top())
	}

	a = sizedApp(t, Target{}, 120, 40)
	filterTo(t, a, "payments")
	send(t, a, press("enter"), press("j"), press("enter")) // the second member: rabbit@demo
	if nd, ok := a.top().(*nodeDetail); !ok || nd.name != "rabbit@demo" {
		t.Fatalf("enter on a member opened %T", a.top())
	}
}

// node:NAME in the queue filter asks the source for that node's queues,
// alone or with a name pattern, and esc clears both.
func TestQueueFilterByNode(t *testing.T) {
	f := demoFake()
	a := newTestApp(f, Target{})
	settle(t, a, a.Init(), size())
	filterTo(t, a, "node:rabbit@demo orders")
	lv := a.top().(*listView[mgmt.Queue])
	if lv.opts.Node != "rabbit@demo" || lv.opts.Filter != "orders" || len(lv.items) != 3 {
		t.Fatalf("node %q filter %q, %d rows", lv.opts.Node, lv.opts.Filter, len(lv.items))
	}
	for _, q := range lv.items {
		if q.Node != "rabbit@demo" || !strings.Contains(q.Name, "orders") {
			t.Errorf("row %s on %s", q.Name, q.Node)
		}
	}
	if st := lv.status(); !strings.Contains(st, "node rabbit@demo") {
		t.Errorf("status %q does not name the node", st)
	}
	send(t, a, press("esc"))
	filterTo(t, a, "node:nowhere")
	if len(lv.items) != 0 || !strings.Contains(screen(a), "0 queues · sort name↑ · node nowhere") ||
		!strings.Contains(screen(a), "no queues on node nowhere (esc clears the filter)") {
		t.Fatalf("a node with no queues:\n%s", screen(a))
	}
	send(t, a, press("esc"))
	if lv.opts.Node != "" || lv.opts.Filter != "" || len(lv.items) != 6 {
		t.Fatalf("esc should clear the node filter: node %q filter %q, %d rows", lv.opts.Node, lv.opts.Filter, len(lv.items))
	}
}

// The cluster views, fed a broker where every node, member, plugin,
// connection and channel name is hostile, write only warren's own styling
// and show the hostile text escaped.
func TestHostileClusterViews(t *testing.T) {
	f := hostileFake()
	f.queues[0].Type, f.queues[0].Members, f.queues[0].Online = "quorum", []string{hostile, "rabbit@b"}, []string{hostile}
	f.queues[0].Mirrors = []string{hostile}
	n := &f.nodes[0]
	n.Version, n.Plugins, n.MemLimit, n.MemUsed, n.MemAlarm = hostile, []string{hostile}, 1<<30, 1<<20, true
	f.connections[0].Node, f.connections[0].Channels = hostile, 2
	a := newTestApp(f, Target{Context: "ctx"})
	settle(t, a, a.Init(), size())
	open := func(where, cmd string, want any) {
		t.Helper()
		send(t, a, press("esc"), press("esc"))
		runCommand(t, a, cmd)
		send(t, a, press("enter"))
		if fmt.Sprintf("%T", a.top()) != fmt.Sprintf("%T", want) {
			t.Fatalf("%s: top view %T", where, a.top())
		}
		checkFrame(t, where, a.View().Content, "body")
	}
	open("node detail", "no", (*nodeDetail)(nil))
	open("connection detail", "co", (*connectionDetail)(nil))
	open("queue detail members", "qu", (*queueDetail)(nil))
	if !strings.Contains(screen(a), "MEMBERS (2, 1 online)") {
		t.Errorf("the queue detail lacks its members:\n%s", screen(a))
	}
	runCommand(t, a, "no")
	checkFrame(t, "nodes list", a.View().Content, "body")
	runCommand(t, a, "co")
	checkFrame(t, "connections list", a.View().Content, "body")
}
