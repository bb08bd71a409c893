package message

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestHeaderTree(t *testing.T) {
	h := map[string]any{
		"z-str":    "line1\nline2\x1b[2J",
		"a-int":    int32(5),
		"bytes-ok": []byte("printable"),
		"bytes-hx": []byte{0xde, 0xad, 0xbe, 0xef},
		"nested": map[string]any{
			"b": true,
			"a": []any{int8(-1), map[string]any{"k": nil}, []any{}},
		},
		"amqp-table": table{"x": float32(1.5)},
		"when":       time.Date(2024, 5, 1, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600)),
		"price":      Decimal{Scale: 2, Value: -12345},
		"\x07key":    uint16(7),
	}
	want := []TreeLine{
		{0, `\x07key`, "uint16", "7"},
		{0, "a-int", "int32", "5"},
		{0, "amqp-table", "table", "1 field"},
		{1, "x", "float", "1.5"},
		{0, "bytes-hx", "bytes", "0xdeadbeef"},
		{0, "bytes-ok", "bytes", "printable"},
		{0, "nested", "table", "2 fields"},
		{1, "a", "array", "3 items"},
		{2, "[0]", "int8", "-1"},
		{2, "[1]", "table", "1 field"},
		{3, "k", "void", ""},
		{2, "[2]", "array", "0 items"},
		{1, "b", "bool", "true"},
		{0, "price", "decimal", "-123.45"},
		{0, "when", "timestamp", "2024-05-01T10:00:00Z"},
		{0, "z-str", "longstr", `line1\nline2\x1b[2J`},
	}
	got := HeaderTree(h)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("HeaderTree\n got %v\nwant %v", got, want)
	}
	if HeaderTree(nil) != nil {
		t.Error("nil headers give rows")
	}
}

func TestHeaderTreeSelfReference(t *testing.T) {
	h := map[string]any{}
	h["me"] = h
	rows := HeaderTree(h)
	if len(rows) != maxTreeDepth+1 || !strings.Contains(rows[len(rows)-1].Value, "too deeply") {
		t.Fatalf("%d rows, last %+v", len(rows), rows[len(rows)-1])
	}
}

func TestFormatValue(t *testing.T) {
	big := make([]byte, 2000)
	for _, tt := range []struct {
		v    any
		want string
	}{
		{uint8(255), "255"}, {int64(-9), "-9"}, {float64(0.1), "0.1"}, {float32(0.1), "0.1"},
		{Decimal{Scale: 0, Value: 42}, "42"}, {Decimal{Scale: 3, Value: 5}, "0.005"}, {Decimal{Scale: 1, Value: -5}, "-0.5"},
		{[]byte{}, ""}, {[]byte("a\tb"), "0x610962"}, {"bidi\u202e", `bidi\u202e`}, {"bad\xff", `bad\xff`},
		{big, "0x" + strings.Repeat("00", maxBytesShown) + "… (2000 bytes)"},
		{uint64(1 << 63), "9223372036854775808"}, {struct{}{}, "{}"},
	} {
		if got := FormatValue(tt.v); got != tt.want {
			t.Errorf("FormatValue(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
	if AMQPType(struct{}{}) != "struct {}" || AMQPType([]string{"a"}) != "array" {
		t.Error("AMQPType of non-AMQP values")
	}
}
