package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/ui/theme"
)

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

type fieldKind int

const (
	textField fieldKind = iota
	multiField
	choiceField
	toggleField
)

// field is one row of a form.
type field struct {
	name    string
	label   string
	hint    string // shown faint after the value
	kind    fieldKind
	ed      textEditor
	choices []string
	choice  int
	on      bool
	height  int  // lines of a multiField
	hidden  bool // not shown and skipped
}

// cycle steps a choice by d, or flips a yes/no field.
func (f *field) cycle(d int) {
	if f.kind == toggleField {
		f.on = !f.on
		return
	}
	n := len(f.choices)
	f.choice = (f.choice + d + n) % n
}

func (f *field) value() string {
	switch f.kind {
	case choiceField:
		return f.choices[f.choice]
	case toggleField:
		if f.on {
			return "yes"
		}
		return "no"
	}
	return f.ed.String()
}

// snapshot is every field's value, to tell whether the form was edited.
func (fm *form) snapshot() string {
	var b strings.Builder
	for _, f := range fm.fields {
		b.WriteString(f.value())
		b.WriteByte(0)
	}
	return b.String()
}

// markClean takes the values now (opened, or just sent) as nothing to
// lose: esc closes the form unasked until they change.
func (fm *form) markClean() { fm.clean = fm.snapshot() }

// holdEsc says whether esc should keep the form open, once: it was edited
// since markClean and esc was not held already since the last key press
// (see keyPressed).
func (fm *form) holdEsc() bool {
	if fm.escHeld || fm.snapshot() == fm.clean {
		return false
	}
	fm.escHeld = true
	return true
}

// keyPressed lets the next esc on an edited form be held again.
func (fm *form) keyPressed() { fm.escHeld = false }

// form is a column of fields with one focused. It handles navigation and
// editing; the view that owns it decides what submit means.
type form struct {
	fields []*field
	focus  int
	// top is the first line shown when the form is taller than its area;
	// render moves it to keep the focused field in view.
	top int
	// clean is the values as opened or last sent; escHeld: esc was held
	// once on unsent edits (holdEsc).
	clean   string
	escHeld bool
}

func newForm(fields ...*field) *form {
	for _, f := range fields {
		f.ed.multi = f.kind == multiField
	}
	fm := &form{fields: fields}
	fm.skipHidden(1)
	return fm
}

func textF(name, label, value, hint string) *field {
	f := &field{name: name, label: label, hint: hint, kind: textField}
	f.ed.set(value)
	return f
}

func multiF(name, label, value string, height int) *field {
	f := &field{name: name, label: label, kind: multiField, height: height}
	f.ed.multi = true
	f.ed.set(value)
	f.ed.pos = 0
	return f
}

func choiceF(name, label string, choices []string, choice int, hint string) *field {
	return &field{name: name, label: label, kind: choiceField, choices: choices, choice: choice, hint: hint}
}

func toggleF(name, label string, on bool, hint string) *field {
	return &field{name: name, label: label, kind: toggleField, on: on, hint: hint}
}

func (fm *form) get(name string) *field {
	for _, f := range fm.fields {
		if f.name == name {
			return f
		}
	}
	panic("form: no field " + name) // a programming error, caught by tests
}

func (fm *form) text(name string) string { return strings.TrimSpace(fm.get(name).value()) }

func (fm *form) focused() *field { return fm.fields[fm.focus] }

// focusOn moves the focus to a field by name, e.g. the one an error names.
func (fm *form) focusOn(name string) {
	for i, f := range fm.fields {
		if f.name == name && !f.hidden {
			fm.focus = i
		}
	}
}

func (fm *form) move(d int) {
	n := len(fm.fields)
	for range n {
		fm.focus = (fm.focus + d + n) % n
		if !fm.fields[fm.focus].hidden {
			return
		}
	}
}

func (fm *form) skipHidden(d int) {
	if fm.fields[fm.focus].hidden {
		fm.move(d)
	}
}

// key handles navigation and editing; false when the key is not the
// form's (submit, editor and cancel are the owner's).
func (fm *form) key(m tea.KeyPressMsg, k formKeys) bool {
	f := fm.focused()
	switch {
	case key.Matches(m, k.Next):
		fm.move(1)
		return true
	case key.Matches(m, k.Prev):
		fm.move(-1)
		return true
	}
	switch f.kind {
	case choiceField, toggleField:
		switch m.String() {
		case "space", "right", "x":
			f.cycle(1)
		case "left":
			f.cycle(-1)
		case "enter", "down":
			fm.move(1)
		case "up":
			fm.move(-1)
		default:
			return false
		}
		return true
	case textField:
		switch m.String() {
		case "enter", "down":
			fm.move(1)
			return true
		case "up":
			fm.move(-1)
			return true
		}
	}
	return f.ed.key(m)
}

// paste inserts pasted text into the focused text field.
func (fm *form) paste(s string) {
	if f := fm.focused(); f.kind == textField || f.kind == multiField {
		f.ed.insert(s)
	}
}

// render draws the fields, scrolled so the focused one shows.
func (fm *form) render(th theme.Theme, w, h int) []string {
	const labelW = 18
	valueW := max(w-labelW-2, 10)
	var lines []string
	focusStart, focusEnd := 0, 0
	for i, f := range fm.fields {
		if f.hidden {
			continue
		}
		focused := i == fm.focus
		label := th.Label.Render(cell(f.label, labelW, false))
		if focused {
			label = th.FieldFocus.Render(cell("▸ "+f.label, labelW, false))
		}
		if focused {
			focusStart = len(lines)
		}
		switch f.kind {
		case choiceField:
			var parts []string
			for j, c := range f.choices {
				if j == f.choice {
					parts = append(parts, th.Field.Render(" "+safe(c)+" "))
				} else {
					parts = append(parts, th.Faint.Render(" "+safe(c)+" "))
				}
			}
			lines = append(lines, label+" "+strings.Join(parts, "")+"  "+th.Faint.Render(safe(f.hint)))
		case toggleField:
			box := "[ ] no"
			if f.on {
				box = "[x] yes"
			}
			lines = append(lines, label+" "+th.Field.Render(" "+box+" ")+"  "+th.Faint.Render(safe(f.hint)))
		case textField:
			v := f.ed.lines(th, valueW-2, 1, focused)[0]
			line := label + " " + v
			if f.hint != "" && (f.ed.String() == "" || focused && ansi.StringWidth(v)+len(f.hint)+2 <= valueW) {
				line += "  " + th.Faint.Render(safe(f.hint)) // a hint may name a queue
			}
			lines = append(lines, line)
		case multiField:
			shown := f.ed.lines(th, valueW, f.height, focused)
			for len(shown) < f.height {
				shown = append(shown, "")
			}
			for j, l := range shown {
				lead := label
				if j > 0 {
					lead = strings.Repeat(" ", labelW)
				}
				lines = append(lines, lead+" "+th.Faint.Render("│")+l)
			}
			if f.hint != "" {
				lines = append(lines, strings.Repeat(" ", labelW)+" "+th.Faint.Render(safe(f.hint)))
			}
		}
		if focused {
			focusEnd = len(lines)
		}
	}
	for i, l := range lines { // wide runes or a long hint must not widen the screen
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	if h <= 0 || len(lines) <= h {
		fm.top = 0
		return lines
	}
	if focusStart < fm.top {
		fm.top = focusStart
	}
	if focusEnd > fm.top+h {
		fm.top = min(focusEnd-h, focusStart)
	}
	fm.top = max(min(fm.top, len(lines)-h), 0)
	return lines[fm.top:min(fm.top+h, len(lines))]
}
