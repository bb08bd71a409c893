package mgmt

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The fixtures in testdata/statsoff were recorded from RabbitMQ 3.10.8
// with management_agent.disable_metrics_collector = true and
// rabbitmq_prometheus enabled (TestRecordStatsOffFixtures): a queue
// "orders" holding 123 messages, an idle one, and "work" that a consumer
// and a basic.get emptied.

func statsOffFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "statsoff", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// statsOffAPI serves the recorded answers; prom, when not nil, serves
// rabbitmq_prometheus, each read of /metrics/detailed a further step.
func statsOffAPI(t *testing.T, prom http.HandlerFunc) (*Client, func() []string) {
	t.Helper()
	overview, page, totals, detail := statsOffFixture(t, "overview.json"), statsOffFixture(t, "queues-page.json"),
		statsOffFixture(t, "queues-totals-page.json"), statsOffFixture(t, "queue-detail.json")
	nodes, connections := statsOffFixture(t, "nodes.json"), statsOffFixture(t, "connections.json")
	c, requests := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/api/overview":
			writeJSON(w, 200, overview)
		case r.URL.Path == "/api/nodes":
			writeJSON(w, 200, nodes)
		case r.URL.Path == "/api/connections":
			writeJSON(w, 200, connections)
		case r.URL.Path == "/api/whoami":
			writeJSON(w, 200, `{"name":"alice","tags":["administrator"]}`)
		case r.URL.Path == "/api/queues/%2F/orders" || r.URL.Path == "/api/queues///orders":
			writeJSON(w, 200, detail)
		case strings.HasPrefix(r.URL.Path, "/api/bindings/") || strings.HasSuffix(r.URL.Path, "/bindings"):
			writeJSON(w, 200, `[]`)
		case strings.HasPrefix(r.URL.Path, "/api/queues"):
			if r.URL.Query().Get("enable_queue_totals") == "true" {
				writeJSON(w, 200, totals)
			} else {
				writeJSON(w, 200, page)
			}
		default:
			http.NotFound(w, r)
		}
	})
	c.statsKnown.Store(false) // learnt from the recorded overview
	if prom != nil {
		srv := httptest.NewServer(prom)
		t.Cleanup(srv.Close)
		c.prom = newPromReader(srv.URL, 2*time.Second)
	} else {
		c.prom = newPromReader("http://127.0.0.1:1", 2*time.Second) // nothing listens there
	}
	return c, requests
}

