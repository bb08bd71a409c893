package message

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fullMessage uses every property and every header type.
func fullMessage() Message {
	ts := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	return Message{
		Vhost: "/prod", Queue: "orders.dlq", Position: 3, Offset: 1234,
		Exchange: "orders-x", RoutingKey: "order.created", Redelivered: true,
		Properties: Properties{
			ContentType: "application/json", ContentEncoding: "gzip", DeliveryMode: 2, Priority: 9,
			CorrelationID: "corr", ReplyTo: "amq.rabbitmq.reply-to", Expiration: "60000", MessageID: "m-1",
			Timestamp: ts, Type: "order", UserID: "guest", AppID: "shop",
		},
		Headers: map[string]any{
			"str": "héllo \"quoted\" <tag> & \x00\x1f\u2028", "bytes": []byte{0, 1, 0xff}, "empty-bytes": []byte{},
			"bool": true, "i8": int8(-128), "u8": uint8(255), "i16": int16(-32768), "u16": uint16(65535),
			"i32": int32(math.MinInt32), "u32": uint32(math.MaxUint32), "i64": int64(math.MinInt64), "i64max": int64(math.MaxInt64),
			"f32": float32(0.1), "f64": 0.1, "f64big": 1e300, "negzero": math.Copysign(0, -1), "inf": math.Inf(-1),
			"f32inf": float32(math.Inf(1)), "ts": ts, "ts-epoch": time.Unix(0, 0).UTC(),
			"ts-far": time.Unix(400000000000, 0).UTC(), "ts-early": time.Unix(-70000000000, 0).UTC(),
			"ts-year0": time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), "ts-9999": time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
			"dec": Decimal{Scale: 255, Value: math.MinInt32}, "void": nil,
			"table": map[string]any{"nested": map[string]any{"deep": []any{int8(1)}}, "": "empty key"},
			"array": []any{"a", int64(2), []any{}, map[string]any{}, nil, []byte("x")},
			"x-death": []any{map[string]any{"count": int64(1), "reason": "rejected", "queue": "orders",
				"time": ts, "exchange": "orders-x", "routing-keys": []any{"order.created"}}},
		},
		Body: []byte(`{"id":1}`),
	}
}

func roundTrip(t *testing.T, msgs []Message) []Message {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, msgs); err != nil {
		t.Fatalf("WriteJSONL: %v", err)
	}
	if n := bytes.Count(buf.Bytes(), []byte("\n")); n != len(msgs) {
		t.Fatalf("%d lines for %d messages", n, len(msgs))
	}
	got, err := ReadJSONL(&buf)
	if err != nil {
		t.Fatalf("ReadJSONL: %v", err)
	}
	return got
}

func TestJSONLRoundTrip(t *testing.T) {
	msgs := []Message{
		fullMessage(),
		{Offset: -1},
		{Offset: -1, Body: []byte{0xff, 0}, Properties: Properties{Timestamp: time.Unix(0, 0).UTC()}},
		{Offset: -1, Vhost: "bad\xffvhost", Queue: "q\xfe", RoutingKey: "\x80",
			Properties: Properties{MessageID: "\xc3\x28", AppID: "ok"},
			Headers:    map[string]any{"bad\xffkey": "bad\xffvalue", "t": map[string]any{"\xfe": int8(1), "fine": true}}},
	}
	got := roundTrip(t, msgs)
	if !reflect.DeepEqual(got, msgs) {
		for i := range msgs {
			if !reflect.DeepEqual(got[i], msgs[i]) {
				t.Errorf("message %d\n got %#v\nwant %#v", i, got[i], msgs[i])
			}
		}
	}
}

func TestJSONLNaN(t *testing.T) {
	got := roundTrip(t, []Message{{Offset: -1, Headers: map[string]any{"d": math.NaN(), "f": float32(math.NaN())}}})
	d, _ := got[0].Headers["d"].(float64)
	f, _ := got[0].Headers["f"].(float32)
	if !math.IsNaN(d) || !math.IsNaN(float64(f)) {
		t.Errorf("NaN lost: %#v", got[0].Headers)
	}
}

