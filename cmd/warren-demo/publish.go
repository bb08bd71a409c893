package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// dial opens a connection to one vhost of the target, named so that the
// broker's connection list says who it is.
func dial(t *Target, vhost, name string) (*amqp.Connection, error) {
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName(name)
	conn, err := amqp.DialConfig(t.uri, amqp.Config{Vhost: vhost, Properties: props})
	if err != nil {
		return nil, fmt.Errorf("connect to %s (vhost %q): %w", t.redactedURI(), vhost, err)
	}
	return conn, nil
}

// confirmBatch bounds the confirms in flight, and with them the returns that
// can pile up in the return channel before a flush reads them.
const confirmBatch = 256

// publisher publishes with publisher confirms and mandatory, so the seeder
// knows every message reached a queue.
type publisher struct {
	ch      *amqp.Channel
	returns chan amqp.Return
	pending []*amqp.DeferredConfirmation
	sent    int
}

func newPublisher(conn *amqp.Connection) (*publisher, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, err
	}
	if err := ch.Confirm(false); err != nil {
		return nil, fmt.Errorf("enable publisher confirms: %w", err)
	}
	// The reader goroutine sends a return before it handles the matching
	// confirm, so after a flush every return of the batch is buffered here.
	returns := ch.NotifyReturn(make(chan amqp.Return, 2*confirmBatch))
	return &publisher{ch: ch, returns: returns}, nil
}

func (p *publisher) publish(ctx context.Context, exchange, key string, msg amqp.Publishing) error {
	dc, err := p.ch.PublishWithDeferredConfirmWithContext(ctx, exchange, key, true, false, msg)
	if err != nil {
		return fmt.Errorf("publish to %q with key %q: %w", exchange, key, err)
	}
	p.pending = append(p.pending, dc)
	p.sent++
	if len(p.pending) >= confirmBatch {
		return p.flush(ctx)
	}
	return nil
}

// flush waits for every outstanding confirm and fails on a nack or a return.
func (p *publisher) flush(ctx context.Context) error {
	nacked := 0
	for _, dc := range p.pending {
		ok, err := dc.WaitContext(ctx)
		if err != nil {
			return err
		}
		if !ok {
			nacked++
		}
	}
	p.pending = p.pending[:0]
	returned := 0
	var first amqp.Return
	for drained := false; !drained; {
		select {
		case r := <-p.returns:
			if returned == 0 {
				first = r
			}
			returned++
		default:
			drained = true
		}
	}
	switch {
	case nacked > 0:
		return fmt.Errorf("broker nacked %d messages", nacked)
	case returned > 0:
		return fmt.Errorf("%d messages unroutable (first: exchange %q key %q: %s)",
			returned, first.Exchange, first.RoutingKey, first.ReplyText)
	}
	return nil
}

func (p *publisher) close() { _ = p.ch.Close() }

// depth is the number of ready messages of a queue (exact for classic and
// quorum queues; streams always say 0, see streamLength).
func depth(ch *amqp.Channel, queue string) (int, error) {
	q, err := ch.QueueDeclarePassive(queue, true, false, false, false, nil)
	if err != nil {
		return 0, fmt.Errorf("inspect queue %s: %w", queue, err)
	}
	return q.Messages, nil
}

// streamLength counts the messages of a stream: declare-ok says 0 for
// streams, so it reads the last chunk from offset "last" and returns the
// highest offset + 1. Retention may have dropped older ones; that only makes
// the answer an upper bound, which is what "is it filled yet" needs.
func streamLength(ctx context.Context, conn *amqp.Connection, stream string) (int, error) {
	ch, err := conn.Channel()
	if err != nil {
		return 0, err
	}
	defer ch.Close()
	if err := ch.Qos(1000, 0, false); err != nil {
		return 0, err
	}
	deliveries, err := ch.Consume(stream, "warren-demo-count", false, false, false, false,
		amqp.Table{"x-stream-offset": "last"})
	if err != nil {
		return 0, fmt.Errorf("read stream %s: %w", stream, err)
	}
	var last int64 = -1
	// An empty stream never delivers; a non-empty one delivers its whole
	// last chunk at once, so a short quiet gap ends it.
	wait := 3 * time.Second
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case d, ok := <-deliveries:
			if !ok {
				return 0, errors.New("stream consumer closed")
			}
			if off, ok := d.Headers["x-stream-offset"].(int64); ok && off > last {
				last = off
			}
			_ = d.Ack(false)
			timer.Reset(300 * time.Millisecond)
		case <-timer.C:
			return int(last + 1), nil
		}
	}
}
