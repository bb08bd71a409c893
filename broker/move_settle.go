package broker

import (
	"errors"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// ackBatch is how many confirmed messages share one multiple ack, and
// ackBarrier how many acks pass before a round trip proves the broker has
// read them (which bounds what a lost link makes duplicate-risk).
const (
	ackBatch   = 64
	ackBarrier = 1024
)

// settleAll waits for each item's outcome in delivery order: confirmed and
// not returned is acked; anything else is held unacked for the final
// requeue. Confirms arrive in publish order, so waiting in order costs
// nothing.
func (m *mover) settleAll() {
	for it := range m.items {
		if it.freeze != nil {
			m.flushAck()
			m.mu.Lock()
			m.frozen = true
			m.mu.Unlock()
			close(it.freeze)
			continue
		}
		if it.receipt != nil && len(m.items) == 0 {
			select {
			case <-it.receipt.Done():
			default:
				m.flushAck() // idle: let the source see the acks so far
				<-it.receipt.Done()
			}
		} else if it.receipt != nil {
			<-it.receipt.Done()
		}
		m.settleOne(it)
		if m.capped && len(m.items) == 0 {
			// A small prefetch may be used up by batched acks alone.
			m.flushAck()
		}
		m.maybeRenew()
		m.report(false)
	}
	m.flushAck()
}

func (m *mover) settleOne(it moveItem) {
	m.mu.Lock()
	m.settled++
	m.mu.Unlock()
	var res PublishResult
	if it.receipt != nil {
		res = it.receipt.Result()
	}
	if res.Outcome == Confirmed && !it.tail {
		m.mu.Lock()
		m.res.Moved++
		m.mu.Unlock()
		m.noteOpen(it, openPending)
		m.ack(it)
		return
	}
	m.mu.Lock()
	switch {
	case it.extra:
	case it.skip:
		m.res.Skipped++
	case it.noOrigin:
		m.res.NoOrigin++
	case res.Outcome == Returned:
		m.res.Unroutable++
	case res.Outcome == Nacked:
		m.res.Nacked++
	case res.Outcome == InDoubt:
		m.res.InDoubt++
		m.res.DuplicateRisk++ // kept by the source; its copy may have arrived
		if m.linkErr == nil {
			m.linkErr = res.Err
		}
	}
	if !it.skip && !it.extra {
		m.res.ReturnedToSource++
	}
	m.mu.Unlock()
	if (it.tail && res.Outcome == Confirmed) || (it.copy != nil && res.Outcome != InDoubt && m.copyToTail(it.copy)) {
		// At the delivery limit: its copy is at the tail, so the original
		// goes (a requeue would have had the broker drop it).
		m.mu.Lock()
		m.res.ToTail++
		m.mu.Unlock()
		m.ack(it)
		return
	}
	m.noteOpen(it, openHeld)
	m.mu.Lock()
	m.heldRisky += b2i(it.risky)
	m.held++
	m.heldNow++
	m.heldTags = append(m.heldTags, it.tag)
	if m.renewable && m.heldNow >= max(m.prefetch/2, 1) {
		select { // take renews the consumer
		case m.renewNow <- struct{}{}:
		default:
		}
	}
	m.mu.Unlock()
	m.flushAck() // never ack a held message by a later multiple ack
}

// qos sends the current prefetch again: as a round trip it proves the
// broker read every ack sent before it. It is a consumer prefetch (global
// false, as every basic.qos of warren's), so it changes nothing else.
func (m *mover) qos() error {
	m.mu.Lock()
	prefetch := m.prefetch
	m.mu.Unlock()
	m.rpc.Lock()
	defer m.rpc.Unlock()
	return m.cch.Qos(prefetch, 0, false)
}

// ack acks by batch while nothing is held (multiple ack), one by one once a
// held message sits among the unacked ones. On a quorum source an ack that
// would let the broker check out more than the budget (or any more, once
// frozen) is held back until the consumer is gone.
func (m *mover) ack(it moveItem) {
	m.mu.Lock()
	cur := it.gen == m.gen
	later := m.capped && cur && (m.frozen || m.ceiling+m.pendCur+1 > m.budget)
	single := m.held > 0 || len(m.deferred) > 0
	m.mu.Unlock()
	if later {
		m.flushAck() // no later multiple ack may cover it
		m.mu.Lock()
		m.deferred = append(m.deferred, it)
		m.mu.Unlock()
		return
	}
	if single {
		m.sendAck(it.tag, false, 1, b2i(cur), b2i(it.risky))
		return
	}
	m.pendAck = it.tag
	m.pendN++
	m.pendCur += b2i(cur)
	m.pendRisk += b2i(it.risky)
	if m.pendN >= ackBatch {
		m.flushAck()
	}
}

func (m *mover) flushAck() {
	if m.pendN == 0 {
		return
	}
	tag, n, cur, risk := m.pendAck, m.pendN, m.pendCur, m.pendRisk
	m.pendAck, m.pendN, m.pendCur, m.pendRisk = 0, 0, 0, 0
	m.sendAck(tag, true, n, cur, risk)
}

// sendAck acks n messages up to tag; cur of them came from the current
// consumer (each ack gives it credit for one more) and risk were at the
// delivery limit.
func (m *mover) sendAck(tag uint64, multiple bool, n, cur, risk int) {
	if err := m.cch.Ack(tag, multiple); err != nil {
		// Confirmed at the target but not acked: the source keeps a copy.
		m.mu.Lock()
		m.res.DuplicateRisk += n
		if m.linkErr == nil {
			m.linkErr = cleanErr(err)
		}
		m.mu.Unlock()
		return
	}
	m.ackRead(tag, multiple)
	m.mu.Lock()
	m.ackedSent += n
	m.ceiling += cur
	m.riskOpen -= risk
	m.unsure += n
	barrier := m.unsure >= ackBarrier
	m.mu.Unlock()
	if barrier {
		// Qos is a round trip on the same channel: once it answers, the
		// broker has processed every ack sent before it.
		if err := m.qos(); err == nil {
			m.mu.Lock()
			m.unsure = 0
			m.mu.Unlock()
			m.acksProven()
		}
	}
}

// requeueRest cancels the consumer and gives every unacked delivery back
// to the source: held failures, and what the prefetch delivered beyond the
// budget. Requeued messages keep their place, so the source's order
// survives.
func (m *mover) requeueRest(src *source) {
	if m.linkErr == nil && !m.cch.IsClosed() {
		var extra uint64 // highest tag delivered but never taken
		extras := 0
		if err := m.cch.Cancel(src.tag, false); err == nil {
			// Each is closed once its consumer's cancel is done.
			for _, ds := range append(src.retired, src.deliveries) {
				for d := range ds {
					extra = max(extra, d.DeliveryTag)
					extras++
				}
			}
		}
		// One multiple nack up to the highest tag still unacked (never
		// taken, or held) returns them all: every tag below it is held or
		// already acked. One nack per held message would cost a RabbitMQ
		// 3.10 classic queue a merge each: 10,000 took it over a minute.
		last := extra
		if n := len(m.heldTags); n > 0 {
			last = max(last, m.heldTags[n-1])
		}
		var err error
		if last > 0 {
			err = m.cch.Nack(last, true, true)
		}
		if err != nil {
			m.linkErr = cleanErr(err)
		} else {
			m.res.Requeued = len(m.heldTags) + extras
		}
		// A synchronous close makes sure the nacks and acks were read.
		if err := m.cch.Close(); err != nil && !errors.Is(err, amqp.ErrClosed) && m.linkErr == nil {
			m.linkErr = cleanErr(err)
		}
	}
	if m.linkErr != nil {
		// The broker requeued everything unacked itself; acks sent since the
		// last barrier may have been lost with the link.
		m.res.DuplicateRisk += m.unsure
		m.unsure = 0
		m.res.Requeued = m.taken - m.ackedSent
	}
}

// report calls progress at most every 100 ms, and always when final.
func (m *mover) report(final bool) {
	if m.progress == nil {
		return
	}
	now := time.Now()
	m.mu.Lock()
	if !final && now.Sub(m.lastRep) < 100*time.Millisecond {
		m.mu.Unlock()
		return
	}
	m.lastRep = now
	el := now.Sub(m.start)
	p := MoveProgress{Total: m.budget, Taken: m.taken, Moved: m.res.Moved, Failed: m.res.ReturnedToSource,
		NoOrigin: m.res.NoOrigin, Skipped: m.res.Skipped, Elapsed: el}
	if el > 0 {
		p.Rate = float64(m.res.Moved) / el.Seconds()
	}
	m.mu.Unlock()
	m.progress(p)
}
