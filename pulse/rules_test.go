package pulse

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)

// base is a healthy vhost: an orders exchange bound to a queue with a
// consumer, a dead-letter exchange bound to a dead-letter queue.
func base() Snapshot {
	return Snapshot{
		At: t0, Version: "3.10.8",
		Have: Parts{Queues: true, Exchanges: true, Bindings: true, Policies: true, Consumers: true, Connections: true, Nodes: true},
		Exchanges: []Exchange{
			{Vhost: "/", Name: "", Type: "direct"},
			{Vhost: "/", Name: "orders", Type: "topic", PublishIn: 100, PublishInRate: 2},
			{Vhost: "/", Name: "dlx", Type: "fanout"},
		},
		Queues: []Queue{
			{Vhost: "/", Name: "work", Type: "classic", Durable: true, Consumers: 1, Unacked: 1,
				Arguments: map[string]any{"x-dead-letter-exchange": "dlx", "x-message-ttl": 60000.0, "x-max-length": 1000.0}},
			{Vhost: "/", Name: "work.dlq", Type: "classic", Durable: true, Consumers: 1},
		},
		Bindings: []Binding{
			{Vhost: "/", Source: "", Destination: "work", DestinationType: "queue", RoutingKey: "work"},
			{Vhost: "/", Source: "", Destination: "work.dlq", DestinationType: "queue", RoutingKey: "work.dlq"},
			{Vhost: "/", Source: "orders", Destination: "work", DestinationType: "queue", RoutingKey: "order.created"},
			{Vhost: "/", Source: "dlx", Destination: "work.dlq", DestinationType: "queue"},
		},
		Consumers: []Consumer{
			{Vhost: "/", Queue: "work", Connection: "c1", Prefetch: 10, AckRequired: true},
			{Vhost: "/", Queue: "work.dlq", Connection: "c1", Prefetch: 10, AckRequired: true},
		},
		Connections: []Connection{{Vhost: "/", Name: "c1", State: "running"}},
		Nodes:       []Node{{Name: "rabbit@a", Running: true, FDUsed: 100, FDTotal: 1000, SocketsUsed: 10, SocketsTotal: 800}},
	}
}

func find(fs []Finding, rule Rule, name string) *Finding {
	for i := range fs {
		if fs[i].Rule == rule && fs[i].Object.Name == name {
			return &fs[i]
		}
	}
	return nil
}

func TestHealthyHasNoFindings(t *testing.T) {
	if fs := Evaluate(base(), nil, DefaultConfig()); len(fs) != 0 {
		t.Fatalf("healthy topology has findings: %+v", fs)
	}
}

