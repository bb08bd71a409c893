package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	amqp "github.com/rabbitmq/amqp091-go"
)

// How declares and deletes are spread: the broker works each channel's
// methods in order, so many channels over a few connections keep both of
// its cores busy while no-wait methods keep every channel's pipe full.
const (
	pipeConnections = 4
	pipeChannels    = 8 // per connection
)

// queueOp is one queue method. wait asks for the broker's answer: the
// last op of each channel waits, which proves all before it were done.
type queueOp func(ch *amqp.Channel, name string, wait bool) error

// opDeclare declares a plain classic queue: not exclusive, so it
// outlives the declaring connection, and so durable (RabbitMQ 4.3 refuses
// transient non-exclusive queues by default).
func opDeclare(ch *amqp.Channel, name string, wait bool) error {
	_, err := ch.QueueDeclare(name, true, false, false, !wait, nil)
	return err
}

// opDelete deletes a queue; deleting one that is already gone is no error.
func opDelete(ch *amqp.Channel, name string, wait bool) error {
	_, err := ch.QueueDelete(name, false, false, !wait)
	return err
}

// benchQueueName orders by name the way the broker lists: zero padded.
func benchQueueName(i int) string { return fmt.Sprintf("bench.q.%06d", i) }

func benchQueueNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = benchQueueName(i)
	}
	return names
}

// pipelineQueues applies op to every name over pipeConnections x
// pipeChannels channels in vhost. done, if not nil, counts finished ops.
func pipelineQueues(ctx context.Context, uri, vhost string, names []string, op queueOp, done *atomic.Int64) error {
	cfg := amqp.Config{Vhost: vhost, Properties: amqp.NewConnectionProperties()}
	cfg.Properties.SetClientConnectionName("warren-bench")
	workers := pipeConnections * pipeChannels
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) { errOnce.Do(func() { firstErr = err }) }
	for c := 0; c < pipeConnections; c++ {
		conn, err := amqp.DialConfig(uri, cfg)
		if err != nil {
			fail(fmt.Errorf("AMQP connection to vhost %s: %w", vhost, err))
			break
		}
		defer conn.Close()
		for k := 0; k < pipeChannels; k++ {
			worker := c*pipeChannels + k
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := runChannel(ctx, conn, names, worker, workers, op, done); err != nil {
					fail(err)
				}
			}()
		}
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

// runChannel applies op to names[worker], names[worker+workers], ... on a
// channel of its own.
func runChannel(ctx context.Context, conn *amqp.Connection, names []string, worker, workers int, op queueOp, done *atomic.Int64) error {
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	// With no-wait, a refused method shows only as the channel closing.
	closed := ch.NotifyClose(make(chan *amqp.Error, 1))
	last := worker + ((len(names)-1-worker)/workers)*workers
	for i := worker; i < len(names); i += workers {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := op(ch, names[i], i == last); err != nil {
			select {
			case reason := <-closed:
				if reason != nil {
					return fmt.Errorf("queue %s: %w", names[i], reason)
				}
			default:
			}
			return fmt.Errorf("queue %s: %w", names[i], err)
		}
		if done != nil {
			done.Add(1)
		}
	}
	return nil
}
