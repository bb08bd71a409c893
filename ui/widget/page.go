package widget

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/ui/theme"
)

// Page is a scrollable page of pre-rendered lines, some of which are links
// (a binding row, say) that the cursor can select and enter can open.
// Detail views build one per data refresh.
type Page struct {
	lines  []string
	links  []pageLink
	cursor int // index into links
	scroll int
	Height int
}

type pageLink struct {
	line  int
	plain string // the line's text, re-rendered in the selected style
	open  tea.Cmd
}

func (d *Page) Add(line string) { d.lines = append(d.lines, line) }

func (d *Page) AddLink(plain string, rendered string, open tea.Cmd) {
	d.links = append(d.links, pageLink{line: len(d.lines), plain: plain, open: open})
	d.lines = append(d.lines, rendered)
}

// Replace swaps in fresh content, keeping the cursor and scroll where they
// were as far as the new content allows.
func (d *Page) Replace(n Page) {
	cur, scr, h := d.cursor, d.scroll, d.Height
	*d = n
	d.cursor, d.scroll, d.Height = cur, scr, h
	d.Clamp()
}

func (d *Page) Clamp() {
	if d.cursor >= len(d.links) {
		d.cursor = len(d.links) - 1
	}
	if d.cursor < 0 {
		d.cursor = 0
	}
	maxScroll := max(len(d.lines)-d.Height, 0)
	d.scroll = min(max(d.scroll, 0), maxScroll)
}

// show scrolls so the selected link is on screen.
func (d *Page) show() {
	if len(d.links) == 0 {
		return
	}
	l := d.links[d.cursor].line
	if l < d.scroll {
		d.scroll = l
	}
	if l >= d.scroll+d.Height {
		d.scroll = l - d.Height + 1
	}
	d.Clamp()
}

// Key moves through links (or scrolls when there are none); it returns the
// link's command on enter.
func (d *Page) Key(m tea.KeyPressMsg, k NavKeys) tea.Cmd {
	switch {
	case key.Matches(m, k.Up):
		if len(d.links) > 0 && d.cursor > 0 {
			d.cursor--
			d.show()
		} else {
			d.scroll--
		}
	case key.Matches(m, k.Down):
		if len(d.links) > 0 && d.cursor < len(d.links)-1 {
			d.cursor++
			d.show()
		} else {
			d.scroll++
		}
	case key.Matches(m, k.PageUp):
		d.scroll -= d.Height
	case key.Matches(m, k.PageDown):
		d.scroll += d.Height
	case key.Matches(m, k.Top):
		d.cursor, d.scroll = 0, 0
	case key.Matches(m, k.Bottom):
		d.cursor = len(d.links) - 1
		d.scroll = len(d.lines)
	case key.Matches(m, k.Open):
		if len(d.links) > 0 {
			return d.links[d.cursor].open
		}
	}
	d.Clamp()
	return nil
}

// Render draws the visible part; it changes nothing (setSize and key do).
func (d *Page) Render(th theme.Theme, width, height int) string {
	selLine := -1
	if d.cursor >= 0 && d.cursor < len(d.links) {
		selLine = d.links[d.cursor].line
	}
	end := min(d.scroll+height, len(d.lines))
	out := make([]string, 0, height)
	for i := d.scroll; i < end; i++ {
		if i == selLine {
			out = append(out, th.Selected.Render(Cell(d.links[d.cursor].plain, width, false)))
			continue
		}
		out = append(out, ansi.Truncate(d.lines[i], width, "…"))
	}
	return strings.Join(out, "\n")
}
