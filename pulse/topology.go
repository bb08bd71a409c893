package pulse

import (
	"strings"
)

// topology indexes a snapshot's exchanges, queues and bindings for
// routing questions.
type topology struct {
	exchanges map[qkey]Exchange
	queues    map[qkey]Queue
	bySource  map[qkey][]Binding
	// byDest is the bindings into each queue.
	byDest map[qkey][]Binding
}

func newTopology(s Snapshot) *topology {
	t := &topology{exchanges: map[qkey]Exchange{}, queues: map[qkey]Queue{}, bySource: map[qkey][]Binding{}, byDest: map[qkey][]Binding{}}
	for _, x := range s.Exchanges {
		t.exchanges[qkey{x.Vhost, x.Name}] = x
	}
	for _, q := range s.Queues {
		t.queues[qkey{q.Vhost, q.Name}] = q
	}
	for _, b := range s.Bindings {
		t.bySource[qkey{b.Vhost, b.Source}] = append(t.bySource[qkey{b.Vhost, b.Source}], b)
		if b.DestinationType == "queue" {
			t.byDest[qkey{b.Vhost, b.Destination}] = append(t.byDest[qkey{b.Vhost, b.Destination}], b)
		}
	}
	return t
}

// routeOutcome is where a message with one routing key goes from an
// exchange.
type routeOutcome struct {
	queues []qkey
	// unknown is set when the answer depends on what the rules cannot
	// see: message headers (a headers exchange), or a plugin's exchange type.
	unknown bool
}

// maxHops bounds exchange-to-exchange chains (the broker has no limit,
// but a chain this long is a cycle or a mistake).
const maxHops = 16

// route says which queues a message published to exchange x in vhost
// with routing key gets to: bindings, exchange-to-exchange bindings and
// alternate exchanges followed, as the broker does.
func (t *topology) route(vhost, x, key string) routeOutcome {
	var out routeOutcome
	seenQ := map[qkey]bool{}
	t.routeInto(vhost, x, key, map[string]bool{}, 0, seenQ, &out)
	return out
}

func (t *topology) routeInto(vhost, x, key string, visited map[string]bool, hops int, seenQ map[qkey]bool, out *routeOutcome) {
	if visited[x] || hops > maxHops {
		return
	}
	visited[x] = true
	if x == "" { // the default exchange: straight to the queue of that name
		if _, ok := t.queues[qkey{vhost, key}]; ok && !seenQ[qkey{vhost, key}] {
			seenQ[qkey{vhost, key}] = true
			out.queues = append(out.queues, qkey{vhost, key})
		}
		return
	}
	ex, ok := t.exchanges[qkey{vhost, x}]
	if !ok {
		return // a missing exchange routes nowhere
	}
	matched := false
	for _, b := range t.bySource[qkey{vhost, x}] {
		m, known := bindingMatches(ex.Type, b, key)
		if !known {
			out.unknown = true
			continue
		}
		if !m {
			continue
		}
		matched = true
		if b.DestinationType == "exchange" {
			t.routeInto(vhost, b.Destination, key, visited, hops+1, seenQ, out)
			continue
		}
		k := qkey{vhost, b.Destination}
		if _, exists := t.queues[k]; exists && !seenQ[k] {
			seenQ[k] = true
			out.queues = append(out.queues, k)
		}
	}
	if !matched {
		if ae, ok := setting(ex.Arguments, ex.Policy, "alternate-exchange"); ok {
			if name, isStr := ae.(string); isStr {
				t.routeInto(vhost, name, key, visited, hops+1, seenQ, out)
			}
		}
	}
}

// bindingMatches says whether a binding of an exchange of kind matches
// key; known is false when that depends on message headers or on an
// exchange type the rules do not model.
func bindingMatches(kind string, b Binding, key string) (match, known bool) {
	switch kind {
	case "direct":
		return b.RoutingKey == key, true
	case "fanout":
		return true, true
	case "topic":
		return topicMatch(strings.Split(b.RoutingKey, "."), strings.Split(key, ".")), true
	}
	return false, false
}

// topicMatch matches a topic binding pattern against a routing key, word
// by word: * is exactly one word, # zero or more.
func topicMatch(pattern, words []string) bool {
	if len(pattern) == 0 {
		return len(words) == 0
	}
	switch pattern[0] {
	case "#":
		for i := 0; i <= len(words); i++ {
			if topicMatch(pattern[1:], words[i:]) {
				return true
			}
		}
		return false
	case "*":
		return len(words) > 0 && topicMatch(pattern[1:], words[1:])
	}
	return len(words) > 0 && words[0] == pattern[0] && topicMatch(pattern[1:], words[1:])
}

// setting reads a queue or exchange setting from its arguments (x-NAME)
// or, failing that, its effective policy (NAME): the broker lets
// arguments win for the dead-letter and alternate exchange settings.
func setting(args, policy map[string]any, name string) (any, bool) {
	if v, ok := args["x-"+name]; ok {
		return v, true
	}
	if name == "alternate-exchange" { // exchanges take it without the x-
		if v, ok := args[name]; ok {
			return v, true
		}
	}
	v, ok := policy[name]
	return v, ok
}

// stringSetting is setting for a string value.
func stringSetting(args, policy map[string]any, name string) (string, bool) {
	v, ok := setting(args, policy, name)
	if !ok {
		return "", false
	}
	s, isStr := v.(string)
	return s, isStr
}

// numberSetting is the lower of the argument and the policy, as the
// broker applies limits and TTLs that both set.
func numberSetting(args, policy map[string]any, name string) (float64, bool) {
	a, aok := number(args["x-"+name])
	p, pok := number(policy[name])
	switch {
	case aok && pok:
		return min(a, p), true
	case aok:
		return a, true
	}
	return p, pok
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}
