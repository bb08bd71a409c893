package pulse

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/warren-tui/warren/route"
)

// Config tunes the rules.
type Config struct {
	// GrowthWindow is how far back the trend rules look, and
	// GrowthMinSpan the least history they need before they speak.
	GrowthWindow  time.Duration
	GrowthMinSpan time.Duration
	// SaturatedFor is how long consumers must stay at their full
	// prefetch, read after read, before the pulse calls them saturated:
	// a healthy queue catches up on a burst within moments, and one read
	// of the broker's figures (refreshed every 5 s by default) can land
	// in the middle of one. It applies where there is a History.
	SaturatedFor time.Duration
	// UsageLimit is the share of a node's file descriptors or sockets
	// past which it warns.
	UsageLimit float64
}

// DefaultConfig looks back three minutes, calls consumers saturated
// after 15 s and warns past 80%.
func DefaultConfig() Config {
	return Config{GrowthWindow: 3 * time.Minute, GrowthMinSpan: time.Minute, SaturatedFor: 15 * time.Second, UsageLimit: 0.8}
}

// Evaluate runs every rule over s, with h (which may be nil) for the
// trend rules, and returns the findings worst first.
func Evaluate(s Snapshot, h *History, cfg Config) []Finding {
	if cfg.GrowthWindow <= 0 {
		cfg = DefaultConfig()
	}
	e := &evaluation{s: s, h: h, cfg: cfg, t: newTopology(s), topos: routeTopologies(s)}
	e.policies = map[qkey]Policy{}
	for _, p := range s.Policies {
		if !p.Operator {
			e.policies[qkey{p.Vhost, p.Name}] = p
		}
	}
	e.consumers = map[qkey][]Consumer{}
	for _, c := range s.Consumers {
		e.consumers[qkey{c.Vhost, c.Queue}] = append(e.consumers[qkey{c.Vhost, c.Queue}], c)
	}
	e.conns = map[string]Connection{}
	for _, c := range s.Connections {
		e.conns[c.Name] = c
	}
	e.deadLetterGraph()
	e.silentLoss()
	e.exchangeRules()
	e.stuckWork()
	e.brokerRules()
	Sort(e.out)
	return e.out
}

type evaluation struct {
	s         Snapshot
	h         *History
	cfg       Config
	t         *topology
	policies  map[qkey]Policy
	consumers map[qkey][]Consumer
	conns     map[string]Connection
	// topos is route's view of each vhost; dlTargets the queues that
	// receive some queue's dead letters.
	topos     map[string]*route.Topology
	dlTargets map[qkey]bool
	out       []Finding
}

func (e *evaluation) add(f Finding) { e.out = append(e.out, f) }

func queueObject(q Queue) Object { return Object{Kind: KindQueue, Vhost: q.Vhost, Name: q.Name} }

// deadLetter is a queue's dead-letter exchange, if it has one.
func deadLetter(q Queue) (string, bool) {
	return stringSetting(q.Arguments, q.Policy, "dead-letter-exchange")
}

// Silent loss: configurations that drop messages without a trace.
func (e *evaluation) silentLoss() {
	for _, q := range e.s.Queues {
		if q.Type == "stream" { // streams keep by retention, not by dead-lettering
			continue
		}
		if _, hasDLX := deadLetter(q); !hasDLX {
			e.withoutDeadLetter(q)
		}
	}
}

