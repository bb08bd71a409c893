package ui

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/warren-tui/warren/mgmt"
)

// fakeSource is an in-memory broker for view tests. It counts every call
// so a test can prove that Update itself performs no I/O.
type fakeSource struct {
	calls atomic.Int64
	mu    sync.Mutex
	fail  error

	overview    mgmt.Overview
	queues      []mgmt.Queue
	exchanges   []mgmt.Exchange
	bindings    []mgmt.Binding
	connections []mgmt.Connection
	nodes       []mgmt.Node
	lastQueues  mgmt.ListOptions
	// policy and consumers, when set, replace every queue detail's
	// effective policy and consumers.
	policy    map[string]any
	consumers []mgmt.Consumer
}

func (f *fakeSource) enter() error {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fail
}

func (f *fakeSource) setFail(err error) {
	f.mu.Lock()
	f.fail = err
	f.mu.Unlock()
}

func (f *fakeSource) Overview(context.Context) (mgmt.Overview, error) {
	if err := f.enter(); err != nil {
		return mgmt.Overview{}, err
	}
	return f.overview, nil
}

func (f *fakeSource) Vhosts(context.Context) ([]string, error) {
	if err := f.enter(); err != nil {
		return nil, err
	}
	return []string{"/", "orders", "payments"}, nil
}

func (f *fakeSource) Queues(_ context.Context, o mgmt.ListOptions) (mgmt.Page[mgmt.Queue], error) {
	if err := f.enter(); err != nil {
		return mgmt.Page[mgmt.Queue]{}, err
	}
	f.mu.Lock()
	f.lastQueues = o
	qs := append([]mgmt.Queue(nil), f.queues...)
	f.mu.Unlock()
	if o.Vhost != "" || o.Node != "" {
		var kept []mgmt.Queue
		for _, q := range qs {
			if (o.Vhost == "" || q.Vhost == o.Vhost) && mgmt.OnNode(q.Node, o.Node) {
				kept = append(kept, q)
			}
		}
		qs = kept
	}
	less := map[mgmt.SortKey]func(a, b mgmt.Queue) bool{
		mgmt.SortName:      func(a, b mgmt.Queue) bool { return a.Name < b.Name },
		mgmt.SortMessages:  func(a, b mgmt.Queue) bool { return a.Messages < b.Messages },
		mgmt.SortConsumers: func(a, b mgmt.Queue) bool { return a.Consumers < b.Consumers },
		mgmt.SortRate:      func(a, b mgmt.Queue) bool { return a.PublishRate < b.PublishRate },
	}[o.Sort]
	if less != nil {
		sort.SliceStable(qs, func(i, j int) bool {
			if o.Reverse {
				return less(qs[j], qs[i])
			}
			return less(qs[i], qs[j])
		})
	}
	return pageFake(qs, o, func(q mgmt.Queue) []string { return []string{q.Name} })
}

func (f *fakeSource) Queue(_ context.Context, vhost, name string) (mgmt.QueueDetail, error) {
	if err := f.enter(); err != nil {
		return mgmt.QueueDetail{}, err
	}
	for _, q := range f.queues {
		if q.Vhost == vhost && q.Name == name {
			d := mgmt.QueueDetail{Queue: q, EffectivePolicy: map[string]any{"message-ttl": 60000.0}}
			for _, b := range f.bindings {
				if b.Destination == name && b.DestinationType == "queue" {
					d.Bindings = append(d.Bindings, b)
				}
			}
			d.ConsumerDetails = []mgmt.Consumer{{Tag: "ctag-1", ChannelName: "127.0.0.1:50000 -> 127.0.0.1:5672 (1)", AckRequired: true, Prefetch: 10, Active: true}}
			if f.policy != nil {
				d.EffectivePolicy = f.policy
			}
			if f.consumers != nil {
				d.ConsumerDetails = f.consumers
			}
			return d, nil
		}
	}
	return mgmt.QueueDetail{}, fmt.Errorf("queue %q in vhost %q: %w", name, vhost, errFakeNotFound)
}

