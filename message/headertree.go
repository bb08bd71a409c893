package message

import (
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"
)

// TreeLine is one row of the header tree.
type TreeLine struct {
	Depth int    // 0 for top-level headers; +1 inside each table or array
	Key   string // header or field name, or "[i]" for an array element; display-safe
	Type  string // AMQP type name, see AMQPType
	Value string // display-safe value; "3 fields" / "2 items" for tables and arrays
}

// maxTreeDepth stops a self-referencing map from recursing forever.
const maxTreeDepth = 64

// maxBytesShown caps the hex shown for one byte-array value.
const maxBytesShown = 1024

// HeaderTree flattens headers into rows: keys sorted, a table's fields and
// an array's elements following it one level deeper. Keys and values have
// control characters escaped.
func HeaderTree(h map[string]any) []TreeLine {
	var out []TreeLine
	appendTable(&out, h, 0)
	return out
}

func appendTable(out *[]TreeLine, t map[string]any, depth int) {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		appendValue(out, escapeDisplay(k, false), t[k], depth)
	}
}

func appendValue(out *[]TreeLine, key string, v any, depth int) {
	typ := AMQPType(v)
	if depth >= maxTreeDepth {
		*out = append(*out, TreeLine{Depth: depth, Key: key, Type: typ, Value: "… nested too deeply"})
		return
	}
	if t, ok := asTable(v); ok {
		*out = append(*out, TreeLine{Depth: depth, Key: key, Type: "table", Value: plural(len(t), "field")})
		appendTable(out, t, depth+1)
		return
	}
	if a, ok := asArray(v); ok {
		*out = append(*out, TreeLine{Depth: depth, Key: key, Type: "array", Value: plural(len(a), "item")})
		for i, e := range a {
			appendValue(out, "["+strconv.Itoa(i)+"]", e, depth+1)
		}
		return
	}
	*out = append(*out, TreeLine{Depth: depth, Key: key, Type: typ, Value: FormatValue(v)})
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// AMQPType names the AMQP field type of a header value as warren holds it:
// longstr, bytes, bool, int8, uint8, int16, uint16, int32, uint32, int64,
// float, double, timestamp, decimal, table, array, void. Other Go types
// are named by their Go type.
func AMQPType(v any) string {
	switch v.(type) {
	case nil:
		return "void"
	case string:
		return "longstr"
	case []byte:
		return "bytes"
	case bool:
		return "bool"
	case int8:
		return "int8"
	case uint8:
		return "uint8"
	case int16:
		return "int16"
	case uint16:
		return "uint16"
	case int32:
		return "int32"
	case uint32:
		return "uint32"
	case int64:
		return "int64"
	case float32:
		return "float"
	case float64:
		return "double"
	case time.Time:
		return "timestamp"
	case Decimal:
		return "decimal"
	}
	if _, ok := asTable(v); ok {
		return "table"
	}
	if _, ok := asArray(v); ok {
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// FormatValue renders a scalar header value for display: strings with
// control characters escaped, byte arrays as text when printable UTF-8
// else as 0x-prefixed hex, timestamps in RFC 3339 UTC, decimals exactly.
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return escapeDisplay(x, false)
	case []byte:
		return formatBytes(x)
	case bool:
		return strconv.FormatBool(x)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case Decimal:
		return x.String()
	}
	if n, ok := asInt(v); ok {
		return strconv.FormatInt(n, 10)
	}
	if n, ok := v.(uint64); ok {
		return strconv.FormatUint(n, 10)
	}
	return escapeDisplay(fmt.Sprint(v), false)
}

// formatBytes shows printable UTF-8 as text and anything else as hex, cut
// at maxBytesShown.
func formatBytes(b []byte) string {
	if utf8.Valid(b) && escapeDisplay(string(b), false) == string(b) {
		return string(b)
	}
	shown := b
	if len(b) > maxBytesShown {
		shown = b[:maxBytesShown]
	}
	s := "0x" + fmt.Sprintf("%x", shown)
	if len(shown) < len(b) {
		s += fmt.Sprintf("… (%d bytes)", len(b))
	}
	return s
}

// String renders the decimal exactly: Value × 10^-Scale, e.g. "123.45".
func (d Decimal) String() string {
	r := new(big.Rat).SetFrac(big.NewInt(int64(d.Value)), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)), nil))
	return r.FloatString(int(d.Scale))
}
