package mgmt

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// recordedRequest is one request the fake API received.
type recordedRequest struct {
	Method, URI string
	Body        map[string]any
}

// changeAPI is a fake API that answers each "METHOD uri" from answers
// (a status and a JSON body; 404 for anything not listed) and records
// every request with its decoded body.
func changeAPI(t *testing.T, answers map[string]fakeAnswer) (*Client, func() []recordedRequest) {
	t.Helper()
	var mu sync.Mutex
	var seen []recordedRequest
	c, _ := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		rec := recordedRequest{Method: r.Method, URI: r.URL.RequestURI()}
		if b, _ := io.ReadAll(r.Body); len(b) > 0 {
			if err := json.Unmarshal(b, &rec.Body); err != nil {
				t.Errorf("%s %s: body is not JSON: %s", r.Method, rec.URI, b)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("%s %s: Content-Type %q", r.Method, rec.URI, ct)
			}
		}
		mu.Lock()
		seen = append(seen, rec)
		mu.Unlock()
		if r.Method != http.MethodGet && !strings.Contains(r.Header.Get("Accept"), "*/*") {
			// Like the broker's purge, which offers no JSON.
			w.WriteHeader(http.StatusNotAcceptable)
			return
		}
		a, ok := answers[r.Method+" "+rec.URI]
		if !ok {
			a = fakeAnswer{404, `{"error":"Object Not Found","reason":"Not Found"}`}
		}
		if a.status == http.StatusCreated || a.status == http.StatusNoContent {
			w.WriteHeader(a.status)
			return
		}
		writeJSON(w, a.status, a.body)
	})
	return c, func() []recordedRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]recordedRequest(nil), seen...)
	}
}

type fakeAnswer struct {
	status int
	body   string
}

