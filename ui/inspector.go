package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/message"
)

// inspectorKeys act in the message inspector.
type inspectorKeys struct {
	View binding
	Next binding
	Prev binding
	Copy binding
}

func newInspectorKeys() inspectorKeys {
	return inspectorKeys{
		View: bind("v", "body view: pretty → raw → hex", "v").hint("pretty/raw/hex"),
		Next: bind("n", "next search match (/ searches the body)", "n").hint("next match"),
		Prev: bind("N", "previous search match", "N"),
		Copy: bind("y", "copy the body to the clipboard (OSC 52)", "y").hint("copy body"),
	}
}

// inspector shows one message: delivery, properties, headers as a tree,
// its dead-letter history, and the decoded body. The page is the meta
// lines followed by the body's lines, and only the visible body lines are
// ever rendered, so a body of many MiB scrolls as fast as a small one.
type inspector struct {
	c       *common
	viewID  int
	msg     message.Message
	body    message.Body
	decoded bool
	mode    message.View
	meta    []string
	// metaRows are meta's lines wrapped to metaWidth; rows is the body in
	// the current view wrapped to the width less the search marker's
	// column. Both are rebuilt when what they wrap changes.
	metaRows  []string
	metaWidth int
	rows      *message.Wrapped
	rowsMode  message.View
	scroll    int
	height    int
	width     int
	query     string
	matches   []int // body line indexes
	match     int
	// removable: the message still sits in its queue, so r may remove it.
	removable bool
}

// decodedMsg brings the decoded body: decoding is O(size), so it runs in a
// command, off the UI goroutine.
type decodedMsg struct {
	view int
	body message.Body
}

func newInspector(c *common, m message.Message, removable bool) *inspector {
	v := &inspector{c: c, viewID: nextViewID(), msg: m, removable: removable}
	v.buildMeta()
	return v
}

func (v *inspector) id() int { return v.viewID }

func (v *inspector) title() string {
	if v.msg.Properties.MessageID != "" {
		return "message " + v.msg.Properties.MessageID
	}
	return fmt.Sprintf("message #%d", v.msg.Position)
}

func (v *inspector) status() string {
	if !v.decoded {
		return "decoding…"
	}
	d := v.doc()
	s := fmt.Sprintf("%s · %s · view %s", v.body.Kind, bytesIEC(int64(v.msg.Size())), viewName(v.mode))
	if v.query != "" {
		s += fmt.Sprintf(" · /%s: %d matches", v.query, len(v.matches))
	}
	return s + fmt.Sprintf(" · %d body lines", d.Len())
}

func viewName(m message.View) string {
	switch m {
	case message.ViewPretty:
		return "pretty"
	case message.ViewRaw:
		return "raw"
	}
	return "hex"
}

func (v *inspector) load() tea.Cmd {
	if v.decoded {
		return nil
	}
	m, id := v.msg, v.viewID
	return func() tea.Msg { return decodedMsg{view: id, body: message.Decode(m)} }
}

func (v *inspector) doc() message.Doc { return v.body.Doc(v.mode, message.HexWidth) }

// bodyRows is the body in the current view cut to the screen's width, so a
// long line (a one-line body, a long JSON string) reads whole.
func (v *inspector) bodyRows() *message.Wrapped {
	w := max(v.width-1, 1) // a search hit's marker takes a column
	if v.rows == nil || v.rowsMode != v.mode || v.rows.Width() != max(w, message.TabStop) {
		v.rows, v.rowsMode = message.Wrap(v.doc(), w), v.mode
	}
	return v.rows
}

// metaLines is the meta wrapped to the screen's width: a continued line is
// indented under its first, so a dead-letter reason or a long header value
// is never cut.
func (v *inspector) metaLines() []string {
	if v.metaRows == nil || v.metaWidth != v.width {
		v.metaRows, v.metaWidth = wrapIndented(v.meta, v.width), v.width
	}
	return v.metaRows
}

func (v *inspector) update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case decodedMsg:
		v.body, v.decoded = m.body, true
		if v.body.Kind == message.KindBinary {
			v.mode = message.ViewHex
		}
		v.buildMeta()
		v.research()
	case tea.KeyPressMsg:
		return v.key(m)
	}
	return nil
}

func (v *inspector) key(m tea.KeyPressMsg) tea.Cmd {
	tk, ik := v.c.keys.Table, v.c.keys.Inspect
	switch {
	case key.Matches(m, tk.Up):
		v.scroll--
	case key.Matches(m, tk.Down):
		v.scroll++
	case key.Matches(m, tk.PageUp):
		v.scroll -= v.height
	case key.Matches(m, tk.PageDown):
		v.scroll += v.height
	case key.Matches(m, tk.Top):
		v.scroll = 0
	case key.Matches(m, tk.Bottom):
		v.scroll = v.total()
	case matches(m, ik.View):
		v.mode = (v.mode + 1) % 3
		v.buildMeta()
		v.research()
	case matches(m, ik.Next):
		v.jump(1)
	case matches(m, ik.Prev):
		v.jump(-1)
	case matches(m, ik.Copy):
		if !v.decoded {
			return nil
		}
		text := v.body.Text
		if text == "" {
			text = string(v.body.Data)
		}
		return tea.Batch(tea.SetClipboard(text), statusCmd(fmt.Sprintf("copied %s of body to the clipboard", bytesIEC(int64(len(text)))), false))
	}
	v.clamp()
	return nil
}

