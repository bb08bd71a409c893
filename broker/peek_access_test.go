package broker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/warren-tui/warren/internal/brokertest"
)

// Messages a real consumer rejected are peeked from the dead-letter queue
// with their x-death history, converted to plain Go values.
func TestPeekDeadLettersCarryXDeath(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	work, dlq := brokertest.Name("work"), brokertest.Name("dlq")
	brokertest.DeclareExchange(t, vh, "orders", "direct")
	brokertest.DeclareExchange(t, vh, "dlx", "fanout")
	brokertest.DeclareQueue(t, vh, dlq, "")
	brokertest.DeclareQueue(t, vh, work, `{"x-dead-letter-exchange":"dlx"}`)
	bind := func(ex, q, key string) {
		brokertest.MustDo(t, "POST", "/api/bindings/"+brokertest.Esc(vh)+"/e/"+ex+"/q/"+brokertest.Esc(q), []byte(`{"routing_key":"`+key+`"}`))
	}
	bind("orders", work, "order.created")
	bind("dlx", dlq, "")
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "orders", "order.created", numbered(3, "dead")...)

	// A consumer that refuses everything, as a broken service would.
	ch := adminChannel(t, conn)
	ds, err := ch.Consume(work, "", false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		select {
		case d := <-ds:
			if err := d.Nack(false, false); err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no delivery to reject")
		}
	}
	for i := 0; depth(t, conn, dlq) < 3; i++ {
		if i > 100 {
			t.Fatal("the dead letters never reached the DLQ")
		}
		time.Sleep(50 * time.Millisecond)
	}

	s := openTestSession(t, brokertest.URI())
	res := peekOK(t, s, PeekRequest{Vhost: vh, Queue: dlq, Type: QueueClassic})
	if len(res.Messages) != 3 {
		t.Fatalf("%d dead letters", len(res.Messages))
	}
	for i, m := range res.Messages {
		if string(m.Body) != fmt.Sprintf("dead %d", i) || m.Exchange != "dlx" || m.RoutingKey != "order.created" {
			t.Errorf("dead letter %d: %q via %q/%q", i, m.Body, m.Exchange, m.RoutingKey)
		}
		deaths, ok := m.Headers["x-death"].([]any)
		if !ok || len(deaths) != 1 {
			t.Fatalf("dead letter %d: x-death = %#v", i, m.Headers["x-death"])
		}
		death, ok := deaths[0].(map[string]any)
		if !ok {
			t.Fatalf("x-death entry is %T", deaths[0])
		}
		when, _ := death["time"].(time.Time)
		keys, _ := death["routing-keys"].([]any)
		if death["reason"] != "rejected" || death["queue"] != work || death["exchange"] != "orders" ||
			death["count"] != int64(1) || len(keys) != 1 || keys[0] != "order.created" || time.Since(when) > time.Hour {
			t.Errorf("dead letter %d: x-death %#v", i, death)
		}
		if m.Headers["x-first-death-reason"] != "rejected" || m.Headers["x-first-death-queue"] != work {
			t.Errorf("dead letter %d: x-first-death-* %#v", i, m.Headers)
		}
	}
	if n := depth(t, conn, dlq); n != 3 {
		t.Fatalf("DLQ depth after peek = %d", n)
	}
}

// A user who may read but not configure or write can peek every type.
func TestPeekAsReadOnlyUser(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	classic, quorum, stream := brokertest.Name("classic"), brokertest.Name("quorum"), brokertest.Name("stream")
	brokertest.DeclareQueue(t, vh, classic, "")
	declareDurable(t, vh, quorum, `{"x-queue-type":"quorum"}`)
	declareDurable(t, vh, stream, `{"x-queue-type":"stream"}`)
	conn := adminConn(t, vh)
	for _, q := range []string{classic, quorum, stream} {
		publishConfirmed(t, conn, "", q, numbered(3, "ro")...)
	}
	user, pass := createUser(t, vh, "^$", "^$", ".*")
	s := openTestSession(t, userURI(t, user, pass))
	for q, typ := range map[string]string{classic: QueueClassic, quorum: QueueQuorum, stream: QueueStream} {
		res := peekOK(t, s, PeekRequest{Vhost: vh, Queue: q, Type: typ, DeliveryLimit: -1})
		if got := msgBodies(res.Messages); len(got) != 3 || got[0] != "ro 0" || got[2] != "ro 2" {
			t.Errorf("%s peek as read-only user: %q", typ, got)
		}
	}
	for _, q := range []string{classic, quorum} {
		eventuallyDepth(t, conn, q, 3)
	}
}

