package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/ui/widget"
)

// filterDebounceMsg fires a short while after the last filter keystroke,
// so typing a word asks the broker once, not once per letter.
type filterDebounceMsg struct{ seq int }

const filterDebounce = 120 * time.Millisecond

// vhostsMsg brings the vhost names for :vhost completion.
type vhostsMsg struct{ names []string }

// switchedMsg brings the target of a :ctx switch (or its failure).
type switchedMsg struct {
	target Target
	err    error
	name   string
}

func (a *App) key(m tea.KeyPressMsg) tea.Cmd {
	g := a.c.keys.Global
	if key.Matches(m, g.ForceQ) {
		if h, ok := a.top().(quitHolder); ok && h.holdQuit() {
			return nil // a form with unsent edits asks first, as esc does
		}
		return a.quit()
	}
	if a.quitAsked && !a.quitting && !key.Matches(m, g.Quit) {
		a.quitAsked = false // any other key: the move goes on
		a.setStatus("the move goes on", false)
	}
	if t, ok := a.top().(typingView); ok && t.typing() && a.mode == modeNormal {
		switch {
		case key.Matches(m, g.Back):
			if h, ok := a.top().(closeHolder); ok && h.holdClose() {
				return nil // it asked to confirm the discard
			}
			return a.pop()
		case m.String() == "f1": // ? is text here
			a.mode, a.helpTop = modeHelp, 0
			return nil
		}
		return a.top().update(m)
	}
	switch a.mode {
	case modeCommand, modeFilter:
		return a.promptKey(m)
	case modeHelp:
		if key.Matches(m, g.Back, g.Help, g.Quit) || m.String() == "f1" {
			a.mode = modeNormal
			return nil
		}
		a.scrollHelp(m)
		return nil
	}
	w := a.c.keys.Write
	if key.Matches(m, g.Peek, g.Live, g.Move, g.Pin, w.Publish, w.Purge, w.Delete) {
		if s, ok := a.top().(staleSelector); ok && s.stale() {
			return statusCmd("the list is still loading: try again in a moment", true)
		}
	}
	if cmd, ok := a.writeKey(m); ok {
		return cmd
	}
	switch {
	case key.Matches(m, g.Quit):
		return a.quit()
	case key.Matches(m, g.Help):
		a.mode, a.helpTop = modeHelp, 0
		return nil
	case key.Matches(m, g.Command):
		a.mode, a.input, a.matches = modeCommand, widget.NewLineInput(""), nil
		a.setStatus("", false)
		return a.fetchVhosts()
	case key.Matches(m, g.Filter):
		f, ok := a.top().(filterable)
		if !ok {
			return statusCmd("this view has no filter", true)
		}
		a.mode, a.input, a.matches = modeFilter, widget.NewLineInput(f.filter()), nil
		return nil
	case key.Matches(m, g.Refresh):
		load := a.top().load
		if r, ok := a.top().(rereader); ok {
			load = r.reread
		}
		return tea.Batch(load(), a.headPoll.refresh(a.c.opts.Timeout, a.headerFetch()))
	case key.Matches(m, a.c.keys.Global.Peek):
		if vhost, name, qtype, ok := a.selectedQueue(); ok {
			return a.push(newPeekView(a.c, vhost, name, qtype))
		}
		return a.top().update(m)
	case key.Matches(m, g.Move):
		if pv, ok := a.top().(*peekView); ok {
			if a.c.target.ReadOnly {
				return readOnlyCmd("moving messages")
			}
			vhost, name, qtype := pv.peekedQueue()
			return a.push(newMoveView(a.c, vhost, name, qtype, pv.markedMessages()))
		}
		if vhost, name, qtype, ok := a.selectedQueue(); ok {
			if a.c.target.ReadOnly {
				return readOnlyCmd("moving messages")
			}
			return a.push(newMoveView(a.c, vhost, name, qtype, nil))
		}
		return a.top().update(m)
	case key.Matches(m, g.Pin):
		if vhost, name, _, ok := a.selectedQueue(); ok {
			if a.c.togglePin(vhost, name) {
				a.setStatus(fmt.Sprintf("pinned %s to the watch board (%d pinned; :watch opens it)", name, len(a.c.pins)), false)
			} else {
				a.setStatus("unpinned "+name, false)
			}
			return a.savePins()
		}
		return a.top().update(m)
	case key.Matches(m, g.Live):
		if cmd, ok := a.openLive(); ok {
			return cmd
		}
		return a.top().update(m)
	case key.Matches(m, g.Back):
		if f, ok := a.top().(filterable); ok && f.filter() != "" {
			return f.setFilter("")
		}
		return a.pop()
	}
	return a.top().update(m)
}

