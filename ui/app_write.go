package ui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/message"
)

// writeKeys are the actions that change the broker. --read-only removes
// every one of them; help then lists them as unavailable.
type writeKeys struct {
	Publish   key.Binding
	Republish key.Binding
	Purge     key.Binding
	Delete    key.Binding
	Declare   key.Binding
}

func newWriteKeys() writeKeys {
	return writeKeys{
		Publish:   key.NewBinding(key.WithKeys("P"), key.WithHelp("P", "publish to the selected exchange, or to the selected queue")),
		Republish: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "republish the selected message (edit first; aimed at its origin)")),
		Purge:     key.NewBinding(key.WithKeys("ctrl+p"), key.WithHelp("ctrl+p", "purge the selected queue (asks first)")),
		Delete:    key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "delete the selected queue or exchange (type its name)")),
		Declare:   key.NewBinding(key.WithKeys("ctrl+n"), key.WithHelp("ctrl+n", "declare a queue, exchange or binding (:declare)")),
	}
}

func (k writeKeys) bindings() []key.Binding {
	return []key.Binding{k.Publish, k.Republish, k.Purge, k.Delete, k.Declare}
}

// republishMsg asks the App to open the republish form for a message.
type republishMsg struct {
	msg       message.Message
	removable bool
}

func readOnlyCmd(what string) tea.Cmd {
	return statusCmd("read-only: "+what+" is a write action, unavailable (started with --read-only)", true)
}

// writeKey handles the write keys; ok is false when m is not one of them
// or does not apply to the view on top, which then gets the key.
func (a *App) writeKey(m tea.KeyPressMsg) (tea.Cmd, bool) {
	w := a.c.keys.Write
	ro := a.c.target.ReadOnly
	switch {
	case key.Matches(m, w.Publish):
		if ro {
			return readOnlyCmd("publishing"), true
		}
		vhost, exchange, rk := a.c.target.Vhost, "", ""
		if vh, name, _, ok := a.selectedQueue(); ok {
			vhost, rk = vh, name
		}
		if vh, name, _, ok := a.selectedExchange(); ok {
			vhost, exchange = vh, name
		}
		return a.push(newPublishView(a.c, vhost, exchange, rk)), true
	case key.Matches(m, w.Republish):
		ms, ok := a.top().(messageSelector)
		if !ok {
			return nil, false
		}
		msg, removable, ok := ms.selectedMessage()
		if !ok {
			return statusCmd("no message selected", true), true
		}
		return a.republish(republishMsg{msg: msg, removable: removable}), true
	case key.Matches(m, w.Purge):
		if vh, name, _, ok := a.selectedQueue(); ok {
			if ro {
				return readOnlyCmd("purging"), true
			}
			return a.push(newPurgeConfirm(a.c, vh, name)), true
		}
		return statusCmd("ctrl+p purges a queue: select one in :queues", true), true
	case key.Matches(m, w.Delete):
		if vh, name, _, ok := a.selectedQueue(); ok {
			if ro {
				return readOnlyCmd("deleting"), true
			}
			return a.push(newDeleteConfirm(a.c, "queue", vh, name)), true
		}
		if vh, name, _, ok := a.selectedExchange(); ok {
			if ro {
				return readOnlyCmd("deleting"), true
			}
			if name == "" || isBuiltinExchange(name) {
				return statusCmd(fmt.Sprintf("%s is built in and cannot be deleted", exchangeName(name)), true), true
			}
			return a.push(newDeleteConfirm(a.c, "exchange", vh, name)), true
		}
		return statusCmd("ctrl+d deletes a queue or an exchange: select one in :queues or :exchanges", true), true
	case key.Matches(m, w.Declare):
		if ro {
			return readOnlyCmd("declaring"), true
		}
		kind := "queue"
		if l, ok := a.top().(listKinder); ok {
			switch l.listKind() {
			case kindExchanges:
				kind = "exchange"
			case kindBindings:
				kind = "binding"
			}
		}
		return a.push(newDeclareView(a.c, kind)), true
	}
	return nil, false
}

func (a *App) republish(m republishMsg) tea.Cmd {
	if a.c.target.ReadOnly {
		return readOnlyCmd("republishing")
	}
	return a.push(newRepublishView(a.c, m.msg, m.removable))
}

// isBuiltinExchange: amq.* exchanges are the broker's own.
func isBuiltinExchange(name string) bool {
	return len(name) >= 4 && name[:4] == "amq."
}

// adminDone closes the dialog of a finished purge, delete or declare and
// returns to the list, which reloads; a failure stays in the dialog.
func (a *App) adminDone(m adminDoneMsg) tea.Cmd {
	if m.err != nil {
		a.setStatus(m.err.Error(), true)
		return a.route(m.view, m)
	}
	a.setStatus(m.text, false)
	if !a.hasView(m.view) {
		return nil
	}
	var cmds []tea.Cmd
	drop := func() { // the top view, released like pop does
		if c, ok := a.top().(closer); ok {
			cmds = append(cmds, c.close())
		}
		a.stack = a.stack[:len(a.stack)-1]
	}
	for len(a.stack) > 1 && a.top().id() != m.view {
		drop() // views over the dialog (none: dialogs take every key)
	}
	drop()
	if o, ok := a.top().(objectShower); ok && m.gone && len(a.stack) > 1 && o.shows(m.kind, m.vhost, m.name) {
		drop() // the deleted object's detail
	}
	return tea.Batch(append(cmds, a.show())...)
}
