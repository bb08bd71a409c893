package broker

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
)

// BenchmarkLiveTap floods a tapped fanout exchange that also feeds a
// plain queue with 200,000 messages of 256 bytes in two rounds of
// 100,000, then reports side by side in the same run (the README's
// target: the pane >= 0.95x raw) tap-msg/s, Tap + Pump drained by a 60 Hz
// "frame tick" from the pre-filled tap queue (the tap starts paused),
// against raw-msg/s, a plain amqp091-go consumer of the same kind (same
// ack mode, prefetch and multiple-ack batching) on the plain queue. The
// first round reads raw then tap, the second tap then raw (A B B A), so a
// load that changes during the run (a shared machine) hits both alike.
// With WARREN_BENCH_1M=1 it also reports rss-MB and peak-rss-MB of this
// process after 1,000,000 messages through a live tap (the README's
// target: RSS < 100 MB; run that one alone, -bench LiveTap/rss, since
// the no-ack case's peak would count):
//
//	go test -run '^$' -bench LiveTap -benchtime 1x ./broker/
//
// It ignores b.N: one run is one measurement.
func BenchmarkLiveTap(b *testing.B) {
	brokertest.Require(b)
	const n = 200000
	for _, mode := range []struct {
		name  string
		noAck bool
	}{{"ack", false}, {"noack", true}} {
		b.Run(mode.name, func(b *testing.B) {
			vh := brokertest.Vhost(b)
			ex, raw := brokertest.Name("fanout"), brokertest.Name("raw")
			brokertest.DeclareExchange(b, vh, ex, "fanout")
			brokertest.DeclareQueue(b, vh, raw, "")
			conn := adminConn(b, vh)
			if err := adminChannel(b, conn).QueueBind(raw, "", ex, false, nil); err != nil {
				b.Fatal(err)
			}
			s := openTestSession(b, brokertest.URI())

			// Each round floods half and reads it with a fresh tap: a
			// no-ack tap cannot pause half-way (the broker keeps pushing
			// into amqp091-go's buffer), nor can a no-ack consumer stop
			// without losing what it was sent. Reading both at once would
			// measure the broker's scheduling instead.
			const half = n / 2
			var tapTime, rawTime time.Duration
			var received, dropped uint64
			b.ResetTimer()
			for round := range 2 {
				b.StopTimer()
				l, err := s.Tap(context.Background(), TapSpec{Vhost: vh, Exchange: ex, Kind: "fanout", MaxLength: half},
					LiveOptions{StartPaused: true, noAck: mode.noAck})
				if err != nil {
					b.Fatal(err)
				}
				defer l.Close()
				floodPublish(b, conn, ex, half)
				eventuallyDepth(b, conn, raw, half)
				b.StartTimer()
				tapFirst := round == 1
				if tapFirst {
					tapTime += tapPhase(b, l, half)
				}
				rawTime += timed(func() { rawConsume(b, conn, raw, half, mode.noAck) })
				if !tapFirst {
					tapTime += tapPhase(b, l, half)
				}
				b.StopTimer()
				st := l.Stats()
				received, dropped = received+st.Received, dropped+st.Dropped
				_ = l.Close()
			}
			tapRate, rawRate := float64(received)/tapTime.Seconds(), float64(n)/rawTime.Seconds()
			b.ReportMetric(tapRate, "tap-msg/s")
			b.ReportMetric(rawRate, "raw-msg/s")
			b.ReportMetric(tapRate/rawRate, "tap/raw")
			b.ReportMetric(float64(dropped), "dropped")
		})
	}
	if os.Getenv("WARREN_BENCH_1M") == "" {
		return
	}
	b.Run("rss-1M", func(b *testing.B) {
		const total = 1000000
		vh := brokertest.Vhost(b)
		ex := brokertest.Name("fanout")
		brokertest.DeclareExchange(b, vh, ex, "fanout")
		conn := adminConn(b, vh)
		s := openTestSession(b, brokertest.URI())
		l, err := s.Tap(context.Background(), TapSpec{Vhost: vh, Exchange: ex, Kind: "fanout"}, LiveOptions{})
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		done := make(chan struct{})
		go func() { defer close(done); floodPublish(b, conn, ex, total) }()
		// Drain per frame until everything came, or until the publisher
		// is done and the tap has been quiet for a second (under overload
		// the tap queue drops its head on the broker; Dropped does not
		// count those).
		tick := time.NewTicker(16 * time.Millisecond)
		defer tick.Stop()
		published, last, quietSince := false, uint64(0), time.Now()
		for {
			select {
			case <-done:
				published, done = true, nil
			case <-tick.C:
			}
			_, _, got := l.Drain(0)
			if got != last {
				last, quietSince = got, time.Now()
			}
			if got >= total || (published && time.Since(quietSince) > time.Second) {
				break
			}
		}
		st := l.Stats()
		b.ReportMetric(procStatusMB("VmRSS"), "rss-MB")
		b.ReportMetric(procStatusMB("VmHWM"), "peak-rss-MB")
		b.ReportMetric(float64(st.Received), "received")
		b.ReportMetric(float64(st.Dropped), "dropped")
	})
}

