package broker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/message"
)

// MoveTarget says where Move sends messages.
type MoveTarget int

const (
	// ToQueue publishes to TargetQueue through the default exchange.
	ToQueue MoveTarget = iota + 1
	// ToExchange publishes to Exchange with RoutingKey.
	ToExchange
	// ReturnToOrigin publishes each dead letter to the queue it died in
	// (message.Origin), through the default exchange, so only that queue
	// gets it again. A message without an origin stays in the source.
	ReturnToOrigin
	// ReturnViaExchange re-routes each dead letter through the exchange and
	// routing key it died from, which reaches EVERY queue bound there, not
	// only the one it died in.
	ReturnViaExchange
)

func (t MoveTarget) String() string {
	switch t {
	case ToQueue:
		return "to queue"
	case ToExchange:
		return "to exchange"
	case ReturnToOrigin:
		return "return to origin"
	case ReturnViaExchange:
		return "re-route via original exchange"
	}
	return "unknown"
}

// MoveRequest says what to move where.
type MoveRequest struct {
	Vhost string
	Queue string // the source
	// Target picks which of the fields below count.
	Target      MoveTarget
	TargetQueue string // ToQueue
	Exchange    string // ToExchange ("" is the default exchange)
	RoutingKey  string // ToExchange
	// Limit moves at most this many; 0 means every message in the source
	// when the move starts (never more: the move cannot chase its tail).
	Limit int
	// Window is how many messages are in flight at once (default 1024).
	Window int
	// OnBlocked, when set, hears broker alarms blocking the move.
	OnBlocked func(blocked bool, reason string)
}

// MoveProgress is reported while a move runs.
type MoveProgress struct {
	Total   int // messages the move will take at most
	Taken   int // taken from the source so far
	Moved   int
	Failed  int     // left in (or going back to) the source
	Rate    float64 // moved per second
	Elapsed time.Duration
}

// MoveResult counts what a move did. Every message taken is either Moved or
// ReturnedToSource; DuplicateRisk of the moved may also remain in the source.
type MoveResult struct {
	Moved            int // confirmed at the target and acked at the source
	ReturnedToSource int // requeued to the source: the sum of the four below
	Unroutable       int // returned by the broker: no queue was bound
	Nacked           int // refused by the broker
	InDoubt          int // channel closed before the confirm; the source keeps it
	NoOrigin         int // ReturnToOrigin only: no x-death to go back to
	// DuplicateRisk: confirmed at the target, but the link died before the
	// source ack was certainly processed, so the source may still hold it.
	DuplicateRisk int
	Took          time.Duration
}

// settleTimeout bounds the wait for the confirms still in flight when a
// move stops taking messages.
const settleTimeout = 30 * time.Second

// moveItem is one source delivery on its way, in delivery order.
type moveItem struct {
	tag      uint64
	receipt  *Receipt // nil: never published
	noOrigin bool
}

// Move moves messages from a queue with publisher confirms, losing none:
// the source delivery is acked only once its copy is confirmed and not
// returned; everything else stays unacked and is requeued at the end, so it
// keeps its place in the source. Holding (not requeueing) failures also
// means the move never meets them again. One consumer and one publishing
// channel keep the order of a single source queue.
//
// On ctx cancel the move stops taking messages, settles those in flight and
// returns ctx's error with the counts. A lost connection returns an error
// too; the broker then requeues every unacked message itself.
func (s *Session) Move(ctx context.Context, req MoveRequest, progress func(MoveProgress)) (MoveResult, error) {
	start := time.Now()
	if err := req.check(); err != nil {
		return MoveResult{}, err
	}
	if req.Window <= 0 {
		req.Window = 1024
	}
	conn, err := s.vhosts.dialNamed(ctx, req.Vhost, s.cfg.Name+" move (vhost "+req.Vhost+")")
	if err != nil {
		return MoveResult{}, err
	}
	defer conn.Close()
	cch, err := conn.Channel()
	if err != nil {
		return MoveResult{}, cleanErr(err)
	}
	q, err := cch.QueueDeclarePassive(req.Queue, false, false, false, false, nil)
	if err != nil {
		return MoveResult{}, s.queueErr(PeekRequest{Vhost: req.Vhost, Queue: req.Queue}, err)
	}
	budget := q.Messages
	if req.Limit > 0 && req.Limit < budget {
		budget = req.Limit
	}
	if budget == 0 {
		return MoveResult{Took: time.Since(start)}, nil
	}
	// Publishing gets a connection of its own, as the shovel does: the
	// broker's flow control throttles a publishing connection as a whole,
	// and must not slow the deliveries and acks of the source.
	pconn, err := s.vhosts.dialNamed(ctx, req.Vhost, s.cfg.Name+" move-publish (vhost "+req.Vhost+")")
	if err != nil {
		return MoveResult{}, err
	}
	defer pconn.Close()
	pub, err := newPublisher(pconn, PublisherOptions{Window: req.Window, OnBlocked: req.OnBlocked})
	if err != nil {
		return MoveResult{}, err
	}
	defer pub.Close()
	// Channel-wide (global) prefetch, so it can grow while failures are held.
	if err := cch.Qos(req.Window, 0, true); err != nil {
		return MoveResult{}, cleanErr(err)
	}
	consumerTag := "warren-move-" + newMessageID()[7:]
	deliveries, err := cch.Consume(req.Queue, consumerTag, false, false, false, false, nil)
	if err != nil {
		return MoveResult{}, s.queueErr(PeekRequest{Vhost: req.Vhost, Queue: req.Queue}, err)
	}

	m := &mover{req: req, cch: cch, pub: pub, budget: budget, start: start, progress: progress,
		items: make(chan moveItem, req.Window), prefetch: req.Window,
		closed: cch.NotifyClose(make(chan *amqp.Error, 1))}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); m.settleAll() }()
	takeErr := m.take(ctx, deliveries)
	close(m.items)
	settled := make(chan struct{})
	go func() { wg.Wait(); close(settled) }()
	select {
	case <-settled:
	case <-time.After(settleTimeout):
		// No confirms (a broker alarm that never lifts?): drop the link so
		// the broker requeues everything; those outcomes become InDoubt.
		_ = conn.CloseDeadline(time.Now().Add(2 * time.Second))
		<-settled
	}
	m.requeueRest(consumerTag, deliveries)

	m.res.Took = time.Since(start)
	m.report(true)
	switch {
	case m.linkErr != nil:
		return m.res, fmt.Errorf("move stopped, link lost: %w", m.linkErr)
	case takeErr != nil:
		return m.res, takeErr
	}
	return m.res, nil
}

