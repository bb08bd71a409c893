package broker

import (
	"context"

	amqp "github.com/rabbitmq/amqp091-go"
)

// QueueDepth reads a queue's exact ready-message and consumer counts now,
// with a passive queue.declare: the management API's figures lag by up to
// its stats interval. A passive declare of a missing queue makes the
// broker close the channel, so every call uses a fresh one.
func (s *Session) QueueDepth(ctx context.Context, vhost, queue string) (messages, consumers int, err error) {
	ch, err := s.VhostChannel(ctx, vhost)
	if err != nil {
		return 0, 0, err
	}
	defer ch.Close()
	var q amqp.Queue
	done := make(chan struct{})
	go func() { // amqp091-go calls take no context
		defer close(done)
		q, err = ch.QueueDeclarePassive(queue, false, false, false, false, nil)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		_ = ch.Close() // unblocks the declare
		<-done
		return 0, 0, ctx.Err()
	}
	if err != nil {
		return 0, 0, s.queueErr(PeekRequest{Vhost: vhost, Queue: queue}, err)
	}
	return q.Messages, q.Consumers, nil
}
