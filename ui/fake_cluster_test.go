package ui

import (
	"context"
	"fmt"
	"slices"

	"github.com/warren-tui/warren/mgmt"
)

// The fake's node and connection details, built from its lists the way
// the management client builds them from the broker's.

func (f *fakeSource) Node(_ context.Context, name string) (mgmt.NodeDetail, error) {
	if err := f.enter(); err != nil {
		return mgmt.NodeDetail{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.nodes {
		if n.Name != name {
			continue
		}
		d := mgmt.NodeDetail{Node: n, FeatureFlags: []string{"quorum_queue", "stream_queue", "user_limits"}}
		for _, c := range f.connections {
			if c.Node == name {
				d.Connections = append(d.Connections, c)
			}
		}
		for _, q := range f.queues {
			switch {
			case q.Node == name:
				d.Leaders = append(d.Leaders, q)
			case slices.Contains(q.Members, name):
				d.Replicas++
			}
		}
		return d, nil
	}
	return mgmt.NodeDetail{}, fmt.Errorf("node %q: %w", name, errFakeNotFound)
}

func (f *fakeSource) ConnectionDetail(_ context.Context, name string) (mgmt.ConnectionDetail, error) {
	if err := f.enter(); err != nil {
		return mgmt.ConnectionDetail{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.connections {
		if c.Name != name {
			continue
		}
		d := mgmt.ConnectionDetail{Connection: c, AuthMechanism: "PLAIN", Heartbeat: 60, FrameMax: 131072, ChannelMax: 2047}
		for i := range c.Channels {
			d.ChannelList = append(d.ChannelList, mgmt.Channel{Number: i + 1, Name: fmt.Sprintf("%s (%d)", c.Name, i+1),
				State: "running", Prefetch: 10 * (i + 1), Unacked: int64(3 + i), Consumers: 1, Confirm: i == 1})
		}
		return d, nil
	}
	return mgmt.ConnectionDetail{}, fmt.Errorf("connection %q: %w", name, errFakeNotFound)
}