func (a *App) promptKey(m tea.KeyPressMsg) tea.Cmd {
	pk := a.c.keys.Prompt
	switch {
	case key.Matches(m, pk.Cancel):
		wasFilter := a.mode == modeFilter
		a.mode, a.matches = modeNormal, nil
		if f, ok := a.top().(filterable); ok && wasFilter {
			return f.setFilter("")
		}
		return nil
	case key.Matches(m, pk.Accept):
		line := a.input.Text()
		if a.mode == modeFilter {
			a.mode = modeNormal
			cmd := a.applyFilter(line)
			if l, ok := a.top().(firstSelector); ok {
				l.selectFirst()
			}
			return cmd
		}
		a.mode, a.matches = modeNormal, nil
		return a.run(line)
	case key.Matches(m, pk.Complete):
		if a.mode == modeCommand {
			var line string
			line, a.matches = complete(a.input.Text(), a.vhosts, a.contexts)
			a.input.Set(line)
		}
		return nil
	case key.Matches(m, pk.EraseAll):
		a.input.Set("")
	default: // editing and moving: the text input's own keys
		before := a.input.Text()
		a.input.Key(m)
		if a.input.Text() == before {
			return nil // the cursor moved: nothing to filter or complete anew
		}
	}
	if a.mode == modeFilter {
		a.filterAt++
		seq := a.filterAt
		return a.c.tick(a.debounce, func(time.Time) tea.Msg { return filterDebounceMsg{seq: seq} })
	}
	_, a.matches = complete(a.input.Text(), a.vhosts, a.contexts)
	return nil
}

func (a *App) applyFilter(expr string) tea.Cmd {
	if f, ok := a.top().(filterable); ok {
		if a.statusErr && strings.HasPrefix(a.status, filterErrPrefix) && validFilter(expr) {
			a.setStatus("", false) // the half-typed filter's error is over
		}
		return f.setFilter(expr)
	}
	return nil
}

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
	switch cmd.name {
	case "quit":
		return a.quit()
	case "vhost":
		vh := cmd.arg
		if vh == "*" || strings.EqualFold(vh, "all") {
			vh = ""
		}
		a.c.target.Vhost = vh
		a.setStatus("vhost: "+vhostLabel(vh), false)
		return tea.Batch(a.restartPulse(), a.resetTo(a.root), a.loadHeader()) // the header's totals follow the vhost
	case "watch":
		return a.push(newWatchView(a.c))
	case "trace":
		return a.startTrace(cmd.arg)
	case "import":
		if a.c.target.ReadOnly {
			return readOnlyCmd("importing")
		}
		if cmd.arg == "" {
			a.setStatus(":import FILE publishes a JSON Lines export (from e or s) to its origin, a queue or an exchange", true)
			return nil
		}
		a.dropIdleImport()
		return a.push(newImportView(a.c, cmd.arg))
	case "declare":
		if a.c.target.ReadOnly {
			return readOnlyCmd("declaring")
		}
		kind := strings.ToLower(cmd.arg)
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
	case "route":
		p, err := parseRoute(cmd.arg)
		if err != nil {
			a.setStatus(err.Error(), true)
			return nil
		}
		return a.push(newRouteView(a.c, a.routeVhost(), p))
	case "key":
		lv, ok := a.top().(*liveView)
		if !ok || (lv.spec.kind != paneTap && lv.spec.kind != paneTrace) {
			a.setStatus(":key works in a tap pane: :key order.* (binding key) or :key x-match=any,type=order (header match)", true)
			return nil
		}
		return lv.rebind(cmd.arg)
	case "from":
		if lv, ok := a.top().(*liveView); ok && lv.spec.kind == paneTail {
			from, err := parseStreamFrom(cmd.arg, a.c.now())
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
		return pv.startFrom(cmd.arg)
	case "ctx":
		if a.switcher == nil || len(a.contexts) == 0 {
			a.setStatus("no contexts: add some to the config file (see README)", true)
			return nil
		}
		if cmd.arg == "" {
			a.setStatus("contexts: "+strings.Join(a.contexts, " "), false)
			return nil
		}
		sw, name := a.switcher, cmd.arg
		a.setStatus("switching to context "+name+"…", false)
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			t, err := sw.Switch(ctx, name)
			return switchedMsg{target: t, err: err, name: name}
		}
	default:
		if k, ok := rootCommands[cmd.name]; ok {
			return a.resetTo(k)
		}
		a.setStatus(":"+cmd.name+" does nothing here", true)
		return nil
	}
}

