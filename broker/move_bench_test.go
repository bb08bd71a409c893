package broker

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
)

// BenchmarkMoveVsShovel moves 100,000 messages of 256 bytes with warren's
// Move and, in the same run on the same broker, with the broker's own
// shovel ("move messages": a dynamic shovel, ack-mode on-confirm, deleted
// once the queue length it saw is moved), and reports both rates and their
// ratio (the README's target: warren >= 0.9x). Each iteration moves once each way, the
// order turned round every other iteration (use an even -benchtime):
//
//	go test -run '^$' -bench MoveVsShovel -benchtime 2x ./broker/
func BenchmarkMoveVsShovel(b *testing.B) {
	brokertest.Require(b)
	vh := brokertest.Vhost(b)
	conn := adminConn(b, vh)
	s := openTestSession(b, brokertest.URI())
	const n = 100_000
	var warrenTime, shovelTime, plainTime time.Duration
	// Each side starts on a fresh pair and an idle broker; the order turns
	// round every iteration (warren, shovel, plain; then plain, shovel,
	// warren), so none always runs first or last.
	warren := func() {
		src, dst, _ := filledPair(b, vh, conn, n)
		brokertest.WaitIdle() // no side may meet a broker busy with the fill
		start := time.Now()
		res, err := s.Move(context.Background(), MoveRequest{Vhost: vh, Queue: src, Target: ToQueue, TargetQueue: dst, QueueType: QueueClassic}, nil)
		warrenTime += time.Since(start)
		if err != nil || res.Moved != n {
			b.Fatalf("move: %v, %+v", err, res)
		}
	}
	shovel := func() {
		src, dst, _ := filledPair(b, vh, conn, n)
		brokertest.WaitIdle()
		shovelTime += shovelMove(b, conn, vh, src, dst, n)
	}
	plain := func() {
		src, dst, _ := filledPair(b, vh, conn, n)
		brokertest.WaitIdle()
		plainTime += plainMove(b, vh, src, dst, n)
	}
	b.StopTimer() // the figures are timed by hand, each side apart
	for i := 0; i < b.N; i++ {
		sides := []func(){warren, shovel, plain}
		if i%2 == 1 {
			sides = []func(){plain, shovel, warren}
		}
		for _, side := range sides {
			side()
		}
	}
	wRate := float64(n*b.N) / warrenTime.Seconds()
	sRate := float64(n*b.N) / shovelTime.Seconds()
	pRate := float64(n*b.N) / plainTime.Seconds()
	b.ReportMetric(wRate, "warren-msg/s")
	b.ReportMetric(sRate, "shovel-msg/s")
	b.ReportMetric(pRate, "plain-msg/s")
	b.ReportMetric(wRate/sRate, "ratio")
	b.Logf("warren %.0f msg/s, shovel %.0f msg/s, ratio %.2f; a minimal amqp091-go mover %.0f msg/s (warren %.2fx of it)",
		wRate, sRate, wRate/sRate, pRate, wRate/pRate)
}

