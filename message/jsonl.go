package message

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// JSONLVersion is written as "v" in every exported line; ReadJSONL refuses
// lines from a newer format.
const JSONLVersion = 1

// MarshalJSONL encodes m as one line of warren's JSON Lines export format,
// newline included. Every property and header keeps its AMQP type; see
// jsonvalue.go for the value encoding. Header values of a type outside the
// documented set (see Message.Headers) are an error, except Go int, uint and
// uint64, which are written as int64 when they fit.
//
// A line looks like (wrapped here):
//
//	{"v":1,"vhost":"/","queue":"orders.dlq","position":1,"offset":-1,
//	 "exchange":"","routing_key":"orders","redelivered":false,
//	 "properties":{"content_type":"application/json","delivery_mode":2},
//	 "headers":{"x-death":{"type":"array","value":[…]}},"body":"eyJpZCI6MX0="}
func MarshalJSONL(m Message) ([]byte, error) {
	if m.FullSize > len(m.Body) {
		return nil, fmt.Errorf("the body holds only the first %d of its %d bytes (the management API cut it)", len(m.Body), m.FullSize)
	}
	b := make([]byte, 0, 256+len(m.Body)*4/3)
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, JSONLVersion, 10)
	b = appendField(b, "vhost", m.Vhost)
	b = appendField(b, "queue", m.Queue)
	b = append(b, `,"position":`...)
	b = strconv.AppendInt(b, int64(m.Position), 10)
	b = append(b, `,"offset":`...)
	b = strconv.AppendInt(b, m.Offset, 10)
	b = appendField(b, "exchange", m.Exchange)
	b = appendField(b, "routing_key", m.RoutingKey)
	b = append(b, `,"redelivered":`...)
	b = strconv.AppendBool(b, m.Redelivered)

	p := m.Properties
	b = append(b, `,"properties":{`...)
	mark := len(b)
	for _, f := range []struct{ name, value string }{
		{"content_type", p.ContentType}, {"content_encoding", p.ContentEncoding},
		{"correlation_id", p.CorrelationID}, {"reply_to", p.ReplyTo},
		{"expiration", p.Expiration}, {"message_id", p.MessageID},
		{"type", p.Type}, {"user_id", p.UserID}, {"app_id", p.AppID},
	} {
		if f.value != "" {
			b = appendField(b, f.name, f.value)
		}
	}
	if p.DeliveryMode != 0 {
		b = append(b, `,"delivery_mode":`...)
		b = strconv.AppendUint(b, uint64(p.DeliveryMode), 10)
	}
	if p.Priority != 0 {
		b = append(b, `,"priority":`...)
		b = strconv.AppendUint(b, uint64(p.Priority), 10)
	}
	if !p.Timestamp.IsZero() {
		b = append(b, `,"timestamp":`...)
		b = appendTime(b, p.Timestamp)
	}
	if len(b) > mark {
		b = append(b[:mark], b[mark+1:]...) // drop the first field's comma
	}
	b = append(b, '}')

	if len(m.Headers) > 0 {
		b = append(b, `,"headers":`...)
		var err error
		if b, err = appendTableJSON(b, m.Headers, 0); err != nil {
			return nil, fmt.Errorf("header %w", err)
		}
	}
	if len(m.Body) > 0 {
		b = append(b, `,"body":`...)
		b = appendBase64(b, m.Body)
	}
	return append(b, "}\n"...), nil
}

func appendField(b []byte, name, value string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendJSONString(b, value)
}

