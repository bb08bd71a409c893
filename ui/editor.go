package ui

import (
	"strings"
	"unicode"

	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/ui/theme"
)

// textEditor edits a form field's text with a cursor: one line, or many
// when multi is set (headers, body). Like lineInput it owns no timers, so
// an idle form costs nothing.
type textEditor struct {
	r     []rune
	pos   int  // cursor, 0..len(r)
	multi bool // enter inserts a newline; up and down move by line
	top   int  // first line shown (multi)
}

func (e *textEditor) set(s string) { e.r, e.pos, e.top = []rune(s), len([]rune(s)), 0 }
func (e *textEditor) String() string {
	return string(e.r)
}

func (e *textEditor) insert(s string) {
	if !e.multi {
		s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	} else {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	in := []rune(s)
	r := make([]rune, 0, len(e.r)+len(in))
	r = append(append(append(r, e.r[:e.pos]...), in...), e.r[e.pos:]...)
	e.r, e.pos = r, e.pos+len(in)
}

// lineBounds gives the start and end (exclusive) of the line holding i.
func (e *textEditor) lineBounds(i int) (int, int) {
	start, end := i, i
	for start > 0 && e.r[start-1] != '\n' {
		start--
	}
	for end < len(e.r) && e.r[end] != '\n' {
		end++
	}
	return start, end
}

// key applies an editing key; false when the key is not an editing key.
func (e *textEditor) key(m tea.KeyPressMsg) bool {
	switch m.String() {
	case "left":
		e.pos = max(e.pos-1, 0)
	case "right":
		e.pos = min(e.pos+1, len(e.r))
	case "home", "ctrl+a":
		e.pos, _ = e.lineBounds(e.pos)
	case "end":
		_, e.pos = e.lineBounds(e.pos)
	case "backspace":
		if e.pos > 0 {
			e.r = append(e.r[:e.pos-1], e.r[e.pos:]...)
			e.pos--
		}
	case "delete", "ctrl+d":
		if e.pos < len(e.r) {
			e.r = append(e.r[:e.pos], e.r[e.pos+1:]...)
		}
	case "ctrl+u": // to the start of the line
		start, _ := e.lineBounds(e.pos)
		e.r, e.pos = append(e.r[:start], e.r[e.pos:]...), start
	case "ctrl+k": // to the end of the line
		_, end := e.lineBounds(e.pos)
		e.r = append(e.r[:e.pos], e.r[end:]...)
	case "ctrl+w":
		i := e.pos
		for i > 0 && unicode.IsSpace(e.r[i-1]) {
			i--
		}
		for i > 0 && !unicode.IsSpace(e.r[i-1]) {
			i--
		}
		e.r, e.pos = append(e.r[:i], e.r[e.pos:]...), i
	case "up", "down":
		if !e.multi {
			return false
		}
		e.vertical(m.String() == "up")
	case "enter":
		if !e.multi {
			return false
		}
		e.insert("\n")
	case "tab":
		return false
	default:
		if m.Text == "" {
			return false
		}
		e.insert(m.Text)
	}
	return true
}

// vertical moves the cursor a line up or down, keeping its column.
func (e *textEditor) vertical(up bool) {
	start, end := e.lineBounds(e.pos)
	col := e.pos - start
	switch {
	case up && start > 0:
		ps, _ := e.lineBounds(start - 1)
		e.pos = min(ps+col, start-1)
	case !up && end < len(e.r):
		_, ne := e.lineBounds(end + 1)
		e.pos = min(end+1+col, ne)
	}
}

// lines renders the text as at most h lines of width w, the cursor shown
// when focused. Control characters show as · so they cannot break the
// layout; the text itself keeps them.
func (e *textEditor) lines(th theme.Theme, w, h int, focused bool) []string {
	w = max(w, 4)
	if !e.multi {
		h = 1
	}
	all := strings.Split(string(e.r), "\n")
	// The cursor's line and column.
	cl, cc, n := 0, 0, 0
	for i, l := range all {
		ln := len([]rune(l))
		if e.pos <= n+ln {
			cl, cc = i, e.pos-n
			break
		}
		n += ln + 1
	}
	if cl < e.top {
		e.top = cl
	}
	if cl >= e.top+h {
		e.top = cl - h + 1
	}
	e.top = min(e.top, max(len(all)-1, 0))
	out := make([]string, 0, h)
	for i := e.top; i < len(all) && len(out) < h; i++ {
		r := []rune(all[i])
		from := 0
		if i == cl && cc >= w-1 {
			from = cc - w + 2 // scroll sideways to keep the cursor in view
		}
		r = r[min(from, len(r)):]
		col := cc - from
		if len(r) > w-1 {
			r = r[:w-1]
		}
		vis := []rune(visibleText(string(r)))
		var b strings.Builder
		if focused && i == cl {
			b.WriteString(string(vis[:min(col, len(vis))]))
			at := " "
			if col < len(vis) {
				at = string(vis[col])
			}
			b.WriteString(th.Cursor.Render(at))
			if col+1 < len(vis) {
				b.WriteString(string(vis[col+1:]))
			}
		} else {
			b.WriteString(string(vis))
		}
		out = append(out, b.String())
	}
	if len(out) == 0 {
		out = append(out, "")
	}
	return out
}

// visibleText maps control characters to · one for one, keeping columns.
func visibleText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '·'
		}
		return r
	}, s)
}