func TestRules(t *testing.T) {
	cases := []struct {
		name   string
		change func(s *Snapshot)
		rule   Rule
		object string
		sev    Severity
		what   string // a part of the finding's What
	}{
		{"message TTL without DLX", func(s *Snapshot) {
			s.Queues = append(s.Queues, Queue{Vhost: "/", Name: "q", Type: "classic", Durable: true, Consumers: 1, Arguments: map[string]any{"x-message-ttl": 60000.0}})
		}, RuleTTLNoDLX, "q", Warning, "expire after 1m"},
		{"TTL from a policy without DLX", func(s *Snapshot) {
			s.Queues = append(s.Queues, Queue{Vhost: "/", Name: "q", Type: "classic", Durable: true, Consumers: 1, Policy: map[string]any{"message-ttl": 1500.0}})
		}, RuleTTLNoDLX, "q", Warning, "after 1.5s"},
		{"max-length drop-head without DLX", func(s *Snapshot) {
			s.Queues = append(s.Queues, Queue{Vhost: "/", Name: "q", Type: "classic", Durable: true, Consumers: 1, Arguments: map[string]any{"x-max-length": 10.0}})
		}, RuleMaxLenNoDLX, "q", Warning, "past 10 messages"},
		{"max-length full now", func(s *Snapshot) {
			s.Queues = append(s.Queues, Queue{Vhost: "/", Name: "q", Type: "classic", Durable: true, Consumers: 1, Messages: 10, Arguments: map[string]any{"x-max-length": 10.0}})
		}, RuleMaxLenNoDLX, "q", Critical, "dropping now"},
		{"max-length-bytes policy without DLX", func(s *Snapshot) {
			s.Queues = append(s.Queues, Queue{Vhost: "/", Name: "q", Type: "classic", Durable: true, Consumers: 1, Policy: map[string]any{"max-length-bytes": 1e6, "overflow": "drop-head"}})
		}, RuleMaxLenNoDLX, "q", Warning, "1000000 bytes"},
		{"delivery limit without DLX", func(s *Snapshot) {
			s.Queues = append(s.Queues, Queue{Vhost: "/", Name: "q", Type: "quorum", Durable: true, Consumers: 1, Arguments: map[string]any{"x-delivery-limit": 5.0}})
		}, RuleDeliveryLimitNoDLX, "q", Warning, "more than 5 times"},
		{"4.x default delivery limit without DLX", func(s *Snapshot) {
			s.Version = "4.1.0"
			s.Queues = append(s.Queues, Queue{Vhost: "/", Name: "q", Type: "quorum", Durable: true, Consumers: 1})
		}, RuleDeliveryLimitNoDLX, "q", Warning, "more than 20 times"},
		{"dead-letter exchange missing", func(s *Snapshot) {
			s.Queues[0].Arguments["x-dead-letter-exchange"] = "gone"
		}, RuleDLXMissing, "work", Critical, `exchange "gone", which does not exist`},
		{"dead letters match no binding", func(s *Snapshot) {
			s.Exchanges[2].Type = "direct" // its binding has key "", messages carry work / order.created
		}, RuleDLXNoRoute, "work", Critical, `own routing keys (tried "work", "order.created"), which routes them to no queue`},
		{"dead-letter routing key matches no binding", func(s *Snapshot) {
			s.Exchanges = append(s.Exchanges, Exchange{Vhost: "/", Name: "dlx2", Type: "topic"})
			s.Bindings = append(s.Bindings, Binding{Vhost: "/", Source: "dlx2", Destination: "work.dlq", DestinationType: "queue", RoutingKey: "dead.*"})
			s.Queues[0].Arguments["x-dead-letter-exchange"] = "dlx2"
			s.Queues[0].Arguments["x-dead-letter-routing-key"] = "dead.letter.x"
		}, RuleDLXNoRoute, "work", Critical, `with key "dead.letter.x"`},
		{"dead-letter cycle", func(s *Snapshot) {
			s.Queues[1].Arguments = map[string]any{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "work"}
		}, RuleDLCycle, "work", Warning, `"work" → "work.dlq" → "work"`},
		{"dead letters to itself", func(s *Snapshot) {
			s.Queues = append(s.Queues, Queue{Vhost: "/", Name: "retry", Type: "classic", Durable: true, Consumers: 1,
				Arguments: map[string]any{"x-dead-letter-exchange": "", "x-message-ttl": 5000.0}})
			s.Bindings = append(s.Bindings, Binding{Vhost: "/", Destination: "retry", DestinationType: "queue", RoutingKey: "retry"})
		}, RuleDLCycle, "retry", Warning, `"retry" → "retry"`},
		{"published exchange without bindings", func(s *Snapshot) {
			s.Exchanges = append(s.Exchanges, Exchange{Vhost: "/", Name: "lonely", Type: "direct", PublishIn: 7, PublishInRate: 1.5})
		}, RuleUnboundExchange, "lonely", Critical, "receives 1.5 msg/s"},
		{"exchange with past publishes and no bindings", func(s *Snapshot) {
			s.Exchanges = append(s.Exchanges, Exchange{Vhost: "/", Name: "lonely", Type: "direct", PublishIn: 7})
		}, RuleUnboundExchange, "lonely", Warning, "has had 7 publishes"},
		{"broker drops unroutable", func(s *Snapshot) {
			s.Unroutable = &Unroutable{DropRate: 3}
		}, RuleUnroutableDrops, "broker", Warning, "3.0 unroutable"},
		{"alternate exchange missing", func(s *Snapshot) {
			s.Exchanges[1].Arguments = map[string]any{"alternate-exchange": "nope"}
		}, RuleAEMissing, "orders", Critical, `"nope" does not exist`},
		{"alternate exchange missing by policy", func(s *Snapshot) {
			s.Exchanges[1].Policy = map[string]any{"alternate-exchange": "nope"}
		}, RuleAEMissing, "orders", Critical, `"nope" does not exist`},
		{"ready without consumers", func(s *Snapshot) {
			s.Queues[0].Consumers, s.Queues[0].Ready = 0, 5
			s.Consumers = s.Consumers[1:]
		}, RuleReadyNoConsumers, "work", Warning, "5 messages ready"},
		{"dead letters waiting", func(s *Snapshot) {
			s.Queues[1].Consumers, s.Queues[1].Ready = 0, 3
			s.Consumers = s.Consumers[:1]
		}, RuleReadyNoConsumers, "work.dlq", Info, "3 dead letters wait"},
		{"saturated consumers", func(s *Snapshot) {
			s.Queues[0].Ready, s.Queues[0].Unacked = 50, 10
		}, RuleSaturated, "work", Warning, "all 1 consumers hold"},
		{"consumer on a blocked connection", func(s *Snapshot) {
			s.Connections[0].State = "blocked"
		}, RuleBlockedConsumers, "work", Critical, `"c1"`},
		{"blocked connection", func(s *Snapshot) {
			s.Connections[0].State = "blocked"
		}, RuleBlockedConnection, "c1", Warning, "blocked by the broker"},
		{"memory alarm", func(s *Snapshot) { s.Nodes[0].MemAlarm = true }, RuleMemoryAlarm, "rabbit@a", Critical, "memory alarm"},
		{"disk alarm", func(s *Snapshot) { s.Nodes[0].DiskAlarm = true }, RuleDiskAlarm, "rabbit@a", Critical, "disk alarm"},
		{"descriptors above 80%", func(s *Snapshot) { s.Nodes[0].FDUsed = 801 }, RuleFileDescriptors, "rabbit@a", Warning, "801 of 1000"},
		{"sockets above 80%", func(s *Snapshot) { s.Nodes[0].SocketsUsed = 700 }, RuleSockets, "rabbit@a", Warning, "700 of 800"},
		{"partition", func(s *Snapshot) { s.Nodes[0].Partitions = []string{"rabbit@b"} }, RulePartition, "rabbit@a", Critical, `cannot see "rabbit@b"`},
		{"partitioned away", func(s *Snapshot) {
			s.Nodes[0].Partitions = []string{"rabbit@b"}
			s.Nodes = append(s.Nodes, Node{Name: "rabbit@b", Partitions: []string{"rabbit@a"}})
		}, RulePartition, "rabbit@b", Critical, `cannot see "rabbit@a"`},
		{"node down", func(s *Snapshot) {
			s.Nodes = append(s.Nodes, Node{Name: "rabbit@b"})
		}, RuleNodeDown, "rabbit@b", Critical, "node is down"},
		{"classic mirroring policy", func(s *Snapshot) {
			s.Policies = append(s.Policies, Policy{Vhost: "/", Name: "ha-all", Pattern: ".*", ApplyTo: "queues", Definition: map[string]any{"ha-mode": "all", "ha-sync-mode": "automatic"}})
		}, RuleClassicMirroring, "ha-all", Warning, "ha-mode, ha-sync-mode"},
		{"classic mirroring on 4.x", func(s *Snapshot) {
			s.Version = "4.0.5"
			s.Policies = append(s.Policies, Policy{Vhost: "/", Name: "ha-all", Definition: map[string]any{"ha-mode": "all"}, Operator: true})
		}, RuleClassicMirroring, "ha-all", Critical, "operator policy"},
		{"transient non-exclusive queue", func(s *Snapshot) {
			s.Queues = append(s.Queues, Queue{Vhost: "/", Name: "tmp", Type: "classic"})
		}, RuleTransientNonExcl, "tmp", Info, "transient"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := base()
			c.change(&s)
			fs := Evaluate(s, nil, DefaultConfig())
			f := find(fs, c.rule, c.object)
			if f == nil {
				t.Fatalf("no %s finding for %s; got %+v", c.rule, c.object, fs)
			}
			if f.Severity != c.sev {
				t.Errorf("severity %v, want %v", f.Severity, c.sev)
			}
			if !strings.Contains(f.What, c.what) {
				t.Errorf("what %q lacks %q", f.What, c.what)
			}
			if f.Why == "" || f.Fix == "" {
				t.Errorf("finding lacks why or fix: %+v", f)
			}
		})
	}
}