func (v *inspector) total() int {
	n := len(v.metaLines())
	if v.decoded {
		n += v.bodyRows().Len()
	}
	return n
}

func (v *inspector) clamp() {
	v.scroll = min(max(v.scroll, 0), max(v.total()-v.height, 0))
}

// filter and setFilter make / search the body.
func (v *inspector) filter() string { return v.query }

func (v *inspector) setFilter(q string) tea.Cmd {
	v.query = q
	v.research()
	if q != "" && len(v.matches) == 0 {
		return statusCmd("no match for "+q+" in the body", true)
	}
	return nil
}

func (v *inspector) research() {
	v.matches, v.match = nil, 0
	if v.query == "" || !v.decoded {
		return
	}
	v.matches = v.bodyRows().Search(v.query)
	if len(v.matches) > 0 {
		v.show(v.matches[0])
	}
}

func (v *inspector) jump(d int) {
	if len(v.matches) == 0 {
		return
	}
	v.match = (v.match + d + len(v.matches)) % len(v.matches)
	v.show(v.matches[v.match])
}

// show scrolls so body row i is a few lines below the top.
func (v *inspector) show(i int) {
	v.scroll = len(v.metaLines()) + i - 2
	v.clamp()
}

func (v *inspector) setSize(w, h int) tea.Cmd {
	if w != v.width && v.query != "" {
		defer v.research() // matches are rows, and rows follow the width
	}
	v.width, v.height = w, h
	v.clamp()
	return nil
}

func (v *inspector) render(w, h int) string {
	th := v.c.th
	out := make([]string, 0, h)
	meta := v.metaLines()
	for i := v.scroll; i < len(meta) && len(out) < h; i++ {
		out = append(out, ansi.Truncate(meta[i], w, "…"))
	}
	if !v.decoded {
		out = append(out, th.Faint.Render("decoding the body…"))
		return strings.Join(out, "\n")
	}
	from := max(v.scroll-len(meta), 0)
	if n := h - len(out); n > 0 {
		hit := map[int]bool{}
		for _, m := range v.matches {
			hit[m] = true
		}
		for j, line := range v.bodyRows().Spans(from, n) {
			s := v.renderLine(line)
			if hit[from+j] {
				s = th.Warn.Render("▌") + s
			}
			out = append(out, ansi.Truncate(s, w, "…"))
		}
	}
	return strings.Join(out, "\n")
}

// renderLine colours one body line's spans from the theme. The message
// package escapes body text already; EscapeText again is the last guard
// (a scan of the visible lines only). Tabs become spaces to the next stop,
// so the line is as wide on screen as it is measured.
func (v *inspector) renderLine(l message.Line) string {
	th := v.c.th
	var b strings.Builder
	col := 0
	for _, s := range l {
		text := expandTabs(message.EscapeText(s.Text), &col)
		switch s.Class {
		case message.SpanKey:
			b.WriteString(th.JSONKey.Render(text))
		case message.SpanString:
			b.WriteString(th.JSONString.Render(text))
		case message.SpanNumber:
			b.WriteString(th.JSONNumber.Render(text))
		case message.SpanBool, message.SpanNull:
			b.WriteString(th.JSONLiteral.Render(text))
		case message.SpanPunct:
			b.WriteString(th.Faint.Render(text))
		default:
			b.WriteString(text)
		}
	}
	return b.String()
}

// expandTabs replaces the tabs of s with spaces to the next tab stop,
// counting from *col, the line's width before s; it adds s's width to it.
func expandTabs(s string, col *int) string {
	if !strings.Contains(s, "\t") {
		*col += ansi.StringWidth(s)
		return s
	}
	var b strings.Builder
	for _, part := range strings.SplitAfter(s, "\t") {
		text, tab := strings.CutSuffix(part, "\t")
		b.WriteString(text)
		*col += ansi.StringWidth(text)
		if tab {
			n := message.TabStop - *col%message.TabStop
			b.WriteString(strings.Repeat(" ", n))
			*col += n
		}
	}
	return b.String()
}

func (v *inspector) keys() keyScope {
	ik, g := v.c.keys.Inspect, v.c.keys.Global
	return scopeOf("Scroll", v.c.keys.Table.moves()...).
		with("Message", ik.View, g.Filter.about("search the body (a regex)").hint("search"), ik.Next, ik.Prev, ik.Copy, v.c.keys.Write.Republish)
}

// selectedMessage makes the inspector a messageSelector, for r.
func (v *inspector) selectedMessage() (message.Message, bool, bool) {
	return v.msg, v.removable, true
}
