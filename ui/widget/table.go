package widget

import (
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/ui/theme"
)

// Column describes one table column. Width is the minimum; Flex shares out
// what is left of the screen.
type Column struct {
	Title string
	Width int
	Flex  int
	Right bool
	Sort  string // the sort this column shows, if any
	// Drop orders what goes when the screen is too narrow for every
	// column: the highest Drop first. Columns with none stay longest.
	Drop int
	// Fit widens the column to its longest cell, up to Fit cells.
	Fit int
}

// Table is a cursor over rows of plain cells, rendered to a fixed size.
// It knows nothing of what the rows are.
type Table struct {
	Cols   []Column
	rows   [][]string
	Cursor int
	offset int
	Height int // visible rows, not counting the header
	width  int
	// lines keeps each visible row as last drawn, by its cells and
	// whether it was selected, so an unchanged page costs no width
	// measuring on the next frame.
	lines      map[string]string
	linesWidth int
}

func (t *Table) SetRows(rows [][]string) {
	t.rows = rows
	t.Clamp()
}

func (t *Table) SetSize(w, h int) {
	t.lines = nil // a new size or theme: draw every row afresh
	t.width, t.Height = w, max(h, 1)
	t.Clamp()
}

func (t *Table) Move(delta int) {
	t.Cursor += delta
	t.Clamp()
}

func (t *Table) Top()    { t.Cursor = 0; t.Clamp() }
func (t *Table) Bottom() { t.Cursor = len(t.rows) - 1; t.Clamp() }

func (t *Table) AtBottom() bool { return len(t.rows) == 0 || t.Cursor >= len(t.rows)-1 }
func (t *Table) AtTop() bool    { return t.Cursor <= 0 }

func (t *Table) Clamp() {
	if t.Cursor >= len(t.rows) {
		t.Cursor = len(t.rows) - 1
	}
	if t.Cursor < 0 {
		t.Cursor = 0
	}
	if t.Cursor < t.offset {
		t.offset = t.Cursor
	}
	if t.Height > 0 && t.Cursor >= t.offset+t.Height {
		t.offset = t.Cursor - t.Height + 1
	}
	if t.offset > max(len(t.rows)-t.Height, 0) {
		t.offset = max(len(t.rows)-t.Height, 0)
	}
}

// widths fits the columns to the table width: minimums (a Fit column's
// as wide as its cells) first, then the rest by flex. When the screen is
// too narrow, columns go by Drop, then from the right.
func (t *Table) widths() []int {
	w := make([]int, len(t.Cols))
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
		for i, c := range t.Cols {
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
func (t *Table) dropped(cols []Column) []bool {
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
func (t *Table) fitted() []Column {
	cols, cloned := t.Cols, false
	for i, c := range t.Cols {
		if c.Fit == 0 {
			continue
		}
		if !cloned {
			cols, cloned = slices.Clone(t.Cols), true
		}
		for _, r := range t.rows {
			if i < len(r) {
				cols[i].Width = max(cols[i].Width, min(ansi.StringWidth(r[i]), c.Fit))
			}
		}
	}
	return cols
}

// Render draws the header and the visible rows, padded to height.
func (t *Table) Render(th theme.Theme, sort string, reverse bool) string {
	w := t.widths()
	var b strings.Builder
	var hdr []string
	for i, c := range t.Cols {
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
		hdr = append(hdr, style.Render(Cell(title, w[i], c.Right)))
	}
	b.WriteString(strings.Join(hdr, th.TableHeader.Render(" ")))
	if t.linesWidth != t.width {
		t.lines, t.linesWidth = nil, t.width
	}
	drawn := make(map[string]string, t.Height)
	for r := t.offset; r < t.offset+t.Height; r++ {
		b.WriteByte('\n')
		if r >= len(t.rows) {
			continue
		}
		k := rowKey(t.rows[r], r == t.Cursor)
		line, ok := t.lines[k]
		if !ok {
			line = t.renderRow(th, w, t.rows[r], r == t.Cursor)
		}
		drawn[k] = line
		b.WriteString(line)
	}
	t.lines = drawn
	return b.String()
}

func (t *Table) renderRow(th theme.Theme, w []int, row []string, selected bool) string {
	var parts []string
	for i, c := range t.Cols {
		if w[i] == 0 {
			continue
		}
		v := ""
		if i < len(row) {
			v = row[i]
		}
		parts = append(parts, Cell(v, w[i], c.Right))
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

// Cell fits s into exactly width columns, cutting with an ellipsis. s is
// plain text, escaped here (safe): a cell never emits a control sequence.
func Cell(s string, width int, right bool) string {
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

// Fit pads or cuts an already styled line to exactly width columns.
func Fit(styled string, width int) string {
	if ansi.StringWidth(styled) > width {
		return ansi.Truncate(styled, width, "…")
	}
	return styled + strings.Repeat(" ", width-ansi.StringWidth(styled))
}

// NavKeys move a cursor through rows and pages; Open acts on the
// selected row or link. The screens own the bindings and their help.
type NavKeys struct {
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
	Open     key.Binding
}

// Navigate moves the cursor for the table keys (up, down, a page, the
// first or last row); false when m is none of them.
func (t *Table) Navigate(m tea.KeyPressMsg, tk NavKeys) bool {
	switch {
	case key.Matches(m, tk.Up):
		t.Move(-1)
	case key.Matches(m, tk.Down):
		t.Move(1)
	case key.Matches(m, tk.PageUp):
		t.Move(-t.Height)
	case key.Matches(m, tk.PageDown):
		t.Move(t.Height)
	case key.Matches(m, tk.Top):
		t.Top()
	case key.Matches(m, tk.Bottom):
		t.Bottom()
	default:
		return false
	}
	return true
}

// RenderBelow draws head above the table: head wraps to w and is never
// cut; the table gives way, taking the lines left of h (its column header
// among them).
func (t *Table) RenderBelow(th theme.Theme, head string, w, h int) string {
	head = ansi.Wordwrap(head, max(w, 1), " ")
	t.SetSize(w, h-strings.Count(head, "\n")-2)
	return head + "\n" + t.Render(th, "", false)
}
