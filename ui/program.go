package ui

import tea "charm.land/bubbletea/v2"

// FPS is how often the screen may redraw. Bubble Tea's default of 60
// costs an idle program over 1% of a core; 20 still shows a key press
// within 50 ms and matches the live panes' frame.
const FPS = 20

// ProgramOptions are the options every warren program (and benchmark of
// it) runs with.
func ProgramOptions() []tea.ProgramOption {
	return []tea.ProgramOption{tea.WithFPS(FPS)}
}
