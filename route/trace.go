package route

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Publish is the message to trace: where it is published and with what.
type Publish struct {
	Exchange   string // "" is the default exchange
	RoutingKey string
	// Headers are the message's headers, for headers exchanges and for
	// the CC and BCC headers (arrays of strings), which add routing keys.
	Headers map[string]any
}

// Via says how the tracer reached an exchange.
type Via int

const (
	ViaPublish    Via = iota // the message was published to it
	ViaBinding               // an exchange-to-exchange binding led here
	ViaAlternate             // the exchange before routed nowhere; this is its alternate exchange
	ViaDeadLetter            // a queue dead-letters to it
)

// Hop is one exchange the message passes through.
type Hop struct {
	Exchange string
	Type     string
	Internal bool
	Via      Via
	From     string // the exchange whose binding or alternate exchange led here
	// Matched are the bindings the message matched here, with why.
	Matched []Match
	// Alternate is set when nothing matched and the exchange has an
	// alternate exchange: the message goes there instead.
	Alternate Setting
	// Notes say what else happened here: a missing alternate exchange, an
	// exchange type the tracer cannot follow, a default exchange with no
	// queue of that name.
	Notes []string
	// Unknown is set for an exchange type the tracer does not know (a
	// plugin's): where it routes cannot be told.
	Unknown bool
}

// Match is one binding a message matched, and why.
type Match struct {
	Binding Binding
	Why     string
	// Again is set for an exchange-to-exchange binding into an exchange
	// the message already went through: the broker routes each exchange
	// at most once per message, so the path stops there.
	Again bool
}

// Result is the whole path of one message.
type Result struct {
	Publish Publish
	// RoutingKeys are the keys the message is routed with: the routing
	// key, then any CC and BCC keys.
	RoutingKeys []string
	// Refused is why the broker would refuse the publish outright (no such
	// exchange, an internal exchange); nothing else is set then.
	Refused string
	Hops    []Hop
	// Queues are the queues the message lands in, sorted, each once.
	Queues []string
	// Incomplete is set when a hop's type is unknown: more queues may get
	// the message than Queues lists.
	Incomplete bool
}

// Unroutable reports whether the message would reach no queue.
func (r Result) Unroutable() bool { return r.Refused == "" && len(r.Queues) == 0 && !r.Incomplete }

// UnroutableText is what happens to a message that reaches no queue.
const UnroutableText = "unroutable: dropped (or returned to a mandatory publisher)"

// Trace works out where a message published to p.Exchange would go, as
// RabbitMQ 3.10 routes it: the default exchange delivers to the queue
// named by each routing key; any other exchange routes by its type, each
// exchange-to-exchange binding adds its destination to the work list
// (each exchange routes a message at most once, which stops cycles), an
// exchange that matched no binding at all hands the message to its
// alternate exchange (argument first, then policy) if that exists, and
// the queues found are deduplicated. Publishing to an internal exchange
// or one that does not exist is refused.
func (t *Topology) Trace(p Publish) Result {
	return t.trace(p, ViaPublish)
}

func (t *Topology) trace(p Publish, via Via) Result {
	r := Result{Publish: p}
	keys, err := routingKeys(p)
	if err != "" {
		r.Refused = err
		return r
	}
	r.RoutingKeys = keys
	first, ok := t.exchanges[p.Exchange]
	if !ok {
		r.Refused = fmt.Sprintf("exchange %q does not exist: the broker refuses the publish (404) and closes the channel", p.Exchange)
		return r
	}
	if first.Internal && via == ViaPublish {
		r.Refused = fmt.Sprintf("exchange %q is internal: the broker refuses a publish to it (403); only bindings from other exchanges reach it", p.Exchange)
		return r
	}
	queues := map[string]bool{}
	if p.Exchange == "" {
		r.Hops = append(r.Hops, t.defaultHop(keys, via, queues))
		r.Queues = sortedKeys(queues)
		return r
	}
	type item struct {
		x    *Exchange
		via  Via
		from string
	}
	seen := map[string]bool{p.Exchange: true}
	work := []item{{first, via, ""}}
	for len(work) > 0 {
		it := work[0]
		work = work[1:]
		hop := Hop{Exchange: it.x.Name, Type: it.x.Type, Internal: it.x.Internal, Via: it.via, From: it.from}
		if it.x.Name == "" {
			// Reached as an alternate exchange. Its bindings are implicit
			// (not stored) since RabbitMQ 3.8, and only a publish or a
			// dead letter straight to it is routed by queue name.
			hop.Notes = append(hop.Notes, "the default exchange routes by queue name only what is published or dead-lettered to it directly: as an alternate exchange it reaches no queue")
			r.Hops = append(r.Hops, hop)
			continue
		}
		matched, known := t.matchAt(it.x, keys, p.Headers)
		if !known {
			hop.Unknown = true
			hop.Notes = append(hop.Notes, fmt.Sprintf("type %q is a plugin's: warren cannot tell where it routes", it.x.Type))
			r.Incomplete = true
		}
		for i := range matched {
			b := matched[i].Binding
			if b.DestinationType == ToExchange {
				if seen[b.Destination] {
					matched[i].Again = true
					continue
				}
				seen[b.Destination] = true
				if nx, ok := t.exchanges[b.Destination]; ok {
					work = append(work, item{nx, ViaBinding, it.x.Name})
				}
				continue
			}
			queues[b.Destination] = true
		}
		hop.Matched = matched
		if len(matched) == 0 && known {
			if ae := it.x.AlternateExchange(); ae.Set {
				hop.Alternate = ae
				switch nx, ok := t.exchanges[ae.Value]; {
				case seen[ae.Value]:
					hop.Notes = append(hop.Notes, fmt.Sprintf("alternate exchange %q already routed this message: not again", ae.Value))
				case !ok:
					seen[ae.Value] = true
					hop.Notes = append(hop.Notes, fmt.Sprintf("alternate exchange %q does not exist: it is skipped", ae.Value))
				default:
					seen[ae.Value] = true
					work = append(work, item{nx, ViaAlternate, it.x.Name})
				}
			}
		}
		r.Hops = append(r.Hops, hop)
	}
	r.Queues = sortedKeys(queues)
	return r
}

