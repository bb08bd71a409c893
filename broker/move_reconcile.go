package broker

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/maphash"

	amqp "github.com/rabbitmq/amqp091-go"
)

// A move whose consumer connection dies (a message amqp091-go cannot
// decode closes it) leaves the broker to requeue every delivery the move
// had not acked, in place. Some of those were already confirmed at the
// target: their acks were batched and not yet sent, or sent but perhaps
// never read. reconcile finds them again at the head of the source and
// acks them there, so no message ends in both queues.
//
// The move notes every delivery it has not certainly acked (open), in
// delivery order, with a key of its content. Those still in the source are
// its head, in that order, followed by what the move never took: a fresh
// channel reads the head with basic.get, matches each message to the next
// open delivery (skipping only deliveries whose ack was sent, which the
// broker may have read), acks the confirmed ones and gives every other
// back in place. It never reads past the first message that is not the
// move's, so the undecodable one is met at most once, and then (its
// connection dies, the broker requeues what it got) the walk is redone on
// a new connection for exactly the messages met before it. Only classic
// sources: a quorum queue would count each get and requeue.

// openState says what the move knows of an undecodable-unsafe delivery.
type openState uint8

const (
	openHeld    openState = iota + 1 // failed or skipped: stays in the source
	openPending                      // confirmed at the target, no ack read by the broker
	openUnsure                       // confirmed, acked, ack maybe not read yet
)

// openEntry is one delivery the move has not certainly acked.
type openEntry struct {
	tag   uint64
	key   uint64
	state openState
}

// tracking says whether the move notes open deliveries: classic sources.
func (m *mover) tracking() bool { return !m.capped }

// deliveryKey is a cheap key of what a delivery carries: the same message
// read again from the source has the same key. Header values are left
// out; a walk that meets two same-key messages of different fates stops.
func (m *mover) deliveryKey(d *amqp.Delivery) uint64 {
	var h maphash.Hash
	h.SetSeed(m.seed)
	var n [8]byte
	for _, s := range []string{d.RoutingKey, d.Exchange, d.MessageId, d.CorrelationId, d.Type, d.AppId,
		d.ContentType, d.ContentEncoding, d.ReplyTo, d.Expiration, d.UserId} {
		h.WriteString(s)
		h.WriteByte(0)
	}
	binary.LittleEndian.PutUint64(n[:], uint64(d.Timestamp.UnixNano()))
	h.Write(n[:])
	h.WriteByte(d.Priority)
	h.WriteByte(d.DeliveryMode)
	var keys uint64 // order-free: the sum of each header name's hash
	for k := range d.Headers {
		keys += maphash.String(m.seed, k)
	}
	binary.LittleEndian.PutUint64(n[:], keys)
	h.Write(n[:])
	h.Write(d.Body)
	return h.Sum64()
}

// noteOpen records a settled delivery, in delivery order.
func (m *mover) noteOpen(it moveItem, state openState) {
	if m.tracking() {
		m.open = append(m.open, openEntry{tag: it.tag, key: it.key, state: state})
	}
}

// ackRead marks the pending entries an ack covered (all up to tag when
// multiple) as sent.
func (m *mover) ackRead(tag uint64, multiple bool) {
	if !m.tracking() {
		return
	}
	if !multiple {
		for i := len(m.open) - 1; i >= 0; i-- {
			if m.open[i].tag == tag {
				m.open[i].state = openUnsure
				return
			}
		}
		return
	}
	for i := m.firstPending; i < len(m.open) && m.open[i].tag <= tag; i++ {
		if m.open[i].state == openPending {
			m.open[i].state = openUnsure
		}
		m.firstPending = i + 1
	}
}

// acksProven drops the entries whose acks the broker has now read.
func (m *mover) acksProven() {
	if !m.tracking() {
		return
	}
	kept := m.open[:0]
	for _, e := range m.open {
		if e.state != openUnsure {
			kept = append(kept, e)
		}
	}
	m.open = kept
	m.firstPending = min(m.firstPending, len(m.open))
	for m.firstPending > 0 && m.open[m.firstPending-1].state == openPending {
		m.firstPending--
	}
}

// maxWalk bounds the messages a walk reads (each a round trip).
const maxWalk = 20000

// walkStep is one message basic.get returned: its tag on the walk's
// channel and, when it is one of the move's, what to do with it.
type walkStep struct {
	tag     uint64
	key     uint64
	remove  bool // confirmed at the target: ack it
	pending bool // and its own ack had never been sent
}