func TestGrowthNeedsASteadyRiseOverTheWindow(t *testing.T) {
	cfg := DefaultConfig()
	run := func(depths ...int64) []Finding {
		h := NewHistory(cfg.GrowthWindow)
		var s Snapshot
		for i, d := range depths {
			s = base()
			s.At = t0.Add(time.Duration(i) * 30 * time.Second)
			s.Queues[0].Messages, s.Queues[0].Ready = d, d
			s.Queues[0].Consumers = 1
			h.Add(s)
		}
		return Evaluate(s, h, cfg)
	}
	if f := find(run(100, 200, 300, 400, 500), RuleGrowing, "work"); f == nil || f.Severity != Warning || !strings.Contains(f.What, "from 100 to 500 in 2m0s") {
		t.Fatalf("steady growth: %+v", f)
	}
	if f := find(run(100, 300, 100, 50, 40), RuleGrowing, "work"); f != nil {
		t.Fatalf("a queue that drains is not growing: %+v", f)
	}
	if f := find(run(100, 200), RuleGrowing, "work"); f != nil {
		t.Fatalf("two samples over 30s are too little to say: %+v", f)
	}
	if f := find(run(100, 101, 102, 103, 104), RuleGrowing, "work"); f != nil {
		t.Fatalf("a rise of 4 is noise: %+v", f)
	}
}

