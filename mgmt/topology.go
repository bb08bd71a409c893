package mgmt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/warren-tui/warren/route"
)

// Topology loads what route needs to trace messages in one vhost: every
// exchange (type, internal, arguments, policy), every queue (type,
// arguments, policy) and every binding, with the policies' definitions
// for alternate and dead-letter exchanges set by policy. Four requests
// at once, each with only the columns it needs and without statistics,
// so the broker computes no rates. Names and arguments stay raw here:
// they address the broker and decide routing; escape what you draw.
//
// The binding listing is the costly part on a large vhost (about 1.3 s of
// the broker's time for 10,000 bindings): RouteTopology reads only the
// bindings a trace or a dead-letter map can meet.
//
// A user who may not read policies (they need the policymaker tag) still
// gets a topology; its Notes say that settings made by policy are unseen.
func (c *Client) Topology(ctx context.Context, vhost string) (*route.Topology, error) {
	l, err := c.topologyLists(ctx, vhost, true)
	if err != nil {
		return nil, err
	}
	return l.topology(vhost), nil
}

// Past these, RouteTopology reads the vhost's whole binding listing
// instead of one listing per exchange or queue.
const (
	maxScopedExchanges = 48
	maxScopedQueues    = 16
	scopedConcurrency  = 4
)

// RouteTopology is Topology with only the bindings that matter to traces
// from the exchanges named in from and, when deadLetters is set, to the
// dead letters of every queue: the bindings out of each exchange such a
// message can reach (through exchange-to-exchange bindings and alternate
// exchanges, whether or not a given message takes them), and the bindings
// into each queue whose dead letters keep their own routing key (route
// traces those with the keys that bind the queue). Each exchange's and
// queue's bindings are one small request; when more than a few dozen would
// be needed, the vhost's whole binding listing is read instead.
func (c *Client) RouteTopology(ctx context.Context, vhost string, from []string, deadLetters bool) (*route.Topology, error) {
	l, err := c.topologyLists(ctx, vhost, false)
	if err != nil {
		return nil, err
	}
	base := l.topology(vhost) // exchanges and queues, no bindings yet
	seeds := append([]string(nil), from...)
	var ownKey []string
	if deadLetters {
		for _, name := range base.Queues() {
			d, ok := base.DeadLetters(name)
			if !ok {
				continue
			}
			seeds = append(seeds, d.Exchange.Value)
			if !d.RoutingKey.Set {
				ownKey = append(ownKey, name)
			}
		}
	}
	if len(ownKey) > maxScopedQueues {
		return c.Topology(ctx, vhost)
	}
	cl := call{what: fmt.Sprintf("the bindings of vhost %q", vhost)}
	seen := map[string]bool{"": true} // the default exchange has no explicit bindings
	var frontier []string
	add := func(x string) {
		if _, ok := base.Exchange(x); ok && !seen[x] {
			seen[x] = true
			frontier = append(frontier, x)
		}
	}
	for _, x := range seeds {
		add(x)
	}
	fetched := 0
	for len(frontier) > 0 {
		if fetched+len(frontier) > maxScopedExchanges {
			return c.Topology(ctx, vhost)
		}
		batch := frontier
		frontier = nil
		fetched += len(batch)
		paths := make([]string, len(batch))
		for i, x := range batch {
			paths[i] = "/api/exchanges/" + esc(vhost) + "/" + esc(x) + "/bindings/source"
		}
		got, err := c.getBindings(ctx, cl, paths)
		if err != nil {
			return nil, err
		}
		for i, x := range batch {
			for _, b := range got[i] {
				if string(b.DestinationType) == route.ToExchange {
					add(b.Destination)
				}
			}
			l.bindings = append(l.bindings, got[i]...)
			if ex, ok := base.Exchange(x); ok {
				if ae := ex.AlternateExchange(); ae.Set {
					add(ae.Value)
				}
			}
		}
	}
	paths := make([]string, len(ownKey))
	for i, q := range ownKey {
		paths[i] = "/api/queues/" + esc(vhost) + "/" + esc(q) + "/bindings"
	}
	got, err := c.getBindings(ctx, cl, paths)
	if err != nil {
		return nil, err
	}
	for _, bs := range got {
		l.bindings = append(l.bindings, bs...)
	}
	return l.topology(vhost), nil
}