func TestChangesRefuseBadInputWithoutAsking(t *testing.T) {
	long := strings.Repeat("q", 256)
	cases := []struct {
		name string
		call func(c *Client) error
		says string
	}{
		{"queue without vhost", func(c *Client) error { return c.DeclareQueue(ctx0, "", QueueSpec{Name: "q"}) }, "no vhost"},
		{"queue without name", func(c *Client) error { return c.DeclareQueue(ctx0, "/", QueueSpec{}) }, "no queue name given"},
		{"reserved queue name", func(c *Client) error { return c.DeclareQueue(ctx0, "/", QueueSpec{Name: "amq.mine"}) }, `"amq." are reserved`},
		{"queue name too long", func(c *Client) error { return c.DeclareQueue(ctx0, "/", QueueSpec{Name: long}) }, "256 bytes"},
		{"unknown queue type", func(c *Client) error {
			return c.DeclareQueue(ctx0, "/", QueueSpec{Name: "q", Type: "lazy", Durable: true})
		}, `unknown queue type "lazy"`},
		{"unknown type in arguments", func(c *Client) error {
			return c.DeclareQueue(ctx0, "/", QueueSpec{Name: "q", Durable: true, Arguments: map[string]any{"x-queue-type": "mirror"}})
		}, `unknown queue type "mirror"`},
		{"transient quorum queue", func(c *Client) error {
			return c.DeclareQueue(ctx0, "/", QueueSpec{Name: "q", Type: "quorum"})
		}, "quorum queues must be durable"},
		{"auto-delete stream", func(c *Client) error {
			return c.DeclareQueue(ctx0, "/", QueueSpec{Name: "q", Type: "stream", Durable: true, AutoDelete: true})
		}, "stream queues must be durable and cannot be auto-delete"},
		{"type and x-queue-type disagree", func(c *Client) error {
			return c.DeclareQueue(ctx0, "/", QueueSpec{Name: "q", Type: "quorum", Durable: true, Arguments: map[string]any{"x-queue-type": "classic"}})
		}, "contradicts"},
		{"x-queue-type not a string", func(c *Client) error {
			return c.DeclareQueue(ctx0, "/", QueueSpec{Name: "q", Arguments: map[string]any{"x-queue-type": 2}})
		}, "must be a string"},
		{"argument JSON cannot carry", func(c *Client) error {
			return c.DeclareQueue(ctx0, "/", QueueSpec{Name: "q", Arguments: map[string]any{"x-message-ttl": math.NaN()}})
		}, "argument x-message-ttl cannot be sent"},
		{"exchange without name", func(c *Client) error { return c.DeclareExchange(ctx0, "/", ExchangeSpec{Type: "direct"}) }, "no exchange name given"},
		{"reserved exchange name", func(c *Client) error {
			return c.DeclareExchange(ctx0, "/", ExchangeSpec{Name: "amq.custom", Type: "direct"})
		}, `"amq." are reserved`},
		{"exchange without type", func(c *Client) error { return c.DeclareExchange(ctx0, "/", ExchangeSpec{Name: "x"}) }, "needs a type"},
		{"binding from the default exchange", func(c *Client) error {
			return c.DeclareBinding(ctx0, "/", BindingSpec{Destination: "q", DestinationType: "queue"})
		}, "default exchange"},
		{"binding without destination type", func(c *Client) error {
			return c.DeclareBinding(ctx0, "/", BindingSpec{Source: "x", Destination: "q"})
		}, `must be "queue" or "exchange"`},
		{"binding without destination", func(c *Client) error {
			return c.DeclareBinding(ctx0, "/", BindingSpec{Source: "x", DestinationType: "exchange"})
		}, "destination exchange needs a name"},
		{"binding without vhost", func(c *Client) error {
			return c.DeclareBinding(ctx0, "", BindingSpec{Source: "x", Destination: "q", DestinationType: "queue"})
		}, "no vhost"},
		{"purge without name", func(c *Client) error { return c.PurgeQueue(ctx0, "/", "") }, "no queue name"},
		{"delete queue without vhost", func(c *Client) error { return c.DeleteQueue(ctx0, "", "q") }, "no vhost"},
		{"delete the default exchange", func(c *Client) error { return c.DeleteExchange(ctx0, "/", "") }, "default exchange cannot be deleted"},
		{"delete a built-in exchange", func(c *Client) error { return c.DeleteExchange(ctx0, "/", "amq.direct") }, "built into the broker"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, requests := changeAPI(t, nil)
			err := tc.call(c)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v, want ErrInvalid saying %q", err, tc.says)
			}
			if got := requests(); len(got) != 0 {
				t.Fatalf("asked the broker anyway: %+v", got)
			}
		})
	}
}

var ctx0 = context.Background()

func TestDeclareQueueChecksThenPuts(t *testing.T) {
	c, requests := changeAPI(t, map[string]fakeAnswer{"PUT /api/queues/%2F/orders%2Fin": {201, ""}})
	args := map[string]any{"x-message-ttl": 60000, "x-dead-letter-exchange": "dlx"}
	err := c.DeclareQueue(ctx0, "/", QueueSpec{Name: "orders/in", Durable: true, Arguments: args})
	if err != nil {
		t.Fatal(err)
	}
	got := requests()
	if len(got) != 2 || got[0].Method != "GET" || got[0].URI != "/api/queues/%2F/orders%2Fin?columns=name" || got[1].Method != "PUT" {
		t.Fatalf("requests %+v, want a GET of the name then a PUT", got)
	}
	body := got[1].Body
	sent, _ := body["arguments"].(map[string]any)
	if body["durable"] != true || body["auto_delete"] != false || sent["x-queue-type"] != "classic" ||
		sent["x-message-ttl"] != float64(60000) || sent["x-dead-letter-exchange"] != "dlx" {
		t.Fatalf("PUT body %v", body)
	}
	if _, ok := args["x-queue-type"]; ok || len(args) != 2 {
		t.Fatalf("the caller's arguments were changed: %v", args)
	}
}