func (a *App) switched(m switchedMsg) tea.Cmd {
	if m.err != nil {
		a.setStatus("context "+m.name+": "+m.err.Error(), true)
		return nil
	}
	closing := a.closeAll()
	a.c.target = m.target
	a.c.pins = nil // the other broker's board
	a.header = headerState{}
	// Another broker: what its requeues cost is unknown until its
	// overview says its version (unknown counts as counting).
	a.c.rabbitVersion = ""
	a.c.statsOff, a.c.statsOffSaid = false, false
	a.setStatus("context "+m.name, false)
	return tea.Batch(closing, a.loadHeader(), a.restartPulse(), a.loadPins(), a.resetTo(a.root))
}

func (a *App) fetchVhosts() tea.Cmd {
	src, timeout := a.c.target.Source, a.c.opts.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		names, err := src.Vhosts(ctx)
		if err != nil {
			return nil // completion just lacks vhosts; the header shows link trouble
		}
		return vhostsMsg{names: names}
	}
}

// helpGroups is every key of the current view, global keys included.
func (a *App) helpGroups() []helpGroup {
	groups := []helpGroup{{Title: "Global", Bindings: a.c.keys.Global.bindings()}}
	groups = append(groups, a.top().help()...)
	groups = append(groups, helpGroup{Title: "Write actions", Bindings: a.c.keys.Write.bindings()})
	groups = append(groups, helpGroup{Title: "In the : and / prompts", Bindings: a.c.keys.Prompt.bindings()})
	return groups
}

// helpLines is the help body at width w: each key's description wrapped
// beside its key, so nothing is cut.
func (a *App) helpLines(w int) []string {
	th := a.c.th
	const keyCol = 2 + 14 + 1 // indent, key, space
	descW := max(w-keyCol, 20)
	var lines []string
	for _, g := range a.helpGroups() {
		lines = append(lines, "", th.HelpGroup.Render(g.Title))
		for _, k := range g.Bindings {
			hk := k.Help()
			keyStyle, descStyle, desc := th.HelpKey, th.HelpDesc, hk.Desc
			if a.c.target.ReadOnly && a.c.keys.writes[hk.Desc] {
				keyStyle, descStyle, desc = th.Faint, th.Faint, "unavailable (read-only): "+hk.Desc
			}
			for i, part := range strings.Split(ansi.Wrap(desc, descW, ""), "\n") {
				lead := "  " + keyStyle.Render(widget.Cell(hk.Key, 14, false)) + " "
				if i > 0 {
					lead = strings.Repeat(" ", keyCol)
				}
				lines = append(lines, lead+descStyle.Render(part))
			}
		}
	}
	lines = append(lines, "")
	commands := "Commands: :queues (qu)  :exchanges (ex)  :bindings (bi)  :connections (co)  :nodes (no)  :pulse (pu)  :vhost NAME|*  :ctx NAME  :watch  :trace [VHOST]  :route EXCHANGE KEY  :import FILE  :declare  :q"
	for _, part := range strings.Split(ansi.Wrap(commands, max(w, 20), ""), "\n") {
		lines = append(lines, th.Faint.Render(part))
	}
	return lines
}

