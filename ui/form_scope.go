package ui

// formScope is the keys of a form: the owner's first (submit, close…),
// then the fields' keys, which the form and its text editors handle. An
// owner's binding takes its key's place among the fields' (enter starts
// a move on its last field).
func (c *common) formScope(title string, own ...binding) keyScope {
	k := c.keys.Form
	s := scopeOf(title, own...)
	var fields []binding
	for _, b := range []binding{
		from(k.Next).hint("next field"),
		from(k.Prev),
		bind("enter", "next field (in headers and body: a new line)", "enter"),
		bind("↑/↓", "field up / down (in headers and body: a line up / down)", "up", "down"),
		bind("←/→", "move the cursor; in a choice or yes/no field: change it", "left", "right"),
		bind("space", "in a choice or yes/no field: change it (x too); in text: a space", "space"),
		bind("home/ctrl+a", "start of the line", "home", "ctrl+a"),
		bind("end", "end of the line", "end"),
		bind("backspace", "delete before the cursor", "backspace"),
		bind("delete/ctrl+d", "delete under the cursor", "delete", "ctrl+d"),
		bind("ctrl+u/ctrl+k", "delete to the start / end of the line", "ctrl+u", "ctrl+k"),
		bind("ctrl+w", "delete the word before the cursor", "ctrl+w"),
	} {
		if !s.has(b) {
			fields = append(fields, b)
		}
	}
	return s.with("Fields", fields...)
}
