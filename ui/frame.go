package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// paint gives every line of the frame the App style, padded to the widest
// line, as th.App.Render would, but measuring only the lines that changed
// since the last frame: measuring every cell of every line was most of
// what an idle poll cost.
func (a *App) paint(frame string) string {
	wrapped := a.c.th.App.Render("\x00")
	cut := strings.IndexByte(wrapped, 0)
	prefix, suffix := wrapped[:cut], wrapped[cut+1:]
	lines := strings.Split(frame, "\n")
	widths := make(map[string]int, len(lines))
	widest := 0
	for _, l := range lines {
		w, ok := a.lineWidths[l]
		if !ok {
			w = ansi.StringWidth(l)
		}
		widths[l] = w
		widest = max(widest, w)
	}
	a.lineWidths = widths
	var b strings.Builder
	b.Grow(len(frame) + len(lines)*(len(prefix)+len(suffix)+8))
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(prefix)
		b.WriteString(l)
		b.WriteString(suffix)
		b.WriteString(strings.Repeat(" ", widest-widths[l]))
	}
	return b.String()
}
