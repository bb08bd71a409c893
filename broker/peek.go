package broker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/message"
)

// ErrQueueNotFound: the queue does not exist in the vhost.
var ErrQueueNotFound = errors.New("queue not found")

// Peek shows messages of a queue without losing or reordering them:
// streams are read by offset; classic queues with basic.get and manual
// acks, quorum queues with a consumer capped by its prefetch, and both
// are then given back with nacks (multiple, requeue): the README's Peek
// section says what each does to a queue. Each peek reads on a
// connection of its own, so a channel the broker closes, or a message
// amqp091-go cannot decode (undecodable.go), harms nothing else. On an
// error the result still says what was taken and given back.
func (s *Session) Peek(ctx context.Context, req PeekRequest) (PeekResult, error) {
	start := time.Now()
	if req.Count <= 0 {
		req.Count = DefaultPeekCount
	}
	req.Skip = max(req.Skip, 0)
	var res PeekResult
	var err error
	switch req.Type {
	case QueueClassic:
		if req.TypeUnchecked && !req.RequeueFree {
			// Only where a requeue counts: from 4.3 reading a quorum queue
			// as classic charges nothing (and global QoS is refused).
			if err := s.checkClassic(ctx, req); err != nil {
				return PeekResult{QueueType: req.Type, NextOffset: -1}, err
			}
		}
		res, err = s.peekClassic(ctx, req)
	case QueueQuorum:
		if err := s.mayRaiseCounts(req); err != nil {
			return PeekResult{QueueType: req.Type, NextOffset: -1}, err
		}
		res, err = s.peekQuorum(ctx, req)
	case QueueStream:
		res, err = s.peekStream(ctx, req)
	default:
		return PeekResult{NextOffset: -1}, fmt.Errorf("cannot peek queue %q: unknown queue type %q", req.Queue, req.Type)
	}
	res.QueueType = req.Type
	res.Took = time.Since(start)
	return res, err
}

// mayRaiseCounts refuses a read of a quorum queue that could push a
// message past its delivery limit: always in a read-only session, and
// otherwise unless the person accepted the risk for this read.
func (s *Session) mayRaiseCounts(req PeekRequest) error {
	switch {
	case !req.RaisesDeliveryCount():
		return nil
	case s.cfg.ReadOnly:
		return ReadOnlyRiskError(req.Vhost, req.Queue, req.DeliveryLimit)
	case !req.AcceptRisk:
		return &DeliveryLimitRiskError{Vhost: req.Vhost, Queue: req.Queue, Limit: req.DeliveryLimit}
	}
	return nil
}

// peekClassic takes Skip+Count messages from a classic queue with
// basic.get and gives them all back. Whatever goes wrong, they go back:
// by our nack, or by the broker when the channel or connection closes.
// It reads on a connection of its own: see undecodable.go.
func (s *Session) peekClassic(ctx context.Context, req PeekRequest) (PeekResult, error) {
	res := PeekResult{NextOffset: -1, Messages: make([]message.Message, 0, min(req.Count, 1000))}
	conn, ch, err := s.vhosts.ownChannel(ctx, req.Vhost, "peek")
	if err != nil {
		return res, err
	}
	defer conn.Close()
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	want := req.Skip + req.Count
	var lastTag uint64
	var getErr error
	for res.Taken < want {
		if getErr = ctx.Err(); getErr != nil {
			break
		}
		d, ok, err := ch.Get(req.Queue, false)
		if err != nil {
			if closedUndecodable(conn, closed, err) {
				return s.pastUndecodable(ctx, req, res, res.Taken+1)
			}
			getErr = s.queueErr(req, err)
			break
		}
		if !ok {
			break
		}
		res.Taken++
		lastTag = d.DeliveryTag
		if res.Taken > req.Skip {
			res.Messages = append(res.Messages, fromDelivery(d, req.Vhost, req.Queue, res.Taken))
		}
	}
	res.More = res.Taken == want
	res.Effect = queueEffect(req, res)
	return res, firstErr(req, getErr, giveBack(ch, lastTag))
}

