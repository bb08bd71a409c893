// Package widget holds the pieces warren's screens are drawn with that
// know nothing of RabbitMQ: a table, a scrollable page with links, a form
// with its text editor, the prompt's line input, and charts (sparkline,
// braille line chart, a ring of samples). The screens in package ui own
// the key bindings and pass them in; the theme stays the one place that
// picks colours, and a widget only draws with the styles it is given.
package widget

import "github.com/warren-tui/warren/message"

// safe is s escaped for one line of the terminal: every cell and form
// value a widget draws passes it, so a widget never emits a control
// sequence it was given.
func safe(s string) string { return message.Escape(s) }
