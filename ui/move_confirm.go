package ui

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/broker/ops"
)

// A move of a whole queue is destructive at scale (a mistyped key in the
// list once started a move of 75,744), so it asks once, with the count,
// as purge does. A move of marked messages and an import do not: their
// count is on screen already and they were chosen one by one.

// queueDepth is the source's ready count as the management API last said.
type queueDepth struct {
	known bool
	ready int64
	err   error
}

// moveDepthMsg brings the source's depth for the question.
type moveDepthMsg struct {
	view  int
	ready int64
	err   error
}

func (m moveDepthMsg) viewID() int { return m.view }

// wholeQueue says whether this move takes every message of its queue.
func (v *moveView) wholeQueue() bool { return v.imp == nil && len(v.only) == 0 && v.queue != "" }

// loadDepth reads the source's depth off the UI thread, once per showing.
func (v *moveView) loadDepth() tea.Cmd {
	src := v.c.target.Source
	if src == nil || v.state != nil {
		return nil
	}
	id, vhost, name, timeout := v.viewID, v.vhost, v.queue, v.c.opts.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		q, err := src.Queue(ctx, vhost, name)
		return moveDepthMsg{view: id, ready: q.Ready, err: err}
	}
}

// begin starts a move, asking first when it takes the whole queue.
func (v *moveView) begin(req ops.MoveRequest) tea.Cmd {
	if !v.wholeQueue() {
		return v.start(req)
	}
	v.asking = &req
	return v.loadDepth() // the count as of now, not as of m
}

// answer takes the key pressed on the question: y starts, anything else
// goes back to the choices.
func (v *moveView) answer(m tea.KeyPressMsg) tea.Cmd {
	req := *v.asking
	v.asking = nil
	if matches(m, v.c.keys.Move.Yes) {
		return v.start(req)
	}
	return statusCmd("nothing moved", false)
}

// holdClose makes esc on the question go back to the choices rather
// than close the move.
func (v *moveView) holdClose() bool {
	if v.asking == nil {
		return false
	}
	v.asking = nil
	return true
}

// countText is the question's count: exact when the API said it.
func (v *moveView) countText() string {
	switch {
	case v.depth.known:
		return "ALL " + count(v.depth.ready) + " ready messages"
	case v.depth.err != nil:
		return "ALL the messages (their count could not be read: " + v.depth.err.Error() + ")"
	}
	return "ALL the messages (counting…)"
}

func (v *moveView) renderQuestion(w int) string {
	th := v.c.th
	var b strings.Builder
	b.WriteString(th.Section.Render(safe(fmt.Sprintf("Move %s of %s (vhost %s), %s?", v.countText(), v.queue, v.vhost, targetLabel(*v.asking)))) + "\n\n")
	b.WriteString("Every ready message the queue holds when the move starts goes; mark some in its peek to move only those.\n\n")
	b.WriteString(v.c.keyLine(v.keys().bindings()...) + "\n")
	return b.String()
}

// shownProgress is the progress the bar draws, made to agree with the
// summary: a marked move counts against the marked, and a finished one
// against what it took, with the result's own counts.
func (v *moveView) shownProgress() ops.MoveProgress {
	p := v.state.get()
	if len(v.only) > 0 {
		p.Total = len(v.only)
	}
	if !v.done {
		return p
	}
	if r := v.impRes; r != nil {
		p.Moved, p.Failed, p.NoOrigin = r.Published, len(r.NotPublished), r.NoOrigin
		return p
	}
	r := v.result
	p.Moved, p.Failed, p.NoOrigin = r.Moved, r.ReturnedToSource, r.NoOrigin
	if v.err == nil && len(v.only) == 0 {
		p.Total = r.Moved + r.ReturnedToSource // the whole queue as it was taken
	}
	if p.Total < p.Moved+p.Failed {
		p.Total = p.Moved + p.Failed
	}
	return p
}
