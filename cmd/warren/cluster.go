package main

import (
	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui"
)

// The management client is the UI's Source and also serves its node and
// connection details, which the UI finds by asking the Source for them.
var _ ui.ClusterSource = (*mgmt.Client)(nil)