// withoutDeadLetter flags what a queue without a dead-letter exchange drops.
func (e *evaluation) withoutDeadLetter(q Queue) {
	fixDL := e.addDeadLetterFix(q)
	if ttl, ok := numberSetting(q.Arguments, q.Policy, "message-ttl"); ok {
		e.add(Finding{Severity: Warning, Rule: RuleTTLNoDLX, Object: queueObject(q),
			What: "messages expire after " + millis(ttl) + " and are dropped: no dead-letter exchange",
			Why:  "an expired message is discarded without a trace; neither its publisher nor anyone else hears of it",
			Fix:  "give the queue a dead-letter exchange (a policy, since arguments cannot change) and bind a queue to it", Command: fixDL})
	}
	overflow, _ := stringSetting(q.Arguments, q.Policy, "overflow")
	if overflow == "" || overflow == "drop-head" {
		for _, lim := range []struct{ name, unit string }{{"max-length", "messages"}, {"max-length-bytes", "bytes"}} {
			n, ok := numberSetting(q.Arguments, q.Policy, lim.name)
			if !ok {
				continue
			}
			sev, now := Warning, ""
			if lim.name == "max-length" && float64(q.Messages) >= n {
				sev, now = Critical, fmt.Sprintf(" (it holds %d: dropping now)", q.Messages)
			}
			e.add(Finding{Severity: sev, Rule: RuleMaxLenNoDLX, Object: queueObject(q),
				What: fmt.Sprintf("past %s %s the oldest are dropped%s: overflow drop-head, no dead-letter exchange", strconv.FormatFloat(n, 'f', -1, 64), lim.unit, now),
				Why:  "when the queue is full each new message pushes the oldest out, and nothing keeps it",
				Fix:  "give it a dead-letter exchange, or overflow reject-publish so publishers with confirms hear of it", Command: fixDL})
		}
	}
	if q.Type == "quorum" {
		limit, ok := numberSetting(q.Arguments, q.Policy, "delivery-limit")
		if !ok && atLeast(e.s.Version, 4, 0) {
			limit, ok = 20, true // the broker's default from 4.0
		}
		if ok && limit >= 0 {
			e.add(Finding{Severity: Warning, Rule: RuleDeliveryLimitNoDLX, Object: queueObject(q),
				What: fmt.Sprintf("a message delivered more than %s times is dropped: no dead-letter exchange", strconv.FormatFloat(limit, 'f', -1, 64)),
				Why:  "a message its consumers keep failing on (a poison message) is discarded after its last try, without a trace",
				Fix:  "give it a dead-letter exchange so poison messages are kept for a look", Command: fixDL})
		}
	}
}

// addDeadLetterFix is a policy that gives q a dead-letter exchange named
// after it, keeping what its current policy sets.
func (e *evaluation) addDeadLetterFix(q Queue) string {
	def, prio, name := map[string]any{}, 0, q.Name+".dead-letter"
	if p, ok := e.policies[qkey{q.Vhost, q.PolicyName}]; ok && q.PolicyName != "" {
		maps.Copy(def, p.Definition)
		prio = p.Priority + 1
	}
	def["dead-letter-exchange"] = q.Name + ".dlx"
	return setPolicy(q.Vhost, name, exactPattern(q.Name), "queues", prio, def)
}

// exchangeRules: publishes that route nowhere, and missing alternates.
func (e *evaluation) exchangeRules() {
	if u := e.s.Unroutable; u != nil && u.DropRate > 0 {
		e.add(Finding{Severity: Warning, Rule: RuleUnroutableDrops, Object: Object{Kind: KindBroker, Name: "broker"},
			What: fmt.Sprintf("the broker drops %.1f unroutable msg/s", u.DropRate),
			Why:  "messages published without mandatory that match no binding are discarded; their publishers are not told",
			Fix:  "find the exchange (the findings below, or sort :exchanges by rate) and bind a queue or give it an alternate exchange"})
	}
	if !e.s.Have.Exchanges {
		return
	}
	for _, x := range e.s.Exchanges {
		if x.Name == "" {
			continue
		}
		ae, hasAE := stringSetting(x.Arguments, x.Policy, "alternate-exchange")
		obj := Object{Kind: KindExchange, Vhost: x.Vhost, Name: x.Name}
		if hasAE {
			if _, ok := e.t.exchanges[qkey{x.Vhost, ae}]; !ok {
				e.add(Finding{Severity: Critical, Rule: RuleAEMissing, Object: obj,
					What:    "its alternate exchange " + quoted(ae) + " does not exist: unroutable messages are dropped",
					Why:     "what no binding matches should go to the alternate exchange; with none there, it is discarded",
					Fix:     "declare the alternate exchange (:declare exchange) with a queue bound",
					Command: admin(x.Vhost, "declare exchange", kv("name", ae), "type=fanout", "durable=true")})
			}
			continue
		}
		if !e.s.Have.Bindings || x.PublishIn == 0 || len(e.t.bySource[qkey{x.Vhost, x.Name}]) > 0 {
			continue
		}
		sev, now := Warning, "has had "+strconv.FormatInt(x.PublishIn, 10)+" publishes"
		if x.PublishInRate > 0 {
			sev, now = Critical, fmt.Sprintf("receives %.1f msg/s", x.PublishInRate)
		}
		unrouted := x.Name + ".unrouted"
		e.add(Finding{Severity: sev, Rule: RuleUnboundExchange, Object: obj,
			What: now + " but has no bindings and no alternate exchange: they are dropped",
			Why:  "a message that matches no binding is discarded (or returned, only to publishers that ask with mandatory)",
			Fix:  "bind a queue to it (:declare binding), or give it an alternate exchange that keeps what is unroutable",
			Command: admin(x.Vhost, "declare exchange", kv("name", unrouted), "type=fanout", "durable=true") + " && " +
				admin(x.Vhost, "declare queue", kv("name", unrouted), "durable=true") + " && " +
				admin(x.Vhost, "declare binding", kv("source", unrouted), kv("destination", unrouted)) + " && " +
				setPolicy(x.Vhost, x.Name+".alternate", exactPattern(x.Name), "exchanges", 0, map[string]any{"alternate-exchange": unrouted})})
	}
}

