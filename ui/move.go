package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/ui/widget"
)

// Mover moves messages out of a queue, and imports a file's messages, with
// confirms; *broker.Session satisfies it.
type Mover interface {
	Move(ctx context.Context, req ops.MoveRequest, progress func(ops.MoveProgress)) (ops.MoveResult, error)
	Import(ctx context.Context, req ops.ImportRequest, next func() (message.Message, error), progress func(done int)) (ops.ImportResult, error)
}

// moveKeys choose where a move (or an import) sends the messages; every
// choice leads to a write.
type moveKeys struct {
	Origin   binding
	Via      binding
	Queue    binding
	Exchange binding
	Shovel   binding
	// Start starts a move from its target form (on its last field) or
	// from the question a whole-queue move asks.
	Start binding
	Yes   binding
}

func newMoveKeys() moveKeys {
	return moveKeys{
		Origin:   bind("enter", "return to origin: each dead letter to the queue it died in", "enter").write().hint("return to origin"),
		Via:      bind("x", "re-route via the original exchange and keys (reaches every bound queue)", "x").write().hint("via exchange"),
		Queue:    bind("a", "to another queue (asks its name)", "a").write().hint("to a queue"),
		Exchange: bind("e", "to an exchange with a routing key (asks both)", "e").write().hint("to an exchange"),
		Shovel: bind("s", "by the broker: a shovel to another queue "+
			"(a whole queue; it keeps going if warren exits)", "s").write().hint("by the broker"),
		Start: bind("enter", "next field; on the last one: start the move", "enter").write().hint("start"),
		Yes:   bind("y", "start the move", "y", "Y").write().hint("start the move"),
	}
}

// moveState is shared between the running move and the view: the move's
// goroutine writes progress, the view reads it on its ticks.
type moveState struct {
	mu       sync.Mutex
	progress ops.MoveProgress
	blocked  string // why the broker blocks publishing now; "" when it does not
}

// block hears the broker block (an alarm) and unblock the move's publisher.
func (s *moveState) block(blocked bool, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked = ""
	if blocked {
		s.blocked = cmp.Or(reason, "a resource alarm")
	}
}

func (s *moveState) blockedBy() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.blocked
}

func (s *moveState) set(p ops.MoveProgress) { s.mu.Lock(); s.progress = p; s.mu.Unlock() }
func (s *moveState) get() ops.MoveProgress {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.progress
}

// importSource is the file an import reads: read through once to check
// it and count its messages, then again while publishing.
type importSource struct {
	path    string
	scanned bool
	count   int
	err     error
	stop    context.CancelFunc // ends the first read
}

// moveView asks where to move a queue's messages (all, or the ones marked
// in its peek), or a file's, returning dead letters to their origin by
// default, so m then enter does the common thing; it shows progress and
// ends with what happened to every message.
type moveView struct {
	c      *common
	viewID int
	vhost  string
	queue  string            // the source queue; "" for an import
	qtype  string            // the source's type, as listed; "" when unknown
	only   []message.Message // move only these (marked in the peek)
	imp    *importSource     // an import's file
	target *widget.Form      // asking for a queue or an exchange
	pick   ops.MoveTarget    // what target asks for
	shovel bool              // the broker moves them: a shovel (shovel_move.go)
	req    ops.MoveRequest
	state  *moveState
	cancel context.CancelFunc
	done   bool
	result ops.MoveResult
	impRes *ops.ImportResult
	total  int // an import's message count, for its summary
	err    error
	// asking is a whole-queue move waiting for its y; depth is what the
	// question counts (see move_confirm.go).
	asking *ops.MoveRequest
	depth  queueDepth
}

type moveTickMsg struct{ view int }

type moveDoneMsg struct {
	view   int
	queue  string
	result ops.MoveResult
	imp    *ops.ImportResult
	total  int // an import's message count
	err    error
}

// importLoadedMsg brings what the first read of an import's file found,
// read off the UI thread.
type importLoadedMsg struct {
	view int
	sum  exportSummary
	err  error
}

func newMoveView(c *common, vhost, queue, qtype string, only []message.Message) *moveView {
	return &moveView{c: c, viewID: nextViewID(), vhost: vhost, queue: queue, qtype: qtype, only: only}
}

// newImportView publishes a JSON Lines export's messages, to their origin
// by default. The vhost is the lists' one, else the one the file records.
func newImportView(c *common, path string) *moveView {
	return &moveView{c: c, viewID: nextViewID(), vhost: c.target.Vhost, imp: &importSource{path: path}}
}

