package ui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui/theme"
	"github.com/warren-tui/warren/ui/widget"
)

// mode decides where a key goes.
type mode int

const (
	modeNormal mode = iota
	modeCommand
	modeFilter
	modeHelp
)

// QuitMsg ends the program as q does, releasing live panes' broker
// objects first; cmd/warren sends it when the terminal hangs up.
type QuitMsg struct{}

// App is the root model: it owns layout, the view stack, the header, the
// prompts and the status bar. Views own their data.
type App struct {
	c        *common
	switcher Switcher
	// quit holds what quitting during a move needs: whether q was asked
	// once, whether the move is being stopped to quit, and the line left
	// for the shell when warren is gone.
	quitAsked, quitting bool
	exitNote            string
	stack               []view
	root                viewKind // what stack[0] is, to open again in another vhost or context
	mode                mode
	input               widget.LineInput
	matches             []string // tab completions on show
	filterAt            int      // debounce sequence of live filter typing
	debounce            time.Duration
	vhosts              []string
	contexts            []string
	helpTop             int // the first help body line on screen

	header    headerState
	headPoll  poller
	status    string
	statusErr bool
	// pollStatus marks a status that a failed poll set, to clear on success.
	pollStatus bool
	// statusSeq counts statuses set, so an expiry clears only its own.
	statusSeq int

	width, height int
	sized         bool
	// light: the terminal said its background is light; plain: it shows
	// no colour (see terminalColours).
	light, plain bool
	// frame is the last screen drawn, still true while frameOK;
	// lineWidths are its lines' widths, for paint.
	frame      string
	frameOK    bool
	lineWidths map[string]int
}

