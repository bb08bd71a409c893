package message

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestHeadersJSONRoundTripKeepsTypes(t *testing.T) {
	ts := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	h := map[string]any{
		"plain":     "text",
		"count":     int64(3),
		"flag":      true,
		"nothing":   nil,
		"small":     int32(5),
		"ratio":     float64(0.5),
		"raw":       []byte{0xff, 0x00},
		"when":      ts,
		"price":     Decimal{Scale: 2, Value: 1999},
		"x-death":   []any{map[string]any{"queue": "orders", "count": int64(1), "time": ts, "routing-keys": []any{"a", "b"}}},
		"lookalike": map[string]any{"type": "int32", "value": "not a type"},
	}
	text, err := FormatHeadersJSON(h)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, `"plain": "text"`) || !strings.Contains(text, `"count": 3`) {
		t.Errorf("plain values should read as plain JSON:\n%s", text)
	}
	got, err := ParseHeadersJSON(text)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, text)
	}
	if !reflect.DeepEqual(got, h) {
		t.Errorf("round trip changed the headers:\n got %#v\nwant %#v\n%s", got, h, text)
	}
}

func TestParseHeadersJSON(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    map[string]any
		wantErr string
	}{
		{in: "", want: nil},
		{in: "  {}  ", want: nil},
		{in: `{"a": 1, "b": 1.5, "c": "x"}`, want: map[string]any{"a": int64(1), "b": 1.5, "c": "x"}},
		{in: `{"t": {"type": "int16", "value": 7}}`, want: map[string]any{"t": int16(7)}},
		{in: `{"t": {"type": "timestamp", "value": "2026-01-02T03:04:05Z"}}`, want: map[string]any{"t": time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}},
		{in: `{"n": {"type": "table", "value": {"k": {"type": "longstr", "value": "v"}}}}`, want: map[string]any{"n": map[string]any{"k": "v"}}},
		{in: `{"o": {"type": "colour", "value": 1}}`, want: map[string]any{"o": map[string]any{"type": "colour", "value": int64(1)}}},
		{in: `{"a": 1,}`, wantErr: "not valid JSON"},
		{in: `[1, 2]`, wantErr: "must be a JSON object"},
		{in: `{"a": 1} {"b": 2}`, wantErr: "after the closing"},
		{in: `{"t": {"type": "int8", "value": 300}}`, wantErr: `"t"`},
		{in: `{"big": 1e999}`, wantErr: "out of range"},
	} {
		got, err := ParseHeadersJSON(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: error %v, want one containing %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %#v, want %#v", tc.in, got, tc.want)
		}
	}
}

func FuzzParseHeadersJSON(f *testing.F) {
	f.Add(`{"a": 1, "t": {"type": "timestamp", "value": "2026-01-02T03:04:05Z"}}`)
	f.Add(`{"x": [1, "a", null, {"type": "decimal", "scale": 2, "value": 5}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHeadersJSON(s)
		if err != nil {
			return
		}
		text, err := FormatHeadersJSON(h)
		if err != nil {
			t.Fatalf("parsed headers do not format: %v", err)
		}
		again, err := ParseHeadersJSON(text)
		if err != nil {
			t.Fatalf("formatted headers do not parse: %v\n%s", err, text)
		}
		if !reflect.DeepEqual(Canonical(Message{Headers: h}).Headers, Canonical(Message{Headers: again}).Headers) {
			t.Fatalf("not stable:\n%#v\n%#v", h, again)
		}
	})
}