// A burst can find a healthy queue's consumers at their full prefetch
// for a read or two; saturated means read after read for SaturatedFor.
func TestSaturationMustLast(t *testing.T) {
	cfg := DefaultConfig()
	// run reads the queue every 5 s with these (ready, unacked) figures.
	run := func(s Snapshot, reads ...[2]int64) []Finding {
		h := NewHistory(cfg.GrowthWindow)
		for i, r := range reads {
			s.At = t0.Add(time.Duration(i) * 5 * time.Second)
			s.Queues[0].Ready, s.Queues[0].Unacked = r[0], r[1]
			h.Add(s)
		}
		return Evaluate(s, h, cfg)
	}
	full, idle := [2]int64{9, 10}, [2]int64{0, 1}
	if f := find(run(base(), idle, idle, full), RuleSaturated, "work"); f != nil {
		t.Fatalf("one read at full prefetch is a burst: %+v", f)
	}
	if f := find(run(base(), full, full, idle, full, full), RuleSaturated, "work"); f != nil {
		t.Fatalf("a streak broken by a read that caught up starts again: %+v", f)
	}
	f := find(run(base(), idle, full, full, full, full), RuleSaturated, "work")
	if f == nil || !strings.Contains(f.What, "while 9 wait for 15s") {
		t.Fatalf("saturated read after read for 15 s: %+v", f)
	}
	sampled := base()
	sampled.QueuesSampled = true // a queue is read once a pass: that read decides
	if f := find(run(sampled, full), RuleSaturated, "work"); f == nil || strings.Contains(f.What, " for ") {
		t.Fatalf("a sampled read at full prefetch: %+v", f)
	}
	if f := find(Evaluate(func() Snapshot { s := base(); s.Queues[0].Ready, s.Queues[0].Unacked = 9, 10; return s }(), nil, cfg), RuleSaturated, "work"); f == nil {
		t.Fatal("without a history, the one snapshot decides")
	}
}

func TestUnlimitedPrefetchWithGrowingUnacked(t *testing.T) {
	cfg := DefaultConfig()
	h := NewHistory(cfg.GrowthWindow)
	var s Snapshot
	for i, u := range []int64{10, 500, 1000, 2000} {
		s = base()
		s.At = t0.Add(time.Duration(i) * 30 * time.Second)
		s.Consumers[0].Prefetch = 0
		s.Queues[0].Unacked = u
		h.Add(s)
	}
	if f := find(Evaluate(s, h, cfg), RuleUnlimitedPrefetch, "work"); f == nil || !strings.Contains(f.What, "from 10 to 2000") {
		t.Fatalf("unlimited prefetch: %+v", f)
	}
	s.Consumers[0].Prefetch = 100
	if f := find(Evaluate(s, h, cfg), RuleUnlimitedPrefetch, "work"); f != nil {
		t.Fatalf("a limited consumer is not flagged: %+v", f)
	}
}

func TestHistoryForgetsOldSamplesAndGoneQueues(t *testing.T) {
	h := NewHistory(time.Minute)
	for i := range 10 {
		s := base()
		s.At = t0.Add(time.Duration(i) * 20 * time.Second)
		h.Add(s)
	}
	if n := len(h.samples[qkey{"/", "work"}]); n > 4 {
		t.Fatalf("kept %d samples over a one-minute span", n)
	}
	s := base()
	s.At = t0.Add(time.Hour)
	s.Queues = s.Queues[:1]
	h.Add(s)
	if _, ok := h.samples[qkey{"/", "work.dlq"}]; ok {
		t.Fatal("a deleted queue's history is kept")
	}
}