// New builds the App for a target. The first view is the queue list.
func New(t Target, opts Options, sw Switcher) *App {
	if opts.Refresh < time.Second {
		opts.Refresh = 5 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	c := &common{th: theme.New(true, opts.NoColor), keys: newKeyMap(), opts: opts, target: t, hist: newHistory(), now: time.Now, frame: frameEvery, tick: tea.Tick, traces: map[string]int{}, pulse: newPulseState()}
	a := &App{c: c, switcher: sw, debounce: filterDebounce}
	a.headPoll.viewID, a.headPoll.slower = nextViewID(), headerSlower
	c.pulse.poll.viewID = nextViewID()
	if sw != nil {
		a.contexts = sw.Contexts()
	}
	a.root = kindQueues
	a.stack = []view{a.makeView(kindQueues, "", "")}
	if opts.Notice != "" {
		a.setStatus(opts.Notice, true)
	}
	return a
}

// Init starts the header poll; views load once the size is known. The
// terminal's background colour (for the theme) is asked by the screen as
// it takes the terminal (ui/screen), where the answer cannot outlive warren.
func (a *App) Init() tea.Cmd {
	return tea.Batch(a.loadHeader(), a.loadPulse(), a.loadPins())
}

// headerData is what the header polls: the overview, and the alarms of
// the cluster's nodes (nil when the nodes could not be read).
type headerData struct {
	overview mgmt.Overview
	alarms   []string
	nodesOK  bool // the nodes were read: alarms is the truth, not a gap
	tracing  []string
	traceOK  bool // tracing was read
	counted  bool // the object counts were read; else keep the last ones
}

func (a *App) headerFetch() func(ctx context.Context) (any, error) {
	src, tr := a.c.target.Source, a.c.target.Tracer
	due := a.header.countedAt.IsZero() || a.c.now().Sub(a.header.countedAt) >= countEvery*headerSlower*a.c.opts.Refresh
	overview, nodes := headerOverview(src, a.c.target.Vhost, due), headerNodes(src)
	return func(ctx context.Context) (any, error) {
		o, counted, err := overview(ctx)
		if err != nil {
			return nil, err
		}
		d := headerData{overview: o, counted: counted}
		if nodes, err := nodes(ctx); err == nil { // a user without monitoring may not list them
			d.alarms, d.nodesOK = nodeAlarms(nodes), true
		}
		if tr != nil {
			if on, err := tr.Tracing(ctx); err == nil {
				d.tracing, d.traceOK = on, true
			}
		}
		return d, nil
	}
}

// nodeAlarms names each alarm in force and where, e.g. "memory on rabbit@a".
func nodeAlarms(nodes []mgmt.Node) []string {
	var out []string
	for _, n := range nodes {
		if n.MemAlarm {
			out = append(out, "memory on "+n.Name)
		}
		if n.DiskAlarm {
			out = append(out, "disk on "+n.Name)
		}
	}
	return out
}

func (a *App) loadHeader() tea.Cmd {
	a.header.countedAt = time.Time{} // a new target or vhost: count its objects at once
	return a.headPoll.start(a.c.opts.Timeout, a.headerFetch())
}

func (a *App) top() view { return a.stack[len(a.stack)-1] }

// bodySize is the area a view gets: the screen less two header lines,
// the title bar and the bottom line.
func (a *App) bodySize() (int, int) { return a.width, max(a.height-4, 1) }

// split says whether the top view is a live pane shown below the view
// under it, both visible (and so both polling).
func (a *App) split() bool {
	lv, ok := a.top().(*liveView)
	return ok && !lv.full && len(a.stack) > 1
}

// sizeOf is the area of the view at stack index i.
func (a *App) sizeOf(i int) (int, int) {
	bw, bh := a.bodySize()
	if a.split() {
		top := bh / 2
		switch i {
		case len(a.stack) - 1:
			return bw, bh - top - 1 // a rule between the two
		case len(a.stack) - 2:
			return bw, top
		}
	}
	return bw, bh
}

// visible says whether a view is on screen, and so may poll.
func (a *App) visible(id int) bool {
	n := len(a.stack)
	return a.stack[n-1].id() == id || (a.split() && a.stack[n-2].id() == id)
}

// push opens a view on top of the stack and loads it.
func (a *App) push(v view) tea.Cmd {
	switch v.(type) {
	case *moveView, *publishView: // a move, or a republish that removes, charges what it passes
		for _, below := range a.stack {
			if pv, ok := below.(*peekView); ok {
				pv.chargedElsewhere()
			}
		}
	}
	a.stack = append(a.stack, v)
	return a.show()
}

// reset replaces the whole stack with one view (a : command).
func (a *App) reset(v view) tea.Cmd {
	closing := a.closeAll()
	a.stack = []view{v}
	a.mode = modeNormal
	return tea.Batch(closing, a.show())
}

// show sizes and loads what is now on screen: the top view, and the view
// under it when a pane splits the screen.
func (a *App) show() tea.Cmd {
	if !a.sized {
		return nil
	}
	n := len(a.stack)
	var cmds []tea.Cmd
	for i := max(n-2, 0); i < n; i++ {
		if i == n-2 && !a.split() {
			continue
		}
		v := a.stack[i]
		cmd := v.setSize(a.sizeOf(i))
		if cmd == nil {
			cmd = v.load() // a list loads as part of being sized
		}
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// pop goes back one view, closing a live pane's feed; the view below
// refreshes at once, since it did not poll while hidden.
func (a *App) pop() tea.Cmd {
	if len(a.stack) <= 1 {
		return nil
	}
	var closing tea.Cmd
	if c, ok := a.top().(closer); ok {
		closing = c.close()
	}
	a.stack = a.stack[:len(a.stack)-1]
	return tea.Batch(closing, a.show())
}

func (a *App) closeAll() tea.Cmd { return tea.Batch(a.closers()...) }

func (a *App) closers() []tea.Cmd {
	var cmds []tea.Cmd
	for _, v := range a.stack {
		if c, ok := v.(closer); ok {
			if cmd := c.close(); cmd != nil {
				cmds = append(cmds, cmd)
			}
		}
	}
	return cmds
}

// quitCloseWait bounds how long quitting waits for live panes to remove
// their broker objects: a broker that hangs must not hold warren open,
// and it drops exclusive objects itself when the connection goes.
const quitCloseWait = time.Second

// quit releases live panes' broker objects, then ends the program. A move
// that is running is not cut off unasked: the first q says so, the second
// stops it and quits once it has put back what it held, leaving its
// summary for the shell; a third quits at once.
func (a *App) quit() tea.Cmd {
	if mv := a.runningMove(); mv != nil && !a.quitting {
		if !a.quitAsked {
			a.quitAsked = true
			a.setStatus("a move is running: q again stops it and quits once it has put back what it holds "+
				"(its summary is printed when warren exits); any other key goes on", true)
			return nil
		}
		a.quitting = true
		mv.close()
		a.setStatus("stopping the move: warren quits once it has put back what it holds (q again quits at once)…", false)
		return nil
	}
	if mv := a.runningMove(); a.quitting && mv != nil {
		a.exitNote = "warren quit before the move stopped: what it held goes back to the source when its connection closes, " +
			"and copies it had published may exist twice"
		if mv.shovel {
			a.exitNote = "warren quit before the shovel move stopped: the shovel may still be moving on the broker " +
				"(rabbitmqctl list_parameters shows it as warren-move-…; rabbitmqctl clear_parameter shovel NAME stops it)"
		}
	}
	// Tracing warren turned on goes off first, with its own bound: a
	// failure is said when warren exits.
	off := a.tracesOff()
	for _, v := range a.stack {
		if q, ok := v.(*traceAsk); ok && q.busy {
			a.exitNote = strings.TrimSpace(a.exitNote + "\nwarren quit while turning tracing on in vhost " + q.vhost +
				": if the broker still did, rabbitmqctl trace_off -p " + q.vhost + " turns it off")
		}
	}
	closers := a.closers()
	if len(closers) == 0 {
		return tea.Sequence(off, tea.Quit)
	}
	return tea.Sequence(off, closeWithin(quitCloseWait, closers), tea.Quit)
}

// runningMove is a move or import on the stack that has not finished.
func (a *App) runningMove() *moveView {
	for _, v := range a.stack {
		if mv, ok := v.(*moveView); ok && mv.state != nil && !mv.done {
			return mv
		}
	}
	return nil
}

// ExitNote is what warren has to say once the screen is gone: the summary
// of a move stopped to quit. cmd/warren prints it after the program ends.
func (a *App) ExitNote() string { return a.exitNote }

// closeWithin runs cmds at once, side by side, and waits at most d for
// them all.
func closeWithin(d time.Duration, cmds []tea.Cmd) tea.Cmd {
	return func() tea.Msg {
		done := make(chan struct{})
		go func() {
			var wg sync.WaitGroup
			for _, c := range cmds {
				wg.Go(func() { c() })
			}
			wg.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(d):
		}
		return nil
	}
}

func (a *App) setStatus(text string, isErr bool) {
	a.status, a.statusErr, a.pollStatus = text, isErr, false
	a.statusSeq++
}

// How long a status line stays (k9s's flash): long enough to read an
// error twice; a failing poll sets its error again each time.
const (
	statusInfoFor  = 5 * time.Second
	statusErrorFor = 12 * time.Second
)

// statusExpiredMsg clears the status it was armed for, if still shown.
type statusExpiredMsg struct{ seq int }

// expireStatus arms the expiry of a status set since seq.
func (a *App) expireStatus(seq int) tea.Cmd {
	if a.statusSeq == seq || a.status == "" {
		return nil
	}
	d, now := statusInfoFor, a.statusSeq
	if a.statusErr {
		d = statusErrorFor
	}
	return a.c.tick(d, func(time.Time) tea.Msg { return statusExpiredMsg{seq: now} })
}

func (a *App) titleOf(id int) string {
	for _, v := range a.stack {
		if v.id() == id {
			return v.title()
		}
	}
	return "?"
}

// Update routes a message: keys by mode, data to the view that asked. A
// status line set while handling it expires by itself.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if m, ok := msg.(statusExpiredMsg); ok {
		if m.seq == a.statusSeq {
			a.status, a.statusErr, a.pollStatus = "", false, false
			a.quitAsked = a.quitting // a question no longer shown is no longer asked
			a.frameOK = false
		}
		return a, nil
	}
	if _, ok := msg.(pollMsg); !ok { // a poll only starts a fetch: nothing on screen changes
		a.frameOK = false
	}
	a.logMsg(msg)
	seq := a.statusSeq
	model, cmd := a.update(msg)
	if expire := a.expireStatus(seq); expire != nil {
		cmd = tea.Batch(cmd, expire)
	}
	return model, cmd
}

func (a *App) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if e, ok := msg.(execEditorMsg); ok && !a.hasView(e.view) {
		return a, discardEditorFile(e) // the form closed before the editor ran
	}
	if r, ok := msg.(routedMsg); ok {
		return a, a.route(r.viewID(), msg)
	}
	switch m := msg.(type) {
	case tea.WindowSizeMsg:
		return a, a.resize(m.Width, m.Height)
	case tea.KeyPressMsg:
		return a, a.key(m)
	case fetchedMsg:
		return a, a.fetched(m)
	case pollMsg:
		if m.view == a.headerID() {
			return a, a.headPoll.tick(m, a.c, a.headerFetch())
		}
		if m.view == a.c.pulse.poll.viewID { // the pulse reads in the background
			return a, a.pulseTick(m)
		}
		if a.sized && a.visible(m.view) { // hidden views do not poll
			return a, a.route(m.view, m)
		}
		return a, nil
	case LinkMsg:
		back := m.State == ops.LinkUp && a.header.haveLink && a.header.link.State != ops.LinkUp
		a.header.link, a.header.haveLink = m, true
		if back {
			return a, a.relinked()
		}
		return a, nil
	case openMsg:
		return a, a.open(m)
	case liveStartedMsg:
		if cmd := a.route(m.view, m); cmd != nil || a.hasView(m.view) {
			return a, cmd
		}
		if m.feed != nil { // the pane closed before its feed started
			return a, func() tea.Msg { _ = m.feed.Close(); return nil }
		}
		return a, nil
	case moveDoneMsg:
		if a.quitting { // stopped to quit: its summary goes to the shell
			a.exitNote = m.queue + ": " + summaryText(m)
			if m.err != nil {
				a.exitNote += ": " + moveErrText(m.err)
			}
			cmd := a.route(m.view, m)
			return a, tea.Batch(cmd, a.quit())
		}
		if !a.hasView(m.view) { // cancelled and closed: still say what happened
			return a, moveSummary(m.queue, m)
		}
		return a, a.route(m.view, m)
	case liveOpenMsg:
		switch a.top().(type) {
		case *consumeDialog, *traceAsk: // the question gives way to its pane
			a.stack = a.stack[:len(a.stack)-1]
		}
		return a, a.push(newLiveView(a.c, m.spec))
	case tracingChangedMsg:
		a.setStatus(m.status, m.err)
		if m.err && m.exit {
			a.exitNote = strings.TrimSpace(a.exitNote + "\n" + m.status)
		}
		return a, a.loadHeader()
	case relayoutMsg:
		return a, a.resize(a.width, a.height)
	case republishMsg:
		if r := a.c.keys.Write.Republish; a.c.refuses(r.writes) {
			return a, refusedCmd(r.Help().Key + " (" + r.Help().Desc + ")")
		}
		return a, a.republish(m)
	case QuitMsg: // the terminal went away: nobody can answer a question
		a.quitAsked = true
		return a, a.quit()
	case publishedMsg:
		if !a.hasView(m.view) { // the form closed while sending
			text, bad := m.summary()
			return a, statusCmd("publish: "+text, bad)
		}
		return a, a.route(m.view, m)
	case adminDoneMsg:
		return a, a.adminDone(m)
	case popMsg:
		if a.top().id() == m.view {
			return a, a.pop()
		}
		return a, nil
	case tea.PasteMsg:
		if t, ok := a.top().(typingView); ok && t.typing() && a.mode == modeNormal {
			return a, a.top().update(m)
		}
		if a.mode == modeCommand || a.mode == modeFilter {
			a.input.Insert(m.Content)
			if a.mode == modeCommand {
				_, a.matches = complete(a.input.Text(), a.vhosts, a.contexts)
			}
		}
		return a, nil
	case statusMsg:
		a.setStatus(m.text, m.err)
		return a, nil
	case pulseRefreshMsg:
		return a, a.refreshPulse()
	case filterDebounceMsg:
		if m.seq == a.filterAt && a.mode == modeFilter {
			return a, a.applyFilter(a.input.Text())
		}
		return a, nil
	case vhostsMsg:
		a.vhosts = m.names
		return a, nil
	case pinsLoadedMsg:
		a.pinsLoaded(m)
		return a, nil
	case tea.BackgroundColorMsg, tea.ColorProfileMsg:
		return a, a.terminalColours(m)
	case switchedMsg:
		return a, a.switched(m)
	}
	return a, nil
}

