package route

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"time"
)

// splitTopic splits a routing or binding key into words as the broker
// does: "" has no words, and every "." separates two (possibly empty)
// words, so "a." is ["a", ""].
func splitTopic(key string) []string {
	if key == "" {
		return nil
	}
	return strings.Split(key, ".")
}

// topicMatch reports whether a binding key's words match a routing key's:
// "*" matches exactly one word (an empty one too), "#" zero or more.
func topicMatch(pattern, words []string) bool {
	for len(pattern) > 0 {
		p := pattern[0]
		if p == "#" {
			rest := pattern[1:]
			for len(rest) > 0 && rest[0] == "#" { // "#.#" is "#"
				rest = rest[1:]
			}
			if len(rest) == 0 {
				return true
			}
			for i := 0; i <= len(words); i++ {
				if topicMatch(rest, words[i:]) {
					return true
				}
			}
			return false
		}
		if len(words) == 0 || (p != "*" && p != words[0]) {
			return false
		}
		pattern, words = pattern[1:], words[1:]
	}
	return len(words) == 0
}

// Headers-exchange match kinds (x-match).
const (
	MatchAll        = "all"
	MatchAny        = "any"
	MatchAllWithX   = "all-with-x"
	MatchAnyWithX   = "any-with-x"
	xMatch          = "x-match"
	defaultMatchKey = MatchAll
)

// matchKind is the binding's x-match; like the broker, anything but one
// of the four known strings counts as "all".
func matchKind(args map[string]any) string {
	if s, ok := args[xMatch].(string); ok {
		switch s {
		case MatchAll, MatchAny, MatchAllWithX, MatchAnyWithX:
			return s
		}
	}
	return defaultMatchKey
}

// headersMatch is rabbit_exchange_type_headers:headers_match/2: every
// binding argument but x-match (and, unless x-match ends in -with-x,
// every other argument starting with "x-") is compared with the message
// header of the same name. A binding argument with no value (void)
// matches the header's presence. "all" needs every compared argument to
// match (and so matches everything when there are none), "any" needs one.
// why says which arguments decided it.
func headersMatch(args map[string]any, headers map[string]any) (ok bool, why string) {
	kind := matchKind(args)
	withX := kind == MatchAllWithX || kind == MatchAnyWithX
	all := kind == MatchAll || kind == MatchAllWithX
	keys := make([]string, 0, len(args))
	for k := range args {
		if k == xMatch || (!withX && strings.HasPrefix(k, "x-")) {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var hit, miss []string
	for _, k := range keys {
		pv := args[k]
		dv, present := headers[k]
		switch {
		case !present:
			miss = append(miss, k+" absent")
		case pv == nil:
			hit = append(hit, k+" present")
		case valuesEqual(pv, dv):
			hit = append(hit, fmt.Sprintf("%s=%s", k, showValue(pv)))
		default:
			miss = append(miss, fmt.Sprintf("%s≠%s", k, showValue(pv)))
		}
	}
	if all {
		if len(miss) > 0 {
			return false, ""
		}
		if len(hit) == 0 {
			return true, "x-match " + kind + " with nothing to compare: matches every message"
		}
		return true, "x-match " + kind + ": " + strings.Join(hit, ", ")
	}
	if len(hit) == 0 {
		return false, ""
	}
	return true, "x-match " + kind + ": " + strings.Join(hit, ", ")
}

// valuesEqual compares two header values as Erlang's == compares the
// broker's terms: strings and byte strings by their bytes, numbers by
// value whatever their width (1 equals 1.0), booleans as booleans. Arrays
// and tables compare element by element (the broker also compares their
// elements' AMQP types, which JSON from the management API cannot carry).
func valuesEqual(a, b any) bool {
	an, aNum := number(a)
	bn, bNum := number(b)
	if aNum || bNum {
		return aNum && bNum && an.equal(bn)
	}
	as, aStr := stringValue(a)
	bs, bStr := stringValue(b)
	if aStr || bStr {
		return aStr && bStr && as == bs
	}
	switch av := a.(type) {
	case bool:
		bv, ok := b.(bool)
		return ok && av == bv
	case nil:
		return b == nil
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for i := range av {
			if !valuesEqual(av[i], bv[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for k, v := range av {
			w, ok := bv[k]
			if !ok || !valuesEqual(v, w) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// num is a number that keeps integers exact.
type num struct {
	i     int64
	f     float64
	isInt bool
}

func (a num) equal(b num) bool {
	if a.isInt && b.isInt {
		return a.i == b.i
	}
	return a.float() == b.float()
}

func (a num) float() float64 {
	if a.isInt {
		return float64(a.i)
	}
	return a.f
}

func number(v any) (num, bool) {
	switch n := v.(type) {
	case int:
		return num{i: int64(n), isInt: true}, true
	case int8:
		return num{i: int64(n), isInt: true}, true
	case int16:
		return num{i: int64(n), isInt: true}, true
	case int32:
		return num{i: int64(n), isInt: true}, true
	case int64:
		return num{i: n, isInt: true}, true
	case uint8:
		return num{i: int64(n), isInt: true}, true
	case uint16:
		return num{i: int64(n), isInt: true}, true
	case uint32:
		return num{i: int64(n), isInt: true}, true
	case uint64:
		if n <= math.MaxInt64 {
			return num{i: int64(n), isInt: true}, true
		}
		return num{f: float64(n)}, true
	case float32:
		return num{f: float64(n)}, true
	case time.Time: // an AMQP timestamp is its seconds to the broker
		return num{i: n.Unix(), isInt: true}, true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return num{i: int64(n), isInt: true}, true
		}
		return num{f: n}, true
	}
	return num{}, false
}

func stringValue(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case []byte:
		return string(s), true
	}
	return "", false
}

// showValue is a short text of a header value for a match's reason.
func showValue(v any) string {
	if s, ok := stringValue(v); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}
