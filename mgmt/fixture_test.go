package mgmt_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/mgmt"
)

// credentials are the test broker's admin login, from its AMQP URI.
func credentials() (user, pass string) {
	user, pass = "guest", "guest"
	if u, err := url.Parse(brokertest.URI()); err == nil && u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
	}
	return user, pass
}

func newClient(t testing.TB) *mgmt.Client {
	t.Helper()
	user, pass := credentials()
	c, err := mgmt.New(mgmt.Config{APIURL: brokertest.API(), Username: user, Password: pass})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// dial opens an AMQP connection to vhost, closed when the test ends.
func dial(t testing.TB, vhost string, props amqp.Table) *amqp.Connection {
	t.Helper()
	u, err := url.Parse(brokertest.URI())
	if err != nil {
		t.Fatal(err)
	}
	u.Path, u.RawPath = "/"+vhost, "/"+url.PathEscape(vhost)
	all := amqp.NewConnectionProperties() // product and version, which the API shows
	for k, v := range props {
		all[k] = v
	}
	conn, err := amqp.DialConfig(u.String(), amqp.Config{Properties: all})
	if err != nil {
		t.Fatalf("dial AMQP: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func channel(t testing.TB, conn *amqp.Connection) *amqp.Channel {
	t.Helper()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// declareQueues creates many queues quickly: the declarations are
// pipelined without waiting, and a final passive declare on the same
// channel returns only after the broker has handled all of them.
func declareQueues(t testing.TB, conn *amqp.Connection, names []string, args amqp.Table) {
	t.Helper()
	ch := channel(t, conn)
	defer ch.Close()
	for _, n := range names {
		if _, err := ch.QueueDeclare(n, true, false, false, true, args); err != nil {
			t.Fatalf("declare %s: %v", n, err)
		}
	}
	if _, err := ch.QueueDeclarePassive(names[len(names)-1], true, false, false, false, args); err != nil {
		t.Fatalf("declare %s: %v", names[len(names)-1], err)
	}
}

// publish sends n messages to queue through the default exchange and
// waits for the broker to confirm them.
func publish(t testing.TB, conn *amqp.Connection, queue string, n int) {
	t.Helper()
	ch := channel(t, conn)
	defer ch.Close()
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	var confirms []*amqp.DeferredConfirmation
	for range n {
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", queue, true, false,
			amqp.Publishing{Body: []byte("warren test")})
		if err != nil {
			t.Fatal(err)
		}
		confirms = append(confirms, dc)
	}
	for _, dc := range confirms {
		if ok, err := dc.WaitContext(ctx); !ok || err != nil {
			t.Fatalf("publish to %s not confirmed: %v", queue, err)
		}
	}
}

// eventually retries check until it passes: the broker emits stats every
// few seconds, so fresh objects take a moment to show them.
func eventually(t testing.TB, timeout time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