func TestSortWorstFirst(t *testing.T) {
	s := base()
	s.Nodes[0].MemAlarm = true
	s.Queues = append(s.Queues, Queue{Vhost: "/", Name: "tmp", Type: "classic"}, Queue{Vhost: "/", Name: "q", Type: "classic", Durable: true, Consumers: 1, Arguments: map[string]any{"x-message-ttl": 1.0}})
	fs := Evaluate(s, nil, DefaultConfig())
	if len(fs) != 3 || fs[0].Severity != Critical || fs[1].Severity != Warning || fs[2].Severity != Info {
		t.Fatalf("not worst first: %+v", fs)
	}
	c, w, i := Count(fs)
	if c != 1 || w != 1 || i != 1 {
		t.Fatalf("count %d %d %d", c, w, i)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"orders.dlx":    "orders.dlx",
		"my queue":      "'my queue'",
		"it's":          `$'it\'s'`,
		"a\nrm -rf /":   `$'a\x0arm -rf /'`,
		"\x1b]52;c;x\a": `$'\x1b]52;c;x\x07'`,
		"caf\xe9":       `$'caf\xe9'`,
		"":              "''",
		"ünïcode":       "'ünïcode'",
		"\u202eevil":    `$'\xe2\x80\xaeevil'`,
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestFixCommandKeepsTheQueuesPolicy(t *testing.T) {
	s := base()
	s.Policies = []Policy{{Vhost: "/", Name: "ttl", Pattern: "^q$", ApplyTo: "queues", Priority: 3, Definition: map[string]any{"message-ttl": 1000.0}}}
	s.Queues = append(s.Queues, Queue{Vhost: "/", Name: "q", Type: "classic", Durable: true, Consumers: 1, PolicyName: "ttl", Policy: map[string]any{"message-ttl": 1000.0}})
	f := find(Evaluate(s, nil, DefaultConfig()), RuleTTLNoDLX, "q")
	want := `rabbitmqctl set_policy --vhost / --apply-to queues --priority 4 q.dead-letter '^q$' '{"dead-letter-exchange":"q.dlx","message-ttl":1000}'`
	if f == nil || f.Command != want {
		t.Fatalf("fix:\n got %+v\nwant %s", f, want)
	}
}

func TestGroupsKeepOneRuleAtOneSeverityTogether(t *testing.T) {
	s := base()
	for _, n := range []string{"bulk.2", "bulk.0", "bulk.1"} {
		s.Queues = append(s.Queues, Queue{Vhost: "/", Name: n, Type: "classic", Durable: true, Ready: 4, Messages: 4})
	}
	s.Queues[1].Consumers, s.Queues[1].Ready = 0, 3 // dead letters waiting: the same rule, at info
	s.Consumers = s.Consumers[:1]
	s.Nodes[0].MemAlarm = true
	gs := Groups(Evaluate(s, nil, DefaultConfig()))
	var got []string
	for _, g := range gs {
		var names []string
		for _, f := range g.Findings {
			if f.Rule != g.Rule || f.Severity != g.Severity {
				t.Fatalf("group %s/%s holds %s/%s", g.Severity, g.Rule, f.Severity, f.Rule)
			}
			names = append(names, f.Object.Name)
		}
		got = append(got, fmt.Sprintf("%s %s %v: %s", g.Severity, g.Rule, names, g.Title()))
	}
	want := []string{
		"critical memory-alarm [rabbit@a]: memory alarm: publishing blocked",
		"warning ready-without-consumers [bulk.0 bulk.1 bulk.2]: ready messages and no consumers",
		"info ready-without-consumers [work.dlq]: dead letters wait and nobody consumes them",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("groups:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Every rule has a title of its own for a group's row.
func TestEveryRuleHasAGroupTitle(t *testing.T) {
	for _, r := range ruleOrder {
		if _, ok := titles[r]; !ok {
			t.Errorf("rule %s has no group title", r)
		}
	}
	if len(titles) != len(ruleOrder) {
		t.Errorf("%d titles for %d rules", len(titles), len(ruleOrder))
	}
}

// Counts not read are not zeros: a queue without them (a sample whose
// counts failed) or a snapshot without consumer counts finds no work
// waiting, and adds nothing to the depth history.
func TestUnknownCountsAreNotZeros(t *testing.T) {
	s := base()
	s.Queues[0].Consumers, s.Queues[0].Ready, s.Queues[0].Messages = 0, 5, 5
	s.Consumers = s.Consumers[1:]
	s.Have.Consumers = false
	if f := find(Evaluate(s, nil, DefaultConfig()), RuleReadyNoConsumers, "work"); f != nil {
		t.Fatalf("consumers not read, yet found none: %+v", f)
	}
	s.Have.ConsumerCounts = true // the queues' own stats said 0
	if f := find(Evaluate(s, nil, DefaultConfig()), RuleReadyNoConsumers, "work"); f == nil {
		t.Fatal("consumer counts from the queues' stats are not used")
	}
	s.Queues[0].NoCounts = true
	if f := find(Evaluate(s, nil, DefaultConfig()), RuleReadyNoConsumers, "work"); f != nil {
		t.Fatalf("a queue without counts is found waiting: %+v", f)
	}
	h := NewHistory(time.Hour)
	h.Add(s)
	if ss := h.series("/", "work", time.Hour); len(ss) != 0 {
		t.Fatalf("a queue without counts went into the history: %+v", ss)
	}
}
