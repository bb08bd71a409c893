package message

import (
	"errors"
	"strings"
	"testing"
)

// nest wraps leaf in n tables (t) or arrays (a), alternating as kinds says.
func nest(n int, kinds string, leaf any) any {
	v := leaf
	for i := n - 1; i >= 0; i-- {
		if kinds[i%len(kinds)] == 'a' {
			v = []any{v}
		} else {
			v = map[string]any{"d": v}
		}
	}
	return v
}

func wide(n int) map[string]any {
	t := make(map[string]any, n)
	for i := range n {
		t["k"+strings.Repeat("x", i%3)+string(rune('a'+i%26))+itoa(i)] = int64(i)
	}
	return t
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func TestCheckHeaders(t *testing.T) {
	many := make([]any, MaxHeaderEntries+1)
	for i := range many {
		many[i] = int64(i)
	}
	cases := []struct {
		name    string
		h       map[string]any
		path    string // "" with ok
		depth   int
		entries int
		ok      bool
	}{
		{name: "none", h: nil, ok: true},
		{name: "flat", h: map[string]any{"a": "b", "n": int32(1), "x": []byte{0}}, ok: true},
		// The headers table is depth 0; 32 nested tables are the most read.
		{name: "tables at the limit", h: map[string]any{"d": nest(MaxHeaderDepth, "t", "leaf")}, ok: true},
		{name: "tables past the limit", h: map[string]any{"d": nest(MaxHeaderDepth+1, "t", "leaf")},
			path: "d" + strings.Repeat(".d", MaxHeaderDepth), depth: MaxHeaderDepth + 1},
		{name: "arrays at the limit", h: map[string]any{"a": nest(MaxHeaderDepth, "a", int64(1))}, ok: true},
		{name: "arrays past the limit", h: map[string]any{"a": nest(MaxHeaderDepth+1, "a", int64(1))},
			path: "a" + strings.Repeat("[0]", MaxHeaderDepth), depth: MaxHeaderDepth + 1},
		{name: "mixed past the limit", h: map[string]any{"m": nest(MaxHeaderDepth+1, "ta", nil)},
			path: "m" + strings.Repeat(".d[0]", MaxHeaderDepth/2), depth: MaxHeaderDepth + 1},
		// An empty container still counts as a level.
		{name: "empty table past the limit", h: map[string]any{"d": nest(MaxHeaderDepth, "t", map[string]any{})},
			path: "d" + strings.Repeat(".d", MaxHeaderDepth), depth: MaxHeaderDepth + 1},
		{name: "table at the entry limit", h: wide(MaxHeaderEntries), ok: true},
		{name: "headers past the entry limit", h: wide(MaxHeaderEntries + 1), path: "", entries: MaxHeaderEntries + 1},
		{name: "nested table past the entry limit", h: map[string]any{"a": "b", "t": wide(MaxHeaderEntries + 1)},
			path: "t", entries: MaxHeaderEntries + 1},
		{name: "array past the entry limit", h: map[string]any{"list": []any{"x", many}},
			path: "list[1]", entries: MaxHeaderEntries + 1},
		{name: "first in key order", h: map[string]any{"z": nest(40, "t", nil), "b": wide(9000)},
			path: "b", entries: 9000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckHeaders(c.h)
			if c.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var le *HeaderLimitError
			if !errors.As(err, &le) || !errors.Is(err, ErrHeaderLimit) {
				t.Fatalf("got %v, want a *HeaderLimitError", err)
			}
			if le.Path != c.path || le.Depth != c.depth || le.Entries != c.entries {
				t.Fatalf("got path %q depth %d entries %d, want %q %d %d", le.Path, le.Depth, le.Entries, c.path, c.depth, c.entries)
			}
		})
	}
}

func TestHeaderLimitErrorText(t *testing.T) {
	deep := (&HeaderLimitError{Path: "a.\x1b]8;;x\x07b", Depth: 33}).Error()
	for _, want := range []string{`header "a.\x1b]8;;x\x07b"`, "nested 33 deep", "at most 32"} {
		if !strings.Contains(deep, want) {
			t.Errorf("%q lacks %q", deep, want)
		}
	}
	if strings.ContainsRune(deep, 0x1b) {
		t.Errorf("%q carries a raw ESC", deep)
	}
	wide := (&HeaderLimitError{Entries: 9000}).Error()
	for _, want := range []string{"the headers table", "9000 entries", "at most 8192"} {
		if !strings.Contains(wide, want) {
			t.Errorf("%q lacks %q", wide, want)
		}
	}
}

// FuzzCheckHeaders builds header trees from the fuzz bytes, sometimes past
// a limit, and checks CheckHeaders against the tree's own measure: it
// refuses exactly the trees a limit-checking reader would refuse, names a
// container that really breaks a limit, and never panics.
func FuzzCheckHeaders(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{40, 1})
	f.Add([]byte{33, 0, 2})
	f.Add([]byte{5, 3, 200, 40})
	f.Fuzz(func(t *testing.T, b []byte) {
		g := &gen{b: b}
		h, deepest, widest := limitTree(g)
		err := CheckHeaders(h)
		over := deepest > MaxHeaderDepth || widest > MaxHeaderEntries
		if over != (err != nil) {
			t.Fatalf("deepest %d widest %d: CheckHeaders said %v", deepest, widest, err)
		}
		var le *HeaderLimitError
		if err == nil {
			return
		}
		if !errors.As(err, &le) {
			t.Fatalf("not a *HeaderLimitError: %v", err)
		}
		if le.Depth <= MaxHeaderDepth && le.Entries <= MaxHeaderEntries {
			t.Fatalf("names a container within the limits: %+v", le)
		}
		if strings.ContainsAny(err.Error(), "\x1b\x07\x00") {
			t.Fatalf("error text carries control characters: %q", err)
		}
	})
}

// limitTree is a headers table whose shape the fuzz bytes choose: a chain
// of tables and arrays of some depth, with one container of some width on
// the way. It returns the depth of the deepest container and the most
// entries of any container.
func limitTree(g *gen) (h map[string]any, deepest, widest int) {
	depth := int(g.byte() % 48)
	wideAt := int(g.byte() % 48)
	width := int(g.byte())
	if g.byte()%4 == 0 {
		width += MaxHeaderEntries - 128
	}
	kinds := g.bytes(depth)
	var build func(level int) any
	build = func(level int) any {
		deepest = max(deepest, level)
		n := 1
		if level == wideAt {
			n = max(width, 1)
		}
		widest = max(widest, n)
		arr := level > 0 && level-1 < len(kinds) && kinds[level-1]%2 == 1
		var inner any = g.str()
		if level < depth {
			inner = build(level + 1)
		}
		if arr {
			a := make([]any, n)
			a[0] = inner
			for i := 1; i < n; i++ {
				a[i] = int64(i)
			}
			return a
		}
		m := make(map[string]any, n)
		m["d"] = inner
		for i := 1; i < n; i++ {
			m["k"+itoa(i)] = int64(i)
		}
		return m
	}
	h = build(0).(map[string]any)
	return h, deepest, widest
}

// A body the management API cut is never exported as if it were whole.
func TestMarshalJSONLRefusesCutBody(t *testing.T) {
	_, err := MarshalJSONL(Message{Offset: -1, Body: []byte("0123"), FullSize: 10})
	if err == nil || !strings.Contains(err.Error(), "first 4 of its 10 bytes") {
		t.Fatalf("err = %v", err)
	}
}