// getBindings reads binding listings a few at a time; one that is gone
// (its exchange or queue deleted meanwhile) is empty.
func (c *Client) getBindings(ctx context.Context, cl call, paths []string) ([][]topoBindingJSON, error) {
	out := make([][]topoBindingJSON, len(paths))
	errs := make([]error, len(paths))
	sem := make(chan struct{}, scopedConcurrency)
	var wg sync.WaitGroup
	for i, p := range paths {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = c.get(ctx, cl, p, nil, &out[i])
			if errors.Is(errs[i], ErrNotFound) {
				errs[i], out[i] = nil, nil
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// topoLists is what the listings said.
type topoLists struct {
	xs       []topoExchangeJSON
	qs       []topoQueueJSON
	bindings []topoBindingJSON
	defs     map[string]map[string]any
	notes    []string
}

// topologyLists reads exchanges, queues and policies at once, and every
// binding when withBindings is set.
func (c *Client) topologyLists(ctx context.Context, vhost string, withBindings bool) (*topoLists, error) {
	cl := call{what: fmt.Sprintf("the topology of vhost %q", vhost)}
	exchangeQ := url.Values{"columns": {"name,type,internal,arguments,policy"}, "disable_stats": {"true"}}
	queueQ := url.Values{"columns": {"name,type,arguments,policy"}, "disable_stats": {"true"}}
	l := &topoLists{defs: map[string]map[string]any{}}
	var (
		ps   []topoPolicyJSON
		errs [4]error
		wg   sync.WaitGroup
	)
	calls := []func() error{
		func() error { return c.get(ctx, cl, "/api/exchanges/"+esc(vhost), exchangeQ, &l.xs) },
		func() error { return c.get(ctx, cl, "/api/queues/"+esc(vhost), queueQ, &l.qs) },
		func() error { return c.get(ctx, cl, "/api/policies/"+esc(vhost), nil, &ps) },
	}
	if withBindings {
		calls = append(calls, func() error { return c.get(ctx, cl, "/api/bindings/"+esc(vhost), nil, &l.bindings) })
	}
	// The listings are independent: ask for them at once.
	for i, f := range calls {
		wg.Go(func() { errs[i] = f() })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil && i != 2 {
			return nil, err
		}
	}
	if errors.Is(errs[2], ErrForbidden) {
		l.notes = append(l.notes, "this user may not read policies: alternate and dead-letter exchanges set by policy are not seen")
	} else if errs[2] != nil {
		return nil, errs[2]
	}
	for _, p := range ps {
		l.defs[p.Name] = p.Definition
	}
	return l, nil
}

// topology converts the listings; each binding counts once, however many
// listings held it.
func (l *topoLists) topology(vhost string) *route.Topology {
	exchanges := make([]route.Exchange, 0, len(l.xs))
	for _, x := range l.xs {
		exchanges = append(exchanges, route.Exchange{Name: x.Name, Type: string(x.Type), Internal: bool(x.Internal),
			Arguments: x.Arguments, Policy: string(x.Policy), PolicyDefinition: l.defs[string(x.Policy)]})
	}
	queues := make([]route.Queue, 0, len(l.qs))
	for _, q := range l.qs {
		queues = append(queues, route.Queue{Name: q.Name, Type: string(q.Type), Arguments: q.Arguments,
			Policy: string(q.Policy), PolicyDefinition: l.defs[string(q.Policy)]})
	}
	type bindingID struct{ source, dtype, destination, key, props string }
	once := map[bindingID]bool{}
	bindings := make([]route.Binding, 0, len(l.bindings))
	for _, b := range l.bindings {
		id := bindingID{b.Source, string(b.DestinationType), b.Destination, b.RoutingKey, b.PropertiesKey}
		if b.Source == "" || once[id] {
			continue // the default exchange's bindings are implicit: route knows them
		}
		once[id] = true
		bindings = append(bindings, route.Binding{Source: b.Source, Destination: b.Destination,
			DestinationType: string(b.DestinationType), Key: b.RoutingKey, Arguments: voidArguments(b.Arguments)})
	}
	t := route.New(vhost, exchanges, queues, bindings)
	t.Notes = l.notes
	return t
}

type topoExchangeJSON struct {
	Name      string     `json:"name"`
	Type      flexString `json:"type"`
	Internal  flexBool   `json:"internal"`
	Arguments rawTable   `json:"arguments"`
	Policy    flexString `json:"policy"`
}

type topoQueueJSON struct {
	Name      string     `json:"name"`
	Type      flexString `json:"type"`
	Arguments rawTable   `json:"arguments"`
	Policy    flexString `json:"policy"`
}

type topoBindingJSON struct {
	Source          string     `json:"source"`
	Destination     string     `json:"destination"`
	DestinationType flexString `json:"destination_type"`
	RoutingKey      string     `json:"routing_key"`
	Arguments       rawTable   `json:"arguments"`
	PropertiesKey   string     `json:"properties_key"`
}

type topoPolicyJSON struct {
	Name       string   `json:"name"`
	Definition rawTable `json:"definition"`
}

// rawTable is an arguments table as the broker sent it, unescaped, with
// integers kept exact (int64) and other numbers as float64; [] and null
// are an empty table.
type rawTable map[string]any

func (m *rawTable) UnmarshalJSON(d []byte) error {
	if len(d) == 0 || d[0] != '{' {
		*m = nil
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(d))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	for k, x := range v {
		v[k] = ExactNumbers(x)
	}
	*m = v
	return nil
}

// ExactNumbers turns the json.Numbers of a value decoded with UseNumber
// into int64 where the text is a whole number without a fraction or
// exponent, float64 otherwise, through arrays and objects: as RabbitMQ
// types the numbers of arguments and headers.
func ExactNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			f, _ := x.Float64()
			return f
		}
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = ExactNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = ExactNumbers(x[k])
		}
	}
	return v
}

// voidArguments turns the API's rendering of a void (valueless) binding
// argument, the string "undefined", back into nil: a headers binding
// argument without a value matches the header's presence. A binding
// argument that really is the string "undefined" looks the same in the
// API's JSON; taking it as void is the likelier reading.
func voidArguments(args map[string]any) map[string]any {
	for k, v := range args {
		if v == "undefined" {
			args[k] = nil
		}
	}
	return args
}