// drainByFrames takes batches the way the UI does, once per 16 ms frame,
// until want messages were received (received, not drained: a tap queue
// drops its head under overload, so some may never come).
func drainByFrames(b *testing.B, l *Live, want int) {
	tick := time.NewTicker(16 * time.Millisecond)
	defer tick.Stop()
	last, lastAt := uint64(0), time.Now()
	for {
		<-tick.C
		_, _, total := l.Drain(0)
		if total >= uint64(want) {
			return
		}
		if total != last {
			last, lastAt = total, time.Now()
		} else if time.Since(lastAt) > 10*time.Second {
			b.Fatalf("stalled at %d of %d (state %v)", total, want, l.State())
		}
	}
}

// floodPublish sends n 256-byte messages with confirms in windows, the
// fast way a busy producer does.
func floodPublish(b *testing.B, conn *amqp.Connection, exchange string, n int) {
	ch, err := conn.Channel()
	if err != nil {
		b.Error(err)
		return
	}
	defer ch.Close()
	if err := ch.Confirm(false); err != nil {
		b.Error(err)
		return
	}
	body := bytes.Repeat([]byte("x"), 256)
	ctx := context.Background()
	const window = 2000
	var pending []*amqp.DeferredConfirmation
	for i := 0; i < n; i++ {
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, exchange, "bench", false, false, amqp.Publishing{Body: body})
		if err != nil {
			b.Error(err)
			return
		}
		if pending = append(pending, dc); len(pending) == window {
			pending[len(pending)-1].Wait() // confirms arrive in order
			pending = pending[:0]
		}
	}
	for _, dc := range pending {
		dc.Wait()
	}
}

// tapPhase resumes the tap until it has received upto in total, pauses
// it, and returns how long that took.
func tapPhase(b *testing.B, l *Live, upto int) time.Duration {
	start := time.Now()
	l.Resume()
	drainByFrames(b, l, upto)
	l.Pause()
	return time.Since(start)
}

func timed(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}

// rawConsume reads n messages from queue the plain amqp091-go way with
// the tap's settings (ack mode, prefetch, one multiple-ack per batch).
func rawConsume(b *testing.B, conn *amqp.Connection, queue string, n int, noAck bool) {
	ch, err := conn.Channel()
	if err != nil {
		b.Fatal(err)
	}
	defer ch.Close()
	if !noAck {
		if err := ch.Qos(defaultLivePrefetch, 0, false); err != nil {
			b.Fatal(err)
		}
	}
	ds, err := ch.Consume(queue, "", noAck, false, false, false, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		var d amqp.Delivery
		select {
		case d = <-ds:
		case <-time.After(10 * time.Second):
			b.Fatalf("raw consumer stalled at %d of %d", i-1, n)
		}
		if !noAck && (i%liveBatch == 0 || i == n) {
			if err := d.Ack(true); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// procStatusMB reads a memory figure of this process in MB from
// /proc/self/status (Linux only; 0 elsewhere).
func procStatusMB(field string) float64 {
	out, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkLiveConvert is the per-delivery cost of turning a delivery into
// a pane row (256-byte body, three headers), beside a raw consume's budget
// of ~26 µs per message at 38k msg/s.
func BenchmarkLiveConvert(b *testing.B) {
	d := amqp.Delivery{Exchange: "orders", RoutingKey: "order.created", ContentType: "application/json",
		Headers: amqp.Table{"source": "pika", "attempt": int32(1), "trace": amqp.Table{"id": "abc"}},
		Body:    bytes.Repeat([]byte("x"), 256)}
	src := &tapSource{spec: TapSpec{Vhost: "v"}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, _ = src.convert(d)
	}
}
