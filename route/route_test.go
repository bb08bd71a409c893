package route

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestTopicMatch(t *testing.T) {
	cases := []struct {
		pattern, key string
		want         bool
	}{
		{"a.b", "a.b", true},
		{"a.*", "a.b", true},
		{"a.*", "a", false},
		{"a.*", "a.b.c", false},
		{"a.#", "a", true},
		{"a.#", "a.b.c", true},
		{"#", "", true},
		{"#", "a.b", true},
		{"*", "", false},
		{"", "", true},
		{"", "a", false},
		{"*", "a", true},
		{"a.*", "a.", true}, // "a." is ["a", ""]: * takes the empty word
		{"*.*", ".", true},
		{"#.b.#", "b", true},
		{"#.b.#", "a.c", false},
		{"a.#.c", "a.c", true},
		{"a.#.c", "a.x.y.c", true},
		{"a.#.c", "a.x.y.d", false},
		{"#.#", "", true},
		{"*.#", "", false},
		{"#.*", "a", true},
		{"a.b", "a.B", false},
	}
	for _, c := range cases {
		if got := topicMatch(splitTopic(c.pattern), splitTopic(c.key)); got != c.want {
			t.Errorf("topic %q vs key %q: got %v, want %v", c.pattern, c.key, got, c.want)
		}
	}
}