func TestDeclareExchangeSendsEveryField(t *testing.T) {
	c, requests := changeAPI(t, map[string]fakeAnswer{"PUT /api/exchanges/v1/events": {201, ""}})
	err := c.DeclareExchange(ctx0, "v1", ExchangeSpec{Name: "events", Type: "topic", AutoDelete: true, Internal: true,
		Arguments: map[string]any{"alternate-exchange": "unrouted"}})
	if err != nil {
		t.Fatal(err)
	}
	got := requests()
	if len(got) != 2 || got[1].Method != "PUT" {
		t.Fatalf("requests %+v", got)
	}
	body := got[1].Body
	sent, _ := body["arguments"].(map[string]any)
	if body["type"] != "topic" || body["durable"] != false || body["auto_delete"] != true || body["internal"] != true ||
		sent["alternate-exchange"] != "unrouted" {
		t.Fatalf("PUT body %v", body)
	}
}

func TestDeclareOfATakenNameIsErrExists(t *testing.T) {
	t.Run("seen by the check", func(t *testing.T) {
		c, requests := changeAPI(t, map[string]fakeAnswer{
			"GET /api/exchanges/v1/events?columns=name": {200, `{"name":"events"}`}})
		err := c.DeclareExchange(ctx0, "v1", ExchangeSpec{Name: "events", Type: "topic"})
		if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), `exchange "events" in vhost "v1" already exists`) {
			t.Fatalf("got %v, want ErrExists naming the exchange", err)
		}
		if got := requests(); len(got) != 1 {
			t.Fatalf("requests %+v, want the check only", got)
		}
	})
	t.Run("created by someone else after the check", func(t *testing.T) {
		// The broker answers 204 to a PUT that found the queue there.
		c, _ := changeAPI(t, map[string]fakeAnswer{"PUT /api/queues/v1/q": {204, ""}})
		err := c.DeclareQueue(ctx0, "v1", QueueSpec{Name: "q"})
		if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), `queue "q" in vhost "v1" already exists`) {
			t.Fatalf("got %v, want ErrExists", err)
		}
	})
}

func TestBrokerRefusalsKeepTheReason(t *testing.T) {
	cases := []struct {
		name   string
		answer fakeAnswer
		kind   error
		says   []string
	}{
		{"bad argument", fakeAnswer{400, `{"error":"bad_request","reason":"invalid arg 'x-message-ttl' for queue 'q' in vhost 'v1': \"expected integer, got longstr\""}`},
			nil, []string{`cannot declare queue "q" in vhost "v1"`, "HTTP 400", "invalid arg 'x-message-ttl'"}},
		{"no configure permission (3.x answers 401)", fakeAnswer{401, `{"error":"not_authorised","reason":"Access refused."}`},
			ErrForbidden, []string{`cannot declare queue "q"`, `user "alice" has no permission for this: Access refused.`}},
		{"no vhost access", fakeAnswer{401, `{"error":"not_authorised","reason":"User not authorised to access virtual host"}`},
			ErrForbidden, []string{"User not authorised to access virtual host"}},
		{"403", fakeAnswer{403, `{"error":"forbidden","reason":"refused for ` + testPassword + `"}`},
			ErrForbidden, []string{"refused for xxxxx"}},
		{"missing vhost", fakeAnswer{404, `{"error":"not_found","reason":"vhost_not_found"}`},
			ErrNotFound, []string{`vhost "v1" not found`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := changeAPI(t, map[string]fakeAnswer{"PUT /api/queues/v1/q": tc.answer})
			err := c.DeclareQueue(ctx0, "v1", QueueSpec{Name: "q", Arguments: map[string]any{"x-message-ttl": "soon"}})
			var e *Error
			if !errors.As(err, &e) || e.Status != tc.answer.status || (tc.kind != nil && !errors.Is(err, tc.kind)) {
				t.Fatalf("got %v, want HTTP %d of kind %v", err, tc.answer.status, tc.kind)
			}
			if tc.kind == nil && e.Kind != nil {
				t.Fatalf("got kind %v, want none", e.Kind)
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%q does not say %q", err, s)
				}
			}
			if strings.Contains(err.Error(), testPassword) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("%q shows the password or is not one line", err)
			}
		})
	}
}

