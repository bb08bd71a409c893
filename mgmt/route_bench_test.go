package mgmt_test

import (
	"fmt"
	"testing"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/route"
)

// BenchmarkRouteTopology10k measures what :route costs end to end on a
// vhost with 10,000 bindings (100 topic exchanges, 500 queues): loading
// the topology from the broker (whole, or scoped to what a trace from one
// exchange can meet, as the UI does), indexing it, and one trace.
func BenchmarkRouteTopology10k(b *testing.B) {
	brokertest.Require(b)
	vhost := brokertest.Vhost(b)
	conn := dial(b, vhost, nil)
	ch := channel(b, conn)
	for i := range 100 {
		if err := ch.ExchangeDeclare(fmt.Sprintf("x%d", i), "topic", false, false, false, false, nil); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 500 {
		if _, err := ch.QueueDeclare(fmt.Sprintf("q%d", i), true, false, false, false, nil); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 10000 {
		// noWait pipelines the bindings; the passive declare below waits for them.
		if err := ch.QueueBind(fmt.Sprintf("q%d", i%500), fmt.Sprintf("order.%d.*", i), fmt.Sprintf("x%d", i%100), true, nil); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := ch.QueueDeclarePassive("q0", false, false, false, false, nil); err != nil {
		b.Fatal(err)
	}
	client := newClient(b)
	p := route.Publish{Exchange: "x7", RoutingKey: "order.7.new"}
	for _, bc := range []struct {
		name string
		load func() (*route.Topology, error)
		want int
	}{
		{"whole", func() (*route.Topology, error) { return client.Topology(testContext(b), vhost) }, 10000},
		{"scoped", func() (*route.Topology, error) {
			return client.RouteTopology(testContext(b), vhost, []string{p.Exchange}, false)
		}, 100},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var top *route.Topology
			for b.Loop() {
				t, err := bc.load()
				if err != nil {
					b.Fatal(err)
				}
				top = t
				if r := top.Trace(p); len(r.Queues) != 1 {
					b.Fatalf("trace: %v", r.Queues)
				}
			}
			if n := top.BindingCount(); n != bc.want {
				b.Fatalf("%d bindings loaded, want %d", n, bc.want)
			}
		})
	}
}
