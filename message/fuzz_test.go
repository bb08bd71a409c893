package message

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// gen turns fuzz bytes into header values and messages, deterministically;
// when the bytes run out it yields zeros, so every input is usable.
type gen struct{ b []byte }

func (g *gen) byte() byte {
	if len(g.b) == 0 {
		return 0
	}
	c := g.b[0]
	g.b = g.b[1:]
	return c
}

func (g *gen) bytes(n int) []byte {
	n = min(n, len(g.b))
	out := append([]byte{}, g.b[:n]...)
	g.b = g.b[n:]
	return out
}

func (g *gen) u64() uint64 {
	var buf [8]byte
	copy(buf[:], g.bytes(8))
	return binary.LittleEndian.Uint64(buf[:])
}

// str is a short string, often one of the names x-death parsing looks for,
// and sometimes not valid UTF-8.
func (g *gen) str() string {
	names := []string{"x-death", "queue", "reason", "exchange", "routing-keys", "count", "time",
		"x-first-death-queue", "x-last-death-exchange", "x-delivery-count", "original-expiration"}
	if c := g.byte(); c < 64 {
		return names[int(c)%len(names)]
	}
	return string(g.bytes(int(g.byte() % 12)))
}

// value is a header value of a documented type. Canonical values only
// (UTC whole-second times, non-nil byte slices): what a round trip keeps.
func (g *gen) value(depth int) any {
	kind := g.byte() % 17
	if depth > 4 && kind >= 15 {
		kind = 0
	}
	switch kind {
	case 0:
		return g.str()
	case 1:
		return g.bytes(int(g.byte() % 8))
	case 2:
		return g.byte()%2 == 0
	case 3:
		return int8(g.byte())
	case 4:
		return g.byte()
	case 5:
		return int16(g.u64())
	case 6:
		return uint16(g.u64())
	case 7:
		return int32(g.u64())
	case 8:
		return uint32(g.u64())
	case 9:
		return int64(g.u64())
	case 10:
		return math.Float32frombits(uint32(g.u64()))
	case 11:
		return math.Float64frombits(g.u64())
	case 12:
		return time.Unix(int64(g.u64()), 0).UTC()
	case 13:
		return Decimal{Scale: g.byte(), Value: int32(g.u64())}
	case 14:
		return nil
	case 15:
		return g.table(depth + 1)
	default:
		n := int(g.byte() % 4)
		arr := make([]any, n)
		for i := range arr {
			arr[i] = g.value(depth + 1)
		}
		return arr
	}
}

func (g *gen) table(depth int) map[string]any {
	n := int(g.byte() % 5)
	t := make(map[string]any, n)
	for i := 0; i < n; i++ {
		t[g.str()] = g.value(depth)
	}
	return t
}

func (g *gen) message() Message {
	m := Message{
		Vhost: g.str(), Queue: g.str(), Position: int(int32(g.u64())), Offset: int64(g.u64()),
		Exchange: g.str(), RoutingKey: g.str(), Redelivered: g.byte()%2 == 1,
		Properties: Properties{
			ContentType: g.str(), ContentEncoding: g.str(), DeliveryMode: g.byte(), Priority: g.byte(),
			CorrelationID: g.str(), ReplyTo: g.str(), Expiration: g.str(), MessageID: g.str(),
			Type: g.str(), UserID: g.str(), AppID: g.str(),
		},
	}
	if g.byte()%2 == 1 {
		m.Properties.Timestamp = time.Unix(int64(g.u64()), 0).UTC()
	}
	if h := g.table(0); len(h) > 0 {
		m.Headers = h
	}
	if body := g.bytes(int(g.byte())); len(body) > 0 {
		m.Body = body
	}
	return m
}

// equalNaN is reflect.DeepEqual, except that NaN equals NaN.
func equalNaN(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && (x == y && math.Signbit(x) == math.Signbit(y) || math.IsNaN(x) && math.IsNaN(y))
	case float32:
		y, ok := b.(float32)
		return ok && equalNaN(float64(x), float64(y))
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) || (x == nil) != (y == nil) {
			return false
		}
		for k, v := range x {
			if w, ok := y[k]; !ok || !equalNaN(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalNaN(x[i], y[i]) {
				return false
			}
		}
		return true
	case Message:
		y, ok := b.(Message)
		if !ok {
			return false
		}
		hx, hy := x.Headers, y.Headers
		x.Headers, y.Headers = nil, nil
		return reflect.DeepEqual(x, y) && (hx == nil) == (hy == nil) && equalNaN(hx, hy)
	}
	return reflect.DeepEqual(a, b)
}

