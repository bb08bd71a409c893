package message

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The JSON Lines format keeps every AMQP type: each header value is a typed
// object, {"type":"int32","value":5}; tables are objects of typed values
// (or, when a key is not valid UTF-8, arrays of {"key":…, "type":…,
// "value":…}); arrays are JSON arrays of typed values; bytes are base64;
// timestamps are RFC 3339 UTC strings at second precision (Unix seconds
// outside years 0–9999); decimals are {"type":"decimal","scale":2,
// "value":12345}; floats that JSON cannot hold are "NaN", "+Inf", "-Inf".
// Any string that is not valid UTF-8, which JSON cannot carry, is written
// as {"base64":"…"} instead.

// maxValueDepth bounds nesting on write (self-referencing maps) and read.
const maxValueDepth = 100

// appendJSONString writes s as a JSON string, or as {"base64":…} when s is
// not valid UTF-8.
func appendJSONString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		b = append(b, `{"base64":"`...)
		b = base64.StdEncoding.AppendEncode(b, []byte(s))
		return append(b, `"}`...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			switch c {
			case '\n':
				b = append(b, `\n`...)
			case '\t':
				b = append(b, `\t`...)
			case '\r':
				b = append(b, `\r`...)
			default:
				b = append(b, `\u00`...)
				b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
			}
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func appendBase64(b []byte, data []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, data)
	return append(b, '"')
}

// appendTime writes a timestamp at second precision.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC().Truncate(time.Second)
	if y := t.Year(); y < 0 || y > 9999 {
		return strconv.AppendInt(b, t.Unix(), 10)
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339)
	return append(b, '"')
}

func appendFloat(b []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.AppendQuote(b, strconv.FormatFloat(f, 'g', -1, bits))
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}

// appendTableJSON writes a table's JSON form (see the format note above).
func appendTableJSON(b []byte, t map[string]any, depth int) ([]byte, error) {
	keys := make([]string, 0, len(t))
	entries := false
	for k := range t {
		keys = append(keys, k)
		entries = entries || !utf8.ValidString(k)
	}
	sort.Strings(keys)
	open, close := byte('{'), byte('}')
	if entries {
		open, close = '[', ']'
	}
	b = append(b, open)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if entries {
			b = append(b, `{"key":`...)
			b = appendJSONString(b, k)
			b = append(b, ',')
			b, err = appendTypedFields(b, t[k], depth+1)
			b = append(b, '}')
		} else {
			b = appendJSONString(b, k)
			b = append(b, ':')
			b, err = appendTyped(b, t[k], depth+1)
		}
		if err != nil {
			return b, fmt.Errorf("%q: %w", k, err)
		}
	}
	return append(b, close), nil
}

func appendTyped(b []byte, v any, depth int) ([]byte, error) {
	b = append(b, '{')
	b, err := appendTypedFields(b, v, depth)
	return append(b, '}'), err
}

// appendTypedFields writes "type":…,"value":… without the braces.
func appendTypedFields(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxValueDepth {
		return b, errors.New("nested too deeply")
	}
	typ := AMQPType(v)
	switch x := v.(type) {
	case int, uint, uint64: // not AMQP types: kept as int64 when they fit
		n, ok := asInt(v)
		if !ok {
			return b, fmt.Errorf("%v does not fit an int64", v)
		}
		v, typ = n, "int64"
	case Decimal:
		b = append(b, `"type":"decimal","scale":`...)
		b = strconv.AppendUint(b, uint64(x.Scale), 10)
		b = append(b, `,"value":`...)
		return strconv.AppendInt(b, int64(x.Value), 10), nil
	case nil:
		return append(b, `"type":"void"`...), nil
	}
	b = append(b, `"type":"`...)
	b = append(b, typ...)
	b = append(b, `","value":`...)
	switch x := v.(type) {
	case string:
		return appendJSONString(b, x), nil
	case []byte:
		return appendBase64(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case float32:
		return appendFloat(b, float64(x), 32), nil
	case float64:
		return appendFloat(b, x, 64), nil
	case time.Time:
		return appendTime(b, x), nil
	case int8, uint8, int16, uint16, int32, uint32, int64:
		n, _ := asInt(x)
		return strconv.AppendInt(b, n, 10), nil
	}
	if t, ok := asTable(v); ok {
		return appendTableJSON(b, t, depth)
	}
	if a, ok := asArray(v); ok {
		b = append(b, '[')
		for i, e := range a {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendTyped(b, e, depth+1); err != nil {
				return b, fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return append(b, ']'), nil
	}
	return b, fmt.Errorf("unsupported type %T", v)
}

// jstr is a string in the JSON Lines format: a JSON string, or
// {"base64":…} for bytes that are not valid UTF-8.
type jstr string

func (s *jstr) UnmarshalJSON(data []byte) error {
	if bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("{")) {
		var o struct {
			Base64 *[]byte `json:"base64"`
		}
		if err := json.Unmarshal(data, &o); err != nil {
			return err
		}
		if o.Base64 == nil {
			return errors.New(`string object without "base64"`)
		}
		*s = jstr(*o.Base64)
		return nil
	}
	var plain string
	if err := json.Unmarshal(data, &plain); err != nil {
		return err
	}
	*s = jstr(plain)
	return nil
}

// typedJSON is a typed value as read; Key is set only in a table's entries
// form.
type typedJSON struct {
	Key   *jstr           `json:"key"`
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
	Scale *uint8          `json:"scale"`
}

func parseTable(data json.RawMessage, depth int) (map[string]any, error) {
	if depth > maxValueDepth {
		return nil, errors.New("nested too deeply")
	}
	t := map[string]any{}
	if bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("[")) {
		var entries []typedJSON
		if err := json.Unmarshal(data, &entries); err != nil {
			return nil, err
		}
		for i, e := range entries {
			if e.Key == nil {
				return nil, fmt.Errorf("table entry %d has no key", i)
			}
			v, err := parseTyped(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", string(*e.Key), err)
			}
			t[string(*e.Key)] = v
		}
		return t, nil
	}
	var fields map[string]typedJSON
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, err
	}
	if fields == nil {
		return nil, errors.New("table is null")
	}
	for k, f := range fields {
		v, err := parseTyped(f, depth+1)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", k, err)
		}
		t[k] = v
	}
	return t, nil
}

