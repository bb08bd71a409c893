package ui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui/widget"
)

// binding is one key of a scope: a key.Binding that also says what the
// footer calls it and whether it changes the broker. The footer, the help
// screen and read-only mode are all read off these fields, never typed.
type binding struct {
	key.Binding
	// short is the footer's word for it; "" keeps it to the help screen.
	short string
	// writes: it changes the broker, so --read-only refuses it.
	writes bool
}

// bind makes a binding of keys, shown in help as helpKey: desc.
func bind(helpKey, desc string, keys ...string) binding {
	return binding{Binding: key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKey, desc))}
}

// from wraps a widget's key.Binding (tables, forms, prompts keep theirs).
func from(b key.Binding) binding { return binding{Binding: b} }

// write marks a binding as one that changes the broker.
func (b binding) write() binding { b.writes = true; return b }

// hint puts a binding on the footer under the word short.
func (b binding) hint(short string) binding { b.short = short; return b }

// about gives a binding another description in one scope (enter opens a
// queue in one view and a message in another).
func (b binding) about(desc string) binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// matches reports whether m is one of the bindings' keys.
func matches(m tea.KeyPressMsg, bs ...binding) bool {
	for _, b := range bs {
		if key.Matches(m, b.Binding) {
			return true
		}
	}
	return false
}

// globalKeys work in every view while no prompt is open.
type globalKeys struct {
	Command binding
	Filter  binding
	Help    binding
	// HelpF1 opens help where ? is text (forms and dialogs).
	HelpF1  binding
	Refresh binding
	Back    binding
	Quit    binding
	ForceQ  binding
	Peek    binding
	Live    binding
	Pin     binding
	Move    binding
}

func newGlobalKeys() globalKeys {
	return globalKeys{
		Command: bind(":", "command prompt (the commands are listed below)", ":").hint("command"),
		Filter:  bind("/", "filter by regex on the name", "/").hint("filter"),
		Help:    bind("?", "help for this view (f1 in forms and dialogs)", "?", "f1").hint("help"),
		HelpF1:  bind("f1", "help for this view (? is text here)", "f1").hint("help"),
		Refresh: bind("ctrl+r", "refresh now", "ctrl+r").hint("refresh"),
		Back:    bind("esc", "back", "esc").hint("back"),
		Quit:    bind("q", "quit", "q").hint("quit"),
		ForceQ:  bind("ctrl+c", "quit (a form with unsent edits asks first)", "ctrl+c"),
		Peek:    bind("p", "peek messages of the selected queue (safely)", "p").hint("peek"),
		Live:    bind("t", "live pane: tap an exchange, tail a stream, consume a queue (asks first)", "t").hint("live"),
		Pin:     bind("w", "pin / unpin the queue on the watch board (:watch)", "w"),
		Move:    bind("m", "move the queue's messages (return dead letters to their origin)", "m").write(),
	}
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

// moves are the table's movement keys, as bindings of a scope.
func (k tableKeys) moves() []binding {
	return []binding{from(k.Up), from(k.Down), from(k.PageUp), from(k.PageDown), from(k.Top), from(k.Bottom)}
}

// open is enter, described for what it opens in one view.
func (k tableKeys) open(what string) binding { return from(k.Open).about(what).hint("open") }

// sortKeys sort a list server-side; pressing the same key again reverses.
type sortKeys struct {
	Name      binding
	Messages  binding
	Consumers binding
	Rate      binding
}

func newSortKeys() sortKeys {
	return sortKeys{
		Name:      bind("N", "sort by name (again: reverse)", "N").hint("sort"),
		Messages:  bind("M", "sort by messages (again: reverse)", "M").hint("sort"),
		Consumers: bind("C", "sort by consumers (again: reverse)", "C").hint("sort"),
		Rate:      bind("R", "sort by rate (again: reverse)", "R").hint("sort"),
	}
}

// of is the binding that sorts by s, if any.
func (k sortKeys) of(s mgmt.SortKey) (binding, bool) {
	switch s {
	case mgmt.SortName:
		return k.Name, true
	case mgmt.SortMessages:
		return k.Messages, true
	case mgmt.SortConsumers:
		return k.Consumers, true
	case mgmt.SortRate:
		return k.Rate, true
	}
	return binding{}, false
}

// promptKeys act while the : or / prompt is open.
type promptKeys struct {
	Accept   key.Binding
	Cancel   key.Binding
	Complete key.Binding
	Move     key.Binding // the cursor; handled by the text input
	Erase    key.Binding
	EraseFwd key.Binding
	EraseAll key.Binding
	EraseWd  key.Binding
}

func newPromptKeys() promptKeys {
	return promptKeys{
		Accept:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run / keep filter")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel / clear filter")),
		Complete: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete")),
		Move:     key.NewBinding(key.WithKeys("left", "right", "home", "end"), key.WithHelp("← → home end", "move the cursor (alt+← alt+→ by word; ctrl+a ctrl+e too)")),
		Erase:    key.NewBinding(key.WithKeys("backspace"), key.WithHelp("backspace", "delete before the cursor")),
		EraseFwd: key.NewBinding(key.WithKeys("delete"), key.WithHelp("delete", "delete under the cursor")),
		EraseAll: key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "clear the line")),
		EraseWd:  key.NewBinding(key.WithKeys("ctrl+w"), key.WithHelp("ctrl+w", "delete the word before the cursor (ctrl+k: to the end)")),
	}
}

