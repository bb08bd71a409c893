package broker

import (
	"cmp"
	"context"
	"slices"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// On RabbitMQ 3.x and 4.0-4.2 every requeue of a quorum message raises its
// delivery count: a nack, and the return of everything a channel holds
// unacked when it closes or its link is lost. Past x-delivery-limit the
// broker drops or dead-letters the message. So a move from a quorum queue
// keeps few messages checked out (a lost link charges only those), counts
// what the broker may have checked out to it (ceiling: the prefetch plus
// every ack sent), and never lets that pass the budget, so that at the end
// nothing is checked out that it did not take. With a limit, what it
// gives back it requeues in runs the broker keeps in order, and a message
// a requeue would push past the limit goes to the tail of the source as a
// copy instead.
//
// Measured on RabbitMQ 3.10: a requeue of more than 32 messages in one
// command comes back in the broker's hash order, not theirs, when the
// queue has a limit (with none they go to the tail, in order). A quorum
// consumer's deliveries can also reach the client after its cancel-ok, and
// amqp091-go drops deliveries for a cancelled consumer.

// requeueRun is how many messages one requeue may return and keep their
// order: the broker walks a larger set in hash order.
const requeueRun = 32

// quorumPrefetch is the first consumer prefetch of a quorum source: one
// window, so a lost link charges at most that many. An Only move of a
// queue without a limit takes the whole budget (up to the 16-bit cap)
// instead: there the messages it requeues go to the tail, which keeps
// their order only if nothing untaken is ahead of them. An Only move of a
// queue with a limit starts with one run and doubles on each renew: what
// it checks out past the last marked message is requeued for nothing, so
// that waste stays below what it had to take anyway.
func quorumPrefetch(req MoveRequest, budget int) int {
	switch {
	case len(req.Only) > 0 && req.DeliveryLimit < 0:
		return max(min(budget, maxPrefetch), 1)
	case len(req.Only) > 0:
		return max(min(requeueRun, req.Window, budget), 1)
	}
	return max(min(req.Window, budget, maxPrefetch), 1)
}

// nextPrefetch is the prefetch of a renewed quorum consumer, left being
// what the budget still allows.
func nextPrefetch(req MoveRequest, last, left int) int {
	if len(req.Only) > 0 && req.DeliveryLimit >= 0 {
		return max(min(2*last, req.Window, left, maxPrefetch), 1)
	}
	return max(min(quorumPrefetch(req, left), left), 1)
}

// limited: the source is a quorum queue whose requeues can drop messages.
func (m *mover) limited() bool { return m.capped && m.req.DeliveryLimit >= 0 }

// guard marks a quorum message whose delivery count is at the limit: a
// requeue would have the broker drop it. If it is to stay in the source
// (skipped, without an origin, or taken past the budget) a copy goes to
// the tail of the source now; one on its way to the target keeps a copy
// for the tail, should its move fail.
func (m *mover) guard(ctx context.Context, d *amqp.Delivery, it *moveItem) error {
	if !m.limited() || deliveryCount(d.Headers) < int64(m.req.DeliveryLimit) {
		return nil
	}
	it.risky = true
	m.mu.Lock()
	m.riskOpen++
	m.mu.Unlock()
	pub := deliveryPublishing(d)
	pub.Headers = without(pub.Headers, "x-delivery-count", "CC", "BCC")
	if it.receipt != nil {
		if it.receipt != discarded {
			it.copy = &pub
		}
		return nil
	}
	if m.tailPub == nil {
		if m.dialTail == nil {
			return nil
		}
		p, err := m.dialTail()
		if err != nil {
			return err
		}
		m.tailPub = p
	}
	r, err := m.tailPub.publish(ctx, "", m.req.Queue, pub)
	if err != nil {
		return err
	}
	it.receipt, it.tail = r, true
	return nil
}

// copyToTail publishes a risky message whose move failed to the tail of
// the source and waits for its confirm; the settling goroutine then acks
// the original instead of requeueing it past the limit.
func (m *mover) copyToTail(p *amqp.Publishing) bool {
	if m.pub == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), settleTimeout)
	defer cancel()
	r, err := m.pub.publish(ctx, "", m.req.Queue, *p)
	if err != nil {
		return false
	}
	res, err := r.Wait(ctx)
	return err == nil && res.Outcome == Confirmed
}

