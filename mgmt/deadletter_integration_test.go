package mgmt_test

import (
	"context"
	"fmt"
	"slices"
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
		_, err := ch.QueueDeclare(name, false, false, false, false, args)
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

	top, err := newClient(t).Topology(testContext(t), vhost)
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
