package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/broker"
)

// Mover moves messages out of a queue with confirms; *broker.Session
// satisfies it.
type Mover interface {
	Move(ctx context.Context, req broker.MoveRequest, progress func(broker.MoveProgress)) (broker.MoveResult, error)
}

// moveKeys choose where a move sends the messages.
type moveKeys struct {
	Origin key.Binding
	Via    key.Binding
}

func newMoveKeys() moveKeys {
	return moveKeys{
		Origin: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "return to origin: each dead letter to the queue it died in")),
		Via:    key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "re-route via the original exchange and keys (reaches every bound queue)")),
	}
}

func (k moveKeys) bindings() []key.Binding { return []key.Binding{k.Origin, k.Via} }

// moveState is shared between the running move and the view: the move's
// goroutine writes progress, the view reads it on its ticks.
type moveState struct {
	mu       sync.Mutex
	progress broker.MoveProgress
}

func (s *moveState) set(p broker.MoveProgress) { s.mu.Lock(); s.progress = p; s.mu.Unlock() }
func (s *moveState) get() broker.MoveProgress {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.progress
}

// moveView asks where to move a queue's messages (return to origin by
// default, so m then enter does the common thing), shows progress, and
// ends with what happened to every message.
type moveView struct {
	c      *common
	viewID int
	vhost  string
	queue  string
	req    broker.MoveRequest
	state  *moveState
	cancel context.CancelFunc
	done   bool
	result broker.MoveResult
	err    error
}

type moveTickMsg struct{ view int }

type moveDoneMsg struct {
	view   int
	queue  string
	result broker.MoveResult
	err    error
}

func newMoveView(c *common, vhost, queue string) *moveView {
	return &moveView{c: c, viewID: nextViewID(), vhost: vhost, queue: queue}
}

func (v *moveView) id() int                  { return v.viewID }
func (v *moveView) title() string            { return "move " + v.queue }
func (v *moveView) load() tea.Cmd            { return nil }
func (v *moveView) setSize(w, h int) tea.Cmd { return nil }
func (v *moveView) help() []helpGroup {
	return []helpGroup{{Title: "Move", Bindings: v.c.keys.Move.bindings()}}
}

func (v *moveView) status() string {
	switch {
	case v.done:
		return "done"
	case v.state != nil:
		return "moving… (esc cancels; unmoved messages stay in the source, in order)"
	}
	return "choose where the messages go, or esc"
}

func (v *moveView) hints() string {
	if v.state != nil && !v.done {
		return "esc cancel"
	}
	if v.done {
		return "esc back"
	}
	return "enter return to origin  x re-route via original exchange  esc cancel"
}

func (v *moveView) update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tea.KeyPressMsg:
		if v.state != nil {
			return nil
		}
		k := v.c.keys.Move
		switch {
		case key.Matches(m, k.Origin):
			return v.start(broker.ReturnToOrigin)
		case key.Matches(m, k.Via):
			return v.start(broker.ReturnViaExchange)
		}
	case moveTickMsg:
		if v.done {
			return nil
		}
		return v.tick()
	case moveDoneMsg:
		v.done, v.result, v.err = true, m.result, m.err
		v.cancel = nil
		return moveSummary(v.queue, m)
	}
	return nil
}

func (v *moveView) tick() tea.Cmd {
	id := v.viewID
	return v.c.tick(200*time.Millisecond, func(time.Time) tea.Msg { return moveTickMsg{view: id} })
}

// start runs the move in a command; progress is read back on ticks.
func (v *moveView) start(target broker.MoveTarget) tea.Cmd {
	if v.c.target.ReadOnly {
		return statusCmd("read-only: moving messages is a write action", true)
	}
	mv := v.c.target.Mover
	if mv == nil {
		return statusCmd("no AMQP session: moving needs the AMQP connection", true)
	}
	v.req = broker.MoveRequest{Vhost: v.vhost, Queue: v.queue, Target: target}
	v.state = &moveState{}
	ctx, cancel := context.WithCancel(context.Background())
	v.cancel = cancel
	req, state, id := v.req, v.state, v.viewID
	run := func() tea.Msg {
		res, err := mv.Move(ctx, req, state.set)
		return moveDoneMsg{view: id, queue: req.Queue, result: res, err: err}
	}
	return tea.Batch(run, v.tick())
}

