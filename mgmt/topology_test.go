package mgmt

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/warren-tui/warren/route"
)

// Topology reads raw names and arguments (no escaping: they decide
// routing), exact integers, the API's "undefined" for a void binding
// argument, [] for an empty table, and alternate and dead-letter
// exchanges set by policy; a user who may not read policies still gets a
// topology, with a note.
func TestTopologyDecodes(t *testing.T) {
	policies := `[{"name":"ae","definition":{"alternate-exchange":"spill"}},{"name":"dl","definition":{"dead-letter-exchange":"dlx"}}]`
	policyStatus := http.StatusOK
	c, requests := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/exchanges/"):
			writeJSON(w, 200, `[{"name":"","type":"direct","internal":false,"arguments":{}},
				{"name":"in\u001b]8;;x","type":"headers","internal":false,"arguments":[],"policy":"ae"},
				{"name":"spill","type":"fanout","internal":true,"arguments":{}},
				{"name":"dlx","type":"fanout","internal":false,"arguments":{}}]`)
		case strings.HasPrefix(r.URL.Path, "/api/queues/"):
			writeJSON(w, 200, `[{"name":"q","type":"classic","arguments":{},"policy":"dl"},{"name":"dead","type":"quorum","arguments":{}}]`)
		case strings.HasPrefix(r.URL.Path, "/api/bindings/"):
			writeJSON(w, 200, `[{"source":"","destination":"q","destination_type":"queue","routing_key":"q","arguments":{}},
				{"source":"in\u001b]8;;x","destination":"q","destination_type":"queue","routing_key":"","arguments":{"x-match":"any","big":9007199254740993,"p":"undefined"}},
				{"source":"dlx","destination":"dead","destination_type":"queue","routing_key":"","arguments":[]}]`)
		case strings.HasPrefix(r.URL.Path, "/api/policies/"):
			if policyStatus != http.StatusOK {
				writeJSON(w, policyStatus, `{"error":"not_authorised","reason":"Not administrator user"}`)
				return
			}
			writeJSON(w, 200, policies)
		default:
			t.Errorf("unexpected request %s", r.URL)
		}
	})
	top, err := c.Topology(context.Background(), "/")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range requests() {
		if strings.Contains(u, "/api/exchanges/") || strings.Contains(u, "/api/queues/") {
			if !strings.Contains(u, "disable_stats=true") || !strings.Contains(u, "columns=") {
				t.Errorf("%s: want a stats-free request with columns", u)
			}
		}
	}
	in := "in\x1b]8;;x"
	if r := top.Trace(route.Publish{Exchange: in, Headers: map[string]any{"big": int64(9007199254740993)}}); !slices.Equal(r.Queues, []string{"q"}) {
		t.Errorf("exact integer: %v %+v", r.Queues, r.Hops)
	}
	if r := top.Trace(route.Publish{Exchange: in, Headers: map[string]any{"big": int64(9007199254740992)}}); !r.Unroutable() ||
		len(r.Hops) != 2 || r.Hops[0].Alternate.From != "policy ae" || r.Hops[1].Exchange != "spill" {
		t.Errorf("no match takes the policy's alternate exchange spill, whose fanout has no bindings: %+v", r.Hops)
	}
	if r := top.Trace(route.Publish{Exchange: in, Headers: map[string]any{"p": "anything"}}); !slices.Equal(r.Queues, []string{"q"}) {
		t.Errorf("void argument matches presence: %v", r.Queues)
	}
	if d, ok := top.DeadLetters("q"); !ok || d.Exchange.From != "policy dl" || !slices.Equal(d.Queues, []string{"dead"}) {
		t.Errorf("dead letters by policy: %+v", d)
	}
	policyStatus = http.StatusUnauthorized
	top, err = c.Topology(context.Background(), "/")
	if err != nil {
		t.Fatal(err)
	}
	if len(top.Notes) != 1 || !strings.Contains(top.Notes[0], "policies") {
		t.Errorf("notes: %v", top.Notes)
	}
}
