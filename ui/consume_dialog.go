package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/broker"
)

// consumeKeys choose how a consume pane settles what it takes.
type consumeKeys struct {
	Ack     key.Binding
	Requeue key.Binding
	Reject  key.Binding
}

func newConsumeKeys() consumeKeys {
	return consumeKeys{
		Ack:     key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "ack: take the messages off the queue")),
		Requeue: key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "nack-requeue: put them back (they come round again, marked redelivered)")),
		Reject:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reject: drop them, or dead-letter them if the queue has a DLX")),
	}
}

func (k consumeKeys) bindings() []key.Binding { return []key.Binding{k.Ack, k.Requeue, k.Reject} }

// consumeDialog asks, before anything is taken, how a consume pane
// settles messages. Read-only mode offers only nack-requeue.
type consumeDialog struct {
	c      *common
	viewID int
	spec   broker.ConsumeSpec
}

// liveOpenMsg replaces the dialog with the pane it chose.
type liveOpenMsg struct{ spec liveSpec }

func newConsumeDialog(c *common, vhost, queue, qtype string) *consumeDialog {
	return &consumeDialog{c: c, viewID: nextViewID(), spec: broker.ConsumeSpec{Vhost: vhost, Queue: queue, Type: qtype}}
}

func (v *consumeDialog) id() int                  { return v.viewID }
func (v *consumeDialog) title() string            { return "consume " + v.spec.Queue + "?" }
func (v *consumeDialog) status() string           { return "choose how to settle, or esc" }
func (v *consumeDialog) load() tea.Cmd            { return nil }
func (v *consumeDialog) setSize(w, h int) tea.Cmd { return nil }
func (v *consumeDialog) help() []helpGroup {
	return []helpGroup{{Title: "Consume", Bindings: v.c.keys.Consume.bindings()}}
}
func (v *consumeDialog) hints() string              { return "a ack  n nack-requeue  r reject  esc cancel" }
func (v *consumeDialog) render(w, h int) string     { return v.text() }
func (v *consumeDialog) update(msg tea.Msg) tea.Cmd { return v.key(msg) }

func (v *consumeDialog) key(msg tea.Msg) tea.Cmd {
	m, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	k := v.c.keys.Consume
	mode := broker.ConsumeMode(-1)
	switch {
	case key.Matches(m, k.Ack):
		mode = broker.ConsumeAck
	case key.Matches(m, k.Requeue):
		mode = broker.ConsumeNackRequeue
	case key.Matches(m, k.Reject):
		mode = broker.ConsumeReject
	default:
		return nil
	}
	if v.c.target.ReadOnly && mode != broker.ConsumeNackRequeue {
		return statusCmd("read-only: "+mode.String()+" would remove messages; only nack-requeue is allowed", true)
	}
	spec := v.spec
	spec.Mode = mode
	return func() tea.Msg { return liveOpenMsg{spec: liveSpec{kind: "consume", consume: spec}} }
}

func (v *consumeDialog) text() string {
	th := v.c.th
	var b strings.Builder
	b.WriteString(th.Warn.Render("Consuming "+safe(v.spec.Queue)+" is not a peek: it takes messages as an ordinary consumer would.") + "\n\n")
	b.WriteString("How should warren settle each message it shows?\n\n")
	for _, bd := range v.c.keys.Consume.bindings() {
		line := "  " + th.HelpKey.Render(bd.Help().Key) + "  " + bd.Help().Desc
		if v.c.target.ReadOnly && bd.Help().Key != "n" {
			line = "  " + th.Faint.Render(bd.Help().Key+"  "+bd.Help().Desc+" (unavailable: read-only)")
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\n  " + th.HelpKey.Render("esc") + "  cancel: take nothing\n")
	b.WriteString("\n" + th.Faint.Render("To look without taking anything, use p (peek) instead."))
	return b.String()
}
