package ops

import (
	"time"
)

// LiveState is the health of a live source (tap, tail or consume).
type LiveState int

const (
	LiveRunning      LiveState = iota
	LiveReconnecting           // the channel or connection was lost; retrying
	LiveFailed                 // gave up: Err says why (deleted queue, refused access)
	LiveClosed                 // Close was called
	LiveDone                   // a browse saw the queue and put it back: Note says what it did
)

func (s LiveState) String() string {
	switch s {
	case LiveRunning:
		return "running"
	case LiveReconnecting:
		return "reconnecting"
	case LiveFailed:
		return "failed"
	case LiveClosed:
		return "closed"
	case LiveDone:
		return "done"
	}
	return "unknown"
}

// LiveStatus is one state of a live source with its cause.
type LiveStatus struct {
	State LiveState
	Err   error // why it reconnects or failed; nil while running
	At    time.Time
	// Note says what a finished browse did, for the screen.
	Note string
	// Resumed counts the times the source came back after a loss: a tap
	// saw nothing published meanwhile, so a pane marks the gap.
	Resumed int
}

// TailSpec says which stream to tail and from where.
type TailSpec struct {
	Vhost, Queue string
	From         StreamFrom
}

// ConsumeMode is how a consume pane settles what it takes.
type ConsumeMode int

const (
	ConsumeAck         ConsumeMode = iota // take it off the queue
	ConsumeNackRequeue                    // browse: hold each message once, then put them all back (see Browse)
	ConsumeReject                         // drop it, or dead-letter it if the queue says so
)

func (m ConsumeMode) String() string {
	switch m {
	case ConsumeAck:
		return "ack"
	case ConsumeNackRequeue:
		return "browse"
	case ConsumeReject:
		return "reject"
	}
	return "unknown"
}

// ConsumeSpec says which queue to consume and how.
type ConsumeSpec struct {
	Vhost, Queue string
	Type         string // QueueClassic, QueueQuorum; streams: use Tail
	Mode         ConsumeMode
	// DeliveryLimit, RequeueFree and AcceptRisk mean what they mean in a
	// PeekRequest: on a quorum queue whose requeues count toward a limit,
	// a browse puts every message back (and any consume puts back what it
	// had not shown when it closes), so it starts only once the person
	// accepted that risk.
	DeliveryLimit int
	RequeueFree   bool
	AcceptRisk    bool
	// MaxMessages caps what a browse reads (0: BrowseMax): the number the
	// person was shown when asked.
	MaxMessages int
}

// PeekRequest is the spec as the shared queue checks read it.
func (c ConsumeSpec) PeekRequest() PeekRequest {
	return PeekRequest{Vhost: c.Vhost, Queue: c.Queue, Type: c.Type,
		DeliveryLimit: c.DeliveryLimit, RequeueFree: c.RequeueFree, AcceptRisk: c.AcceptRisk}
}

// QuorumConsumePrefetch caps what a consume that takes messages holds from
// a quorum queue whose requeues count: what it had not shown when it
// closes, or when the link drops, goes back with a raised count.
const QuorumConsumePrefetch = 100

// BrowseMax is the most messages one browse holds: the pane keeps as many.
const BrowseMax = 5000

// PumpStats are the counters a pane title shows.
type PumpStats struct {
	Received uint64  // every message ever pushed
	Dropped  uint64  // pushed but overwritten before the UI took them
	Buffered int     // waiting in the ring now
	Rate     float64 // messages per second received, over about a second
}

// FirehoseExchange is where the broker copies every message once tracing
// is on (`rabbitmqctl trace_on -p VHOST`); tap it with key "publish.#"
// (what is published) or "deliver.#" (what is delivered).
const FirehoseExchange = "amq.rabbitmq.trace"

// TapSpec says what to tap.
type TapSpec struct {
	Vhost, Exchange string
	// Kind is the exchange's type (direct, fanout, topic, headers, or a
	// plugin's); it picks the default binding.
	Kind string
	// Key is the binding key. Empty: "#" for topic exchanges ("publish.#"
	// for the firehose), "" otherwise (fanout ignores it; on a direct
	// exchange "" only matches an empty routing key, so give one).
	Key string
	// Args are binding arguments, e.g. a header match for a headers
	// exchange: {"x-match": "any", "type": "order"}. None on a headers
	// exchange matches every message.
	Args map[string]any
	// MaxLength bounds the tap queue; 0: DefaultTapMaxLength.
	MaxLength int
}