// maybeRenew asks take for a fresh consumer when held messages left the
// current one no credit: every message it may have had checked out was
// taken and settled, and none of them acked since.
func (m *mover) maybeRenew() {
	if !m.capped || m.pendN > 0 {
		return
	}
	m.mu.Lock()
	stuck := !m.frozen && m.taken == m.ceiling && m.settled == m.taken && m.ceiling < m.budget
	m.mu.Unlock()
	if stuck {
		select {
		case m.renewNow <- struct{}{}:
		default:
		}
	}
}

// drain ends the taking from a quorum source. It freezes the acks of the
// current consumer (each would let the broker check out one more), then
// reads what was already checked out to it, so that the cancel leaves
// nothing on its way. Messages it reads are taken past the budget: they
// stay in the source (or go to its tail, at the limit).
func (m *mover) drain(src *source) {
	if m.linkLost() {
		return
	}
	frozen := make(chan struct{})
	wait := time.NewTimer(settleTimeout)
	defer wait.Stop()
	select { // everything before is settled and its acks sent, unless confirms stopped coming
	case m.items <- moveItem{freeze: frozen}:
	case <-wait.C:
		return
	}
	select {
	case <-frozen:
	case <-wait.C:
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	quiet := false
	for {
		m.mu.Lock()
		left := m.ceiling - m.taken
		m.mu.Unlock()
		if left <= 0 {
			return
		}
		select {
		case d, ok := <-src.next():
			if !ok && len(src.retired) > 0 {
				src.retired = src.retired[1:]
				continue
			}
			if !ok {
				return
			}
			quiet = false
			m.mu.Lock()
			m.taken++
			m.mu.Unlock()
			it := moveItem{tag: d.DeliveryTag, gen: m.gen, extra: true}
			if err := m.guard(ctx, &d, &it); err != nil {
				it.receipt, it.tail = nil, false
			}
			m.items <- it
		case <-time.After(250 * time.Millisecond):
			if quiet {
				return // nothing ready, and nothing came after a barrier
			}
			m.rpc.Lock()
			q, err := m.cch.QueueDeclarePassive(m.req.Queue, false, false, false, false, nil)
			m.rpc.Unlock()
			if err != nil {
				return
			}
			if q.Messages == 0 && m.qos() == nil {
				quiet = true
			}
		case <-ctx.Done():
			return
		}
	}
}

func (m *mover) linkLost() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.linkErr != nil || m.cch.IsClosed()
}

// requeueQuorum cancels the consumer, sends the acks held back, and gives
// the held messages back in runs the broker keeps in order. After a lost
// link it counts what the broker requeued itself.
func (m *mover) requeueQuorum(src *source) {
	if !m.linkLost() {
		var late []moveItem // delivered after the drain: none, unless the queue grew meanwhile
		if err := m.cch.Cancel(src.tag, false); err == nil {
			for _, ds := range append(src.retired, src.deliveries) {
				for d := range ds {
					it := moveItem{tag: d.DeliveryTag}
					it.risky = m.limited() && deliveryCount(d.Headers) >= int64(m.req.DeliveryLimit)
					late = append(late, it)
				}
			}
		}
		ops := make([]settleOp, 0, len(m.heldTags)+len(late)+len(m.deferred))
		for _, tag := range m.heldTags {
			ops = append(ops, settleOp{tag: tag, requeue: true})
		}
		for _, it := range late {
			ops = append(ops, settleOp{tag: it.tag, requeue: true})
			m.heldRisky += b2i(it.risky)
		}
		for _, it := range m.deferred {
			ops = append(ops, settleOp{tag: it.tag, risky: it.risky})
		}
		m.deferred = nil
		requeued, err := m.settleRuns(ops)
		if err != nil && m.linkErr == nil {
			m.linkErr = cleanErr(err)
		}
		if unseen := m.ceiling - m.taken - len(late); unseen > 0 {
			// Checked out, but amqp091-go drops deliveries that come after
			// the cancel: a nack of tag 0 with multiple returns them all.
			if err := m.cch.Nack(0, true, true); err == nil {
				m.res.RequeuedUnseen = unseen
			}
		}
		if err := m.cch.Close(); err != nil && m.linkErr == nil {
			m.linkErr = cleanErr(err)
		}
		if m.linkErr == nil {
			m.res.Requeued = requeued
			m.res.OverLimit = m.heldRisky
		}
	}
	if m.linkErr != nil {
		// The broker requeued every message not acked, raising each one's
		// delivery count; those already at the limit it dropped. Acks held
		// back or unsure leave copies at the target and in the source.
		m.res.DuplicateRisk += m.unsure + len(m.deferred)
		m.unsure = 0
		m.res.Requeued = m.taken - m.ackedSent
		m.res.RequeuedUnseen = max(0, m.ceiling-m.taken)
		m.res.OverLimit = m.riskOpen
		m.res.Reordered = m.res.Requeued > 0
	}
	if !m.limited() && m.res.Requeued > 0 && m.taken < m.depth {
		m.res.Reordered = true // to the tail, behind messages never taken
	}
}

