package widget

import (
	"reflect"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/ui/theme"
)

func keys(e *TextEditor, ks ...string) {
	for _, k := range ks {
		e.Key(press(k).(tea.KeyPressMsg))
	}
}

func TestTextEditorEdits(t *testing.T) {
	var e TextEditor
	e.Set("hello world")
	keys(&e, "ctrl+w")
	if e.String() != "hello " {
		t.Fatalf("ctrl+w: %q", e.String())
	}
	keys(&e, "home", "X", "end", "!")
	if e.String() != "Xhello !" {
		t.Fatalf("home/end insert: %q", e.String())
	}
	keys(&e, "left", "left", "backspace")
	if e.String() != "Xhell !" {
		t.Fatalf("backspace: %q", e.String())
	}
	keys(&e, "ctrl+k")
	if e.String() != "Xhell" {
		t.Fatalf("ctrl+k: %q", e.String())
	}
	keys(&e, "ctrl+u")
	if e.String() != "" {
		t.Fatalf("ctrl+u: %q", e.String())
	}
	if e.Key(press("enter").(tea.KeyPressMsg)) {
		t.Fatal("enter is not an edit in a one-line field")
	}
	e.Insert("a\nb")
	if e.String() != "a b" {
		t.Fatalf("a one-line field takes pasted newlines as spaces: %q", e.String())
	}
}

func TestTextEditorWrapsAndMovesByRow(t *testing.T) {
	e := TextEditor{multi: true}
	e.Set("abcdefghij\nxy")
	e.pos = 2
	got := e.Lines(theme.Default(), 5, 10, false) // rows of 4
	if want := []string{"abcd", "efgh", "ij", "xy"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("wrapped rows %q, want %q", got, want)
	}
	keys(&e, "down")
	if e.pos != 6 {
		t.Fatalf("down keeps the column on the next row: pos %d", e.pos)
	}
	keys(&e, "down", "down")
	if e.pos != 13 {
		t.Fatalf("down onto a short row stops at its end: pos %d", e.pos)
	}
	keys(&e, "up")
	if e.pos != 10 {
		t.Fatalf("up: pos %d", e.pos)
	}
	keys(&e, "enter")
	if e.String() != "abcdefghij\n\nxy" {
		t.Fatalf("enter inserts a newline in a multi-line field: %q", e.String())
	}
	// The cursor row stays in view of a short window.
	e.pos = len(e.r)
	rows := e.Lines(theme.Default(), 5, 2, true)
	if len(rows) != 2 || !strings.HasPrefix(ansi.Strip(rows[1]), "xy") {
		t.Fatalf("window should follow the cursor: %q", rows)
	}
}

func TestOneLineFieldScrollsToTheCursor(t *testing.T) {
	var e TextEditor
	e.Set(strings.Repeat("a", 30) + "END")
	row := ansi.Strip(e.Lines(theme.Default(), 10, 1, true)[0])
	if !strings.Contains(row, "END") || len([]rune(row)) > 10 {
		t.Fatalf("the end should show with the cursor: %q", row)
	}
}

// Escaped runes and wide runes take their cells in the sideways scroll:
// the row fits its width and the cursor at the end shows.
func TestOneLineFieldScrollsByCells(t *testing.T) {
	for _, text := range []string{strings.Repeat("\x1b]8;;x", 8) + "END", strings.Repeat("東京", 12) + "END"} {
		var e TextEditor
		e.Set(text)
		line := e.Lines(theme.Default(), 20, 1, true)[0]
		row := ansi.Strip(line)
		if !strings.Contains(row, "END") || ansi.StringWidth(row) > 20 {
			t.Errorf("%q shows as %q (%d cells): want the end, within 20 cells", text, row, ansi.StringWidth(row))
		}
		if strings.ContainsRune(text, 0x1b) && !strings.Contains(row, `\x1b`) {
			t.Errorf("%q: the escapes should show: %q", text, row)
		}
	}
}

// A multi-line field wraps by the cells runes take on screen, so no row
// is cut: every rune of the text shows.
func TestMultiLineFieldWrapsByCells(t *testing.T) {
	e := TextEditor{multi: true}
	text := "ab\u202ecd東京ef\x1bgh"
	e.Set(text)
	e.pos = 0
	got := e.Lines(theme.Default(), 7, 10, false) // rows of 6 cells
	want := []string{`ab`, `\u202e`, `cd東京`, `ef\x1b`, `gh`}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows %q, want %q", got, want)
	}
	for _, r := range got {
		if ansi.StringWidth(r) > 6 {
			t.Errorf("row %q is wider than 6 cells", r)
		}
	}
}

// press is the key press a person makes by the key's name ("enter",
// "ctrl+w", "x").
func press(s string) tea.Msg {
	named := map[string]rune{"enter": tea.KeyEnter, "up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft,
		"right": tea.KeyRight, "home": tea.KeyHome, "end": tea.KeyEnd, "backspace": tea.KeyBackspace, "delete": tea.KeyDelete}
	if c, ok := named[s]; ok {
		return tea.KeyPressMsg{Code: c}
	}
	if c, ok := strings.CutPrefix(s, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: []rune(c)[0], Mod: tea.ModCtrl}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}
