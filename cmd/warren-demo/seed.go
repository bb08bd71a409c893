package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Seeder fills one vhost with the demo topology. Every step first looks at
// what is there and only adds what is missing, so seeding twice changes
// nothing (beyond messages the traffic generator moved meanwhile).
type Seeder struct {
	Target *Target
	Vhost  string
	// BulkQueues is how many demo.bulk.NNN queues to create.
	BulkQueues int
	// DeadLetters is the depth the DLQ is brought to (default 30).
	DeadLetters int

	rng  *rand.Rand
	conn *amqp.Connection
	ch   *amqp.Channel // for declares and depth checks
	pub  *publisher
	sum  *Summary
}

// Summary is what a seeding did, printed at the end.
type Summary struct {
	Vhosts      []string
	Exchanges   int
	Queues      int
	Published   int
	DeadLetters int
	StreamLen   int
	Policies    []string
	// PulseNotes say which pulse cases this broker would not take.
	PulseNotes []string
}

func (s *Summary) print(w io.Writer) {
	fmt.Fprintf(w, "  vhosts:       %s\n", strings.Join(s.Vhosts, ", "))
	fmt.Fprintf(w, "  exchanges:    %d (topic %s, topic %s, headers %s)\n", s.Exchanges, exOrders, exDLX, exNotifications)
	fmt.Fprintf(w, "  queues:       %d (classic, quorum %s, stream %s, demo.bulk.*)\n", s.Queues, qPayments, qEvents)
	fmt.Fprintf(w, "  dead letters: %d in %s (rejected by a consumer, with x-death)\n", s.DeadLetters, qDLQ)
	fmt.Fprintf(w, "  stream:       %s holds ~%d messages\n", qEvents, s.StreamLen)
	fmt.Fprintf(w, "  policies:     %s\n", strings.Join(s.Policies, ", "))
	fmt.Fprintf(w, "  published:    %d messages this run (0: it was already seeded)\n", s.Published)
	fmt.Fprintf(w, "  pulse cases:  demo.pulse.* (:pulse lists them; traffic keeps the trend cases going)\n")
	for _, n := range s.PulseNotes {
		fmt.Fprintf(w, "                %s\n", n)
	}
}

// Seed creates or completes the demo in s.Vhost.
func (s *Seeder) Seed(ctx context.Context) (*Summary, error) {
	if s.DeadLetters == 0 {
		s.DeadLetters = 30
	}
	s.rng = rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x5eed))
	s.sum = &Summary{Vhosts: []string{s.Vhost}}

	conn, err := dial(s.Target, s.Vhost, "warren-demo seed")
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	s.conn = conn
	if s.ch, err = conn.Channel(); err != nil {
		return nil, err
	}
	if s.pub, err = newPublisher(conn); err != nil {
		return nil, err
	}
	defer s.pub.close()

	if err := declareTopology(s.ch); err != nil {
		return nil, err
	}
	s.sum.Exchanges, s.sum.Queues = len(demoExchanges), len(demoQueues)+s.BulkQueues
	for _, p := range demoPolicies {
		if err := s.Target.api.PutPolicy(ctx, s.Vhost, p); err != nil {
			return nil, err
		}
		s.sum.Policies = append(s.sum.Policies, p.Name)
	}

	steps := []func(context.Context) error{
		s.seedDeadLetters,
		s.seedOrders,
		s.seedPayments,
		s.seedNotifications,
		s.seedStream,
		s.seedBulk,
		s.seedPulse,
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	if err := s.pub.flush(ctx); err != nil {
		return nil, err
	}
	s.sum.Published = s.pub.sent
	return s.sum, nil
}

// fill publishes build(i) until queue holds want ready messages.
func (s *Seeder) fill(ctx context.Context, queue string, want int, exchange, key string, build func(i int) amqp.Publishing) error {
	have, err := depth(s.ch, queue)
	if err != nil {
		return err
	}
	for i := have; i < want; i++ {
		if err := s.pub.publish(ctx, exchange, key, build(i)); err != nil {
			return err
		}
	}
	return s.pub.flush(ctx)
}

