package message

import (
	"math"
	"reflect"
	"time"
)

// Death is one entry of the x-death header RabbitMQ adds when it
// dead-letters a message: one per (queue, reason), counted.
type Death struct {
	Reason   string // rejected, expired, maxlen, delivery_limit
	Queue    string // the queue the message died in
	Exchange string // the exchange it had been published to before dying
	// RoutingKeys it had been published with (CC included, BCC not).
	RoutingKeys []string
	Count       int64     // times it died in Queue for Reason
	Time        time.Time // zero when absent
	// OriginalExpiration is the per-message TTL it had, when it expired.
	OriginalExpiration string
}

// Deaths parses the x-death header, most recent death first (RabbitMQ keeps
// the array ordered by recency and moves an entry to the front when its
// count grows). It tolerates odd value types: counts of any integer type,
// strings as []byte, timestamps as time.Time or Unix seconds; entries that
// are not tables are skipped. Nil when there is no x-death.
func Deaths(headers map[string]any) []Death {
	arr, ok := asArray(headers["x-death"])
	if !ok {
		return nil
	}
	var deaths []Death
	for _, v := range arr {
		t, ok := asTable(v)
		if !ok {
			continue
		}
		d := Death{
			Reason:             asString(t["reason"]),
			Queue:              asString(t["queue"]),
			Exchange:           asString(t["exchange"]),
			RoutingKeys:        asStrings(t["routing-keys"]),
			OriginalExpiration: asString(t["original-expiration"]),
		}
		d.Count, _ = asInt(t["count"])
		d.Time = asTime(t["time"])
		deaths = append(deaths, d)
	}
	return deaths
}

// FirstDeath reads x-first-death-reason, -queue and -exchange: where the
// message was dead-lettered the very first time. ok is false when none is
// set. RoutingKeys, Count and Time stay zero: these headers lack them.
func FirstDeath(headers map[string]any) (Death, bool) {
	return deathFromHeaders(headers, "x-first-death-")
}

// LastDeath reads x-last-death-reason, -queue and -exchange, which RabbitMQ
// 3.13 and later set alongside x-death.
func LastDeath(headers map[string]any) (Death, bool) {
	return deathFromHeaders(headers, "x-last-death-")
}

func deathFromHeaders(h map[string]any, prefix string) (Death, bool) {
	reason, okR := h[prefix+"reason"]
	queue, okQ := h[prefix+"queue"]
	exchange, okE := h[prefix+"exchange"]
	if !okR && !okQ && !okE {
		return Death{}, false
	}
	return Death{Reason: asString(reason), Queue: asString(queue), Exchange: asString(exchange)}, true
}

// Origin is where "return to origin" should publish m back to: the queue it
// died in, and the exchange and routing keys it had been published with
// there.
//
// It is the most recent death, x-death[0], not the first: that is the hop
// which brought the message to the queue it is read from, so publishing
// there undoes exactly one dead-lettering. In a retry loop (work queue →
// retry queue with a TTL → work queue) the first death may be long past.
// Without x-death it falls back to x-last-death-*, then x-first-death-*;
// those carry no routing keys, so the keys become the queue name for the
// default exchange (which routes by queue name) and otherwise the routing
// key m was delivered with, which is the original one unless the queue set
// x-dead-letter-routing-key. ok is false when m carries no death at all.
func Origin(m Message) (queue, exchange string, routingKeys []string, ok bool) {
	if deaths := Deaths(m.Headers); len(deaths) > 0 && deaths[0].Queue != "" {
		d := deaths[0]
		return d.Queue, d.Exchange, d.RoutingKeys, true
	}
	d, ok := LastDeath(m.Headers)
	if !ok || d.Queue == "" {
		d, ok = FirstDeath(m.Headers)
	}
	if !ok || d.Queue == "" {
		return "", "", nil, false
	}
	keys := []string{m.RoutingKey}
	if d.Exchange == "" {
		keys = []string{d.Queue}
	}
	return d.Queue, d.Exchange, keys, true
}

// DeliveryCount reads x-delivery-count, which quorum queues set on
// redelivery. ok is false when it is absent (RabbitMQ 4 leaves it out of a
// first delivery) or not an integer.
func DeliveryCount(headers map[string]any) (int64, bool) {
	return asInt(headers["x-delivery-count"])
}

// asTable accepts map[string]any and any other map with string keys, such
// as amqp091's Table.
func asTable(v any) (map[string]any, bool) {
	switch t := v.(type) {
	case map[string]any:
		return t, true
	case nil:
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return nil, false
	}
	out := make(map[string]any, rv.Len())
	iter := rv.MapRange()
	for iter.Next() {
		out[iter.Key().String()] = iter.Value().Interface()
	}
	return out, true
}

// asArray accepts []any and any other slice but []byte.
func asArray(v any) ([]any, bool) {
	switch a := v.(type) {
	case []any:
		return a, true
	case []byte, nil:
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

func asString(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case []byte:
		return string(s)
	}
	return ""
}

func asStrings(v any) []string {
	if s, ok := v.(string); ok { // a lone key where an array belongs
		return []string{s}
	}
	arr, ok := asArray(v)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		if s, ok := e.(string); ok {
			out = append(out, s)
		} else if b, ok := e.([]byte); ok {
			out = append(out, string(b))
		}
	}
	return out
}

// asInt accepts every integer type, and floats that hold whole numbers.
func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case int16:
		return int64(n), true
	case int8:
		return int64(n), true
	case int:
		return int64(n), true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		if n <= math.MaxInt64 {
			return int64(n), true
		}
	case uint:
		if uint64(n) <= math.MaxInt64 {
			return int64(n), true
		}
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<63 {
			return int64(n), true
		}
	case float32:
		if f := float64(n); f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return int64(f), true
		}
	}
	return 0, false
}

// asTime accepts time.Time and Unix seconds.
func asTime(v any) time.Time {
	if t, ok := v.(time.Time); ok {
		return t
	}
	if s, ok := asInt(v); ok {
		return time.Unix(s, 0).UTC()
	}
	return time.Time{}
}
