package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// The pulse cases: one broken setup per pulse rule that a single healthy
// node can show, so that :pulse has something to say on a first run. The
// rest of the demo already breaks a few (the bulk queues' TTL without a
// dead-letter exchange, the length cap on demo.orders.*, the payments
// queue's delivery limit, queues nobody consumes). Alarms, descriptor and
// socket limits, partitions and nodes down need a broker in trouble and
// are not staged.
const (
	pqLostLetters = "demo.pulse.lost-letters"   // its dead-letter exchange does not exist
	pxDLX         = "demo.pulse.dlx"            // a direct dead-letter exchange bound for "retry" only
	pqRetry       = "demo.pulse.retry"          // bound to pxDLX with "retry"
	pqDeadEnds    = "demo.pulse.dead-ends"      // dead-letters with key "dead": no binding matches
	pqCycleA      = "demo.pulse.cycle.a"        // dead-letters to cycle.b ...
	pqCycleB      = "demo.pulse.cycle.b"        // ... which dead-letters back to cycle.a
	pxUnbound     = "demo.pulse.unbound"        // published to, bound to nothing
	pxNoAE        = "demo.pulse.ae-missing"     // its alternate exchange does not exist
	pqTransient   = "demo.pulse.transient"      // not durable, not exclusive
	pqBacklog     = "demo.pulse.backlog"        // traffic: published to, never consumed (grows)
	pqSlow        = "demo.pulse.slow"           // traffic: a consumer at its full prefetch
	pqGreedy      = "demo.pulse.greedy"         // traffic: a consumer without prefetch that never acks
	ppMirroring   = "demo-pulse-mirroring"      // a classic mirroring (ha-*) policy
	pqMirrored    = "demo.pulse.mirrored"       // the queue that policy matches
	pulseGone     = "demo.pulse.does-not-exist" // named as dead-letter and alternate exchange
)

