package ui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
)

// The App's key scopes. A view says which keys it handles (view.keys),
// including which of the App's actions (peek, move, purge…) apply to what
// it shows; the App adds the global keys. The footer, the ? screen,
// read-only mode and the key dispatch all read the same scope.

// scope is every key that acts now: the prompt's, help's, or the top
// view's.
func (a *App) scope() keyScope {
	switch a.mode {
	case modeCommand, modeFilter:
		return a.c.keys.Prompt.scope()
	case modeHelp:
		return a.helpScope()
	}
	return a.viewScope(a.top())
}

// viewScope is a view's own keys with the global keys that act on it.
func (a *App) viewScope(v view) keyScope {
	g, w := a.c.keys.Global, a.c.keys.Write
	own := v.keys()
	var glob []binding
	if t, ok := v.(typingView); ok && t.typing() {
		// Every other key is text: only these stay the App's.
		glob = append(glob, g.HelpF1)
		if !own.has(g.Back) {
			glob = append(glob, g.Back.about("close").hint("close"))
		}
		glob = append(glob, g.ForceQ)
		return keyScope{groups: append(own.groups, keyGroup{globalGroup, glob})}
	}
	glob = append(glob, g.Help, g.Command)
	if _, ok := v.(filterable); ok && !own.has(g.Filter) {
		glob = append(glob, g.Filter)
	}
	if !own.has(g.Refresh) {
		glob = append(glob, g.Refresh)
	}
	if !own.has(g.Back) {
		glob = append(glob, g.Back)
	}
	glob = append(glob, g.Quit, g.ForceQ)
	s := keyScope{groups: append(own.groups, keyGroup{globalGroup, glob})}
	return s.with("Write actions (in any view)", w.Publish, w.Declare)
}

const globalGroup = "Global"

// helpScope is the keys of the ? screen itself.
func (a *App) helpScope() keyScope {
	g := a.c.keys.Global
	return scopeOf("Scroll this help", a.c.keys.Table.moves()...).
		with("Close", bind("esc/?/q", "close help", append(append(g.Back.Keys(), g.Help.Keys()...), g.Quit.Keys()...)...).hint("close"))
}

// hints is the footer: ? first (it leads to every other key), then the
// view's own hints, then the global ones in a fixed order. A write
// refused in read-only mode is not offered.
func (a *App) hints() string {
	g := a.c.keys.Global
	order := []binding{g.Help, g.HelpF1, g.Command, g.Filter, g.Refresh, g.Back, g.Quit}
	glob := make([][]binding, len(order))
	var own []binding
	for _, b := range a.scope().bindings() {
		if b.short == "" || a.c.refuses(b.writes) {
			continue
		}
		// A global key a view gives its own meaning (/ searches) is the view's.
		i := slices.IndexFunc(order, func(o binding) bool { return sameKeys(o, b) && o.short == b.short })
		if i < 0 {
			own = append(own, b)
			continue
		}
		glob[i] = append(glob[i], b)
	}
	all := append(append(glob[0], glob[1]...), own...)
	for _, bs := range glob[2:] {
		all = append(all, bs...)
	}
	fs := keyScope{}.with("", all...).footer()
	parts := make([]string, len(fs))
	for i, b := range fs {
		parts[i] = b.Help().Key + " " + b.Help().Desc
	}
	return strings.Join(parts, "  ")
}

// sameKeys says whether two bindings are bound to the same keys.
func sameKeys(a, b binding) bool { return keysOf(a.Binding) == keysOf(b.Binding) }

// sameAny says whether b is bound to the keys of one of xs.
func sameAny(b binding, xs ...binding) bool {
	for _, x := range xs {
		if sameKeys(b, x) {
			return true
		}
	}
	return false
}

func keysOf(b key.Binding) string { return strings.Join(b.Keys(), " ") }

// queueActions are the App's actions on a selected queue, for the views
// that show one.
func (c *common) queueActions() []binding {
	g, w := c.keys.Global, c.keys.Write
	return []binding{g.Peek, g.Live.about("live pane: tail a stream, or consume the queue (asks how first)"), g.Pin, g.Move, w.Purge, w.Delete.about("delete the queue (type its name)")}
}

// exchangeActions are the App's actions on a selected exchange.
func (c *common) exchangeActions() []binding {
	g, w := c.keys.Global, c.keys.Write
	return []binding{g.Live.about("live pane: tap the exchange (a copy of what it routes)").hint("tap"), w.Delete.about("delete the exchange (type its name)")}
}

// keyLine draws bindings as a dialog's line of choices: key, then what
// it does.
func (c *common) keyLine(bs ...binding) string {
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = c.th.HelpKey.Render(b.Help().Key) + " " + b.Help().Desc
	}
	return strings.Join(parts, "   ")
}