func (a *App) headerID() int { return a.headPoll.viewID }

// relinked tells the views on screen that the AMQP link is back, so one
// that failed during the outage tries again by itself.
func (a *App) relinked() tea.Cmd {
	var cmds []tea.Cmd
	for i := max(len(a.stack)-2, 0); i < len(a.stack); i++ {
		if r, ok := a.stack[i].(relinker); ok {
			cmds = append(cmds, r.relinked())
		}
	}
	return tea.Batch(cmds...)
}

func (a *App) hasView(id int) bool {
	for _, v := range a.stack {
		if v.id() == id {
			return true
		}
	}
	return false
}

// routedMsg is a view's own result: it goes to that view alone, if it is
// still on the stack.
type routedMsg interface{ viewID() int }

func (m peekedMsg) viewID() int       { return m.view }
func (m decodedMsg) viewID() int      { return m.view }
func (m liveFrameMsg) viewID() int    { return m.view }
func (m importLoadedMsg) viewID() int { return m.view }
func (m moveTickMsg) viewID() int     { return m.view }
func (m execEditorMsg) viewID() int   { return m.view }
func (m editedMsg) viewID() int       { return m.view }
func (m consumeQueueMsg) viewID() int { return m.view }

// route hands a view's own result to it, if it is still on the stack.
func (a *App) route(id int, msg tea.Msg) tea.Cmd {
	for _, v := range a.stack {
		if v.id() == id {
			return v.update(msg)
		}
	}
	return nil
}

