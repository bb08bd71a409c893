package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/broker"
	"github.com/warren-tui/warren/internal/testnode"
	"github.com/warren-tui/warren/mgmt"
)

// sessionDepth gives the UI a real session's passive declares; the live
// panes are not part of this test.
type sessionDepth struct {
	fakeStreamer
	s *broker.Session
}

func (d *sessionDepth) QueueDepth(ctx context.Context, vhost, queue string) (int, int, error) {
	return d.s.QueueDepth(ctx, vhost, queue)
}

// A node of the test's own set as the official container image sets it
// (management_agent.disable_metrics_collector = true), with
// rabbitmq_prometheus on: warren shows the queue holding 123 messages as
// 123 ready (by passive declare), never 0; says once that statistics are
// off; and shows rates from Prometheus once messages flow.
func TestStatsOffBrokerEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a RabbitMQ node of its own: skipped under -short")
	}
	node := testnode.StartWith(t, testnode.Options{
		Config:     []string{"management_agent.disable_metrics_collector = true"},
		Prometheus: true,
	})
	conn, err := amqp.Dial(node.URI())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"held", "flowing"} {
		if _, err := ch.QueueDeclare(q, true, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	publish := func(q string, n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			dc, err := ch.PublishWithDeferredConfirm("", q, false, false, amqp.Publishing{Body: []byte("m")})
			if err != nil || !dc.Wait() {
				t.Fatalf("publish: %v", err)
			}
		}
	}
	publish("held", 123)

	client, err := mgmt.New(mgmt.Config{APIURL: node.API(), Username: "guest", Password: "guest", Timeout: 10 * time.Second,
		PrometheusURL: node.PrometheusURL()})
	if err != nil {
		t.Fatal(err)
	}
	session, err := broker.Open(broker.Config{URI: node.URI()})
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()

	a := New(Target{Source: client, Streamer: &sessionDepth{s: session}, API: node.API()},
		Options{Refresh: time.Hour, Timeout: 20 * time.Second}, nil)
	a.c.tick = testTick
	a.c.frame = time.Hour
	settle(t, a, a.Init(), size())
	if !strings.Contains(a.status, "broker stats off") {
		t.Fatalf("no notice that the broker's statistics are off: %q", a.status)
	}
	row := func(name string) []string {
		for _, l := range strings.Split(screen(a), "\n") {
			if f := strings.Fields(l); len(f) > 9 && f[1] == name {
				return f
			}
		}
		t.Fatalf("no row %s:\n%s", name, screen(a))
		return nil
	}
	// VHOST NAME TYPE STATE READY UNACKED TOTAL CONS IN/s OUT/s
	if f := row("held"); f[4] != "123" || f[7] != "0" {
		t.Fatalf("held: ready %s consumers %s, want 123 and 0:\n%s", f[4], f[7], screen(a))
	}
	if !strings.Contains(screen(a), "STATS OFF") {
		t.Fatalf("no badge:\n%s", screen(a))
	}

	// Traffic into "flowing", then two reads apart: the rate comes from
	// rabbitmq_prometheus's counters.
	a.setStatus("", false)
	list := a.top()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 30; i++ {
			publish("flowing", 20)
			time.Sleep(100 * time.Millisecond)
		}
	}()
	time.Sleep(time.Second)
	settle(t, a, pollMsg{view: list.id(), gen: list.(*listView[mgmt.Queue]).poll.gen})
	time.Sleep(1500 * time.Millisecond)
	settle(t, a, pollMsg{view: list.id(), gen: list.(*listView[mgmt.Queue]).poll.gen})
	settle(t, a, a.loadHeader())
	<-done
	f := row("flowing")
	if f[8] == "-" || f[8] == "0" {
		t.Fatalf("flowing: in %s/s, want a rate from Prometheus:\n%s", f[8], screen(a))
	}
	if f := row("held"); f[4] != "123" || f[8] != "0" {
		t.Fatalf("held after traffic elsewhere: %v", f)
	}
	if strings.Contains(a.status, "stats off") {
		t.Fatalf("the notice came twice: %q", a.status)
	}
	t.Logf("\n%s", screen(a))

	// By messages the broker sorts by the queues' own totals (largest
	// first); by consumers it cannot, and says so.
	settle(t, a, press("M"))
	var order []string
	for _, l := range strings.Split(screen(a), "\n") {
		if f := strings.Fields(l); len(f) > 9 && (f[1] == "held" || f[1] == "flowing") {
			order = append(order, f[1]+"="+f[4])
		}
	}
	if len(order) != 2 || order[0] != "flowing="+row("flowing")[4] || order[1] != "held=123" {
		t.Fatalf("sorted by messages: %v\n%s", order, screen(a))
	}
	settle(t, a, press("C"))
	if !strings.Contains(a.status, "statistics are off") {
		t.Fatalf("sort by consumers: %q", a.status)
	}

	// The watch board: exact ready by passive declare, unacked unknown.
	settle(t, a, press("/"))
	settle(t, a, typed("held")...)
	settle(t, a, press("enter"), press("w"), press(":"))
	settle(t, a, typed("watch")...)
	settle(t, a, press("enter"))
	board := screen(a)
	var watched []string
	for _, l := range strings.Split(board, "\n") {
		if f := strings.Fields(l); len(f) > 4 && f[1] == "held" {
			watched = f
		}
	}
	// VHOST QUEUE READY CONS UNACKED IN/s OUT/s
	if len(watched) < 7 || watched[2] != "123" || watched[3] != "0" || watched[4] != "-" || !strings.Contains(board, "no unacked count") {
		t.Fatalf("watch board on a stats-off broker:\n%s", board)
	}
}
