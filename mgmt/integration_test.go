package mgmt_test

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/mgmt"
)

func TestOverviewNodesVhosts(t *testing.T) {
	brokertest.Require(t)
	c := newClient(t)
	ctx := testContext(t)
	vhost := brokertest.Vhost(t)

	o, err := c.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	user, _ := credentials()
	if o.User != user || o.RabbitMQVersion == "" || o.Node == "" || o.StatsInterval <= 0 || o.Exchanges == 0 {
		t.Fatalf("overview %+v", o)
	}

	nodes, err := c.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(nodes, func(n mgmt.Node) bool { return n.Name == o.Node })
	if i < 0 {
		t.Fatalf("node %s not in %+v", o.Node, nodes)
	}
	if n := nodes[i]; !n.Running || n.MemLimit == 0 || n.FDTotal == 0 || n.Uptime <= 0 || n.ProcTotal == 0 {
		t.Fatalf("node %+v", n)
	}

	vhosts, err := c.Vhosts(ctx)
	if err != nil || !slices.Contains(vhosts, vhost) || !slices.IsSorted(vhosts) {
		t.Fatalf("vhosts %v, %v; want sorted with %s", vhosts, err, vhost)
	}
}

func TestQueueDetail(t *testing.T) {
	brokertest.Require(t)
	c := newClient(t)
	ctx := testContext(t)
	vhost := brokertest.Vhost(t)
	queue := brokertest.Name("queue")
	brokertest.DeclareExchange(t, vhost, "dlx", "fanout")
	brokertest.DeclareExchange(t, vhost, "events", "topic")
	brokertest.DeclareQueue(t, vhost, queue, `{"x-dead-letter-exchange":"dlx","x-message-ttl":60000}`)
	brokertest.MustDo(t, "POST", "/api/bindings/"+brokertest.Esc(vhost)+"/e/events/q/"+brokertest.Esc(queue),
		[]byte(`{"routing_key":"order.#"}`))
	policy := brokertest.Name("policy")
	brokertest.MustDo(t, "PUT", "/api/policies/"+brokertest.Esc(vhost)+"/"+policy,
		[]byte(`{"pattern":"^`+queue+`$","definition":{"max-length":1000},"apply-to":"queues"}`))
	ch := channel(t, dial(t, vhost, nil))
	if err := ch.Qos(7, 0, false); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Consume(queue, "warren-consumer", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}

	eventually(t, 20*time.Second, func() error {
		d, err := c.Queue(ctx, vhost, queue)
		if err != nil {
			return err
		}
		if d.Name != queue || d.Vhost != vhost || d.Type != "classic" || d.Arguments["x-dead-letter-exchange"] != "dlx" {
			return fmt.Errorf("queue %+v", d.Queue)
		}
		if d.Policy != policy || d.EffectivePolicy["max-length"] != float64(1000) {
			return fmt.Errorf("policy %q %v, want %s with max-length", d.Policy, d.EffectivePolicy, policy)
		}
		if len(d.ConsumerDetails) != 1 {
			return fmt.Errorf("consumers %+v", d.ConsumerDetails)
		}
		if cs := d.ConsumerDetails[0]; cs.Tag != "warren-consumer" || cs.Prefetch != 7 || !cs.AckRequired || !cs.Active || cs.ConnectionName == "" {
			return fmt.Errorf("consumer %+v", cs)
		}
		var keys []string
		for _, b := range d.Bindings {
			keys = append(keys, b.Source+"/"+b.RoutingKey)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"/" + queue, "events/order.#"}) {
			return fmt.Errorf("bindings %v", keys)
		}
		return nil
	})

	_, err := c.Queue(ctx, vhost, "no-such-queue")
	if !errors.Is(err, mgmt.ErrNotFound) || !strings.Contains(err.Error(), `"no-such-queue"`) {
		t.Fatalf("got %v, want ErrNotFound naming the queue", err)
	}
}

