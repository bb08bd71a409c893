package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui/widget"
)

// Peeker is what the UI needs of the AMQP side to look inside a queue.
// *broker.Session satisfies it.
type Peeker interface {
	Peek(ctx context.Context, req ops.PeekRequest) (ops.PeekResult, error)
}

// peekKeys act in the peek list.
type peekKeys struct {
	More    binding
	Mark    binding
	Export  binding
	Confirm binding
}

func newPeekKeys() peekKeys {
	return peekKeys{
		More:    bind("n", "peek 50 more, below those shown", "n").hint("more"),
		Mark:    bind("space", "mark / unmark the message", "space").hint("mark"),
		Export:  bind("e", "export marked (or all) to a JSON Lines file", "e").hint("export"),
		Confirm: bind("y", "peek anyway, accepting the delivery-limit risk", "y").hint("peek anyway"),
	}
}

// peekView is the message list of one peek. Peeking is an action, never a
// poll: it runs on open, on ctrl+r and on n.
type peekView struct {
	c      *common
	vhost  string
	name   string
	viewID int
	gen    int
	// listedType is the queue's type from the list it was opened from.
	listedType string
	req        ops.PeekRequest
	start      ops.StreamFrom // where a stream peek starts; n reads on from there
	msgs       []message.Message
	marked     map[int]bool
	tbl        widget.Table
	busy       bool
	risk       *peekRisk // set while asking to confirm
	err        error
	result     ops.PeekResult
	// readAt is when the messages shown were read; kept sets when going
	// back showed them without reading again.
	readAt time.Time
	kept   bool
	// countsStale: something charged the messages shown since they were
	// read (see chargedElsewhere).
	countsStale bool
	queue       mgmt.QueueDetail
	exports     func(path string, msgs []message.Message) error
}

// peekedMsg brings a peek's result, with the queue's detail it was based on.
type peekedMsg struct {
	view  int
	gen   int
	queue mgmt.QueueDetail
	res   ops.PeekResult
	req   ops.PeekRequest
	err   error
	// apiErr: the management API did not answer, and the peek went on
	// with the type the list showed.
	apiErr error
}

// newPeekView peeks a queue; qtype is its type as the list showed it ("" if
// unknown), used when the management API cannot be asked.
func newPeekView(c *common, vhost, name, qtype string) *peekView {
	v := &peekView{c: c, vhost: vhost, name: name, listedType: qtype, viewID: nextViewID(), marked: map[int]bool{}, exports: writeExport}
	v.req = ops.PeekRequest{Vhost: vhost, Queue: name, Count: ops.DefaultPeekCount}
	v.tbl.Cols = []widget.Column{
		{Title: "#", Width: 3, Right: true},
		{Title: "MESSAGE ID", Width: 8, Flex: 1},
		{Title: "EXCHANGE", Width: 8, Flex: 1},
		{Title: "ROUTING KEY", Width: 11, Flex: 2, Fit: 32},
		{Title: "TYPE", Width: 16, Drop: 3},
		{Title: "SIZE", Width: 7, Right: true, Drop: 1},
		{Title: "TIMESTAMP", Width: 14, Drop: 2},
		{Title: "RE", Width: 3},
		{Title: "DLV", Width: 3, Right: true},
		{Title: "DEAD-LETTERED", Width: 14, Flex: 5},
		{Title: "BODY", Width: 12, Flex: 4},
	}
	return v
}

func (v *peekView) id() int       { return v.viewID }
func (v *peekView) title() string { return "peek " + v.name }

func (v *peekView) status() string {
	switch {
	case v.busy:
		return "peeking…"
	case v.risk != nil:
		return "waiting for your confirmation"
	case len(v.msgs) == 0 && v.err == nil:
		return fmt.Sprintf("vhost %s · no messages", v.vhost)
	case len(v.msgs) == 0:
		return fmt.Sprintf("vhost %s · not read", v.vhost)
	}
	s := fmt.Sprintf("vhost %s · %s · %d messages", v.vhost, v.result.QueueType, len(v.msgs))
	if v.req.DeliveryLimit >= 0 && v.result.QueueType == ops.QueueQuorum {
		s += fmt.Sprintf(" · delivery limit %d", v.req.DeliveryLimit)
	}
	if v.result.QueueType == ops.QueueStream {
		s += " · from " + describeFrom(v.start) + " (:from changes it)"
	}
	if n := len(v.marked); n > 0 {
		s += fmt.Sprintf(" · %d marked", n)
	}
	return s
}

