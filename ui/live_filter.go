package ui

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/warren-tui/warren/message"
)

// liveFilter picks the pane rows to show. Syntax:
//
//	rk:order.*        routing key, AMQP topic pattern (* one word, # any)
//	h:tenant=shop-eu  a header's value
//	json:a.b=value    a JSON body field (dot path)
//	body:text / text  case-insensitive text in the body or routing key
type liveFilter struct {
	expr  string
	match func(m message.Message) bool
}

// maxFilterBody bounds how much of a body a text filter reads.
const maxFilterBody = 64 << 10

func parseLiveFilter(expr string) (liveFilter, error) {
	expr = strings.TrimSpace(expr)
	f := liveFilter{expr: expr}
	kind, arg, hasKind := strings.Cut(expr, ":")
	if !hasKind || !map[string]bool{"rk": true, "h": true, "json": true, "body": true}[kind] {
		kind, arg = "text", expr
	}
	switch kind {
	case "text", "body":
		needle := strings.ToLower(arg)
		f.match = func(m message.Message) bool {
			if needle == "" {
				return true
			}
			if kind == "text" && strings.Contains(strings.ToLower(m.RoutingKey), needle) {
				return true
			}
			b := m.Body
			if len(b) > maxFilterBody {
				b = b[:maxFilterBody]
			}
			return strings.Contains(strings.ToLower(string(b)), needle)
		}
	case "rk":
		re, err := topicRegexp(arg)
		if err != nil {
			return f, err
		}
		f.match = func(m message.Message) bool { return re.MatchString(m.RoutingKey) }
	case "h", "json":
		name, want, ok := strings.Cut(arg, "=")
		if !ok || name == "" {
			return f, fmt.Errorf("filter %s: write %s:NAME=VALUE", kind, kind)
		}
		if kind == "h" {
			f.match = func(m message.Message) bool {
				v, ok := m.Headers[name]
				return ok && message.FormatValue(v) == want
			}
		} else {
			path := strings.Split(name, ".")
			f.match = func(m message.Message) bool { return jsonField(m.Body, path) == want }
		}
	}
	return f, nil
}

// topicRegexp turns an AMQP topic pattern into a regular expression.
func topicRegexp(p string) (*regexp.Regexp, error) {
	if p == "" {
		return nil, fmt.Errorf("filter rk: give a pattern, e.g. rk:order.*")
	}
	words := strings.Split(p, ".")
	var b strings.Builder
	b.WriteString("^")
	for i, w := range words {
		switch w {
		case "#":
			if i == 0 {
				b.WriteString(`(?:[^.]*(?:\.[^.]*)*)?`)
			} else {
				b.WriteString(`(?:\.[^.]*)*`)
			}
			continue
		case "*":
			if i > 0 {
				b.WriteString(`\.`)
			}
			b.WriteString(`[^.]*`)
			continue
		}
		if i > 0 {
			b.WriteString(`\.`)
		}
		b.WriteString(regexp.QuoteMeta(w))
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// jsonField reads a dot path from a JSON object body as text; "" when the
// body is not JSON or has no such field.
func jsonField(body []byte, path []string) string {
	if len(body) == 0 || len(body) > maxFilterBody || (body[0] != '{' && body[0] != ' ') {
		return ""
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	for _, p := range path {
		obj, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = obj[p]
	}
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	default:
		out, _ := json.Marshal(t)
		return string(out)
	}
}
