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
	if matches(m, g.ForceQ) {
		if h, ok := a.top().(quitHolder); ok && h.holdQuit() {
			return nil // a form with unsent edits asks first, as esc does
		}
		return a.quit()
	}
	if a.quitAsked && !a.quitting && !matches(m, g.Quit) {
		a.quitAsked = false // any other key: the move goes on
		a.setStatus("the move goes on", false)
	}
	switch a.mode {
	case modeCommand, modeFilter:
		return a.promptKey(m)
	case modeHelp:
		if _, ok := a.helpScope().lookup(m); ok && !matches(m, g.Back, g.Help, g.Quit) {
			a.scrollHelp(m)
			return nil
		}
		if matches(m, g.Back, g.Help, g.Quit) {
			a.mode = modeNormal
		}
		return nil
	}
	b, bound := a.scope().lookup(m)
	if bound && a.c.refuses(b.writes) { // read-only mode's one decision
		return refusedCmd(b.Help().Key + " (" + b.Help().Desc + ")")
	}
	if t, ok := a.top().(typingView); ok && t.typing() {
		switch {
		case bound && sameKeys(b, g.Back):
			if h, ok := a.top().(interface{ holdClose() bool }); ok && h.holdClose() {
				return nil // it asked to confirm the discard
			}
			return a.pop()
		case bound && sameKeys(b, g.HelpF1): // ? is text here
			a.mode, a.helpTop = modeHelp, 0
			return nil
		}
		return a.top().update(m)
	}
	w := a.c.keys.Write
	if !bound {
		if matches(m, g.Filter, g.Peek, g.Live, g.Pin, g.Move, w.Purge, w.Delete, w.Republish) {
			// An action other views offer: say so rather than do nothing.
			return statusCmd(m.String()+" does nothing in this view (? lists its keys)", true)
		}
		return a.top().update(m)
	}
	if sameAny(b, g.Peek, g.Live, g.Move, g.Pin, w.Publish, w.Purge, w.Delete) {
		if s, ok := a.top().(staleSelector); ok && s.stale() {
			return statusCmd("the list is still loading: try again in a moment", true)
		}
	}
	if cmd, ok := a.writeKey(m, b); ok {
		return cmd
	}
	switch {
	case sameKeys(b, g.Quit):
		return a.quit()
	case sameKeys(b, g.Help):
		a.mode, a.helpTop = modeHelp, 0
		return nil
	case sameKeys(b, g.Command):
		a.mode, a.input, a.matches = modeCommand, widget.NewLineInput(""), nil
		a.setStatus("", false)
		return a.fetchVhosts()
	case sameKeys(b, g.Filter):
		f, ok := a.top().(filterable)
		if !ok {
			return a.top().update(m)
		}
		a.mode, a.input, a.matches = modeFilter, widget.NewLineInput(f.filter()), nil
		return nil
	case sameKeys(b, g.Refresh):
		load := a.top().load
		if r, ok := a.top().(rereader); ok {
			load = r.reread
		}
		return tea.Batch(load(), a.headPoll.refresh(a.c.opts.Timeout, a.headerFetch()))
	case sameKeys(b, g.Peek):
		if vhost, name, qtype, ok := a.selectedQueue(); ok {
			return a.push(newPeekView(a.c, vhost, name, qtype))
		}
		return statusCmd("no queue selected", true)
	case sameKeys(b, g.Move):
		if pv, ok := a.top().(*peekView); ok {
			vhost, name, qtype := pv.peekedQueue()
			return a.push(newMoveView(a.c, vhost, name, qtype, pv.markedMessages()))
		}
		if vhost, name, qtype, ok := a.selectedQueue(); ok {
			return a.push(newMoveView(a.c, vhost, name, qtype, nil))
		}
		return statusCmd("no queue selected", true)
	case sameKeys(b, g.Pin):
		if vhost, name, _, ok := a.selectedQueue(); ok {
			if a.c.togglePin(vhost, name) {
				a.setStatus(fmt.Sprintf("pinned %s to the watch board (%d pinned; :watch opens it)", name, len(a.c.pins)), false)
			} else {
				a.setStatus("unpinned "+name, false)
			}
			return a.savePins()
		}
		cmd := a.top().update(m) // the watch board unpins its own row
		return tea.Batch(cmd, a.savePins())
	case sameKeys(b, g.Live):
		if cmd, ok := a.openLive(); ok {
			return cmd
		}
		return statusCmd("nothing selected", true)
	case sameKeys(b, g.Back):
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

// helpGroups is every key of the view under the help: its scope, the
// prompts' keys, then the : commands.
func (a *App) helpGroups() []keyGroup {
	return append(a.viewScope(a.top()).groups, a.c.keys.Prompt.scope().groups...)
}

// helpLines is the help body at width w: each key's description wrapped
// beside its key, so nothing is cut, then the : commands from the table
// run dispatches on.
func (a *App) helpLines(w int) []string {
	th := a.c.th
	const keyCol = 2 + 14 + 1 // indent, key, space
	descW := max(w-keyCol, 20)
	var lines []string
	entry := func(k, desc string, faint bool) {
		keyStyle, descStyle := th.HelpKey, th.HelpDesc
		if faint {
			keyStyle, descStyle, desc = th.Faint, th.Faint, "unavailable (read-only): "+desc
		}
		long := ansi.StringWidth(k) > 14
		if long { // a command's usage: on its own line, never cut
			lines = append(lines, "  "+keyStyle.Render(k))
		}
		for i, part := range strings.Split(ansi.Wrap(desc, descW, ""), "\n") {
			lead := "  " + keyStyle.Render(widget.Cell(k, 14, false)) + " "
			if i > 0 || long {
				lead = strings.Repeat(" ", keyCol)
			}
			lines = append(lines, lead+descStyle.Render(part))
		}
	}
	for _, g := range a.helpGroups() {
		lines = append(lines, "", th.HelpGroup.Render(g.title))
		for _, k := range g.keys {
			entry(k.Help().Key, k.Help().Desc, a.c.refuses(k.writes))
		}
	}
	lines = append(lines, "", th.HelpGroup.Render("Commands (after :, tab completes)"))
	for _, c := range commandTable() {
		desc := c.desc
		if len(c.aliases) > 0 {
			desc += " (also :" + strings.Join(c.aliases, " :") + ")"
		}
		entry(c.usage(), desc, a.c.refuses(c.writes))
	}
	return append(lines, "")
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