var pulseQueues = []queueSpec{
	{name: pqLostLetters, args: amqp.Table{"x-dead-letter-exchange": pulseGone}},
	{name: pqRetry, bindings: []bindingSpec{{exchange: pxDLX, key: "retry"}}},
	{name: pqDeadEnds, args: amqp.Table{"x-dead-letter-exchange": pxDLX, "x-dead-letter-routing-key": "dead"}},
	{name: pqCycleA, args: amqp.Table{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": pqCycleB, "x-message-ttl": int32(60000)}},
	{name: pqCycleB, args: amqp.Table{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": pqCycleA}},
	// reject-publish: a full backlog refuses rather than drops, so it stays a
	// finding of growth alone.
	{name: pqBacklog, args: amqp.Table{"x-max-length": int32(50000), "x-overflow": "reject-publish"}},
	{name: pqSlow, args: amqp.Table{"x-max-length": int32(50000), "x-overflow": "reject-publish"}},
	{name: pqGreedy, args: amqp.Table{"x-max-length": int32(50000), "x-overflow": "reject-publish"}},
	{name: pqMirrored},
}

// declarePulseCases declares the pulse cases; like declareTopology it is
// safe to repeat. The transient queue is declared on a channel of its own:
// a broker that refuses transient non-exclusive queues (4.3 by default)
// closes the channel, and the demo goes on without that case.
func declarePulseCases(conn *amqp.Connection) (notes []string, err error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, err
	}
	defer ch.Close()
	for _, x := range []struct {
		name, kind string
		args       amqp.Table
	}{
		{pxDLX, amqp.ExchangeDirect, nil},
		{pxUnbound, amqp.ExchangeDirect, nil},
		{pxNoAE, amqp.ExchangeDirect, amqp.Table{"alternate-exchange": pulseGone}},
	} {
		if err := ch.ExchangeDeclare(x.name, x.kind, true, false, false, false, x.args); err != nil {
			return nil, fmt.Errorf("declare exchange %s: %w", x.name, err)
		}
	}
	for _, q := range pulseQueues {
		if _, err := ch.QueueDeclare(q.name, true, false, false, false, q.args); err != nil {
			return nil, fmt.Errorf("declare queue %s: %w", q.name, err)
		}
		for _, b := range q.bindings {
			if err := ch.QueueBind(q.name, b.key, b.exchange, false, b.args); err != nil {
				return nil, fmt.Errorf("bind %s to %s: %w", q.name, b.exchange, err)
			}
		}
	}
	tch, err := conn.Channel()
	if err != nil {
		return nil, err
	}
	if _, err := tch.QueueDeclare(pqTransient, transientOnPurpose, false, false, false, nil); err != nil {
		notes = append(notes, "no transient queue: the broker refused it ("+err.Error()+")")
	} else {
		_ = tch.Close()
	}
	return notes, nil
}

// mirroringPolicy is a classic mirroring policy on one demo queue. Brokers
// from 4.0 refuse ha-* keys; the seeder then says so and goes on.
var mirroringPolicy = Policy{Name: ppMirroring, Pattern: `^demo\.pulse\.mirrored$`, ApplyTo: "queues",
	Definition: map[string]any{"ha-mode": "exactly", "ha-params": 2}}

// seedPulse declares the cases and publishes a few messages into the
// unbound exchange (without mandatory: the broker drops them, as it does
// an application's), so it has publishes before traffic runs.
func (s *Seeder) seedPulse(ctx context.Context) error {
	notes, err := declarePulseCases(s.conn)
	if err != nil {
		return err
	}
	if err := s.Target.api.PutPolicy(ctx, s.Vhost, mirroringPolicy); err != nil {
		notes = append(notes, "no classic mirroring policy: the broker refused it ("+err.Error()+")")
	} else {
		s.sum.Policies = append(s.sum.Policies, ppMirroring)
	}
	for i := range 5 {
		if err := s.ch.PublishWithContext(ctx, pxUnbound, "nowhere", false, false, amqp.Publishing{Body: fmt.Appendf(nil, "lost %d", i)}); err != nil {
			return fmt.Errorf("publish to %s: %w", pxUnbound, err)
		}
	}
	s.sum.PulseNotes = notes
	return nil
}

// pulseWork is the traffic that keeps the trend rules busy: publishes
// into the unbound exchange (dropped), a backlog nobody consumes, a slow
// consumer at its full prefetch, and a greedy one without prefetch that
// never acks. Its messages are small and its queues capped.
func (t *Traffic) pulseWork(ctx context.Context, conn *amqp.Connection) error {
	if _, err := declarePulseCases(conn); err != nil {
		return err
	}
	pub, err := conn.Channel()
	if err != nil {
		return err
	}
	defer pub.Close()
	slow, err := conn.Channel()
	if err != nil {
		return err
	}
	defer slow.Close()
	if err := slow.Qos(5, 0, false); err != nil {
		return err
	}
	slowIn, err := slow.Consume(pqSlow, "warren-demo slow consumer", false, false, false, false, nil)
	if err != nil {
		return err
	}
	greedy, err := conn.Channel()
	if err != nil {
		return err
	}
	defer greedy.Close()
	greedyIn, err := greedy.Consume(pqGreedy, "warren-demo greedy consumer", false, false, false, false, nil)
	if err != nil {
		return err
	}
	go func() {
		for range greedyIn { // taken and never acked: unacked grows
		}
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		for _, p := range []struct {
			exchange, key string
			count         int
		}{{pxUnbound, "nowhere", 2}, {"", pqBacklog, 3}, {"", pqSlow, 2}, {"", pqGreedy, 1}} {
			for range p.count {
				err := pub.PublishWithContext(ctx, p.exchange, p.key, false, false, amqp.Publishing{Body: fmt.Appendf(nil, "pulse %d", n)})
				if err != nil {
					return fmt.Errorf("publish: %w", err)
				}
			}
		}
		// The slow consumer acks one message a second: it always holds its
		// prefetch while more wait.
		select {
		case d, ok := <-slowIn:
			if !ok {
				return errors.New("the slow consumer was cancelled")
			}
			if err := d.Ack(false); err != nil {
				return err
			}
		default:
		}
	}
}

// transientOnPurpose declares the demo's one transient non-exclusive
// queue: the pulse's rule for them needs a case (4.3 refuses it, and the
// seed then says so). The module audit allows this name alone.
const transientOnPurpose = false
