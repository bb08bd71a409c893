package ui

import (
	"context"

	"github.com/warren-tui/warren/mgmt"
)

// vhostOverviewer is a Source that can total one vhost for the header;
// *mgmt.Client is one. A Source without it shows the cluster's totals.
type vhostOverviewer interface {
	VhostOverview(ctx context.Context, vhost string, withCounts bool) (mgmt.Overview, error)
}

// countEvery: a vhost's object counts (four requests) are read on every
// this many header polls; its messages and rates on each.
const countEvery = 6

// headerOverview reads the header's figures: the selected vhost's totals
// when one is selected, else the cluster's. counted says whether the
// object counts were read (else the caller keeps the last ones).
func headerOverview(src Source, vhost string, withCounts bool) func(ctx context.Context) (mgmt.Overview, bool, error) {
	if vo, ok := src.(vhostOverviewer); ok && vhost != "" {
		return func(ctx context.Context) (mgmt.Overview, bool, error) {
			o, err := vo.VhostOverview(ctx, vhost, withCounts)
			return o, withCounts, err
		}
	}
	return func(ctx context.Context) (mgmt.Overview, bool, error) {
		o, err := src.Overview(ctx)
		return o, true, err
	}
}

// alarmReader is a Source that can read only the nodes' alarms, for the
// header's poll; *mgmt.Client is one.
type alarmReader interface {
	NodeAlarms(ctx context.Context) ([]mgmt.Node, error)
}

// headerNodes reads what the header needs of the nodes: their alarms.
func headerNodes(src Source) func(ctx context.Context) ([]mgmt.Node, error) {
	if ar, ok := src.(alarmReader); ok {
		return ar.NodeAlarms
	}
	return src.Nodes
}
