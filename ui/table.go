package ui

import (
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui/theme"
)

// column describes one table column. Width is the minimum; Flex shares out
// what is left of the screen.
type column struct {
	Title string
	Width int
	Flex  int
	Right bool
	Sort  mgmt.SortKey // the sort this column shows, if any
	// Drop orders what goes when the screen is too narrow for every
	// column: the highest Drop first. Columns with none stay longest.
	Drop int
	// Fit widens the column to its longest cell, up to Fit cells.
	Fit int
}

// table is a cursor over rows of plain cells, rendered to a fixed size.
// It knows nothing of what the rows are.
type table struct {
	cols   []column
	rows   [][]string
	cursor int
	offset int
	height int // visible rows, not counting the header
	width  int
	// lines keeps each visible row as last drawn, by its cells and
	// whether it was selected, so an unchanged page costs no width
	// measuring on the next frame.
	lines      map[string]string
	linesWidth int
}

func (t *table) setRows(rows [][]string) {
	t.rows = rows
	t.clamp()
}

func (t *table) setSize(w, h int) {
	t.lines = nil // a new size or theme: draw every row afresh
	t.width, t.height = w, max(h, 1)
	t.clamp()
}

func (t *table) move(delta int) {
	t.cursor += delta
	t.clamp()
}

func (t *table) top()    { t.cursor = 0; t.clamp() }
func (t *table) bottom() { t.cursor = len(t.rows) - 1; t.clamp() }

func (t *table) atBottom() bool { return len(t.rows) == 0 || t.cursor >= len(t.rows)-1 }
func (t *table) atTop() bool    { return t.cursor <= 0 }

func (t *table) clamp() {
	if t.cursor >= len(t.rows) {
		t.cursor = len(t.rows) - 1
	}
	if t.cursor < 0 {
		t.cursor = 0
	}
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.height > 0 && t.cursor >= t.offset+t.height {
		t.offset = t.cursor - t.height + 1
	}
	if t.offset > max(len(t.rows)-t.height, 0) {
		t.offset = max(len(t.rows)-t.height, 0)
	}
}

// widths fits the columns to the table width: minimums (a Fit column's
// as wide as its cells) first, then the rest by flex. When the screen is
// too narrow, columns go by Drop, then from the right.
func (t *table) widths() []int {
	w := make([]int, len(t.cols))
	cols := t.fitted()
	gone := t.dropped(cols)
	used := 0
	flex := 0
	for i, c := range cols {
		if gone[i] {
			continue
		}
		need := c.Width
		if i > 0 {
			need++ // separator
		}
		if used+need > t.width {
			w[i] = 0
			continue
		}
		w[i] = c.Width
		used += need
		flex += c.Flex
	}
	spare := t.width - used
	if spare > 0 && flex > 0 {
		given := 0
		last := -1
		for i, c := range t.cols {
			if w[i] > 0 && c.Flex > 0 {
				add := spare * c.Flex / flex
				w[i] += add
				given += add
				last = i
			}
		}
		if last >= 0 {
			w[last] += spare - given
		}
	}
	return w
}

// dropped picks the columns that make way, highest Drop first (the
// rightmost of equals), until the rest fit the width.
func (t *table) dropped(cols []column) []bool {
	gone := make([]bool, len(cols))
	need := -1 // no separator before the first column
	for _, c := range cols {
		need += c.Width + 1
	}
	for need > t.width {
		pick := -1
		for i, c := range cols {
			if !gone[i] && c.Drop > 0 && (pick < 0 || c.Drop >= cols[pick].Drop) {
				pick = i
			}
		}
		if pick < 0 {
			break // the rest go from the right, as they fit
		}
		gone[pick] = true
		need -= cols[pick].Width + 1
	}
	return gone
}

