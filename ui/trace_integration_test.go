package ui_test

import (
	"bytes"
	"context"
	"net/url"
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/broker"
	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/internal/wiring"
	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui"
)

// :trace against the real broker, as a person uses it: it asks, y turns
// tracing on in the vhost and opens the pane, a publish shows with the
// queue it was routed to and its delivery, an unroutable one says so, and
// esc turns tracing off again.
func TestTraceOnTheBroker(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	ex, q := brokertest.Name("orders"), brokertest.Name("orders-eu")
	brokertest.DeclareExchange(t, vh, ex, "topic")
	brokertest.DeclareQueue(t, vh, q, "")
	brokertest.MustDo(t, "POST", "/api/bindings/"+brokertest.Esc(vh)+"/e/"+brokertest.Esc(ex)+"/q/"+brokertest.Esc(q),
		[]byte(`{"routing_key":"order.eu"}`))
	u, _ := url.Parse(brokertest.URI())
	pass, _ := u.User.Password()
	client, err := mgmt.New(mgmt.Config{APIURL: brokertest.API(), Username: u.User.Username(), Password: pass})
	if err != nil {
		t.Fatal(err)
	}
	session, err := broker.Open(broker.Config{URI: brokertest.URI(), Name: brokertest.Name("trace")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = session.Close() })
	t.Cleanup(func() { _ = client.SetTracing(context.Background(), vh, false) })
	a := ui.New(ui.Target{Source: client, Tracer: client, Streamer: wiring.Streamer(session), Vhost: vh, API: brokertest.API()},
		ui.Options{Refresh: time.Hour, Timeout: 10 * time.Second}, nil)
	tm := teatest.NewTestModel(t, a, teatest.WithInitialTermSize(160, 40))
	// Each wait reads on from where the last one stopped.
	waitFor := func(what ...string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			for _, w := range what {
				if !bytes.Contains(b, []byte(w)) {
					return false
				}
			}
			return true
		}, teatest.WithDuration(45*time.Second), teatest.WithCheckInterval(50*time.Millisecond))
	}
	traced := func() bool {
		on, err := client.Tracing(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return slices.Contains(on, vh)
	}
	waitFor("queues")
	tm.Type(":trace")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor("turn tracing on and watch")
	if traced() {
		t.Fatal("tracing went on before the question was answered")
	}
	tm.Type("y")
	waitFor("EVENT")
	if !traced() {
		t.Fatal("y did not turn tracing on")
	}
	conn, err := amqp.DialConfig(brokertest.URI(), amqp.Config{Vhost: vh})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"order.eu", "order.us"} {
		if err := ch.PublishWithContext(context.Background(), ex, key, false, false, amqp.Publishing{Body: []byte("hello " + key)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok, err := ch.Get(q, true); err != nil || !ok {
		t.Fatalf("get: %v %v", ok, err)
	}
	waitFor("unroutable", "deliver", "hello order.us", "warren-test-orders-eu")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	for deadline := time.Now().Add(10 * time.Second); traced(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("closing the pane left tracing on")
		}
	}
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}