// close cancels a running move: the broker package settles what is in
// flight and leaves every unmoved message in the source.
func (v *moveView) close() tea.Cmd {
	if v.cancel != nil {
		v.cancel()
		v.cancel = nil
	}
	return nil
}

func (v *moveView) render(w, h int) string {
	th := v.c.th
	var b strings.Builder
	if v.state == nil {
		b.WriteString(th.Section.Render("Move the messages of "+v.queue+" (vhost "+v.vhost+")") + "\n\n")
		for _, bd := range v.c.keys.Move.bindings() {
			b.WriteString("  " + th.HelpKey.Render(cell(bd.Help().Key, 6, false)) + bd.Help().Desc + "\n")
		}
		b.WriteString("  " + th.HelpKey.Render(cell("esc", 6, false)) + "cancel\n\n")
		b.WriteString(th.Faint.Render("Each copy is published with confirms; a source message is acked only after its copy is confirmed and\n" +
			"not returned. Anything returned, nacked or in doubt stays in the source, in order. A message with no\n" +
			"x-death (no origin) is left in place and counted."))
		if v.c.target.ReadOnly {
			b.WriteString("\n\n" + th.Warn.Render("read-only: moving is unavailable"))
		}
		return b.String()
	}
	p := v.state.get()
	if v.done {
		p.Moved = v.result.Moved
	}
	total := max(p.Total, 1)
	width := max(min(w-20, 80), 10)
	filled := min(width*p.Moved/total, width)
	bar := th.OK.Render(strings.Repeat("█", filled)) + th.Faint.Render(strings.Repeat("░", width-filled))
	b.WriteString(th.Section.Render(v.req.Target.String()+" · "+v.queue) + "\n\n")
	b.WriteString(fmt.Sprintf("  %s %d / %d\n\n", bar, p.Moved, p.Total))
	eta := "-"
	if p.Rate > 0 && p.Total > p.Moved {
		eta = (time.Duration(float64(p.Total-p.Moved)/p.Rate) * time.Second).Round(time.Second).String()
	}
	b.WriteString(fmt.Sprintf("  %s msg/s   elapsed %s   ETA %s   failed so far %d\n", rate(p.Rate, true), p.Elapsed.Round(100*time.Millisecond), eta, p.Failed))
	if v.done {
		r := v.result
		b.WriteString("\n" + th.Section.Render("SUMMARY") + "\n")
		b.WriteString(fmt.Sprintf("  moved %d · returned to the source %d (unroutable %d, nacked %d, in doubt %d, no origin %d) · may exist twice %d · took %s\n",
			r.Moved, r.ReturnedToSource, r.Unroutable, r.Nacked, r.InDoubt, r.NoOrigin, r.DuplicateRisk, r.Took.Round(time.Millisecond)))
		if v.err != nil {
			b.WriteString("  " + th.Error.Render(v.err.Error()) + "\n")
		}
	}
	return b.String()
}

// moveSummary is the status line a finished (or cancelled) move leaves.
func moveSummary(queue string, m moveDoneMsg) tea.Cmd {
	r := m.result
	text := fmt.Sprintf("move %s: %d moved, %d returned to the source (%d unroutable, %d nacked, %d in doubt, %d without origin)",
		queue, r.Moved, r.ReturnedToSource, r.Unroutable, r.Nacked, r.InDoubt, r.NoOrigin)
	if r.DuplicateRisk > 0 {
		text += fmt.Sprintf(", %d may now exist twice", r.DuplicateRisk)
	}
	if m.err != nil {
		return statusCmd(text+": "+m.err.Error(), true)
	}
	return statusCmd(text, false)
}
