package ui

import (
	"testing"

	"github.com/warren-tui/warren/message"
)

func TestLiveFilter(t *testing.T) {
	m := message.Message{RoutingKey: "order.created.eu", Headers: map[string]any{"tenant": "shop-eu", "n": int32(3)},
		Body: []byte(`{"customer":{"country":"PT"},"total":12.5,"note":"Urgent"}`)}
	cases := []struct {
		expr string
		want bool
	}{
		{"", true}, {"urgent", true}, {"created", true}, {"nothing", false},
		{"rk:order.*", false}, {"rk:order.*.*", true}, {"rk:order.#", true}, {"rk:#", true}, {"rk:#.eu", true}, {"rk:order.created", false},
		{"h:tenant=shop-eu", true}, {"h:tenant=other", false}, {"h:n=3", true},
		{"json:customer.country=PT", true}, {"json:total=12.5", true}, {"json:customer.country=ES", false}, {"json:missing=x", false},
		{"body:TOTAL", true},
	}
	for _, c := range cases {
		f, err := parseLiveFilter(c.expr)
		if err != nil {
			t.Errorf("%q: %v", c.expr, err)
			continue
		}
		if got := f.match(m); got != c.want {
			t.Errorf("%q matched = %v, want %v", c.expr, got, c.want)
		}
	}
	for _, bad := range []string{"h:tenant", "json:=x", "rk:"} {
		if _, err := parseLiveFilter(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzLiveFilter(f *testing.F) {
	for _, s := range []string{"rk:a.#.b", "h:x=y", "json:a.b=1", "body:x", "plain"} {
		f.Add(s, "a.b.c", []byte(`{"a":{"b":1}}`))
	}
	f.Fuzz(func(t *testing.T, expr, rk string, body []byte) {
		lf, err := parseLiveFilter(expr)
		if err != nil {
			return
		}
		lf.match(message.Message{RoutingKey: rk, Body: body, Headers: map[string]any{"x": "y"}})
	})
}