// plainMove is the least an AMQP client can do to move n messages with
// confirms: one consumer (prefetch 1024), one confirming publisher on a
// connection of its own, a multiple ack every 64 confirms; no returns, no
// ordering or failure handling. It shows how much of the gap to the shovel
// is the client's and how much is the broker's cost of serving one.
func plainMove(b testing.TB, vh, src, dst string, n int) time.Duration {
	cconn, pconn := adminConn(b, vh), adminConn(b, vh)
	cch, pch := adminChannel(b, cconn), adminChannel(b, pconn)
	if err := cch.Qos(1024, 0, false); err != nil {
		b.Fatal(err)
	}
	if err := pch.Confirm(false); err != nil {
		b.Fatal(err)
	}
	confirms := pch.NotifyPublish(make(chan amqp.Confirmation, 1024))
	start := time.Now()
	ds, err := cch.Consume(src, "", false, false, false, false, nil)
	if err != nil {
		b.Fatal(err)
	}
	tags := make(chan uint64, 2048)
	done := make(chan struct{})
	// A stall is a failure, not a slow rate.
	const stall = 2 * time.Minute
	failed := make(chan string, 1)
	go func() { // ack the source as confirms arrive, in order
		defer close(done)
		var pending uint64
		for i := 1; i <= n; i++ {
			var c amqp.Confirmation
			select {
			case c = <-confirms:
			case <-time.After(stall):
				failed <- fmt.Sprintf("no confirm for %s after %d of %d", stall, i-1, n)
				return
			}
			tag := <-tags
			if !c.Ack {
				failed <- fmt.Sprintf("confirm %d nacked", i)
				return
			}
			pending = tag
			if i%64 == 0 || i == n {
				_ = cch.Ack(pending, true)
			}
		}
	}()
	for i := 0; i < n; i++ {
		var d amqp.Delivery
		select {
		case d = <-ds:
		case msg := <-failed:
			b.Fatal("plain mover: " + msg)
		case <-time.After(stall):
			b.Fatalf("plain mover: no delivery for %s after %d of %d", stall, i, n)
		}
		if err := pch.Publish("", dst, false, false, amqp.Publishing{Headers: d.Headers, DeliveryMode: d.DeliveryMode, Body: d.Body}); err != nil {
			b.Fatal(err)
		}
		select {
		case tags <- d.DeliveryTag:
		case msg := <-failed:
			b.Fatal("plain mover: " + msg)
		}
	}
	<-done
	select {
	case msg := <-failed:
		b.Fatal("plain mover: " + msg)
	default:
	}
	return time.Since(start)
}

// shovelMove moves n messages with a dynamic shovel and returns how long
// until the target held them all; the timing starts when the shovel is
// declared. Depths come from passive declares: the management API lags.
func shovelMove(b testing.TB, conn *amqp.Connection, vh, src, dst string, n int) time.Duration {
	b.Helper()
	name := brokertest.Name("shovel")
	uri := "amqp:///" + brokertest.Esc(vh)
	def, _ := json.Marshal(map[string]any{"value": map[string]any{
		"src-protocol": "amqp091", "src-uri": uri, "src-queue": src,
		"dest-protocol": "amqp091", "dest-uri": uri, "dest-queue": dst,
		"ack-mode": "on-confirm", "src-delete-after": "queue-length",
	}})
	path := "/api/parameters/shovel/" + brokertest.Esc(vh) + "/" + brokertest.Esc(name)
	defer func() { _, _, _ = brokertest.Do("DELETE", path, nil) }()
	start := time.Now()
	brokertest.MustDo(b, "PUT", path, def)
	ch := adminChannel(b, conn)
	for deadline := start.Add(5 * time.Minute); ; time.Sleep(10 * time.Millisecond) {
		q, err := ch.QueueDeclarePassive(dst, false, false, false, false, nil)
		if err != nil {
			b.Fatal(err)
		}
		if q.Messages >= n {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			b.Fatal(fmt.Sprintf("shovel moved %d of %d in 5 minutes", q.Messages, n))
		}
	}
}

// BenchmarkMoveQuorum40k moves 40,000 messages of 256 bytes out of a
// quorum queue with a delivery limit into a classic queue and reports the
// rate. The source's prefetch decides how many messages a lost link
// charges a delivery, so this is the price of keeping it small:
//
//	go test -run '^$' -bench MoveQuorum40k -benchtime 1x ./broker/
func BenchmarkMoveQuorum40k(b *testing.B) {
	brokertest.Require(b)
	vh := brokertest.Vhost(b)
	conn := adminConn(b, vh)
	s := openTestSession(b, brokertest.URI())
	const n = 40_000
	var took time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		src, dst := brokertest.Name("quorum"), brokertest.Name("dst")
		declareDurable(b, vh, src, `{"x-queue-type":"quorum","x-delivery-limit":3}`)
		brokertest.DeclareQueue(b, vh, dst, "")
		fillSeq(b, conn, src, n)
		brokertest.WaitIdle()
		b.StartTimer()
		res, err := s.Move(context.Background(), quorumMoveRequest(vh, src, dst, 3), nil)
		b.StopTimer()
		if err != nil || res.Moved != n {
			b.Fatalf("move: %v, %+v", err, res)
		}
		took += res.Took
	}
	rate := float64(n*b.N) / took.Seconds()
	b.ReportMetric(rate, "msg/s")
	b.Logf("quorum → classic: %d messages in %v (%.0f msg/s)", n*b.N, took, rate)
}