func (f *fakeSource) Exchanges(_ context.Context, o mgmt.ListOptions) (mgmt.Page[mgmt.Exchange], error) {
	if err := f.enter(); err != nil {
		return mgmt.Page[mgmt.Exchange]{}, err
	}
	return pageFake(f.exchanges, o, func(e mgmt.Exchange) []string { return []string{e.Name} })
}

func (f *fakeSource) Exchange(_ context.Context, vhost, name string) (mgmt.ExchangeDetail, error) {
	if err := f.enter(); err != nil {
		return mgmt.ExchangeDetail{}, err
	}
	for _, e := range f.exchanges {
		if e.Vhost == vhost && e.Name == name {
			d := mgmt.ExchangeDetail{Exchange: e}
			for _, b := range f.bindings {
				if b.Source == name {
					d.Outgoing = append(d.Outgoing, b)
				}
				if b.Destination == name && b.DestinationType == "exchange" {
					d.Incoming = append(d.Incoming, b)
				}
			}
			return d, nil
		}
	}
	return mgmt.ExchangeDetail{}, errFakeNotFound
}

func (f *fakeSource) Bindings(_ context.Context, o mgmt.ListOptions) (mgmt.Page[mgmt.Binding], error) {
	if err := f.enter(); err != nil {
		return mgmt.Page[mgmt.Binding]{}, err
	}
	return pageFake(f.bindings, o, func(b mgmt.Binding) []string { return []string{b.Source, b.Destination, b.RoutingKey} })
}

func (f *fakeSource) Connections(_ context.Context, o mgmt.ListOptions) (mgmt.Page[mgmt.Connection], error) {
	if err := f.enter(); err != nil {
		return mgmt.Page[mgmt.Connection]{}, err
	}
	return pageFake(f.connections, o, func(c mgmt.Connection) []string { return []string{c.Name} })
}

func (f *fakeSource) Nodes(context.Context) ([]mgmt.Node, error) {
	if err := f.enter(); err != nil {
		return nil, err
	}
	return f.nodes, nil
}

// pageFake filters and pages, keeping the given order. It filters as the
// broker does: the management API's name filter (use_regex=true) ignores
// case, and bindings match on source, destination or routing key.
func pageFake[T any](all []T, o mgmt.ListOptions, texts func(T) []string) (mgmt.Page[T], error) {
	re, err := regexp.Compile("(?i)" + o.Filter)
	if err != nil {
		return mgmt.Page[T]{}, errors.New("bad regex")
	}
	var kept []T
	for _, it := range all {
		if slices.ContainsFunc(texts(it), re.MatchString) {
			kept = append(kept, it)
		}
	}
	size := max(o.PageSize, 1)
	p := max(o.Page, 1)
	lo := min((p-1)*size, len(kept))
	hi := min(lo+size, len(kept))
	return mgmt.Page[T]{Items: kept[lo:hi], Page: p, PageCount: (len(kept) + size - 1) / size, PageSize: size, FilteredCount: len(kept), TotalCount: len(all)}, nil
}

