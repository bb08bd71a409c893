package ui

import "github.com/warren-tui/warren/ui/widget"

// nav is the table keys as the widgets take them: the screens own the
// bindings (and their help), the widgets only match them.
func (k tableKeys) nav() widget.NavKeys { return k.NavKeys }
