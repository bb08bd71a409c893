package widget

import (
	"strings"
	"unicode"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/ui/theme"
)

// TextEditor edits a form field's text with a cursor: one line, or many
// when multi is set (headers, body). Like lineInput it owns no timers, so
// an idle form costs nothing.
type TextEditor struct {
	r     []rune
	pos   int  // cursor, 0..len(r)
	multi bool // enter inserts a newline; up and down move by line
	top   int  // first row shown (multi)
	width int  // the row width last drawn, for up and down
}

func (e *TextEditor) Set(s string) {
	if !e.multi {
		s = oneLine(s)
	}
	e.r, e.pos, e.top = []rune(s), len([]rune(s)), 0
}

// oneLine turns line breaks into spaces: a one-line field must send
// exactly what it shows.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}
func (e *TextEditor) String() string {
	return string(e.r)
}

func (e *TextEditor) Insert(s string) {
	if !e.multi {
		s = oneLine(s)
	} else {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	in := []rune(s)
	r := make([]rune, 0, len(e.r)+len(in))
	r = append(append(append(r, e.r[:e.pos]...), in...), e.r[e.pos:]...)
	e.r, e.pos = r, e.pos+len(in)
}

// lineBounds gives the start and end (exclusive) of the line holding i.
func (e *TextEditor) lineBounds(i int) (int, int) {
	start, end := i, i
	for start > 0 && e.r[start-1] != '\n' {
		start--
	}
	for end < len(e.r) && e.r[end] != '\n' {
		end++
	}
	return start, end
}

// Key applies an editing key; false when the key is not an editing key.
func (e *TextEditor) Key(m tea.KeyPressMsg) bool {
	k := editorKeys
	switch {
	case key.Matches(m, k.Left):
		e.pos = max(e.pos-1, 0)
	case key.Matches(m, k.Right):
		e.pos = min(e.pos+1, len(e.r))
	case key.Matches(m, k.Home):
		e.pos, _ = e.lineBounds(e.pos)
	case key.Matches(m, k.End):
		_, e.pos = e.lineBounds(e.pos)
	case key.Matches(m, k.Backspace):
		if e.pos > 0 {
			e.r = append(e.r[:e.pos-1], e.r[e.pos:]...)
			e.pos--
		}
	case key.Matches(m, k.Delete):
		if e.pos < len(e.r) {
			e.r = append(e.r[:e.pos], e.r[e.pos+1:]...)
		}
	case key.Matches(m, k.ToStart):
		start, _ := e.lineBounds(e.pos)
		e.r, e.pos = append(e.r[:start], e.r[e.pos:]...), start
	case key.Matches(m, k.ToEnd):
		_, end := e.lineBounds(e.pos)
		e.r = append(e.r[:e.pos], e.r[end:]...)
	case key.Matches(m, k.Word):
		i := e.pos
		for i > 0 && unicode.IsSpace(e.r[i-1]) {
			i--
		}
		for i > 0 && !unicode.IsSpace(e.r[i-1]) {
			i--
		}
		e.r, e.pos = append(e.r[:i], e.r[e.pos:]...), i
	case key.Matches(m, k.Up, k.Down):
		if !e.multi {
			return false
		}
		e.vertical(key.Matches(m, k.Up))
	case key.Matches(m, k.Newline):
		if !e.multi {
			return false
		}
		e.Insert("\n")
	default:
		if m.Text == "" || m.Code == tea.KeyTab {
			return false
		}
		e.Insert(m.Text)
	}
	return true
}

// vertical moves the cursor a display row up or down, keeping its column.
func (e *TextEditor) vertical(up bool) {
	rows, starts, cr, cc := e.rows(e.width)
	to := cr + 1
	if up {
		to = cr - 1
	}
	if to < 0 || to >= len(rows) {
		return
	}
	e.pos = starts[to] + min(cc, len(rows[to]))
}

// Lines renders the text as at most h lines of width w, the cursor shown
// when focused. A one-line field scrolls sideways to keep the cursor in
// view; a multi-line field wraps long lines. Control and bidi runes show
// escaped (\x1b, \u202e), so they can neither act nor hide; the text itself
// keeps them. Columns count runes, so a line of escapes may be cut short
// on screen.
func (e *TextEditor) Lines(th theme.Theme, w, h int, focused bool) []string {
	w = max(w, 4)
	e.width = w - 1
	rows, _, cr, cc := e.rows(e.width)
	if !e.multi {
		h = 1
		// Scroll sideways, counting cells as shown (escapes, wide runes):
		// the cursor keeps its cell and the row fits w-1 cells.
		r := rows[0]
		from, used := min(cc, len(r)), 1
		for from > 0 && used+runeCells(r[from-1]) <= w-1 {
			from--
			used += runeCells(r[from])
		}
		end, cells := from, 0
		for end < len(r) && cells+runeCells(r[end]) <= w-1 {
			cells += runeCells(r[end])
			end++
		}
		rows[0], cc = r[from:end], cc-from
	}
	if cr < e.top {
		e.top = cr
	}
	if cr >= e.top+h {
		e.top = cr - h + 1
	}
	e.top = max(min(e.top, len(rows)-1), 0)
	out := make([]string, 0, h)
	for i := e.top; i < len(rows) && len(out) < h; i++ {
		var b strings.Builder
		for j, r := range rows[i] {
			if focused && i == cr && j == cc {
				b.WriteString(th.Cursor.Render(shownRune(r)))
			} else if message.Unsafe(r) {
				b.WriteString(shownRune(r))
			} else {
				b.WriteRune(r)
			}
		}
		if focused && i == cr && cc >= len(rows[i]) {
			b.WriteString(th.Cursor.Render(" "))
		}
		out = append(out, b.String())
	}
	return out
}

// shownRune is one rune of edited text as the terminal shows it.
func shownRune(r rune) string { return message.Escape(string(r)) }

// fitRunes is how many runes of r fit in w cells as shown; at least one,
// so that wrapping always moves on.
func fitRunes(r []rune, w int) int {
	cells := 0
	for i, c := range r {
		if cells += runeCells(c); cells > w {
			return max(i, 1)
		}
	}
	return len(r)
}

// runeCells is how many cells shownRune(r) takes.
func runeCells(r rune) int {
	if message.Unsafe(r) {
		return len(shownRune(r))
	}
	return max(ansi.StringWidth(string(r)), 1)
}

// rows splits the text into display rows: one per line, and for a
// multi-line field a long line wraps where its next rune would pass w
// cells as shown (escapes, wide runes). starts holds each row's offset in
// the text; the cursor's row and column (in runes) come with them.
func (e *TextEditor) rows(w int) (rows [][]rune, starts []int, cursorRow, cursorCol int) {
	n := 0
	for _, line := range strings.Split(string(e.r), "\n") {
		r := []rune(line)
		first, at := len(rows), n
		if e.multi && w > 0 {
			for k := fitRunes(r, w); k < len(r); k = fitRunes(r, w) {
				rows, starts, r, at = append(rows, r[:k]), append(starts, at), r[k:], at+k
			}
		}
		rows, starts = append(rows, r), append(starts, at)
		if ln := len([]rune(line)); e.pos >= n && e.pos <= n+ln {
			// The row holding the cursor; at the end of a full last row it
			// stays there, one past its last rune.
			for i := first; i < len(rows); i++ {
				if off := e.pos - starts[i]; off < len(rows[i]) || i == len(rows)-1 {
					cursorRow, cursorCol = i, off
					break
				}
			}
		}
		n += len([]rune(line)) + 1
	}
	return rows, starts, cursorRow, cursorCol
}
