package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/mgmt"
)

// consumeKeys choose how a consume pane settles what it takes. Ack and
// reject take messages off the queue: they write.
type consumeKeys struct {
	Ack     binding
	Requeue binding
	Reject  binding
	Start   binding
}

func newConsumeKeys() consumeKeys {
	return consumeKeys{
		Ack:     bind("a", "ack: take the messages off the queue", "a").write().hint("ack"),
		Requeue: bind("n", "browse: show each message once, then put them all back (marked redelivered)", "n").hint("browse"),
		Reject:  bind("r", "reject: drop them, or dead-letter them if the queue has a DLX", "r").write().hint("reject"),
		Start:   bind("y", "start, accepting the delivery-limit risk shown (quorum queues with a limit)", "y").hint("start"),
	}
}

// modes are the settle choices, in the order the dialog lists them.
func (k consumeKeys) modes() []binding { return []binding{k.Ack, k.Requeue, k.Reject} }

// consumeDialog asks, before anything is taken, how a consume pane
// settles messages. Read-only mode offers only the browse. On a quorum
// queue whose requeues count toward a delivery limit it first reads the
// limit, then asks once more, with the risk, before it starts.
type consumeDialog struct {
	c       *common
	viewID  int
	spec    ops.ConsumeSpec
	loading bool
	queue   mgmt.QueueDetail
	err     error
	chosen  *ops.ConsumeMode // waiting for y; esc closes the dialog
}

// liveOpenMsg replaces the dialog with the pane it chose.
type liveOpenMsg struct{ spec liveSpec }

// consumeQueueMsg brings the queue's detail (its delivery limit).
type consumeQueueMsg struct {
	view  int
	queue mgmt.QueueDetail
	err   error
}

func newConsumeDialog(c *common, vhost, queue, qtype string) *consumeDialog {
	return &consumeDialog{c: c, viewID: nextViewID(),
		spec: ops.ConsumeSpec{Vhost: vhost, Queue: queue, Type: qtype, DeliveryLimit: -1}}
}

func (v *consumeDialog) id() int                  { return v.viewID }
func (v *consumeDialog) title() string            { return "consume " + v.spec.Queue + "?" }
func (v *consumeDialog) setSize(w, h int) tea.Cmd { return nil }
func (v *consumeDialog) keys() keyScope {
	k := v.c.keys.Consume
	if v.chosen != nil {
		return scopeOf("Consume", k.Start, v.c.keys.Global.Back.about("cancel: take nothing").hint("cancel"))
	}
	return scopeOf("Consume", append(k.modes(), v.c.keys.Global.Back.about("cancel: take nothing").hint("cancel"))...)
}
func (v *consumeDialog) render(w, h int) string { return ansi.Wordwrap(v.text(), max(w, 20), " ") }

func (v *consumeDialog) status() string {
	switch {
	case v.loading:
		return "reading the queue's delivery limit…"
	case v.chosen != nil:
		return "y to start, esc to cancel"
	}
	return "choose how to settle, or esc"
}

// load reads a quorum queue's delivery limit; other queues have none.
func (v *consumeDialog) load() tea.Cmd {
	if v.loading || v.queue.Name != "" || v.err != nil {
		return nil
	}
	if v.c.target.Source == nil {
		v.err = errors.New("no management API: cannot read the queue's delivery limit")
		return nil
	}
	v.loading = true
	src, id, spec, timeout := v.c.target.Source, v.viewID, v.spec, v.c.opts.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		q, err := src.Queue(ctx, spec.Vhost, spec.Queue)
		return consumeQueueMsg{view: id, queue: q, err: err}
	}
}

func (v *consumeDialog) update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case consumeQueueMsg:
		v.loading = false
		if m.err != nil {
			v.err = m.err
			return nil
		}
		v.queue = m.queue
		if m.queue.Type != "" {
			v.spec.Type = m.queue.Type // the broker's word, not the list row's
		}
		v.spec.DeliveryLimit = deliveryLimit(m.queue, v.c.rabbitVersion)
		v.spec.RequeueFree = !ops.RequeueCounts(v.c.rabbitVersion)
		return nil
	case tea.KeyPressMsg:
		return v.key(m)
	}
	return nil
}

// risky: settling here can push messages past a delivery limit.
func (v *consumeDialog) risky() bool {
	return ops.PeekRequest{Type: v.spec.Type, DeliveryLimit: v.spec.DeliveryLimit, RequeueFree: v.spec.RequeueFree}.RaisesDeliveryCount()
}

