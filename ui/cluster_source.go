package ui

import (
	"context"
	"errors"

	"github.com/warren-tui/warren/mgmt"
)

// ClusterSource is what the node and connection detail views read besides
// Source. *mgmt.Client satisfies it; a Source without it has no such
// views, and opening one says so.
type ClusterSource interface {
	Node(ctx context.Context, name string) (mgmt.NodeDetail, error)
	ConnectionDetail(ctx context.Context, name string) (mgmt.ConnectionDetail, error)
}

var errNoClusterSource = errors.New("this source cannot read node or connection details")

func nodeDetailOf(ctx context.Context, src Source, name string) (mgmt.NodeDetail, error) {
	cs, ok := src.(ClusterSource)
	if !ok {
		return mgmt.NodeDetail{}, errNoClusterSource
	}
	return cs.Node(ctx, name)
}

func connectionDetailOf(ctx context.Context, src Source, name string) (mgmt.ConnectionDetail, error) {
	cs, ok := src.(ClusterSource)
	if !ok {
		return mgmt.ConnectionDetail{}, errNoClusterSource
	}
	return cs.ConnectionDetail(ctx, name)
}
