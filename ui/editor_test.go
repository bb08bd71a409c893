package ui

import (
	"reflect"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/ui/theme"
)

func keys(e *textEditor, ks ...string) {
	for _, k := range ks {
		e.key(press(k).(tea.KeyPressMsg))
	}
}

func TestTextEditorEdits(t *testing.T) {
	var e textEditor
	e.set("hello world")
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
	if e.key(press("enter").(tea.KeyPressMsg)) {
		t.Fatal("enter is not an edit in a one-line field")
	}
	e.insert("a\nb")
	if e.String() != "a b" {
		t.Fatalf("a one-line field takes pasted newlines as spaces: %q", e.String())
	}
}

func TestTextEditorWrapsAndMovesByRow(t *testing.T) {
	e := textEditor{multi: true}
	e.set("abcdefghij\nxy")
	e.pos = 2
	got := e.lines(theme.Default(), 5, 10, false) // rows of 4
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
	rows := e.lines(theme.Default(), 5, 2, true)
	if len(rows) != 2 || !strings.HasPrefix(ansi.Strip(rows[1]), "xy") {
		t.Fatalf("window should follow the cursor: %q", rows)
	}
}

func TestOneLineFieldScrollsToTheCursor(t *testing.T) {
	var e textEditor
	e.set(strings.Repeat("a", 30) + "END")
	row := ansi.Strip(e.lines(theme.Default(), 10, 1, true)[0])
	if !strings.Contains(row, "END") || len([]rune(row)) > 10 {
		t.Fatalf("the end should show with the cursor: %q", row)
	}
}

// Escaped runes and wide runes take their cells in the sideways scroll:
// the row fits its width and the cursor at the end shows.
func TestOneLineFieldScrollsByCells(t *testing.T) {
	for _, text := range []string{strings.Repeat("\x1b]8;;x", 8) + "END", strings.Repeat("東京", 12) + "END"} {
		var e textEditor
		e.set(text)
		line := e.lines(theme.Default(), 20, 1, true)[0]
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
	e := textEditor{multi: true}
	text := "ab\u202ecd東京ef\x1bgh"
	e.set(text)
	e.pos = 0
	got := e.lines(theme.Default(), 7, 10, false) // rows of 6 cells
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
