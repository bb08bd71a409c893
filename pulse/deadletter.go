package pulse

import (
	"slices"

	"github.com/warren-tui/warren/route"
)

// routeTopologies builds the route package's view of each vhost in the
// snapshot, for where dead letters go. Without bindings (a sampled
// snapshot) it is built all the same, but only to tell which dead-letter
// exchanges exist.
func routeTopologies(s Snapshot) map[string]*route.Topology {
	type parts struct {
		exchanges []route.Exchange
		queues    []route.Queue
		bindings  []route.Binding
	}
	byVhost := map[string]*parts{}
	get := func(v string) *parts {
		p, ok := byVhost[v]
		if !ok {
			p = &parts{}
			byVhost[v] = p
		}
		return p
	}
	for _, x := range s.Exchanges {
		get(x.Vhost).exchanges = append(get(x.Vhost).exchanges, route.Exchange{Name: x.Name, Type: x.Type, Internal: x.Internal,
			Arguments: x.Arguments, Policy: x.PolicyName, PolicyDefinition: x.Policy})
	}
	for _, q := range s.Queues {
		get(q.Vhost).queues = append(get(q.Vhost).queues, route.Queue{Name: q.Name, Type: q.Type,
			Arguments: q.Arguments, Policy: q.PolicyName, PolicyDefinition: q.Policy})
	}
	for _, b := range s.Bindings {
		get(b.Vhost).bindings = append(get(b.Vhost).bindings, route.Binding{Source: b.Source, Destination: b.Destination,
			DestinationType: b.DestinationType, Key: b.RoutingKey, Arguments: b.Arguments})
	}
	out := make(map[string]*route.Topology, len(byVhost))
	for v, p := range byVhost {
		out[v] = route.New(v, p.exchanges, p.queues, p.bindings)
	}
	return out
}

// deadLetterGraph works out, with route, where each queue's dead letters
// go: the queues they reach (for "dead letters waiting"), and the dead
// ends and cycles, in the words route shares with the dead-letter map.
func (e *evaluation) deadLetterGraph() {
	e.dlTargets = map[qkey]bool{}
	if !e.s.Have.Exchanges {
		return
	}
	for _, v := range sortedVhosts(e.topos) {
		t := e.topos[v]
		if !e.s.Have.Bindings { // exchanges are all there: a missing one can still be told
			for _, name := range t.Queues() {
				if d, ok := t.DeadLetters(name); ok && d.Missing {
					e.deadLetterFinding(t, route.Finding{Kind: route.FindingDLXMissing, Queues: []string{name},
						Text: route.DLXMissingText(name, d.Exchange.Value)})
				}
			}
			continue
		}
		for _, name := range t.Queues() {
			if d, ok := t.DeadLetters(name); ok {
				for _, q := range d.Queues {
					e.dlTargets[qkey{v, q}] = true
				}
			}
		}
		for _, f := range t.DeadLetterFindings() {
			e.deadLetterFinding(t, f)
		}
	}
}

// deadLetterFinding turns one of route's dead-letter findings into the
// pulse's, with why it matters and a fix.
func (e *evaluation) deadLetterFinding(t *route.Topology, f route.Finding) {
	if len(f.Queues) == 0 {
		return
	}
	obj := Object{Kind: KindQueue, Vhost: t.Vhost, Name: f.Queues[0]}
	d, _ := t.DeadLetters(f.Queues[0])
	dlx := d.Exchange.Value
	switch f.Kind {
	case route.FindingDLXMissing:
		e.add(Finding{Severity: Critical, Rule: RuleDLXMissing, Object: obj, What: f.Text,
			Why:     "every message it rejects, expires or pushes out is discarded, while the setting suggests it is kept",
			Fix:     "declare the exchange (:declare exchange in warren) and bind a queue to it",
			Command: admin(t.Vhost, "declare exchange", kv("name", dlx), "type=fanout", "durable=true")})
	case route.FindingDeadLettersDropped:
		cmd := ""
		if keys := d.Keys(); dlx != "" && len(keys) > 0 {
			key := keys[0]
			if x, ok := t.Exchange(dlx); ok && x.Type == route.Topic {
				key = "#"
			}
			cmd = admin(t.Vhost, "declare queue", kv("name", dlx+".dlq"), "durable=true") + " && " +
				admin(t.Vhost, "declare binding", kv("source", dlx), kv("destination", dlx+".dlq"), kv("routing_key", key))
		}
		e.add(Finding{Severity: Critical, Rule: RuleDLXNoRoute, Object: obj, What: f.Text,
			Why:     "a dead letter that routes nowhere is discarded, so the queue loses what it rejects, expires or pushes out",
			Fix:     "bind a queue to the dead-letter exchange for those keys (:declare binding in warren)",
			Command: cmd})
	case route.FindingDeadLetterCycle:
		e.add(Finding{Severity: Warning, Rule: RuleDLCycle, Object: obj, What: f.Text,
			Why: "the broker drops a message that comes back round to a queue it died in unless a consumer rejected it on the way; one that is rejected goes round for ever",
			Fix: "end the cycle: point one queue's dead-letter exchange or routing key at a queue outside it (enter opens the queue's dead-letter map)"})
	}
}

func sortedVhosts(m map[string]*route.Topology) []string {
	vs := make([]string, 0, len(m))
	for v := range m {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return vs
}
