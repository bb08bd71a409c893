package ui

import (
	"charm.land/bubbles/v2/key"

	"github.com/warren-tui/warren/ui/widget"
)

// globalKeys work in every view while no prompt is open.
type globalKeys struct {
	Command key.Binding
	Filter  key.Binding
	Help    key.Binding
	Refresh key.Binding
	Back    key.Binding
	Quit    key.Binding
	ForceQ  key.Binding
	Peek    key.Binding
	Live    key.Binding
	Pin     key.Binding
	Move    key.Binding
}

func newGlobalKeys() globalKeys {
	return globalKeys{
		Command: key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "command (:queues :ex :bi :co :no :vhost :ctx :route :q)")),
		Filter:  key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter by regex on the name")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help for this view (f1 in forms)")),
		Refresh: key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "refresh now")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back / clear filter")),
		Quit:    key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQ:  key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Peek:    key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "peek messages of the selected queue (safely)")),
		Live:    key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "live pane: tap an exchange, tail a stream, consume a queue (asks first)")),
		Pin:     key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "pin / unpin the queue on the watch board (:watch)")),
		Move:    key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "move the queue's messages (return dead letters to their origin)")),
	}
}

func (k globalKeys) bindings() []key.Binding {
	return []key.Binding{k.Command, k.Filter, k.Help, k.Refresh, k.Back, k.Quit, k.ForceQ, k.Peek, k.Live, k.Pin, k.Move}
}

// tableKeys move through a table and its pages: the keys the widgets
// take (widget.NavKeys), with their help.
type tableKeys struct{ widget.NavKeys }

func newTableKeys() tableKeys {
	return tableKeys{widget.NavKeys{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down (past the last row: next page)")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup/ctrl+b", "previous page")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn/ctrl+f", "next page")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first row")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last row")),
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
	}}
}

func (k tableKeys) bindings() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Open}
}

// sortKeys sort a list server-side; pressing the same key again reverses.
type sortKeys struct {
	Name      key.Binding
	Messages  key.Binding
	Consumers key.Binding
	Rate      key.Binding
}

func newSortKeys() sortKeys {
	return sortKeys{
		Name:      key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "sort by name (again: reverse)")),
		Messages:  key.NewBinding(key.WithKeys("M"), key.WithHelp("M", "sort by messages")),
		Consumers: key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "sort by consumers")),
		Rate:      key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "sort by rate")),
	}
}

func (k sortKeys) bindings() []key.Binding {
	return []key.Binding{k.Name, k.Messages, k.Consumers, k.Rate}
}

// promptKeys act while the : or / prompt is open.
type promptKeys struct {
	Accept   key.Binding
	Cancel   key.Binding
	Complete key.Binding
	Move     key.Binding // the cursor; handled by the text input
	Erase    key.Binding
	EraseAll key.Binding
	EraseWd  key.Binding
}

func newPromptKeys() promptKeys {
	return promptKeys{
		Accept:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run / keep filter")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel / clear filter")),
		Complete: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete")),
		Move:     key.NewBinding(key.WithKeys("left", "right", "home", "end"), key.WithHelp("← → home end", "move the cursor (alt+← alt+→ by word; ctrl+a ctrl+e too)")),
		Erase:    key.NewBinding(key.WithKeys("backspace", "delete"), key.WithHelp("backspace/del", "delete before / under the cursor")),
		EraseAll: key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "clear the line")),
		EraseWd:  key.NewBinding(key.WithKeys("ctrl+w"), key.WithHelp("ctrl+w", "delete the word before the cursor (ctrl+k: to the end)")),
	}
}

func (k promptKeys) bindings() []key.Binding {
	return []key.Binding{k.Accept, k.Cancel, k.Complete, k.Move, k.Erase, k.EraseAll, k.EraseWd}
}

// keyMap gathers every scope; it is built once and shared by the views.
type keyMap struct {
	Global  globalKeys
	Table   tableKeys
	Sort    sortKeys
	Prompt  promptKeys
	Peek    peekKeys
	Inspect inspectorKeys
	Live    liveKeys
	Consume consumeKeys
	Move    moveKeys
	Form    formKeys
	Write   writeKeys
	writes  map[string]bool // help texts of the write actions
}

func newKeyMap() keyMap {
	k := keyMap{Global: newGlobalKeys(), Table: newTableKeys(), Sort: newSortKeys(), Prompt: newPromptKeys(), Peek: newPeekKeys(), Inspect: newInspectorKeys(), Live: newLiveKeys(), Consume: newConsumeKeys(), Move: newMoveKeys(), Form: newFormKeys(), Write: newWriteKeys()}
	// The actions --read-only removes, so help can say they are unavailable.
	k.writes = map[string]bool{}
	for _, b := range append(append(k.Write.bindings(), k.Move.bindings()...), k.Global.Move, k.Consume.Ack, k.Consume.Reject) {
		k.writes[b.Help().Desc] = true
	}
	return k
}

// helpGroup is one titled block of the help screen.
type helpGroup struct {
	Title    string
	Bindings []key.Binding
}
