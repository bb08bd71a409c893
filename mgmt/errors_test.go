package mgmt

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const testPassword = "s3cret-Passw0rd"

// fakeAPI serves handler and returns a client for it; requests records
// every request URI the client sent.
func fakeAPI(t *testing.T, handler http.HandlerFunc) (c *Client, requests func() []string) {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.RequestURI())
		mu.Unlock()
		if u, p, ok := r.BasicAuth(); !ok || u != "alice" || p != testPassword {
			t.Errorf("request without the configured basic auth")
		}
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{APIURL: srv.URL, Username: "alice", Password: testPassword, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c.statsKnown.Store(true) // a broker with statistics, unless a test says otherwise
	return c, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func TestHTTPFailuresAreClassified(t *testing.T) {
	cases := []struct {
		name        string
		status      int
		contentType string
		body        string
		kind        error
		says        string
	}{
		{"wrong password", 401, "application/json", `{"error":"not_authorized","reason":"Login failed"}`,
			ErrUnauthorized, "wrong username or password"},
		{"401 without a body", 401, "text/plain", ``, ErrUnauthorized, "wrong username or password"},
		{"no management tag (3.x answers 401)", 401, "application/json", `{"error":"not_authorised","reason":"Not management user"}`,
			ErrForbidden, `user "alice" lacks the management tag`},
		{"vhost refused (3.x answers 401)", 401, "application/json", `{"error":"not_authorised","reason":"Access refused."}`,
			ErrForbidden, "no permission"},
		{"guest from afar", 401, "application/json", `{"error":"not_authorised","reason":"User can only log in via localhost"}`,
			ErrForbidden, "only log in from localhost"},
		{"403", 403, "application/json", `{"error":"forbidden","reason":"insufficient permissions"}`,
			ErrForbidden, "insufficient permissions"},
		{"object missing", 404, "application/json", `{"error":"Object Not Found","reason":"Not Found"}`,
			ErrNotFound, `queue "q" in vhost "/" not found`},
		{"404 from another server", 404, "text/html", `<h1>Not Found</h1>`,
			ErrNotManagementAPI, "not the RabbitMQ management API"},
		{"200 from another server", 200, "text/html", `<html></html>`,
			ErrNotManagementAPI, "rabbitmq_management plugin"},
		{"200 with broken JSON", 200, "application/json", `{"name":`,
			ErrNotManagementAPI, "management API"},
		{"proxy without a broker behind it", 502, "text/html", `<h1>Bad Gateway</h1>`,
			ErrUnreachable, "cannot reach the broker"},
		{"server error", 500, "application/json", `{"error":"internal_server_error","reason":"boom"}`,
			nil, "HTTP 500: internal_server_error: boom"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			_, err := c.Queue(context.Background(), "/", "q")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want *Error", err)
			}
			if tc.kind != nil && !errors.Is(err, tc.kind) || tc.kind == nil && e.Kind != nil {
				t.Fatalf("got kind %v (%v), want %v", e.Kind, err, tc.kind)
			}
			if !strings.Contains(err.Error(), tc.says) || !strings.HasPrefix(err.Error(), "management API at http://127.0.0.1:") {
				t.Fatalf("message %q should start with the API and say %q", err, tc.says)
			}
			if strings.Contains(err.Error(), testPassword) {
				t.Fatalf("message %q shows the password", err)
			}
		})
	}
}

// The same answers through a rabbit-hole call read the same way.
func TestRabbitHoleFailuresAreClassified(t *testing.T) {
	c, _ := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 401, `{"error":"not_authorised","reason":"Not management user"}`)
	})
	_, err := c.Nodes(context.Background())
	if !errors.Is(err, ErrForbidden) {
		t.Fatalf("got %v, want ErrForbidden", err)
	}
	c, _ = fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 401, `{"error":"not_authorized","reason":"Login failed"}`)
	})
	_, err = c.Vhosts(context.Background())
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("got %v, want ErrUnauthorized", err)
	}
}

func TestTimeoutIsUnreachable(t *testing.T) {
	release := make(chan struct{})
	c, _ := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c.timeout, c.http.Timeout = 100*time.Millisecond, 100*time.Millisecond
	_, err := c.Overview(context.Background())
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "no answer within 100ms") {
		t.Fatalf("got %v, want ErrUnreachable after 100ms", err)
	}
	_, err = c.Nodes(context.Background()) // rabbit-hole path, same timeout
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("rabbit-hole call: got %v, want ErrUnreachable", err)
	}
}

func TestCancelIsNotUnreachable(t *testing.T) {
	c, _ := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	for _, call := range []func(context.Context) error{
		func(ctx context.Context) error { _, err := c.Overview(ctx); return err },
		func(ctx context.Context) error { _, err := c.Vhosts(ctx); return err },
	} {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		err := call(ctx)
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnreachable) {
			t.Fatalf("got %v, want context.Canceled only", err)
		}
	}
}

func TestNewKeepsCredentialsOutOfURLsAndErrors(t *testing.T) {
	c, err := New(Config{APIURL: "https://bob:" + testPassword + "@rabbit.example:15671/api/"})
	if err != nil {
		t.Fatal(err)
	}
	if c.username != "bob" || c.password != testPassword {
		t.Fatalf("credentials not taken from the URL: %q", c.username)
	}
	if c.API() != "https://rabbit.example:15671" || strings.Contains(c.endpoint, testPassword) {
		t.Fatalf("API() = %q, endpoint %q", c.API(), c.endpoint)
	}
	for _, bad := range []string{"ftp://bob:" + testPassword + "@h", "http://bob:" + testPassword + "@h:bad", "http://", "://x"} {
		_, err := New(Config{APIURL: bad, Password: testPassword})
		if err == nil || strings.Contains(err.Error(), testPassword) {
			t.Fatalf("New(%q) = %v; want an error without the password", "<redacted>", err)
		}
	}
}

func TestUnreachableWordings(t *testing.T) {
	c, err := New(Config{APIURL: "http://nosuchhost.invalid:15672", Password: testPassword, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Overview(context.Background())
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "cannot resolve host") {
		t.Fatalf("got %v", err)
	}
}