func (k promptKeys) scope() keyScope {
	return keyScope{groups: []keyGroup{{"In the : and / prompts", []binding{
		from(k.Accept).hint("run"), from(k.Cancel).hint("cancel"), from(k.Complete).hint("complete"),
		from(k.Move), from(k.Erase), from(k.EraseFwd), from(k.EraseAll), from(k.EraseWd)}}}}
}

// answerKeys answer a dialog's question.
type answerKeys struct {
	Yes binding
	No  binding
}

// answers are y and n, y doing what yes says.
func answers(yes, no string) answerKeys {
	return answerKeys{Yes: bind("y", yes, "y", "Y").hint(yes), No: bind("n", no, "n", "N").hint(no)}
}

// keyMap gathers every scope's keys; it is built once and shared by the views.
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
}

func newKeyMap() keyMap {
	return keyMap{Global: newGlobalKeys(), Table: newTableKeys(), Sort: newSortKeys(), Prompt: newPromptKeys(), Peek: newPeekKeys(), Inspect: newInspectorKeys(), Live: newLiveKeys(), Consume: newConsumeKeys(), Move: newMoveKeys(), Form: newFormKeys(), Write: newWriteKeys()}
}

// keyGroup is one titled block of the help screen.
type keyGroup struct {
	title string
	keys  []binding
}

// keyScope is every key that acts in one place (a view, a dialog, a
// prompt), in titled groups. It is bubbles' help.KeyMap: the footer is
// its short help and the ? screen its full help.
type keyScope struct {
	groups []keyGroup
}

// scopeOf makes a scope of one group.
func scopeOf(title string, keys ...binding) keyScope {
	return keyScope{groups: []keyGroup{{title, keys}}}
}

// with adds a group; an empty one is left out.
func (s keyScope) with(title string, keys ...binding) keyScope {
	if len(keys) > 0 {
		s.groups = append(s.groups[:len(s.groups):len(s.groups)], keyGroup{title, keys})
	}
	return s
}

// bindings is every binding of the scope, in order.
func (s keyScope) bindings() []binding {
	var out []binding
	for _, g := range s.groups {
		out = append(out, g.keys...)
	}
	return out
}

// lookup is the binding of the scope that m presses, if any.
func (s keyScope) lookup(m tea.KeyPressMsg) (binding, bool) {
	for _, b := range s.bindings() {
		if b.Enabled() && key.Matches(m, b.Binding) {
			return b, true
		}
	}
	return binding{}, false
}

// has says whether b (by its keys) is in the scope.
func (s keyScope) has(b binding) bool {
	for _, o := range s.bindings() {
		if strings.Join(o.Keys(), " ") == strings.Join(b.Keys(), " ") {
			return true
		}
	}
	return false
}

// footer is the scope's hints: the bindings with a short word, those
// sharing a word merged (N/M/C/R sort).
func (s keyScope) footer() []key.Binding {
	var out []key.Binding
	at := map[string]int{}
	for _, b := range s.bindings() {
		if b.short == "" {
			continue
		}
		if i, ok := at[b.short]; ok {
			h := out[i].Help()
			if !strings.Contains("/"+h.Key+"/", "/"+b.Help().Key+"/") {
				out[i].SetHelp(h.Key+"/"+b.Help().Key, h.Desc)
			}
			continue
		}
		at[b.short] = len(out)
		out = append(out, key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, b.short)))
	}
	return out
}

var _ help.KeyMap = keyScope{}

// ShortHelp makes keyScope a help.KeyMap: the footer.
func (s keyScope) ShortHelp() []key.Binding { return s.footer() }

// FullHelp makes keyScope a help.KeyMap: one column per group.
func (s keyScope) FullHelp() [][]key.Binding {
	var out [][]key.Binding
	for _, g := range s.groups {
		col := make([]key.Binding, len(g.keys))
		for i, b := range g.keys {
			col[i] = b.Binding
		}
		out = append(out, col)
	}
	return out
}

// refuses is read-only mode's one decision: a binding or command that
// writes is refused, whatever view offers it.
func (c *common) refuses(writes bool) bool { return writes && c.target.ReadOnly }

// refusedCmd says why a write was refused.
func refusedCmd(what string) tea.Cmd {
	return statusCmd("read-only: "+what+" is a write action, unavailable (started with --read-only)", true)
}
