package pulse

// topology indexes a snapshot's exchanges and the bindings out of each,
// for the exchange rules (where dead letters go is route's work).
type topology struct {
	exchanges map[qkey]Exchange
	bySource  map[qkey][]Binding
}

func newTopology(s Snapshot) *topology {
	t := &topology{exchanges: map[qkey]Exchange{}, bySource: map[qkey][]Binding{}}
	for _, x := range s.Exchanges {
		t.exchanges[qkey{x.Vhost, x.Name}] = x
	}
	for _, b := range s.Bindings {
		t.bySource[qkey{b.Vhost, b.Source}] = append(t.bySource[qkey{b.Vhost, b.Source}], b)
	}
	return t
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
