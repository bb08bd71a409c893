package broker

import (
	"bytes"
	"context"
	"net/url"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/mgmt"
)

// BenchmarkPeek100 times a peek of 100 messages of 256 bytes per queue
// type, over the whole path the UI takes (the README: under 150 ms): the
// management API's lookup of the queue's type and limit, then the peek,
// as ms/peek; amqp-ms/peek is the peek alone. The classic case also
// reports, as raw-ms/peek, the plain amqp091-go loop it is built on
// (fresh channel, 100 × basic.get, one nack, close), measured in the same
// iterations, before the peek in every other one (A B B A):
//
//	go test -run '^$' -bench Peek100 ./broker/
func BenchmarkPeek100(b *testing.B) {
	brokertest.Require(b)
	vh := brokertest.Vhost(b)
	conn := adminConn(b, vh)
	body := bytes.Repeat([]byte("x"), 256)
	fill := func(q string) {
		msgs := make([]amqp.Publishing, 100)
		for i := range msgs {
			msgs[i] = amqp.Publishing{Body: body}
		}
		publishConfirmed(b, conn, "", q, msgs...)
	}
	classic, quorum, stream := brokertest.Name("classic"), brokertest.Name("quorum"), brokertest.Name("stream")
	brokertest.DeclareQueue(b, vh, classic, "")
	declareDurable(b, vh, quorum, `{"x-queue-type":"quorum"}`)
	declareDurable(b, vh, stream, `{"x-queue-type":"stream"}`)
	for _, q := range []string{classic, quorum, stream} {
		fill(q)
	}
	s := openTestSession(b, brokertest.URI())
	api := benchAPI(b)

	// raw, when set, runs the reference loop off the clock beside each
	// peek, after it in even iterations and before it in odd ones, so
	// both see the same load on a shared machine.
	peek := func(q, typ string, raw bool) func(*testing.B) {
		return func(b *testing.B) {
			req := PeekRequest{Vhost: vh, Queue: q, Type: typ, Count: 100, DeliveryLimit: -1}
			peekOnce(b, s, req) // dial the vhost connection outside the timing
			var peekTime, amqpTime, rawTime time.Duration
			b.ResetTimer()
			rawOnce := func() {
				b.StopTimer()
				start := time.Now()
				rawGetNack(b, conn, q, 100)
				rawTime += time.Since(start)
				b.StartTimer()
			}
			for i := 0; i < b.N; i++ {
				if raw && i%2 == 1 {
					rawOnce()
				}
				start := time.Now()
				if _, err := api.Queue(context.Background(), vh, q); err != nil { // as the UI does first
					b.Fatal(err)
				}
				lookedUp := time.Now()
				peekOnce(b, s, req)
				peekTime += time.Since(start)
				amqpTime += time.Since(lookedUp)
				if raw && i%2 == 0 {
					rawOnce()
				}
			}
			b.ReportMetric(float64(peekTime.Microseconds())/1e3/float64(b.N), "ms/peek")
			b.ReportMetric(float64(amqpTime.Microseconds())/1e3/float64(b.N), "amqp-ms/peek")
			if raw {
				b.ReportMetric(float64(rawTime.Microseconds())/1e3/float64(b.N), "raw-ms/peek")
			}
		}
	}
	b.Run("classic", peek(classic, QueueClassic, true))
	b.Run("quorum", peek(quorum, QueueQuorum, false))
	b.Run("stream", peek(stream, QueueStream, false))
}

// benchAPI is a management client for the test broker, as the UI has.
func benchAPI(b *testing.B) *mgmt.Client {
	u, err := url.Parse(brokertest.URI())
	if err != nil {
		b.Fatal(err)
	}
	pass, _ := u.User.Password()
	c, err := mgmt.New(mgmt.Config{APIURL: brokertest.API(), Username: u.User.Username(), Password: pass, Timeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func peekOnce(b *testing.B, s *Session, req PeekRequest) {
	res, err := s.Peek(context.Background(), req)
	if err != nil {
		b.Fatal(err)
	}
	if len(res.Messages) != req.Count {
		b.Fatalf("peeked %d of %d", len(res.Messages), req.Count)
	}
}

func rawGetNack(b *testing.B, conn *amqp.Connection, queue string, n int) {
	ch, err := conn.Channel()
	if err != nil {
		b.Fatal(err)
	}
	var last uint64
	for i := 0; i < n; i++ {
		d, ok, err := ch.Get(queue, false)
		if err != nil || !ok {
			b.Fatalf("get %d: ok %v err %v", i, ok, err)
		}
		last = d.DeliveryTag
	}
	if err := ch.Nack(last, true, true); err != nil {
		b.Fatal(err)
	}
	if err := ch.Close(); err != nil {
		b.Fatal(err)
	}
}