func (req MoveRequest) check() error {
	if req.Queue == "" {
		return errors.New("move: no source queue")
	}
	switch req.Target {
	case ToQueue:
		if req.TargetQueue == "" {
			return errors.New("move: no target queue")
		}
		if req.TargetQueue == req.Queue {
			return errors.New("move: the target is the source queue")
		}
	case ToExchange, ReturnToOrigin, ReturnViaExchange:
	default:
		return errors.New("move: no target chosen")
	}
	return nil
}

// route says where one delivery goes; ok is false when it has no origin.
func (req MoveRequest) route(d *amqp.Delivery) (exchange, key string, ok bool) {
	switch req.Target {
	case ToQueue:
		return "", req.TargetQueue, true
	case ToExchange:
		return req.Exchange, req.RoutingKey, true
	}
	queue, ex, keys, ok := message.Origin(message.Message{Headers: convertTable(d.Headers), RoutingKey: d.RoutingKey})
	if !ok {
		return "", "", false
	}
	if req.Target == ReturnToOrigin {
		return "", queue, true
	}
	if len(keys) == 0 {
		return ex, "", true
	}
	// Further keys (CC) ride along in the CC header the message still has.
	return ex, keys[0], true
}

// mover is one running Move: take feeds items, settleAll drains them.
type mover struct {
	req      MoveRequest
	cch      *amqp.Channel
	pub      *Publisher
	budget   int
	start    time.Time
	progress func(MoveProgress)
	items    chan moveItem
	closed   chan *amqp.Error // the consumer channel's close

	mu       sync.Mutex // guards the counts below, shared by both goroutines
	res      MoveResult
	taken    int
	held     int    // unacked failures awaiting the final requeue
	prefetch int    // current channel prefetch
	unsure   int    // acked since the last barrier: the broker may not have seen them
	pendAck  uint64 // highest tag to ack with multiple=true, 0 when none
	pendN    int
	lastRep  time.Time
	linkErr  error
	heldTags []uint64
	settled  int
}

func (m *mover) allSettled() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.settled == m.taken
}

// take consumes up to the budget, publishing each copy in delivery order.
func (m *mover) take(ctx context.Context, deliveries <-chan amqp.Delivery) error {
	idle := time.NewTimer(time.Second)
	defer idle.Stop()
	for m.taken < m.budget {
		var d amqp.Delivery
		var ok bool
		select {
		case <-ctx.Done():
			return ctx.Err()
		case d, ok = <-deliveries:
			if !ok {
				err := errors.New("the source stopped delivering (queue deleted?)")
				select { // the broker's reason, when the channel closed
				case e, ok := <-m.closed:
					if ok && e != nil {
						err = cleanErr(e)
					}
				case <-time.After(100 * time.Millisecond):
				}
				m.mu.Lock()
				if m.linkErr == nil {
					m.linkErr = err
				}
				m.mu.Unlock()
				return nil
			}
		case <-idle.C:
			// Others may have taken what the budget counted: stop when the
			// source has nothing ready and nothing is in flight.
			if q, err := m.cch.QueueDeclarePassive(m.req.Queue, false, false, false, false, nil); err == nil && q.Messages == 0 && m.allSettled() {
				return nil
			}
			idle.Reset(time.Second)
			continue
		}
		m.mu.Lock()
		m.taken++
		m.mu.Unlock()
		it := moveItem{tag: d.DeliveryTag}
		if ex, key, ok := m.req.route(&d); !ok {
			it.noOrigin = true
		} else {
			r, err := m.pub.publish(ctx, ex, key, deliveryPublishing(&d))
			if err != nil {
				m.items <- it // unpublished: it stays in the source
				return err
			}
			it.receipt = r
		}
		m.items <- it
		if !idle.Stop() {
			<-idle.C
		}
		idle.Reset(time.Second)
	}
	return nil
}

// deliveryPublishing copies a delivery as it came off the wire: no trip
// through message.Message, so every header keeps its exact AMQP type.
func deliveryPublishing(d *amqp.Delivery) amqp.Publishing {
	id := d.MessageId
	if id == "" {
		id = newMessageID()
	}
	return amqp.Publishing{
		Headers: d.Headers, ContentType: d.ContentType, ContentEncoding: d.ContentEncoding,
		DeliveryMode: d.DeliveryMode, Priority: d.Priority, CorrelationId: d.CorrelationId,
		ReplyTo: d.ReplyTo, Expiration: d.Expiration, MessageId: id, Timestamp: d.Timestamp,
		Type: d.Type, UserId: d.UserId, AppId: d.AppId, Body: d.Body,
	}
}
