package mgmt_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/route"
)

// TestDeadLetterMapMatchesBroker builds dead-lettering on the real broker
// (dead-letter exchanges from arguments and from a policy, a fixed
// dead-letter routing key and the messages' own, an exchange-to-exchange
// hop after the dead-letter exchange, a missing dead-letter exchange, one
// that routes nowhere, and an expiry cycle), lets one message expire in
// each source queue, and checks that the queues holding dead letters are
// exactly those route.DeadLetterMap names, and that the dead ends and the
// cycle are found.
func TestDeadLetterMapMatchesBroker(t *testing.T) {
	brokertest.Require(t)
	vhost := brokertest.Vhost(t)
	conn := dial(t, vhost, nil)
	ch := channel(t, conn)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	queue := func(name string, args amqp.Table) {
		_, err := ch.QueueDeclare(name, true, false, false, false, args)
		must(err)
	}
	must(ch.ExchangeDeclare("in", "direct", false, false, false, false, nil))
	must(ch.ExchangeDeclare("dlx", "direct", false, false, false, false, nil))
	must(ch.ExchangeDeclare("dlx.fan", "fanout", false, false, true, false, nil))
	must(ch.ExchangeDeclare("dlx.topic", "topic", false, false, false, false, nil))
	must(ch.ExchangeDeclare("dlx2", "direct", false, false, false, false, nil))
	queue("work", amqp.Table{"x-dead-letter-exchange": "dlx", "x-dead-letter-routing-key": "dead"})
	queue("own", amqp.Table{"x-dead-letter-exchange": "dlx.topic"})
	queue("pol", nil)
	queue("lost", amqp.Table{"x-dead-letter-exchange": "nowhere"})
	queue("void", amqp.Table{"x-dead-letter-exchange": "dlx", "x-dead-letter-routing-key": "nobody"})
	queue("ping", amqp.Table{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "pong"})
	queue("pong", amqp.Table{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "ping", "x-message-ttl": int32(0)})
	queue("dead", amqp.Table{"x-dead-letter-exchange": "dlx2", "x-dead-letter-routing-key": "final"})
	queue("audit", nil)
	queue("orders-dead", nil)
	queue("final", nil)
	must(ch.QueueBind("own", "order.eu", "in", false, nil))
	must(ch.QueueBind("dead", "dead", "dlx", false, nil))
	must(ch.ExchangeBind("dlx.fan", "dead", "dlx", false, nil))
	must(ch.QueueBind("audit", "", "dlx.fan", false, nil))
	must(ch.QueueBind("orders-dead", "order.*", "dlx.topic", false, nil))
	must(ch.QueueBind("final", "final", "dlx2", false, nil))
	brokertest.MustDo(t, "PUT", "/api/policies/"+brokertest.Esc(vhost)+"/dl",
		[]byte(`{"pattern":"^pol$","apply-to":"queues","definition":{"dead-letter-exchange":"dlx","dead-letter-routing-key":"dead"}}`))

	// What the queue detail loads: the bindings dead letters can meet.
	top, err := newClient(t).RouteTopology(testContext(t), vhost, nil, true)
	if err != nil {
		t.Fatal(err)
	}

	// One message expires at once in each source queue.
	sources := []struct{ exchange, key, queue string }{
		{"", "work", "work"}, {"in", "order.eu", "own"}, {"", "pol", "pol"},
		{"", "lost", "lost"}, {"", "void", "void"}, {"", "ping", "ping"},
	}
	want := map[string]int{}
	for _, s := range sources {
		d, ok := top.DeadLetters(s.queue)
		if !ok {
			t.Fatalf("%s: no dead-letter exchange found", s.queue)
		}
		if s.queue == "ping" { // expired round the cycle: the broker drops it
			continue
		}
		for _, r := range d.Routes {
			if r.Key == s.key || d.RoutingKey.Set {
				for _, q := range r.Result.Queues {
					want[q]++
				}
			}
		}
	}
	if fmt.Sprint(want) != "map[audit:2 dead:2 orders-dead:1]" {
		t.Fatalf("the map says dead letters go to %v", want)
	}
	must(ch.Confirm(false))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, s := range sources {
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, s.exchange, s.key, true, false,
			amqp.Publishing{Expiration: "0", Body: []byte(s.queue)})
		must(err)
		if ok, err := dc.WaitContext(ctx); !ok || err != nil {
			t.Fatalf("publish to %s: %v", s.queue, err)
		}
	}
	all := []string{"work", "own", "pol", "lost", "void", "ping", "pong", "dead", "audit", "orders-dead", "final"}
	counts := func() map[string]int {
		got := map[string]int{}
		for _, q := range all {
			st, err := ch.QueueDeclarePassive(q, false, false, false, false, nil)
			must(err)
			if st.Messages > 0 {
				got[q] = st.Messages
			}
		}
		return got
	}
	eventually(t, 10*time.Second, func() error {
		if got := counts(); fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("dead letters are in %v, the map says %v", got, want)
		}
		return nil
	})
	time.Sleep(300 * time.Millisecond) // nothing more arrives late
	if got := counts(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("dead letters are in %v, the map says %v", got, want)
	}

	// Hops, reverse map, dead ends and the cycle.
	m := top.DeadLetterMap("work")
	if len(m.Chain) != 2 || m.Chain[1].Queue != "dead" || !slices.Equal(m.Chain[1].Queues, []string{"final"}) {
		t.Fatalf("work's chain: %+v", m.Chain)
	}
	if hops := m.Chain[0].Routes[0].Result.Hops; len(hops) != 2 || hops[1].Exchange != "dlx.fan" || hops[0].Via != route.ViaDeadLetter {
		t.Fatalf("work's dead letters pass dlx then dlx.fan: %+v", hops)
	}
	var feeders []string
	for _, f := range top.FedBy("dead") {
		feeders = append(feeders, f.Queue)
	}
	if !slices.Equal(feeders, []string{"pol", "work"}) && !slices.Equal(feeders, []string{"work", "pol"}) {
		t.Fatalf("dead is fed by %v", feeders)
	}
	kinds := map[route.FindingKind][]string{}
	for _, f := range top.DeadLetterFindings() {
		kinds[f.Kind] = append(kinds[f.Kind], f.Text)
	}
	if len(kinds[route.FindingDLXMissing]) != 1 || kinds[route.FindingDLXMissing][0] != route.DLXMissingText("lost", "nowhere") {
		t.Errorf("missing DLX: %v", kinds)
	}
	if len(kinds[route.FindingDeadLettersDropped]) != 1 ||
		kinds[route.FindingDeadLettersDropped][0] != route.DeadLettersDroppedText("void", "dlx", []string{"nobody"}, false) {
		t.Errorf("dropped: %v", kinds)
	}
	if len(kinds[route.FindingDeadLetterCycle]) != 1 ||
		kinds[route.FindingDeadLetterCycle][0] != route.DeadLetterCycleText([]string{"ping", "pong", "ping"}) {
		t.Errorf("cycle: %v", kinds)
	}
}

