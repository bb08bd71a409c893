package route

import (
	"fmt"
	"slices"
	"strings"
)

// FindingKind names a kind of dead-letter problem. The pulse view and the
// dead-letter map use the same kinds and the same words.
type FindingKind string

const (
	// FindingDLXMissing: a queue's dead-letter exchange does not exist.
	FindingDLXMissing FindingKind = "dead-letter exchange missing"
	// FindingDeadLettersDropped: the dead-letter exchange routes the dead
	// letters to no queue.
	FindingDeadLettersDropped FindingKind = "dead letters dropped"
	// FindingDeadLetterCycle: dead letters come back round to a queue they
	// died in.
	FindingDeadLetterCycle FindingKind = "dead-letter cycle"
)

// Finding is one dead-letter problem. Text quotes broker names raw:
// escape it before drawing.
type Finding struct {
	Kind   FindingKind
	Queues []string // the queue(s) concerned; for a cycle, the cycle in order
	Text   string
}

// DLXMissingText is the words for a dead-letter exchange that does not exist.
func DLXMissingText(queue, dlx string) string {
	return fmt.Sprintf("queue %q dead-letters to exchange %q, which does not exist: its dead letters are dropped", queue, dlx)
}

// DeadLettersDroppedText is the words for a dead-letter exchange that
// routes the dead letters to no queue. keys are the routing keys tried;
// ownKey says they are the messages' own (no dead-letter routing key).
func DeadLettersDroppedText(queue, dlx string, keys []string, ownKey bool) string {
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = fmt.Sprintf("%q", k)
	}
	with := "with key " + strings.Join(quoted, ", ")
	if ownKey {
		with = "with the messages' own routing keys (tried " + strings.Join(quoted, ", ") + ")"
	}
	return fmt.Sprintf("queue %q dead-letters to exchange %q %s, which routes them to no queue: its dead letters are dropped", queue, displayExchange(dlx), with)
}

// DeadLetterCycleText is the words for a dead-letter cycle; cycle lists
// the queues in order, the first again at the end.
func DeadLetterCycleText(cycle []string) string {
	quoted := make([]string, len(cycle))
	for i, q := range cycle {
		quoted[i] = fmt.Sprintf("%q", q)
	}
	return fmt.Sprintf("dead-letter cycle %s: a message that expires or overflows all the way round is dropped by the broker; one rejected on the way goes round again",
		strings.Join(quoted, " → "))
}

func displayExchange(name string) string {
	if name == "" {
		return "(default)"
	}
	return name
}

// DeadLetters is where one queue's dead letters go.
type DeadLetters struct {
	Queue      string
	Exchange   Setting // the dead-letter exchange
	RoutingKey Setting // unset: dead letters keep their own routing keys
	// Reasons are the ways messages die in this queue: rejected and
	// expired always; maxlen with a length limit that drops or
	// dead-letters; delivery_limit on a quorum queue with a limit.
	Reasons []string
	// Routes are the traces from the dead-letter exchange: one for a
	// dead-letter routing key; with the messages' own keys, one per key
	// that binds the queue (and its name, the default exchange's key).
	Routes []KeyRoute
	// Queues are the queues the dead letters reach, over every route.
	Queues []string
	// Missing is set when the dead-letter exchange does not exist.
	Missing bool
}

// KeyRoute is the trace of dead letters with one routing key.
type KeyRoute struct {
	Key    string
	Result Result
}

// maxOwnKeys bounds how many of a queue's binding keys are traced for
// dead letters that keep their own key.
const maxOwnKeys = 8

