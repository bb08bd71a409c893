// Package wiring adapts the broker and mgmt packages to the UI's
// interfaces, for cmd/warren and the benchmarks.
package wiring

import (
	"context"

	"github.com/warren-tui/warren/broker"
	"github.com/warren-tui/warren/ui"
)

// Streamer adapts a broker.Session to the UI's Streamer: the UI sees live
// feeds through an interface so its panes can be tested with fakes.
func Streamer(s *broker.Session) ui.Streamer { return streamer{s} }

type streamer struct{ s *broker.Session }

func (st streamer) Tap(ctx context.Context, spec broker.TapSpec) (ui.LiveFeed, error) {
	l, err := st.s.Tap(ctx, spec, broker.LiveOptions{})
	if err != nil {
		return nil, err
	}
	return l, nil
}

func (st streamer) Tail(ctx context.Context, spec broker.TailSpec) (ui.LiveFeed, error) {
	l, err := st.s.Tail(ctx, spec, broker.LiveOptions{})
	if err != nil {
		return nil, err
	}
	return l, nil
}

func (st streamer) Consume(ctx context.Context, spec broker.ConsumeSpec) (ui.LiveFeed, error) {
	l, err := st.s.Consume(ctx, spec, broker.LiveOptions{})
	if err != nil {
		return nil, err
	}
	return l, nil
}

func (st streamer) QueueDepth(ctx context.Context, vhost, queue string) (int, int, error) {
	return st.s.QueueDepth(ctx, vhost, queue)
}
