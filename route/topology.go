// Package route works out where a message would go in one vhost of a
// RabbitMQ broker, from its exchanges, bindings and queues, without
// publishing anything: the bindings it matches at each exchange,
// exchange-to-exchange hops, alternate exchanges, and the queues it lands
// in. It also maps where a queue's dead letters go and which queues
// dead-letter into a queue.
//
// The rules are RabbitMQ 3.10's (rabbit_exchange:route/2 and the direct,
// fanout, topic and headers exchange types), checked against a real broker
// by a property test. The package is pure: no client library, no I/O.
//
// Names in every type here are raw, exactly as the broker has them:
// escape them (and Finding texts, which quote them) before drawing.
package route

// Exchange types the tracer knows. Any other type is a plugin's (for
// example x-consistent-hash) and is reported as unknown.
const (
	Direct  = "direct"
	Fanout  = "fanout"
	Topic   = "topic"
	Headers = "headers"
)

// Exchange is one exchange of the vhost. Name "" is the default exchange.
type Exchange struct {
	Name      string
	Type      string
	Internal  bool
	Arguments map[string]any
	// Policy names the policy in force ("" for none) and PolicyDefinition
	// is its definition; policies can set alternate-exchange.
	Policy           string
	PolicyDefinition map[string]any
}

// Queue is one queue of the vhost.
type Queue struct {
	Name      string
	Type      string // classic, quorum or stream
	Arguments map[string]any
	// Policy names the policy in force ("" for none); PolicyDefinition is
	// the effective definition (policy and operator policy merged, as the
	// management API reports it).
	Policy           string
	PolicyDefinition map[string]any
}

// Destination types of a binding.
const (
	ToQueue    = "queue"
	ToExchange = "exchange"
)

// Binding links a source exchange to a queue or an exchange.
type Binding struct {
	Source          string
	Destination     string
	DestinationType string // ToQueue or ToExchange
	Key             string
	Arguments       map[string]any
}

// Setting is one value read from arguments or a policy, and where from.
type Setting struct {
	Value string
	From  string // "argument" or "policy NAME"
	Set   bool
}

// setting reads key from arguments (argKey) first, then from the policy
// (polKey), as rabbit_policy:get_arg/3 and the queue argument lookups do:
// an argument beats a policy.
func setting(args map[string]any, argKey string, policy string, def map[string]any, polKey string) Setting {
	if v, ok := args[argKey]; ok {
		if s, ok := stringValue(v); ok {
			return Setting{Value: s, From: "argument", Set: true}
		}
	}
	if v, ok := def[polKey]; ok {
		if s, ok := stringValue(v); ok {
			return Setting{Value: s, From: "policy " + policy, Set: true}
		}
	}
	return Setting{}
}

// AlternateExchange is where the exchange sends what it routes nowhere.
func (x Exchange) AlternateExchange() Setting {
	return setting(x.Arguments, "alternate-exchange", x.Policy, x.PolicyDefinition, "alternate-exchange")
}

// DeadLetterExchange is where the queue's dead letters are published.
func (q Queue) DeadLetterExchange() Setting {
	return setting(q.Arguments, "x-dead-letter-exchange", q.Policy, q.PolicyDefinition, "dead-letter-exchange")
}

// DeadLetterRoutingKey replaces the dead letters' routing keys when set;
// otherwise they keep their own.
func (q Queue) DeadLetterRoutingKey() Setting {
	return setting(q.Arguments, "x-dead-letter-routing-key", q.Policy, q.PolicyDefinition, "dead-letter-routing-key")
}

// Topology is one vhost's exchanges, queues and bindings, indexed for
// tracing. Build it with New; it is read-only afterwards and safe to share.
type Topology struct {
	Vhost string
	// Notes say what the loader could not see (policies it may not read),
	// so that a trace can say what it may have missed.
	Notes     []string
	exchanges map[string]*Exchange
	queues    map[string]*Queue
	queueList []string // names in the order given
	out       map[string]*outgoing
	into      map[string][]Binding // queue name -> bindings into it
}

// outgoing is one exchange's bindings, indexed for its type.
type outgoing struct {
	kind   string // the source exchange's type
	all    []Binding
	direct map[string][]int // direct: key -> indexes into all
	topic  []topicPattern   // topic: parallel to all
}

type topicPattern struct {
	words []string
}

// New indexes a vhost. Bindings from the default exchange ("") are
// ignored: it routes to every queue by name, implicitly. The default
// exchange itself is added when exchanges lack it.
func New(vhost string, exchanges []Exchange, queues []Queue, bindings []Binding) *Topology {
	t := &Topology{Vhost: vhost, exchanges: make(map[string]*Exchange, len(exchanges)+1),
		queues: make(map[string]*Queue, len(queues)), out: map[string]*outgoing{}, into: map[string][]Binding{}}
	for i := range exchanges {
		x := exchanges[i]
		t.exchanges[x.Name] = &x
	}
	if _, ok := t.exchanges[""]; !ok {
		t.exchanges[""] = &Exchange{Name: "", Type: Direct}
	}
	for i := range queues {
		q := queues[i]
		if _, dup := t.queues[q.Name]; !dup {
			t.queueList = append(t.queueList, q.Name)
		}
		t.queues[q.Name] = &q
	}
	for _, b := range bindings {
		if b.Source == "" {
			continue
		}
		o := t.out[b.Source]
		if o == nil {
			o = &outgoing{}
			if x, ok := t.exchanges[b.Source]; ok {
				o.kind = x.Type
			}
			t.out[b.Source] = o
		}
		switch o.kind {
		case Direct:
			if o.direct == nil {
				o.direct = map[string][]int{}
			}
			o.direct[b.Key] = append(o.direct[b.Key], len(o.all))
		case Topic:
			o.topic = append(o.topic, topicPattern{words: splitTopic(b.Key)})
		}
		o.all = append(o.all, b)
		if b.DestinationType == ToQueue {
			t.into[b.Destination] = append(t.into[b.Destination], b)
		}
	}
	return t
}

// Exchange looks an exchange up by name.
func (t *Topology) Exchange(name string) (Exchange, bool) {
	x, ok := t.exchanges[name]
	if !ok {
		return Exchange{}, false
	}
	return *x, true
}

// Queue looks a queue up by name.
func (t *Topology) Queue(name string) (Queue, bool) {
	q, ok := t.queues[name]
	if !ok {
		return Queue{}, false
	}
	return *q, true
}

// Queues lists the queues' names in the order New was given them.
func (t *Topology) Queues() []string { return append([]string(nil), t.queueList...) }

// BindingsInto lists the explicit bindings into a queue (not the default
// exchange's implicit one).
func (t *Topology) BindingsInto(queue string) []Binding {
	return append([]Binding(nil), t.into[queue]...)
}

// BindingCount is the number of explicit bindings indexed.
func (t *Topology) BindingCount() int {
	n := 0
	for _, o := range t.out {
		n += len(o.all)
	}
	return n
}
