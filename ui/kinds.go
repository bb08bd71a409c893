package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
)

// viewKind names a view the App opens from a vhost and a name
// (makeView): navigation is data, not code paths. The zero kind is none,
// so a message that forgot its kind is an error, never the queue list.
type viewKind int

const (
	noView viewKind = iota
	// The lists a : command opens at the root of the stack, and the pulse.
	kindQueues
	kindExchanges
	kindBindings
	kindConnections
	kindNodes
	kindPulse
	// One object, opened from a row or a link.
	kindQueue
	kindExchange
	kindNode
	kindConnection
	kindQueuesOnNode // the queue list filtered to one node
	kindPeek
	// Opened with a message in openMsg, never by makeView.
	kindMessage // the inspector
	kindRoute   // the route tracer, from the publish form's ctrl+t
	kindCount   // not a kind: one past the last
)

var viewKindNames = [kindCount]string{
	noView: "no view", kindQueues: "queues", kindExchanges: "exchanges", kindBindings: "bindings",
	kindConnections: "connections", kindNodes: "nodes", kindPulse: "pulse", kindQueue: "queue",
	kindExchange: "exchange", kindNode: "node", kindConnection: "connection",
	kindQueuesOnNode: "queues on node", kindPeek: "peek", kindMessage: "message", kindRoute: "route",
}

// String is the kind as a word: a list's title ("queues") or what an
// object is ("queue").
func (k viewKind) String() string {
	if k < 0 || k >= kindCount {
		return fmt.Sprintf("view kind %d", int(k))
	}
	return viewKindNames[k]
}

// rootCommands are the : commands that open a view at the root of the
// stack, by their canonical names (commandAliases).
var rootCommands = map[string]viewKind{
	"queues": kindQueues, "exchanges": kindExchanges, "bindings": kindBindings,
	"connections": kindConnections, "nodes": kindNodes, "pulse": kindPulse,
}

// makeView builds a view by kind; nil for a kind it cannot build from a
// vhost and a name (the caller says so).
func (a *App) makeView(kind viewKind, vhost, name string) view {
	switch kind {
	case kindQueues:
		return newListView(a.c, queueSpec())
	case kindExchanges:
		return newListView(a.c, exchangeSpec())
	case kindBindings:
		return newListView(a.c, bindingSpec())
	case kindConnections:
		return newListView(a.c, connectionSpec())
	case kindNodes:
		return newListView(a.c, nodeSpec())
	case kindPulse:
		return newPulseView(a.c)
	case kindQueue:
		return newQueueDetail(a.c, vhost, name)
	case kindExchange:
		return newExchangeDetail(a.c, vhost, name)
	case kindNode:
		return newNodeDetail(a.c, name)
	case kindConnection:
		return newConnectionDetail(a.c, name)
	case kindQueuesOnNode:
		return newQueuesOnNode(a.c, name)
	case kindPeek:
		return newPeekView(a.c, vhost, name, "")
	}
	return nil
}

// open pushes the view an openMsg asks for.
func (a *App) open(m openMsg) tea.Cmd {
	switch {
	case m.kind == kindMessage && m.msg != nil:
		return a.push(newInspector(a.c, *m.msg, m.removable))
	case m.kind == kindRoute && m.msg != nil: // ctrl+t in the publish form
		return a.push(routeViewOf(a.c, m.vhost, *m.msg))
	}
	v := a.makeView(m.kind, m.vhost, m.name)
	if v == nil {
		a.setStatus("cannot open a "+m.kind.String()+" here (a bug in warren)", true)
		return nil
	}
	return a.push(v)
}

// resetTo makes a view of kind the only one on the stack, and remembers
// the kind, so a new vhost or context opens the same list again.
func (a *App) resetTo(kind viewKind) tea.Cmd {
	v := a.makeView(kind, "", "")
	if v == nil {
		a.setStatus("cannot open "+kind.String()+" as the first view (a bug in warren)", true)
		return nil
	}
	a.root = kind
	return a.reset(v)
}

// objectKind is the kind of the detail view of a "queue" or an
// "exchange" (what a delete dialog names).
func objectKind(what string) viewKind {
	if what == "exchange" {
		return kindExchange
	}
	return kindQueue
}

func (d *queueDetail) shows(kind viewKind, vhost, name string) bool {
	return kind == kindQueue && d.vhost == vhost && d.name == name
}

func (d *exchangeDetail) shows(kind viewKind, vhost, name string) bool {
	return kind == kindExchange && d.vhost == vhost && d.name == name
}

// paneKind says what a live pane watches.
type paneKind int

const (
	noPane      paneKind = iota
	paneTap              // an exchange, through a queue of its own
	paneTrace            // the firehose: a tap of amq.rabbitmq.trace
	paneTail             // a stream, from an offset
	paneConsume          // a queue, taking (or browsing) its messages
)

// String names the pane in exports ("tap-orders-…").
func (k paneKind) String() string {
	switch k {
	case paneTap:
		return "tap"
	case paneTrace:
		return "trace"
	case paneTail:
		return "tail"
	case paneConsume:
		return "consume"
	}
	return fmt.Sprintf("pane kind %d", int(k))
}
