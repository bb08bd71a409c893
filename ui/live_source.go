package ui

import (
	"context"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/message"
)

// LiveFeed is one running tap, tail or consume as the pane sees it.
// *broker.Live satisfies it.
type LiveFeed interface {
	Drain(max int) (batch []message.Message, dropped, total uint64)
	Stats() ops.PumpStats
	State() ops.LiveStatus
	Pause()
	Resume()
	Paused() bool
	Clear()
	Close() error
}

// Streamer starts live feeds and reads exact depths; cmd/warren adapts
// *broker.Session to it.
type Streamer interface {
	Tap(ctx context.Context, spec ops.TapSpec) (LiveFeed, error)
	Tail(ctx context.Context, spec ops.TailSpec) (LiveFeed, error)
	Consume(ctx context.Context, spec ops.ConsumeSpec) (LiveFeed, error)
	QueueDepth(ctx context.Context, vhost, queue string) (messages, consumers int, err error)
}
