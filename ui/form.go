package ui

import "charm.land/bubbles/v2/key"

// formKeys are the screens' keys in every form (publish, republish,
// declare, move target); the fields' own keys are the widget's
// (formScope lists both).
type formKeys struct {
	Next   key.Binding
	Prev   key.Binding
	Submit key.Binding
	Editor key.Binding
	Cancel key.Binding
	// Trace acts in the publish form only: where would this message go?
	Trace key.Binding
}

func newFormKeys() formKeys {
	return formKeys{
		Next:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field")),
		Prev:   key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous field")),
		Submit: key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "send / run the form")),
		Editor: key.NewBinding(key.WithKeys("ctrl+e"), key.WithHelp("ctrl+e", "edit the field in $EDITOR")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close the form (nothing is sent)")),
		Trace:  key.NewBinding(key.WithKeys("ctrl+t"), key.WithHelp("ctrl+t", "trace: where this message would go (nothing is sent)")),
	}
}
