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
// at once, each with only the columns it needs and without statistics, so the
// broker computes no rates. Names and arguments stay raw here: they
// address the broker and decide routing; escape what you draw.
//
// A user who may not read policies (they need the policymaker tag) still
// gets a topology; its Notes say that settings made by policy are unseen.
func (c *Client) Topology(ctx context.Context, vhost string) (*route.Topology, error) {
	cl := call{what: fmt.Sprintf("the topology of vhost %q", vhost)}
	exchangeQ := url.Values{"columns": {"name,type,internal,arguments,policy"}, "disable_stats": {"true"}}
	queueQ := url.Values{"columns": {"name,type,arguments,policy"}, "disable_stats": {"true"}}
	var (
		xs   []topoExchangeJSON
		qs   []topoQueueJSON
		bs   []topoBindingJSON
		ps   []topoPolicyJSON
		errs [4]error
		wg   sync.WaitGroup
	)
	// The four listings are independent: ask for them at once.
	for i, f := range []func() error{
		func() error { return c.get(ctx, cl, "/api/exchanges/"+esc(vhost), exchangeQ, &xs) },
		func() error { return c.get(ctx, cl, "/api/queues/"+esc(vhost), queueQ, &qs) },
		func() error { return c.get(ctx, cl, "/api/bindings/"+esc(vhost), nil, &bs) },
		func() error { return c.get(ctx, cl, "/api/policies/"+esc(vhost), nil, &ps) },
	} {
		wg.Go(func() { errs[i] = f() })
	}
	wg.Wait()
	for _, err := range errs[:3] {
		if err != nil {
			return nil, err
		}
	}
	var notes []string
	if errors.Is(errs[3], ErrForbidden) {
		notes = append(notes, "this user may not read policies: alternate and dead-letter exchanges set by policy are not seen")
	} else if errs[3] != nil {
		return nil, errs[3]
	}
	defs := map[string]map[string]any{}
	for _, p := range ps {
		defs[p.Name] = p.Definition
	}
	exchanges := make([]route.Exchange, 0, len(xs))
	for _, x := range xs {
		exchanges = append(exchanges, route.Exchange{Name: x.Name, Type: string(x.Type), Internal: bool(x.Internal),
			Arguments: x.Arguments, Policy: string(x.Policy), PolicyDefinition: defs[string(x.Policy)]})
	}
	queues := make([]route.Queue, 0, len(qs))
	for _, q := range qs {
		queues = append(queues, route.Queue{Name: q.Name, Type: string(q.Type), Arguments: q.Arguments,
			Policy: string(q.Policy), PolicyDefinition: defs[string(q.Policy)]})
	}
	bindings := make([]route.Binding, 0, len(bs))
	for _, b := range bs {
		if b.Source == "" {
			continue // the default exchange's implicit bindings: route knows them
		}
		bindings = append(bindings, route.Binding{Source: b.Source, Destination: b.Destination,
			DestinationType: string(b.DestinationType), Key: b.RoutingKey, Arguments: voidArguments(b.Arguments)})
	}
	t := route.New(vhost, exchanges, queues, bindings)
	t.Notes = notes
	return t, nil
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
		v[k] = exactNumbers(x)
	}
	*m = v
	return nil
}

func exactNumbers(v any) any {
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
			x[i] = exactNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = exactNumbers(x[k])
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