// seedDeadLetters makes real dead letters: orders go to demo.orders.created,
// a consumer rejects them without requeue, and the broker dead-letters them
// through demo.dlx into demo.orders.dlq with x-death reason "rejected".
func (s *Seeder) seedDeadLetters(ctx context.Context) error {
	have, err := depth(s.ch, qDLQ)
	if err != nil {
		return err
	}
	missing := s.DeadLetters - have
	if missing <= 0 {
		s.sum.DeadLetters = have
		return nil
	}
	now := time.Now()
	for range missing {
		if err := s.pub.publish(ctx, exOrders, "order.created", orderEvent(s.rng, "created", now)); err != nil {
			return err
		}
	}
	if err := s.pub.flush(ctx); err != nil {
		return err
	}
	if err := rejectN(ctx, s.conn, qCreated, missing); err != nil {
		return err
	}
	// Dead-lettering is asynchronous: wait until the DLQ shows them.
	deadline := time.Now().Add(15 * time.Second)
	for {
		n, err := depth(s.ch, qDLQ)
		if err != nil {
			return err
		}
		if n >= s.DeadLetters {
			s.sum.DeadLetters = n
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s holds %d dead letters after rejecting %d, want %d", qDLQ, n, missing, s.DeadLetters)
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

// rejectN consumes n messages from queue and rejects each without requeue.
// The prefetch equals n so no extra message is left unacked at the end.
func rejectN(ctx context.Context, conn *amqp.Connection, queue string, n int) error {
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	if err := ch.Qos(min(n, 1000), 0, false); err != nil {
		return err
	}
	deliveries, err := ch.Consume(queue, "warren-demo-rejecter", false, false, false, false, nil)
	if err != nil {
		return fmt.Errorf("consume %s: %w", queue, err)
	}
	timeout := time.NewTimer(15 * time.Second)
	defer timeout.Stop()
	for done := 0; done < n; {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timeout.C:
			return fmt.Errorf("rejected only %d of %d messages from %s (is another consumer, such as warren-demo traffic, taking them?)", done, n, queue)
		case d, ok := <-deliveries:
			if !ok {
				return errors.New("consumer on " + queue + " was cancelled")
			}
			if err := d.Reject(false); err != nil {
				return err
			}
			done++
		}
	}
	return ch.Cancel("warren-demo-rejecter", false)
}

// seedOrders leaves some live orders in the order queues.
func (s *Seeder) seedOrders(ctx context.Context) error {
	now := time.Now()
	for _, f := range []struct {
		queue, status string
		want          int
	}{
		{qCreated, "created", 12},
		{qShipped, "shipped", 25},
	} {
		mk := func(int) amqp.Publishing { return orderEvent(s.rng, f.status, now) }
		if err := s.fill(ctx, f.queue, f.want, exOrders, "order."+f.status, mk); err != nil {
			return err
		}
	}
	return nil
}

// seedPayments fills the quorum queue and, when it was empty, requeues its
// head twice so it shows a delivery count of 2 against a limit of 3: one
// careless peek away from being dropped.
func (s *Seeder) seedPayments(ctx context.Context) error {
	have, err := depth(s.ch, qPayments)
	if err != nil {
		return err
	}
	now := time.Now()
	if err := s.fill(ctx, qPayments, 6, "", qPayments, func(int) amqp.Publishing { return paymentMessage(s.rng, now) }); err != nil {
		return err
	}
	if have > 0 {
		return nil
	}
	ch, err := s.conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	for range 2 {
		d, ok, err := ch.Get(qPayments, false)
		if err != nil || !ok {
			return fmt.Errorf("get from %s: ok=%v err=%v", qPayments, ok, err)
		}
		if err := d.Nack(false, true); err != nil {
			return err
		}
	}
	return nil
}

func (s *Seeder) seedNotifications(ctx context.Context) error {
	now := time.Now()
	for _, f := range []struct {
		queue, channel string
		want           int
	}{
		{qEmail, "email", 6},
		{qSMS, "sms", 4},
		{qPush, "push", 3},
	} {
		mk := func(int) amqp.Publishing { return notification(s.rng, f.channel, now) }
		if err := s.fill(ctx, f.queue, f.want, exNotifications, "", mk); err != nil {
			return err
		}
	}
	return nil
}

// seedStream brings the stream to a few hundred messages.
func (s *Seeder) seedStream(ctx context.Context) error {
	const want = 300
	have, err := streamLength(ctx, s.conn, qEvents)
	if err != nil {
		return err
	}
	now := time.Now()
	for i := have; i < want; i++ {
		// Spread the timestamps over the last hour, oldest first.
		at := now.Add(-time.Duration(want-i) * 12 * time.Second)
		if err := s.pub.publish(ctx, "", qEvents, streamEvent(s.rng, i, at)); err != nil {
			return err
		}
	}
	if err := s.pub.flush(ctx); err != nil {
		return err
	}
	s.sum.StreamLen = max(have, want)
	return nil
}

// seedBulk creates demo.bulk.NNN with varied depths.
func (s *Seeder) seedBulk(ctx context.Context) error {
	now := time.Now()
	for i := range s.BulkQueues {
		name := bulkName(i)
		q, err := s.ch.QueueDeclare(name, true, false, false, false, nil)
		if err != nil {
			return fmt.Errorf("declare queue %s: %w", name, err)
		}
		for n := q.Messages; n < bulkDepth(i); n++ {
			if err := s.pub.publish(ctx, "", name, bulkMessage(s.rng, name, n, now)); err != nil {
				return err
			}
		}
	}
	return s.pub.flush(ctx)
}

// seedSecondVhost creates demo.vhost with a couple of queues, so that vhost
// switching has somewhere to go.
func seedSecondVhost(ctx context.Context, t *Target, sum *Summary) error {
	if t.vhost == demoVhost {
		return nil
	}
	if err := t.api.EnsureVhost(ctx, demoVhost); err != nil {
		return err
	}
	conn, err := dial(t, demoVhost, "warren-demo seed")
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	pub, err := newPublisher(conn)
	if err != nil {
		return err
	}
	defer pub.close()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	now := time.Now()
	for _, q := range []struct {
		name string
		args amqp.Table
		want int
	}{
		{"demo.vhost.inbox", nil, 40},
		{"demo.vhost.jobs", amqp.Table{amqp.QueueTypeArg: amqp.QueueTypeQuorum}, 12},
	} {
		got, err := ch.QueueDeclare(q.name, true, false, false, false, q.args)
		if err != nil {
			return fmt.Errorf("declare queue %s in %s: %w", q.name, demoVhost, err)
		}
		for n := got.Messages; n < q.want; n++ {
			if err := pub.publish(ctx, "", q.name, bulkMessage(rng, q.name, n, now)); err != nil {
				return err
			}
		}
		sum.Queues++
	}
	if err := pub.flush(ctx); err != nil {
		return err
	}
	sum.Published += pub.sent
	sum.Vhosts = append(sum.Vhosts, demoVhost+" (2 queues)")
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
