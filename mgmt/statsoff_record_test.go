package mgmt_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/testnode"
)

// TestRecordStatsOffFixtures records what a RabbitMQ node answers with
// management_agent.disable_metrics_collector = true (the setting of the
// official container image and the cluster operator) into
// testdata/statsoff: the overview, a queue page, a queue detail, and the
// queue lines of rabbitmq_prometheus's /metrics. It runs only with
// WARREN_RECORD=1, on a node of its own; the contract tests read what it
// wrote.
func TestRecordStatsOffFixtures(t *testing.T) {
	if os.Getenv("WARREN_RECORD") == "" {
		t.Skip("records fixtures: set WARREN_RECORD=1")
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
	if _, err := ch.QueueDeclare("orders", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 123; i++ {
		if err := ch.Publish("", "orders", false, false, amqp.Publishing{Body: []byte("m")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ch.QueueDeclare("idle", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	// "work" has a consumer that acks and one basic.get, for the
	// deliver counters.
	if _, err := ch.QueueDeclare("work", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if err := ch.Publish("", "work", false, false, amqp.Publishing{Body: []byte("w")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := ch.Get("work", true); err != nil {
		t.Fatal(err)
	}
	cch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	ds, err := cch.Consume("work", "recorder", true, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 9; i++ {
		<-ds
	}
	time.Sleep(6 * time.Second) // longer than the stats interval: whatever would come has come
	dir := filepath.Join("testdata", "statsoff")
	save := func(file, path string) []byte {
		code, body, err := node.Do("GET", path)
		if err != nil || code != http.StatusOK {
			t.Fatalf("GET %s: %d %v %s", path, code, err, body)
		}
		var v any
		if err := json.Unmarshal(body, &v); err == nil {
			body, _ = json.MarshalIndent(v, "", "  ")
		}
		if err := os.WriteFile(filepath.Join(dir, file), append(body, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return body
	}
	save("overview.json", "/api/overview")
	save("queues-page.json", "/api/queues/%2F?page=1&page_size=100&pagination=true")
	save("queues-totals-page.json", "/api/queues/%2F?page=1&page_size=100&sort=messages&disable_stats=true&enable_queue_totals=true")
	save("queue-detail.json", "/api/queues/%2F/orders")
	save("nodes.json", "/api/nodes")
	save("connections.json", "/api/connections?page=1&page_size=100&pagination=true")
	save("exchanges-page.json", "/api/exchanges/%2F?page=1&page_size=100&pagination=true")
	for file, path := range map[string]string{
		"prometheus-metrics.txt":    "/metrics",
		"prometheus-per-object.txt": "/metrics/per-object",
		"prometheus-detailed.txt":   "/metrics/detailed?family=queue_coarse_metrics&family=queue_consumer_count&family=channel_queue_metrics&family=channel_queue_exchange_metrics",
	} {
		resp, err := http.Get(node.PrometheusURL() + path)
		if err != nil {
			t.Fatal(err)
		}
		var kept bytes.Buffer
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if l := sc.Text(); file == "prometheus-metrics.txt" || strings.Contains(l, "queue") {
				kept.WriteString(l + "\n")
			}
		}
		resp.Body.Close()
		if err := os.WriteFile(filepath.Join(dir, file), kept.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
