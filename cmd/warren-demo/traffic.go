package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Traffic publishes orders and notifications at a varying rate with
// occasional bursts, and consumes some demo queues so their depths rise and
// fall: each consumer steers its queue towards a target depth that itself
// swings slowly between a low and a high mark. It runs until ctx ends and
// reconnects (redeclaring the topology) whenever the broker goes away.
type Traffic struct {
	Target *Target
	Vhost  string
	Log    io.Writer

	published, acked, rejected, requeued atomic.Int64
}

// consumerSpec says how one queue is drained.
type consumerSpec struct {
	queue     string
	low, high int           // the target depth swings between these
	period    time.Duration // over this period
	maxRate   float64       // deliveries per second at most
	// rejectEvery rejects every Nth delivery without requeue (new dead
	// letters when the queue has a DLX); requeueEvery nacks with requeue
	// (raises delivery counts on a quorum queue).
	rejectEvery, requeueEvery int
}

var trafficConsumers = []consumerSpec{
	{queue: qCreated, low: 10, high: 250, period: 70 * time.Second, maxRate: 80, rejectEvery: 60},
	{queue: qShipped, low: 5, high: 150, period: 50 * time.Second, maxRate: 60},
	{queue: qAll, low: 50, high: 1200, period: 2 * time.Minute, maxRate: 200},
	{queue: qPayments, low: 3, high: 60, period: 90 * time.Second, maxRate: 30, requeueEvery: 40},
	{queue: qEmail, low: 2, high: 25, period: 80 * time.Second, maxRate: 5},
	{queue: qSMS, low: 1, high: 15, period: 65 * time.Second, maxRate: 5},
}

// orderKeys are the order statuses published, with their weights.
var orderKeys = []struct {
	status string
	weight int
}{{"created", 40}, {"paid", 20}, {"shipped", 25}, {"cancelled", 10}, {"refunded", 5}}

const (
	// gain turns a depth above target into a consume rate (per second).
	gain          = 0.25
	depthInterval = 2 * time.Second
	statsInterval = 30 * time.Second
	publishTick   = 100 * time.Millisecond
)

func (t *Traffic) logf(format string, args ...any) {
	fmt.Fprintf(t.Log, time.Now().Format("15:04:05")+" "+format+"\n", args...)
}

// Run generates traffic until ctx ends. Connection failures are logged and
// retried with backoff; it returns nil when ctx ends.
func (t *Traffic) Run(ctx context.Context) error {
	stats := time.NewTicker(statsInterval)
	defer stats.Stop()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-stats.C:
				t.logStats()
			}
		}
	}()

	backoff := time.Second
	for {
		began := time.Now()
		err := t.session(ctx)
		if ctx.Err() != nil {
			t.logStats()
			t.logf("stopped")
			return nil
		}
		if time.Since(began) > time.Minute {
			backoff = time.Second
		}
		t.logf("broker connection lost: %v; reconnecting in %s", err, backoff)
		if sleep(ctx, backoff) != nil {
			t.logf("stopped")
			return nil
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

func (t *Traffic) logStats() {
	t.logf("published %d, acked %d, rejected to DLQ %d, requeued %d",
		t.published.Load(), t.acked.Load(), t.rejected.Load(), t.requeued.Load())
}

// session runs one connection's worth of traffic and returns why it ended.
func (t *Traffic) session(ctx context.Context) error {
	conn, err := dial(t.Target, t.Vhost, "warren-demo traffic")
	if err != nil {
		return err
	}
	defer conn.Close()
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))

	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	if err := declareTopology(ch); err != nil {
		return err
	}
	_ = ch.Close()
	t.logf("connected; publishing to %s, consuming %d queues", exOrders, len(trafficConsumers))

	sctx, cancel := context.WithCancel(ctx)
	errs := make(chan error, len(trafficConsumers)+2)
	var wg sync.WaitGroup
	wg.Go(func() { errs <- t.publish(sctx, conn) })
	wg.Go(func() { errs <- t.pulseWork(sctx, conn) })
	for _, spec := range trafficConsumers {
		wg.Go(func() { errs <- t.consume(sctx, conn, spec) })
	}
	// Stop the workers before waiting for them: cancel wakes those in a
	// select, closing the connection those inside a channel call.
	defer func() {
		cancel()
		_ = conn.Close()
		wg.Wait()
	}()

	select {
	case <-ctx.Done():
		return nil
	case e := <-closed:
		if e == nil {
			return errors.New("connection closed")
		}
		return e
	case err := <-errs:
		if err == nil {
			return errors.New("a worker stopped")
		}
		return err
	}
}