// stuckWork: messages waiting with nobody to take them, or piling up.
func (e *evaluation) stuckWork() {
	for _, q := range e.s.Queues {
		k := qkey{q.Vhost, q.Name}
		cons := e.consumers[k]
		// Its counts (where read) and whom it has are known.
		known := !q.NoCounts && (e.s.Have.Consumers || e.s.Have.ConsumerCounts)
		if known && q.Type != "stream" && q.Ready > 0 && q.Consumers == 0 {
			if e.dlTargets[k] {
				e.add(Finding{Severity: Info, Rule: RuleReadyNoConsumers, Object: queueObject(q),
					What: fmt.Sprintf("%d dead letters wait and nobody consumes them", q.Ready),
					Why:  "dead letters are work that failed: until someone looks, whatever they stood for is not done",
					Fix:  "enter opens the queue: p peeks them (x-death says why each died), m returns them to where they came from"})
			} else {
				e.add(Finding{Severity: Warning, Rule: RuleReadyNoConsumers, Object: queueObject(q),
					What: fmt.Sprintf("%d messages ready and no consumers", q.Ready),
					Why:  "nothing takes them: the work waits, the queue grows, and any TTL or length limit starts to drop",
					Fix:  "start its consumers; enter opens the queue, where p peeks what waits"})
			}
		}
		if grew, from, to, span := e.growth(q, func(s sample) int64 { return s.messages }); grew {
			e.add(Finding{Severity: Warning, Rule: RuleGrowing, Object: queueObject(q),
				What: fmt.Sprintf("grew from %d to %d in %s: more in than out (%+.1f msg/s)", from, to, roundSpan(span), float64(to-from)/span.Seconds()),
				Why:  "consumers are not keeping up; left alone the queue fills memory or disk, or hits its limits",
				Fix:  "add consumers or find why they are slow (enter shows consumers and rates)"})
		}
		if len(cons) == 0 {
			continue
		}
		blocked := ""
		for _, c := range cons {
			if conn, ok := e.conns[c.Connection]; ok && conn.State == "blocked" {
				blocked = c.Connection
				break
			}
		}
		if blocked != "" {
			e.add(Finding{Severity: Critical, Rule: RuleBlockedConsumers, Object: queueObject(q),
				What: "a consumer is on connection " + quoted(blocked) + ", which the broker has blocked",
				Why:  "a blocked connection is not read, so its acks wait too: its messages stay unacked until the alarm clears",
				Fix:  "clear the alarm; consume on a connection that does not publish", Command: "rabbitmq-diagnostics alarms"})
		}
		limited, sum := true, 0
		for _, c := range cons {
			if !c.AckRequired || c.Prefetch == 0 {
				limited = false
			}
			sum += c.Prefetch
		}
		if limited && !q.NoCounts {
			if saturated, since := e.saturated(q, int64(sum)); saturated {
				e.add(Finding{Severity: Warning, Rule: RuleSaturated, Object: queueObject(q),
					What: fmt.Sprintf("all %d consumers hold their full prefetch (%d unacked) while %d wait%s", len(cons), q.Unacked, q.Ready, since),
					Why:  "every consumer is busy with as much as it may hold: processing or acks are the bottleneck",
					Fix:  "add consumers, raise their prefetch, or look for slow processing and late acks"})
			}
		}
		unlimited := slices.ContainsFunc(cons, func(c Consumer) bool { return c.AckRequired && c.Prefetch == 0 })
		if grew, from, to, span := e.growth(q, func(s sample) int64 { return s.unacked }); unlimited && grew {
			e.add(Finding{Severity: Warning, Rule: RuleUnlimitedPrefetch, Object: queueObject(q),
				What: fmt.Sprintf("a consumer has no prefetch limit and unacked grew from %d to %d in %s", from, to, roundSpan(span)),
				Why:  "the broker pushes it everything: the consumer's memory fills and other consumers starve",
				Fix:  "set a prefetch (basic.qos) in the consumer"})
		}
	}
}

