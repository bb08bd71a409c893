package mgmt_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/route"
)

// TestRouteMatchesBroker is the tracer's proof: it builds random
// topologies on the real broker (every exchange type, internal exchanges,
// exchange-to-exchange bindings and cycles, alternate exchanges from
// arguments and from policies, missing alternate exchanges, headers
// bindings with every x-match and mixed value types), publishes probe
// messages with mandatory and confirms, reads which queues got each one,
// and compares that with route.Trace over the topology mgmt.Topology
// loaded. Any disagreement fails, naming the seed (WARREN_ROUTE_SEED
// replays it).
func TestRouteMatchesBroker(t *testing.T) {
	brokertest.Require(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("WARREN_ROUTE_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	topologies, probes := 60, 100
	if testing.Short() {
		topologies = 10
	}
	vhost := brokertest.Vhost(t)
	conn := dial(t, vhost, nil)
	client := newClient(t)
	rng := rand.New(rand.NewPCG(seed, 7))
	var total, refusals, unroutable, viaAE, e2e, disagreements int
	start := time.Now()
	for n := range topologies {
		g := generate(rng, n)
		g.build(t, conn, vhost)
		top, err := client.Topology(testContext(t), vhost)
		if err != nil {
			t.Fatalf("seed %d: load topology: %v", seed, err)
		}
		got := g.probe(t, conn, rng, probes)
		for _, p := range got {
			r := top.Trace(p.publish)
			total++
			if p.refused {
				refusals++
			}
			for _, h := range r.Hops {
				switch h.Via {
				case route.ViaAlternate:
					viaAE++
				case route.ViaBinding:
					e2e++
				}
			}
			if r.Unroutable() {
				unroutable++
			}
			want := p.queues
			bad := ""
			switch {
			case p.refused != (r.Refused != ""):
				bad = fmt.Sprintf("broker refused=%v, trace refused=%q", p.refused, r.Refused)
			case !slices.Equal(want, r.Queues):
				bad = fmt.Sprintf("broker delivered to %v, trace says %v", want, r.Queues)
			case !p.refused && p.returned != (len(r.Queues) == 0):
				bad = fmt.Sprintf("broker returned=%v, trace says queues %v", p.returned, r.Queues)
			}
			if bad != "" {
				disagreements++
				if disagreements <= 10 {
					t.Errorf("seed %d, topology %d: publish to %q key %q headers %v: %s\ntopology:\n%s\nhops: %+v",
						seed, n, p.publish.Exchange, p.publish.RoutingKey, p.publish.Headers, bad, g.describe(), r.Hops)
				}
			}
		}
		g.teardown(t, conn, vhost)
	}
	t.Logf("seed %d: %d topologies, %d probes (%d refused, %d unroutable, %d alternate-exchange hops, %d e2e hops), %d disagreements, %s",
		seed, topologies, total, refusals, unroutable, viaAE, e2e, disagreements, time.Since(start).Round(time.Millisecond))
	if disagreements > 0 {
		t.Fatalf("seed %d: %d of %d probes disagree (replay with WARREN_ROUTE_SEED=%d)", seed, disagreements, total, seed)
	}
}

type genExchange struct {
	name, kind string
	internal   bool
	args       amqp.Table
	policyAE   string // "" none
}

type genBinding struct {
	src, dst string
	toX      bool
	key      string
	args     amqp.Table
}

type generated struct {
	prefix    string
	exchanges []genExchange
	queues    []string
	bindings  []genBinding
	policies  []string
}

var (
	words       = []string{"a", "b", "c", ""}
	topicWords  = []string{"a", "b", "c", "*", "#", "#", "*"}
	headerKeys  = []string{"h1", "h2", "x-k"}
	matchKinds  = []string{"", "all", "any", "all-with-x", "any-with-x"}
	valuePool   = []any{"1", "2", int32(1), int64(2), 1.0, true, false, nil, time.Unix(2, 0), []byte("1")}
	exchangeTyp = []string{route.Direct, route.Fanout, route.Topic, route.Headers}
)

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

func randomKey(rng *rand.Rand, vocab []string) string {
	n := rng.IntN(4)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = pick(rng, vocab)
	}
	return strings.Join(parts, ".")
}

func randomTable(rng *rand.Rand, n int) amqp.Table {
	t := amqp.Table{}
	for range n {
		t[pick(rng, headerKeys)] = pick(rng, valuePool)
	}
	return t
}

func generate(rng *rand.Rand, n int) *generated {
	g := &generated{prefix: fmt.Sprintf("t%d-", n)}
	nx, nq := 3+rng.IntN(5), 3+rng.IntN(4)
	for i := range nq {
		g.queues = append(g.queues, fmt.Sprintf("%sq%d", g.prefix, i))
	}
	for i := range nx {
		g.exchanges = append(g.exchanges, genExchange{name: fmt.Sprintf("%sx%d", g.prefix, i),
			kind: pick(rng, exchangeTyp), internal: rng.IntN(7) == 0, args: amqp.Table{}})
	}
	target := func() string {
		switch rng.IntN(12) {
		case 0:
			return g.prefix + "missing"
		case 1:
			return "" // the default exchange as an alternate exchange
		}
		return pick(rng, g.exchanges).name
	}
	for i := range g.exchanges {
		if rng.IntN(3) == 0 {
			g.exchanges[i].args["alternate-exchange"] = target()
		}
		if rng.IntN(4) == 0 {
			g.exchanges[i].policyAE = target()
		}
	}
	for range 4 + rng.IntN(16) {
		src := pick(rng, g.exchanges)
		b := genBinding{src: src.name, dst: pick(rng, g.queues)}
		if rng.IntN(10) < 3 {
			b.dst, b.toX = pick(rng, g.exchanges).name, true
		}
		switch src.kind {
		case route.Topic:
			b.key = randomKey(rng, topicWords)
		case route.Headers:
			b.key = randomKey(rng, words)
			b.args = randomTable(rng, rng.IntN(4))
			if m := pick(rng, matchKinds); m != "" {
				b.args["x-match"] = m
			}
		default:
			b.key = randomKey(rng, words)
		}
		g.bindings = append(g.bindings, b)
	}
	return g
}

func (g *generated) build(t *testing.T, conn *amqp.Connection, vhost string) {
	t.Helper()
	ch := channel(t, conn)
	defer ch.Close()
	for _, q := range g.queues {
		if _, err := ch.QueueDeclare(q, false, false, false, false, nil); err != nil {
			t.Fatalf("declare %s: %v", q, err)
		}
	}
	for _, x := range g.exchanges {
		if err := ch.ExchangeDeclare(x.name, x.kind, false, false, x.internal, false, x.args); err != nil {
			t.Fatalf("declare %s: %v", x.name, err)
		}
	}
	for _, b := range g.bindings {
		var err error
		if b.toX {
			err = ch.ExchangeBind(b.dst, b.key, b.src, false, b.args)
		} else {
			err = ch.QueueBind(b.dst, b.key, b.src, false, b.args)
		}
		if err != nil {
			t.Fatalf("bind %s -> %s: %v", b.src, b.dst, err)
		}
	}
	for _, x := range g.exchanges {
		if x.policyAE == "" && !strings.HasSuffix(x.name, "x0") {
			continue
		}
		name := x.name + "-policy"
		def := map[string]any{"pattern": "^" + x.name + "$", "apply-to": "exchanges", "priority": 1,
			"definition": map[string]any{"alternate-exchange": x.policyAE}}
		if x.policyAE == "" { // a policy without an alternate exchange
			def["definition"] = map[string]any{"expires": 3600000}
			def["apply-to"] = "queues"
			def["pattern"] = "^" + g.prefix + "q0$"
		}
		body, _ := json.Marshal(def)
		brokertest.MustDo(t, "PUT", "/api/policies/"+brokertest.Esc(vhost)+"/"+brokertest.Esc(name), body)
		g.policies = append(g.policies, name)
	}
}

func (g *generated) teardown(t *testing.T, conn *amqp.Connection, vhost string) {
	t.Helper()
	for _, p := range g.policies {
		brokertest.MustDo(t, "DELETE", "/api/policies/"+brokertest.Esc(vhost)+"/"+brokertest.Esc(p), nil)
	}
	ch := channel(t, conn)
	defer ch.Close()
	for _, x := range g.exchanges {
		if err := ch.ExchangeDelete(x.name, false, false); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range g.queues {
		if _, err := ch.QueueDelete(q, false, false, false); err != nil {
			t.Fatal(err)
		}
	}
}

func (g *generated) describe() string {
	var b strings.Builder
	for _, x := range g.exchanges {
		fmt.Fprintf(&b, "  exchange %s %s internal=%v args=%v policyAE=%q\n", x.name, x.kind, x.internal, x.args, x.policyAE)
	}
	for _, bd := range g.bindings {
		fmt.Fprintf(&b, "  bind %s -> %s (exchange=%v) key %q args %v\n", bd.src, bd.dst, bd.toX, bd.key, bd.args)
	}
	return b.String()
}

// probeResult is what the broker did with one probe.
type probeResult struct {
	publish  route.Publish
	refused  bool     // the broker closed the channel over it
	returned bool     // came back as unroutable
	queues   []string // sorted
}

func (g *generated) probe(t *testing.T, conn *amqp.Connection, rng *rand.Rand, n int) []probeResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []probeResult
	// One publish to an internal exchange, refused on a channel of its own.
	for _, x := range g.exchanges {
		if x.internal {
			out = append(out, probeRefused(t, ctx, conn, x.name))
			break
		}
	}
	if g.prefix == "t0-" { // and one to an exchange that does not exist
		out = append(out, probeRefused(t, ctx, conn, g.prefix+"missing"))
	}
	ch := channel(t, conn)
	defer ch.Close()
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	returns := ch.NotifyReturn(make(chan amqp.Return, n+1))
	var confirms []*amqp.DeferredConfirmation
	first := len(out)
	for i := range n {
		p := route.Publish{Headers: map[string]any{}}
		switch x := pick(rng, g.exchanges); {
		case rng.IntN(8) == 0:
			p.Exchange = ""
			p.RoutingKey = pick(rng, g.queues)
			if rng.IntN(3) == 0 {
				p.RoutingKey = randomKey(rng, words)
			}
		case x.internal:
			p.Exchange = g.exchanges[0].name
			if g.exchanges[0].internal {
				p.Exchange = ""
			}
			p.RoutingKey = randomKey(rng, words)
		default:
			p.Exchange = x.name
			p.RoutingKey = randomKey(rng, words)
		}
		if rng.IntN(5) == 0 { // the literal wildcards as words of a routing key
			p.RoutingKey = randomKey(rng, topicWords)
		}
		headers := randomTable(rng, rng.IntN(4))
		if rng.IntN(10) == 0 {
			headers["CC"] = []any{randomKey(rng, words), pick(rng, g.queues)}
		}
		if rng.IntN(20) == 0 {
			headers["BCC"] = []any{pick(rng, g.queues)}
		}
		for k, v := range headers {
			p.Headers[k] = v
		}
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, p.Exchange, p.RoutingKey, true, false,
			amqp.Publishing{Headers: headers, MessageId: strconv.Itoa(first + i), Body: []byte(strconv.Itoa(first + i))})
		if err != nil {
			t.Fatal(err)
		}
		confirms = append(confirms, dc)
		out = append(out, probeResult{publish: p})
	}
	for _, dc := range confirms {
		if ok, err := dc.WaitContext(ctx); !ok || err != nil {
			t.Fatalf("probe not confirmed: %v", err)
		}
	}
	for len(returns) > 0 {
		r := <-returns
		i, _ := strconv.Atoi(r.MessageId)
		out[i].returned = true
	}
	for _, q := range g.queues {
		st, err := ch.QueueDeclarePassive(q, false, false, false, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		for range st.Messages {
			m, ok, err := ch.Get(q, true)
			if err != nil || !ok {
				t.Fatalf("get from %s: %v %v", q, ok, err)
			}
			i, _ := strconv.Atoi(string(m.Body))
			out[i].queues = append(out[i].queues, q)
		}
	}
	for i := range out {
		slices.Sort(out[i].queues)
	}
	return out
}

// probeRefused publishes to exchange on a channel of its own and reports
// whether the broker refused it by closing the channel.
func probeRefused(t *testing.T, ctx context.Context, conn *amqp.Connection, exchange string) probeResult {
	t.Helper()
	ch := channel(t, conn)
	closed := ch.NotifyClose(make(chan *amqp.Error, 1))
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	p := route.Publish{Exchange: exchange, RoutingKey: "a"}
	dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, exchange, "a", false, false, amqp.Publishing{Body: []byte("x")})
	res := probeResult{publish: p}
	if err == nil {
		_, _ = dc.WaitContext(ctx)
	}
	select {
	case e := <-closed:
		res.refused = e != nil && (e.Code == amqp.AccessRefused || e.Code == amqp.NotFound)
	case <-time.After(5 * time.Second):
		_ = ch.Close()
	}
	return res
}
