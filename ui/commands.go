package ui

import (
	"context"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
)

// commandSpec is one : command: how it is spelled, what help says of it,
// whether it writes, and what it does. run dispatches on this table, and
// help, completion and the unknown-command error are read off it, so a
// command cannot be missing from any of them.
type commandSpec struct {
	name    string   // canonical, offered by completion
	aliases []string // other spellings
	args    string   // what follows, as help shows it
	desc    string
	writes  bool // changes the broker: --read-only refuses it
	do      func(a *App, arg string) tea.Cmd
}

// usage is the command as help shows it: :name ARGS (aliases).
func (c commandSpec) usage() string {
	u := ":" + c.name
	if c.args != "" {
		u += " " + c.args
	}
	return u
}

// commandTable is every : command, in the order help and completion
// list them.
func commandTable() []commandSpec {
	list := func(kind viewKind) func(a *App, _ string) tea.Cmd {
		return func(a *App, _ string) tea.Cmd { return a.resetTo(kind) }
	}
	return []commandSpec{
		{name: "queues", aliases: []string{"queue", "qu"}, desc: "the queue list", do: list(kindQueues)},
		{name: "exchanges", aliases: []string{"exchange", "ex"}, desc: "the exchange list", do: list(kindExchanges)},
		{name: "bindings", aliases: []string{"binding", "bi"}, desc: "the binding list", do: list(kindBindings)},
		{name: "connections", aliases: []string{"connection", "co", "conn"}, desc: "the connection list", do: list(kindConnections)},
		{name: "nodes", aliases: []string{"node", "no"}, desc: "the cluster's nodes", do: list(kindNodes)},
		{name: "pulse", aliases: []string{"pu"}, desc: "findings: silent loss, stuck consumers, alarms", do: list(kindPulse)},
		{name: "vhost", aliases: []string{"vh"}, args: "NAME|*", desc: "show one vhost (* for all)", do: (*App).cmdVhost},
		{name: "ctx", aliases: []string{"context"}, args: "NAME", desc: "switch to a context of the config file", do: (*App).cmdCtx},
		{name: "from", args: "START", desc: "stream peek or tail from first, last, next, an offset, a time or an age", do: (*App).cmdFrom},
		{name: "key", args: "KEY", desc: "rebind a tap or trace pane (order.* or x-match=any,type=order)", do: (*App).cmdKey},
		{name: "watch", aliases: []string{"wa"}, desc: "the watch board of pinned queues", do: func(a *App, _ string) tea.Cmd { return a.push(newWatchView(a.c)) }},
		{name: "trace", aliases: []string{"tr"}, args: "[VHOST]", desc: "watch every publish and delivery (the firehose; asks first)", do: (*App).startTrace},
		{name: "route", aliases: []string{"ro"}, args: "EXCHANGE KEY [h:name=value …]", desc: "where a message would go", do: (*App).cmdRoute},
		{name: "import", aliases: []string{"im"}, args: "FILE", desc: "publish a JSON Lines export to its origin, a queue or an exchange", writes: true, do: (*App).cmdImport},
		{name: "declare", aliases: []string{"new"}, args: "queue|exchange|binding", desc: "declare a queue, exchange or binding", writes: true, do: (*App).cmdDeclare},
		{name: "quit", aliases: []string{"q", "q!"}, desc: "quit", do: func(a *App, _ string) tea.Cmd { return a.quit() }},
	}
}

// commandNamed is the command of a canonical name.
func commandNamed(name string) (commandSpec, bool) {
	for _, c := range commandTable() {
		if c.name == name {
			return c, true
		}
	}
	return commandSpec{}, false
}

// commandAliases maps every accepted spelling to its canonical command.
var commandAliases = func() map[string]string {
	m := map[string]string{}
	for _, c := range commandTable() {
		m[c.name] = c.name
		for _, al := range c.aliases {
			m[al] = c.name
		}
	}
	return m
}()

// commandNames are offered by tab completion, in this order.
var commandNames = func() []string {
	var n []string
	for _, c := range commandTable() {
		n = append(n, c.name)
	}
	return n
}()

// run executes a : command.
func (a *App) run(line string) tea.Cmd {
	cmd, err := parseCommand(line)
	if err == errEmpty {
		return nil
	}
	if err != nil {
		a.setStatus(err.Error(), true)
		return nil
	}
	a.setStatus("", false)
	spec, _ := commandNamed(cmd.name)
	if a.c.refuses(spec.writes) {
		return refusedCmd(spec.usage() + " (" + spec.desc + ")")
	}
	return spec.do(a, cmd.arg)
}

func (a *App) cmdVhost(vh string) tea.Cmd {
	if vh == "*" || strings.EqualFold(vh, "all") {
		vh = ""
	}
	a.c.target.Vhost = vh
	a.setStatus("vhost: "+vhostLabel(vh), false)
	return tea.Batch(a.restartPulse(), a.resetTo(a.root), a.loadHeader()) // the header's totals follow the vhost
}

func (a *App) cmdImport(arg string) tea.Cmd {
	if arg == "" {
		a.setStatus(":import FILE publishes a JSON Lines export (from e or s) to its origin, a queue or an exchange", true)
		return nil
	}
	a.dropIdleImport()
	return a.push(newImportView(a.c, arg))
}

func (a *App) cmdDeclare(arg string) tea.Cmd {
	kind := strings.ToLower(arg)
	switch kind {
	case "", "queue", "q":
		kind = "queue"
	case "exchange", "ex", "x":
		kind = "exchange"
	case "binding", "bi", "b":
		kind = "binding"
	default:
		a.setStatus(":declare queue|exchange|binding", true)
		return nil
	}
	return a.push(newDeclareView(a.c, kind))
}

func (a *App) cmdRoute(arg string) tea.Cmd {
	p, err := parseRoute(arg)
	if err != nil {
		a.setStatus(err.Error(), true)
		return nil
	}
	return a.push(newRouteView(a.c, a.routeVhost(), p))
}

func (a *App) cmdKey(arg string) tea.Cmd {
	lv, ok := a.top().(*liveView)
	if !ok || (lv.spec.kind != paneTap && lv.spec.kind != paneTrace) {
		a.setStatus(":key works in a tap pane: :key order.* (binding key) or :key x-match=any,type=order (header match)", true)
		return nil
	}
	return lv.rebind(arg)
}

func (a *App) cmdFrom(arg string) tea.Cmd {
	if lv, ok := a.top().(*liveView); ok && lv.spec.kind == paneTail {
		from, err := parseStreamFrom(arg, a.c.now())
		if err != nil {
			a.setStatus(err.Error(), true)
			return nil
		}
		spec := lv.spec
		spec.tail.From = from
		return lv.restart(spec)
	}
	pv, ok := a.top().(*peekView)
	if !ok {
		a.setStatus(":from works in the peek of a stream: first, last, next, an offset, a time (RFC 3339) or an age (10m)", true)
		return nil
	}
	return pv.startFrom(arg)
}

func (a *App) cmdCtx(name string) tea.Cmd {
	if a.switcher == nil || len(a.contexts) == 0 {
		a.setStatus("no contexts: add some to the config file (see README)", true)
		return nil
	}
	if name == "" {
		a.setStatus("contexts: "+strings.Join(a.contexts, " "), false)
		return nil
	}
	sw := a.switcher
	a.setStatus("switching to context "+name+"…", false)
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		t, err := sw.Switch(ctx, name)
		return switchedMsg{target: t, err: err, name: name}
	}
}