// walk reads the source's head on ch, at most limit messages (limit < 0:
// no limit but its own). It returns the steps and how many confirmed
// entries it could not account for: copies that may be in both queues.
// err is the get's error (its connection is then gone, and the broker
// requeues the steps).
//
// Only held and pending entries are certainly in the source, and they come
// before anything the move never took (deliveries amqp091-go had read but
// not handed over, which may look just like the move's). So the walk reads
// no further than the last such entry, and matches only entries up to it:
// a message read before that entry was matched is the move's. Entries
// whose ack was sent, after the last such one, cannot be told from what
// follows them, so they stay counted as possibly twice; so do all of them
// when the walk would pass maxWalk messages.
func (m *mover) walk(ch *amqp.Channel, limit int) (steps []walkStep, unresolved int, err error) {
	last := -1 // the last entry certainly in the source: the walk's end
	confirmed := false
	for i, e := range m.open {
		confirmed = confirmed || e.state != openHeld
		if e.state != openUnsure && confirmed {
			last = i
		}
	}
	if last >= maxWalk {
		last = -1 // too long a walk: count them all instead
	}
	tail := 0 // acked entries after it: unknown
	for _, e := range m.open[last+1:] {
		tail += b2i(e.state == openUnsure)
	}
	open := m.open[:last+1]
	rest := func(from int) int { // confirmed entries from here on, not found
		n := tail
		for _, e := range open[from:] {
			n += b2i(e.state != openHeld)
		}
		return n
	}
	cursor := 0
	for cursor < len(open) && (limit < 0 || len(steps) < limit) {
		d, ok, err := ch.Get(m.req.Queue, false)
		if err != nil {
			return steps, 0, err
		}
		if !ok {
			// Empty: pending ones were taken by someone else meanwhile.
			return steps, rest(cursor), nil
		}
		step := walkStep{tag: d.DeliveryTag, key: m.deliveryKey(&d)}
		j := matchOpen(open, cursor, step.key)
		if j < 0 {
			// Not where the move's should be (another consumer?), or it
			// could be either of two with other fates: stop, counting.
			steps = append(steps, step) // given back with the rest
			return steps, rest(cursor), nil
		}
		step.remove, step.pending = open[j].state != openHeld, open[j].state == openPending
		steps = append(steps, step)
		cursor = j + 1
	}
	return steps, rest(cursor), nil
}

// matchOpen is the open entry from cursor that a message of key is: the
// first with that key, passing only entries whose ack the broker may have
// read. -1 when there is none, or when a later one it could as well be
// has another fate.
func matchOpen(open []openEntry, cursor int, key uint64) int {
	j := -1
	for i := cursor; i < len(open); i++ {
		if open[i].key == key {
			j = i
			break
		}
		if open[i].state != openUnsure {
			return -1
		}
	}
	if j < 0 || open[j].state != openUnsure {
		return j
	}
	for i := j + 1; i < len(open); i++ {
		if open[i].key == key && open[i].state == openHeld {
			return -1
		}
		if open[i].state != openUnsure {
			break
		}
	}
	return j
}

// applyWalk acks the steps to remove and gives the rest back in place,
// then closes ch synchronously: once the close is answered, the broker
// has read it all.
func applyWalk(ch *amqp.Channel, steps []walkStep) error {
	var kept uint64 // the last tag to give back
	for _, s := range steps {
		if !s.remove {
			kept = max(kept, s.tag)
		} else if err := ch.Ack(s.tag, false); err != nil {
			return err
		}
	}
	if kept > 0 {
		// Every unacked tag up to it goes back in one multiple nack.
		if err := ch.Nack(kept, true, true); err != nil {
			return err
		}
	}
	return ch.Close()
}

// errWalkChanged: the second walk did not meet what the first did.
// errMetUndecodable: a walk's get met a message amqp091-go cannot decode.
var (
	errWalkChanged    = errors.New("the source changed during the check")
	errMetUndecodable = errors.New("the check met the undecodable message")
)

// reconcile runs after the consumer's connection died on a message
// amqp091-go cannot decode; dial opens a fresh connection to the vhost. It
// sets DuplicateRisk, Requeued and Reconciled from what it found. When it
// cannot finish, the counted risk stands.
func (m *mover) reconcile(ctx context.Context, dial func(context.Context) (*amqp.Connection, error)) {
	confirmed := 0
	for _, e := range m.open {
		confirmed += b2i(e.state != openHeld)
	}
	if !m.tracking() || confirmed == 0 {
		return
	}
	steps, unresolved, err := m.walkOnce(ctx, dial, -1, nil)
	if errors.Is(err, errMetUndecodable) {
		// Met an undecodable message (not the move's: it read all of
		// those) before accounting for all: the broker requeued what the
		// walk got. Walk again exactly as far as the messages before it.
		steps, unresolved, err = m.walkOnce(ctx, dial, len(steps), steps)
	}
	if err != nil {
		return
	}
	removed, pending := 0, 0
	for _, s := range steps {
		removed += b2i(s.remove)
		pending += b2i(s.remove && s.pending)
	}
	m.res.DuplicateRisk = m.res.InDoubt + unresolved
	m.res.Requeued = max(m.res.Requeued-pending, 0)
	m.res.Reconciled = removed
}

// walkOnce walks on a fresh connection and applies what it found. With
// want set, the walk must meet the same messages again, or it changes
// nothing.
func (m *mover) walkOnce(ctx context.Context, dial func(context.Context) (*amqp.Connection, error), limit int, want []walkStep) ([]walkStep, int, error) {
	conn, err := dial(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer conn.Close()
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	ch, err := conn.Channel()
	if err != nil {
		return nil, 0, err
	}
	steps, unresolved, err := m.walk(ch, limit)
	if err != nil && closedUndecodable(conn, closed, err) {
		return steps, 0, errMetUndecodable
	}
	if err != nil {
		return steps, 0, err
	}
	if want != nil && !sameKeys(steps, want) {
		_ = applyWalk(ch, nil)
		return nil, 0, errWalkChanged
	}
	if err := applyWalk(ch, steps); err != nil {
		return nil, 0, err
	}
	return steps, unresolved, nil
}

// sameKeys says whether two walks met the same messages in the same order.
func sameKeys(a, b []walkStep) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].key != b[i].key {
			return false
		}
	}
	return true
}
