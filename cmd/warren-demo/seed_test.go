package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/warren-tui/warren/internal/brokertest"
)

// getMessages reads up to count messages of a queue through the management
// API, requeueing them (the API's own "get", independent of the seeder).
func getMessages(t *testing.T, vhost, queue string, count int) []map[string]any {
	t.Helper()
	body := `{"count":` + strconv.Itoa(count) + `,"ackmode":"ack_requeue_true","encoding":"auto","truncate":50000}`
	raw := brokertest.MustDo(t, "POST", "/api/queues/"+brokertest.Esc(vhost)+"/"+brokertest.Esc(queue)+"/get", []byte(body))
	var msgs []map[string]any
	if err := json.Unmarshal(raw, &msgs); err != nil {
		t.Fatalf("decode messages of %s: %v", queue, err)
	}
	return msgs
}

func getQueue(t *testing.T, vhost, queue string) map[string]any {
	t.Helper()
	raw := brokertest.MustDo(t, "GET", "/api/queues/"+brokertest.Esc(vhost)+"/"+brokertest.Esc(queue), nil)
	var q map[string]any
	if err := json.Unmarshal(raw, &q); err != nil {
		t.Fatalf("decode queue %s: %v", queue, err)
	}
	return q
}

func TestSeedIntoThrowawayVhost(t *testing.T) {
	brokertest.Require(t)
	vhost := brokertest.Vhost(t)
	target, err := newTarget(brokertest.URI(), brokertest.API())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	seed := func() *Summary {
		t.Helper()
		s := &Seeder{Target: target, Vhost: vhost, BulkQueues: 12}
		sum, err := s.Seed(ctx)
		if err != nil {
			t.Fatalf("seed: %v", err)
		}
		return sum
	}
	first := seed()
	if first.Published == 0 || first.DeadLetters != 30 {
		t.Fatalf("first seed: published %d, dead letters %d; want > 0 and 30", first.Published, first.DeadLetters)
	}

	// Dead letters are genuine: the broker's x-death says a consumer rejected them.
	dead := getMessages(t, vhost, qDLQ, 100)
	if len(dead) != 30 {
		t.Fatalf("%s holds %d messages, want 30", qDLQ, len(dead))
	}
	for i, m := range dead {
		props, _ := m["properties"].(map[string]any)
		headers, _ := props["headers"].(map[string]any)
		deaths, _ := headers["x-death"].([]any)
		if len(deaths) == 0 {
			t.Fatalf("dead letter %d has no x-death header: %v", i, props)
		}
		death, _ := deaths[0].(map[string]any)
		if death["reason"] != "rejected" || death["queue"] != qCreated || death["exchange"] != exOrders {
			t.Fatalf("dead letter %d: x-death %v, want reason rejected from %s via %s", i, death, qCreated, exOrders)
		}
		if props["content_type"] != "application/json" || props["message_id"] == "" {
			t.Fatalf("dead letter %d: properties %v", i, props)
		}
	}

	pay := getQueue(t, vhost, qPayments)
	args, _ := pay["arguments"].(map[string]any)
	if pay["type"] != "quorum" || args["x-delivery-limit"] != float64(paymentDeliveryLimit) {
		t.Fatalf("%s: type %v arguments %v, want quorum with x-delivery-limit %d", qPayments, pay["type"], args, paymentDeliveryLimit)
	}
	// The seeder requeued the head payment twice: one peek from the limit.
	head := getMessages(t, vhost, qPayments, 1)
	if len(head) != 1 {
		t.Fatalf("%s: got %d messages, want its head", qPayments, len(head))
	}
	if hdrs, _ := head[0]["properties"].(map[string]any)["headers"].(map[string]any); hdrs["x-delivery-count"] != float64(2) {
		t.Errorf("%s head: headers %v, want x-delivery-count 2", qPayments, hdrs)
	}
	if ev := getQueue(t, vhost, qEvents); ev["type"] != "stream" {
		t.Fatalf("%s has type %v, want stream", qEvents, ev["type"])
	}
	email := getMessages(t, vhost, qEmail, 1)
	if len(email) != 1 || email[0]["properties"].(map[string]any)["content_encoding"] != "gzip" {
		t.Fatalf("%s: want a gzip message, got %v", qEmail, email)
	}

	// Seeding again adds nothing: the DLQ is not doubled.
	second := seed()
	if second.Published != 0 {
		t.Errorf("second seed published %d messages, want 0", second.Published)
	}
	if n := len(getMessages(t, vhost, qDLQ, 100)); n != 30 {
		t.Fatalf("after seeding twice %s holds %d messages, want 30", qDLQ, n)
	}

	// Clean removes every demo object and policy of the vhost.
	done, err := Clean(ctx, target, vhost)
	if err != nil {
		t.Fatalf("clean: %v", err)
	}
	// The pulse cases: their queues, the transient one, three exchanges, the
	// mirroring policy (a broker from 4.0 refuses the last two).
	wantQ, wantX, wantP := len(demoQueues)+12+len(pulseQueues)+1, len(demoExchanges)+3, len(demoPolicies)+1
	for _, n := range second.PulseNotes {
		if strings.Contains(n, "transient") {
			wantQ--
		}
		if strings.Contains(n, "mirroring") {
			wantP--
		}
	}
	if done.Queues != wantQ || done.Exchanges != wantX || done.Policies != wantP {
		t.Fatalf("clean deleted %+v, want %d queues, %d exchanges, %d policies", done, wantQ, wantX, wantP)
	}
	names, err := target.api.Names(ctx, "queues", vhost)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if strings.HasPrefix(n, namePrefix) {
			t.Fatalf("queue %s left after clean", n)
		}
	}
}
