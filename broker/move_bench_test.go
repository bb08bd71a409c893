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
// ratio (PRODUCT.md: warren >= 1.0x). Each iteration moves once each way:
//
//	go test -run '^$' -bench MoveVsShovel -benchtime 1x ./broker/
func BenchmarkMoveVsShovel(b *testing.B) {
	brokertest.Require(b)
	vh := brokertest.Vhost(b)
	conn := adminConn(b, vh)
	s := openTestSession(b, brokertest.URI())
	const n = 100_000
	var warrenTime, shovelTime time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		src, dst := brokertest.Name("src"), brokertest.Name("dst")
		brokertest.DeclareQueue(b, vh, src, "")
		brokertest.DeclareQueue(b, vh, dst, "")
		fillSeq(b, conn, src, n)
		brokertest.WaitIdle() // neither side may meet a broker busy with the fill
		b.StartTimer()
		start := time.Now()
		res, err := s.Move(context.Background(), MoveRequest{Vhost: vh, Queue: src, Target: ToQueue, TargetQueue: dst}, nil)
		warrenTime += time.Since(start)
		b.StopTimer()
		if err != nil || res.Moved != n {
			b.Fatalf("move: %v, %+v", err, res)
		}

		src, dst = brokertest.Name("src"), brokertest.Name("dst")
		brokertest.DeclareQueue(b, vh, src, "")
		brokertest.DeclareQueue(b, vh, dst, "")
		fillSeq(b, conn, src, n)
		brokertest.WaitIdle()
		shovelTime += shovelMove(b, conn, vh, src, dst, n)
	}
	wRate := float64(n*b.N) / warrenTime.Seconds()
	sRate := float64(n*b.N) / shovelTime.Seconds()
	b.ReportMetric(wRate, "warren-msg/s")
	b.ReportMetric(sRate, "shovel-msg/s")
	b.ReportMetric(wRate/sRate, "ratio")
	b.Logf("warren %.0f msg/s, shovel %.0f msg/s, ratio %.2f", wRate, sRate, wRate/sRate)
}

// shovelMove moves n messages with a dynamic shovel and returns how long
// until the target held them all; the timing starts when the shovel is
// declared. Depths come from passive declares: the management API lags.
func shovelMove(b *testing.B, conn *amqp.Connection, vh, src, dst string, n int) time.Duration {
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
