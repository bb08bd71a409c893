package mgmt_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/pulse"
)

// pulseTopology declares, on the real broker, one bad case per
// configuration rule beside a healthy topology, each object uniquely
// named. Everything goes when the test ends.
type pulseTopology struct {
	t     *testing.T
	vhost string
	conn  *amqp.Connection
	ch    *amqp.Channel
}

func newPulseTopology(t *testing.T) *pulseTopology {
	vhost := brokertest.Vhost(t)
	conn := dial(t, vhost, nil)
	return &pulseTopology{t: t, vhost: vhost, conn: conn, ch: channel(t, conn)}
}

func (p *pulseTopology) exchange(name, kind string, args amqp.Table) string {
	p.t.Helper()
	if err := p.ch.ExchangeDeclare(name, kind, true, false, false, false, args); err != nil {
		p.t.Fatalf("declare exchange %s: %v", name, err)
	}
	return name
}

// queue declares a durable queue (a transient one is a finding of its own).
func (p *pulseTopology) queue(name string, args amqp.Table) string {
	p.t.Helper()
	if _, err := p.ch.QueueDeclare(name, true, false, false, false, args); err != nil {
		p.t.Fatalf("declare queue %s: %v", name, err)
	}
	return name
}

func (p *pulseTopology) bind(queue, key, exchange string) {
	p.t.Helper()
	if err := p.ch.QueueBind(queue, key, exchange, false, nil); err != nil {
		p.t.Fatalf("bind %s to %s: %v", queue, exchange, err)
	}
}

func (p *pulseTopology) publish(exchange, key string, n int) {
	p.t.Helper()
	for i := range n {
		if err := p.ch.Publish(exchange, key, false, false, amqp.Publishing{Body: fmt.Appendf(nil, "m%d", i)}); err != nil {
			p.t.Fatalf("publish to %q: %v", exchange, err)
		}
	}
}

// consume starts a consumer with prefetch on its own channel; ack says
// whether it acknowledges what it gets.
func (p *pulseTopology) consume(queue string, prefetch int, ack bool) {
	p.t.Helper()
	ch := channel(p.t, p.conn)
	if err := ch.Qos(prefetch, 0, false); err != nil {
		p.t.Fatal(err)
	}
	ds, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		p.t.Fatalf("consume %s: %v", queue, err)
	}
	go func() {
		for d := range ds {
			if ack {
				_ = d.Ack(false)
			}
		}
	}()
}

// expected is one finding a test waits for.
type expected struct {
	rule pulse.Rule
	kind pulse.Kind
	name string
}

// waitFindings reads the broker until every expected finding is there
// (the management API's figures trail by up to its stats interval), and
// returns the last findings.
func waitFindings(t *testing.T, c *mgmt.Client, vhost string, h *pulse.History, cfg pulse.Config, within time.Duration, want []expected, each func()) []pulse.Finding {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if each != nil {
			each()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		s, err := c.Pulse(ctx, vhost)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if h != nil {
			h.Add(s)
		}
		fs := pulse.Evaluate(s, h, cfg)
		var missing []string
		for _, w := range want {
			if findingFor(fs, w.rule, w.kind, vhost, w.name) == nil {
				missing = append(missing, fmt.Sprintf("%s on %s %s", w.rule, w.kind, w.name))
			}
		}
		if len(missing) == 0 {
			return fs
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s still missing: %s\nfindings in the vhost: %s\nunread: %v", within, strings.Join(missing, "; "), inVhost(fs, vhost), s.Unread)
		}
		time.Sleep(time.Second)
	}
}

func findingFor(fs []pulse.Finding, rule pulse.Rule, kind pulse.Kind, vhost, name string) *pulse.Finding {
	for i, f := range fs {
		if f.Rule == rule && f.Object.Kind == kind && f.Object.Name == name && (kind == pulse.KindNode || kind == pulse.KindBroker || f.Object.Vhost == vhost) {
			return &fs[i]
		}
	}
	return nil
}