// DeadLetters says where a queue's dead letters go; ok is false for a
// queue without a dead-letter exchange (or a stream, which never
// dead-letters) and for an unknown queue.
func (t *Topology) DeadLetters(queue string) (DeadLetters, bool) {
	q, ok := t.queues[queue]
	if !ok || q.Type == "stream" {
		return DeadLetters{}, false
	}
	dlx := q.DeadLetterExchange()
	if !dlx.Set {
		return DeadLetters{}, false
	}
	d := DeadLetters{Queue: queue, Exchange: dlx, RoutingKey: q.DeadLetterRoutingKey(), Reasons: reasons(q)}
	if _, ok := t.exchanges[dlx.Value]; !ok {
		d.Missing = true
		return d, true
	}
	all := map[string]bool{}
	for _, k := range t.deadLetterKeys(q, d.RoutingKey) {
		r := t.trace(Publish{Exchange: dlx.Value, RoutingKey: k}, ViaDeadLetter)
		d.Routes = append(d.Routes, KeyRoute{Key: k, Result: r})
		for _, name := range r.Queues {
			all[name] = true
		}
	}
	d.Queues = sortedKeys(all)
	return d, true
}

// deadLetterKeys are the routing keys to trace dead letters with: the
// dead-letter routing key, or else the keys messages plausibly arrived
// with (those binding the queue, and its name).
func (t *Topology) deadLetterKeys(q *Queue, dlrk Setting) []string {
	if dlrk.Set {
		return []string{dlrk.Value}
	}
	keys := []string{q.Name}
	for _, b := range t.into[q.Name] {
		if len(keys) == maxOwnKeys {
			break
		}
		if !slices.Contains(keys, b.Key) {
			keys = append(keys, b.Key)
		}
	}
	return keys
}

// Keys lists the routing keys traced, for words.
func (d DeadLetters) Keys() []string {
	keys := make([]string, len(d.Routes))
	for i, r := range d.Routes {
		keys[i] = r.Key
	}
	return keys
}

// Finding is the dead end of this queue's dead letters, if they have one.
func (d DeadLetters) Finding() (Finding, bool) {
	switch {
	case d.Missing:
		return Finding{Kind: FindingDLXMissing, Queues: []string{d.Queue}, Text: DLXMissingText(d.Queue, d.Exchange.Value)}, true
	case len(d.Queues) == 0 && !d.incomplete():
		return Finding{Kind: FindingDeadLettersDropped, Queues: []string{d.Queue},
			Text: DeadLettersDroppedText(d.Queue, d.Exchange.Value, d.Keys(), !d.RoutingKey.Set)}, true
	}
	return Finding{}, false
}

func (d DeadLetters) incomplete() bool {
	for _, r := range d.Routes {
		if r.Result.Incomplete {
			return true
		}
	}
	return false
}

func reasons(q *Queue) []string {
	out := []string{"rejected", "expired"}
	get := func(arg, pol string) (any, bool) {
		if v, ok := q.Arguments[arg]; ok {
			return v, true
		}
		v, ok := q.PolicyDefinition[pol]
		return v, ok
	}
	_, maxLen := get("x-max-length", "max-length")
	_, maxBytes := get("x-max-length-bytes", "max-length-bytes")
	overflow, _ := get("x-overflow", "overflow")
	if (maxLen || maxBytes) && overflow != "reject-publish" {
		out = append(out, "maxlen")
	}
	if q.Type == "quorum" {
		if _, ok := get("x-delivery-limit", "delivery-limit"); ok {
			out = append(out, "delivery_limit")
		}
	}
	return out
}

// DeadLetterMap is a queue's place in the vhost's dead-lettering.
type DeadLetterMap struct {
	Queue string
	// Chain is where this queue's dead letters go, then where the dead
	// letters of each queue they reach go in turn, breadth-first, each
	// queue once. Empty when the queue does not dead-letter.
	Chain []DeadLetters
	// FedBy are the queues whose dead letters reach this queue.
	FedBy []Feeder
	// Findings are the dead ends and cycles along the chain.
	Findings []Finding
}

// Feeder is a queue whose dead letters reach another.
type Feeder struct {
	Queue    string
	Exchange string   // its dead-letter exchange
	Keys     []string // the routing keys that reach the queue
	OwnKey   bool     // the keys are the messages' own
}

