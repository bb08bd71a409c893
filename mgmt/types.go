// Package mgmt reads a RabbitMQ broker through its management HTTP API.
// It owns its domain types so that the UI never sees rabbit-hole's.
//
// Strings in these types come escaped for display (message.Escape), but
// for the names that address the broker, which are kept exactly as the
// broker has them: vhosts, queue, exchange and connection names, binding
// sources, destinations, routing keys and properties keys. Escape those
// where they are shown. Argument and policy tables have their keys and
// string values escaped, so they are for showing, not for sending back.
package mgmt

import "time"

// SortKey names a server-side sort column.
type SortKey string

const (
	SortName      SortKey = "name"
	SortMessages  SortKey = "messages"
	SortConsumers SortKey = "consumers"
	SortRate      SortKey = "rate" // publish rate in, for queues and exchanges
)

// ListOptions asks for one page of a listing. The broker does the
// filtering, sorting and paging wherever its API allows.
type ListOptions struct {
	Vhost    string  // "" means every vhost
	Page     int     // 1-based; 0 is treated as 1
	PageSize int     // 1..500; 0 means DefaultPageSize
	Filter   string  // regular expression on the name; "" means all
	Sort     SortKey // "" means SortName
	Reverse  bool
	// Node keeps only the queues led by (or, for a classic queue, on) this
	// node: its full name or the part before @. Queues only.
	Node string
}

// DefaultPageSize is the page size used when ListOptions.PageSize is 0.
const DefaultPageSize = 100

// MaxPageSize is the largest page the management API serves.
const MaxPageSize = 500

// Page is one page of a listing plus the counts needed to show "x of y".
type Page[T any] struct {
	Items         []T
	Page          int // 1-based
	PageCount     int
	PageSize      int
	FilteredCount int // items matching the filter, across all pages
	TotalCount    int // items in the listing before filtering
}

// Overview is the header's picture of the cluster.
type Overview struct {
	ClusterName       string
	RabbitMQVersion   string
	ErlangVersion     string
	ManagementVersion string
	User              string // the user the API authenticated as
	Node              string
	// Endpoint is the API endpoint (host:port) that answered, and
	// FailedOver says it is not the first listed: warren moved to it
	// because that one stopped answering (or never did).
	Endpoint      string
	FailedOver    bool
	Queues        int
	Exchanges     int
	Connections   int
	Consumers     int
	Channels      int
	Messages      int64
	Ready         int64
	Unacked       int64
	PublishRate   float64 // msg/s
	DeliverRate   float64 // msg/s, deliver + get
	StatsInterval time.Duration
	// ProductName and ProductVersion are what the broker calls itself
	// (a rebranded build may differ from RabbitMQ's own version).
	ProductName    string
	ProductVersion string
	// StatsOff: the broker collects no statistics
	// (management_agent.disable_metrics_collector = true, as the official
	// container image and the cluster operator set it). The API then
	// lists objects without message counts, consumers or rates.
	StatsOff bool
	// Unknown marks the figures above that the broker did not report.
	Unknown Unknown
	// RatesFrom says where PublishRate and DeliverRate came from:
	// RatesFromStats, RatesFromPrometheus, or RatesNone.
	RatesFrom RatesSource
	// PrometheusURL is the rabbitmq_prometheus endpoint asked for rates
	// when StatsOff; PrometheusErr says why it gave none ("" if it did).
	PrometheusURL string
	PrometheusErr string
}

// Unknown marks figures a broker did not report, so that they are shown
// as unknown rather than as 0. The zero value knows everything.
type Unknown uint8

const (
	UnknownReady Unknown = 1 << iota
	UnknownUnacked
	UnknownMessages
	UnknownConsumers
	UnknownRates
)

// UnknownCounts is every message count.
const UnknownCounts = UnknownReady | UnknownUnacked | UnknownMessages

// Knows says whether every figure in f was reported.
func (u Unknown) Knows(f Unknown) bool { return u&f == 0 }

// RatesSource says where rates came from.
type RatesSource uint8

const (
	RatesFromStats      RatesSource = iota // the management stats database
	RatesFromPrometheus                    // counters of rabbitmq_prometheus, between two reads
	RatesNone                              // nowhere: unknown
)