// renderHelp shows a title line and as much of the help body as fits
// from helpTop. When it does not all fit, the title says how to scroll
// and which lines show, cutting the view's name rather than that.
func (a *App) renderHelp(w, h int) string {
	th := a.c.th
	lines := a.helpLines(w)
	rows := max(h-1, 1)
	note := "   (esc or ? closes)"
	if len(lines) > rows {
		top := min(max(a.helpTop, 0), len(lines)-rows)
		note = fmt.Sprintf("   ↑↓ pgup pgdn scroll · lines %d-%d of %d · esc closes", top+1, top+rows, len(lines))
		lines = lines[top : top+rows]
	}
	head := "Keys of " + safe(a.top().title())
	if room := w - ansi.StringWidth(note); ansi.StringWidth(head) > room {
		head = ansi.Truncate(head, max(room, 10), "…")
	}
	return th.Section.Render(head) + th.Faint.Render(note) + "\n" + strings.Join(lines, "\n")
}

// scrollHelp moves the help body with the table's movement keys.
func (a *App) scrollHelp(m tea.KeyPressMsg) {
	w, h := a.bodySize()
	lines := a.helpLines(w)
	rows := max(h-1, 1)
	last := max(len(lines)-rows, 0)
	tk := a.c.keys.Table
	top := min(max(a.helpTop, 0), last)
	switch {
	case key.Matches(m, tk.Up):
		top--
	case key.Matches(m, tk.Down):
		top++
	case key.Matches(m, tk.PageUp):
		top -= rows
	case key.Matches(m, tk.PageDown):
		top += rows
	case key.Matches(m, tk.Top):
		top = 0
	case key.Matches(m, tk.Bottom):
		top = last
	}
	a.helpTop = min(max(top, 0), last)
}

// selectedQueue is the queue selected in the view on top, if any.
func (a *App) selectedQueue() (vhost, name, qtype string, ok bool) {
	if qs, is := a.top().(queueSelector); is {
		return qs.selectedQueue()
	}
	return "", "", "", false
}

// selectedExchange is the exchange selected in the view on top, if any.
func (a *App) selectedExchange() (vhost, name, kind string, ok bool) {
	if xs, is := a.top().(exchangeSelector); is {
		return xs.selectedExchange()
	}
	return "", "", "", false
}

// openLive starts the live pane that fits the selection: a tap for an
// exchange, a tail for a stream, and for other queues the consume dialog.
func (a *App) openLive() (tea.Cmd, bool) {
	if vhost, name, qtype, ok := a.selectedQueue(); ok {
		return a.openQueueLive(vhost, name, qtype), true
	}
	if vhost, name, kind, ok := a.selectedExchange(); ok {
		if name == "" {
			return statusCmd("the default exchange cannot be bound to, so it cannot be tapped: tap amq.rabbitmq.trace instead (the firehose; run rabbitmqctl trace_on first)", true), true
		}
		spec := liveSpec{kind: paneTap, tap: ops.TapSpec{Vhost: vhost, Exchange: name, Kind: kind}}
		return a.push(newLiveView(a.c, spec)), true
	}
	return nil, false
}

func (a *App) openQueueLive(vhost, name, qtype string) tea.Cmd {
	if qtype == ops.QueueStream {
		spec := liveSpec{kind: paneTail, tail: ops.TailSpec{Vhost: vhost, Queue: name, From: ops.StreamFrom{Kind: ops.StreamLast}}}
		return a.push(newLiveView(a.c, spec))
	}
	return a.push(newConsumeDialog(a.c, vhost, name, qtype))
}
