// Package ui is warren's Bubble Tea program. It sees the broker only
// through the small interfaces below, so every view runs against fakes.
package ui

import (
	tea "charm.land/bubbletea/v2"
	"context"
	"log/slog"
	"time"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/mgmt"
)

// Source is what the UI reads from the management API. *mgmt.Client
// satisfies it; tests use a fake.
type Source interface {
	Overview(ctx context.Context) (mgmt.Overview, error)
	Vhosts(ctx context.Context) ([]string, error)
	Queues(ctx context.Context, opts mgmt.ListOptions) (mgmt.Page[mgmt.Queue], error)
	Queue(ctx context.Context, vhost, name string) (mgmt.QueueDetail, error)
	Exchanges(ctx context.Context, opts mgmt.ListOptions) (mgmt.Page[mgmt.Exchange], error)
	Exchange(ctx context.Context, vhost, name string) (mgmt.ExchangeDetail, error)
	Bindings(ctx context.Context, opts mgmt.ListOptions) (mgmt.Page[mgmt.Binding], error)
	Connections(ctx context.Context, opts mgmt.ListOptions) (mgmt.Page[mgmt.Connection], error)
	Nodes(ctx context.Context) ([]mgmt.Node, error)
}

// Target is one broker the UI is pointed at: its Source plus what the
// header shows about it. Strings here are already free of credentials.
type Target struct {
	Context  string // config context name, "" when none
	Source   Source
	Peeker   Peeker   // nil when there is no AMQP session
	Streamer Streamer // nil when there is no AMQP session
	Mover    Mover    // nil when there is no AMQP session
	// Publisher publishes and removes single messages; nil without AMQP.
	Publisher Publisher
	// Admin declares, purges and deletes; nil when there is none.
	Admin Admin
	// Tracer reads and sets the broker's firehose; nil when there is none.
	Tracer Tracer
	// Shoveler runs whole-queue moves on the broker; nil when read-only.
	Shoveler Shoveler
	AMQP     string // redacted AMQP URI
	API      string // redacted API URL
	// APIs lists every management API endpoint given, comma-separated,
	// without credentials (API alone when there is one).
	APIs     string
	Vhost    string // the vhost lists start in; "" means all
	ReadOnly bool
	Insecure bool // TLS certificates are not checked: the header says so
}

// Switcher opens another configured context (for :ctx). The wiring in
// cmd/warren implements it; it also moves the AMQP session over.
type Switcher interface {
	Contexts() []string
	Switch(ctx context.Context, name string) (Target, error)
}

// LinkMsg reports the AMQP link's state; the event pump in cmd/warren
// sends one per change.
type LinkMsg struct {
	State ops.LinkState
	Err   error
	At    time.Time
	// Endpoint is the AMQP host:port in use (no credentials), and
	// FailedOver says it is not the first listed.
	Endpoint   string
	FailedOver bool
}

// Options are the program-wide settings.
type Options struct {
	Refresh time.Duration // poll interval of the visible view
	Timeout time.Duration // per request
	Notice  string        // a warning for the status bar at start, e.g. about the config
	// Log, when set, hears failed polls and every write action with its
	// outcome (--log).
	Log *slog.Logger
	// Pins, when set, keeps the watch board between runs.
	Pins PinStore
	// NoColor: the terminal shows no colour (NO_COLOR), so selections are
	// drawn reversed.
	NoColor bool
	// Handoff, when set, wraps a command that takes the terminal (the
	// editor a form opens) so that the screen gives the terminal up for
	// it and takes it back after (see ui/screen). Without it the command
	// runs as Bubble Tea's own renderer would hand over.
	Handoff func(tea.ExecCommand) tea.ExecCommand
}
