package widget

import "charm.land/bubbles/v2/key"

// EditorKeys are the text editor's own keys. The editor matches these
// bindings and nothing else, so a screen can list them in its help.
type EditorKeys struct {
	Left      key.Binding
	Right     key.Binding
	Home      key.Binding
	End       key.Binding
	Backspace key.Binding
	Delete    key.Binding
	ToStart   key.Binding // delete to the start of the line
	ToEnd     key.Binding // delete to the end of the line
	Word      key.Binding // delete the word before the cursor
	Up        key.Binding // multi-line only
	Down      key.Binding // multi-line only
	Newline   key.Binding // multi-line only
}

// NewEditorKeys is the editor's keymap.
func NewEditorKeys() EditorKeys {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return EditorKeys{
		Left:      b("←", "cursor left", "left"),
		Right:     b("→", "cursor right", "right"),
		Home:      b("home/ctrl+a", "start of the line", "home", "ctrl+a"),
		End:       b("end", "end of the line", "end"),
		Backspace: b("backspace", "delete before the cursor", "backspace"),
		Delete:    b("delete/ctrl+d", "delete under the cursor", "delete", "ctrl+d"),
		ToStart:   b("ctrl+u", "delete to the start of the line", "ctrl+u"),
		ToEnd:     b("ctrl+k", "delete to the end of the line", "ctrl+k"),
		Word:      b("ctrl+w", "delete the word before the cursor", "ctrl+w"),
		Up:        b("↑", "line up (headers and body)", "up"),
		Down:      b("↓", "line down (headers and body)", "down"),
		Newline:   b("enter", "a new line (headers and body)", "enter"),
	}
}

// FieldKeys move between a form's fields and change a choice; the
// editor has the rest.
type FieldKeys struct {
	Next   key.Binding // enter and down in a one-line field
	Prev   key.Binding // up in a one-line field
	Change key.Binding // a choice or yes/no field: the next value
	Back   key.Binding // a choice or yes/no field: the previous value
}

// NewFieldKeys is the form's own keymap.
func NewFieldKeys() FieldKeys {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return FieldKeys{
		Next:   b("enter/↓", "next field (in a one-line or choice field)", "enter", "down"),
		Prev:   b("↑", "previous field (in a one-line or choice field)", "up"),
		Change: b("space/→/x", "change a choice or yes/no field", "space", "right", "x"),
		Back:   b("←", "change a choice back", "left"),
	}
}

var (
	editorKeys = NewEditorKeys()
	fieldKeys  = NewFieldKeys()
)
