package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/warren-tui/warren/mgmt"
)

// statsOffFake is the demo broker as a node whose statistics are off
// shows it: the API lists queues without counts, consumers or rates.
func statsOffFake() *fakeSource {
	f := demoFake()
	f.overview.StatsOff = true
	f.overview.Unknown = mgmt.UnknownCounts | mgmt.UnknownConsumers | mgmt.UnknownRates
	f.overview.RatesFrom, f.overview.PrometheusURL = mgmt.RatesNone, "http://localhost:15692"
	f.overview.Messages, f.overview.Ready, f.overview.Unacked, f.overview.Consumers = 0, 0, 0, 0
	for i := range f.queues {
		q := &f.queues[i]
		q.Ready, q.Unacked, q.Messages, q.Consumers, q.PublishRate, q.DeliverRate = 0, 0, 0, 0, 0, 0
		q.HasStats = false
		q.Unknown = mgmt.UnknownCounts | mgmt.UnknownConsumers | mgmt.UnknownRates
	}
	return f
}

// exactStreamer answers passive declares: demo.orders.all holds 123.
type exactStreamer struct {
	fakeStreamer
	mu    sync.Mutex
	asked []string
}

func (s *exactStreamer) QueueDepth(_ context.Context, vhost, queue string) (int, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, queue)
	if queue == "demo.orders.all" {
		return 123, 2, nil
	}
	return 7, 0, nil
}

func TestStatsOffShowsNoFalseZeros(t *testing.T) {
	st := &exactStreamer{}
	a := newTestApp(statsOffFake(), Target{Streamer: st})
	settle(t, a, a.Init(), size())
	got := screen(a)
	if !strings.Contains(a.status, "stats off") || !strings.Contains(a.status, "no rates") {
		t.Fatalf("the notice: %q", a.status)
	}
	if !strings.Contains(got, "STATS OFF") || !strings.Contains(got, "messages -") || !strings.Contains(got, "consumers -") {
		t.Fatalf("the header must show no counts it was not given:\n%s", got)
	}
	var row string
	for _, l := range strings.Split(got, "\n") {
		if strings.Contains(l, "demo.orders.all") {
			row = l
		}
	}
	// ready 123 and 2 consumers by passive declare; unacked and total unknown.
	if f := strings.Fields(row); len(f) < 10 || f[4] != "123" || f[5] != "-" || f[6] != "-" || f[7] != "2" || f[8] != "-" || f[9] != "-" {
		t.Fatalf("row %q", row)
	}
	// Streams are not declared (their declare-ok counts nothing useful).
	for _, q := range st.asked {
		if q == "demo.events" {
			t.Fatal("a stream was passively declared")
		}
	}
	golden.RequireEqual(t, got)

	// The notice is said once, not on every overview.
	a.setStatus("", false)
	settle(t, a, press("ctrl+r"))
	settle(t, a, a.loadHeader())
	if strings.Contains(a.status, "stats off") {
		t.Fatalf("said twice: %q", a.status)
	}
	// Only stats order by consumers or rate; by messages still works.
	for _, k := range []string{"C", "R"} {
		settle(t, a, press(k))
		if !strings.Contains(a.status, "statistics are off") || !strings.Contains(a.status, "sort by name or messages") {
			t.Fatalf("%s: %q", k, a.status)
		}
	}
	a.setStatus("", false)
	settle(t, a, press("M"))
	if strings.Contains(a.status, "cannot be sorted") {
		t.Fatalf("M: %q", a.status)
	}
}

func TestStatsOffNoticeNamesPrometheus(t *testing.T) {
	f := statsOffFake()
	f.overview.RatesFrom = mgmt.RatesFromPrometheus
	f.overview.Unknown &^= mgmt.UnknownRates
	f.overview.PublishRate = 12
	a := newTestApp(f, Target{Streamer: &exactStreamer{}})
	settle(t, a, a.Init(), size())
	if !strings.Contains(a.status, "rates from rabbitmq_prometheus (http://localhost:15692)") {
		t.Fatalf("notice %q", a.status)
	}
	if got := screen(a); !strings.Contains(got, "publish 12/s") || !strings.Contains(got, "STATS OFF · Prometheus") {
		t.Fatalf("header:\n%s", got)
	}
}

// The watch board on a stats-off broker: ready and consumers by passive
// declare as ever; unacked and rates unknown, not 0, unless Prometheus
// gave rates.
func TestStatsOffWatchRow(t *testing.T) {
	p := pin{"/", "q"}
	exact := map[pin][2]int{p: {123, 1}}
	q := mgmt.Queue{Unknown: mgmt.UnknownCounts | mgmt.UnknownConsumers | mgmt.UnknownRates}
	row := watchRow(p, exact, q, nil, nil)
	if row[2] != "123" || row[3] != "1" || row[4] != "-" || row[5] != "-" || row[6] != "-" {
		t.Fatalf("row %q", row)
	}
	q.RatesFrom, q.PublishRate, q.Unknown = mgmt.RatesFromPrometheus, 4, q.Unknown&^mgmt.UnknownRates
	if row := watchRow(p, exact, q, nil, nil); row[5] != "4.0" || row[6] != "0" {
		t.Fatalf("rates from Prometheus: %q", row)
	}
}

func TestStatsOffNodeAndConnectionRows(t *testing.T) {
	c := &common{now: func() time.Time { return fixedNow }}
	n := nodeRow(c, mgmt.Node{Name: "rabbit@a", Type: "disc", Running: true, StatsUnknown: true})
	if strings.Join(n[4:10], " ") != "- - - - - -" || n[1] != "running" || n[2] != "-" {
		t.Fatalf("node row %q", n)
	}
	k := connectionRow(c, mgmt.Connection{Name: "a -> b", User: "guest", Vhost: "/", StatsUnknown: true})
	if strings.Join(k[5:11], " ") != "- - - - - -" || k[3] != "guest" || k[1] != "-" {
		t.Fatalf("connection row %q", k)
	}
}

// hungDepth never answers until its context ends, like a hung AMQP link.
type hungDepth struct{ fakeStreamer }

func (hungDepth) QueueDepth(ctx context.Context, _, _ string) (int, int, error) {
	<-ctx.Done()
	return 0, 0, ctx.Err()
}

// A hung AMQP link holds a page back at most depthReadsFor; the rows stay
// unknown.
func TestStatsOffDepthReadsAreBounded(t *testing.T) {
	rows := statsOffFake().queues
	start := time.Now()
	fillExactDepths(context.Background(), &hungDepth{}, rows)
	if took := time.Since(start); took > depthReadsFor+time.Second {
		t.Fatalf("took %v", took)
	}
	for _, q := range rows {
		if q.Unknown.Knows(mgmt.UnknownReady) || q.ExactDepth {
			t.Fatalf("%s filled from a hung link: %+v", q.Name, q)
		}
	}
}

// The queue detail on a stats-off broker: ready and consumers by passive
// declare, the rest unknown, and a line saying so.
func TestStatsOffQueueDetail(t *testing.T) {
	a := newTestApp(statsOffFake(), Target{Streamer: &exactStreamer{}})
	settle(t, a, a.Init(), size())
	settle(t, a, press("/"))
	settle(t, a, typed("orders.all")...)
	settle(t, a, press("enter"), press("enter"))
	got := flat(screen(a))
	for _, want := range []string{"ready 123", "unacked -", "total -", "consumers 2", "in -/s", "memory -",
		"The broker's statistics are off: ready and consumers read now by passive declare; rates and memory unknown"} {
		if !strings.Contains(got, want) {
			t.Fatalf("detail lacks %q:\n%s", want, screen(a))
		}
	}
}
