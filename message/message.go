// Package message is warren's picture of one AMQP message, independent of
// the client library: what peek, tap and tail produce, what the inspector
// shows, and what export and import read and write. Everything here is
// pure: no I/O but to the writers and readers it is handed.
package message

import "time"

// Message is one message as seen by warren. Its fields hold exactly what
// the broker delivered, control characters included, because republish,
// move, export and fingerprints need the bytes as they were; whatever
// shows a field escapes it (Escape), and the helpers here that format for
// display (Preview, HeaderTree, FormatValue, Body's views) already do.
type Message struct {
	// Where it was read.
	Vhost    string
	Queue    string
	Position int   // 1-based position in the peek or pane
	Offset   int64 // stream offset; -1 when not from a stream

	// Delivery information.
	Exchange    string // "" is the default exchange
	RoutingKey  string
	Redelivered bool

	Properties Properties
	// Headers hold AMQP field-table values as Go values: string, []byte,
	// bool, int8, int16, int32, int64, uint8, uint16, uint32, float32,
	// float64, time.Time, Decimal, map[string]any (a nested table),
	// []any (an array), or nil (void).
	Headers map[string]any
	Body    []byte

	// Undecodable says why the AMQP client could not read this message
	// ("" for one read as usual); what else is set was learnt another way.
	Undecodable string
	// ViaAPI: read through the management API's get, whose JSON keeps
	// no AMQP types: header numbers come as long or double, byte arrays
	// and timestamps as they print.
	ViaAPI bool
	// FullSize is the body's size when Body holds only its start (the
	// management API truncates long bodies); 0 when Body is whole.
	FullSize int
}

// Properties are the AMQP basic properties.
type Properties struct {
	ContentType     string
	ContentEncoding string
	DeliveryMode    uint8 // 1 transient, 2 persistent, 0 unset
	Priority        uint8
	CorrelationID   string
	ReplyTo         string
	Expiration      string
	MessageID       string
	Timestamp       time.Time // zero when unset
	Type            string
	UserID          string
	AppID           string
}

// Decimal is the AMQP decimal type: Value × 10^-Scale.
type Decimal struct {
	Scale uint8
	Value int32
}

// Size is the body's size in bytes.
func (m Message) Size() int { return max(len(m.Body), m.FullSize) }
