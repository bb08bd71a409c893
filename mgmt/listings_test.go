package mgmt

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestExchangesQuery(t *testing.T) {
	c, requests := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"filtered_count":2,"page":1,"page_count":1,"page_size":100,"total_count":2,"items":[
			{"name":"","vhost":"/","type":"direct","durable":true,"internal":false,"arguments":{},
			 "message_stats":{"publish_in_details":{"rate":4},"publish_out_details":{"rate":3}}},
			{"name":"amq.rabbitmq.trace","vhost":"/","type":"topic","durable":true,"internal":true,"arguments":[]}]}`)
	})
	p, err := c.Exchanges(context.Background(), ListOptions{Vhost: "/", Sort: SortMessages})
	if err != nil {
		t.Fatal(err)
	}
	if reqs := requests(); len(reqs) != 1 || !strings.HasPrefix(reqs[0], "/api/exchanges/%2F?") || strings.Contains(reqs[0], "sort=") {
		t.Fatalf("requests %v", reqs)
	}
	def, trace := p.Items[0], p.Items[1]
	if def.Name != "" || def.PublishIn != 4 || def.PublishOut != 3 || !def.HasStats || !trace.Internal || trace.Arguments != nil {
		t.Fatalf("%+v %+v", def, trace)
	}
	if _, err := c.Exchanges(context.Background(), ListOptions{Sort: SortRate}); err != nil {
		t.Fatal(err)
	}
	if reqs := requests(); !strings.Contains(reqs[1], "sort=message_stats.publish_in_details.rate") {
		t.Fatalf("rate sort: %s", reqs[1])
	}
}

func TestDefaultExchangeDetail(t *testing.T) {
	c, requests := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"name":"","vhost":"v","type":"direct","durable":true}`)
	})
	d, err := c.Exchange(context.Background(), "v", "")
	if err != nil || d.Name != "" || d.Type != "direct" || !d.ImplicitBindings || d.Outgoing != nil {
		t.Fatalf("%+v, %v", d, err)
	}
	// One request: the default exchange's implicit bindings (one per queue) are not fetched.
	if reqs := requests(); len(reqs) != 1 || !strings.HasPrefix(reqs[0], "/api/exchanges/v/amq.default?") {
		t.Fatalf("requests %v", reqs)
	}
}

func TestExchangeDetailBothWays(t *testing.T) {
	c, requests := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.EscapedPath() {
		case "/api/exchanges/v/a%2Fb":
			writeJSON(w, 200, `{"name":"a/b","vhost":"v","type":"topic"}`)
		case "/api/exchanges/v/a%2Fb/bindings/source":
			writeJSON(w, 200, `[{"source":"a/b","vhost":"v","destination":"q","destination_type":"queue","routing_key":"k"}]`)
		case "/api/exchanges/v/a%2Fb/bindings/destination":
			writeJSON(w, 200, `[{"source":"up","vhost":"v","destination":"a/b","destination_type":"exchange","routing_key":"#"}]`)
		default:
			t.Errorf("unexpected %s", r.URL)
		}
	})
	d, err := c.Exchange(context.Background(), "v", "a/b")
	if err != nil || len(d.Outgoing) != 1 || d.Outgoing[0].Destination != "q" || len(d.Incoming) != 1 || d.Incoming[0].Source != "up" {
		t.Fatalf("%+v, %v", d, err)
	}
	if len(requests()) != 3 {
		t.Fatalf("requests %v", requests())
	}
}

const bindingsJSON = `[
 {"source":"","vhost":"v","destination":"orders","destination_type":"queue","routing_key":"orders","arguments":{},"properties_key":"orders"},
 {"source":"events","vhost":"v","destination":"orders","destination_type":"queue","routing_key":"order.created","arguments":{},"properties_key":"order.created"},
 {"source":"events","vhost":"v","destination":"audit","destination_type":"exchange","routing_key":"#","arguments":{},"properties_key":"%23"},
 {"source":"audit","vhost":"v","destination":"log","destination_type":"queue","routing_key":"","arguments":{"x-match":"all"},"properties_key":"~"}]`

func TestBindingsArePagedHere(t *testing.T) {
	c, requests := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, bindingsJSON) })
	ctx := context.Background()
	key := func(p Page[Binding]) []string {
		var out []string
		for _, b := range p.Items {
			out = append(out, b.Source+">"+b.Destination)
		}
		return out
	}
	p, err := c.Bindings(ctx, ListOptions{Vhost: "v", PageSize: 3})
	if err != nil || !slices.Equal(key(p), []string{">orders", "audit>log", "events>audit"}) || p.PageCount != 2 || p.TotalCount != 4 {
		t.Fatalf("page 1: %v %+v, %v", key(p), p, err)
	}
	p, _ = c.Bindings(ctx, ListOptions{Vhost: "v", PageSize: 3, Page: 2})
	if !slices.Equal(key(p), []string{"events>orders"}) || p.Page != 2 {
		t.Fatalf("page 2: %v", key(p))
	}
	p, _ = c.Bindings(ctx, ListOptions{Vhost: "v", Filter: "ORDER"}) // destination or routing key, any case
	if !slices.Equal(key(p), []string{">orders", "events>orders"}) || p.FilteredCount != 2 {
		t.Fatalf("filtered: %v", key(p))
	}
	p, _ = c.Bindings(ctx, ListOptions{Vhost: "v", Filter: "^audit$", Reverse: true}) // source or destination
	if !slices.Equal(key(p), []string{"events>audit", "audit>log"}) {
		t.Fatalf("reverse: %v", key(p))
	}
	if reqs := requests(); reqs[0] != "/api/bindings/v" {
		t.Fatalf("requests %v", reqs)
	}
	if p.Items[1].Arguments["x-match"] != "all" || p.Items[1].PropertiesKey != "~" {
		t.Fatalf("binding fields %+v", p.Items[1])
	}
}