func TestBindingToAMissingEndNamesIt(t *testing.T) {
	notFound := fakeAnswer{404, `{"error":"not_found","reason":"no such thing"}`}
	found := fakeAnswer{200, `{"name":"x"}`}
	cases := []struct {
		name    string
		spec    BindingSpec
		answers map[string]fakeAnswer
		says    string
	}{
		{"source", BindingSpec{Source: "src", Destination: "q", DestinationType: "queue"},
			map[string]fakeAnswer{"POST /api/bindings/v1/e/src/q/q": notFound},
			`cannot bind queue "q" to exchange "src" in vhost "v1": the source exchange "src" does not exist`},
		{"destination queue", BindingSpec{Source: "src", Destination: "q", DestinationType: "queue"},
			map[string]fakeAnswer{"POST /api/bindings/v1/e/src/q/q": notFound, "GET /api/exchanges/v1/src?columns=name": found},
			`the destination queue "q" does not exist`},
		{"destination exchange", BindingSpec{Source: "src", Destination: "dst", DestinationType: "exchange"},
			map[string]fakeAnswer{"POST /api/bindings/v1/e/src/e/dst": notFound, "GET /api/exchanges/v1/src?columns=name": found},
			`the destination exchange "dst" does not exist`},
		{"vhost", BindingSpec{Source: "src", Destination: "dst", DestinationType: "exchange"},
			map[string]fakeAnswer{"POST /api/bindings/v1/e/src/e/dst": {404, `{"error":"not_found","reason":"vhost_not_found"}`}},
			`vhost "v1" not found`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := changeAPI(t, tc.answers)
			err := c.DeclareBinding(ctx0, "v1", tc.spec)
			if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v, want ErrNotFound saying %q", err, tc.says)
			}
		})
	}
}

func TestDeclareBindingSendsKeyAndArguments(t *testing.T) {
	c, requests := changeAPI(t, map[string]fakeAnswer{"POST /api/bindings/v1/e/src/e/dst": {201, ""}})
	err := c.DeclareBinding(ctx0, "v1", BindingSpec{Source: "src", Destination: "dst", DestinationType: "exchange",
		RoutingKey: "a.*", Arguments: map[string]any{"x-match": "any"}})
	if err != nil {
		t.Fatal(err)
	}
	got := requests()
	sent, _ := got[0].Body["arguments"].(map[string]any)
	if len(got) != 1 || got[0].Body["routing_key"] != "a.*" || sent["x-match"] != "any" {
		t.Fatalf("requests %+v", got)
	}
}

// rabbit-hole takes a 404 to a DELETE for success; these calls must not.
func TestRemovingWhatIsMissingIsErrNotFound(t *testing.T) {
	c, requests := changeAPI(t, nil)
	for name, err := range map[string]error{
		`queue "q" in vhost "/" not found`:    c.PurgeQueue(ctx0, "/", "q"),
		`queue "q2" in vhost "/" not found`:   c.DeleteQueue(ctx0, "/", "q2"),
		`exchange "x" in vhost "/" not found`: c.DeleteExchange(ctx0, "/", "x"),
	} {
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), name) {
			t.Errorf("got %v, want ErrNotFound saying %s", err, name)
		}
	}
	uris := map[string]bool{}
	for _, r := range requests() {
		uris[r.Method+" "+r.URI] = true
	}
	for _, want := range []string{"DELETE /api/queues/%2F/q/contents", "DELETE /api/queues/%2F/q2", "DELETE /api/exchanges/%2F/x"} {
		if !uris[want] {
			t.Errorf("no %s in %v", want, uris)
		}
	}
}

func TestChangesHonourTheContext(t *testing.T) {
	release := make(chan struct{})
	c, _ := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) { <-release })
	defer close(release)
	ctx, cancel := context.WithTimeout(ctx0, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.DeleteQueue(ctx, "/", "q")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the deadline's error", err)
	}
	if !strings.Contains(err.Error(), "cannot delete queue") || time.Since(start) > time.Second {
		t.Fatalf("got %q after %s", err, time.Since(start))
	}
}
