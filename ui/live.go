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
	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/ui/widget"
)

// liveKeys act in a live pane.
type liveKeys struct {
	Pause  binding
	Full   binding
	Save   binding
	Clear  binding
	Follow binding
}

func newLiveKeys() liveKeys {
	return liveKeys{
		Pause:  bind("space", "pause / resume", "space").hint("pause"),
		Full:   bind("f", "full screen / split", "f").hint("full screen"),
		Save:   bind("s", "save what the pane holds to JSON Lines", "s").hint("save"),
		Clear:  bind("c", "clear the pane and its counters", "c").hint("clear"),
		Follow: bind("F", "follow the newest row (moving the cursor stops following)", "F"),
	}
}

// liveSpec says what a pane watches; exactly one of the specs is used.
type liveSpec struct {
	kind paneKind
	tap  ops.TapSpec
	// ownTrace: warren turned tracing on for this pane, and turns it off
	// when the last such pane of the vhost closes.
	ownTrace bool
	tail     ops.TailSpec
	consume  ops.ConsumeSpec
}

func (s liveSpec) target() string {
	switch s.kind {
	case paneTap:
		return exchangeName(s.tap.Exchange)
	case paneTrace:
		return "trace of vhost " + s.tap.Vhost
	case paneTail:
		return s.tail.Queue
	case paneConsume:
		return s.consume.Queue
	}
	return s.kind.String()
}

func (s liveSpec) describe() string {
	switch s.kind {
	case paneTap:
		d := "tap " + exchangeName(s.tap.Exchange)
		if s.tap.Key != "" {
			d += " key " + s.tap.Key
		}
		if len(s.tap.Args) > 0 {
			d += " match " + argsInline(s.tap.Args)
		}
		return d
	case paneTail:
		return "tail " + s.tail.Queue + " from " + describeFrom(s.tail.From)
	case paneTrace:
		d := "trace vhost " + s.tap.Vhost
		if s.tap.Key != "#" && s.tap.Key != "" {
			d += " key " + s.tap.Key
		}
		return d
	}
	return fmt.Sprintf("consume %s (%s)", s.consume.Queue, s.consume.Mode)
}

// maxPaneRows bounds what a pane keeps: memory stays flat at any rate.
const maxPaneRows = 5000

// frameEvery is how often a pane takes its batch from the pump.
const frameEvery = 50 * time.Millisecond

// liveView is a tap, tail or consume pane. Deliveries reach it only
// through the feed's pump, one batch per frame, never one message each.
type liveView struct {
	c       *common
	viewID  int
	spec    liveSpec
	gen     int
	feed    LiveFeed
	err     error
	rows    []message.Message
	at      []time.Time
	cells   [][]string // each row rendered once, when it arrives
	gap     []bool     // the row marks a gap, not a message
	shown   []int      // indexes into rows that pass the filter
	filt    liveFilter
	tbl     widget.Table
	full    bool
	follow  bool
	stats   ops.PumpStats
	state   ops.LiveStatus
	exports func(path string, msgs []message.Message) error
}

type liveStartedMsg struct {
	view int
	gen  int
	feed LiveFeed
	err  error
}

type liveFrameMsg struct {
	view int
	gen  int
}

func newLiveView(c *common, spec liveSpec) *liveView {
	v := &liveView{c: c, viewID: nextViewID(), spec: spec, follow: true, exports: writeExport}
	v.filt, _ = parseLiveFilter("")
	v.tbl.Cols = []widget.Column{
		{Title: "TIME", Width: 12},
		{Title: "EXCHANGE", Width: 10, Flex: 1},
		{Title: "ROUTING KEY", Width: 12, Flex: 2},
		{Title: "SIZE", Width: 8, Right: true, Drop: 1},
		{Title: "TYPE", Width: 16, Drop: 2},
		{Title: "HEADERS", Width: 12, Flex: 2},
		{Title: "BODY", Width: 16, Flex: 4},
	}
	if spec.kind == paneTrace {
		v.tbl.Cols = traceColumns()
	}
	return v
}

func (v *liveView) id() int       { return v.viewID }
func (v *liveView) title() string { return v.spec.describe() }

func (v *liveView) status() string {
	if v.feed == nil {
		if v.err != nil {
			return "failed"
		}
		return "starting…"
	}
	s := fmt.Sprintf("%s received · %s/s", count(int64(v.stats.Received)), rate(v.stats.Rate, true))
	if v.stats.Dropped > 0 {
		s += fmt.Sprintf(" · %s dropped (the screen fell behind)", count(int64(v.stats.Dropped)))
	}
	if v.filt.expr != "" {
		s += fmt.Sprintf(" · filter %q: %d shown", v.filt.expr, len(v.shown))
	}
	switch {
	case v.feed.Paused():
		s += " · PAUSED"
	case v.state.State != ops.LiveRunning:
		s += " · " + v.state.State.String()
	}
	return s
}