func (v *consumeDialog) key(m tea.KeyPressMsg) tea.Cmd {
	k := v.c.keys.Consume
	if v.chosen != nil {
		if matches(m, k.Start) {
			spec := v.spec
			spec.Mode, spec.AcceptRisk = *v.chosen, true
			if spec.Mode == ops.ConsumeNackRequeue {
				spec.MaxMessages = v.browseReads() // no more than the question said
			}
			return v.open(spec)
		}
		return nil
	}
	mode := ops.ConsumeMode(-1)
	switch {
	case matches(m, k.Ack):
		mode = ops.ConsumeAck
	case matches(m, k.Requeue):
		mode = ops.ConsumeNackRequeue
	case matches(m, k.Reject):
		mode = ops.ConsumeReject
	default:
		return nil
	}
	switch {
	case v.loading:
		return statusCmd("wait: warren is reading the queue's delivery limit", true)
	case v.err != nil:
		return statusCmd("consume "+v.spec.Queue+": "+v.err.Error(), true)
	case v.c.target.ReadOnly && v.risky():
		return statusCmd(ops.ReadOnlyRiskError(v.spec.Vhost, v.spec.Queue, v.spec.DeliveryLimit).Error(), true)
	case v.risky():
		v.chosen = &mode
		return nil
	}
	spec := v.spec
	spec.Mode = mode
	return v.open(spec)
}

func (v *consumeDialog) open(spec ops.ConsumeSpec) tea.Cmd {
	return func() tea.Msg { return liveOpenMsg{spec: liveSpec{kind: paneConsume, consume: spec}} }
}

func (v *consumeDialog) text() string {
	th := v.c.th
	var b strings.Builder
	switch {
	case v.loading:
		return th.Faint.Render("reading the delivery limit of " + safe(v.spec.Queue) + "…")
	case v.err != nil:
		return th.Error.Render("cannot consume " + safe(v.spec.Queue) + ": " + safe(v.err.Error()))
	case v.chosen != nil:
		b.WriteString(th.Warn.Render(fmt.Sprintf("Start the %s of quorum queue %s?", *v.chosen, safe(v.spec.Queue))) + "\n\n")
		b.WriteString(v.riskText(*v.chosen) + "\n\n")
		b.WriteString(v.c.keyLine(v.c.keys.Consume.Start.about("start, accepting this risk"), v.c.keys.Global.Back.about("cancel: take nothing").hint("cancel")))
		return b.String()
	}
	b.WriteString(th.Warn.Render("Consuming "+safe(v.spec.Queue)+" is not a peek: it takes messages as an ordinary consumer would.") + "\n\n")
	if v.risky() {
		b.WriteString(v.limitText() + "\n\n")
	}
	b.WriteString("How should warren settle each message it shows?\n\n")
	for _, bd := range v.c.keys.Consume.modes() {
		line := "  " + th.HelpKey.Render(bd.Help().Key) + "  " + bd.Help().Desc
		unavailable := ""
		switch {
		case v.c.refuses(bd.writes):
			unavailable = "read-only"
		case v.c.target.ReadOnly && v.risky():
			unavailable = "read-only never raises delivery counts toward a limit"
		}
		if unavailable != "" {
			line = "  " + th.Faint.Render(bd.Help().Key+"  "+bd.Help().Desc+" (unavailable: "+unavailable+")")
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\n  " + v.c.keyLine(v.c.keys.Global.Back.about("cancel: take nothing").hint("cancel")) + "\n")
	b.WriteString("\n" + th.Faint.Render("To look without taking anything, use p (peek) instead."))
	return b.String()
}

// limitText says what the delivery limit means here.
func (v *consumeDialog) limitText() string {
	on := brokerLabel(v.c.rabbitVersion)
	s := fmt.Sprintf("This quorum queue has a delivery limit of %d. On %s every message put back has its delivery count raised by 1, "+
		"and the broker drops or dead-letters a message whose count passes the limit.", v.spec.DeliveryLimit, on)
	if v.queue.HasStats {
		s += fmt.Sprintf(" The queue reports %d ready.", v.queue.Ready)
	}
	return s
}

// riskText says how many messages a mode can push past the limit.
func (v *consumeDialog) riskText(mode ops.ConsumeMode) string {
	s := v.limitText() + "\n\n"
	if mode == ops.ConsumeNackRequeue {
		return s + fmt.Sprintf("The browse reads up to %d messages (at most %d; none past that, even if more arrive) once and puts them all back: "+
			"each one's delivery count rises by 1, and any already at %d is dropped or dead-lettered. warren does not know their counts before it reads them.",
			v.browseReads(), ops.BrowseMax, v.spec.DeliveryLimit)
	}
	return s + fmt.Sprintf("The %s takes messages off the queue. When the pane closes, and each time the link drops, up to %d messages delivered "+
		"but not yet shown go back with their delivery count raised by 1; any already at %d is dropped or dead-lettered.",
		mode, ops.QuorumConsumePrefetch, v.spec.DeliveryLimit)
}

// browseReads is how many messages a browse may read: the ready count the
// API gave (at least 1), at most BrowseMax.
func (v *consumeDialog) browseReads() int {
	if v.queue.HasStats {
		return int(min(max(v.queue.Ready, 1), int64(ops.BrowseMax)))
	}
	return ops.BrowseMax
}
