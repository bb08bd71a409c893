package ui

import (
	"reflect"
	"strings"
	"testing"

	"github.com/warren-tui/warren/mgmt"
)

func TestCount(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 12: "12", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := count(in); got != want {
			t.Errorf("count(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestRate(t *testing.T) {
	cases := []struct {
		v     float64
		known bool
		want  string
	}{{0, false, "-"}, {0, true, "0"}, {0.25, true, "0.2"}, {9.96, true, "10.0"}, {42.4, true, "42"}, {12345, true, "12.3k"}}
	for _, c := range cases {
		if got := rate(c.v, c.known); got != c.want {
			t.Errorf("rate(%v,%v) = %q, want %q", c.v, c.known, got, c.want)
		}
	}
}

func TestBytesAndAge(t *testing.T) {
	if got := bytesIEC(1536); got != "1.5 KiB" {
		t.Errorf("bytesIEC(1536) = %q", got)
	}
	if got := bytesIEC(100); got != "100 B" {
		t.Errorf("bytesIEC(100) = %q", got)
	}
	if got := age(26 * 3600e9); got != "1d2h" {
		t.Errorf("age(26h) = %q", got)
	}
}

func TestParseCommand(t *testing.T) {
	cases := map[string]command{
		"qu": {name: "queues"}, "queues": {name: "queues"}, "ex": {name: "exchanges"}, "bi": {name: "bindings"},
		"co": {name: "connections"}, "no": {name: "nodes"}, "q": {name: "quit"},
		"vhost orders": {name: "vhost", arg: "orders"}, "ctx prod eu": {name: "ctx", arg: "prod eu"},
	}
	for in, want := range cases {
		got, err := parseCommand(in)
		if err != nil || got != want {
			t.Errorf("parseCommand(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	if _, err := parseCommand("nope"); err == nil || !strings.Contains(err.Error(), ":nope") {
		t.Errorf("unknown command error = %v", err)
	}
}

func TestComplete(t *testing.T) {
	vh, ctx := []string{"/", "orders", "ops"}, []string{"local", "prod"}
	cases := []struct{ in, want string }{
		{"qu", "qu"}, {"que", "queues "}, {"e", "exchanges "}, {"c", "c"}, {"co", "connections "},
		{"vhost or", "vhost orders "}, {"vhost o", "vhost o"}, {"ctx p", "ctx prod "}, {"zz", "zz"},
	}
	for _, c := range cases {
		if got, _ := complete(c.in, vh, ctx); got != c.want {
			t.Errorf("complete(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if _, m := complete("vhost o", vh, ctx); !reflect.DeepEqual(m, []string{"ops", "orders"}) {
		t.Errorf("candidates = %v", m)
	}
}

func TestPageLocally(t *testing.T) {
	names := []string{"b", "a", "c", "ab", "d"}
	id := func(s string) string { return s }
	p, err := pageLocally(names, mgmt.ListOptions{PageSize: 2, Page: 2, Filter: "^[abc]"}, id)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Items, []string{"b", "c"}) || p.PageCount != 2 || p.FilteredCount != 4 || p.TotalCount != 5 {
		t.Fatalf("page = %+v", p)
	}
	if _, err := pageLocally(names, mgmt.ListOptions{Filter: "("}, id); err == nil {
		t.Fatal("a bad regex should be an error")
	}
}

func TestExpandTabs(t *testing.T) {
	col := 0
	a := expandTabs("ab\tc", &col)
	b := expandTabs("\t注\td", &col)
	if want := "ab      c"; a != want {
		t.Errorf("first span = %q, want %q", a, want)
	}
	if want := "       注      d"; b != want { // stops at 16 and 24; 注 is two wide
		t.Errorf("second span = %q, want %q", b, want)
	}
	if col != 25 {
		t.Errorf("col = %d, want 25", col)
	}
}