func (v *moveView) id() int { return v.viewID }
func (v *moveView) title() string {
	if v.imp != nil {
		return "import " + v.imp.path
	}
	return "move " + v.queue
}
func (v *moveView) setSize(w, h int) tea.Cmd { return nil }
func (v *moveView) typing() bool {
	return (v.target != nil || v.asking != nil) && v.state == nil
}
func (v *moveView) keys() keyScope {
	k, g := v.c.keys.Move, v.c.keys.Global
	switch {
	case v.state != nil && !v.done:
		return scopeOf("Move", g.Back.about("cancel: what is not moved yet stays in the source").hint("cancel"))
	case v.done:
		return keyScope{}
	case v.asking != nil:
		return scopeOf("Move", k.Yes, g.Back.about("back to the choices (any other key too)").hint("back"))
	case v.target != nil:
		return v.c.formScope("Move", k.Start, from(v.c.keys.Form.Submit).about("start the move").write().hint("start"),
			g.Back.about("cancel the move").hint("cancel"))
	}
	return scopeOf("Move to", k.Origin, k.Via, k.Queue, k.Exchange, k.Shovel, g.Back.about("cancel").hint("cancel"))
}

func (v *moveView) load() tea.Cmd {
	if v.wholeQueue() {
		return v.loadDepth()
	}
	if v.imp == nil || v.imp.scanned || v.imp.err != nil || v.imp.stop != nil {
		return nil
	}
	path, id := v.imp.path, v.viewID
	ctx, stop := context.WithCancel(context.Background())
	v.imp.stop = stop
	return func() tea.Msg {
		sum, err := scanExport(ctx, path)
		return importLoadedMsg{view: id, sum: sum, err: err}
	}
}

func (v *moveView) status() string {
	switch {
	case v.done:
		return "done"
	case v.state != nil:
		return "moving… (esc cancels; unmoved messages stay in the source)"
	}
	return "choose where the messages go, or esc"
}

func (v *moveView) update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tea.KeyPressMsg:
		if v.state != nil {
			return nil
		}
		if v.asking != nil {
			return v.answer(m)
		}
		if v.target != nil {
			return v.targetKey(m)
		}
		k := v.c.keys.Move
		switch {
		case matches(m, k.Origin):
			return v.begin(ops.MoveRequest{Target: ops.ReturnToOrigin})
		case matches(m, k.Via):
			return v.begin(ops.MoveRequest{Target: ops.ReturnViaExchange})
		case matches(m, k.Queue):
			v.pick, v.target = ops.ToQueue, widget.NewForm(widget.TextF("queue", "target queue", "", "sent through the default exchange"))
		case matches(m, k.Exchange):
			v.pick, v.target = ops.ToExchange, widget.NewForm(widget.TextF("exchange", "exchange", "", "blank: the default exchange"), widget.TextF("routing_key", "routing key", "", ""))
		case matches(m, k.Shovel):
			if why := v.noShovel(); why != "" {
				return statusCmd(why, true)
			}
			v.shovel, v.pick = true, ops.ToQueue
			v.target = widget.NewForm(widget.TextF("queue", "target queue", "", "must exist; the broker moves every message"))
		}
	case tea.PasteMsg:
		if v.target != nil {
			v.target.Paste(m.Content)
		}
	case importLoadedMsg:
		v.imp.scanned, v.imp.count, v.imp.err = true, m.sum.count, m.err
		if m.err != nil { // say why and go: no target menu for a file that cannot be imported
			id := v.viewID
			return tea.Batch(func() tea.Msg { return popMsg{view: id} }, statusCmd("cannot import: "+m.err.Error(), true))
		}
		if v.vhost == "" {
			v.vhost = m.sum.vhost
		}
		if v.vhost == "" {
			v.vhost = "/"
		}
	case moveDepthMsg:
		v.depth = queueDepth{known: m.err == nil, ready: m.ready, err: m.err}
	case moveTickMsg:
		if v.done {
			return nil
		}
		return v.tick()
	case moveDoneMsg:
		v.done, v.result, v.impRes, v.err = true, m.result, m.imp, m.err
		v.total = m.total
		v.cancel = nil
		return moveSummary(v.title(), m)
	}
	return nil
}

