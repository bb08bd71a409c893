package broker

import (
	"hash/maphash"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
)

func TestMatchOpen(t *testing.T) {
	const h, p, u = openHeld, openPending, openUnsure
	open := func(es ...openEntry) []openEntry { return es }
	e := func(key uint64, s openState) openEntry { return openEntry{tag: key, key: key, state: s} }
	for _, tc := range []struct {
		name   string
		open   []openEntry
		cursor int
		key    uint64
		want   int
	}{
		{"the next one", open(e(1, p), e(2, h)), 0, 1, 0},
		{"held next", open(e(1, h), e(2, p)), 0, 1, 0},
		{"past acks the broker read", open(e(1, u), e(2, u), e(3, p)), 0, 3, 2},
		{"never past an ack not sent", open(e(1, p), e(3, p)), 0, 3, -1},
		{"never past a held one", open(e(1, h), e(3, p)), 0, 3, -1},
		{"not the move's", open(e(1, u), e(2, p)), 0, 9, -1},
		{"from the cursor", open(e(1, p), e(2, p)), 1, 2, 1},
		// Two with the same key: acked (maybe read) then held. Which one
		// the source still holds cannot be told: stop.
		{"same key, other fate", open(openEntry{tag: 1, key: 7, state: u}, openEntry{tag: 2, key: 7, state: h}), 0, 7, -1},
		{"same key, same fate", open(openEntry{tag: 1, key: 7, state: u}, openEntry{tag: 2, key: 7, state: u}), 0, 7, 0},
		{"same key behind an unsent ack", open(openEntry{tag: 1, key: 7, state: u}, e(2, p), openEntry{tag: 3, key: 7, state: h}), 0, 7, 0},
	} {
		if got := matchOpen(tc.open, tc.cursor, tc.key); got != tc.want {
			t.Errorf("%s: matchOpen = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// BenchmarkDeliveryKey is what noting a delivery for the undecodable
// check costs a move per message (256-byte body, three headers).
func BenchmarkDeliveryKey(b *testing.B) {
	m := &mover{seed: maphash.MakeSeed()}
	d := amqp.Delivery{RoutingKey: "orders.eu", MessageId: "warren-0123456789abcdef-42", Body: make([]byte, 256),
		Headers: amqp.Table{"seq": int64(1), "tenant": "acme", "trace": "abc"}}
	for b.Loop() {
		_ = m.deliveryKey(&d)
	}
}