// peek asks for the queue's type and limit, then peeks, in one command.
// accept is the person's consent to raising delivery counts for this one
// read; it is never carried over to the next.
func (v *peekView) peek(req ops.PeekRequest, accept bool) tea.Cmd {
	v.gen++
	v.busy, v.err = true, nil
	req.AcceptRisk = accept
	src, pk, version, timeout := v.c.target.Source, v.c.target.Peeker, v.c.rabbitVersion, v.c.opts.Timeout
	id, gen, listed := v.viewID, v.gen, v.listedType
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		out := peekedMsg{view: id, gen: gen, req: req}
		if pk == nil {
			out.err = errors.New("no AMQP session: peeking needs the AMQP connection")
			return out
		}
		q, err := src.Queue(ctx, req.Vhost, req.Queue)
		switch {
		case err == nil:
		case listed == ops.QueueClassic || listed == ops.QueueStream:
			// Without the API a classic queue or a stream is still safe
			// to read as the list said it was; a quorum queue's limit
			// is unknown.
			q = mgmt.QueueDetail{Queue: mgmt.Queue{Vhost: req.Vhost, Name: req.Queue, Type: listed}}
			out.apiErr = err
		case listed == ops.QueueQuorum:
			out.err = fmt.Errorf("cannot read the delivery limit of quorum queue %q, so warren does not peek it: %w", req.Queue, err)
			return out
		default:
			out.err = err
			return out
		}
		out.queue = q
		shown := req
		req.Type = q.Type
		req.DeliveryLimit = deliveryLimit(q, version)
		req.RequeueFree = !ops.RequeueCounts(version)
		req.TypeUnchecked = out.apiErr != nil // the broker checks a classic type itself
		if accept && (req.Type != shown.Type || req.DeliveryLimit != shown.DeliveryLimit || req.RequeueFree != shown.RequeueFree) {
			req.AcceptRisk = false // the queue changed since the question: ask again
		}
		out.req = req
		out.res, out.err = pk.Peek(ctx, req)
		return out
	}
}

// deliveryLimit is the quorum queue's effective delivery limit, as the
// broker works it out: from the x-delivery-limit argument and the policy's
// delivery-limit, the larger when either is negative (no limit), else the
// smaller; from one of them alone; else the broker's default for its
// version. -1 means no limit.
func deliveryLimit(q mgmt.QueueDetail, version string) int {
	if q.Type != ops.QueueQuorum {
		return -1
	}
	arg, hasArg := q.Arguments["x-delivery-limit"].(float64)
	pol, hasPol := q.EffectivePolicy["delivery-limit"].(float64)
	switch {
	case hasArg && hasPol && (arg < 0 || pol < 0):
		return int(max(arg, pol))
	case hasArg && hasPol:
		return int(min(arg, pol))
	case hasArg:
		return int(arg)
	case hasPol:
		return int(pol)
	}
	return ops.DefaultDeliveryLimit(version)
}

// load reads the queue when the view first shows. Coming back to it (from
// the inspector, a move, a republish) reads again only where reading
// costs nothing: a quorum queue whose requeues count toward a delivery
// limit keeps what was read, and ctrl+r reads again after asking.
func (v *peekView) load() tea.Cmd {
	if v.risk != nil {
		v.risk.asked = v.c.now() // back in sight: the grace starts again
		return nil
	}
	if v.busy {
		return nil
	}
	if !v.readAt.IsZero() && v.req.RaisesDeliveryCount() {
		v.kept = true
		return nil
	}
	return v.reread()
}

// relinked retries a peek that failed: the link it needed is back. A
// queue whose reads raise delivery counts asks first, as ever.
func (v *peekView) relinked() tea.Cmd {
	if v.err == nil || v.busy || v.risk != nil {
		return nil
	}
	return v.reread()
}

// reread reads the queue again from its head (ctrl+r), as deep as the
// view shows; where that raises delivery counts the broker refuses until
// the person accepts, which arrived turns into the question.
func (v *peekView) reread() tea.Cmd {
	if v.risk != nil || v.busy {
		return nil
	}
	req := v.req
	req.Skip, req.From, req.Count = 0, v.start, max(len(v.msgs), ops.DefaultPeekCount)
	if v.result.QueueType == ops.QueueStream {
		req.Count = ops.DefaultPeekCount // again from the same start
		v.msgs = nil
	}
	return v.peek(req, false)
}