// targetKey edits the queue or exchange target; enter on the last field
// (or ctrl+s) starts.
func (v *moveView) targetKey(m tea.KeyPressMsg) tea.Cmd {
	f := v.target
	last := f.Focus == len(f.Fields)-1
	if !key.Matches(m, v.c.keys.Form.Submit) && !(matches(m, v.c.keys.Move.Start) && last) {
		f.Key(m, v.c.keys.Form.Next, v.c.keys.Form.Prev)
		return nil
	}
	req := ops.MoveRequest{Target: v.pick}
	if v.pick == ops.ToQueue {
		req.TargetQueue = f.Text("queue")
		if req.TargetQueue == "" {
			return statusCmd("name the target queue", true)
		}
		if req.TargetQueue == v.queue {
			return statusCmd("the target is the source queue", true)
		}
	} else {
		req.Exchange, req.RoutingKey = f.Text("exchange"), f.Get("routing_key").Value()
		if req.Exchange == "" && req.RoutingKey == "" {
			return statusCmd("the default exchange needs a queue name as the routing key", true)
		}
		if req.Exchange == "" && req.RoutingKey == v.queue && v.imp == nil {
			return statusCmd("the target is the source queue", true)
		}
	}
	return v.begin(req)
}

func (v *moveView) tick() tea.Cmd {
	id := v.viewID
	return v.c.tick(200*time.Millisecond, func(time.Time) tea.Msg { return moveTickMsg{view: id} })
}

// start runs the move (or import) in a command; progress is read back on
// ticks.
func (v *moveView) start(req ops.MoveRequest) tea.Cmd {
	mv := v.c.target.Mover
	if mv == nil {
		return statusCmd("no AMQP session: moving needs the AMQP connection", true)
	}
	if v.imp != nil && v.imp.err != nil {
		return statusCmd("cannot import: "+v.imp.err.Error(), true)
	}
	if v.imp != nil && !v.imp.scanned {
		return statusCmd("the file is not read yet", true)
	}
	req.Vhost, req.Queue, req.QueueType = v.vhost, v.queue, v.qtype
	for _, m := range v.only {
		req.Only = append(req.Only, message.Fingerprint(m))
	}
	v.state = &moveState{}
	req.OnBlocked = v.state.block
	v.req = req
	ctx, cancel := context.WithCancel(context.Background())
	v.cancel = cancel
	state, id, title := v.state, v.viewID, v.title()
	src, version, timeout := v.c.target.Source, v.c.rabbitVersion, v.c.opts.Timeout
	run := func() tea.Msg {
		req := req
		if src != nil && req.Queue != "" {
			// The type and delivery limit as the broker has them now: a
			// quorum move keeps what a requeue would push past the limit.
			lctx, lcancel := context.WithTimeout(ctx, timeout)
			q, err := src.Queue(lctx, req.Vhost, req.Queue)
			lcancel()
			if err == nil {
				if q.Type != "" {
					req.QueueType = q.Type
				}
				req.DeliveryLimit = deliveryLimit(q, version)
			}
		}
		res, err := mv.Move(ctx, req, state.set)
		return moveDoneMsg{view: id, queue: title, result: res, err: err}
	}
	if v.shovel {
		run = v.shovelRun(ctx, req)
	}
	if v.imp != nil {
		path, total := v.imp.path, v.imp.count
		ireq := ops.ImportRequest{Vhost: req.Vhost, Target: req.Target, TargetQueue: req.TargetQueue, Exchange: req.Exchange, RoutingKey: req.RoutingKey,
			OnBlocked: state.block}
		run = func() tea.Msg {
			file, err := openExport(path)
			if err != nil {
				return moveDoneMsg{view: id, queue: title, imp: &ops.ImportResult{}, total: total, err: err}
			}
			defer file.Close()
			start := time.Now()
			res, err := mv.Import(ctx, ireq, file.next, func(done int) {
				el := time.Since(start)
				state.set(ops.MoveProgress{Total: total, Taken: done, Moved: done, Elapsed: el, Rate: float64(done) / max(el.Seconds(), 1e-3)})
			})
			return moveDoneMsg{view: id, queue: title, imp: &res, total: total, err: err}
		}
	}
	return tea.Batch(run, v.tick())
}

// close cancels a running move: the broker package settles what is in
// flight and leaves every unmoved message in the source.
func (v *moveView) close() tea.Cmd {
	if v.imp != nil && v.imp.stop != nil {
		v.imp.stop()
	}
	if v.cancel != nil {
		v.cancel()
		v.cancel = nil
	}
	return nil
}

// what says which messages go.
func (v *moveView) what() string {
	switch {
	case v.imp != nil && v.imp.err != nil:
		return "the file " + v.imp.path
	case v.imp != nil && !v.imp.scanned:
		return "the messages of " + v.imp.path + " (reading…)"
	case v.imp != nil:
		return fmt.Sprintf("the %d messages of %s into vhost %s", v.imp.count, v.imp.path, v.vhost)
	case len(v.only) > 0:
		return fmt.Sprintf("the %d marked messages of %s (vhost %s); the others stay in place, in order (on a quorum queue, those met on the way get their delivery count raised)", len(v.only), v.queue, v.vhost)
	}
	return "ALL the messages of " + v.queue + " (vhost " + v.vhost + "; mark some in its peek to move only those)"
}

