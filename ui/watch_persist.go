package ui

import (
	"net/url"

	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/internal/watchstate"
)

// PinStore keeps the watch board's pins between runs, one board per
// broker; *watchstate.Store is one. Options.Pins nil keeps them for the
// session only.
type PinStore interface {
	LoadPins(board string) ([]watchstate.Pin, error)
	SavePins(board string, pins []watchstate.Pin) error
}

// pinsLoadedMsg brings a board's saved pins, read off the UI thread.
type pinsLoadedMsg struct {
	board string
	pins  []watchstate.Pin
	err   error
}

// boardName names the broker's board: its context, else its API URL
// without credentials.
func boardName(t Target) string {
	if t.Context != "" {
		return "context " + t.Context
	}
	if u, err := url.Parse(t.API); err == nil && u.Host != "" {
		u.User = nil
		return u.String()
	}
	return t.API
}

// loadPins reads the current broker's saved pins.
func (a *App) loadPins() tea.Cmd {
	store := a.c.opts.Pins
	if store == nil {
		return nil
	}
	board := boardName(a.c.target)
	return func() tea.Msg {
		pins, err := store.LoadPins(board)
		return pinsLoadedMsg{board: board, pins: pins, err: err}
	}
}

// pinsLoaded puts the saved pins first, keeping any pinned meanwhile.
func (a *App) pinsLoaded(m pinsLoadedMsg) {
	if m.board != boardName(a.c.target) {
		return // another context by now
	}
	if m.err != nil {
		a.setStatus("watch board: "+m.err.Error(), true)
		return
	}
	loaded := make([]pin, 0, len(m.pins)+len(a.c.pins))
	for _, p := range m.pins {
		loaded = append(loaded, pin{vhost: p.Vhost, name: p.Queue})
	}
	for _, p := range a.c.pins {
		if !containsPin(loaded, p) {
			loaded = append(loaded, p)
		}
	}
	a.c.pins = loaded
}

func containsPin(pins []pin, p pin) bool {
	for _, q := range pins {
		if q == p {
			return true
		}
	}
	return false
}

// savePins writes the board as it is now, off the UI thread; a failure
// is said, the pins stay for the session.
func (a *App) savePins() tea.Cmd {
	store := a.c.opts.Pins
	if store == nil {
		return nil
	}
	board := boardName(a.c.target)
	pins := make([]watchstate.Pin, len(a.c.pins))
	for i, p := range a.c.pins {
		pins[i] = watchstate.Pin{Vhost: p.vhost, Queue: p.name}
	}
	return func() tea.Msg {
		if err := store.SavePins(board, pins); err != nil {
			return statusMsg{text: "watch board not saved: " + err.Error(), err: true}
		}
		return nil
	}
}