func (v *peekView) update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case peekedMsg:
		return v.arrived(m)
	case tea.KeyPressMsg:
		return v.key(m)
	}
	return nil
}

func (v *peekView) arrived(m peekedMsg) tea.Cmd {
	if m.gen != v.gen {
		return nil
	}
	v.busy = false
	v.queue = m.queue
	m.req.AcceptRisk = false // consent covers the read that carried it
	var risk *ops.DeliveryLimitRiskError
	if errors.As(m.err, &risk) {
		v.req = m.req
		if v.c.target.ReadOnly {
			v.err = ops.ReadOnlyRiskError(m.req.Vhost, m.req.Queue, m.req.DeliveryLimit)
			return statusCmd("peek "+v.name+": "+v.err.Error(), true)
		}
		v.risk = v.assess(m.req, m.queue)
		return nil
	}
	if m.err != nil {
		v.err = m.err
		if m.res.Taken > 0 {
			v.chargedElsewhere() // it took and gave back: the counts shown are one short
		}
		return statusCmd("peek "+v.name+": "+m.err.Error(), true)
	}
	v.req, v.result, v.countsStale = m.req, m.res, false
	if m.apiErr != nil {
		v.result.Effect += fmt.Sprintf(" (The management API did not answer, so warren read it as the %s queue the list showed: %v.)", m.req.Type, m.apiErr)
	}
	v.readAt, v.kept = v.c.now(), false
	if m.req.Skip == 0 {
		v.msgs, v.marked = nil, map[int]bool{}
	}
	// n adds the next page below what was shown: every read returns
	// only the messages past its Skip.
	v.msgs = append(v.msgs, m.res.Messages...)
	v.renderRows()
	return nil
}

// chargedElsewhere says the counts shown may be behind: a read that
// failed after taking messages, or a move or removal started from this
// list, raised them. The next question counts every message as unknown.
func (v *peekView) chargedElsewhere() { v.countsStale = true }

func (v *peekView) renderRows() {
	rows := make([][]string, len(v.msgs))
	for i, m := range v.msgs {
		rows[i] = peekRow(v.c, m, v.marked[i])
	}
	v.tbl.SetRows(rows)
}

// undecodableCell stands in the body column for a message the AMQP client
// could not decode.
const undecodableCell = "⚠ undecodable (enter: why)"

// peekRow is the pure renderer of one peeked message.
func peekRow(c *common, m message.Message, marked bool) []string {
	pos := fmt.Sprint(m.Position)
	if marked {
		pos = "✓" + pos
	}
	if m.Undecodable != "" {
		// The body column is narrow: the inspector (enter) says what the
		// AMQP client refused.
		if !m.ViaAPI { // nothing but its place is known
			return []string{pos, "", "", "", "", "", "", "", "", "", undecodableCell}
		}
		return []string{pos, m.Properties.MessageID, exchangeName(m.Exchange), m.RoutingKey, m.Properties.ContentType,
			bytesIEC(int64(m.Size())), "", yesNo(m.Redelivered, "yes"), "", "", undecodableCell}
	}
	ts := ""
	if !m.Properties.Timestamp.IsZero() {
		ts = m.Properties.Timestamp.UTC().Format("01-02 15:04:05")
	}
	dlv := ""
	if n, ok := message.DeliveryCount(m.Headers); ok {
		dlv = fmt.Sprint(n)
	}
	death := ""
	if ds := message.Deaths(m.Headers); len(ds) > 0 {
		death = fmt.Sprintf("%s · %s ×%d", ds[0].Reason, ds[0].Queue, ds[0].Count)
	} else if d, ok := message.FirstDeath(m.Headers); ok {
		death = d.Reason + " · " + d.Queue
	}
	return []string{
		pos, m.Properties.MessageID, exchangeName(m.Exchange), m.RoutingKey, m.Properties.ContentType,
		bytesIEC(int64(m.Size())), ts, yesNo(m.Redelivered, "yes"), dlv, death, message.Preview(m, 60),
	}
}

