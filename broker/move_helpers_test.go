package broker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
)

// Helpers for the move tests: filling and reading back with plain
// amqp091-go, never with the code under test.

// filledPair declares two fresh classic queues in vh, a source holding n
// messages from fillSeq and an empty target, and returns what was sent.
func filledPair(t testing.TB, vh string, conn *amqp.Connection, n int) (src, dst string, sent []fingerprint) {
	t.Helper()
	src, dst = brokertest.Name("src"), brokertest.Name("dst")
	brokertest.DeclareQueue(t, vh, src, "")
	brokertest.DeclareQueue(t, vh, dst, "")
	return src, dst, fillSeq(t, conn, src, n)
}

// fillSeq publishes n 256-byte messages with headers carrying their
// sequence number; every third has no message id. It returns their
// fingerprints, in order.
func fillSeq(t testing.TB, conn *amqp.Connection, queue string, n int) []fingerprint {
	t.Helper()
	ch := adminChannel(t, conn)
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	body := bytes.Repeat([]byte("m"), 256)
	fps := make([]fingerprint, 0, n)
	pending := make([]*amqp.DeferredConfirmation, 0, 1024)
	wait := func() {
		for _, dc := range pending {
			if ok, err := dc.WaitContext(ctx); err != nil || !ok {
				t.Fatalf("fill not confirmed: %v", err)
			}
		}
		pending = pending[:0]
	}
	for i := 0; i < n; i++ {
		b := append([]byte(nil), body...)
		copy(b, fmt.Sprintf("%08d", i))
		p := amqp.Publishing{
			Body:        b,
			ContentType: "text/plain",
			Headers: amqp.Table{"seq": int64(i), "who": "fill", "nested": amqp.Table{"n": int32(i % 7)},
				"list": []any{"a", int16(1)}, "dec": amqp.Decimal{Scale: 1, Value: 5}},
		}
		if i%3 != 0 {
			p.MessageId = fmt.Sprintf("id-%d", i)
		}
		fps = append(fps, fingerprintOf(p.Headers, p.Body))
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", queue, false, false, p)
		if err != nil {
			t.Fatal(err)
		}
		if pending = append(pending, dc); len(pending) == cap(pending) {
			wait()
		}
	}
	wait()
	return fps
}

// consumeManual starts a consumer with manual acks and a prefetch of 1000
// on queue, for tests that read a queue back.
func consumeManual(t testing.TB, conn *amqp.Connection, queue string) (*amqp.Channel, <-chan amqp.Delivery) {
	t.Helper()
	ch := adminChannel(t, conn)
	if err := ch.Qos(1000, 0, false); err != nil {
		t.Fatal(err)
	}
	ds, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ch, ds
}

// readAll consumes the queue until it is empty (per the broker) and quiet,
// acking as it goes, and returns each message's fingerprint in order.
func readAll(t testing.TB, conn *amqp.Connection, queue string) []fingerprint {
	t.Helper()
	ch, ds := consumeManual(t, conn, queue)
	var got []fingerprint
	var last uint64 // highest delivery not yet acked; 0 when none
	ack := func() {
		if last != 0 {
			if err := ch.Ack(last, true); err != nil {
				t.Fatal(err)
			}
			last = 0
		}
	}
	for {
		select {
		case d := <-ds:
			got = append(got, fingerprintOf(d.Headers, d.Body))
			if last = d.DeliveryTag; len(got)%500 == 0 {
				ack()
			}
		case <-time.After(500 * time.Millisecond):
			ack()
			// Quiet, but a loaded broker may just be slow: done only
			// when it says the queue is empty.
			if depth(t, conn, queue) == 0 {
				return got
			}
		}
	}
}

// fingerprint is a message's sequence number and a hash of body+headers.
type fingerprint struct {
	seq  int64
	hash [32]byte
}

func fingerprintOf(h amqp.Table, body []byte) fingerprint {
	seq, _ := headerInt(h, "seq")
	hdr, _ := json.Marshal(convertTable(h)) // map keys come out sorted
	return fingerprint{seq: seq, hash: sha256.Sum256(append(hdr, body...))}
}

// inOrder says whether the sequence numbers rise strictly.
func inOrder(fs []fingerprint) bool {
	for i := 1; i < len(fs); i++ {
		if fs[i].seq <= fs[i-1].seq {
			return false
		}
	}
	return true
}

// killMoveConnection closes the move's own connection on vhost through the
// management API, as an operator (or a network failure) would.
func killMoveConnection(t testing.TB, vhost string) bool {
	t.Helper()
	code, body, err := brokertest.Do("GET", "/api/vhosts/"+brokertest.Esc(vhost)+"/connections", nil)
	if err != nil || code != 200 {
		return false
	}
	var conns []struct {
		Name   string `json:"name"`
		Client struct {
			Name string `json:"connection_name"`
		} `json:"client_properties"`
	}
	if json.Unmarshal(body, &conns) != nil {
		return false
	}
	for _, c := range conns {
		if strings.Contains(c.Client.Name, " move (vhost ") {
			code, _, err := brokertest.Do("DELETE", "/api/connections/"+brokertest.Esc(c.Name), nil)
			return err == nil && code < 300
		}
	}
	return false
}