func TestJSONLFormat(t *testing.T) {
	line, err := MarshalJSONL(Message{
		Offset: -1, Queue: "q", Properties: Properties{ContentType: "text/plain", DeliveryMode: 2},
		Headers: map[string]any{"n": int32(5), "d": Decimal{Scale: 2, Value: 12345}, "v": nil, "b": []byte("hi")},
		Body:    []byte("hello"),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"v":1,"vhost":"","queue":"q","position":0,"offset":-1,"exchange":"","routing_key":"","redelivered":false,` +
		`"properties":{"content_type":"text/plain","delivery_mode":2},` +
		`"headers":{"b":{"type":"bytes","value":"aGk="},"d":{"type":"decimal","scale":2,"value":12345},` +
		`"n":{"type":"int32","value":5},"v":{"type":"void"}},"body":"aGVsbG8="}` + "\n"
	if string(line) != want {
		t.Errorf("line\n got %s\nwant %s", line, want)
	}
}

func TestWriteJSONLUnsupportedHeader(t *testing.T) {
	var buf bytes.Buffer
	msgs := []Message{{Offset: -1, Queue: "first"}, {Offset: -1, Position: 2, Headers: map[string]any{"t": map[string]any{"c": make(chan int)}}}}
	err := WriteJSONL(&buf, msgs)
	if err == nil || !strings.Contains(err.Error(), `message 1 (position 2): header "t": "c": unsupported type chan int`) {
		t.Fatalf("err = %v", err)
	}
	if got, _ := ReadJSONL(&buf); len(got) != 1 || got[0].Queue != "first" {
		t.Errorf("lines before the failure: %+v", got)
	}
	h := map[string]any{}
	h["self"] = h
	if _, err := MarshalJSONL(Message{Headers: h}); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Errorf("self reference: %v", err)
	}
}

func TestReadJSONLErrors(t *testing.T) {
	good, _ := MarshalJSONL(Message{Offset: -1, Queue: "a"})
	tests := []struct {
		name, input, err string
		read             int
	}{
		{"not json", string(good) + "\n" + "nope\n" + string(good), "line 3: invalid character", 1},
		{"no version", `{"queue":"a"}`, `line 1: no format version "v"`, 0},
		{"newer version", `{"v":2}`, "line 1: format version 2", 0},
		{"unknown header type", `{"v":1,"headers":{"a":{"type":"int128","value":1}}}`, `line 1: headers: "a": unknown type "int128"`, 0},
		{"int out of range", `{"v":1,"headers":{"a":{"type":"int8","value":300}}}`, `"a": json: cannot unmarshal number 300`, 0},
		{"fraction into int", `{"v":1,"headers":{"a":{"type":"int32","value":1.5}}}`, `"a": json: cannot unmarshal`, 0},
		{"missing value", `{"v":1,"headers":{"a":{"type":"bool"}}}`, `"a": bool without a value`, 0},
		{"decimal without scale", `{"v":1,"headers":{"a":{"type":"decimal","value":1}}}`, `decimal without "scale"`, 0},
		{"bad timestamp", `{"v":1,"properties":{"timestamp":"yesterday"}}`, "properties.timestamp", 0},
		{"bad base64 body", `{"v":1,"body":"!!"}`, "illegal base64", 0},
		{"bad float string", `{"v":1,"headers":{"a":{"type":"double","value":"pi"}}}`, `float "pi"`, 0},
		{"float32 overflow", `{"v":1,"headers":{"a":{"type":"float","value":1e39}}}`, "out of range", 0},
		{"entry without key", `{"v":1,"headers":[{"type":"void"}]}`, "table entry 0 has no key", 0},
		{"nested array error", `{"v":1,"headers":{"a":{"type":"array","value":[{"type":"void"},{"type":"x"}]}}}`, `"a": [1]: unknown type "x"`, 0},
		{"base64 object without base64", `{"v":1,"queue":{"hex":"00"}}`, `without "base64"`, 0},
		{"table null", `{"v":1,"headers":{"a":{"type":"table","value":null}}}`, "table is null", 0},
		{"too deep", `{"v":1,"headers":` + strings.Repeat(`{"a":{"type":"table","value":`, 120) + `{}` + strings.Repeat(`}}`, 120) + `}`,
			"nested too deeply", 0},
		// Past what amqp091-go reads back: an import would poison the queue.
		{"deeper than clients read", string(good) + "\n" + `{"v":1,"headers":{"h":` + strings.Repeat(`{"type":"table","value":{"a":`, 33) + `{"type":"table","value":{}}` + strings.Repeat(`}}`, 33) + `}}`,
			`line 3: headers: header "h.a.a`, 1},
		{"wider than clients read", `{"v":1,"headers":{"h":{"type":"array","value":[` + strings.TrimSuffix(strings.Repeat(`{"type":"void"},`, 8193), ",") + `]}}}`,
			`line 1: headers: header "h" holds 8193 entries; AMQP clients such as amqp091-go read at most 8192`, 0},
	}
	for _, tt := range tests {
		msgs, err := ReadJSONL(strings.NewReader(tt.input))
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.err)
		}
		if len(msgs) != tt.read {
			t.Errorf("%s: %d messages read before the error, want %d", tt.name, len(msgs), tt.read)
		}
	}
}

func TestReadJSONLTolerates(t *testing.T) {
	input := "\xef\xbb\xbf" + `{"v":1,"queue":"a","extra":"ignored"}` + "\r\n\n   \n" +
		`{"v":1,"queue":{"base64":"/w=="},"offset":5,"body":"","headers":{},` +
		`"properties":{"timestamp":1714557600},` +
		`"future":1,"x":{"type":"table"}}`
	msgs, err := ReadJSONL(strings.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	want := []Message{
		{Queue: "a", Offset: -1},
		{Queue: "\xff", Offset: 5, Properties: Properties{Timestamp: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)}},
	}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("got %#v\nwant %#v", msgs, want)
	}
}

func TestCanonical(t *testing.T) {
	local := time.Date(2024, 5, 1, 12, 0, 0, 999, time.FixedZone("CEST", 2*3600))
	m := Message{
		Offset: -1, Body: []byte{},
		Properties: Properties{Timestamp: local},
		Headers: map[string]any{
			"t": table{"when": local, "n": 7, "list": []table{{"u": uint(3)}}, "nb": []byte(nil)},
		},
	}
	want := Message{
		Offset:     -1,
		Properties: Properties{Timestamp: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)},
		Headers: map[string]any{
			"t": map[string]any{"when": time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), "n": int64(7),
				"list": []any{map[string]any{"u": int64(3)}}, "nb": []byte{}},
		},
	}
	c := Canonical(m)
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("Canonical\n got %#v\nwant %#v", c, want)
	}
	if got := roundTrip(t, []Message{m}); !reflect.DeepEqual(got[0], c) {
		t.Errorf("round trip of a non-canonical message\n got %#v\nwant %#v", got[0], c)
	}
}
