package message

import (
	"sort"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// TabStop is the tab width body text is shown with, as terminals and
// pagers use. A Wrapped row starts at a tab stop, so expanding a row's
// tabs from its own first column gives the width the row was cut to.
const TabStop = 8

// wrapChunk is how many source lines Wrap asks its Doc for at a time.
const wrapChunk = 1024

// Wrapped is a Doc with every line cut into rows at most Width cells wide,
// so a long line (a one-line JSON or log body) reads whole by scrolling
// down instead of being cut at the screen's edge. Rows keep their spans'
// classes. Building it walks the text once; a row is then found by a
// binary search and cut by byte offsets, so a view of a huge body still
// costs only the rows it shows.
type Wrapped struct {
	doc   Doc
	width int
	first []int // row index of each source line's first row; len(first) == lines+1
	cut   []int // per row: the byte offset in its line's text where it starts
}

// Wrap cuts d's lines to width cells, at least TabStop so a tab always
// fits a row.
func Wrap(d Doc, width int) *Wrapped {
	width = max(width, TabStop)
	n := d.Len()
	w := &Wrapped{doc: d, width: width, first: make([]int, 0, n+1), cut: make([]int, 0, n)}
	for from := 0; from < n; from += wrapChunk {
		for _, l := range d.Spans(from, wrapChunk) {
			w.first = append(w.first, len(w.cut))
			w.cut = appendCuts(w.cut, l, width)
		}
	}
	w.first = append(w.first, len(w.cut))
	return w
}

// Width is the width the rows were cut to.
func (w *Wrapped) Width() int { return w.width }

// Len is the number of rows.
func (w *Wrapped) Len() int { return len(w.cut) }

// Row is the first row of source line i.
func (w *Wrapped) Row(i int) int {
	if i < 0 || i >= len(w.first)-1 {
		return 0
	}
	return w.first[i]
}

// line is the source line that row r belongs to.
func (w *Wrapped) line(r int) int {
	return sort.Search(len(w.first)-1, func(i int) bool { return w.first[i+1] > r })
}

// Spans returns rows from..from+n.
func (w *Wrapped) Spans(from, n int) []Line {
	from, to := clampRange(from, n, w.Len())
	out := make([]Line, 0, to-from)
	for r := from; r < to; {
		i := w.line(r)
		l := w.doc.Spans(i, 1)
		var src Line
		if len(l) == 1 {
			src = l[0]
		}
		end := min(w.first[i+1], to)
		for ; r < end; r++ {
			stop := -1
			if r+1 < w.first[i+1] {
				stop = w.cut[r+1]
			}
			out = append(out, sliceLine(src, w.cut[r], stop))
		}
	}
	return out
}

// Search returns the rows that hold query, ignoring case: for a line cut
// into rows, the rows holding it whole, or the line's first row when the
// query only spans a cut.
func (w *Wrapped) Search(query string) []int {
	var rows []int
	q := strings.ToLower(query)
	for _, i := range w.doc.Search(query) {
		first, end := w.first[i], w.first[i+1]
		if end-first == 1 {
			rows = append(rows, first)
			continue
		}
		found := false
		for j, row := range w.Spans(first, end-first) {
			if strings.Contains(strings.ToLower(row.String()), q) {
				rows = append(rows, first+j)
				found = true
			}
		}
		if !found {
			rows = append(rows, first)
		}
	}
	return rows
}

// appendCuts appends the byte offsets at which l's rows start, the first
// always 0. A grapheme that does not fit on the row starts the next one;
// a tab is as wide as the way to the next stop of its row.
func appendCuts(cuts []int, l Line, width int) []int {
	cuts = append(cuts, 0)
	col, off := 0, 0
	for _, s := range l {
		t := s.Text
		for k := 0; k < len(t); {
			c := t[k]
			var size, cw int
			switch {
			case c == '\t':
				size, cw = 1, TabStop-col%TabStop
			case c >= 0x20 && c < 0x7f && (k+1 == len(t) || t[k+1] < 0x80):
				size, cw = 1, 1 // plain ASCII, not followed by a combining mark
			default:
				g, gw := ansi.FirstGraphemeCluster(t[k:], ansi.GraphemeWidth)
				size, cw = max(len(g), 1), gw
			}
			if col+cw > width && col > 0 {
				cuts = append(cuts, off+k)
				col = 0
				if c == '\t' {
					cw = TabStop
				}
			}
			col += cw
			k += size
		}
		off += len(t)
	}
	return cuts
}

// sliceLine is the part of l from byte offset start to stop (-1: the end),
// offsets counted over the line's joined text.
func sliceLine(l Line, start, stop int) Line {
	var out Line
	off := 0
	for _, s := range l {
		a, b := off, off+len(s.Text)
		off = b
		if b <= start || (stop >= 0 && a >= stop) {
			continue
		}
		lo, hi := max(start-a, 0), len(s.Text)
		if stop >= 0 {
			hi = min(stop-a, hi)
		}
		out = append(out, Span{Text: s.Text[lo:hi], Class: s.Class})
	}
	return out
}