// firstErr reports a failed read before a failed return; the messages
// are safe either way, and the second error says so.
func firstErr(req PeekRequest, readErr, backErr error) error {
	if readErr != nil {
		return readErr
	}
	if backErr != nil {
		return fmt.Errorf("peek of queue %q: could not confirm that the peeked messages went back (%v); "+
			"the broker requeues them when the channel closes", req.Queue, backErr)
	}
	return nil
}

// giveBack returns every message fetched on ch with a single
// nack(multiple, requeue), never a reject, and closes ch only once the
// broker has processed the nack, so no message is ever closed over.
func giveBack(ch *amqp.Channel, lastTag uint64) error {
	if lastTag == 0 || ch.IsClosed() {
		// Nothing fetched, or the broker closed the channel and with it
		// requeued everything unacked.
		return ch.Close()
	}
	err := ch.Nack(lastTag, true, true)
	if err == nil {
		// basic.qos is synchronous and a channel's methods are handled in
		// order: its reply proves the nack was processed.
		err = ch.Qos(0, 0, false)
	}
	if cerr := ch.Close(); err == nil {
		err = cerr
	}
	return cleanErr(err)
}

func queueEffect(req PeekRequest, res PeekResult) string {
	if res.Taken == 0 {
		return "Nothing was taken: the queue was empty."
	}
	n := res.Taken
	took := fmt.Sprintf("Took %d messages and returned them to the queue in order", n)
	if n == 1 {
		took = "Took 1 message and returned it to the queue"
	}
	if req.Type != QueueQuorum {
		return took + "; " + plural(n, "it is", "they are") + " now marked redelivered."
	}
	switch {
	case res.Reordered && req.DeliveryLimit >= 0:
		took = fmt.Sprintf("Took %d messages and returned them to the head of the queue, maybe not in their old order "+
			"(the broker was slow to take them back, and merges requeues it is not done with)", n)
	case res.Reordered:
		took = fmt.Sprintf("Took %d %s and returned %s to the back of the queue, behind the messages not peeked "+
			"(a quorum queue without a delivery limit requeues at the back)", n, plural(n, "message", "messages"), plural(n, "it", "them"))
	}
	if req.RequeueFree {
		return took + "; delivery counts did not change (from RabbitMQ 4.3 only a reject counts)."
	}
	limit := "no delivery limit"
	if req.DeliveryLimit >= 0 {
		limit = fmt.Sprintf("limit %d", req.DeliveryLimit)
	}
	s := fmt.Sprintf("%s; %s delivery count went up by 1 (%s).", took, plural(n, "its", "each one's"), limit)
	if res.OverLimit > 0 {
		s += fmt.Sprintf(" %d of them passed the limit, so the broker dropped or dead-lettered %s.",
			res.OverLimit, plural(res.OverLimit, "it", "them"))
	}
	return s
}

// plural picks one or many by n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// queueErr says in plain words why the broker refused a read of the queue.
func (s *Session) queueErr(req PeekRequest, err error) error {
	var aerr *amqp.Error
	if errors.As(err, &aerr) {
		switch aerr.Code {
		case amqp.NotFound:
			return fmt.Errorf("%w: queue %q not found in vhost %q", ErrQueueNotFound, req.Queue, req.Vhost)
		case amqp.AccessRefused:
			if strings.Contains(aerr.Reason, "exclusive use") {
				return fmt.Errorf("queue %q in vhost %q has an exclusive consumer: nobody else may read it", req.Queue, req.Vhost)
			}
			return fmt.Errorf("%w: user %q may not read queue %q in vhost %q",
				ErrAccessRefused, s.vhosts.user(), req.Queue, req.Vhost)
		case amqp.ResourceLocked:
			return fmt.Errorf("queue %q in vhost %q is exclusive to another connection", req.Queue, req.Vhost)
		case amqp.PreconditionFailed:
			return fmt.Errorf("queue %q in vhost %q refused the peek as a %s queue: %s",
				req.Queue, req.Vhost, req.Type, aerr.Reason)
		}
	}
	return cleanErr(err)
}
