package ui

import "github.com/warren-tui/warren/message"

// Every string from the broker, a producer, a file or a paste is data, not
// terminal input. Each passes safe before it is styled and drawn, so that
// an escape sequence, a C1 control or a bidi override in a name shows as
// \x1b, \u009b or \u202e instead of acting. The mgmt package escapes what
// it only shows as it decodes it; names that address the broker come raw,
// so the guard here is what every drawn string relies on. It applies to
// data before styling: warren's own Lip Gloss styling must still work.

// safe is s escaped for one line of the terminal (message.Escape); clean
// text comes back unchanged, without a copy.
func safe(s string) string { return message.Escape(s) }