// settleOp is one message still unacked when the consumer is gone: to
// requeue (held, or taken past the budget), or to ack (held back).
type settleOp struct {
	tag            uint64
	requeue, risky bool
}

// settleRuns settles ops in tag order, each run of the same kind with one
// multiple ack or nack (which covers every unacked tag up to its last, and
// the runs before are settled). Two things measured on RabbitMQ 3.10 shape
// it: a requeue of more than requeueRun messages in one command comes back
// in hash order when the queue has a limit; and the broker's client end of
// a quorum queue stashes the settles a channel sends while earlier ones
// are not yet applied, merging them into one command (so runs sent back
// to back merged, and came back scrambled, under load). So with a limit
// each run waits until the queue shows it ready again before the next
// goes; a run that never shows up in time leaves the order uncertain, and
// the result says it may be reordered. Without a limit requeued messages
// go to the tail in order, and one run does.
func (m *mover) settleRuns(ops []settleOp) (requeued int, err error) {
	slices.SortFunc(ops, func(a, b settleOp) int { return cmp.Compare(a.tag, b.tag) })
	i := 0
	defer func() {
		for _, op := range ops[i:] { // never acked: confirmed copies stay in the source too
			if !op.requeue && (err != nil || m.linkErr != nil) {
				m.res.DuplicateRisk++
			}
		}
	}()
	ready := -1
	if m.limited() {
		if ready, err = m.ready(); err != nil {
			return 0, err
		}
	}
	for i < len(ops) {
		j, risk := i, 0
		for j < len(ops) && ops[j].requeue == ops[i].requeue && (!ops[i].requeue || !m.limited() || j-i < requeueRun) {
			risk += b2i(ops[j].risky)
			j++
		}
		last := ops[j-1].tag
		if ops[i].requeue {
			if err := m.cch.Nack(last, true, true); err != nil {
				return requeued, err
			}
			requeued += j - i
			if ready >= 0 {
				var back bool
				if ready, back, err = waitReady(m.cch, m.req.Queue, ready+j-i); err != nil {
					return requeued, err
				}
				m.res.Reordered = m.res.Reordered || !back
			}
		} else {
			m.sendAck(last, true, j-i, 0, risk) // on failure it counts them at risk
			if m.linkErr != nil {
				i = j
				return requeued, nil
			}
		}
		i = j
	}
	// A round trip: the broker has read every ack and nack above.
	return requeued, m.qos()
}

// ready is the source's ready count.
func (m *mover) ready() (int, error) {
	q, err := m.cch.QueueDeclarePassive(m.req.Queue, false, false, false, false, nil)
	return q.Messages, err
}

// waitReady polls queue's ready count until it reaches want (a requeue
// was applied), for at most a second; it returns the count last seen and
// whether it got there.
func waitReady(ch *amqp.Channel, queue string, want int) (int, bool, error) {
	deadline := time.Now().Add(time.Second)
	for wait := time.Millisecond; ; wait = min(2*wait, 20*time.Millisecond) {
		q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
		if err != nil {
			return 0, false, cleanErr(err)
		}
		if q.Messages >= want {
			return q.Messages, true, nil
		}
		if time.Now().After(deadline) {
			return q.Messages, false, nil
		}
		time.Sleep(wait)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