// load starts the feed (once); frames re-arm themselves while it runs.
func (v *liveView) load() tea.Cmd {
	if v.feed != nil {
		return v.frame()
	}
	st := v.c.target.Streamer
	if st == nil {
		v.err = fmt.Errorf("no AMQP session: live panes need the AMQP connection")
		return nil
	}
	v.gen++
	id, gen, spec, timeout := v.viewID, v.gen, v.spec, v.c.opts.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		var feed LiveFeed
		var err error
		switch spec.kind {
		case paneTap, paneTrace:
			feed, err = st.Tap(ctx, spec.tap)
		case paneTail:
			feed, err = st.Tail(ctx, spec.tail)
		case paneConsume:
			feed, err = st.Consume(ctx, spec.consume)
		default:
			err = fmt.Errorf("a live pane of %s (a bug in warren)", spec.kind)
		}
		return liveStartedMsg{view: id, gen: gen, feed: feed, err: err}
	}
}

// relinked starts again a pane whose feed failed to start while the link
// was down; a running feed reconnects by itself.
func (v *liveView) relinked() tea.Cmd {
	// A consume that takes messages, or that was consented to once, is
	// not started again unasked.
	if v.feed != nil || v.err == nil || v.takes() || v.spec.consume.AcceptRisk {
		return nil
	}
	v.err = nil
	return v.load()
}

func (v *liveView) frame() tea.Cmd {
	id, gen := v.viewID, v.gen
	return v.c.tick(v.c.frame, func(time.Time) tea.Msg { return liveFrameMsg{view: id, gen: gen} })
}

// close stops the feed and removes its broker objects, off the UI thread.
func (v *liveView) close() tea.Cmd {
	closing := v.closeFeed()
	if v.spec.ownTrace {
		v.spec.ownTrace = false
		off := v.c.traceOff(v.spec.tap.Vhost)
		if off == nil {
			return closing
		}
		// One command, not a sequence: quitting runs each closer's
		// command itself and drops what it returns.
		return func() tea.Msg {
			if closing != nil {
				closing()
			}
			return off()
		}
	}
	return closing
}

// closeFeed stops the pane's feed, which removes its broker objects.
func (v *liveView) closeFeed() tea.Cmd {
	feed := v.feed
	v.feed = nil
	v.gen++ // orphans pending frames
	if feed == nil {
		return nil
	}
	return func() tea.Msg { _ = feed.Close(); return nil }
}

func (v *liveView) update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case liveStartedMsg:
		if m.gen != v.gen {
			if m.feed != nil {
				return func() tea.Msg { _ = m.feed.Close(); return nil }
			}
			return nil
		}
		if m.err != nil {
			v.err = m.err
			return statusCmd(v.spec.describe()+": "+m.err.Error(), true)
		}
		v.feed = m.feed
		return v.frame()
	case liveFrameMsg:
		if m.gen != v.gen || v.feed == nil {
			return nil
		}
		v.take()
		return v.frame()
	case tea.KeyPressMsg:
		return v.key(m)
	}
	return nil
}

// take drains one batch from the pump into the pane's bounded rows.
func (v *liveView) take() {
	// The state before the batch: rows pushed after a resumption come in
	// this batch, behind the gap the pane marks for a tap.
	st := v.feed.State()
	batch, _, _ := v.feed.Drain(maxPaneRows)
	v.stats = v.feed.Stats()
	gap := st.Resumed > v.state.Resumed && v.spec.kind == paneTap
	v.state = st
	if len(batch) == 0 && !gap {
		return
	}
	now := v.c.now()
	if gap {
		v.addRow(now, message.Message{}, true)
	}
	for _, m := range batch {
		v.addRow(now, m, false)
	}
	if over := len(v.rows) - maxPaneRows; over > 0 {
		v.rows = append([]message.Message(nil), v.rows[over:]...)
		v.at = append([]time.Time(nil), v.at[over:]...)
		v.cells = append([][]string(nil), v.cells[over:]...)
		v.gap = append([]bool(nil), v.gap[over:]...)
		kept := v.shown[:0]
		for _, i := range v.shown {
			if i >= over {
				kept = append(kept, i-over)
			}
		}
		v.shown = kept
	}
	v.renderRows()
}