// displaySafe reports whether s can go to a terminal (tabs allowed).
func displaySafe(s string) bool {
	for _, r := range s {
		if unsafeRune(r) && r != '\t' {
			return false
		}
	}
	return utf8.ValidString(s)
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"a":[1,2.5e3,"x",true,null,{}]}`), "application/json", "")
	f.Add([]byte("hello\r\nworld\n"), "text/plain; charset=latin1", "")
	f.Add(gzipBytes(f, []byte(`[{"k":"v"}]`)), "", "")
	f.Add(gzipBytes(f, []byte("text")), "text/plain", "gzip")
	f.Add(zlibBytes([]byte("zz")), "", "deflate")
	f.Add(flateBytes([]byte("raw")), "", "deflate")
	f.Add([]byte{0xff, 0xfe, 'h', 0}, "text/plain; charset=utf-16", "")
	f.Add([]byte{0, 1, 2, 0xff}, "application/octet-stream", "")
	f.Add([]byte("\"\x7f\u202e\""), "application/json", "")
	f.Add([]byte("[\"\\u0000\"]"), "", "gzip, identity")
	f.Fuzz(func(t *testing.T, body []byte, ct, enc string) {
		m := msg(ct, enc, body)
		b := Decode(m)
		if (b.Kind == KindEmpty) != (len(b.Data) == 0) {
			t.Fatalf("kind %v with %d bytes", b.Kind, len(b.Data))
		}
		if b.Kind == KindText || b.Kind == KindJSON {
			if !utf8.ValidString(b.Text) || b.Raw == nil {
				t.Fatalf("bad text body: valid %v raw %v", utf8.ValidString(b.Text), b.Raw != nil)
			}
			for i := 0; i < b.Raw.Len(); i++ {
				if l := b.Raw.Line(i); !displaySafe(l) || strings.Contains(l, "\n") {
					t.Fatalf("raw line %d not display-safe: %q", i, l)
				}
			}
			for _, i := range b.Raw.Search(string(body[:min(3, len(body))])) {
				if i < 0 || i >= b.Raw.Len() {
					t.Fatalf("search hit %d out of %d lines", i, b.Raw.Len())
				}
			}
		}
		if b.Pretty != nil {
			checkPretty(t, b)
		}
		hex := HexLines(b.Data, 0, HexLineCount(len(b.Data), 0)-2, 5)
		if len(b.Data) > 0 && len(hex) == 0 {
			t.Fatal("no hex lines for the end of the data")
		}
		p := Preview(m, 30)
		if !displaySafe(p) || strings.ContainsAny(p, "\t\n") || cells(p) > 30 {
			t.Fatalf("preview %q", p)
		}
	})
}

func checkPretty(t *testing.T, b Body) {
	p := b.Pretty
	lines := p.Spans(0, p.Len())
	for i, l := range lines {
		if l.String() != p.Plain().Line(i) {
			t.Fatalf("line %d: spans %q, text %q", i, l.String(), p.Plain().Line(i))
		}
		if !displaySafe(l.String()) {
			t.Fatalf("pretty line %d not display-safe: %q", i, l.String())
		}
	}
	if displaySafe(b.Text) && !strings.ContainsAny(b.Text, "\u2028\u2029\ufeff") {
		// Nothing was escaped: the pretty text is the same JSON.
		var want, got bytes.Buffer
		if err := json.Compact(&want, []byte(b.Text)); err != nil {
			t.Fatalf("kind JSON but invalid: %v", err)
		}
		if err := json.Compact(&got, []byte(p.Plain().Text())); err != nil || got.String() != want.String() {
			t.Fatalf("pretty changed the JSON (%v):\n%s\n%s", err, got.String(), want.String())
		}
	}
}

func FuzzDeaths(f *testing.F) {
	f.Add([]byte{0, 16, 1, 15, 5, 1, 0, 0})
	f.Add([]byte("\x00\x10\x03\x0f\x04\x00\x01\x00\x02\x00\x00\x00abc"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &gen{b: data}
		h := g.table(0)
		// Bias towards a plausible x-death: an array of tables.
		n := int(g.byte() % 4)
		arr := make([]any, n)
		for i := range arr {
			arr[i] = g.table(1)
		}
		if g.byte()%4 != 0 {
			h["x-death"] = arr
		}
		deaths := Deaths(h)
		if xs, ok := h["x-death"].([]any); ok && len(deaths) > len(xs) {
			t.Fatalf("%d deaths from %d entries", len(deaths), len(xs))
		}
		FirstDeath(h)
		LastDeath(h)
		DeliveryCount(h)
		q, _, _, ok := Origin(Message{Headers: h, RoutingKey: g.str()})
		if ok && q == "" {
			t.Fatal("origin without a queue")
		}
		if len(deaths) > 0 && deaths[0].Queue != "" && !ok {
			t.Fatal("x-death with a queue but no origin")
		}
	})
}

func FuzzHeaderTree(f *testing.F) {
	f.Add([]byte{15, 3, 0, 1, 16, 2})
	f.Add([]byte("\x0f\x04\x00\x00\x0f\x02\x00\x10\x03\x01\x02"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &gen{b: data}
		h := g.table(0)
		if g.byte()%2 == 1 { // a client library's named table type
			h["lib"] = table(g.table(1))
		}
		rows := HeaderTree(h)
		if want := countValues(h); len(rows) != want {
			t.Fatalf("%d rows for %d values", len(rows), want)
		}
		depth := 0
		for i, r := range rows {
			if r.Depth < 0 || r.Depth > depth+1 || i == 0 && r.Depth != 0 {
				t.Fatalf("row %d depth %d after %d", i, r.Depth, depth)
			}
			depth = r.Depth
			for _, s := range []string{r.Key, r.Type, r.Value} {
				if !displaySafe(s) || strings.Contains(s, "\t") {
					t.Fatalf("row %d not display-safe: %+v", i, r)
				}
			}
		}
	})
}

func countValues(v any) int {
	if t, ok := asTable(v); ok {
		n := 0
		for _, e := range t {
			n += 1 + countValues(e)
		}
		return n
	}
	if a, ok := asArray(v); ok {
		n := 0
		for _, e := range a {
			n += 1 + countValues(e)
		}
		return n
	}
	return 0
}

func FuzzJSONLRoundTrip(f *testing.F) {
	f.Add([]byte("queue\x00\x00\x00\x00\x01\x02\x03\x04\x05\x06\x07\x08"))
	f.Add(bytes.Repeat([]byte{0x0f, 0x03, 0x10, 0x0b, 0xff}, 12))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := (&gen{b: data}).message()
		line, err := MarshalJSONL(m)
		if err != nil {
			t.Fatalf("MarshalJSONL: %v", err)
		}
		if bytes.Count(line, []byte("\n")) != 1 || !json.Valid(line) {
			t.Fatalf("not one JSON line: %q", line)
		}
		got, err := UnmarshalJSONL(line)
		if err != nil {
			t.Fatalf("UnmarshalJSONL: %v\n%s", err, line)
		}
		if !equalNaN(got, m) {
			t.Fatalf("round trip\n got %#v\nwant %#v\nline %s", got, m, line)
		}
	})
}

func FuzzReadJSONL(f *testing.F) {
	good, _ := MarshalJSONL(fullMessage())
	f.Add(good)
	f.Add([]byte(`{"v":1,"headers":[{"key":{"base64":"/w=="},"type":"void"}]}` + "\n{}"))
	f.Add([]byte(`{"v":1,"headers":{"a":{"type":"timestamp","value":-99999999999}}}`))
	for _, h := range []string{
		`{"type":"longstr","value":"s"}`, `{"type":"longstr","value":{"base64":"/w=="}}`,
		`{"type":"bytes","value":"AAE="}`, `{"type":"bool","value":true}`, `{"type":"int8","value":-1}`,
		`{"type":"uint8","value":1}`, `{"type":"int16","value":1}`, `{"type":"uint16","value":1}`,
		`{"type":"int32","value":1}`, `{"type":"uint32","value":1}`, `{"type":"int64","value":1}`,
		`{"type":"float","value":0.5}`, `{"type":"double","value":"-Inf"}`,
		`{"type":"timestamp","value":"2024-05-01T10:00:00Z"}`, `{"type":"decimal","scale":2,"value":5}`,
		`{"type":"table","value":{"k":{"type":"void"}}}`, `{"type":"array","value":[{"type":"int8","value":1}]}`,
	} {
		f.Add([]byte(`{"v":1,"offset":-1,"properties":{"timestamp":"2024-05-01T10:00:00Z"},"headers":{"h":` + h + `}}`))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		msgs, err := ReadJSONL(bytes.NewReader(data))
		if err != nil && !strings.HasPrefix(err.Error(), "line ") {
			t.Fatalf("error without a line number: %v", err)
		}
		var buf bytes.Buffer
		if err := WriteJSONL(&buf, msgs); err != nil {
			t.Fatalf("cannot write what was read: %v", err)
		}
		again, err := ReadJSONL(&buf)
		if err != nil || len(again) != len(msgs) {
			t.Fatalf("re-read: %v, %d of %d", err, len(again), len(msgs))
		}
		for i := range msgs {
			if !equalNaN(again[i], msgs[i]) {
				t.Fatalf("message %d changed\n got %#v\nwant %#v", i, again[i], msgs[i])
			}
		}
	})
}

func cells(s string) int {
	n := 0
	for _, r := range s {
		n += cellWidth(r)
	}
	return n
}