// Missing queues and missing permissions get typed, plain errors, never
// the password, and leave the session working.
func TestPeekErrorsFromTheBroker(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("classic")
	brokertest.DeclareQueue(t, vh, q, "")
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, numbered(2, "e")...)
	s := openTestSession(t, brokertest.URI())
	ctx := context.Background()

	missing := brokertest.Name("missing")
	for _, typ := range []string{QueueClassic, QueueQuorum, QueueStream} {
		_, err := s.Peek(ctx, PeekRequest{Vhost: vh, Queue: missing, Type: typ, DeliveryLimit: -1})
		if !errors.Is(err, ErrQueueNotFound) || err.Error() != fmt.Sprintf("queue not found: queue %q not found in vhost %q", missing, vh) {
			t.Errorf("%s peek of a missing queue: %v", typ, err)
		}
	}
	// The channel the broker closed is gone; the next peek gets a fresh one.
	if res := peekOK(t, s, PeekRequest{Vhost: vh, Queue: q, Type: QueueClassic}); len(res.Messages) != 2 {
		t.Fatalf("peek after an error: %d messages", len(res.Messages))
	}

	// A user who may not read the queue.
	user, pass := createUser(t, vh, "^$", "^$", "^$")
	ns := openTestSession(t, userURI(t, user, pass))
	quorum, stream := brokertest.Name("quorum"), brokertest.Name("stream")
	declareDurable(t, vh, quorum, `{"x-queue-type":"quorum"}`)
	declareDurable(t, vh, stream, `{"x-queue-type":"stream"}`)
	for typ, q := range map[string]string{QueueClassic: q, QueueQuorum: quorum, QueueStream: stream} {
		_, err := ns.Peek(ctx, PeekRequest{Vhost: vh, Queue: q, Type: typ, DeliveryLimit: -1})
		want := fmt.Sprintf("user %q may not read queue %q in vhost %q", user, q, vh)
		if !errors.Is(err, ErrAccessRefused) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), pass) {
			t.Errorf("%s peek without read permission: %v", typ, err)
		}
	}
	if n := depth(t, conn, q); n != 2 {
		t.Fatalf("depth %d after refused peeks", n)
	}

	// A user with no permission on the vhost at all, and a vhost that is not there.
	stranger, spass := createUser(t, "", "", "", "")
	ss := openTestSession(t, userURI(t, stranger, spass))
	_, err := ss.Peek(ctx, PeekRequest{Vhost: vh, Queue: q, Type: QueueClassic})
	if !errors.Is(err, ErrAccessRefused) || !strings.Contains(err.Error(), fmt.Sprintf("user %q has no access to vhost %q", stranger, vh)) ||
		strings.Contains(err.Error(), spass) {
		t.Errorf("peek in a vhost without permissions: %v", err)
	}
	nowhere := brokertest.Name("nowhere")
	if _, err := s.Peek(ctx, PeekRequest{Vhost: nowhere, Queue: q, Type: QueueClassic}); !errors.Is(err, ErrVhostNotFound) {
		t.Errorf("peek in a missing vhost: %v", err)
	}
	if _, err := s.Peek(ctx, PeekRequest{Vhost: vh, Queue: q, Type: "mqtt"}); err == nil {
		t.Error("an unknown queue type was peeked")
	}
}

// Peek reaches any vhost, whatever the session's URI names, including
// names that need escaping, and re-dials a vhost connection that died.
func TestPeekInAnyVhost(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Name("vhost") + "/odd name"
	brokertest.MustDo(t, "PUT", "/api/vhosts/"+brokertest.Esc(vh), nil)
	t.Cleanup(func() { _, _, _ = brokertest.Do("DELETE", "/api/vhosts/"+brokertest.Esc(vh), nil) })
	brokertest.MustDo(t, "PUT", "/api/permissions/"+brokertest.Esc(vh)+"/guest", []byte(`{"configure":".*","write":".*","read":".*"}`))
	q := brokertest.Name("classic")
	brokertest.DeclareQueue(t, vh, q, "")
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, numbered(4, "v")...)

	s := openTestSession(t, brokertest.URI()) // names vhost "/"
	res := peekOK(t, s, PeekRequest{Vhost: vh, Queue: q, Type: QueueClassic})
	if len(res.Messages) != 4 || res.Messages[0].Vhost != vh {
		t.Fatalf("peek in %q: %d messages", vh, len(res.Messages))
	}

	// Each peek reads on a connection of its own, closed when it ends, so
	// a message amqp091-go cannot decode harms nothing else: the vhost's
	// shared connection is not even dialled.
	s.vhosts.mu.Lock()
	_, pooled := s.vhosts.conns[vh]
	s.vhosts.mu.Unlock()
	if pooled {
		t.Fatal("a peek used the vhost's shared connection")
	}
	if res := peekOK(t, s, PeekRequest{Vhost: vh, Queue: q, Type: QueueClassic}); len(res.Messages) != 4 {
		t.Fatalf("second peek: %d messages", len(res.Messages))
	}

	// Closing the session closes the vhost connections and ends peeks.
	_ = s.Close()
	if _, err := s.Peek(context.Background(), PeekRequest{Vhost: vh, Queue: q, Type: QueueClassic}); err == nil {
		t.Fatal("peek after Close worked")
	}
	if depth(t, conn, q) != 4 {
		t.Fatal("messages lost")
	}
}

// Peek honours its context before it takes anything.
func TestPeekHonoursACancelledContext(t *testing.T) {
	brokertest.Require(t)
	s := openTestSession(t, brokertest.URI())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Peek(ctx, PeekRequest{Vhost: "/", Queue: "x", Type: QueueClassic}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// A quorum queue held by a single active consumer: the peek says why it
// saw nothing rather than calling the queue empty.
func TestPeekQuorumHeldBySingleActiveConsumer(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("sac")
	declareDurable(t, vh, q, `{"x-queue-type":"quorum","x-single-active-consumer":true}`)
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, numbered(3, "h")...)
	holder := adminChannel(t, conn)
	if err := holder.Qos(1, 0, false); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Consume(q, "", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	eventuallyDepth(t, conn, q, 2) // the holder has one; two are ready

	s := openTestSession(t, brokertest.URI())
	res := peekOK(t, s, PeekRequest{Vhost: vh, Queue: q, Type: QueueQuorum, DeliveryLimit: -1})
	if len(res.Messages) != 0 || !strings.Contains(res.Effect, "2 ready messages") || !strings.Contains(res.Effect, "single active consumer") {
		t.Errorf("peek of a held SAC queue: %d messages, effect %q", len(res.Messages), res.Effect)
	}
}