// saturated says whether q's consumers, whose prefetch adds up to sum,
// hold all they may while more wait: now, and, where there is a history
// of whole reads, in every read over the last SaturatedFor too. since
// says for how long, where the history tells.
func (e *evaluation) saturated(q Queue, sum int64) (ok bool, since string) {
	if q.Ready <= 0 || q.Unacked < sum {
		return false, ""
	}
	if e.h == nil || e.s.QueuesSampled || e.cfg.SaturatedFor <= 0 {
		return true, ""
	}
	ss := e.h.series(q.Vhost, q.Name, e.cfg.GrowthWindow)
	i := len(ss)
	for i > 0 && ss[i-1].ready > 0 && ss[i-1].unacked >= sum {
		i--
	}
	if i == len(ss) {
		return false, ""
	}
	lasted := ss[len(ss)-1].at.Sub(ss[i].at)
	return lasted >= e.cfg.SaturatedFor, " for " + roundSpan(lasted)
}

// growth says whether a queue's figure grew steadily over the window:
// up from the first sample to the middle one and from there to the last.
func (e *evaluation) growth(q Queue, of func(sample) int64) (grew bool, from, to int64, span time.Duration) {
	ss := e.h.series(q.Vhost, q.Name, e.cfg.GrowthWindow)
	if len(ss) < 3 {
		return false, 0, 0, 0
	}
	first, mid, last := ss[0], ss[len(ss)/2], ss[len(ss)-1]
	span = last.at.Sub(first.at)
	if span < e.cfg.GrowthMinSpan {
		return false, 0, 0, 0
	}
	from, to = of(first), of(last)
	enough := max(int64(10), from/100)
	return of(mid) > from && to > of(mid) && to-from >= enough, from, to, span
}

