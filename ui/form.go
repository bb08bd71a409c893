package ui

import "charm.land/bubbles/v2/key"

// formKeys act in every form (publish, republish, declare, move target).
type formKeys struct {
	Next   key.Binding
	Prev   key.Binding
	Submit key.Binding
	Editor key.Binding
	Cancel key.Binding
	Cycle  key.Binding
	// Trace acts in the publish form only: where would this message go?
	Trace key.Binding
}

func newFormKeys() formKeys {
	return formKeys{
		Next:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field (enter too, in a one-line field)")),
		Prev:   key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous field")),
		Submit: key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "send / run the form")),
		Editor: key.NewBinding(key.WithKeys("ctrl+e"), key.WithHelp("ctrl+e", "edit the field in $EDITOR")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close the form (nothing is sent)")),
		Cycle:  key.NewBinding(key.WithKeys("space", "left", "right"), key.WithHelp("space/←/→", "change a choice or a yes/no field")),
		Trace:  key.NewBinding(key.WithKeys("ctrl+t"), key.WithHelp("ctrl+t", "trace: where this message would go (nothing is sent)")),
	}
}

func (k formKeys) bindings() []key.Binding {
	return []key.Binding{k.Next, k.Prev, k.Submit, k.Editor, k.Cancel, k.Cycle}
}

// editKeys are listed in help; textEditor handles them itself.
func editKeys() []key.Binding {
	return []key.Binding{
		key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→ home/end", "move the cursor (ctrl+a: start of line)")),
		key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "in headers and body: line up / down; elsewhere: field up / down")),
		key.NewBinding(key.WithKeys("ctrl+u", "ctrl+k"), key.WithHelp("ctrl+u/ctrl+k", "delete to the start / end of the line")),
		key.NewBinding(key.WithKeys("ctrl+w"), key.WithHelp("ctrl+w", "delete a word")),
	}
}