func TestHeadersMatch(t *testing.T) {
	cases := []struct {
		name    string
		args    map[string]any
		headers map[string]any
		want    bool
	}{
		{"all default", map[string]any{"a": "1", "b": "2"}, map[string]any{"a": "1", "b": "2", "c": 3}, true},
		{"all missing one", map[string]any{"a": "1", "b": "2"}, map[string]any{"a": "1"}, false},
		{"any one", map[string]any{"x-match": "any", "a": "1", "b": "2"}, map[string]any{"b": "2"}, true},
		{"any none", map[string]any{"x-match": "any", "a": "1"}, map[string]any{"a": "2"}, false},
		{"all nothing to compare", map[string]any{"x-match": "all"}, nil, true},
		{"any nothing to compare", map[string]any{"x-match": "any"}, map[string]any{"a": 1}, false},
		{"x- ignored in all", map[string]any{"x-k": "v"}, nil, true},
		{"x- compared in all-with-x", map[string]any{"x-match": "all-with-x", "x-k": "v"}, nil, false},
		{"x- compared in any-with-x", map[string]any{"x-match": "any-with-x", "x-k": "v"}, map[string]any{"x-k": "v"}, true},
		{"x- ignored in any", map[string]any{"x-match": "any", "x-k": "v"}, map[string]any{"x-k": "v"}, false},
		{"number widths", map[string]any{"n": float64(5)}, map[string]any{"n": int32(5)}, true},
		{"int equals float", map[string]any{"n": int64(1)}, map[string]any{"n": 1.0}, true},
		{"string is not number", map[string]any{"n": "5"}, map[string]any{"n": int64(5)}, false},
		{"bool", map[string]any{"b": true}, map[string]any{"b": true}, true},
		{"bool vs string", map[string]any{"b": true}, map[string]any{"b": "true"}, false},
		{"void means present", map[string]any{"p": nil}, map[string]any{"p": "anything"}, true},
		{"void absent", map[string]any{"p": nil}, nil, false},
		{"bytes equal string", map[string]any{"s": "ab"}, map[string]any{"s": []byte("ab")}, true},
		{"unknown x-match is all", map[string]any{"x-match": "some", "a": "1"}, map[string]any{"a": "1"}, true},
	}
	for _, c := range cases {
		if got, _ := headersMatch(c.args, c.headers); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func topo() *Topology {
	xs := []Exchange{
		{Name: "in", Type: Topic, Arguments: map[string]any{"alternate-exchange": "ae"}},
		{Name: "ae", Type: Fanout},
		{Name: "mid", Type: Direct, Internal: true},
		{Name: "loop", Type: Fanout},
		{Name: "hdr", Type: Headers, Policy: "p", PolicyDefinition: map[string]any{"alternate-exchange": "gone"}},
		{Name: "dlx", Type: Direct},
	}
	qs := []Queue{
		{Name: "orders"}, {Name: "unrouted"}, {Name: "audit"},
		{Name: "work", Arguments: map[string]any{"x-dead-letter-exchange": "dlx", "x-dead-letter-routing-key": "dead"}},
		{Name: "dead"},
		{Name: "ping", Arguments: map[string]any{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "pong"}},
		{Name: "pong", Arguments: map[string]any{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "ping"}},
		{Name: "lost", Arguments: map[string]any{"x-dead-letter-exchange": "nowhere"}},
		{Name: "void", PolicyDefinition: map[string]any{"dead-letter-exchange": "dlx"}, Policy: "dl"},
	}
	bs := []Binding{
		{Source: "in", Destination: "orders", DestinationType: ToQueue, Key: "order.*"},
		{Source: "in", Destination: "mid", DestinationType: ToExchange, Key: "#"},
		{Source: "mid", Destination: "audit", DestinationType: ToQueue, Key: "order.new"},
		{Source: "mid", Destination: "loop", DestinationType: ToExchange, Key: "order.new"},
		{Source: "loop", Destination: "in", DestinationType: ToExchange},
		{Source: "loop", Destination: "orders", DestinationType: ToQueue},
		{Source: "ae", Destination: "unrouted", DestinationType: ToQueue},
		{Source: "hdr", Destination: "audit", DestinationType: ToQueue, Arguments: map[string]any{"x-match": "any", "k": "v"}},
		{Source: "dlx", Destination: "dead", DestinationType: ToQueue, Key: "dead"},
		{Source: "", Destination: "orders", DestinationType: ToQueue, Key: "orders"},
	}
	return New("/", xs, qs, bs)
}

func TestTraceHops(t *testing.T) {
	tp := topo()
	r := tp.Trace(Publish{Exchange: "in", RoutingKey: "order.new"})
	if want := []string{"audit", "orders"}; !slices.Equal(r.Queues, want) {
		t.Fatalf("queues %v, want %v", r.Queues, want)
	}
	// in -> mid -> loop -> (in again: stopped)
	if len(r.Hops) != 3 || r.Hops[2].Exchange != "loop" || !r.Hops[2].Matched[0].Again {
		t.Fatalf("hops: %+v", r.Hops)
	}
	// "#" into mid always matches, so in never uses its AE, even when
	// mid routes the message nowhere.
	r = tp.Trace(Publish{Exchange: "in", RoutingKey: "x"})
	if !r.Unroutable() || r.Summary() != UnroutableText {
		t.Fatalf("want unroutable, got %v", r.Queues)
	}
	if r := tp.Trace(Publish{Exchange: "mid", RoutingKey: "order.new"}); r.Refused == "" {
		t.Fatal("publish to an internal exchange must be refused")
	}
	if r := tp.Trace(Publish{Exchange: "nope"}); r.Refused == "" {
		t.Fatal("publish to a missing exchange must be refused")
	}
	r = tp.Trace(Publish{Exchange: "hdr", Headers: map[string]any{"k": "w"}})
	if !r.Unroutable() || !r.Hops[0].Alternate.Set || !strings.Contains(strings.Join(r.Hops[0].Notes, ""), "does not exist") {
		t.Fatalf("missing AE from policy: %+v", r.Hops)
	}
	r = tp.Trace(Publish{Exchange: "", RoutingKey: "orders", Headers: map[string]any{"CC": []any{"audit", "none"}}})
	if want := []string{"audit", "orders"}; !slices.Equal(r.Queues, want) {
		t.Fatalf("default exchange with CC: %v", r.Queues)
	}
}

func TestAlternateExchange(t *testing.T) {
	xs := []Exchange{{Name: "a", Type: Direct, Arguments: map[string]any{"alternate-exchange": "b"}},
		{Name: "b", Type: Direct, PolicyDefinition: map[string]any{"alternate-exchange": "a"}, Policy: "p"},
		{Name: "c", Type: Fanout}}
	bs := []Binding{{Source: "b", Destination: "c", DestinationType: ToExchange, Key: "k"}}
	tp := New("/", xs, []Queue{{Name: "q"}}, bs)
	// a -> AE b -> "k" to c, which routes nowhere: b matched, so b's AE is not used.
	r := tp.Trace(Publish{Exchange: "a", RoutingKey: "k"})
	if len(r.Hops) != 3 || r.Hops[1].Via != ViaAlternate || !r.Unroutable() {
		t.Fatalf("%+v", r.Hops)
	}
	// a -> AE b -> nothing -> AE a: already routed, stops.
	r = tp.Trace(Publish{Exchange: "a", RoutingKey: "z"})
	if len(r.Hops) != 2 || !strings.Contains(r.Hops[1].Notes[0], "already") {
		t.Fatalf("%+v", r.Hops)
	}
}

func TestDeadLetterMap(t *testing.T) {
	tp := topo()
	m := tp.DeadLetterMap("work")
	if len(m.Chain) != 1 || !slices.Equal(m.Chain[0].Queues, []string{"dead"}) || len(m.Findings) != 0 {
		t.Fatalf("work: %+v", m)
	}
	fed := tp.FedBy("dead")
	// void's own key "void" is bound by nothing at dlx: it feeds no queue.
	if len(fed) != 1 || fed[0].Queue != "work" {
		t.Fatalf("fed by: %+v", fed)
	}
	m = tp.DeadLetterMap("ping")
	if len(m.Findings) != 1 || m.Findings[0].Kind != FindingDeadLetterCycle ||
		!slices.Equal(m.Findings[0].Queues, []string{"ping", "pong", "ping"}) {
		t.Fatalf("ping: %+v", m.Findings)
	}
	m = tp.DeadLetterMap("lost")
	if len(m.Findings) != 1 || m.Findings[0].Kind != FindingDLXMissing || m.Findings[0].Text != DLXMissingText("lost", "nowhere") {
		t.Fatalf("lost: %+v", m.Findings)
	}
	all := tp.DeadLetterFindings()
	kinds := map[FindingKind]int{}
	for _, f := range all {
		kinds[f.Kind]++
	}
	// void dead-letters to dlx with its own keys ("void"), bound by nothing.
	if kinds[FindingDLXMissing] != 1 || kinds[FindingDeadLetterCycle] != 1 || kinds[FindingDeadLettersDropped] != 1 {
		t.Fatalf("findings: %+v", all)
	}
}

// bigTopology is a vhost with n bindings spread over direct, topic,
// fanout and headers exchanges, chained by exchange-to-exchange bindings.
func bigTopology(n int) *Topology {
	rng := rand.New(rand.NewPCG(1, 2))
	types := []string{Direct, Topic, Topic, Headers, Fanout}
	var xs []Exchange
	for i := range 100 {
		xs = append(xs, Exchange{Name: fmt.Sprintf("x%d", i), Type: types[i%len(types)]})
	}
	var qs []Queue
	for i := range 2000 {
		qs = append(qs, Queue{Name: fmt.Sprintf("q%d", i)})
	}
	words := []string{"order", "invoice", "eu", "us", "new", "paid", "*", "#"}
	var bs []Binding
	for i := range n {
		src := xs[rng.IntN(len(xs))]
		b := Binding{Source: src.Name, Destination: qs[rng.IntN(len(qs))].Name, DestinationType: ToQueue}
		if i%50 == 0 {
			b.Destination, b.DestinationType = xs[rng.IntN(len(xs))].Name, ToExchange
		}
		var k []string
		for range 1 + rng.IntN(3) {
			k = append(k, words[rng.IntN(len(words))])
		}
		b.Key = strings.Join(k, ".")
		if src.Type == Headers {
			b.Arguments = map[string]any{"x-match": []string{"all", "any"}[rng.IntN(2)], "region": words[rng.IntN(4)]}
		}
		bs = append(bs, b)
	}
	return New("/", xs, qs, bs)
}

func BenchmarkTrace10kBindings(b *testing.B) {
	b.Run("spread", func(b *testing.B) { benchTrace(b, bigTopology(10000), "x1") })
	// every binding on one topic exchange: the worst case for matching.
	one := bigTopology(0)
	var bs []Binding
	for i := range 10000 {
		bs = append(bs, Binding{Source: "x1", Destination: fmt.Sprintf("q%d", i%2000), DestinationType: ToQueue,
			Key: fmt.Sprintf("order.%d.#.new.*", i)})
	}
	var xs []Exchange
	for _, n := range []string{"x1"} {
		x, _ := one.Exchange(n)
		xs = append(xs, x)
	}
	b.Run("one-topic-exchange", func(b *testing.B) { benchTrace(b, New("/", xs, nil, bs), "x1") })
}

func benchTrace(b *testing.B, tp *Topology, exchange string) {
	if tp.BindingCount() != 10000 {
		b.Fatal(tp.BindingCount())
	}
	p := Publish{Exchange: exchange, RoutingKey: "order.eu.new", Headers: map[string]any{"region": "eu"}}
	var queues int
	for b.Loop() {
		queues = len(tp.Trace(p).Queues)
	}
	b.ReportMetric(float64(queues), "queues")
}

// BenchmarkLoad10kBindings indexes a vhost of 10,000 bindings, as each
// trace view and queue detail does once after loading it.
func BenchmarkLoad10kBindings(b *testing.B) {
	src := bigTopology(10000)
	var xs []Exchange
	for _, x := range src.exchanges {
		xs = append(xs, *x)
	}
	var bs []Binding
	for _, o := range src.out {
		bs = append(bs, o.all...)
	}
	for b.Loop() {
		New("/", xs, nil, bs)
	}
}