func TestExchangeDetail(t *testing.T) {
	brokertest.Require(t)
	c := newClient(t)
	ctx := testContext(t)
	vhost := brokertest.Vhost(t)
	brokertest.DeclareExchange(t, vhost, "src", "topic")
	brokertest.DeclareExchange(t, vhost, "dst", "fanout")
	brokertest.DeclareQueue(t, vhost, "q", "")
	v := brokertest.Esc(vhost)
	brokertest.MustDo(t, "POST", "/api/bindings/"+v+"/e/src/e/dst", []byte(`{"routing_key":"to.dst"}`))
	brokertest.MustDo(t, "POST", "/api/bindings/"+v+"/e/src/q/q", []byte(`{"routing_key":"to.q"}`))

	src, err := c.Exchange(ctx, vhost, "src")
	if err != nil {
		t.Fatal(err)
	}
	if src.Type != "topic" || src.Name != "src" || len(src.Incoming) != 0 || len(src.Outgoing) != 2 {
		t.Fatalf("src %+v", src)
	}
	var outs []string
	for _, b := range src.Outgoing {
		outs = append(outs, b.DestinationType+":"+b.Destination+":"+b.RoutingKey)
	}
	slices.Sort(outs)
	if !slices.Equal(outs, []string{"exchange:dst:to.dst", "queue:q:to.q"}) {
		t.Fatalf("outgoing %v", outs)
	}

	dst, err := c.Exchange(ctx, vhost, "dst")
	if err != nil || len(dst.Incoming) != 1 || dst.Incoming[0].Source != "src" || len(dst.Outgoing) != 0 {
		t.Fatalf("dst %+v, %v", dst, err)
	}

	def, err := c.Exchange(ctx, vhost, "")
	if err != nil || def.Name != "" || def.Type != "direct" || !def.ImplicitBindings {
		t.Fatalf("default exchange %+v, %v", def, err)
	}

	_, err = c.Exchange(ctx, vhost, "no-such-exchange")
	if !errors.Is(err, mgmt.ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
}

func TestExchangesPaging(t *testing.T) {
	brokertest.Require(t)
	c := newClient(t)
	ctx := testContext(t)
	vhost := brokertest.Vhost(t)
	ch := channel(t, dial(t, vhost, nil))
	for i := range 25 {
		if err := ch.ExchangeDeclare(fmt.Sprintf("x-%02d", i), "topic", false, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	const total = 25 + 7 // and the 7 built-in exchanges of every vhost

	p, err := c.Exchanges(ctx, mgmt.ListOptions{Vhost: vhost, PageSize: 10, Page: 4})
	if err != nil || p.TotalCount != total || p.PageCount != 4 || len(p.Items) != 2 {
		t.Fatalf("page 4: %+v, %v", p, err)
	}
	p, err = c.Exchanges(ctx, mgmt.ListOptions{Vhost: vhost, PageSize: 10})
	if err != nil || p.Items[0].Name != "" || p.Items[0].Type != "direct" || !p.Items[0].HasStats {
		t.Fatalf("page 1 should start with the default exchange: %+v, %v", p.Items[0], err)
	}
	p, err = c.Exchanges(ctx, mgmt.ListOptions{Vhost: vhost, Filter: `^x-1`, Reverse: true})
	if err != nil || p.FilteredCount != 10 || p.Items[0].Name != "x-19" {
		t.Fatalf("filtered: %+v, %v", p, err)
	}
	p, err = c.Exchanges(ctx, mgmt.ListOptions{Vhost: vhost, Sort: mgmt.SortRate, Reverse: true})
	if err != nil || len(p.Items) != total {
		t.Fatalf("by rate: %d items, %v", len(p.Items), err)
	}
}

func TestBindingsPaging(t *testing.T) {
	brokertest.Require(t)
	c := newClient(t)
	ctx := testContext(t)
	vhost := brokertest.Vhost(t)
	ch := channel(t, dial(t, vhost, nil))
	if err := ch.ExchangeDeclare("bx", "topic", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		q := fmt.Sprintf("bq-%02d", i)
		if _, err := ch.QueueDeclare(q, true, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
		if err := ch.QueueBind(q, fmt.Sprintf("rk.%02d", i), "bx", false, nil); err != nil {
			t.Fatal(err)
		}
	}
	const total = 60 // one explicit and one implicit (default exchange) binding per queue

	p, err := c.Bindings(ctx, mgmt.ListOptions{Vhost: vhost, PageSize: 25, Page: 3})
	if err != nil || p.TotalCount != total || p.PageCount != 3 || len(p.Items) != 10 || p.Page != 3 {
		t.Fatalf("page 3: %+v, %v", p, err)
	}
	if b := p.Items[9]; b.Source != "bx" || b.Destination != "bq-29" || b.RoutingKey != "rk.29" || b.Vhost != vhost {
		t.Fatalf("last binding %+v", b)
	}
	p, err = c.Bindings(ctx, mgmt.ListOptions{Vhost: vhost, PageSize: 25, Page: 99})
	if err != nil || p.Page != 3 {
		t.Fatalf("past the end: page %d, %v", p.Page, err)
	}
	p, err = c.Bindings(ctx, mgmt.ListOptions{Vhost: vhost, Filter: `^RK\.0`})
	if err != nil || p.FilteredCount != 10 || p.TotalCount != total {
		t.Fatalf("routing key filter: %+v, %v", p, err)
	}
	p, err = c.Bindings(ctx, mgmt.ListOptions{Vhost: vhost, Filter: `^bq-07$`, Reverse: true})
	if err != nil || len(p.Items) != 2 || p.Items[0].Source != "bx" || p.Items[1].Source != "" {
		t.Fatalf("destination filter: %+v, %v", p, err)
	}
	all, err := c.Bindings(ctx, mgmt.ListOptions{Filter: regexp.QuoteMeta("bq-07")})
	if err != nil || all.TotalCount < total || all.FilteredCount < 2 {
		t.Fatalf("all vhosts: %d of %d, %v", all.FilteredCount, all.TotalCount, err)
	}
}

func TestConnections(t *testing.T) {
	brokertest.Require(t)
	c := newClient(t)
	ctx := testContext(t)
	vhost := brokertest.Vhost(t)
	name := brokertest.Name("conn")
	conn := dial(t, vhost, amqp.Table{"connection_name": name})
	local := conn.LocalAddr().String()

	eventually(t, 20*time.Second, func() error {
		p, err := c.Connections(ctx, mgmt.ListOptions{Vhost: vhost})
		if err != nil {
			return err
		}
		if len(p.Items) != 1 {
			return fmt.Errorf("connections in %s: %+v", vhost, p.Items)
		}
		cn := p.Items[0]
		user, _ := credentials()
		_, port, _ := net.SplitHostPort(local)
		if cn.ClientName != name || cn.User != user || cn.Vhost != vhost || !strings.HasPrefix(cn.Protocol, "AMQP") ||
			fmt.Sprint(cn.PeerPort) != port || cn.ConnectedAt.IsZero() || cn.Client == "" {
			return fmt.Errorf("connection %+v", cn)
		}
		return nil
	})

	// Across vhosts the broker pages and filters; connection names hold the peer address.
	p, err := c.Connections(ctx, mgmt.ListOptions{Filter: "^" + regexp.QuoteMeta(local+" ")})
	if err != nil || len(p.Items) != 1 || p.Items[0].ClientName != name {
		t.Fatalf("filtered across vhosts: %+v, %v", p, err)
	}
}