// defaultHop routes at the default exchange: one implicit binding per
// queue, keyed by the queue's name.
func (t *Topology) defaultHop(keys []string, via Via, queues map[string]bool) Hop {
	hop := Hop{Exchange: "", Type: Direct, Via: via}
	done := map[string]bool{}
	for _, k := range keys {
		if done[k] {
			continue
		}
		done[k] = true
		if _, ok := t.queues[k]; !ok {
			hop.Notes = append(hop.Notes, fmt.Sprintf("no queue is named %q", k))
			continue
		}
		queues[k] = true
		hop.Matched = append(hop.Matched, Match{
			Binding: Binding{Source: "", Destination: k, DestinationType: ToQueue, Key: k},
			Why:     "the default exchange delivers to the queue named by the key"})
	}
	return hop
}

// matchAt returns the bindings of x that the message matches, in the
// order they were given; known is false for an exchange type the tracer
// cannot follow.
func (t *Topology) matchAt(x *Exchange, keys []string, headers map[string]any) (matched []Match, known bool) {
	o := t.out[x.Name]
	switch x.Type {
	case Direct, Fanout, Topic, Headers:
	default:
		return nil, false
	}
	if o == nil {
		return nil, true
	}
	switch x.Type {
	case Fanout:
		for _, b := range o.all {
			matched = append(matched, Match{Binding: b, Why: "fanout: every binding"})
		}
	case Direct:
		var idx []int
		for _, k := range dedup(keys) {
			idx = append(idx, o.direct[k]...)
		}
		slices.Sort(idx)
		for _, i := range slices.Compact(idx) {
			matched = append(matched, Match{Binding: o.all[i], Why: fmt.Sprintf("key %q equals the binding key", o.all[i].Key)})
		}
	case Topic:
		dk := dedup(keys)
		split := make([][]string, 0, len(dk))
		for _, k := range dk {
			split = append(split, splitTopic(k))
		}
		for i, b := range o.all {
			for j, words := range split {
				if topicMatch(o.topic[i].words, words) {
					matched = append(matched, Match{Binding: b, Why: topicWhy(dk[j], b.Key)})
					break
				}
			}
		}
	case Headers:
		for _, b := range o.all {
			if ok, why := headersMatch(b.Arguments, headers); ok {
				matched = append(matched, Match{Binding: b, Why: why})
			}
		}
	}
	return matched, true
}

func topicWhy(key, pattern string) string {
	if key == pattern {
		return fmt.Sprintf("key %q equals the binding key", key)
	}
	return fmt.Sprintf("key %q matches %q", key, pattern)
}

// routingKeys are the message's routing key and its CC and BCC keys; a CC
// or BCC header that is not an array is refused by the broker.
func routingKeys(p Publish) ([]string, string) {
	keys := []string{p.RoutingKey}
	for _, h := range []string{"CC", "BCC"} {
		v, ok := p.Headers[h]
		if !ok {
			continue
		}
		switch arr := v.(type) {
		case []string:
			keys = append(keys, arr...)
		case []any:
			for _, e := range arr {
				if s, ok := stringValue(e); ok { // the broker skips non-string elements
					keys = append(keys, s)
				}
			}
		default:
			return nil, fmt.Sprintf("header %s is not an array: the broker refuses the message", h)
		}
	}
	return keys, ""
}

func dedup(keys []string) []string {
	if len(keys) == 1 {
		return keys
	}
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ViaText says in words how a hop was reached.
func (h Hop) ViaText() string {
	switch h.Via {
	case ViaBinding:
		return fmt.Sprintf("bound from %q", h.From)
	case ViaAlternate:
		return fmt.Sprintf("alternate exchange of %q", h.From)
	case ViaDeadLetter:
		return "dead-letter exchange"
	}
	return "published"
}

// Summary is one line saying where the message goes.
func (r Result) Summary() string {
	switch {
	case r.Refused != "":
		return "refused: " + r.Refused
	case r.Incomplete && len(r.Queues) == 0:
		return "unknown: an exchange type on the path is a plugin's"
	case len(r.Queues) == 0:
		return UnroutableText
	}
	quoted := make([]string, len(r.Queues))
	for i, q := range r.Queues {
		quoted[i] = fmt.Sprintf("%q", q)
	}
	s := fmt.Sprintf("%d queue%s: %s", len(r.Queues), plural(len(r.Queues)), strings.Join(quoted, ", "))
	if r.Incomplete {
		s += " (and perhaps more: a plugin's exchange type is on the path)"
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
