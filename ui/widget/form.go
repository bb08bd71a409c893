package widget

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/ui/theme"
)

type FieldKind int

const (
	TextField FieldKind = iota
	MultiField
	ChoiceField
	ToggleField
)

// Field is one row of a form.
type Field struct {
	Name    string
	label   string
	Hint    string // shown faint after the value
	Kind    FieldKind
	Ed      TextEditor
	choices []string
	choice  int
	On      bool
	height  int  // lines of a multiField
	Hidden  bool // not shown and skipped
}

// cycle steps a choice by d, or flips a yes/no field.
func (f *Field) cycle(d int) {
	if f.Kind == ToggleField {
		f.On = !f.On
		return
	}
	n := len(f.choices)
	f.choice = (f.choice + d + n) % n
}

func (f *Field) Value() string {
	switch f.Kind {
	case ChoiceField:
		return f.choices[f.choice]
	case ToggleField:
		if f.On {
			return "yes"
		}
		return "no"
	}
	return f.Ed.String()
}

// snapshot is every field's value, to tell whether the form was edited.
func (fm *Form) snapshot() string {
	var b strings.Builder
	for _, f := range fm.Fields {
		b.WriteString(f.Value())
		b.WriteByte(0)
	}
	return b.String()
}

// MarkClean takes the values now (opened, or just sent) as nothing to
// lose: esc closes the form unasked until they change.
func (fm *Form) MarkClean() { fm.clean = fm.snapshot() }

// HoldEsc says whether esc should keep the form open, once: it was edited
// since markClean and esc was not held already since the last key press
// (see keyPressed).
func (fm *Form) HoldEsc() bool {
	if fm.escHeld || fm.snapshot() == fm.clean {
		return false
	}
	fm.escHeld = true
	return true
}

// KeyPressed lets the next esc on an edited form be held again.
func (fm *Form) KeyPressed() { fm.escHeld = false }

// Form is a column of fields with one focused. It handles navigation and
// editing; the view that owns it decides what submit means.
type Form struct {
	Fields []*Field
	Focus  int
	// top is the first line shown when the form is taller than its area;
	// render moves it to keep the focused field in view.
	top int
	// clean is the values as opened or last sent; escHeld: esc was held
	// once on unsent edits (holdEsc).
	clean   string
	escHeld bool
}

func NewForm(fields ...*Field) *Form {
	for _, f := range fields {
		f.Ed.multi = f.Kind == MultiField
	}
	fm := &Form{Fields: fields}
	fm.skipHidden(1)
	return fm
}

func TextF(name, label, value, hint string) *Field {
	f := &Field{Name: name, label: label, Hint: hint, Kind: TextField}
	f.Ed.Set(value)
	return f
}

func MultiF(name, label, value string, height int) *Field {
	f := &Field{Name: name, label: label, Kind: MultiField, height: height}
	f.Ed.multi = true
	f.Ed.Set(value)
	f.Ed.pos = 0
	return f
}

func ChoiceF(name, label string, choices []string, choice int, hint string) *Field {
	return &Field{Name: name, label: label, Kind: ChoiceField, choices: choices, choice: choice, Hint: hint}
}

func ToggleF(name, label string, on bool, hint string) *Field {
	return &Field{Name: name, label: label, Kind: ToggleField, On: on, Hint: hint}
}

func (fm *Form) Get(name string) *Field {
	for _, f := range fm.Fields {
		if f.Name == name {
			return f
		}
	}
	panic("form: no field " + name) // a programming error, caught by tests
}

func (fm *Form) Text(name string) string { return strings.TrimSpace(fm.Get(name).Value()) }

func (fm *Form) Focused() *Field { return fm.Fields[fm.Focus] }

// FocusOn moves the focus to a field by name, e.g. the one an error names.
func (fm *Form) FocusOn(name string) {
	for i, f := range fm.Fields {
		if f.Name == name && !f.Hidden {
			fm.Focus = i
		}
	}
}

func (fm *Form) move(d int) {
	n := len(fm.Fields)
	for range n {
		fm.Focus = (fm.Focus + d + n) % n
		if !fm.Fields[fm.Focus].Hidden {
			return
		}
	}
}