// addRow appends a message, or the mark of a gap: a tap that came back
// after a lost link saw nothing published while it was away.
func (v *liveView) addRow(at time.Time, m message.Message, gap bool) {
	cells := liveRow(at, m)
	if v.spec.kind == paneTrace {
		cells = traceRow(at, m)
	}
	if gap {
		cells = []string{at.Format("15:04:05.000"), "── gap ──", "reconnected", "", "", "", "published meanwhile: unseen"}
	}
	v.rows, v.at, v.cells, v.gap = append(v.rows, m), append(v.at, at), append(v.cells, cells), append(v.gap, gap)
	if gap || v.filt.match(m) {
		v.shown = append(v.shown, len(v.rows)-1)
	}
}

// message is the message at a shown row; false for a gap mark.
func (v *liveView) message(j int) (message.Message, bool) {
	if j < 0 || j >= len(v.shown) || v.gap[v.shown[j]] {
		return message.Message{}, false
	}
	return v.rows[v.shown[j]], true
}

func (v *liveView) refilter() {
	v.shown = v.shown[:0]
	for i, m := range v.rows {
		if v.gap[i] || v.filt.match(m) {
			v.shown = append(v.shown, i)
		}
	}
	v.renderRows()
}

func (v *liveView) renderRows() {
	rows := make([][]string, len(v.shown))
	for j, i := range v.shown {
		rows[j] = v.cells[i]
	}
	cursor := v.tbl.Cursor
	v.tbl.SetRows(rows)
	if v.follow {
		v.tbl.Bottom()
	} else {
		v.tbl.Cursor = cursor
		v.tbl.Clamp()
	}
}

// liveRow is the pure renderer of one pane row.
func liveRow(at time.Time, m message.Message) []string {
	return []string{
		at.Format("15:04:05.000"), exchangeName(m.Exchange), m.RoutingKey, bytesIEC(int64(m.Size())),
		m.Properties.ContentType, keyHeaders(m.Headers), message.Preview(m, 80),
	}
}

// keyHeaders shows the first few application headers (x- ones are the
// broker's) as k=v.
func keyHeaders(h map[string]any) string {
	var parts []string
	for _, k := range sortedKeys(h) {
		if strings.HasPrefix(k, "x-") {
			continue
		}
		parts = append(parts, k+"="+message.FormatValue(h[k]))
		if len(parts) == 3 {
			break
		}
	}
	return strings.Join(parts, " ")
}

func (v *liveView) filter() string { return v.filt.expr }

func (v *liveView) setFilter(expr string) tea.Cmd {
	f, err := parseLiveFilter(expr)
	if err != nil {
		return statusCmd(err.Error(), true)
	}
	v.filt = f
	v.refilter()
	return nil
}

func (v *liveView) key(m tea.KeyPressMsg) tea.Cmd {
	tk, lk := v.c.keys.Table, v.c.keys.Live
	switch {
	case matches(m, lk.Pause):
		if v.feed == nil {
			return nil
		}
		if v.feed.Paused() {
			v.feed.Resume()
		} else {
			v.feed.Pause()
		}
	case matches(m, lk.Full):
		v.full = !v.full
		return func() tea.Msg { return relayoutMsg{} }
	case matches(m, lk.Clear):
		v.rows, v.at, v.cells, v.gap, v.shown = nil, nil, nil, nil, nil
		// A consume that takes messages settles what the pump gave out:
		// clearing the pump would take ones the pane never showed.
		if v.feed != nil && !v.takes() {
			v.feed.Clear()
			v.stats = v.feed.Stats()
		}
		v.renderRows()
	case matches(m, lk.Save):
		return v.save()
	case matches(m, lk.Follow):
		v.follow = true
		v.tbl.Bottom()
	case key.Matches(m, tk.Up):
		v.follow = false
		v.tbl.Move(-1)
	case key.Matches(m, tk.Down):
		v.tbl.Move(1)
		v.follow = v.tbl.AtBottom()
	case key.Matches(m, tk.PageUp):
		v.follow = false
		v.tbl.Move(-v.tbl.Height)
	case key.Matches(m, tk.PageDown):
		v.tbl.Move(v.tbl.Height)
	case key.Matches(m, tk.Top):
		v.follow = false
		v.tbl.Top()
	case key.Matches(m, tk.Bottom):
		v.follow = true
		v.tbl.Bottom()
	case key.Matches(m, tk.Open):
		if msg, ok := v.message(v.tbl.Cursor); ok {
			v.follow = false
			removable := v.removable()
			return func() tea.Msg { return openMsg{kind: kindMessage, msg: &msg, removable: removable} }
		}
	}
	return nil
}