func (v *moveView) render(w, h int) string {
	th := v.c.th
	var b strings.Builder
	if v.asking != nil && v.state == nil {
		return v.renderQuestion(w)
	}
	if v.state == nil {
		verb := "Move "
		if v.imp != nil {
			verb = "Publish "
		}
		b.WriteString(th.Section.Render(verb+safe(v.what())) + "\n\n")
		if v.imp != nil && v.imp.err != nil {
			b.WriteString(th.Error.Render("cannot import: "+safe(v.imp.err.Error())) + "\n")
			return b.String()
		}
		if v.imp != nil && !v.imp.scanned {
			b.WriteString(th.Faint.Render("checking every line before anything is published; esc cancels") + "\n")
			return b.String()
		}
		if v.target != nil {
			b.WriteString(strings.Join(v.target.Render(th, w, 4), "\n") + "\n\n")
			b.WriteString(v.c.keyLine(v.keys().bindings()[:3]...) + "\n\n") // enter, ctrl+s, esc
		} else {
			for _, bd := range v.keys().bindings() { // the choices, and esc
				b.WriteString("  " + th.HelpKey.Render(widget.Cell(bd.Help().Key, 6, false)) + bd.Help().Desc + "\n")
			}
			b.WriteString("\n")
		}
		if v.imp != nil {
			b.WriteString(th.Faint.Render("Each message is published with confirms and mandatory. The summary lists the lines that did not\n" +
				"reach a queue (unroutable, nacked, in doubt, or without an origin); the file is left untouched."))
		} else {
			b.WriteString(th.Faint.Render("Each copy is published with confirms; a source message is acked only after its copy is confirmed and\n" +
				"not returned. Anything returned, nacked or in doubt stays in the source. A message with no x-death\n" +
				"(no origin) is left in place and counted. On a quorum queue each message left in place gets its\n" +
				"delivery count raised by 1; one already at the delivery limit is copied to the tail instead."))
		}
		return b.String()
	}
	if v.done && errors.Is(v.err, ops.ErrNoTargetQueue) { // refused before anything moved: no bar, no counts
		b.WriteString(th.Section.Render(safe(targetLabel(v.req))) + "\n\n  " + th.Error.Render(safe(v.err.Error())) + "\n")
		return b.String()
	}
	p := v.shownProgress()
	total := max(p.Total, 1)
	width := max(min(w-20, 80), 10)
	filled := min(width*p.Moved/total, width)
	bar := th.OK.Render(strings.Repeat("█", filled)) + th.Faint.Render(strings.Repeat("░", width-filled))
	where := v.queue
	if v.imp != nil {
		where = v.imp.path
	}
	label := targetLabel(v.req)
	if v.shovel {
		label = "by the broker (a shovel), " + label
	}
	b.WriteString(th.Section.Render(safe(label+" · "+where)) + "\n\n")
	b.WriteString(fmt.Sprintf("  %s %d / %d\n\n", bar, p.Moved, p.Total))
	eta := "-"
	if p.Rate > 0 && p.Total > p.Moved {
		eta = (time.Duration(float64(p.Total-p.Moved)/p.Rate) * time.Second).Round(time.Second).String()
	}
	line := fmt.Sprintf("  %s msg/s   elapsed %s   ETA %s   failed so far %d", rate(p.Rate, true), p.Elapsed.Round(100*time.Millisecond), eta, p.Failed-p.NoOrigin)
	if p.NoOrigin > 0 {
		line += fmt.Sprintf("   no origin, left in place %d", p.NoOrigin)
	}
	b.WriteString(line + "\n")
	if why := v.state.blockedBy(); why != "" && !v.done {
		b.WriteString("\n  " + th.Warn.Render("blocked by the broker ("+safe(why)+"): the move waits until the alarm clears, losing nothing; esc stops it and says what it did") + "\n")
	}
	if v.done {
		// A summary is never cut: it wraps to the screen.
		b.WriteString("\n" + th.Section.Render("SUMMARY") + "\n" +
			indented(summaryText(moveDoneMsg{result: v.result, imp: v.impRes, total: v.total}), w, nil) + "\n")
		if v.err != nil {
			b.WriteString(indented(safe(moveErrText(v.err)), w, th.Error.Render) + "\n")
		}
	}
	return b.String()
}

