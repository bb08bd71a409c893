package mgmt

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/warren-tui/warren/message"
)

// hostile holds what a producer can put in any string the API reports: a
// clipboard write (OSC 52), a hyperlink (OSC 8), SGR, a C1 CSI and a bidi
// override.
const hostile = "n\x1b]52;c;aGk=\x07\x1b]8;;https://evil.example/\x1b\\LINK\x1b]8;;\x1b\\\x1b[31mC1\u009b2J\u202eRTL"

// hostileAPI answers every read with hostile strings in every field.
func hostileAPI(t *testing.T) *Client {
	t.Helper()
	args := map[string]any{"x-note": hostile, "x-" + hostile: []any{hostile, 3.0, map[string]any{hostile: hostile}}}
	queue := map[string]any{"name": hostile, "vhost": hostile, "type": hostile, "state": hostile, "node": hostile,
		"policy": hostile, "arguments": args, "effective_policy_definition": args, "consumers": 1,
		"consumer_details": []any{map[string]any{"consumer_tag": hostile,
			"channel_details": map[string]any{"name": hostile, "connection_name": hostile}}}}
	binding := map[string]any{"source": hostile, "vhost": hostile, "destination": hostile,
		"destination_type": hostile, "routing_key": hostile, "arguments": args, "properties_key": hostile}
	answers := map[string]any{
		"/api/overview": map[string]any{"cluster_name": hostile, "rabbitmq_version": hostile,
			"erlang_version": hostile, "management_version": hostile, "node": hostile},
		"/api/whoami":     map[string]any{"name": hostile, "tags": []string{"administrator"}},
		"/api/nodes":      []any{map[string]any{"name": hostile, "type": hostile, "partitions": []string{hostile}}},
		"/api/queues/v/q": queue,
		"/api/queues/v":   []any{queue},
		"/api/exchanges/v": []any{map[string]any{"name": hostile, "vhost": hostile, "type": hostile,
			"arguments": args}},
		"/api/bindings/v":          []any{binding},
		"/api/queues/v/q/bindings": []any{binding},
		"/api/vhosts/v/connections": []any{map[string]any{"name": hostile, "vhost": hostile, "user": hostile,
			"state": hostile, "protocol": hostile, "user_provided_name": hostile, "peer_host": hostile,
			"client_properties": map[string]any{"product": hostile, "version": hostile, "connection_name": hostile}}},
	}
	c, _ := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		body, ok := answers[r.URL.Path]
		if !ok {
			status := http.StatusNotFound
			if strings.Contains(r.URL.Path, "refused") {
				status = http.StatusBadRequest
			}
			b, _ := json.Marshal(map[string]string{"error": "bad_request", "reason": hostile})
			writeJSON(w, status, string(b))
			return
		}
		b, err := json.Marshal(body)
		if err != nil {
			t.Error(err)
		}
		writeJSON(w, http.StatusOK, string(b))
	})
	return c
}

func TestDecodingEscapesWhatIsOnlyShown(t *testing.T) {
	c := hostileAPI(t)
	ctx := context.Background()
	esc := message.Escape(hostile)
	raw := func(what, got string) {
		t.Helper()
		if got != hostile {
			t.Errorf("%s = %q, want the raw name (it addresses the broker)", what, got)
		}
	}
	shown := func(what, got string) {
		t.Helper()
		if got != esc {
			t.Errorf("%s = %q, want it escaped: %q", what, got, esc)
		}
	}
	table := func(what string, m map[string]any) {
		t.Helper()
		want := map[string]any{"x-note": esc, "x-" + esc: []any{esc, 3.0, map[string]any{esc: esc}}}
		if g, w := argsJSON(m), argsJSON(want); g != w {
			t.Errorf("%s = %s, want %s", what, g, w)
		}
	}

	o, err := c.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for what, got := range map[string]string{"cluster": o.ClusterName, "rabbitmq": o.RabbitMQVersion,
		"erlang": o.ErlangVersion, "management": o.ManagementVersion, "user": o.User, "node": o.Node} {
		shown("overview "+what, got)
	}

	qs, err := c.Queues(ctx, ListOptions{Vhost: "v"})
	if err != nil || len(qs.Items) != 1 {
		t.Fatalf("queues: %v %v", qs, err)
	}
	q := qs.Items[0]
	raw("queue name", q.Name)
	raw("queue vhost", q.Vhost)
	shown("queue type", q.Type)
	shown("queue state", q.State)
	shown("queue node", q.Node)
	shown("queue policy", q.Policy)
	table("queue arguments", q.Arguments)

	d, err := c.Queue(ctx, "v", "q")
	if err != nil {
		t.Fatal(err)
	}
	table("effective policy", d.EffectivePolicy)
	if len(d.ConsumerDetails) != 1 || len(d.Bindings) != 1 {
		t.Fatalf("detail: %+v", d)
	}
	shown("consumer tag", d.ConsumerDetails[0].Tag)
	shown("consumer channel", d.ConsumerDetails[0].ChannelName)
	shown("consumer connection", d.ConsumerDetails[0].ConnectionName)

	xs, err := c.Exchanges(ctx, ListOptions{Vhost: "v"})
	if err != nil || len(xs.Items) != 1 {
		t.Fatalf("exchanges: %v %v", xs, err)
	}
	raw("exchange name", xs.Items[0].Name)
	shown("exchange type", xs.Items[0].Type)
	table("exchange arguments", xs.Items[0].Arguments)

	bs, err := c.Bindings(ctx, ListOptions{Vhost: "v"})
	if err != nil || len(bs.Items) != 1 {
		t.Fatalf("bindings: %v %v", bs, err)
	}
	for _, b := range []Binding{bs.Items[0], d.Bindings[0]} {
		raw("binding source", b.Source)
		raw("binding destination", b.Destination)
		raw("binding routing key", b.RoutingKey)
		raw("binding properties key", b.PropertiesKey)
		shown("binding destination type", b.DestinationType)
		table("binding arguments", b.Arguments)
	}

	cs, err := c.Connections(ctx, ListOptions{Vhost: "v"})
	if err != nil || len(cs.Items) != 1 {
		t.Fatalf("connections: %v %v", cs, err)
	}
	k := cs.Items[0]
	raw("connection name", k.Name)
	for what, got := range map[string]string{"user": k.User, "state": k.State, "protocol": k.Protocol,
		"client name": k.ClientName, "peer host": k.PeerHost} {
		shown("connection "+what, got)
	}
	if want := esc + " " + esc; k.Client != want {
		t.Errorf("connection client = %q, want %q", k.Client, want)
	}

	ns, err := c.Nodes(ctx)
	if err != nil || len(ns) != 1 {
		t.Fatalf("nodes: %v %v", ns, err)
	}
	shown("node name", ns[0].Name)
	shown("node type", ns[0].Type)
	shown("node partition", ns[0].Partitions[0])

	_, err = c.Queue(ctx, "v", "missing"+hostile)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing queue: %v", err)
	}
	if strings.ContainsFunc(err.Error(), message.Unsafe) {
		t.Errorf("error %q holds control or bidi runes", err)
	}
	_, err = c.Exchanges(ctx, ListOptions{Vhost: "refused"}) // a 400 with the hostile reason
	if err == nil || strings.ContainsFunc(err.Error(), message.Unsafe) || !strings.Contains(err.Error(), `\x1b]8;;`) {
		t.Errorf("error %q: want the broker's reason, escaped", err)
	}
}

// argsJSON renders a table canonically (sorted keys) to compare.
func argsJSON(m map[string]any) string {
	b, _ := json.Marshal(m)
	return string(b)
}