// DeadLetterMap maps where a queue's dead letters go, hop by hop, which
// queues dead-letter into it, and the dead ends and cycles on the way.
func (t *Topology) DeadLetterMap(queue string) DeadLetterMap {
	m := DeadLetterMap{Queue: queue}
	graph := map[string][]string{}
	seen := map[string]bool{queue: true}
	next := []string{queue}
	for len(next) > 0 {
		name := next[0]
		next = next[1:]
		d, ok := t.DeadLetters(name)
		if !ok {
			continue
		}
		m.Chain = append(m.Chain, d)
		if f, ok := d.Finding(); ok {
			m.Findings = append(m.Findings, f)
		}
		graph[name] = d.Queues
		for _, q := range d.Queues {
			if !seen[q] {
				seen[q] = true
				next = append(next, q)
			}
		}
	}
	for _, c := range cycles(graph, []string{queue}) {
		m.Findings = append(m.Findings, Finding{Kind: FindingDeadLetterCycle, Queues: c, Text: DeadLetterCycleText(c)})
	}
	m.FedBy = t.FedBy(queue)
	return m
}

// FedBy lists the queues whose dead letters reach queue, in the order of
// Queues().
func (t *Topology) FedBy(queue string) []Feeder {
	var out []Feeder
	for _, name := range t.queueList {
		d, ok := t.DeadLetters(name)
		if !ok || d.Missing {
			continue
		}
		f := Feeder{Queue: name, Exchange: d.Exchange.Value, OwnKey: !d.RoutingKey.Set}
		for _, r := range d.Routes {
			if slices.Contains(r.Result.Queues, queue) {
				f.Keys = append(f.Keys, r.Key)
			}
		}
		if len(f.Keys) > 0 {
			out = append(out, f)
		}
	}
	return out
}

// DeadLetterFindings are every dead end and cycle of the vhost's
// dead-lettering, for a pulse of the whole broker.
func (t *Topology) DeadLetterFindings() []Finding {
	var out []Finding
	graph := map[string][]string{}
	for _, name := range t.queueList {
		d, ok := t.DeadLetters(name)
		if !ok {
			continue
		}
		if f, ok := d.Finding(); ok {
			out = append(out, f)
		}
		graph[name] = d.Queues
	}
	for _, c := range cycles(graph, t.queueList) {
		out = append(out, Finding{Kind: FindingDeadLetterCycle, Queues: c, Text: DeadLetterCycleText(c)})
	}
	return out
}

// cycles finds the cycles reachable from roots in a graph of queues, each
// once, as a list starting at its least name and ending with it again.
// Depth-first search reports one cycle per back edge, which finds at
// least one cycle in every loop of queues.
func cycles(graph map[string][]string, roots []string) [][]string {
	const (
		white = iota
		grey
		black
	)
	colour := map[string]int{}
	var stack []string
	found := map[string]bool{}
	var out [][]string
	var visit func(string)
	visit = func(n string) {
		colour[n] = grey
		stack = append(stack, n)
		for _, m := range graph[n] {
			switch colour[m] {
			case white:
				visit(m)
			case grey:
				i := slices.Index(stack, m)
				c := canonical(stack[i:])
				if key := strings.Join(c, "\x00"); !found[key] {
					found[key] = true
					out = append(out, c)
				}
			}
		}
		stack = stack[:len(stack)-1]
		colour[n] = black
	}
	for _, r := range roots {
		if colour[r] == white {
			visit(r)
		}
	}
	return out
}

// canonical rotates a cycle to start at its least name and closes it.
func canonical(c []string) []string {
	least := 0
	for i, n := range c {
		if n < c[least] {
			least = i
		}
	}
	out := append(append([]string{}, c[least:]...), c[:least]...)
	return append(out, out[0])
}