// Queue is one row of the queue list, or the head of a queue detail.
type Queue struct {
	Vhost       string
	Name        string
	Type        string // classic, quorum or stream
	State       string // running, idle, flow, down, ...
	Durable     bool
	AutoDelete  bool
	Exclusive   bool
	Node        string
	Ready       int64
	Unacked     int64
	Messages    int64
	Consumers   int
	PublishRate float64 // msg/s in
	DeliverRate float64 // msg/s out (deliver + get)
	AckRate     float64
	Memory      int64
	Policy      string
	Arguments   map[string]any
	// HasStats is false when the row came from a stats-free listing, so
	// rates are unknown rather than zero.
	HasStats bool
	// Unknown marks counts the broker did not report (its statistics are
	// off, or a stream in a totals listing): none, rather than 0.
	Unknown Unknown
	// RatesFrom is RatesFromPrometheus when PublishRate and DeliverRate
	// came from rabbitmq_prometheus on a broker whose statistics are off
	// (AckRate is then unknown).
	RatesFrom RatesSource
	// ExactDepth is set when Ready and Consumers were read by a passive
	// queue.declare (the UI fills them so on a broker without statistics).
	ExactDepth bool

	// Node above is a quorum queue's or stream's leader. Members are the
	// nodes holding a replica of a quorum queue or stream, Online those
	// of them that are up; Mirrors and SyncedMirrors are a mirrored
	// classic queue's mirrors and those in sync.
	Members       []string
	Online        []string
	Mirrors       []string
	SyncedMirrors []string
}

// RatesKnown says whether the queue's in and out rates are known.
func (q Queue) RatesKnown() bool { return q.HasStats || q.RatesFrom == RatesFromPrometheus }

// Consumer is one consumer of a queue.
type Consumer struct {
	Tag            string
	ChannelName    string
	ConnectionName string
	AckRequired    bool
	Prefetch       int
	Active         bool
}

// QueueDetail is everything the queue detail view shows.
type QueueDetail struct {
	Queue
	EffectivePolicy map[string]any
	ConsumerDetails []Consumer
	Bindings        []Binding // bindings into this queue
}

// Exchange is one row of the exchange list.
type Exchange struct {
	Vhost      string
	Name       string // "" is the default exchange
	Type       string
	Durable    bool
	AutoDelete bool
	Internal   bool
	Arguments  map[string]any
	PublishIn  float64 // msg/s published into it
	PublishOut float64 // msg/s routed out of it
	HasStats   bool
}

// ExchangeDetail is an exchange with its bindings both ways.
type ExchangeDetail struct {
	Exchange
	Outgoing []Binding // this exchange is the source
	Incoming []Binding // this exchange is the destination (e2e bindings)
	// ImplicitBindings is set for the default exchange (""): it routes to
	// every queue by name, so Outgoing is left empty rather than listing
	// one binding per queue.
	ImplicitBindings bool
}

// Binding links a source exchange to a queue or exchange.
type Binding struct {
	Vhost           string
	Source          string // "" is the default exchange
	Destination     string
	DestinationType string // queue or exchange
	RoutingKey      string
	Arguments       map[string]any
	PropertiesKey   string
}

// Connection is one client connection.
type Connection struct {
	Name        string
	Vhost       string
	User        string
	State       string
	Protocol    string
	Channels    int
	Client      string // client product and version, from client_properties
	ClientName  string // the name the client gave the connection, if any
	PeerHost    string
	PeerPort    int
	RecvRate    float64 // bytes/s
	SendRate    float64 // bytes/s
	ConnectedAt time.Time
	Node        string // the node the connection is on
	// StatsUnknown: the broker reported only the connection's name, node,
	// user and vhost (its statistics are off): state, protocol, channels,
	// client and rates are unknown, not empty or 0.
	StatsUnknown bool
}

// Node is one cluster member.
type Node struct {
	Name       string
	Type       string
	Running    bool
	Uptime     time.Duration
	MemUsed    int64
	MemLimit   int64
	MemAlarm   bool
	DiskFree   int64
	DiskLimit  int64
	DiskAlarm  bool
	FDUsed     int
	FDTotal    int
	Processes  int
	ProcTotal  int
	Sockets    int
	SockTotal  int
	Partitions []string
	// StatsUnknown: the broker reported only the node's name, type and
	// whether it runs (its statistics are off): uptime, memory, disk,
	// descriptors, processes and alarms are unknown, not 0.
	StatsUnknown bool
	// Version is the node's RabbitMQ version; "" when it is down.
	Version string
	// Plugins are the node's enabled plugins.
	Plugins []string
}
