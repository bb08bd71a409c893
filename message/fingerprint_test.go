package message

import (
	"bytes"
	"regexp"
	"sort"
	"testing"
	"time"
)

var hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Changes that say where or how a message was read keep its fingerprint.
func TestFingerprintSame(t *testing.T) {
	base := fullMessage()
	want := Fingerprint(base)
	if !hexDigest.MatchString(want) {
		t.Fatalf("fingerprint %q is not a sha256 hex digest", want)
	}
	cases := map[string]func(m *Message){
		"location": func(m *Message) {
			m.Vhost, m.Queue, m.Position, m.Offset = "/other", "elsewhere", 99, -1
		},
		"delivery": func(m *Message) {
			m.Exchange, m.RoutingKey, m.Redelivered = "amq.direct", "other.key", !m.Redelivered
		},
		"quorum requeue count":  func(m *Message) { m.Headers["x-delivery-count"] = int64(3) },
		"stream offset":         func(m *Message) { m.Headers["x-stream-offset"] = int64(1234) },
		"quorum acquired count": func(m *Message) { m.Headers["x-acquired-count"] = int64(2) },
		"library table types": func(m *Message) {
			m.Headers["table"] = table{"nested": table{"deep": []any{int8(1)}}, "": "empty key"}
		},
		"integer width": func(m *Message) {
			m.Headers["i8"], m.Headers["u32"] = int64(-128), int64(4294967295)
		},
		"go int": func(m *Message) { m.Headers["i8"] = -128 },
		"float width": func(m *Message) {
			m.Headers["f32"] = float64(float32(0.1))
		},
		"timestamp zone and fraction": func(m *Message) {
			m.Properties.Timestamp = m.Properties.Timestamp.Add(400 * time.Millisecond).In(time.FixedZone("X", 3600))
			m.Headers["ts"] = m.Headers["ts"].(time.Time).In(time.FixedZone("Y", -7200))
		},
		"header order": func(m *Message) {
			// Rebuild the map key by key in reverse sorted order.
			h := make(map[string]any, len(m.Headers))
			keys := sortedKeys(m.Headers)
			for i := len(keys) - 1; i >= 0; i-- {
				h[keys[i]] = m.Headers[keys[i]]
			}
			m.Headers = h
		},
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			m := fullMessage()
			change(&m)
			if got := Fingerprint(m); got != want {
				t.Fatalf("fingerprint changed: %s, want %s", got, want)
			}
		})
	}
	empty := Fingerprint(Message{})
	if Fingerprint(Message{Body: []byte{}, Headers: map[string]any{}}) != empty {
		t.Error("an empty body or header table differs from none")
	}
	if Fingerprint(Message{Headers: map[string]any{"x-delivery-count": int64(1)}}) != empty {
		t.Error("a quorum delivery count alone makes a message differ")
	}
}

// Any change to what the message carries changes its fingerprint,
// including ones a naive concatenation would not see.
func TestFingerprintDiffers(t *testing.T) {
	want := Fingerprint(fullMessage())
	cases := map[string]func(m *Message){
		"body":             func(m *Message) { m.Body = append(m.Body, ' ') },
		"no body":          func(m *Message) { m.Body = nil },
		"content type":     func(m *Message) { m.Properties.ContentType = "text/plain" },
		"content encoding": func(m *Message) { m.Properties.ContentEncoding = "" },
		"delivery mode":    func(m *Message) { m.Properties.DeliveryMode = 1 },
		"priority":         func(m *Message) { m.Properties.Priority = 0 },
		"correlation id":   func(m *Message) { m.Properties.CorrelationID = "corr2" },
		"reply to":         func(m *Message) { m.Properties.ReplyTo = "" },
		"expiration":       func(m *Message) { m.Properties.Expiration = "1" },
		"message id":       func(m *Message) { m.Properties.MessageID = "m-2" },
		"timestamp":        func(m *Message) { m.Properties.Timestamp = m.Properties.Timestamp.Add(time.Second) },
		"no timestamp":     func(m *Message) { m.Properties.Timestamp = time.Time{} },
		"type":             func(m *Message) { m.Properties.Type = "x" },
		"user id":          func(m *Message) { m.Properties.UserID = "" },
		"app id":           func(m *Message) { m.Properties.AppID = "shop2" },
		"property shifted": func(m *Message) {
			m.Properties.ContentType, m.Properties.ContentEncoding = "application/jsong", "zip"
		},
		"header value":    func(m *Message) { m.Headers["str"] = "other" },
		"header removed":  func(m *Message) { delete(m.Headers, "void") },
		"header added":    func(m *Message) { m.Headers["new"] = nil },
		"header renamed":  func(m *Message) { m.Headers["boolx"] = m.Headers["bool"]; delete(m.Headers, "bool") },
		"string as bytes": func(m *Message) { m.Headers["str"] = []byte(m.Headers["str"].(string)) },
		"int as float":    func(m *Message) { m.Headers["i64max"] = float64(1<<63 - 1) },
		"bool":            func(m *Message) { m.Headers["bool"] = false },
		"nested value": func(m *Message) {
			m.Headers["table"].(map[string]any)["nested"] = map[string]any{"deep": []any{int8(2)}}
		},
		"array order": func(m *Message) { a := m.Headers["array"].([]any); a[0], a[1] = a[1], a[0] },
		"array split": func(m *Message) {
			m.Headers["array"] = []any{"a", int64(2), []any{[]any{}}, map[string]any{}, nil, []byte("x")}
		},
		"decimal scale":      func(m *Message) { m.Headers["dec"] = Decimal{Scale: 254, Value: -2147483648} },
		"header time":        func(m *Message) { m.Headers["ts"] = m.Headers["ts"].(time.Time).Add(time.Hour) },
		"nested quorum-like": func(m *Message) { m.Headers["table"].(map[string]any)["x-delivery-count"] = int64(1) },
		"x-death count": func(m *Message) {
			m.Headers["x-death"].([]any)[0].(map[string]any)["count"] = int64(2)
		},
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			m := fullMessage()
			change(&m)
			if Fingerprint(m) == want {
				t.Fatal("fingerprint did not change")
			}
		})
	}
	// Key/value boundaries are part of the digest.
	a := Message{Headers: map[string]any{"ab": "c"}}
	b := Message{Headers: map[string]any{"a": "bc"}}
	if Fingerprint(a) == Fingerprint(b) {
		t.Error(`{"ab":"c"} and {"a":"bc"} share a fingerprint`)
	}
	if Fingerprint(Message{Body: []byte("x")}) == Fingerprint(Message{Properties: Properties{AppID: "x"}}) {
		t.Error("body and app id are confused")
	}
}

