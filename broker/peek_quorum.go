package broker

import (
	"context"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/message"
)

// A quorum queue commits every basic.get to its Raft log before it
// answers, one disk sync per message: 100 gets took 0.8 to 3 s on the
// project machine. A consumer checks messages out in one command and
// they arrive in a burst, so quorum peeks consume, with the prefetch as
// the cap, and return everything with one nack, as classic peeks do.
//
// Where a message goes back depends on the delivery limit: with one, to
// the head, in order; without one (RabbitMQ 3.x by default), to the back.
// So a peek of a queue without a limit takes the whole queue when it is
// small enough, which keeps the order (and "n" for more correct); on a
// bigger queue the peeked messages end up behind the rest, and the
// result says so.
const (
	quorumFirstWait     = time.Second            // the checkout itself is a Raft commit
	quorumIdleWait      = 300 * time.Millisecond // fewer ready messages than asked for
	quorumReadyGrace    = 25 * time.Millisecond  // past the ready count: late returns only
	quorumWholeQueueMax = 2000                   // largest queue taken whole to keep its order
	maxPrefetch         = 65535                  // basic.qos carries a 16-bit count
)

// peekQuorum takes messages from the head of a quorum queue with a
// consumer, cancels it, then gives them all back with a single
// nack(multiple, requeue). Cancelling first matters: a live consumer
// would be handed the requeued messages again, raising their delivery
// count once more.
func (s *Session) peekQuorum(ctx context.Context, req PeekRequest) (PeekResult, error) {
	res := PeekResult{NextOffset: -1, Messages: make([]message.Message, 0, min(req.Count, 1000))}
	want := req.Skip + req.Count
	if want > maxPrefetch {
		return res, fmt.Errorf("a quorum peek reaches at most %d messages deep; asked for %d", maxPrefetch, want)
	}
	conn, ch, err := s.vhosts.ownChannel(ctx, req.Vhost, "peek") // see undecodable.go
	if err != nil {
		return res, err
	}
	defer conn.Close()
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	// The ready count says when to stop without waiting for silence; it
	// can lag behind returns a previous peek just made, hence a grace.
	// A passive declare needs no permission at all (TestPeekAsReadOnlyUser).
	q, err := ch.QueueDeclarePassive(req.Queue, false, false, false, false, nil)
	if err != nil {
		_ = ch.Close() // nothing taken yet
		return res, s.queueErr(req, err)
	}
	ready, limit := q.Messages, want
	if req.DeliveryLimit < 0 && ready <= quorumWholeQueueMax {
		limit = max(want, quorumWholeQueueMax)
	}

	var lastTag uint64
	take := func(d amqp.Delivery) {
		res.Taken++
		lastTag = d.DeliveryTag
		if req.RaisesDeliveryCount() && deliveryCount(d.Headers)+1 > int64(req.DeliveryLimit) {
			res.OverLimit++
		}
		if res.Taken > req.Skip && res.Taken <= want {
			res.Messages = append(res.Messages, fromDelivery(d, req.Vhost, req.Queue, res.Taken))
		}
	}
	readErr := s.consumeHead(ctx, ch, req, limit, ready, take)
	if readErr != nil && closedUndecodable(conn, closed, readErr) {
		return s.quorumUndecodable(req, res, ready), nil
	}
	res.More = res.Taken > want || (res.Taken == want && limit == want)
	res.Reordered = req.DeliveryLimit < 0 && res.Taken > 0 && res.Taken < ready
	var backErr error
	if req.DeliveryLimit >= 0 {
		var inOrder bool
		inOrder, backErr = giveBackInRuns(ch, req.Queue, lastTag)
		res.Reordered = res.Reordered || !inOrder
	} else {
		backErr = giveBack(ch, lastTag)
	}
	res.Effect = queueEffect(req, res)
	if res.Taken == 0 && ready > 0 {
		res.Effect = fmt.Sprintf("Nothing was taken: the queue reports %d ready %s but delivered none to warren "+
			"(another consumer took them, or a single active consumer holds the queue).", ready, plural(ready, "message", "messages"))
	}
	return res, firstErr(req, readErr, backErr)
}

// consumeHead hands up to limit messages from the head of the queue to
// take, stopping early once the ready count is reached and the queue
// falls quiet. Then it cancels the consumer and hands over those still
// in flight, so every message delivered on ch has been seen.
func (s *Session) consumeHead(ctx context.Context, ch *amqp.Channel, req PeekRequest, limit, ready int, take func(amqp.Delivery)) error {
	if err := ch.Qos(limit, 0, false); err != nil { // never more than the limit
		return cleanErr(err)
	}
	tag := peekTag()
	deliveries, err := ch.Consume(req.Queue, tag, false, false, false, false, nil)
	if err != nil {
		return s.queueErr(req, err)
	}
	n := 0
	wait := func() time.Duration {
		switch {
		case n == 0 && ready > 0:
			return quorumFirstWait
		case n < ready:
			return quorumIdleWait
		}
		return quorumReadyGrace
	}
	timer := time.NewTimer(wait())
	defer timer.Stop()
	var readErr error
read:
	for n < limit {
		select {
		case d, ok := <-deliveries:
			if !ok { // the broker closed the channel, and requeued all with it
				return fmt.Errorf("the broker stopped the reading of queue %q in vhost %q", req.Queue, req.Vhost)
			}
			n++
			take(d)
			timer.Reset(wait())
		case <-timer.C:
			break read
		case <-ctx.Done():
			readErr = ctx.Err()
			break read
		}
	}
	if err := ch.Cancel(tag, false); err != nil {
		return cleanErr(err)
	}
	for d := range deliveries { // closed once the cancel is through
		take(d)
	}
	return readErr
}

// giveBackInRuns returns tags 1 to lastTag (all taken, none acked) like
// giveBack, but in runs of requeueRun, each a multiple nack, the next only
// once the queue shows the last one ready again: a quorum queue with a
// delivery limit returns a larger set in hash order, and merges requeues
// sent back to back (see settleRuns). It says whether every run was seen
// back in time, which is what keeps their order.
func giveBackInRuns(ch *amqp.Channel, queue string, lastTag uint64) (inOrder bool, err error) {
	inOrder = true
	if lastTag <= requeueRun || ch.IsClosed() {
		return inOrder, giveBack(ch, lastTag)
	}
	q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
	ready := q.Messages
	for tag := uint64(requeueRun); err == nil && inOrder && tag < lastTag; tag += requeueRun {
		if err = ch.Nack(tag, true, true); err == nil {
			// Once a run is not seen back in time (another consumer, a
			// busy broker), order is lost anyway: give back the rest at
			// once rather than wait a second a run.
			ready, inOrder, err = waitReady(ch, queue, ready+requeueRun)
		}
	}
	if err != nil {
		_ = ch.Close()
		return false, cleanErr(err)
	}
	return inOrder, giveBack(ch, lastTag)
}
