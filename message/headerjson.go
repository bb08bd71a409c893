package message

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Headers are edited (in the publish form) as JSON that a person can read:
// strings, booleans, integers (sent as int64, RabbitMQ's "long"), tables
// as objects, arrays and null are plain JSON. Every other AMQP type keeps
// its exact type as the typed object of the JSON Lines format, e.g.
// {"type":"timestamp","value":"2026-11-26T10:00:00Z"} or
// {"type":"int32","value":5}, so an edited x-death goes back unchanged.
// An object is read as typed only when its keys are exactly "type" and
// "value" (and "scale" for a decimal) and "type" names an AMQP type.

// FormatHeadersJSON writes headers for editing, indented, keys sorted.
func FormatHeadersJSON(h map[string]any) (string, error) {
	if len(h) == 0 {
		return "{}", nil
	}
	tree, err := editableTree(h, 0)
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	if err := writeIndented(&out, tree, "", 72); err != nil {
		return "", err
	}
	return out.String(), nil
}

// writeIndented pretty-prints v, keeping any value whose compact form fits
// in width on one line, so a typed value reads {"type": "int32", "value": 7}.
func writeIndented(out *bytes.Buffer, v any, indent string, width int) error {
	flat, err := compactJSON(v)
	if err != nil {
		return err
	}
	if len(flat)+len(indent) <= width {
		out.Write(flat)
		return nil
	}
	inner := indent + "  "
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out.WriteString("{\n")
		for i, k := range keys {
			kb, _ := compactJSON(k)
			out.WriteString(inner)
			out.Write(kb)
			out.WriteString(": ")
			if err := writeIndented(out, x[k], inner, width); err != nil {
				return err
			}
			if i < len(keys)-1 {
				out.WriteByte(',')
			}
			out.WriteByte('\n')
		}
		out.WriteString(indent + "}")
	case []any:
		out.WriteString("[\n")
		for i, e := range x {
			out.WriteString(inner)
			if err := writeIndented(out, e, inner, width); err != nil {
				return err
			}
			if i < len(x)-1 {
				out.WriteByte(',')
			}
			out.WriteByte('\n')
		}
		out.WriteString(indent + "]")
	default:
		out.Write(flat)
	}
	return nil
}

// compactJSON is one-line JSON with a space after : and , for reading,
// and no HTML escaping.
func compactJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return spaceJSON(bytes.TrimRight(b.Bytes(), "\n")), nil
}

// spaceJSON adds a space after each : and , outside strings.
func spaceJSON(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	inStr, esc := false, false
	for _, c := range b {
		out = append(out, c)
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case !inStr && (c == ':' || c == ','):
			out = append(out, ' ')
		}
	}
	return out
}

// editableTree turns header values into what writeIndented prints: plain
// JSON values (ints as json.Number), tables and arrays of them, and the
// JSON Lines typed form (a json.RawMessage) for every other AMQP type.
func editableTree(v any, depth int) (any, error) {
	if depth > maxValueDepth {
		return nil, errors.New("nested too deeply")
	}
	switch x := v.(type) {
	case nil, bool:
		return x, nil
	case string:
		if utf8.ValidString(x) {
			return x, nil
		}
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), nil
	case int:
		return json.Number(strconv.Itoa(x)), nil
	}
	if t, ok := asTable(v); ok {
		if _, looksTyped := typedObject(t); looksTyped {
			return typedRaw(v, depth) // else it would read back as a typed value
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			if !utf8.ValidString(k) {
				return typedRaw(v, depth) // the JSON Lines entries form
			}
			ev, err := editableTree(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", k, err)
			}
			out[k] = ev
		}
		return out, nil
	}
	if a, ok := asArray(v); ok {
		out := make([]any, len(a))
		for i, e := range a {
			ev, err := editableTree(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = ev
		}
		return out, nil
	}
	return typedRaw(v, depth)
}

// typedRaw is v in the JSON Lines typed form.
func typedRaw(v any, depth int) (json.RawMessage, error) {
	b, err := appendTyped(nil, v, depth)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(b), nil
}

// ParseHeadersJSON reads headers written as FormatHeadersJSON describes.
// Blank input means no headers. Errors name the header at fault.
func ParseHeadersJSON(s string) (map[string]any, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("headers are not valid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("headers: text after the closing }")
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, errors.New("headers must be a JSON object: {\"name\": value, …}")
	}
	v, err := editableValue(obj, 0)
	if err != nil {
		return nil, fmt.Errorf("headers: %w", err)
	}
	t, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("headers must be a table, not a typed value")
	}
	if len(t) == 0 {
		return nil, nil
	}
	return t, nil
}

func editableValue(v any, depth int) (any, error) {
	if depth > maxValueDepth {
		return nil, errors.New("nested too deeply")
	}
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, nil
		}
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("number %s out of range", x)
		}
		return f, nil
	case map[string]any:
		if typed, ok := typedObject(x); ok {
			return parseTypedValue(typed, depth)
		}
		t := make(map[string]any, len(x))
		for k, e := range x {
			ev, err := editableValue(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", k, err)
			}
			t[k] = ev
		}
		return t, nil
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			ev, err := editableValue(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			a[i] = ev
		}
		return a, nil
	}
	return v, nil // string, bool, nil
}

// typedObject says whether an object is a typed value rather than a table.
func typedObject(o map[string]any) (map[string]any, bool) {
	typ, ok := o["type"].(string)
	if !ok || (typ != "void" && !strings.Contains(valueTypes, " "+typ+" ")) {
		return nil, false
	}
	for k := range o {
		if k != "type" && k != "value" && !(k == "scale" && typ == "decimal") {
			return nil, false
		}
	}
	return o, true
}

func parseTypedValue(o map[string]any, depth int) (any, error) {
	raw, err := json.Marshal(o) // json.Number marshals back verbatim
	if err != nil {
		return nil, err
	}
	var tv typedJSON
	if err := json.Unmarshal(raw, &tv); err != nil {
		return nil, err
	}
	return parseTyped(tv, depth)
}