// WriteJSONL writes msgs as JSON Lines, one message per line (see
// MarshalJSONL). On error, the lines before the failing message have been
// written; the error names that message by its index and position.
func WriteJSONL(w io.Writer, msgs []Message) error {
	bw := bufio.NewWriter(w)
	for i, m := range msgs {
		line, err := MarshalJSONL(m)
		if err != nil {
			bw.Flush()
			return fmt.Errorf("message %d (position %d): %w", i, m.Position, err)
		}
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// lineJSON is one exported line as read.
type lineJSON struct {
	V           *int            `json:"v"`
	Vhost       jstr            `json:"vhost"`
	Queue       jstr            `json:"queue"`
	Position    int             `json:"position"`
	Offset      *int64          `json:"offset"`
	Exchange    jstr            `json:"exchange"`
	RoutingKey  jstr            `json:"routing_key"`
	Redelivered bool            `json:"redelivered"`
	Properties  propertiesJSON  `json:"properties"`
	Headers     json.RawMessage `json:"headers"`
	Body        []byte          `json:"body"`
}

type propertiesJSON struct {
	ContentType     jstr            `json:"content_type"`
	ContentEncoding jstr            `json:"content_encoding"`
	DeliveryMode    uint8           `json:"delivery_mode"`
	Priority        uint8           `json:"priority"`
	CorrelationID   jstr            `json:"correlation_id"`
	ReplyTo         jstr            `json:"reply_to"`
	Expiration      jstr            `json:"expiration"`
	MessageID       jstr            `json:"message_id"`
	Timestamp       json.RawMessage `json:"timestamp"`
	Type            jstr            `json:"type"`
	UserID          jstr            `json:"user_id"`
	AppID           jstr            `json:"app_id"`
}

// UnmarshalJSONL decodes one line written by MarshalJSONL. The result is
// canonical: times in UTC at second precision, an empty body and empty
// headers nil, bytes header values never nil, arrays []any, tables
// map[string]any.
func UnmarshalJSONL(line []byte) (Message, error) {
	var l lineJSON
	if err := json.Unmarshal(line, &l); err != nil {
		return Message{}, err
	}
	if l.V == nil {
		return Message{}, errors.New(`no format version "v": not a warren export`)
	}
	if *l.V < 1 || *l.V > JSONLVersion {
		return Message{}, fmt.Errorf("format version %d: this warren reads up to %d", *l.V, JSONLVersion)
	}
	m := Message{
		Vhost: string(l.Vhost), Queue: string(l.Queue), Position: l.Position, Offset: -1,
		Exchange: string(l.Exchange), RoutingKey: string(l.RoutingKey), Redelivered: l.Redelivered,
	}
	if l.Offset != nil {
		m.Offset = *l.Offset
	}
	p := l.Properties
	m.Properties = Properties{
		ContentType: string(p.ContentType), ContentEncoding: string(p.ContentEncoding),
		DeliveryMode: p.DeliveryMode, Priority: p.Priority,
		CorrelationID: string(p.CorrelationID), ReplyTo: string(p.ReplyTo),
		Expiration: string(p.Expiration), MessageID: string(p.MessageID),
		Type: string(p.Type), UserID: string(p.UserID), AppID: string(p.AppID),
	}
	if len(p.Timestamp) > 0 && string(p.Timestamp) != "null" {
		t, err := parseTime(p.Timestamp)
		if err != nil {
			return Message{}, fmt.Errorf("properties.timestamp: %w", err)
		}
		m.Properties.Timestamp = t
	}
	if len(l.Headers) > 0 && string(l.Headers) != "null" {
		h, err := parseTable(l.Headers, 0)
		if err == nil {
			// An import would publish it, and no amqp091-go reader could
			// read it back.
			err = CheckHeaders(h)
		}
		if err != nil {
			return Message{}, fmt.Errorf("headers: %w", err)
		}
		if len(h) > 0 {
			m.Headers = h
		}
	}
	if len(l.Body) > 0 {
		m.Body = l.Body
	}
	return m, nil
}

// MaxJSONLLine bounds one line of a JSON Lines file being read: room for a
// body of 24 MiB in base64 with its properties and headers (RabbitMQ 4
// refuses messages over 16 MiB by default). A longer line is an error, so
// a file that is not an export (or is endless) cannot take all memory.
const MaxJSONLLine = 32 << 20

// JSONLReader reads messages written by WriteJSONL one at a time, so a file
// of any size is read in bounded memory: one line at a time, each at most
// its limit.
type JSONLReader struct {
	br      *bufio.Reader
	maxLine int
	line    int // lines read so far
	buf     []byte
}

// NewJSONLReader reads from r with lines of at most maxLine bytes
// (MaxJSONLLine when maxLine <= 0).
func NewJSONLReader(r io.Reader, maxLine int) *JSONLReader {
	if maxLine <= 0 {
		maxLine = MaxJSONLLine
	}
	return &JSONLReader{br: bufio.NewReaderSize(r, 64<<10), maxLine: maxLine}
}

// Next returns the next message, skipping blank lines, and the 1-based
// line it came from; io.EOF after the last. Any other error names its line
// and ends the reading.
func (r *JSONLReader) Next() (Message, int, error) {
	for {
		line, err := r.readLine()
		if err != nil {
			return Message{}, r.line, err
		}
		if r.line == 1 {
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		if trimmed := bytes.TrimSpace(line); len(trimmed) > 0 {
			m, err := UnmarshalJSONL(trimmed)
			if err != nil {
				return Message{}, r.line, fmt.Errorf("line %d: %w", r.line, err)
			}
			return m, r.line, nil
		}
	}
}

// readLine returns the next line without its newline; the slice is valid
// until the next call.
func (r *JSONLReader) readLine() ([]byte, error) {
	r.buf = r.buf[:0]
	for {
		chunk, err := r.br.ReadSlice('\n')
		if len(r.buf)+len(chunk) > r.maxLine {
			r.line++
			return nil, fmt.Errorf("line %d is longer than %s, the limit of one line (is this a warren export?)", r.line, sizeLabel(r.maxLine))
		}
		if cap(r.buf)-len(r.buf) < len(chunk) { // grow by doubling: a long line is copied little
			grown := make([]byte, len(r.buf), min(max(2*cap(r.buf), len(r.buf)+len(chunk)), r.maxLine))
			copy(grown, r.buf)
			r.buf = grown
		}
		r.buf = append(r.buf, chunk...)
		switch {
		case err == nil:
			r.line++
			return r.buf, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(r.buf) > 0:
			r.line++
			return r.buf, nil
		case errors.Is(err, io.EOF):
			return nil, io.EOF
		default:
			return nil, fmt.Errorf("line %d: %w", r.line+1, err)
		}
	}
}

// sizeLabel writes a limit in whole MiB or KiB.
func sizeLabel(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ReadJSONL reads all the messages written by WriteJSONL, skipping blank
// lines. It stops at the first bad line and returns the messages read
// before it together with an error naming the line number (1-based), so
// nothing read is lost. Lines may be up to MaxJSONLLine long; a large file
// is better read with a JSONLReader.
func ReadJSONL(r io.Reader) ([]Message, error) {
	jr := NewJSONLReader(r, 0)
	var msgs []Message
	for {
		m, _, err := jr.Next()
		if err == io.EOF {
			return msgs, nil
		}
		if err != nil {
			return msgs, err
		}
		msgs = append(msgs, m)
	}
}

// Canonical returns m in the form UnmarshalJSONL produces, so that a
// message read from a broker compares equal (reflect.DeepEqual) with its
// exported and re-imported copy: times in UTC at second precision, client
// library table and array types turned into map[string]any and []any,
// Go int, uint and uint64 into int64, empty body and headers nil.
func Canonical(m Message) Message {
	if !m.Properties.Timestamp.IsZero() {
		m.Properties.Timestamp = m.Properties.Timestamp.UTC().Truncate(time.Second)
	}
	if len(m.Body) == 0 {
		m.Body = nil
	}
	if len(m.Headers) == 0 {
		m.Headers = nil
	} else {
		m.Headers = canonicalValue(m.Headers, 0).(map[string]any)
	}
	return m
}

func canonicalValue(v any, depth int) any {
	if depth > maxValueDepth {
		return v
	}
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Truncate(time.Second)
	case []byte:
		if x == nil {
			return []byte{}
		}
		return x
	case int, uint, uint64:
		if n, ok := asInt(x); ok {
			return n
		}
		return v
	case string, bool, int8, uint8, int16, uint16, int32, uint32, int64, float32, float64, Decimal, nil:
		return v
	}
	if t, ok := asTable(v); ok {
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = canonicalValue(e, depth+1)
		}
		return out
	}
	if a, ok := asArray(v); ok {
		out := make([]any, len(a))
		for i, e := range a {
			out[i] = canonicalValue(e, depth+1)
		}
		return out
	}
	return v
}