func (e *evaluation) brokerRules() {
	for _, n := range e.s.Nodes {
		obj := Object{Kind: KindNode, Name: n.Name}
		node := shellQuote(n.Name)
		// A node cut off by a partition is not running as this side of the
		// cluster counts, yet it answers with its own partitions: it is up,
		// on the other side, and its partition is the finding.
		if !n.Running && len(n.Partitions) == 0 {
			e.add(Finding{Severity: Critical, Rule: RuleNodeDown, Object: obj,
				What: "node is down", Why: "its queues without a replica elsewhere are unavailable, and the cluster is short of a member",
				Fix: "start it again and read its log", Command: "rabbitmq-diagnostics -n " + node + " ping"})
			continue
		}
		if len(n.Partitions) > 0 {
			e.add(Finding{Severity: Critical, Rule: RulePartition, Object: obj,
				What: "network partition: cannot see " + strings.Join(quotedAll(n.Partitions), ", "),
				Why:  "each side goes on alone: queues and messages diverge, and one side's changes are lost when it heals",
				Fix:  "restart the nodes on the losing side once the network is back", Command: "rabbitmq-diagnostics -n " + node + " cluster_status"})
		}
		if !n.Running {
			continue
		}
		if n.MemAlarm {
			e.add(Finding{Severity: Critical, Rule: RuleMemoryAlarm, Object: obj,
				What: "memory alarm: publishing is blocked on every node", Why: "every connection that publishes is blocked until memory falls below the watermark",
				Fix: "drain or purge deep queues, or give the node more memory", Command: "rabbitmq-diagnostics -n " + node + " memory_breakdown"})
		}
		if n.DiskAlarm {
			e.add(Finding{Severity: Critical, Rule: RuleDiskAlarm, Object: obj,
				What: "disk alarm: publishing is blocked on every node", Why: "free disk fell below the node's limit; every publishing connection waits until it is back",
				Fix: "free disk on the node (deep queues page to disk)", Command: "rabbitmq-diagnostics -n " + node + " status"})
		}
		if n.FDTotal > 0 && float64(n.FDUsed) > e.cfg.UsageLimit*float64(n.FDTotal) {
			e.add(Finding{Severity: Warning, Rule: RuleFileDescriptors, Object: obj,
				What: fmt.Sprintf("%d of %d file descriptors in use (%.0f%%)", n.FDUsed, n.FDTotal, 100*float64(n.FDUsed)/float64(n.FDTotal)),
				Why:  "when they run out, new connections are refused and queues cannot open their files",
				Fix:  "raise the open-files limit (LimitNOFILE) or look for clients leaking connections (:connections)", Command: "rabbitmq-diagnostics -n " + node + " status"})
		}
		if n.SocketsTotal > 0 && float64(n.SocketsUsed) > e.cfg.UsageLimit*float64(n.SocketsTotal) {
			e.add(Finding{Severity: Warning, Rule: RuleSockets, Object: obj,
				What: fmt.Sprintf("%d of %d sockets in use (%.0f%%)", n.SocketsUsed, n.SocketsTotal, 100*float64(n.SocketsUsed)/float64(n.SocketsTotal)),
				Why:  "when they run out, new client connections are refused",
				Fix:  "raise the open-files limit or look for clients leaking connections (:connections)", Command: "rabbitmq-diagnostics -n " + node + " status"})
		}
	}
	for _, c := range e.s.Connections {
		obj := Object{Kind: KindConnection, Vhost: c.Vhost, Name: c.Name}
		switch c.State {
		case "blocked":
			e.add(Finding{Severity: Warning, Rule: RuleBlockedConnection, Object: obj,
				What: "blocked by the broker: it published during a resource alarm",
				Why:  "nothing it sends is read (acks included) until the alarm clears",
				Fix:  "clear the alarm (see the node's finding)", Command: "rabbitmq-diagnostics alarms"})
		case "blocking":
			e.add(Finding{Severity: Info, Rule: RuleBlockedConnection, Object: obj,
				What: "will be blocked when it next publishes: a resource alarm is in force",
				Why:  "publishing is stopped broker-wide while the alarm lasts",
				Fix:  "clear the alarm (see the node's finding)", Command: "rabbitmq-diagnostics alarms"})
		}
	}
	for _, p := range e.s.Policies {
		var ha []string
		for k := range p.Definition {
			if strings.HasPrefix(k, "ha-") {
				ha = append(ha, k)
			}
		}
		if len(ha) == 0 {
			continue
		}
		slices.Sort(ha)
		sev, when := Warning, "deprecated, and removed in RabbitMQ 4.0"
		if atLeast(e.s.Version, 4, 0) {
			sev, when = Critical, "removed in RabbitMQ 4.0: this broker ignores it"
		}
		kind, clear := "policy", "clear_policy"
		if p.Operator {
			kind, clear = "operator policy", "clear_operator_policy"
		}
		e.add(Finding{Severity: sev, Rule: RuleClassicMirroring, Object: Object{Kind: KindPolicy, Vhost: p.Vhost, Name: p.Name},
			What:    kind + " uses classic queue mirroring (" + strings.Join(ha, ", ") + "): " + when,
			Why:     "the queues it matches are not replicated on 4.x, and an upgrade is refused while it exists",
			Fix:     "move those queues to quorum queues, then clear the policy",
			Command: "rabbitmqctl " + clear + " " + vhostFlag(p.Vhost) + " " + shellQuote(p.Name)})
	}
	for _, q := range e.s.Queues {
		if q.Type != "classic" || q.Durable || q.Exclusive {
			continue
		}
		sev := Info
		if atLeast(e.s.Version, 4, 0) {
			sev = Warning
		}
		e.add(Finding{Severity: sev, Rule: RuleTransientNonExcl, Object: queueObject(q),
			What: "transient (non-durable) and not exclusive: a deprecated kind of queue",
			Why:  "RabbitMQ deprecates transient non-exclusive queues and refuses to declare them by default from 4.3",
			Fix:  "declare it durable, or exclusive if only its own connection uses it"})
	}
}

// quoted is a broker name in quotes for a finding's text, as route
// quotes it in the words the two share (escaped again where drawn).
func quoted(s string) string { return strconv.Quote(s) }

func quotedAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = quoted(s)
	}
	return out
}

func keyList(keys []string) string {
	if len(keys) == 1 {
		return "key " + quoted(keys[0])
	}
	return "any of keys " + strings.Join(quotedAll(keys), ", ")
}

// millis says a TTL in milliseconds the short way: 60s, 1.5s, 24h.
func millis(ms float64) string {
	d := time.Duration(ms * float64(time.Millisecond))
	if d >= time.Minute && d%time.Minute == 0 {
		return strings.TrimSuffix(strings.TrimSuffix(d.String(), "0s"), "0m")
	}
	return d.String()
}

func roundSpan(d time.Duration) string { return d.Round(time.Second).String() }
