// Package pulse finds what is wrong with a broker: configurations that
// lose messages silently, work that is stuck, and broker trouble. Its
// rules are pure functions of a Snapshot (and of a History of earlier
// snapshots, for trends); gathering the snapshot is mgmt's job.
//
// Names in a Snapshot are raw, exactly as the broker has them, so that
// they compare equal across queues, exchanges and bindings; findings
// carry them raw too. Escape them where they are drawn.
package pulse

import "time"

// Snapshot is the broker as the rules see it at one moment.
type Snapshot struct {
	At      time.Time
	Version string // RabbitMQ version, e.g. "3.10.8"; "" when unknown

	Queues      []Queue
	Exchanges   []Exchange
	Bindings    []Binding
	Policies    []Policy
	Consumers   []Consumer
	Connections []Connection
	Nodes       []Node

	// Have says which parts were read: a rule whose data is missing
	// stays silent rather than guessing.
	Have Parts
	// Unroutable is the broker's own count of messages it dropped or
	// returned as unroutable (per second), where it keeps one.
	Unroutable *Unroutable
	// Sampled says, in a sentence each, which parts are a sample of a
	// broker too large to read whole, and so which rules saw only part.
	Sampled []string
	// QueuesSampled: Queues is a page of a broker with too many to read
	// whole, a different page each read, so one queue is not read on
	// consecutive snapshots.
	QueuesSampled bool
	// Unread names the parts that could not be read, and why.
	Unread []string
}

// Parts names the parts of a snapshot that were read.
type Parts struct {
	Queues, Exchanges, Bindings, Policies, Consumers, Connections, Nodes bool
	// ConsumerCounts: each queue's Consumers is known (from the consumer
	// listing, or the queues' own stats), even where Consumers is not.
	ConsumerCounts bool
}

// Unroutable is the broker-wide rate of unroutable messages.
type Unroutable struct {
	DropRate, ReturnRate float64 // msg/s
}

// Queue is one queue with its arguments and effective policy.
type Queue struct {
	Vhost, Name string
	Type        string // classic, quorum or stream
	Durable     bool
	Exclusive   bool
	AutoDelete  bool
	Ready       int64
	Unacked     int64
	Messages    int64
	Consumers   int
	// NoCounts: its message counts were not read (Ready, Unacked and
	// Messages are 0 for want of them, not because it is empty).
	NoCounts bool
	// PolicyName is the policy that applies to it ("" for none).
	PolicyName string
	Arguments  map[string]any
	// Policy is the effective policy definition (policy and operator
	// policy combined as the broker does).
	Policy map[string]any
}

// Exchange is one exchange.
type Exchange struct {
	Vhost, Name string
	Type        string
	Internal    bool
	Arguments   map[string]any
	PolicyName  string
	Policy      map[string]any // effective policy definition
	// PublishIn is how many messages were published into it since the
	// broker's stats began, and PublishInRate the current rate.
	PublishIn     int64
	PublishInRate float64
}

// Binding links a source exchange to a queue or exchange.
type Binding struct {
	Vhost           string
	Source          string // "" is the default exchange
	Destination     string
	DestinationType string // queue or exchange
	RoutingKey      string
	Arguments       map[string]any
}

// Policy is one policy or operator policy.
type Policy struct {
	Vhost, Name string
	Pattern     string
	ApplyTo     string // queues, exchanges, all (classic_queues, quorum_queues, streams on 3.12+)
	Priority    int
	Definition  map[string]any
	Operator    bool
}

// Consumer is one consumer of a queue.
type Consumer struct {
	Vhost, Queue string
	Connection   string // the connection's name
	Prefetch     int    // 0 is unlimited
	AckRequired  bool
}

// Connection is one client connection.
type Connection struct {
	Vhost, Name, User string
	State             string // running, blocked, blocking, flow, closing...
}

// Node is one cluster member.
type Node struct {
	Name                      string
	Running                   bool
	MemAlarm, DiskAlarm       bool
	FDUsed, FDTotal           int
	SocketsUsed, SocketsTotal int
	Partitions                []string
}