func TestStatsOffOverviewKnowsWhatItLacks(t *testing.T) {
	c, _ := statsOffAPI(t, nil)
	o, err := c.Overview(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !o.StatsOff || o.Unknown.Knows(UnknownCounts) || o.Unknown.Knows(UnknownConsumers) || o.Unknown.Knows(UnknownRates) {
		t.Fatalf("stats-off overview: %+v", o)
	}
	if o.RatesFrom != RatesNone || !strings.Contains(o.PrometheusErr, "does not answer") || o.PrometheusURL != "http://127.0.0.1:1" {
		t.Fatalf("without Prometheus: from %v, err %q", o.RatesFrom, o.PrometheusErr)
	}
	if o.Queues != 3 || o.Exchanges != 7 || o.RabbitMQVersion != "3.10.8" || o.ProductVersion != "3.10.8" {
		t.Fatalf("what it does report: %+v", o)
	}
}

// The bug this fixes: the stats-ful listing of a stats-off broker has no
// counts at all, and a queue holding 123 messages showed as 0.
func TestStatsOffQueuesAreNeverZeroForUnknown(t *testing.T) {
	c, requests := statsOffAPI(t, nil)
	ctx := context.Background()
	if _, err := c.Overview(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := c.Queues(ctx, ListOptions{Vhost: "/"})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Queue{}
	for _, q := range p.Items {
		byName[q.Name] = q
	}
	orders := byName["orders"]
	if !orders.Unknown.Knows(UnknownCounts) || orders.Ready != 123 || orders.Messages != 123 || orders.Unacked != 0 {
		t.Fatalf("orders from the totals listing: %+v", orders)
	}
	if orders.Unknown.Knows(UnknownConsumers) || orders.RatesKnown() || orders.HasStats {
		t.Fatalf("consumers and rates must be unknown, not 0: %+v", orders)
	}
	reqs := requests()
	last := reqs[len(reqs)-1]
	if !strings.Contains(last, "enable_queue_totals=true") || !strings.Contains(last, "disable_stats=true") || strings.Contains(last, "sort=") {
		t.Fatalf("a by-name page of a stats-off broker asks the queues for totals, in the default order: %s", last)
	}

	// By messages: the same totals listing, sorted by the broker.
	if _, err := c.Queues(ctx, ListOptions{Vhost: "/", Sort: SortMessages}); err != nil {
		t.Fatal(err)
	}
	if reqs := requests(); !strings.Contains(reqs[len(reqs)-1], "sort=messages") {
		t.Fatalf("by messages: %s", reqs[len(reqs)-1])
	}
	// By consumers or rate: nothing on this broker holds them for every queue.
	for _, s := range []SortKey{SortConsumers, SortRate} {
		n := len(requests())
		_, err := c.Queues(ctx, ListOptions{Vhost: "/", Sort: s})
		if !errors.Is(err, ErrStatsOff) || !strings.Contains(err.Error(), "sort by name or messages") {
			t.Fatalf("sort by %s: %v", s, err)
		}
		if len(requests()) != n {
			t.Fatalf("sort by %s asked the broker anyway", s)
		}
	}

	// The detail has no counts at all: unknown, not 0.
	d, err := c.Queue(ctx, "/", "orders")
	if err != nil {
		t.Fatal(err)
	}
	if d.Unknown.Knows(UnknownReady) || d.Unknown.Knows(UnknownConsumers) || d.Ready != 0 {
		t.Fatalf("detail: %+v", d.Queue)
	}
}

// The same stats-ful listing decoded directly: every count unknown.
func TestStatsOffStatsListingHasNoCounts(t *testing.T) {
	var l listing[queueJSON]
	if err := l.UnmarshalJSON([]byte(statsOffFixture(t, "queues-page.json"))); err != nil {
		t.Fatal(err)
	}
	for _, j := range l.Items {
		q := j.queue(true)
		if q.Unknown.Knows(UnknownReady) || q.Unknown.Knows(UnknownMessages) || q.Unknown.Knows(UnknownUnacked) || q.Unknown.Knows(UnknownConsumers) {
			t.Fatalf("%s: %+v", q.Name, q)
		}
	}
}

// Rates from rabbitmq_prometheus: the change of the per-channel counters
// between two reads; a queue no channel touched has rate 0.
func TestStatsOffRatesFromPrometheus(t *testing.T) {
	detailed := statsOffFixture(t, "prometheus-detailed.txt")
	global := statsOffFixture(t, "prometheus-metrics.txt")
	var step atomic.Int32
	c, _ := statsOffAPI(t, func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := r.BasicAuth(); ok || r.Header.Get("Authorization") != "" {
			t.Errorf("credentials sent to rabbitmq_prometheus")
		}
		body := global
		if r.URL.Path == "/metrics/detailed" {
			body = detailed
			if q := r.URL.Query()["family"]; len(q) != 2 {
				t.Errorf("families %v", q)
			}
			if step.Add(1) > 1 { // 50 more published to orders, 4 more delivered from work
				body = strings.Replace(body, `queue="orders",exchange_vhost="/",exchange=""} 123`, `queue="orders",exchange_vhost="/",exchange=""} 173`, 1)
				body = strings.Replace(body, `rabbitmq_detailed_channel_messages_delivered_total{channel="<0.817.0>",vhost="/",queue="work"} 9`,
					`rabbitmq_detailed_channel_messages_delivered_total{channel="<0.817.0>",vhost="/",queue="work"} 13`, 1)
			}
		} else if step.Load() > 1 {
			body = strings.Replace(body, `rabbitmq_global_messages_received_total{protocol="amqp091"} 133`, `rabbitmq_global_messages_received_total{protocol="amqp091"} 183`, 1)
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_, _ = w.Write([]byte(body))
	})
	ctx := context.Background()
	o, err := c.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if o.RatesFrom != RatesFromPrometheus || o.Unknown.Knows(UnknownRates) || o.PrometheusErr != "" {
		t.Fatalf("first read: no rates yet, but from Prometheus: %+v", o)
	}
	p, err := c.Queues(ctx, ListOptions{Vhost: "/"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Items[0].RatesKnown() {
		t.Fatalf("first read has no rates: %+v", p.Items[0])
	}
	time.Sleep(minPromGap + 100*time.Millisecond)
	p, err = c.Queues(ctx, ListOptions{Vhost: "/"})
	if err != nil {
		t.Fatal(err)
	}
	gap := (minPromGap + 100*time.Millisecond).Seconds()
	for _, q := range p.Items {
		if !q.RatesKnown() || q.RatesFrom != RatesFromPrometheus {
			t.Fatalf("%s: rates unknown after two reads", q.Name)
		}
		var wantIn, wantOut float64
		switch q.Name {
		case "orders":
			wantIn = 50 / gap
		case "work":
			wantOut = 4 / gap
		}
		// The real gap is a little longer than the sleep.
		if q.PublishRate > wantIn*1.001 || q.PublishRate < wantIn*0.5 || q.DeliverRate > wantOut*1.001 || q.DeliverRate < wantOut*0.5 {
			t.Fatalf("%s: in %.2f out %.2f, want about %.2f %.2f", q.Name, q.PublishRate, q.DeliverRate, wantIn, wantOut)
		}
	}
}

func TestPrometheusURL(t *testing.T) {
	c, err := New(Config{APIURL: "https://ops:secret@rabbit.example:15671/"})
	if err != nil {
		t.Fatal(err)
	}
	if c.PrometheusURL() != "http://rabbit.example:15692" {
		t.Fatalf("default %q", c.PrometheusURL())
	}
	c, err = New(Config{APIURL: "http://h:15672", PrometheusURL: "https://m.example:15691/metrics"})
	if err != nil || c.PrometheusURL() != "https://m.example:15691" {
		t.Fatalf("%q %v", c.PrometheusURL(), err)
	}
	if _, err := New(Config{APIURL: "http://h:15672", PrometheusURL: "http://u:pw@m:15692"}); err == nil || strings.Contains(err.Error(), "pw") {
		t.Fatalf("credentials in the Prometheus URL: %v", err)
	}
}

func TestParsePrometheusLabels(t *testing.T) {
	var got []promMetric
	in := "# HELP x y\n" + `rabbitmq_detailed_queue_messages_published_total{channel="<0.1.0>",queue_vhost="v\"1",queue="a\\b\nc}",exchange=""} 7` +
		"\nrabbitmq_queue_head_message_timestamp{queue=\"q\"} NaN\n"
	if err := parsePrometheus(strings.NewReader(in), func(m promMetric) { got = append(got, m) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].labels["queue_vhost"] != `v"1` || got[0].labels["queue"] != "a\\b\nc}" || got[0].value != 7 || got[1].value != 0 {
		t.Fatalf("%+v", got)
	}
	if err := parsePrometheus(strings.NewReader(`x{a="b} 1`), func(promMetric) {}); err == nil {
		t.Fatal("an unclosed label was read")
	}
}

// A queue page asked before any overview learns first whether the
// broker's statistics are off: the first page is already right.
func TestStatsOffLearntBeforeTheFirstPage(t *testing.T) {
	c, requests := statsOffAPI(t, nil)
	p, err := c.Queues(context.Background(), ListOptions{Vhost: "/"})
	if err != nil {
		t.Fatal(err)
	}
	reqs := requests()
	if len(reqs) != 2 || !strings.HasPrefix(reqs[0], "/api/overview?columns=disable_stats") || !strings.Contains(reqs[1], "enable_queue_totals=true") {
		t.Fatalf("requests %v", reqs)
	}
	for _, q := range p.Items {
		if q.Name == "orders" && q.Ready != 123 {
			t.Fatalf("orders %+v", q)
		}
	}
	if _, err := c.Queues(context.Background(), ListOptions{Vhost: "/"}); err != nil || len(requests()) != 3 {
		t.Fatalf("asked again: %v %v", err, requests())
	}
}

// Nodes and connections of a stats-off broker carry names only: their
// figures are unknown, not 0.
func TestStatsOffNodesAndConnections(t *testing.T) {
	c, _ := statsOffAPI(t, nil)
	ctx := context.Background()
	nodes, err := c.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 1 || !nodes[0].Running || !nodes[0].StatsUnknown {
		t.Fatalf("nodes %+v", nodes)
	}
	p, err := c.Connections(ctx, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 1 || !p.Items[0].StatsUnknown || p.Items[0].User != "guest" {
		t.Fatalf("connections %+v", p.Items)
	}
}