const connectionsJSON = `[
 {"name":"10.0.0.2:5000 -> 10.0.0.1:5672","vhost":"v","user":"app","state":"running","protocol":"AMQP 0-9-1","channels":2,
  "client_properties":{"product":"pika","version":"1.3.2","connection_name":"billing"},"peer_host":"10.0.0.2","peer_port":5000,
  "recv_oct_details":{"rate":10.5},"send_oct_details":{"rate":3},"connected_at":1700000000000},
 {"name":"shovel","vhost":"v","user":"none","state":"running","protocol":"Direct 0-9-1","channels":1,
  "client_properties":{},"peer_host":"undefined","peer_port":"undefined","recv_oct_details":{"rate":99}}]`

func TestConnectionsOfOneVhostArePagedHere(t *testing.T) {
	c, requests := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, connectionsJSON) })
	p, err := c.Connections(context.Background(), ListOptions{Vhost: "v", Sort: SortRate, Reverse: true})
	if err != nil || len(p.Items) != 2 || p.Items[0].Name != "shovel" {
		t.Fatalf("%+v, %v", p, err)
	}
	req := requests()[0]
	if !strings.HasPrefix(req, "/api/vhosts/v/connections?columns=") || strings.Contains(req, "page=") {
		t.Fatalf("request %s", req)
	}
	want := Connection{Name: "10.0.0.2:5000 -> 10.0.0.1:5672", Vhost: "v", User: "app", State: "running",
		Protocol: "AMQP 0-9-1", Channels: 2, Client: "pika 1.3.2", ClientName: "billing", PeerHost: "10.0.0.2",
		PeerPort: 5000, RecvRate: 10.5, SendRate: 3, ConnectedAt: time.UnixMilli(1700000000000)}
	if got := p.Items[1]; got != want {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	if s := p.Items[0]; s.PeerPort != 0 || s.Client != "" || !s.ConnectedAt.IsZero() {
		t.Fatalf("direct connection %+v", s)
	}
}

func TestConnectionsAcrossVhostsArePagedByTheBroker(t *testing.T) {
	c, requests := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"filtered_count":1,"page":2,"page_count":2,"page_size":1,"total_count":2,"items":[]}`)
	})
	p, err := c.Connections(context.Background(), ListOptions{Page: 2, PageSize: 1, Filter: "billing"})
	if err != nil || p.Page != 2 || p.PageCount != 2 {
		t.Fatalf("%+v, %v", p, err)
	}
	if req := requests()[0]; !strings.HasPrefix(req, "/api/connections?") || !strings.Contains(req, "page=2") || !strings.Contains(req, "use_regex=true") {
		t.Fatalf("request %s", req)
	}
}

func TestOverviewReadsIntervalAndAsksWhoamiOnce(t *testing.T) {
	c, requests := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/overview":
			writeJSON(w, 200, `{"cluster_name":"prod","rabbitmq_version":"3.10.8","erlang_version":"25.2","management_version":"3.10.8",
				"node":"rabbit@a","collect_statistics_interval":10000,"disable_stats":true,
				"object_totals":{"queues":3,"exchanges":7,"connections":1,"consumers":2,"channels":4},
				"queue_totals":{"messages":9,"messages_ready":6,"messages_unacknowledged":3},
				"message_stats":{"publish_details":{"rate":1.25},"deliver_get_details":{"rate":2.5}}}`)
		case "/api/whoami":
			writeJSON(w, 200, `{"name":"alice","tags":["management"]}`)
		case "/api/exchanges":
			writeJSON(w, 200, `{"page":1,"page_count":1,"page_size":100,"items":[{"name":"x"}]}`)
		}
	})
	ctx := context.Background()
	o, err := c.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := Overview{ClusterName: "prod", RabbitMQVersion: "3.10.8", ErlangVersion: "25.2", ManagementVersion: "3.10.8",
		User: "alice", Node: "rabbit@a", Queues: 3, Exchanges: 7, Connections: 1, Consumers: 2, Channels: 4,
		Messages: 9, Ready: 6, Unacked: 3, PublishRate: 1.25, DeliverRate: 2.5, StatsInterval: 10 * time.Second,
		StatsOff: true} // the switch is read; rates the answer carries are kept
	if o.Endpoint == "" || o.FailedOver {
		t.Errorf("the overview came from endpoint %q (failed over %v): want the one API, not failed over", o.Endpoint, o.FailedOver)
	}
	want.Endpoint = o.Endpoint
	if o != want {
		t.Fatalf("got  %+v\nwant %+v", o, want)
	}
	if _, err := c.Overview(ctx); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.Join(requests(), " "), "/api/whoami"); n != 1 {
		t.Fatalf("whoami asked %d times", n)
	}
	// The broker said it keeps no stats: rates are unknown, not zero.
	if p, _ := c.Exchanges(ctx, ListOptions{}); p.Items[0].HasStats {
		t.Fatal("HasStats with stats disabled")
	}
}

func TestOverviewDefaultsAndEmptyTotals(t *testing.T) {
	c, _ := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/whoami" {
			writeJSON(w, 200, `{"name":"alice","tags":"administrator"}`)
			return
		}
		writeJSON(w, 200, `{"rabbitmq_version":"3.6.0","queue_totals":[],"message_stats":[],"object_totals":{}}`)
	})
	o, err := c.Overview(context.Background())
	if err != nil || o.StatsInterval != 5*time.Second || o.Messages != 0 || o.User != "alice" {
		t.Fatalf("%+v, %v", o, err)
	}
}
