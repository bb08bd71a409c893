package broker

import (
	"context"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// A consumer that nacks each message with requeue is handed the same
// message straight back: it spins through the head of the queue (tens of
// thousands of deliveries for 30 messages), and on a quorum queue every
// turn raises each message's delivery count. A browse is the consume that
// puts messages back without that: like a peek without a page size, it
// holds each message it is handed until the queue has nothing more for it
// (or it holds BrowseMax), shows each once, gives them all back with one
// nack(multiple, requeue), and ends.

// browse starts a browse of a classic or quorum queue; the caller checked
// the spec (Consume).
func (s *Session) browse(ctx context.Context, spec ConsumeSpec, opts LiveOptions) (*Live, error) {
	req := spec.PeekRequest()
	conn, ch, err := s.vhosts.ownChannel(ctx, spec.Vhost, "browse") // see undecodable.go
	if err != nil {
		return nil, err
	}
	// The ready count says when the queue has given all it had; a
	// passive declare needs no permission.
	q, err := ch.QueueDeclarePassive(spec.Queue, false, false, false, false, nil)
	if err != nil {
		_ = conn.Close()
		return nil, s.queueErr(req, err)
	}
	limit := BrowseMax
	if opts.Prefetch > 0 {
		limit = min(opts.Prefetch, limit)
	}
	if spec.MaxMessages > 0 {
		limit = min(spec.MaxMessages, limit)
	}
	l := &Live{Pump: NewPump(max(opts.Capacity, limit)), s: s, vhost: spec.Vhost, opts: opts,
		wake: make(chan struct{}, 1), done: make(chan struct{}), conn: conn, lastOffset: -1}
	runCtx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	l.setState(LiveRunning, nil)
	go l.runBrowse(runCtx, ch, req, q.Messages, limit)
	return l, nil
}

// runBrowse reads the queue once into the pump (which holds limit, so it
// never drops one), gives everything back and says what it did. Closing
// the pane early gives back what was read so far.
func (l *Live) runBrowse(ctx context.Context, ch *amqp.Channel, req PeekRequest, ready, limit int) {
	defer close(l.done)
	defer l.dropConn()
	closed := l.conn.NotifyClose(make(chan *amqp.Error, 1))
	var res PeekResult
	var lastTag uint64
	take := func(d amqp.Delivery) {
		res.Taken++
		lastTag = d.DeliveryTag
		if req.RaisesDeliveryCount() && deliveryCount(d.Headers)+1 > int64(req.DeliveryLimit) {
			res.OverLimit++
		}
		l.Push(fromDelivery(d, req.Vhost, req.Queue, res.Taken))
	}
	readErr := l.s.consumeHead(ctx, ch, req, limit, ready, take)
	if readErr != nil && ctx.Err() == nil && closedUndecodable(l.conn, closed, readErr) {
		ue := &UndecodableError{Vhost: req.Vhost, Queue: req.Queue, Reader: "browse", Position: res.Taken + 1, Offset: -1}
		l.setState(LiveFailed, fmt.Errorf("%w; the broker put back the %d %s warren held when that connection closed%s",
			ue, res.Taken+1, plural(res.Taken+1, "message", "messages"), chargedNote(req)))
		return
	}
	var backErr error
	if req.Type == QueueQuorum && req.DeliveryLimit >= 0 {
		// Back to the head, in runs the broker keeps in order.
		var inOrder bool
		inOrder, backErr = giveBackInRuns(ch, req.Queue, lastTag)
		res.Reordered = !inOrder
	} else {
		backErr = giveBack(ch, lastTag)
	}
	res.Reordered = res.Reordered || req.Type == QueueQuorum && req.DeliveryLimit < 0 && res.Taken > 0 && res.Taken < ready
	switch {
	case ctx.Err() != nil:
		l.setState(LiveClosed, nil)
	case readErr != nil || backErr != nil:
		l.setState(LiveFailed, fmt.Errorf("the browse of queue %q stopped (%v): the broker puts back the %d %s warren held when the channel closes%s",
			req.Queue, firstErr(req, readErr, backErr), res.Taken, plural(res.Taken, "message", "messages"), chargedNote(req)))
	default:
		l.setStatus(LiveStatus{State: LiveDone, At: time.Now(), Note: browseNote(req, res, limit)})
	}
}

// chargedNote adds, for a quorum queue whose requeues count, that the
// messages put back were charged a delivery.
func chargedNote(req PeekRequest) string {
	if req.Type != QueueQuorum || req.RequeueFree {
		return ""
	}
	return ", raising each one's delivery count by 1"
}

// browseNote says what a finished browse did to the queue.
func browseNote(req PeekRequest, res PeekResult, limit int) string {
	if res.Taken == 0 {
		return "Browsed the queue: it had no message to give (empty, or held by other consumers)."
	}
	s := "Browsed: " + queueEffect(req, res)
	if res.Taken >= limit {
		s += fmt.Sprintf(" It stopped at %d messages, the most one browse holds.", limit)
	} else {
		s += " That is all the queue had to give, each shown once."
	}
	return s + " Close the pane and press t to browse again."
}
