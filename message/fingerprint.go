package message

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"math"
	"sort"
	"time"
)

// deliveryHeaders are headers the broker adds or changes each time it
// delivers a message, so they say how it was read, not what it is: a
// quorum queue raises x-delivery-count on every requeue (a peek is one),
// and from RabbitMQ 4.3 x-acquired-count on every delivery; a stream adds
// the offset it was read at.
var deliveryHeaders = map[string]bool{
	"x-delivery-count": true,
	"x-acquired-count": true,
	"x-stream-offset":  true,
}

// Fingerprint is a stable sha256 hex digest of what identifies a message's
// content: its Properties, Headers and Body. Where and how it was read
// (Vhost, Queue, Position, Offset, Exchange, RoutingKey, Redelivered, and
// the broker's per-delivery headers) do not count, so a peeked message and
// the same message taken again later have the same fingerprint.
//
// Values are compared as Canonical makes them, and integers and floats by
// value whatever their width: a client library's table types, header order
// and an int32 that comes back as an int64 change nothing.
func Fingerprint(m Message) string {
	m = Canonical(m)
	f := fingerprinter{h: sha256.New()}
	f.str("warren-fingerprint-v1")
	p := m.Properties
	for _, s := range []string{p.ContentType, p.ContentEncoding, p.CorrelationID, p.ReplyTo,
		p.Expiration, p.MessageID, p.Type, p.UserID, p.AppID} {
		f.str(s)
	}
	f.raw([]byte{p.DeliveryMode, p.Priority})
	f.time(p.Timestamp)
	headers := make(map[string]any, len(m.Headers))
	for k, v := range m.Headers {
		if !deliveryHeaders[k] {
			headers[k] = v
		}
	}
	f.table(headers, 0)
	f.bytes(m.Body)
	return hex.EncodeToString(f.h.Sum(nil))
}

// fingerprinter feeds values to a hash unambiguously: every variable-length
// item is length-prefixed and every header value carries a type tag.
type fingerprinter struct{ h hash.Hash }

// Type tags of header values. Integers share one tag, floats another.
const (
	tagVoid byte = iota
	tagString
	tagBytes
	tagBool
	tagInt
	tagUint // a uint64 too big for int64
	tagFloat
	tagTime
	tagDecimal
	tagTable
	tagArray
	tagOther // a type Message does not document; hashed by its tag only
)

func (f fingerprinter) raw(b []byte) { f.h.Write(b) }

func (f fingerprinter) u64(n uint64) {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], n)
	f.h.Write(buf[:])
}

func (f fingerprinter) bytes(b []byte) {
	f.u64(uint64(len(b)))
	f.h.Write(b)
}

func (f fingerprinter) str(s string) {
	f.u64(uint64(len(s)))
	f.h.Write([]byte(s))
}

// float hashes every NaN alike: an export keeps NaN, not its payload bits.
func (f fingerprinter) float(x float64) {
	if math.IsNaN(x) {
		x = math.NaN()
	}
	f.raw([]byte{tagFloat})
	f.u64(math.Float64bits(x))
}

func (f fingerprinter) time(t time.Time) {
	if t.IsZero() {
		f.raw([]byte{0})
		return
	}
	f.raw([]byte{1})
	f.u64(uint64(t.Unix()))
}

// table hashes keys in sorted order, so insertion order cannot matter.
func (f fingerprinter) table(t map[string]any, depth int) {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	f.u64(uint64(len(keys)))
	for _, k := range keys {
		f.str(k)
		f.value(t[k], depth+1)
	}
}

func (f fingerprinter) value(v any, depth int) {
	if n, ok := asInt(v); ok {
		f.raw([]byte{tagInt})
		f.u64(uint64(n))
		return
	}
	switch x := v.(type) {
	case nil:
		f.raw([]byte{tagVoid})
	case string:
		f.raw([]byte{tagString})
		f.str(x)
	case []byte:
		f.raw([]byte{tagBytes})
		f.bytes(x)
	case bool:
		f.raw([]byte{tagBool})
		if x {
			f.raw([]byte{1})
		} else {
			f.raw([]byte{0})
		}
	case uint64:
		f.raw([]byte{tagUint})
		f.u64(x)
	case uint:
		f.raw([]byte{tagUint})
		f.u64(uint64(x))
	case float32:
		f.float(float64(x))
	case float64:
		f.float(x)
	case time.Time:
		f.raw([]byte{tagTime})
		f.time(x)
	case Decimal:
		f.raw([]byte{tagDecimal, x.Scale})
		f.u64(uint64(int64(x.Value)))
	case map[string]any:
		f.raw([]byte{tagTable})
		if depth > maxValueDepth {
			return
		}
		f.table(x, depth)
	case []any:
		f.raw([]byte{tagArray})
		if depth > maxValueDepth {
			return
		}
		f.u64(uint64(len(x)))
		for _, e := range x {
			f.value(e, depth+1)
		}
	default:
		f.raw([]byte{tagOther})
	}
}