func inVhost(fs []pulse.Finding, vhost string) string {
	var b strings.Builder
	for _, f := range fs {
		if f.Object.Vhost == vhost {
			fmt.Fprintf(&b, "\n  %s %s %s %q: %s", f.Severity, f.Rule, f.Object.Kind, f.Object.Name, f.What)
		}
	}
	return b.String()
}

// noFindings fails for any finding about the healthy objects.
func noFindings(t *testing.T, fs []pulse.Finding, vhost string, names ...string) {
	t.Helper()
	for _, f := range fs {
		for _, n := range names {
			if f.Object.Vhost == vhost && f.Object.Name == n {
				t.Errorf("healthy %s %q has a finding: %s %s", f.Object.Kind, n, f.Rule, f.What)
			}
		}
	}
}

// healthy declares a topology that breaks no rule: an exchange bound to
// a consumed queue with a TTL, a length limit and a dead-letter exchange
// that routes to a consumed dead-letter queue; a quorum queue with a
// delivery limit and the same dead-letter exchange; an exchange with an
// alternate exchange that exists. It returns their names.
func (p *pulseTopology) healthy() []string {
	in := p.exchange(brokertest.Name("ok-in"), "topic", nil)
	dlx := p.exchange(brokertest.Name("ok-dlx"), "fanout", nil)
	dlq := p.queue(brokertest.Name("ok-dlq"), nil)
	p.bind(dlq, "", dlx)
	work := p.queue(brokertest.Name("ok-work"), amqp.Table{"x-dead-letter-exchange": dlx, "x-message-ttl": int32(60000), "x-max-length": int32(1000)})
	p.bind(work, "order.*", in)
	quorum := p.queue(brokertest.Name("ok-quorum"), amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": int32(5), "x-dead-letter-exchange": dlx})
	p.bind(quorum, "order.paid", in)
	withAE := p.exchange(brokertest.Name("ok-with-ae"), "direct", amqp.Table{"alternate-exchange": dlx})
	p.publish(in, "order.created", 3) // routed, and consumed below
	p.publish(withAE, "nowhere", 3)   // unroutable here, kept by the alternate exchange
	for _, q := range []string{work, dlq, quorum} {
		p.consume(q, 10, true)
	}
	return []string{in, dlx, dlq, work, quorum, withAE}
}

// Every configuration and consumer rule, each with its bad case built on
// the real broker, beside a healthy topology that must have no finding.
func TestPulseRulesOnTheBroker(t *testing.T) {
	brokertest.Require(t)
	c := newClient(t)
	p := newPulseTopology(t)
	ok := p.healthy()

	ttl := p.queue(brokertest.Name("ttl"), amqp.Table{"x-message-ttl": int32(60000)})
	maxLen := p.queue(brokertest.Name("maxlen"), amqp.Table{"x-max-length": int32(5)})
	limit := p.queue(brokertest.Name("limit"), amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": int32(3)})
	noDLX := p.queue(brokertest.Name("dlx-missing"), amqp.Table{"x-dead-letter-exchange": brokertest.Name("gone")})
	dlxDirect := p.exchange(brokertest.Name("dlx-direct"), "direct", nil)
	dlxTarget := p.queue(brokertest.Name("dlx-target"), nil)
	p.bind(dlxTarget, "other", dlxDirect)
	noRoute := p.queue(brokertest.Name("dlx-no-route"), amqp.Table{"x-dead-letter-exchange": dlxDirect, "x-dead-letter-routing-key": "dead"})
	cycleA, cycleB := brokertest.Name("cycle-a"), brokertest.Name("cycle-b")
	p.queue(cycleA, amqp.Table{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": cycleB})
	p.queue(cycleB, amqp.Table{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": cycleA, "x-message-ttl": int32(60000)})
	unbound := p.exchange(brokertest.Name("unbound"), "direct", nil)
	noAE := p.exchange(brokertest.Name("ae-missing"), "direct", amqp.Table{"alternate-exchange": brokertest.Name("gone")})
	waiting := p.queue(brokertest.Name("waiting"), nil)
	p.publish("", waiting, 3)
	saturated := p.queue(brokertest.Name("saturated"), nil)
	p.publish("", saturated, 30)
	p.consume(saturated, 5, false) // takes 5 and never acks
	haPolicy := brokertest.Name("ha")
	brokertest.MustDo(t, "PUT", "/api/policies/"+brokertest.Esc(p.vhost)+"/"+brokertest.Esc(haPolicy),
		[]byte(`{"pattern":"^matches-nothing$","apply-to":"queues","definition":{"ha-mode":"all"}}`))
	transient := brokertest.Name("transient")
	const transientOnPurpose = false // the rule's bad case; the module audit allows this name alone
	if _, err := p.ch.QueueDeclare(transient, transientOnPurpose, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	cycleFirst := min(cycleA, cycleB)

	want := []expected{
		{pulse.RuleTTLNoDLX, pulse.KindQueue, ttl},
		{pulse.RuleMaxLenNoDLX, pulse.KindQueue, maxLen},
		{pulse.RuleDeliveryLimitNoDLX, pulse.KindQueue, limit},
		{pulse.RuleDLXMissing, pulse.KindQueue, noDLX},
		{pulse.RuleDLXNoRoute, pulse.KindQueue, noRoute},
		{pulse.RuleDLCycle, pulse.KindQueue, cycleFirst},
		{pulse.RuleUnboundExchange, pulse.KindExchange, unbound},
		{pulse.RuleAEMissing, pulse.KindExchange, noAE},
		{pulse.RuleReadyNoConsumers, pulse.KindQueue, waiting},
		{pulse.RuleSaturated, pulse.KindQueue, saturated},
		{pulse.RuleClassicMirroring, pulse.KindPolicy, haPolicy},
		{pulse.RuleTransientNonExcl, pulse.KindQueue, transient},
	}
	// The unbound exchange is published to all along, so the broker's
	// rate of unroutable drops shows too (read across all vhosts).
	fs := waitFindings(t, c, p.vhost, nil, pulse.DefaultConfig(), 45*time.Second, want, func() { p.publish(unbound, "k", 5) })
	noFindings(t, fs, p.vhost, ok...)
	if f := findingFor(fs, pulse.RuleDLCycle, pulse.KindQueue, p.vhost, cycleFirst); !strings.Contains(f.What, cycleA) || !strings.Contains(f.What, cycleB) {
		t.Errorf("cycle finding names the wrong queues: %s", f.What)
	}
	if f := findingFor(fs, pulse.RuleUnboundExchange, pulse.KindExchange, p.vhost, unbound); f.Command == "" {
		t.Error("the unbound exchange's finding has no command to copy")
	}

	all := waitFindings(t, c, "", nil, pulse.DefaultConfig(), 30*time.Second,
		[]expected{{pulse.RuleUnroutableDrops, pulse.KindBroker, "broker"}}, func() { p.publish(unbound, "k", 20) })
	noFindings(t, all, p.vhost, ok...)
}

// Depth that grows, and unacked that grows under a consumer without a
// prefetch limit, over a history of real snapshots (a short window, so
// the test takes seconds, not minutes), beside a consumed queue that
// keeps up.
func TestPulseTrendsOnTheBroker(t *testing.T) {
	brokertest.Require(t)
	c := newClient(t)
	p := newPulseTopology(t)
	ok := p.healthy()
	growing := p.queue(brokertest.Name("growing"), nil)
	greedy := p.queue(brokertest.Name("greedy"), nil)
	p.consume(greedy, 0, false) // no prefetch limit, never acks
	cfg := pulse.DefaultConfig()
	cfg.GrowthWindow, cfg.GrowthMinSpan = time.Minute, 8*time.Second
	h := pulse.NewHistory(cfg.GrowthWindow)
	fs := waitFindings(t, c, p.vhost, h, cfg, 75*time.Second, []expected{
		{pulse.RuleGrowing, pulse.KindQueue, growing},
		{pulse.RuleUnlimitedPrefetch, pulse.KindQueue, greedy},
	}, func() {
		p.publish("", growing, 40)
		p.publish("", greedy, 40)
		p.publish("", ok[3], 40) // the healthy work queue, consumed as fast as it comes
	})
	noFindings(t, fs, p.vhost, ok...)
}

// Past its limit the pulse reads a bounded sample, one page in name
// order, the next page each read (wrapping round), with the message and
// consumer counts of exactly those queues, and says which queues it read
// and which rules it could not check; the rules (those on counts too)
// run on what it read. The limit is lowered to 10 so the test needs 15
// queues, not 5,000.
func TestPulseSamplesPastItsLimit(t *testing.T) {
	brokertest.Require(t)
	c := newClient(t)
	mgmt.SetPulseLimit(c, 10)
	p := newPulseTopology(t)
	prefix := brokertest.Name("page")
	var names []string
	for i := 1; i <= 15; i++ {
		var args amqp.Table
		if i == 10 {
			args = amqp.Table{"x-message-ttl": int32(1000)} // a TTL without a dead-letter exchange
		}
		names = append(names, p.queue(fmt.Sprintf("%s-%02d", prefix, i), args))
	}
	p.publish("", names[2], 3) // work nobody takes
	p.publish("", names[4], 2)
	p.consume(names[4], 10, false) // taken, and held unacked
	read := func() (pulse.Snapshot, map[string]bool) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := c.Pulse(ctx, p.vhost)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, q := range s.Queues {
			got[q.Name] = true
		}
		return s, got
	}
	holds := func(got map[string]bool, want []string) bool {
		ok := len(got) == len(want)
		for _, n := range want {
			ok = ok && got[n]
		}
		return ok
	}
	// The pages go 1, 2, 1, ...: wait for the first page (the broker
	// lists a queue a moment after it is declared, and has its stats a
	// stats interval later).
	deadline := time.Now().Add(60 * time.Second)
	for {
		s, got := read()
		if holds(got, names[:10]) {
			if len(s.Sampled) == 0 || !strings.Contains(s.Sampled[0], "queues 1–10 of 15") || !strings.Contains(s.Sampled[0], "dead-letter routing") ||
				!strings.Contains(s.Sampled[0], "with their message and consumer counts") {
				t.Fatalf("sampled, but does not say so: %q", s.Sampled)
			}
			if s.Have.Bindings {
				t.Fatal("a sampled snapshot claims all bindings")
			}
			fs := pulse.Evaluate(s, nil, pulse.DefaultConfig())
			if findingFor(fs, pulse.RuleTTLNoDLX, pulse.KindQueue, p.vhost, names[9]) == nil {
				t.Fatalf("the rules did not run on the sample: %s", inVhost(fs, p.vhost))
			}
			f := findingFor(fs, pulse.RuleReadyNoConsumers, pulse.KindQueue, p.vhost, names[2])
			if f != nil && strings.Contains(f.What, "3 messages ready") {
				if g := findingFor(fs, pulse.RuleReadyNoConsumers, pulse.KindQueue, p.vhost, names[4]); g != nil {
					t.Fatalf("a consumed queue is found without consumers: %+v", g)
				}
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("never read the first page with its counts: %v (sampled %q): %s", got, s.Sampled,
				inVhost(pulse.Evaluate(s, nil, pulse.DefaultConfig()), p.vhost))
		}
		time.Sleep(time.Second)
	}
	s, got := read()
	if !holds(got, names[10:]) || !strings.Contains(s.Sampled[0], "queues 11–15 of 15") {
		t.Fatalf("the next read is not the next page: %v %q", got, s.Sampled)
	}
	if _, got := read(); !holds(got, names[:10]) {
		t.Fatalf("the read after the last page is not the first again: %v", got)
	}
}
