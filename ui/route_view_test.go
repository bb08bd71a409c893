package ui

import (
	"context"
	"github.com/charmbracelet/x/exp/golden"
	"strings"
	"testing"

	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/route"
)

// Topology makes the fake a TopologySource: its exchanges, queues and
// bindings in one vhost, as mgmt.Topology would load them.
func (f *fakeSource) Topology(_ context.Context, vhost string) (*route.Topology, error) {
	if err := f.enter(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var xs []route.Exchange
	for _, x := range f.exchanges {
		if x.Vhost == vhost {
			xs = append(xs, route.Exchange{Name: x.Name, Type: x.Type, Internal: x.Internal, Arguments: x.Arguments})
		}
	}
	var qs []route.Queue
	for _, q := range f.queues {
		if q.Vhost == vhost {
			qs = append(qs, route.Queue{Name: q.Name, Type: q.Type, Arguments: q.Arguments, Policy: q.Policy, PolicyDefinition: f.policy})
		}
	}
	var bs []route.Binding
	for _, b := range f.bindings {
		if b.Vhost == vhost {
			bs = append(bs, route.Binding{Source: b.Source, Destination: b.Destination, DestinationType: b.DestinationType,
				Key: b.RoutingKey, Arguments: b.Arguments})
		}
	}
	return route.New(vhost, xs, qs, bs), nil
}

var _ TopologySource = (*fakeSource)(nil)

func TestParseRoute(t *testing.T) {
	cases := []struct {
		in      string
		want    route.Publish
		wantErr string
	}{
		{in: `orders order.created`, want: route.Publish{Exchange: "orders", RoutingKey: "order.created"}},
		{in: `"" my-queue`, want: route.Publish{Exchange: "", RoutingKey: "my-queue"}},
		{in: `- my-queue`, want: route.Publish{Exchange: "", RoutingKey: "my-queue"}},
		{in: `hdr h:region=eu h:n:=5 h:ok:=true`, want: route.Publish{Exchange: "hdr",
			Headers: map[string]any{"region": "eu", "n": int64(5), "ok": true}}},
		{in: `x "a key" h:"a b"=c`, want: route.Publish{Exchange: "x", RoutingKey: "a key"}, wantErr: "h:name=value"},
		{in: `x k h:CC:=["q1","q2"]`, want: route.Publish{Exchange: "x", RoutingKey: "k", Headers: map[string]any{"CC": []any{"q1", "q2"}}}},
		{in: ``, wantErr: ":route EXCHANGE KEY"},
		{in: `x k junk`, wantErr: "h:name=value"},
		{in: `x k h:n:=nope`, wantErr: "not JSON"},
		{in: `x "open`, wantErr: "unclosed quote"},
	}
	for _, c := range cases {
		got, err := parseRoute(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%q: error %v, want one saying %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got.Exchange != c.want.Exchange || got.RoutingKey != c.want.RoutingKey || headersInline(got.Headers) != headersInline(c.want.Headers) {
			t.Errorf("%q: got %+v, want %+v", c.in, got, c.want)
		}
	}
}

// routeFake is a small vhost: a topic exchange with an alternate
// exchange, an e2e hop, and a queue that dead-letters into another.
func routeFake() *fakeSource {
	f := demoFake()
	f.exchanges = []mgmt.Exchange{
		{Vhost: "/", Name: "shop", Type: "topic", Arguments: map[string]any{"alternate-exchange": "shop.ae"}},
		{Vhost: "/", Name: "shop.ae", Type: "fanout"},
		{Vhost: "/", Name: "audit", Type: "fanout", Internal: true},
		{Vhost: "/", Name: "dlx", Type: "direct"},
	}
	f.queues = []mgmt.Queue{
		{Vhost: "/", Name: "orders", Type: "classic", Arguments: map[string]any{"x-dead-letter-exchange": "dlx", "x-dead-letter-routing-key": "dead"}},
		{Vhost: "/", Name: "unrouted", Type: "classic"},
		{Vhost: "/", Name: "audit-log", Type: "classic"},
		{Vhost: "/", Name: "dead", Type: "classic"},
	}
	f.bindings = []mgmt.Binding{
		{Vhost: "/", Source: "shop", Destination: "orders", DestinationType: "queue", RoutingKey: "order.*"},
		{Vhost: "/", Source: "shop", Destination: "audit", DestinationType: "exchange", RoutingKey: "order.#"},
		{Vhost: "/", Source: "audit", Destination: "audit-log", DestinationType: "queue"},
		{Vhost: "/", Source: "shop.ae", Destination: "unrouted", DestinationType: "queue"},
		{Vhost: "/", Source: "dlx", Destination: "dead", DestinationType: "queue", RoutingKey: "dead"},
	}
	return f
}

func TestRouteCommandShowsThePath(t *testing.T) {
	f := routeFake()
	a := newTestApp(f, Target{Vhost: "/"})
	settle(t, a, a.Init(), size())
	settle(t, a, press(":"))
	settle(t, a, typed("route shop order.created")...)
	settle(t, a, press("enter"))
	if _, ok := a.top().(*routeView); !ok {
		t.Fatalf(":route should open the route view, top is %T (status %q)", a.top(), a.status)
	}
	golden.RequireEqual(t, screen(a))
	s := screen(a)
	for _, want := range []string{"2 queues", "bound from", "audit-log", "order.*", "nothing was published"} {
		if !strings.Contains(s, want) {
			t.Errorf("route view lacks %q:\n%s", want, s)
		}
	}
	settle(t, a, press("G"), press("enter")) // the last link: the last queue it lands in
	if d, ok := a.top().(*queueDetail); !ok || d.name != "orders" {
		t.Fatalf("enter on a queue should open it, top is %T", a.top())
	}
	s = screen(a)
	settle(t, a, press("esc"), press("esc"))

	settle(t, a, press(":"))
	settle(t, a, typed("route shop invoice.paid")...)
	settle(t, a, press("enter"))
	if s := screen(a); !strings.Contains(s, "alternate exchange shop.ae") || !strings.Contains(s, "unrouted") {
		t.Errorf("an unmatched key should take the alternate exchange:\n%s", s)
	}
	settle(t, a, press("esc"), press(":"))
	settle(t, a, typed("route audit x")...)
	settle(t, a, press("enter"))
	if s := screen(a); !strings.Contains(s, "is internal") {
		t.Errorf("a publish to an internal exchange is refused:\n%s", s)
	}
	settle(t, a, press("esc"), press(":"))
	settle(t, a, typed("route dlx nobody")...)
	settle(t, a, press("enter"))
	if s := screen(a); !strings.Contains(s, route.UnroutableText) {
		t.Errorf("want unroutable:\n%s", s)
	}
}

func TestQueueDetailShowsDeadLetterMap(t *testing.T) {
	f := routeFake()
	a := newTestApp(f, Target{Vhost: "/"})
	settle(t, a, a.Init(), size())
	a.push(newQueueDetail(a.c, "/", "orders"))
	settle(t, a, a.top().load())
	s := screen(a)
	// The section is at the bottom: page down to it.
	settle(t, a, press("G"))
	s = screen(a)
	for _, want := range []string{"DEAD LETTERS", `exchange dlx (argument) with key "dead" (argument)`, "→ queue dead"} {
		if !strings.Contains(s, want) {
			t.Errorf("orders' dead-letter map lacks %q:\n%s", want, s)
		}
	}
	a.push(newQueueDetail(a.c, "/", "dead"))
	settle(t, a, a.top().load())
	settle(t, a, press("G"))
	s = screen(a)
	for _, want := range []string{"no dead-letter exchange", "DEAD LETTERS FROM (1)", `orders  via dlx, key "dead"`} {
		if !strings.Contains(s, want) {
			t.Errorf("dead's dead-letter map lacks %q:\n%s", want, s)
		}
	}
	settle(t, a, press("enter"))
	if d, ok := a.top().(*queueDetail); !ok || d.name != "orders" {
		t.Fatalf("enter on a feeder should open it, top is %T", a.top())
	}
	// A dead end is called out in the pulse's words.
	f.queues[1].Arguments = map[string]any{"x-dead-letter-exchange": "gone"}
	a.push(newQueueDetail(a.c, "/", "unrouted"))
	settle(t, a, a.top().load())
	settle(t, a, press("G"))
	if s := screen(a); !strings.Contains(s, route.DLXMissingText("unrouted", "gone")) {
		t.Errorf("a missing dead-letter exchange should be called out:\n%s", s)
	}
}

func TestPublishFormTracesWithCtrlT(t *testing.T) {
	f := routeFake()
	a := newTestApp(f, Target{Vhost: "/"})
	settle(t, a, a.Init(), size())
	a.push(newPublishView(a.c, "/", "shop", "order.created"))
	calls := f.calls.Load()
	settle(t, a, press("ctrl+t"))
	rv, ok := a.top().(*routeView)
	if !ok {
		t.Fatalf("ctrl+t should open the route view, top is %T", a.top())
	}
	if rv.pub.Exchange != "shop" || rv.pub.RoutingKey != "order.created" || !rv.loaded {
		t.Fatalf("traced %+v (loaded %v)", rv.pub, rv.loaded)
	}
	if f.calls.Load() == calls {
		t.Fatal("the trace should have read the topology")
	}
	settle(t, a, press("esc"))
	if _, ok := a.top().(*publishView); !ok {
		t.Fatalf("esc should be back in the form, top is %T", a.top())
	}
}

func TestRouteViewEscapesHostileNames(t *testing.T) {
	f := hostileFake()
	a := newTestApp(f, Target{Vhost: "/"})
	settle(t, a, a.Init(), size())
	a.push(newRouteView(a.c, "/", route.Publish{Exchange: hostile, RoutingKey: hostile, Headers: map[string]any{hostile: hostile}}))
	settle(t, a, a.top().load())
	checkFrame(t, "route view", a.render(), "body")
	a.push(newQueueDetail(a.c, "/", hostile))
	settle(t, a, a.top().load())
	settle(t, a, press("G"))
	checkFrame(t, "queue detail's dead-letter map", a.render(), "")
}