// demoFake is a small, fixed broker picture for goldens and flows.
func demoFake() *fakeSource {
	f := &fakeSource{
		overview: mgmt.Overview{ClusterName: "rabbit@demo", RabbitMQVersion: "3.10.8", ErlangVersion: "25.2.3", User: "guest",
			Queues: 6, Exchanges: 9, Connections: 2, Consumers: 3, Messages: 1580, Ready: 1570, Unacked: 10, PublishRate: 42.5, DeliverRate: 40},
	}
	add := func(vhost, name, typ string, ready, unacked int64, cons int, in, out float64, args map[string]any) {
		f.queues = append(f.queues, mgmt.Queue{Vhost: vhost, Name: name, Type: typ, State: "running", Durable: true, Node: "rabbit@demo",
			Ready: ready, Unacked: unacked, Messages: ready + unacked, Consumers: cons, PublishRate: in, DeliverRate: out, HasStats: true, Arguments: args})
	}
	add("/", "demo.orders.created", "classic", 120, 3, 1, 12.5, 11, map[string]any{"x-dead-letter-exchange": "demo.dlx"})
	add("/", "demo.orders.dlq", "classic", 30, 0, 0, 0, 0, nil)
	add("/", "demo.orders.all", "classic", 1200, 7, 2, 25, 20.2, nil)
	add("/", "demo.payments", "quorum", 5, 0, 0, 0.4, 0, map[string]any{"x-queue-type": "quorum", "x-delivery-limit": 3.0})
	add("/", "demo.events", "stream", 200, 0, 0, 2, 0, map[string]any{"x-queue-type": "stream"})
	add("demo.vhost", "billing", "classic", 25, 0, 0, 0, 0, nil)
	for _, e := range []struct{ name, typ string }{{"", "direct"}, {"amq.topic", "topic"}, {"demo.dlx", "fanout"}, {"demo.notifications", "headers"}, {"demo.orders", "topic"}} {
		f.exchanges = append(f.exchanges, mgmt.Exchange{Vhost: "/", Name: e.name, Type: e.typ, Durable: true, HasStats: true, PublishIn: 12, PublishOut: 24})
	}
	f.bindings = []mgmt.Binding{
		{Vhost: "/", Source: "demo.orders", Destination: "demo.orders.created", DestinationType: "queue", RoutingKey: "order.created", PropertiesKey: "order.created"},
		{Vhost: "/", Source: "demo.orders", Destination: "demo.orders.all", DestinationType: "queue", RoutingKey: "order.#", PropertiesKey: "order.%23"},
		{Vhost: "/", Source: "demo.dlx", Destination: "demo.orders.dlq", DestinationType: "queue", RoutingKey: "", PropertiesKey: "~"},
	}
	f.connections = []mgmt.Connection{{Name: "127.0.0.1:50000 -> 127.0.0.1:5672", Vhost: "/", User: "guest", State: "running", Protocol: "AMQP 0-9-1", Channels: 2,
		Client: "pika 1.2.0", ClientName: "orders-api", Node: "rabbit@demo", RecvRate: 2048, SendRate: 1024, ConnectedAt: fixedNow.Add(-90 * time.Minute)}}
	f.nodes = []mgmt.Node{{Name: "rabbit@demo", Type: "disc", Running: true, Uptime: 26 * time.Hour, MemUsed: 120 << 20, MemLimit: 8 << 30,
		DiskFree: 50 << 30, DiskLimit: 50 << 20, FDUsed: 40, FDTotal: 1024, Sockets: 2, SockTotal: 829, Processes: 500, ProcTotal: 1048576,
		Version: "3.10.8", Plugins: []string{"rabbitmq_management", "rabbitmq_shovel"}},
		{Name: "rabbit@demo-2", Type: "disc", Running: true, Uptime: 25 * time.Hour, MemUsed: 110 << 20, MemLimit: 8 << 30,
			DiskFree: 50 << 30, DiskLimit: 50 << 20, FDUsed: 38, FDTotal: 1024, SockTotal: 829, Processes: 480, ProcTotal: 1048576,
			Version: "3.10.8", Plugins: []string{"rabbitmq_management"}},
		{Name: "rabbit@demo-3", Type: "disc"}}
	for i, q := range f.queues {
		if q.Type == "quorum" {
			f.queues[i].Node = "rabbit@demo-2" // its leader
		}
		if q.Type != "classic" { // replicated on the three nodes, one of them down
			f.queues[i].Members = []string{"rabbit@demo", "rabbit@demo-2", "rabbit@demo-3"}
			f.queues[i].Online = []string{"rabbit@demo", "rabbit@demo-2"}
		}
	}
	return f
}

var fixedNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
var errFakeNotFound = errors.New("not found")