func (a *App) resize(w, h int) tea.Cmd {
	a.width, a.height = w, h
	first := !a.sized
	a.sized = true
	var cmds []tea.Cmd
	n := len(a.stack)
	for i, v := range a.stack {
		cmd := v.setSize(a.sizeOf(i))
		onScreen := i == n-1 || (i == n-2 && a.split())
		if !onScreen {
			continue
		}
		if cmd == nil && first {
			cmd = v.load()
		}
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// fetched takes a result: the header's, or a view's if still on the stack.
func (a *App) fetched(m fetchedMsg) tea.Cmd {
	if m.view == a.c.pulse.poll.viewID {
		return a.pulseArrived(m)
	}
	current := false
	var cmd tea.Cmd
	if m.view == a.headerID() {
		var ok bool
		ok, cmd = a.headPoll.done(m, a.c, a.headerFetch())
		current = ok
		if ok && m.err == nil {
			d := m.data.(headerData)
			if d.counted {
				a.header.countedAt = a.c.now()
			} else {
				was := a.header.overview
				d.overview.Queues, d.overview.Exchanges, d.overview.Connections = was.Queues, was.Exchanges, was.Connections
				d.overview.Consumers, d.overview.Channels = was.Consumers, was.Channels
			}
			a.header.overview = d.overview
			if d.nodesOK { // one failed read of the nodes does not clear an alarm
				a.header.alarms = d.alarms
			}
			if d.traceOK {
				a.tracingRead(d.tracing)
			}
			a.header.haveOV = true
			a.c.rabbitVersion = a.header.overview.RabbitMQVersion
			if a.c.statsOff = d.overview.StatsOff; a.c.statsOff && !a.c.statsOffSaid {
				a.c.statsOffSaid = true
				a.setStatus(statsOffNotice(d.overview), false)
			}
		}
	} else {
		for _, v := range a.stack {
			if v.id() == m.view {
				cmd = v.update(m)
				current = true
			}
		}
	}
	if !current {
		return cmd
	}
	// Every API answer says how the HTTP link is; poll errors show in the
	// status bar and clear themselves when answers come back.
	if errors.Is(m.err, mgmt.ErrSortPending) || errors.Is(m.err, mgmt.ErrSortFailed) { // says nothing of the link
		a.setStatus(a.titleOf(m.view)+": "+m.err.Error(), errors.Is(m.err, mgmt.ErrSortFailed))
		a.pollStatus = true
		return cmd
	}
	if m.err != nil {
		a.header.httpErr, a.header.httpOK = m.err, false
		what := "management API"
		if m.view != a.headerID() {
			what = a.titleOf(m.view)
		}
		a.setStatus(what+": "+m.err.Error(), true)
		a.pollStatus = true
		return cmd
	}
	a.header.httpErr, a.header.httpOK = nil, true
	if a.pollStatus {
		a.setStatus("", false)
		a.pollStatus = false
	}
	return cmd
}

// View lays out header, title bar, body and the bottom line.
func (a *App) View() tea.View {
	if !a.frameOK { // Bubble Tea asks after every message; draw only after a change
		a.frame, a.frameOK = a.render(), true
	}
	v := tea.NewView(a.frame)
	v.AltScreen = true
	v.WindowTitle = "warren"
	return v
}

func (a *App) render() string {
	if !a.sized {
		return "warren: starting…"
	}
	bw, bh := a.bodySize()
	var b strings.Builder
	b.WriteString(renderHeader(a.c, a.header, a.width))
	b.WriteByte('\n')
	b.WriteString(a.titleBar())
	b.WriteByte('\n')
	var body string
	switch {
	case a.mode == modeHelp:
		body = fitBox(a.renderHelp(bw, bh), bw, bh)
	case a.split():
		n := len(a.stack)
		tw, th := a.sizeOf(n - 2)
		pw, ph := a.sizeOf(n - 1)
		rule := a.c.th.Title.Render(" ▼ "+safe(a.top().title())+" ") + " " + a.c.th.TitleCount.Render(safe(a.top().status()))
		body = fitBox(a.stack[n-2].render(tw, th), tw, th) + "\n" + widget.Fit(rule, bw) + "\n" + fitBox(a.top().render(pw, ph), pw, ph)
	default:
		body = fitBox(a.top().render(bw, bh), bw, bh)
	}
	b.WriteString(body)
	b.WriteByte('\n')
	b.WriteString(a.bottomLine())
	return a.paint(b.String())
}

// titleBar shows the breadcrumbs of the stack and the top view's status.
// Titles name queues and messages, so they are escaped here, where they
// are drawn (views keep them raw: adminDone compares them).
func (a *App) titleBar() string {
	th := a.c.th
	crumbs := make([]string, len(a.stack))
	for i, v := range a.stack {
		crumbs[i] = safe(v.title())
	}
	left := th.Title.Render(" " + strings.Join(crumbs, " › ") + " ")
	right := th.TitleCount.Render(safe(a.top().status()))
	return widget.Fit(left+" "+right, a.width)
}

func (a *App) bottomLine() string {
	th := a.c.th
	switch a.mode {
	case modeCommand, modeFilter:
		prefix := ":"
		if a.mode == modeFilter {
			prefix = "/"
		}
		line := th.Prompt.Render(prefix) + a.input.View(th, max(a.width-2, 10))
		if len(a.matches) > 1 { // vhost and context names
			line += "  " + th.Suggestion.Render(safe(strings.Join(a.matches, " ")))
		}
		return widget.Fit(line, a.width)
	}
	if a.status != "" { // errors carry the broker's reasons and names
		if a.statusErr {
			return widget.Fit(th.StatusError.Render(safe(a.status)), a.width)
		}
		return widget.Fit(th.StatusInfo.Render(safe(a.status)), a.width)
	}
	return widget.Fit(th.Faint.Render(safe(a.hints())), a.width)
}

// fitBox pads or cuts s to exactly h lines and cuts lines wider than w: a
// long name (longer still escaped) must not widen the frame past the
// screen.
func fitBox(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}