// TestDeadLettersRouteAsMapped is the dead-letter map's property test:
// random dead-letter exchanges (every type, internal ones, the default
// exchange, missing ones, alternate exchanges and e2e hops after them),
// with and without a dead-letter routing key; one message expires in
// each source queue, and the queues its dead letter reaches must be those
// route.DeadLetters traced for its key.
func TestDeadLettersRouteAsMapped(t *testing.T) {
	brokertest.Require(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("WARREN_ROUTE_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	rounds := 15
	if testing.Short() {
		rounds = 5
	}
	vhost := brokertest.Vhost(t)
	conn := dial(t, vhost, nil)
	client := newClient(t)
	rng := rand.New(rand.NewPCG(seed, 11))
	var letters, dropped, disagreements int
	for n := range rounds {
		g := generate(rng, n)
		var sources []string
		for i := range 4 {
			sources = append(sources, fmt.Sprintf("%ss%d", g.prefix, i))
		}
		g.build(t, conn, vhost)
		ch := channel(t, conn)
		for _, s := range sources {
			args := amqp.Table{}
			switch rng.IntN(6) {
			case 0:
				args["x-dead-letter-exchange"] = ""
			case 1:
				args["x-dead-letter-exchange"] = g.prefix + "missing"
			default:
				args["x-dead-letter-exchange"] = pick(rng, g.exchanges).name
			}
			if rng.IntN(2) == 0 {
				args["x-dead-letter-routing-key"] = pick(rng, append([]string{randomKey(rng, words)}, g.queues...))
			}
			if _, err := ch.QueueDeclare(s, true, false, false, false, args); err != nil {
				t.Fatal(err)
			}
		}
		top, err := client.RouteTopology(testContext(t), vhost, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		whole, err := client.Topology(testContext(t), vhost)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{}
		total := 0
		for _, s := range sources {
			d, ok := top.DeadLetters(s)
			if !ok {
				t.Fatalf("seed %d: %s has no dead-letter exchange in the map", seed, s)
			}
			if w, _ := whole.DeadLetters(s); !slices.Equal(w.Queues, d.Queues) {
				t.Errorf("seed %d: %s: the scoped map says %v, the whole one %v", seed, s, d.Queues, w.Queues)
			}
			if !d.Missing {
				r := d.Routes[0] // the fixed key, or the queue's own name first
				if r.Key != s && !d.RoutingKey.Set {
					t.Fatalf("seed %d: %s: first key traced is %q", seed, s, r.Key)
				}
				// An expired message routed back to the queue it died in
				// is a cycle with no rejection in it: the broker drops it
				// (the map calls that cycle out).
				want[s] = slices.DeleteFunc(slices.Clone(r.Result.Queues), func(q string) bool { return q == s })
				if len(want[s]) < len(r.Result.Queues) && !hasCycle(top.DeadLetterMap(s), s) {
					t.Errorf("seed %d: %s dead-letters to itself, but its map shows no cycle", seed, s)
				}
			}
			total += len(want[s])
			letters++
			if len(want[s]) == 0 {
				dropped++
			}
		}
		if err := ch.Confirm(false); err != nil {
			t.Fatal(err)
		}
		for _, s := range sources {
			dc, err := ch.PublishWithDeferredConfirmWithContext(testContext(t), "", s, true, false,
				amqp.Publishing{Expiration: "0", Body: []byte(s)})
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := dc.WaitContext(testContext(t)); !ok || err != nil {
				t.Fatalf("publish to %s: %v", s, err)
			}
		}
		all := append(append([]string{}, g.queues...), sources...)
		count := func() int {
			n := 0
			for _, q := range all {
				st, err := ch.QueueDeclarePassive(q, false, false, false, false, nil)
				if err != nil {
					t.Fatal(err)
				}
				n += st.Messages
			}
			return n
		}
		deadline := time.Now().Add(5 * time.Second)
		for count() < total && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond) // nothing more arrives late
		got := map[string][]string{}
		for _, q := range all {
			for {
				m, ok, err := ch.Get(q, true)
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					break
				}
				got[string(m.Body)] = append(got[string(m.Body)], q)
			}
		}
		for _, s := range sources {
			slices.Sort(got[s])
			if !slices.Equal(got[s], want[s]) {
				disagreements++
				d, _ := top.DeadLetters(s)
				t.Errorf("seed %d, round %d: %s's dead letter reached %v, the map says %v\n%+v\ntopology:\n%s",
					seed, n, s, got[s], want[s], d, g.describe())
			}
		}
		for _, s := range sources {
			if _, err := ch.QueueDelete(s, false, false, false); err != nil {
				t.Fatal(err)
			}
		}
		_ = ch.Close()
		g.teardown(t, conn, vhost)
	}
	t.Logf("seed %d: %d rounds, %d dead letters (%d dropped), %d disagreements", seed, rounds, letters, dropped, disagreements)
}

func hasCycle(m route.DeadLetterMap, queue string) bool {
	for _, f := range m.Findings {
		if f.Kind == route.FindingDeadLetterCycle && slices.Contains(f.Queues, queue) {
			return true
		}
	}
	return false
}
