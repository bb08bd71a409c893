package ui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/warren-tui/warren/ui/widget"
)

// formScope is the keys of a form: the owner's first (submit, close…),
// then the keys of its fields, read off the bindings the form and its
// text editors match. A key the owner takes (enter starts a move on its
// last field) is the owner's.
func (c *common) formScope(title string, own ...binding) keyScope {
	k, ek, fk := c.keys.Form, widget.NewEditorKeys(), widget.NewFieldKeys()
	s := scopeOf(title, own...)
	taken := map[string]bool{}
	for _, b := range s.bindings() {
		for _, kk := range b.Keys() {
			taken[kk] = true
		}
	}
	var fields []binding
	// join makes one entry of the widget bindings' keys not yet listed:
	// a key means one thing here, even where the field decides which.
	join := func(help, desc string, bs ...key.Binding) binding {
		var keys []string
		for _, b := range bs {
			for _, kk := range b.Keys() {
				if !taken[kk] && !slices.Contains(keys, kk) {
					keys = append(keys, kk)
				}
			}
		}
		all := 0
		for _, b := range bs {
			all += len(b.Keys())
		}
		if len(keys) < all && len(bs) > 1 { // some went to the owner: say which are left
			labels := make([]string, len(keys))
			for i, kk := range keys {
				labels[i] = keyLabel(kk)
			}
			help = strings.Join(labels, "/")
		}
		for _, kk := range keys {
			taken[kk] = true
		}
		return bind(help, desc, keys...)
	}
	for _, b := range []binding{
		join(k.Next.Help().Key, k.Next.Help().Desc, k.Next).hint("next field"),
		join(k.Prev.Help().Key, k.Prev.Help().Desc, k.Prev),
		join("enter/↓", "next field (in headers and body: a new line / a line down)", fk.Next, ek.Newline, ek.Down),
		join("↑", "previous field (in headers and body: a line up)", fk.Prev, ek.Up),
		join("←/→", "move the cursor; in a choice or yes/no field: change it", ek.Left, ek.Right, fk.Back),
		join("space/x", "in a choice or yes/no field: change it (in text: typed)", fk.Change),
		join(ek.Home.Help().Key, ek.Home.Help().Desc, ek.Home),
		join(ek.End.Help().Key, ek.End.Help().Desc, ek.End),
		join(ek.Backspace.Help().Key, ek.Backspace.Help().Desc, ek.Backspace),
		join(ek.Delete.Help().Key, ek.Delete.Help().Desc, ek.Delete),
		join("ctrl+u/ctrl+k", "delete to the start / end of the line", ek.ToStart, ek.ToEnd),
		join(ek.Word.Help().Key, ek.Word.Help().Desc, ek.Word),
	} {
		if len(b.Keys()) > 0 {
			fields = append(fields, b)
		}
	}
	return s.with("Fields", fields...)
}

// keyLabel is how help writes a key name.
func keyLabel(k string) string {
	switch k {
	case "up":
		return "↑"
	case "down":
		return "↓"
	case "left":
		return "←"
	case "right":
		return "→"
	}
	return k
}
