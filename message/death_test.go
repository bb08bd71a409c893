package message

import (
	"reflect"
	"testing"
	"time"
)

// table mimics amqp091's Table: a named map type.
type table map[string]interface{}

var deathTime = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

// retryLoopHeaders are what RabbitMQ leaves on a message that was rejected
// from orders, waited in orders.retry until its TTL expired, came back to
// orders, was rejected again and so landed in orders.dlq. Most recent first.
func retryLoopHeaders() map[string]any {
	return map[string]any{
		"x-death": []any{
			table{"count": int64(2), "reason": "rejected", "queue": "orders", "time": deathTime,
				"exchange": "orders-x", "routing-keys": []any{"order.created"}},
			table{"count": int64(1), "reason": "expired", "queue": "orders.retry", "time": deathTime.Add(-time.Minute),
				"exchange": "retry-x", "routing-keys": []any{"order.created"}, "original-expiration": "5000"},
		},
		"x-first-death-reason":   "rejected",
		"x-first-death-queue":    "orders",
		"x-first-death-exchange": "orders-x",
		"x-last-death-reason":    "rejected",
		"x-last-death-queue":     "orders",
		"x-last-death-exchange":  "orders-x",
	}
}

func TestDeaths(t *testing.T) {
	want := []Death{
		{Reason: "rejected", Queue: "orders", Exchange: "orders-x", RoutingKeys: []string{"order.created"}, Count: 2, Time: deathTime},
		{Reason: "expired", Queue: "orders.retry", Exchange: "retry-x", RoutingKeys: []string{"order.created"}, Count: 1,
			Time: deathTime.Add(-time.Minute), OriginalExpiration: "5000"},
	}
	if got := Deaths(retryLoopHeaders()); !reflect.DeepEqual(got, want) {
		t.Errorf("Deaths\n got %+v\nwant %+v", got, want)
	}
}

func TestDeathsTolerant(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]any
		want    []Death
	}{
		{"no headers", nil, nil},
		{"no x-death", map[string]any{"a": 1}, nil},
		{"x-death not an array", map[string]any{"x-death": "oops"}, nil},
		{"x-death bytes", map[string]any{"x-death": []byte("oops")}, nil},
		{"entries not tables skipped", map[string]any{"x-death": []any{"x", 3, nil, map[string]any{"queue": "q"}}},
			[]Death{{Queue: "q"}}},
		{"odd value types", map[string]any{"x-death": []table{{
			"queue": []byte("q"), "reason": 7, "count": int32(3), "time": int64(1714557600),
			"routing-keys": []string{"a", "b"},
		}}}, []Death{{Queue: "q", Count: 3, Time: deathTime, RoutingKeys: []string{"a", "b"}}}},
		{"routing key as a string, count as float", map[string]any{"x-death": []any{map[string]any{
			"routing-keys": "k", "count": 2.0, "time": "yesterday",
		}}}, []Death{{RoutingKeys: []string{"k"}, Count: 2}}},
		{"routing keys with junk", map[string]any{"x-death": []any{map[string]any{
			"routing-keys": []any{"a", 1, []byte("b"), nil}, "count": uint64(1 << 63),
		}}}, []Death{{RoutingKeys: []string{"a", "b"}}}},
	}
	for _, tt := range tests {
		if got := Deaths(tt.headers); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Deaths = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestFirstAndLastDeath(t *testing.T) {
	h := retryLoopHeaders()
	h["x-last-death-queue"] = "orders.retry"
	first, ok := FirstDeath(h)
	if !ok || !reflect.DeepEqual(first, Death{Reason: "rejected", Queue: "orders", Exchange: "orders-x"}) {
		t.Errorf("FirstDeath = %+v, %v", first, ok)
	}
	last, ok := LastDeath(h)
	if !ok || last.Queue != "orders.retry" {
		t.Errorf("LastDeath = %+v, %v", last, ok)
	}
	if _, ok := FirstDeath(map[string]any{"x-death": []any{}}); ok {
		t.Error("FirstDeath without its headers")
	}
}

func TestOrigin(t *testing.T) {
	type origin struct {
		queue, exchange string
		keys            []string
		ok              bool
	}
	tests := []struct {
		name string
		m    Message
		want origin
	}{
		{"most recent death wins", Message{Headers: retryLoopHeaders()},
			origin{"orders", "orders-x", []string{"order.created"}, true}},
		{"x-death[0] even when the first death was elsewhere", Message{Headers: map[string]any{
			"x-death": []any{
				map[string]any{"queue": "orders.retry", "exchange": "retry-x", "routing-keys": []any{"k"}, "reason": "expired"},
				map[string]any{"queue": "orders", "exchange": "orders-x", "routing-keys": []any{"k"}, "reason": "rejected"},
			},
			"x-first-death-queue": "orders", "x-first-death-exchange": "orders-x",
		}}, origin{"orders.retry", "retry-x", []string{"k"}, true}},
		{"last-death headers, named exchange: delivery routing key", Message{RoutingKey: "rk", Headers: map[string]any{
			"x-last-death-queue": "q2", "x-last-death-exchange": "x2", "x-first-death-queue": "q1",
		}}, origin{"q2", "x2", []string{"rk"}, true}},
		{"first-death only, default exchange: the queue name", Message{RoutingKey: "dlq-key", Headers: map[string]any{
			"x-first-death-queue": "q1", "x-first-death-exchange": "", "x-first-death-reason": "expired",
		}}, origin{"q1", "", []string{"q1"}, true}},
		{"x-death without queue falls back", Message{RoutingKey: "rk", Headers: map[string]any{
			"x-death": []any{map[string]any{"reason": "rejected"}}, "x-first-death-queue": "q1", "x-first-death-exchange": "x1",
		}}, origin{"q1", "x1", []string{"rk"}, true}},
		{"no death", Message{Headers: map[string]any{"x-other": 1}}, origin{}},
		{"nil headers", Message{}, origin{}},
	}
	for _, tt := range tests {
		q, x, keys, ok := Origin(tt.m)
		if got := (origin{q, x, keys, ok}); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Origin = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestDeliveryCount(t *testing.T) {
	for _, tt := range []struct {
		v    any
		want int64
		ok   bool
	}{
		{int64(3), 3, true}, {int32(4), 4, true}, {uint8(5), 5, true}, {nil, 0, false}, {"3", 0, false}, {1.5, 0, false},
	} {
		h := map[string]any{"x-delivery-count": tt.v}
		if n, ok := DeliveryCount(h); n != tt.want || ok != tt.ok {
			t.Errorf("DeliveryCount(%#v) = %d, %v", tt.v, n, ok)
		}
	}
	if _, ok := DeliveryCount(nil); ok {
		t.Error("absent count reported")
	}
}