// fitted is the columns with each Fit one as wide as its longest cell
// (up to Fit) when that is more than its Width.
func (t *table) fitted() []column {
	cols, cloned := t.cols, false
	for i, c := range t.cols {
		if c.Fit == 0 {
			continue
		}
		if !cloned {
			cols, cloned = slices.Clone(t.cols), true
		}
		for _, r := range t.rows {
			if i < len(r) {
				cols[i].Width = max(cols[i].Width, min(ansi.StringWidth(r[i]), c.Fit))
			}
		}
	}
	return cols
}

// render draws the header and the visible rows, padded to height.
func (t *table) render(th theme.Theme, sort mgmt.SortKey, reverse bool) string {
	w := t.widths()
	var b strings.Builder
	var hdr []string
	for i, c := range t.cols {
		if w[i] == 0 {
			continue
		}
		title := c.Title
		style := th.TableHeader
		if c.Sort != "" && c.Sort == sort {
			if reverse {
				title += "↓"
			} else {
				title += "↑"
			}
			style = th.SortedCol
		}
		hdr = append(hdr, style.Render(cell(title, w[i], c.Right)))
	}
	b.WriteString(strings.Join(hdr, th.TableHeader.Render(" ")))
	if t.linesWidth != t.width {
		t.lines, t.linesWidth = nil, t.width
	}
	drawn := make(map[string]string, t.height)
	for r := t.offset; r < t.offset+t.height; r++ {
		b.WriteByte('\n')
		if r >= len(t.rows) {
			continue
		}
		k := rowKey(t.rows[r], r == t.cursor)
		line, ok := t.lines[k]
		if !ok {
			line = t.renderRow(th, w, t.rows[r], r == t.cursor)
		}
		drawn[k] = line
		b.WriteString(line)
	}
	t.lines = drawn
	return b.String()
}

func (t *table) renderRow(th theme.Theme, w []int, row []string, selected bool) string {
	var parts []string
	for i, c := range t.cols {
		if w[i] == 0 {
			continue
		}
		v := ""
		if i < len(row) {
			v = row[i]
		}
		parts = append(parts, cell(v, w[i], c.Right))
	}
	line := strings.Join(parts, " ")
	if selected {
		return th.Selected.Render(line)
	}
	return th.Row.Render(line)
}

// rowKey names a row's drawing: its cells, each after its length so that
// no two different rows share a key, and whether it is selected.
func rowKey(row []string, selected bool) string {
	var b strings.Builder
	for _, c := range row {
		b.WriteString(strconv.Itoa(len(c)))
		b.WriteByte(':')
		b.WriteString(c)
	}
	if selected {
		b.WriteByte('*')
	}
	return b.String()
}

// cell fits s into exactly width columns, cutting with an ellipsis. s is
// plain text, escaped here (safe): a cell never emits a control sequence.
func cell(s string, width int, right bool) string {
	s = safe(s)
	if ansi.StringWidth(s) > width {
		s = ansi.Truncate(s, width, "…")
	}
	pad := width - ansi.StringWidth(s)
	if pad <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", pad) + s
	}
	return s + strings.Repeat(" ", pad)
}

// fit pads or cuts an already styled line to exactly width columns.
func fit(styled string, width int) string {
	if ansi.StringWidth(styled) > width {
		return ansi.Truncate(styled, width, "…")
	}
	return styled + strings.Repeat(" ", width-ansi.StringWidth(styled))
}

// navigate moves the cursor for the table keys (up, down, a page, the
// first or last row); false when m is none of them.
func (t *table) navigate(m tea.KeyPressMsg, tk tableKeys) bool {
	switch {
	case key.Matches(m, tk.Up):
		t.move(-1)
	case key.Matches(m, tk.Down):
		t.move(1)
	case key.Matches(m, tk.PageUp):
		t.move(-t.height)
	case key.Matches(m, tk.PageDown):
		t.move(t.height)
	case key.Matches(m, tk.Top):
		t.top()
	case key.Matches(m, tk.Bottom):
		t.bottom()
	default:
		return false
	}
	return true
}
