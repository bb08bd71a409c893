package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/message"
)

// writeKeys are the actions that change the broker: each one writes, so
// --read-only refuses it and help lists it as unavailable.
type writeKeys struct {
	Publish   binding
	Republish binding
	Purge     binding
	Delete    binding
	Declare   binding
}

func newWriteKeys() writeKeys {
	return writeKeys{
		Publish:   bind("P", "publish to the selected exchange, or to the selected queue", "P").write(),
		Republish: bind("r", "republish the selected message (edit first; aimed at its origin)", "r").write().hint("republish"),
		Purge:     bind("ctrl+p", "purge the selected queue (asks first)", "ctrl+p").write(),
		Delete:    bind("ctrl+d", "delete the selected queue or exchange (type its name)", "ctrl+d").write(),
		Declare:   bind("ctrl+n", "declare a queue, exchange or binding (:declare)", "ctrl+n").write(),
	}
}

// republishMsg asks the App to open the republish form for a message.
type republishMsg struct {
	msg       message.Message
	removable bool
}

// writeKey handles the write keys the scope offers (read-only mode has
// refused them already); ok is false when m is not one of them.
func (a *App) writeKey(m tea.KeyPressMsg, b binding) (tea.Cmd, bool) {
	w := a.c.keys.Write
	switch {
	case sameKeys(b, w.Publish):
		vhost, exchange, rk := a.c.target.Vhost, "", ""
		if vh, name, _, ok := a.selectedQueue(); ok {
			vhost, rk = vh, name
		}
		if vh, name, _, ok := a.selectedExchange(); ok {
			vhost, exchange = vh, name
		}
		return a.push(newPublishView(a.c, vhost, exchange, rk)), true
	case sameKeys(b, w.Republish):
		ms, ok := a.top().(messageSelector)
		if !ok {
			return nil, false
		}
		msg, removable, ok := ms.selectedMessage()
		if !ok {
			return statusCmd("no message selected", true), true
		}
		return a.republish(republishMsg{msg: msg, removable: removable}), true
	case sameKeys(b, w.Purge):
		if vh, name, _, ok := a.selectedQueue(); ok {
			return a.push(newPurgeConfirm(a.c, vh, name)), true
		}
		return statusCmd("no queue selected", true), true
	case sameKeys(b, w.Delete):
		if vh, name, _, ok := a.selectedQueue(); ok {
			return a.push(newDeleteConfirm(a.c, "queue", vh, name)), true
		}
		if vh, name, _, ok := a.selectedExchange(); ok {
			if name == "" || isBuiltinExchange(name) {
				return statusCmd(fmt.Sprintf("%s is built in and cannot be deleted", exchangeName(name)), true), true
			}
			return a.push(newDeleteConfirm(a.c, "exchange", vh, name)), true
		}
		return statusCmd("nothing selected to delete", true), true
	case sameKeys(b, w.Declare):
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

// republish opens the republish form; a view's r reaches it through the
// scope, which read-only mode has already refused.
func (a *App) republish(m republishMsg) tea.Cmd {
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