func (v *peekView) key(m tea.KeyPressMsg) tea.Cmd {
	pk := v.c.keys.Peek
	if v.risk != nil {
		// The question opened by itself, after a fetch: a y typed before
		// it showed must not answer it.
		if matches(m, pk.Confirm) && v.c.now().Sub(v.risk.asked) >= dialogGrace {
			v.risk = nil
			return v.peek(v.req, true)
		}
		return nil
	}
	tk := v.c.keys.Table
	switch {
	case v.tbl.Navigate(m, tk.nav()):
	case key.Matches(m, tk.Open):
		if i := v.tbl.Cursor; i >= 0 && i < len(v.msgs) {
			msg := v.msgs[i]
			removable := v.removable()
			return func() tea.Msg {
				return openMsg{kind: kindMessage, vhost: v.vhost, name: v.name, msg: &msg, removable: removable}
			}
		}
	case matches(m, pk.Mark):
		if i := v.tbl.Cursor; i >= 0 && i < len(v.msgs) {
			if v.marked[i] {
				delete(v.marked, i)
			} else {
				v.marked[i] = true
			}
			v.renderRows()
			v.tbl.Move(1)
		}
	case matches(m, pk.More):
		if v.busy || !v.result.More {
			return statusCmd("no more messages to peek", false)
		}
		return v.more()
	case matches(m, pk.Export):
		return v.export()
	}
	return nil
}

// more peeks the next page: streams read on from the next offset; classic
// and quorum queues are read from the head again, one page deeper.
func (v *peekView) more() tea.Cmd {
	req := v.req
	if v.result.QueueType == ops.QueueStream {
		req.From = ops.StreamFrom{Kind: ops.StreamOffset, Offset: v.result.NextOffset}
		req.Skip = len(v.msgs)
	} else {
		req.Skip = len(v.msgs)
	}
	req.Count = ops.DefaultPeekCount
	return v.peek(req, false)
}

// export writes the marked messages, or all when none is marked, to a
// JSON Lines file in the working directory.
func (v *peekView) export() tea.Cmd {
	var msgs []message.Message
	for i, m := range v.msgs {
		if len(v.marked) == 0 || v.marked[i] {
			msgs = append(msgs, m)
		}
	}
	if len(msgs) == 0 {
		return statusCmd("nothing to export: peek some messages first", true)
	}
	path := exportPath(v.name, v.c.now())
	write := v.exports
	return func() tea.Msg {
		if err := write(path, msgs); err != nil {
			return statusMsg{text: "export failed: " + err.Error(), err: true}
		}
		return statusMsg{text: fmt.Sprintf("exported %d messages to %s", len(msgs), path)}
	}
}

// exportPath names an export file after the queue and the time; control
// and bidi runes become _ too, so the name lists cleanly in a terminal.
func exportPath(queue string, now time.Time) string {
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || message.Unsafe(r) {
			return '_'
		}
		return r
	}, queue)
	return fmt.Sprintf("warren-%s-%s.jsonl", name, now.UTC().Format("20060102-150405"))
}

func (v *peekView) setSize(w, h int) tea.Cmd {
	v.tbl.SetSize(w, h-2) // the effect line and the column header
	return nil
}

func (v *peekView) render(w, h int) string {
	th := v.c.th
	switch {
	case v.risk != nil:
		return v.risk.render(th, v.c.rabbitVersion, w) + "\n" + ansi.Wordwrap(v.c.keyLine(v.keys().bindings()...), max(w, 20), " ")
	case v.err != nil && len(v.msgs) == 0:
		return ansi.Wordwrap(th.Error.Render("cannot peek "+safe(v.name)+": "+safe(v.err.Error())), max(w, 1), " ")
	case v.busy && len(v.msgs) == 0:
		return th.Faint.Render("peeking " + safe(v.name) + "…")
	}
	effect := fmt.Sprintf("%s (%s)", safe(v.result.Effect), v.result.Took.Round(time.Millisecond))
	if v.kept {
		effect = fmt.Sprintf("Showing the read of %s: reading again raises delivery counts, so coming back did not; ctrl+r reads again (asks first) · ",
			v.readAt.Format("15:04:05")) + effect
	}
	if v.result.OverLimit > 0 {
		effect = th.Error.Render(fmt.Sprintf("%d messages passed the delivery limit: the broker dropped or dead-lettered them · ", v.result.OverLimit)) + effect
	}
	if len(v.msgs) == 0 {
		return th.Accent.Render(effect) + "\n" + th.Faint.Render("the queue is empty")
	}
	return v.tbl.RenderBelow(th, th.Accent.Render(effect), w, h) // what the peek did is never cut
}

