package ui

import (
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/warren-tui/warren/ui/theme"
)

// terminalColours takes what the terminal says of itself: its background
// (a light one gets the light theme) and its colour profile (one without
// colours gets reversed selections). Everything is drawn again in the new
// theme; views that keep drawn lines drop them when resized.
func (a *App) terminalColours(msg tea.Msg) tea.Cmd {
	light, plain := a.light, a.plain
	switch m := msg.(type) {
	case tea.BackgroundColorMsg:
		light = !m.IsDark()
	case tea.ColorProfileMsg:
		plain = m.Profile <= colorprofile.Ascii
	}
	if light == a.light && plain == a.plain {
		return nil
	}
	a.light, a.plain = light, plain
	a.c.th = theme.New(!light, plain || a.c.opts.NoColor)
	if !a.sized {
		return nil
	}
	return a.resize(a.width, a.height)
}