func parseTyped(tv typedJSON, depth int) (any, error) {
	if depth > maxValueDepth {
		return nil, errors.New("nested too deeply")
	}
	if tv.Type == "void" {
		return nil, nil
	}
	if !strings.Contains(valueTypes, " "+tv.Type+" ") {
		return nil, fmt.Errorf("unknown type %q", tv.Type)
	}
	if tv.Value == nil {
		return nil, fmt.Errorf("%s without a value", tv.Type)
	}
	var err error
	into := func(p any) { err = json.Unmarshal(tv.Value, p) }
	switch tv.Type {
	case "longstr":
		var s jstr
		into(&s)
		return string(s), err
	case "bytes":
		var b []byte
		if into(&b); b == nil && err == nil {
			b = []byte{} // canonical: a bytes header is never nil
		}
		return b, err
	case "bool":
		var v bool
		into(&v)
		return v, err
	case "int8":
		var v int8
		into(&v)
		return v, err
	case "uint8":
		var v uint8
		into(&v)
		return v, err
	case "int16":
		var v int16
		into(&v)
		return v, err
	case "uint16":
		var v uint16
		into(&v)
		return v, err
	case "int32":
		var v int32
		into(&v)
		return v, err
	case "uint32":
		var v uint32
		into(&v)
		return v, err
	case "int64":
		var v int64
		into(&v)
		return v, err
	case "float":
		f, err := parseFloat(tv.Value, 32)
		return float32(f), err
	case "double":
		return parseFloat(tv.Value, 64)
	case "timestamp":
		return parseTime(tv.Value)
	case "decimal":
		var v int32
		into(&v)
		if tv.Scale == nil && err == nil {
			err = errors.New(`decimal without "scale"`)
		}
		if err != nil {
			return nil, err
		}
		return Decimal{Scale: *tv.Scale, Value: v}, nil
	case "table":
		return parseTable(tv.Value, depth)
	case "array":
		var elems []typedJSON
		if into(&elems); err != nil {
			return nil, err
		}
		arr := make([]any, len(elems))
		for i, e := range elems {
			if arr[i], err = parseTyped(e, depth+1); err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return arr, nil
	}
	return nil, fmt.Errorf("unknown type %q", tv.Type) // unreachable: checked above
}

// valueTypes are the type names that carry a value (void does not).
const valueTypes = " longstr bytes bool int8 uint8 int16 uint16 int32 uint32 int64 float double timestamp decimal table array "

// parseFloat reads a JSON number or one of the strings "NaN", "+Inf",
// "-Inf".
func parseFloat(data json.RawMessage, bits int) (float64, error) {
	var s string
	if json.Unmarshal(data, &s) == nil {
		switch s {
		case "NaN", "+Inf", "-Inf":
			return strconv.ParseFloat(s, bits)
		}
		return 0, fmt.Errorf("float %q", s)
	}
	var n json.Number
	if err := json.Unmarshal(data, &n); err != nil {
		return 0, err
	}
	return strconv.ParseFloat(n.String(), bits)
}

// parseTime reads an RFC 3339 string or Unix seconds, as UTC at second
// precision.
func parseTime(data json.RawMessage) (time.Time, error) {
	var s string
	if json.Unmarshal(data, &s) == nil {
		t, err := time.Parse(time.RFC3339, s)
		return t.UTC().Truncate(time.Second), err
	}
	var n int64
	if err := json.Unmarshal(data, &n); err != nil {
		return time.Time{}, err
	}
	return time.Unix(n, 0).UTC(), nil
}