func (v *peekView) keys() keyScope {
	pk, g := v.c.keys.Peek, v.c.keys.Global
	if v.risk != nil {
		return scopeOf("Peek", pk.Confirm.about("peek anyway, this once"), g.Back.about("go back without peeking"))
	}
	tk := v.c.keys.Table
	return scopeOf("Move", append(tk.moves(), tk.open("inspect the message").hint("inspect"))...).
		with("Peek", pk.More, pk.Mark, pk.Export, g.Refresh.about("peek again (messages come back marked redelivered)")).
		with("The marked or selected messages", g.Move.about("move the marked messages (none marked: the whole queue)"), v.c.keys.Write.Republish)
}

// parseStreamFrom reads where a stream peek starts: first, last, next, an
// offset, an RFC 3339 time, or an age such as 10m (that long ago).
func parseStreamFrom(arg string, now time.Time) (ops.StreamFrom, error) {
	arg = strings.TrimSpace(arg)
	switch strings.ToLower(arg) {
	case "first", "":
		return ops.StreamFrom{Kind: ops.StreamFirst}, nil
	case "last":
		return ops.StreamFrom{Kind: ops.StreamLast}, nil
	case "next":
		return ops.StreamFrom{Kind: ops.StreamNext}, nil
	}
	if n, err := strconv.ParseInt(arg, 10, 64); err == nil && n >= 0 {
		return ops.StreamFrom{Kind: ops.StreamOffset, Offset: n}, nil
	}
	if t, err := time.Parse(time.RFC3339, arg); err == nil {
		return ops.StreamFrom{Kind: ops.StreamTime, Time: t}, nil
	}
	if d, err := time.ParseDuration(arg); err == nil && d > 0 {
		return ops.StreamFrom{Kind: ops.StreamTime, Time: now.Add(-d)}, nil
	}
	return ops.StreamFrom{}, fmt.Errorf("stream start %q: use first, last, next, an offset, a time like 2026-11-26T10:00:00Z, or an age like 10m", arg)
}

// startFrom re-peeks a stream from another start (:from).
func (v *peekView) startFrom(arg string) tea.Cmd {
	if v.result.QueueType != ops.QueueStream && v.queue.Type != ops.QueueStream {
		return statusCmd(":from only applies to streams; "+v.name+" is a "+v.queue.Type+" queue", true)
	}
	from, err := parseStreamFrom(arg, v.c.now())
	if err != nil {
		return statusCmd(err.Error(), true)
	}
	v.start = from
	req := v.req
	req.From, req.Skip, req.Count = from, 0, ops.DefaultPeekCount
	v.msgs, v.marked = nil, map[int]bool{}
	return v.peek(req, false)
}

func describeFrom(f ops.StreamFrom) string {
	switch f.Kind {
	case ops.StreamLast:
		return "last"
	case ops.StreamNext:
		return "next"
	case ops.StreamOffset:
		return fmt.Sprintf("offset %d", f.Offset)
	case ops.StreamTime:
		return f.Time.UTC().Format(time.RFC3339)
	}
	return "first"
}

// removable says a peeked message can be taken out of its queue after a
// republish: classic and quorum queues, not streams (append-only).
func (v *peekView) removable() bool {
	return v.result.QueueType != ops.QueueStream
}

// selectedMessage makes the peek list a messageSelector, for r.
func (v *peekView) selectedMessage() (message.Message, bool, bool) {
	if i := v.tbl.Cursor; i >= 0 && i < len(v.msgs) {
		return v.msgs[i], v.removable(), true
	}
	return message.Message{}, false, false
}

// markedMessages are the marked messages in peek order, for m (move only
// these).
func (v *peekView) markedMessages() []message.Message {
	var out []message.Message
	for i, m := range v.msgs {
		if v.marked[i] {
			out = append(out, m)
		}
	}
	return out
}

// peekedQueue is the queue being peeked, for m (move).
// peekedQueue names the peeked queue; qtype is "" until a peek said it.
func (v *peekView) peekedQueue() (vhost, name, qtype string) {
	return v.vhost, v.name, v.result.QueueType
}