// targetLabel names where a move goes.
func targetLabel(r ops.MoveRequest) string {
	switch r.Target {
	case ops.ToQueue:
		return "to queue " + r.TargetQueue
	case ops.ToExchange:
		return "to " + describeRoute(r.Exchange, r.RoutingKey)
	}
	return r.Target.String()
}

// summaryText counts what happened to every message.
func summaryText(m moveDoneMsg) string {
	if r := m.imp; r != nil {
		s := fmt.Sprintf("published %d · not published %d (unroutable %d, nacked %d, in doubt %d, no origin %d) · took %s",
			r.Published, len(r.NotPublished), r.Unroutable, r.Nacked, r.InDoubt, r.NoOrigin, r.Took.Round(time.Millisecond))
		if n := len(r.NotPublished); n > 0 {
			lines := make([]string, 0, min(n, 10))
			for _, i := range r.NotPublished[:min(n, 10)] {
				lines = append(lines, fmt.Sprint(i+1))
			}
			more := ""
			if n > 10 {
				more = fmt.Sprintf(" and %d more", n-10)
			}
			s += " · lines not published: " + strings.Join(lines, ", ") + more
		}
		if m.total > r.Read {
			s += fmt.Sprintf(" · stopped after %d of %d: the rest were not published", r.Read, m.total)
		}
		return s
	}
	r := m.result
	s := fmt.Sprintf("moved %d · returned to the source %d (unroutable %d, nacked %d, in doubt %d, no origin %d) · may exist twice %d",
		r.Moved, r.ReturnedToSource, r.Unroutable, r.Nacked, r.InDoubt, r.NoOrigin, r.DuplicateRisk)
	if r.Reconciled > 0 {
		s += fmt.Sprintf(" (%d moved ones the broker had put back were found in the source and removed there)", r.Reconciled)
	}
	if m.err != nil && !errors.Is(m.err, context.Canceled) && !errors.Is(m.err, ops.ErrUndecodable) {
		// What no client can count: a broker that died may have lost acks
		// it had already read, leaving more copies than any count here.
		s += " (or more, if the broker itself crashed: it can lose acks it had already read)"
	}
	if r.Skipped > 0 || r.NotFound > 0 {
		s += fmt.Sprintf(" · unmarked left in place %d · marked not found %d", r.Skipped, r.NotFound)
	}
	return s + requeueText(r) + " · took " + r.Took.Round(time.Millisecond).String()
}

// requeueText says what went back to the source by a requeue, and what
// that cost a quorum queue's messages.
func requeueText(r ops.MoveResult) string {
	var s string
	if r.Requeued > 0 || r.RequeuedUnseen > 0 {
		s = fmt.Sprintf(" · requeued %d", r.Requeued)
		if r.RequeuedUnseen > 0 {
			s += fmt.Sprintf(" (and up to %d checked out but never delivered)", r.RequeuedUnseen)
		}
		if r.QueueType == ops.QueueQuorum {
			s += ", each one's delivery count +1"
			if r.DeliveryLimit >= 0 {
				s += fmt.Sprintf(" (limit %d)", r.DeliveryLimit)
			}
		}
		if r.Reordered {
			s += ", not back in their old places"
		}
	}
	if r.ToTail > 0 {
		s += fmt.Sprintf(" · at the delivery limit, so copied to the tail of the source instead %d", r.ToTail)
	}
	if r.OverLimit > 0 {
		s += fmt.Sprintf(" · requeued past the delivery limit %d (the broker dropped or dead-lettered them)", r.OverLimit)
	}
	return s
}

// moveSummary is the status line a finished (or cancelled) move leaves.
// moveErrText says why a move ended early; a cancel is the person's own
// stop, not a failure.
func moveErrText(err error) string {
	if errors.Is(err, context.Canceled) {
		return "stopped before the end: what was not moved stayed in the source"
	}
	return err.Error()
}

func moveSummary(title string, m moveDoneMsg) tea.Cmd {
	if errors.Is(m.err, ops.ErrNoTargetQueue) {
		return statusCmd(title+": "+m.err.Error(), true)
	}
	text := title + ": " + summaryText(m)
	if m.err != nil {
		return statusCmd(text+": "+moveErrText(m.err), true)
	}
	return statusCmd(text, false)
}

// indented wraps plain text to width w, two cells in, each line styled
// by render (nil: plain).
func indented(text string, w int, render func(...string) string) string {
	lines := strings.Split(ansi.Wrap(text, max(w-2, 10), ""), "\n")
	for i, l := range lines {
		if render != nil {
			l = render(l)
		}
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n")
}