// publishRate is the base publish rate at elapsed time e: 10 to 40 msg/s
// along a 90 s wave.
func publishRate(e time.Duration) float64 {
	return 25 + 15*math.Sin(2*math.Pi*e.Seconds()/90)
}

func (t *Traffic) publish(ctx context.Context, conn *amqp.Connection) error {
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	tick := time.NewTicker(publishTick)
	defer tick.Stop()
	start, last := time.Now(), time.Now()
	var owed float64
	var burstUntil time.Time
	for {
		var now time.Time
		select {
		case <-ctx.Done():
			return nil
		case now = <-tick.C:
		}
		rate := publishRate(now.Sub(start))
		// About one burst every 40 s, of 2 to 5 s at +100 msg/s.
		if now.After(burstUntil) && r.Float64() < publishTick.Seconds()/40 {
			burstUntil = now.Add(time.Duration(2+r.IntN(4)) * time.Second)
			t.logf("burst until %s", burstUntil.Format("15:04:05"))
		}
		if now.Before(burstUntil) {
			rate += 100
		}
		owed += rate * now.Sub(last).Seconds()
		last = now
		for ; owed >= 1; owed-- {
			status := pickStatus(r)
			if err := ch.PublishWithContext(ctx, exOrders, "order."+status, false, false, orderEvent(r, status, now)); err != nil {
				return fmt.Errorf("publish: %w", err)
			}
			t.published.Add(1)
		}
		// A notification every 3 s or so.
		if r.Float64() < publishTick.Seconds()/3 {
			channel := []string{"email", "email", "sms", "push"}[r.IntN(4)]
			if err := ch.PublishWithContext(ctx, exNotifications, "", false, false, notification(r, channel, now)); err != nil {
				return fmt.Errorf("publish: %w", err)
			}
			t.published.Add(1)
		}
	}
}

func pickStatus(r *rand.Rand) string {
	total := 0
	for _, k := range orderKeys {
		total += k.weight
	}
	n := r.IntN(total)
	for _, k := range orderKeys {
		if n < k.weight {
			return k.status
		}
		n -= k.weight
	}
	return orderKeys[0].status
}

// target is the depth the consumer steers towards at elapsed time e.
func (s consumerSpec) target(e time.Duration) float64 {
	mid, amp := float64(s.high+s.low)/2, float64(s.high-s.low)/2
	return mid + amp*math.Sin(2*math.Pi*e.Seconds()/s.period.Seconds())
}

// consumeRate is how fast to consume with depth messages ready.
func (s consumerSpec) consumeRate(depth int, e time.Duration) float64 {
	return math.Min(math.Max(gain*(float64(depth)-s.target(e)), 0), s.maxRate)
}

func (t *Traffic) consume(ctx context.Context, conn *amqp.Connection, spec consumerSpec) error {
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	if err := ch.Qos(20, 0, false); err != nil {
		return err
	}
	deliveries, err := ch.Consume(spec.queue, "", false, false, false, false, nil)
	if err != nil {
		return fmt.Errorf("consume %s: %w", spec.queue, err)
	}
	start := time.Now()
	check := time.NewTicker(depthInterval)
	defer check.Stop()
	pace := time.NewTimer(time.Hour)
	defer pace.Stop()

	var rate float64
	update := func() error {
		d, err := depth(ch, spec.queue)
		if err != nil {
			return err
		}
		rate = spec.consumeRate(d, time.Since(start))
		return nil
	}
	if err := update(); err != nil {
		return err
	}
	next, n := time.Now(), 0
	for {
		// Take a delivery only when the pace allows one.
		var in <-chan amqp.Delivery
		if rate > 0 {
			if wait := time.Until(next); wait > 0 {
				pace.Reset(wait)
			} else {
				in = deliveries
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-check.C:
			if err := update(); err != nil {
				return err
			}
		case <-pace.C:
		case d, ok := <-in:
			if !ok {
				return fmt.Errorf("consumer on %s was cancelled", spec.queue)
			}
			n++
			if err := t.settle(d, spec, n); err != nil {
				return err
			}
			next = time.Now().Add(time.Duration(float64(time.Second) / rate))
		}
	}
}

// settle acks the nth delivery, or rejects or requeues it as spec says.
func (t *Traffic) settle(d amqp.Delivery, spec consumerSpec, n int) error {
	switch {
	case spec.rejectEvery > 0 && n%spec.rejectEvery == 0:
		t.rejected.Add(1)
		return d.Reject(false)
	case spec.requeueEvery > 0 && n%spec.requeueEvery == 0:
		t.requeued.Add(1)
		return d.Nack(false, true)
	default:
		t.acked.Add(1)
		return d.Ack(false)
	}
}