func (fm *Form) skipHidden(d int) {
	if fm.Fields[fm.Focus].Hidden {
		fm.move(d)
	}
}

// Key handles navigation and editing; false when the key is not the
// form's (submit, editor and cancel are the owner's).
func (fm *Form) Key(m tea.KeyPressMsg, next, prev key.Binding) bool {
	f := fm.Focused()
	switch {
	case key.Matches(m, next):
		fm.move(1)
		return true
	case key.Matches(m, prev):
		fm.move(-1)
		return true
	}
	k := fieldKeys
	switch f.Kind {
	case ChoiceField, ToggleField:
		switch {
		case key.Matches(m, k.Change):
			f.cycle(1)
		case key.Matches(m, k.Back):
			f.cycle(-1)
		case key.Matches(m, k.Next):
			fm.move(1)
		case key.Matches(m, k.Prev):
			fm.move(-1)
		default:
			return false
		}
		return true
	case TextField:
		switch {
		case key.Matches(m, k.Next):
			fm.move(1)
			return true
		case key.Matches(m, k.Prev):
			fm.move(-1)
			return true
		}
	}
	return f.Ed.Key(m)
}

// Paste inserts pasted text into the focused text field.
func (fm *Form) Paste(s string) {
	if f := fm.Focused(); f.Kind == TextField || f.Kind == MultiField {
		f.Ed.Insert(s)
	}
}

// Render draws the fields, scrolled so the focused one shows.
func (fm *Form) Render(th theme.Theme, w, h int) []string {
	const labelW = 18
	valueW := max(w-labelW-2, 10)
	var lines []string
	// hinted appends line with its hint after it or, when the two do not
	// fit the width, with the hint wrapped on the rows below, under the
	// value: a hint may be a risk the person must read whole.
	hinted := func(line, hint string) {
		h := safe(hint)
		switch {
		case h == "":
			lines = append(lines, line)
		case ansi.StringWidth(line)+2+ansi.StringWidth(h) <= w:
			lines = append(lines, line+"  "+th.Faint.Render(h))
		default:
			lines = append(lines, line)
			for _, r := range strings.Split(ansi.Wrap(h, max(w-labelW-1, 10), ""), "\n") {
				lines = append(lines, strings.Repeat(" ", labelW+1)+th.Faint.Render(r))
			}
		}
	}
	focusStart, focusEnd := 0, 0
	for i, f := range fm.Fields {
		if f.Hidden {
			continue
		}
		focused := i == fm.Focus
		label := th.Label.Render(Cell(f.label, labelW, false))
		if focused {
			label = th.FieldFocus.Render(Cell("▸ "+f.label, labelW, false))
		}
		if focused {
			focusStart = len(lines)
		}
		switch f.Kind {
		case ChoiceField:
			var parts []string
			for j, c := range f.choices {
				if j == f.choice {
					parts = append(parts, th.Chosen.Render(" "+safe(c)+" "))
				} else {
					parts = append(parts, th.Faint.Render(" "+safe(c)+" "))
				}
			}
			hinted(label+" "+strings.Join(parts, ""), f.Hint)
		case ToggleField:
			box := "[ ] no"
			if f.On {
				box = "[x] yes"
			}
			hinted(label+" "+th.Field.Render(" "+box+" "), f.Hint)
		case TextField:
			v := f.Ed.Lines(th, valueW-2, 1, focused)[0]
			line := label + " " + v
			switch {
			case f.Ed.String() == "":
				hinted(line, f.Hint) // a hint may name a queue: safe escapes it
			case f.Hint != "" && focused && ansi.StringWidth(v)+ansi.StringWidth(f.Hint)+2 <= valueW:
				line += "  " + th.Faint.Render(safe(f.Hint))
				fallthrough
			default:
				lines = append(lines, line)
			}
		case MultiField:
			shown := f.Ed.Lines(th, valueW, f.height, focused)
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
			if f.Hint != "" {
				hinted(strings.Repeat(" ", labelW), f.Hint)
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
