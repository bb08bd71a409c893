package mgmt

import "github.com/warren-tui/warren/message"

// Everything the API returns is hostile text: a producer names queues and
// connections, sets arguments and client properties. The names warren
// sends back to address the broker (vhost, queue and exchange names,
// binding ends, routing and properties keys, connection names) must stay
// exactly as the broker has them, so they are kept raw and the UI escapes
// them where it draws them. Every other string is only ever shown, so it
// is escaped here, as it is decoded: then it cannot reach a terminal as
// control sequences by any path (the UI, an error on stderr, a log).

// escaped is s made safe for display (message.Escape).
func escaped(s string) string { return message.Escape(s) }

// escapedTable is an argument or policy table with every key and string
// value escaped for display, nested tables and arrays included. It copies
// only when something needed escaping.
func escapedTable(m map[string]any) map[string]any {
	if m == nil || tableClean(m) {
		return m
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[escaped(k)] = escapedValue(v)
	}
	return out
}

func escapedValue(v any) any {
	switch x := v.(type) {
	case string:
		return escaped(x)
	case map[string]any:
		return escapedTable(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = escapedValue(e)
		}
		return out
	}
	return v
}

func tableClean(m map[string]any) bool {
	for k, v := range m {
		if escaped(k) != k || !valueClean(v) {
			return false
		}
	}
	return true
}

func valueClean(v any) bool {
	switch x := v.(type) {
	case string:
		return escaped(x) == x
	case map[string]any:
		return tableClean(x)
	case []any:
		for _, e := range x {
			if !valueClean(e) {
				return false
			}
		}
	}
	return true
}

// escapedAll escapes each string of a list that is only shown.
func escapedAll(ss []string) []string {
	for i, s := range ss {
		if e := escaped(s); e != s {
			out := append([]string(nil), ss...)
			for j := i; j < len(out); j++ {
				out[j] = escaped(out[j])
			}
			return out
		}
	}
	return ss
}
