package broker

import (
	"context"
	"sync"
	"time"

	"github.com/warren-tui/warren/message"
)

// DefaultPumpCapacity is how many messages a live pane keeps in memory
// until the UI takes them.
const DefaultPumpCapacity = 10000

// Pump is the one bounded buffer between a live source (tap, tail,
// consume) and the UI. Push never blocks: when the ring is full the
// oldest message is dropped and counted; sources that must not drop wait
// for room first (WaitRoom). The UI takes one batch per frame
// tick with Drain, woken by Notify, so no delivery ever becomes its own
// UI message.
type Pump struct {
	mu       sync.Mutex
	ring     []message.Message
	head     int // index of the oldest message
	n        int // messages in the ring
	received uint64
	dropped  uint64
	out      uint64 // messages that left the ring by Drain or Clear; never reset

	// rate is recomputed at most once per rateWindow from received.
	rateAt    time.Time
	rateCount uint64
	rate      float64

	notify chan struct{}
	room   chan struct{} // a wake-up for WaitRoom after Drain or Clear
}

const rateWindow = time.Second

// NewPump makes a pump holding up to capacity messages (<= 0: the default).
func NewPump(capacity int) *Pump {
	if capacity <= 0 {
		capacity = DefaultPumpCapacity
	}
	return &Pump{ring: make([]message.Message, capacity), notify: make(chan struct{}, 1), room: make(chan struct{}, 1), rateAt: time.Now()}
}

// Capacity is the ring's size.
func (p *Pump) Capacity() int { return len(p.ring) }

// Push adds messages; it never blocks. Position is set to the running
// count so rows stay numbered across drops.
func (p *Pump) Push(ms ...message.Message) {
	if len(ms) == 0 {
		return
	}
	p.mu.Lock()
	for i := range ms {
		p.received++
		ms[i].Position = int(p.received)
		if p.n == len(p.ring) { // full: overwrite the oldest
			p.ring[p.head] = ms[i]
			p.head = (p.head + 1) % len(p.ring)
			p.dropped++
			continue
		}
		p.ring[(p.head+p.n)%len(p.ring)] = ms[i]
		p.n++
	}
	p.mu.Unlock()
	select { // wake the reader; one pending wake-up is enough
	case p.notify <- struct{}{}:
	default:
	}
}

// Notify receives a value after pushes since the last receive: a UI
// waits on it (or simply drains on each frame tick) to take a batch.
func (p *Pump) Notify() <-chan struct{} { return p.notify }

// Drain takes up to max messages (max <= 0: all), oldest first, and
// returns the dropped and received totals so far.
func (p *Pump) Drain(max int) (batch []message.Message, dropped, total uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := p.n
	if max > 0 && max < k {
		k = max
	}
	if k > 0 {
		batch = make([]message.Message, k)
		for i := 0; i < k; i++ {
			j := (p.head + i) % len(p.ring)
			batch[i] = p.ring[j]
			p.ring[j] = message.Message{} // let the body be collected
		}
		p.head = (p.head + k) % len(p.ring)
		p.n -= k
		p.out += uint64(k)
		p.wakeRoom()
	}
	return batch, p.dropped, p.received
}

func (p *Pump) wakeRoom() {
	select {
	case p.room <- struct{}{}:
	default:
	}
}

// WaitRoom blocks until the ring has room for k more messages (at most
// its capacity), or ctx ends. A source that must not drop (a consume
// that acks or rejects, so a dropped message would be gone unseen) waits
// here before pushing and settling: the broker then holds the rest,
// bounded by the prefetch, instead of the ring overwriting them.
func (p *Pump) WaitRoom(ctx context.Context, k int) error {
	k = min(k, len(p.ring))
	for {
		p.mu.Lock()
		free := len(p.ring) - p.n
		p.mu.Unlock()
		if free >= k {
			return nil
		}
		select {
		case <-p.room:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Progress is how many messages have ever left the ring (taken by Drain,
// or cleared) and how many wait in it now. A source that must not settle a
// message before the screen took it counts its pushes against these.
func (p *Pump) Progress() (out uint64, buffered int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out, p.n
}

// Stats reads the counters.
func (p *Pump) Stats() PumpStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := time.Now(); now.Sub(p.rateAt) >= rateWindow {
		p.rate = float64(p.received-p.rateCount) / now.Sub(p.rateAt).Seconds()
		p.rateAt, p.rateCount = now, p.received
	}
	return PumpStats{Received: p.received, Dropped: p.dropped, Buffered: p.n, Rate: p.rate}
}

// Clear empties the ring and zeroes the counters (the pane's `c`).
func (p *Pump) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.ring {
		p.ring[i] = message.Message{}
	}
	p.out += uint64(p.n) // cleared by the user: seen as far as settling goes
	p.head, p.n, p.received, p.dropped = 0, 0, 0, 0
	p.rateAt, p.rateCount, p.rate = time.Now(), 0, 0
	p.wakeRoom()
}
