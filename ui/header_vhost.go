package ui

import (
	"context"

	"github.com/warren-tui/warren/mgmt"
)

// vhostOverviewer is a Source that can total one vhost for the header;
// *mgmt.Client is one. A Source without it shows the cluster's totals.
type vhostOverviewer interface {
	VhostOverview(ctx context.Context, vhost string) (mgmt.Overview, error)
}

// headerOverview reads the header's figures: the selected vhost's totals
// when one is selected, else the cluster's.
func headerOverview(src Source, vhost string) func(ctx context.Context) (mgmt.Overview, error) {
	if vo, ok := src.(vhostOverviewer); ok && vhost != "" {
		return func(ctx context.Context) (mgmt.Overview, error) { return vo.VhostOverview(ctx, vhost) }
	}
	return src.Overview
}