func (v *liveView) save() tea.Cmd {
	var msgs []message.Message
	for _, i := range v.shown {
		if !v.gap[i] {
			msgs = append(msgs, v.rows[i])
		}
	}
	if len(msgs) == 0 {
		return statusCmd("nothing to save yet", true)
	}
	path := exportPath(v.spec.kind.String()+"-"+v.spec.target(), v.c.now())
	write := v.exports
	return func() tea.Msg {
		if err := write(path, msgs); err != nil {
			return statusMsg{text: "save failed: " + err.Error(), err: true}
		}
		return statusMsg{text: fmt.Sprintf("saved %d messages to %s", len(msgs), path)}
	}
}

func (v *liveView) setSize(w, h int) tea.Cmd {
	v.tbl.SetSize(w, h-1) // the column header
	if v.follow {
		v.tbl.Bottom()
	}
	return nil
}

func (v *liveView) render(w, h int) string {
	th := v.c.th
	if v.feed == nil {
		if v.err != nil {
			return ansi.Wordwrap(th.Error.Render(safe(v.spec.describe()+": "+v.err.Error())), max(w, 1), " ")
		}
		return th.Faint.Render("starting " + safe(v.spec.describe()) + "…")
	}
	var head string
	switch v.state.State {
	case ops.LiveReconnecting, ops.LiveFailed:
		msg := v.state.State.String()
		if v.state.Err != nil {
			msg += ": " + safe(v.state.Err.Error())
		}
		head = th.Warn.Render(msg)
	case ops.LiveDone:
		head = th.Accent.Render(safe(v.state.Note))
	default:
		return v.tbl.Render(th, "", false)
	}
	return v.tbl.RenderBelow(th, head, w, h) // what happened is never cut
}

func (v *liveView) keys() keyScope {
	lk, g := v.c.keys.Live, v.c.keys.Global
	return scopeOf("Move", append(v.c.keys.Table.moves(), v.c.keys.Table.open("inspect the message").hint("inspect"))...).
		with("Live pane", lk.Pause, g.Filter.about("filter the rows: text, rk:order.*, h:name=value, json:a.b=value"), lk.Save, lk.Clear, lk.Full, lk.Follow,
			g.Back.about("clear the filter, or close the pane").hint("close")).
		with("The selected message", v.c.keys.Write.Republish)
}

// relayoutMsg asks the App to size its views again (the pane went full
// screen or back).
type relayoutMsg struct{}

// restart closes the feed and starts the pane again with another spec.
func (v *liveView) restart(spec liveSpec) tea.Cmd {
	closing := v.closeFeed() // a trace pane keeps tracing on
	v.spec, v.err = spec, nil
	v.state, v.stats = ops.LiveStatus{}, ops.PumpStats{} // a new feed counts from zero
	v.rows, v.at, v.cells, v.gap, v.shown = nil, nil, nil, nil, nil
	v.renderRows()
	return tea.Batch(closing, v.load())
}

// rebind restarts a tap with a binding key, or with header-match
// arguments when the argument has k=v pairs.
func (v *liveView) rebind(arg string) tea.Cmd {
	spec := v.spec
	spec.tap.Key, spec.tap.Args = "", nil
	if strings.Contains(arg, "=") {
		spec.tap.Args = map[string]any{}
		for _, kv := range strings.Split(arg, ",") {
			k, val, _ := strings.Cut(strings.TrimSpace(kv), "=")
			if k != "" {
				spec.tap.Args[k] = val
			}
		}
	} else {
		spec.tap.Key = strings.TrimSpace(arg)
	}
	return v.restart(spec)
}

// takes: a consume that acks or rejects takes messages off the queue.
func (v *liveView) takes() bool {
	return v.spec.kind == paneConsume && v.spec.consume.Mode != ops.ConsumeNackRequeue
}

// removable: only a consume pane that requeues leaves its messages in the
// queue; a tap's copies and a stream's entries cannot be removed.
func (v *liveView) removable() bool {
	return v.spec.kind == paneConsume && v.spec.consume.Mode == ops.ConsumeNackRequeue
}

// selectedMessage makes the pane a messageSelector, for r.
func (v *liveView) selectedMessage() (message.Message, bool, bool) {
	if m, ok := v.message(v.tbl.Cursor); ok {
		return m, v.removable(), true
	}
	return message.Message{}, false, false
}
