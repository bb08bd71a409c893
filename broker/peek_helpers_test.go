package broker

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
)

// Helpers for the peek integration tests. They set up and read back with
// plain amqp091-go on the admin user, never with the code under test.

func openTestSession(t testing.TB, uri string) *Session {
	t.Helper()
	s, err := Open(Config{URI: uri, Name: brokertest.Name("peek")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if uri == brokertest.URI() { // a move or remove not told its type asks this broker's API
		s.SetQueueTyper(apiClient(t))
	}
	return s
}

// adminConn is a plain connection to vhost as the test broker's admin.
func adminConn(t testing.TB, vhost string) *amqp.Connection {
	t.Helper()
	conn, err := amqp.DialConfig(brokertest.URI(), amqp.Config{Vhost: vhost})
	if err != nil {
		t.Fatalf("dial vhost %q: %v", vhost, err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func adminChannel(t testing.TB, conn *amqp.Connection) *amqp.Channel {
	t.Helper()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ch.Close() })
	return ch
}

// declareDurable creates a queue the API way; quorum queues and streams
// must be durable, which brokertest.DeclareQueue's are not. The throwaway
// vhost takes it along when it goes.
func declareDurable(t testing.TB, vhost, name, args string) {
	t.Helper()
	brokertest.MustDo(t, "PUT", "/api/queues/"+brokertest.Esc(vhost)+"/"+brokertest.Esc(name),
		[]byte(`{"durable":true,"auto_delete":false,"arguments":`+args+`}`))
}

// publishConfirmed publishes each publishing to exchange/key and waits
// for every confirm, so the messages are in the queue when it returns.
func publishConfirmed(t testing.TB, conn *amqp.Connection, exchange, key string, msgs ...amqp.Publishing) {
	t.Helper()
	ch := adminChannel(t, conn)
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var confirms []*amqp.DeferredConfirmation
	for _, m := range msgs {
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, exchange, key, false, false, m)
		if err != nil {
			t.Fatal(err)
		}
		confirms = append(confirms, dc)
	}
	for _, dc := range confirms {
		if ok, err := dc.WaitContext(ctx); err != nil || !ok {
			t.Fatalf("publish not confirmed: %v", err)
		}
	}
}

func numbered(n int, prefix string) []amqp.Publishing {
	out := make([]amqp.Publishing, n)
	for i := range out {
		out[i] = amqp.Publishing{
			MessageId: fmt.Sprintf("%s-%d", prefix, i),
			Body:      []byte(fmt.Sprintf("%s %d", prefix, i)),
		}
	}
	return out
}

// depth is the queue's message count as the broker says it right now
// (the management API lags by seconds).
func depth(t testing.TB, conn *amqp.Connection, queue string) int {
	t.Helper()
	ch := adminChannel(t, conn)
	q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
	if err != nil {
		t.Fatalf("passive declare %q: %v", queue, err)
	}
	return q.Messages
}

// eventuallyDepth waits until the queue holds want messages: a quorum
// queue applies returns a moment after the channel sent them.
func eventuallyDepth(t testing.TB, conn *amqp.Connection, queue string, want int) {
	t.Helper()
	n := -1
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if n = depth(t, conn, queue); n == want {
			return
		}
	}
	t.Fatalf("queue %q holds %d messages, want %d", queue, n, want)
}

// drain consumes the queue with a plain consumer until it has been quiet
// for a second, acking everything, and returns what it got in order.
func drain(t testing.TB, conn *amqp.Connection, queue string, args amqp.Table) []amqp.Delivery {
	t.Helper()
	ch := adminChannel(t, conn)
	if err := ch.Qos(100, 0, false); err != nil {
		t.Fatal(err)
	}
	ds, err := ch.Consume(queue, "", false, false, false, false, args)
	if err != nil {
		t.Fatal(err)
	}
	var got []amqp.Delivery
	for {
		select {
		case d := <-ds:
			got = append(got, d)
			if err := d.Ack(false); err != nil {
				t.Fatal(err)
			}
		case <-time.After(time.Second):
			return got
		}
	}
}

// userURI is the test broker's URI with another user and password.
func userURI(t testing.TB, user, pass string) string {
	t.Helper()
	u, err := url.Parse(brokertest.URI())
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(user, pass)
	return u.String()
}

// createUser makes a user with no tags and the given permissions on vhost,
// and deletes it when the test ends.
func createUser(t testing.TB, vhost, configure, write, read string) (user, pass string) {
	t.Helper()
	user, pass = brokertest.Name("user"), brokertest.Name("pw")
	brokertest.MustDo(t, "PUT", "/api/users/"+brokertest.Esc(user), []byte(`{"password":"`+pass+`","tags":""}`))
	t.Cleanup(func() { _, _, _ = brokertest.Do("DELETE", "/api/users/"+brokertest.Esc(user), nil) })
	if vhost != "" {
		brokertest.MustDo(t, "PUT", "/api/permissions/"+brokertest.Esc(vhost)+"/"+brokertest.Esc(user),
			[]byte(fmt.Sprintf(`{"configure":%q,"write":%q,"read":%q}`, configure, write, read)))
	}
	return user, pass
}