func TestFingerprintStable(t *testing.T) {
	// A fixed value: the UI may hold fingerprints across a restart, so the
	// encoding must not drift by accident.
	m := Message{Properties: Properties{ContentType: "text/plain", DeliveryMode: 2},
		Headers: map[string]any{"n": int32(7), "t": map[string]any{"k": "v"}}, Body: []byte("hello")}
	const want = "613cad825fc4a3ec5f6f906e0e73d3d7046f2431af8cb4efb34379a90457b3b4"
	if got := Fingerprint(m); got != want {
		t.Fatalf("fingerprint %s, want %s: the encoding changed", got, want)
	}
}

func sortedKeys(h map[string]any) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// widen turns a header table into what another reader could hand over for
// the same wire bytes: library table types and every integer as int64.
func widen(v any) any {
	if n, ok := asInt(v); ok {
		return n
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(table, len(x))
		for k, e := range x {
			out[k] = widen(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = widen(e)
		}
		return out
	}
	return v
}

// The fingerprint survives what a second reading of the same message
// changes (location, delivery headers, representation types, an export
// and import), and sees a one-byte change to the body or a new header.
func FuzzFingerprint(f *testing.F) {
	f.Add([]byte("queue\x00\x00\x00\x00\x01\x02\x03\x04\x05\x06\x07\x08"))
	f.Add(bytes.Repeat([]byte{0x0f, 0x03, 0x10, 0x0b, 0xff}, 12))
	f.Add(bytes.Repeat([]byte{0x09, 0x07, 0x02, 0x11, 0x40}, 20))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := (&gen{b: data}).message()
		fp := Fingerprint(m)
		if !hexDigest.MatchString(fp) || Fingerprint(m) != fp {
			t.Fatalf("not a stable digest: %q", fp)
		}
		again := m
		again.Vhost, again.Queue, again.Position, again.Offset = "v", "q", 1, -1
		again.Exchange, again.RoutingKey, again.Redelivered = "e", "k", !m.Redelivered
		if m.Headers != nil {
			h := widen(m.Headers).(table)
			h["x-delivery-count"] = int64(len(data))
			again.Headers = map[string]any(h)
		}
		if got := Fingerprint(again); got != fp {
			t.Fatalf("read again: %s, want %s\n%#v\n%#v", got, fp, again, m)
		}
		line, err := MarshalJSONL(m)
		if err != nil {
			t.Fatal(err)
		}
		back, err := UnmarshalJSONL(line)
		if err != nil {
			t.Fatal(err)
		}
		if got := Fingerprint(back); got != fp {
			t.Fatalf("after export and import: %s, want %s", got, fp)
		}
		changed := m
		changed.Body = append(append([]byte{}, m.Body...), 'x')
		if Fingerprint(changed) == fp {
			t.Fatal("a longer body kept the fingerprint")
		}
		changed = m
		changed.Headers = map[string]any{"fingerprint-test": true}
		for k, v := range m.Headers {
			changed.Headers[k] = v
		}
		if Fingerprint(changed) == fp {
			t.Fatal("an added header kept the fingerprint")
		}
	})
}
