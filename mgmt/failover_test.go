package mgmt

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// countingAPI answers the two requests Overview makes, counting them.
func countingAPI(t *testing.T, status int) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if strings.HasSuffix(r.URL.Path, "/whoami") {
			_, _ = w.Write([]byte(`{"name":"guest","tags":["administrator"]}`))
			return
		}
		_, _ = w.Write([]byte(`{"cluster_name":"c","rabbitmq_version":"3.10.8"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// A management API that cannot be reached is left for the next one, which
// is then asked first; one that answers, even with an error, is not.
func TestClientFailsOverToTheNextAPI(t *testing.T) {
	live, hits := countingAPI(t, http.StatusOK)
	liveAddr := strings.TrimPrefix(live.URL, "http://")
	dead := closedAddr(t)
	c, err := New(Config{APIURL: "http://guest:s3cret@" + dead + "," + liveAddr})
	if err != nil {
		t.Fatal(err)
	}
	if addr, moved := c.Endpoint(); addr != dead || moved {
		t.Fatalf("before any request: %s, failed over %v", addr, moved)
	}
	o, err := c.Overview(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if o.Endpoint != liveAddr || !o.FailedOver || o.ClusterName != "c" || hits.Load() != 2 {
		t.Fatalf("overview from %s (failed over %v), %d requests", o.Endpoint, o.FailedOver, hits.Load())
	}
	if got := c.Endpoints(); len(got) != 2 || got[0] != dead {
		t.Fatalf("Endpoints = %v", got)
	}

	// An HTTP error is an answer: never retried on another node.
	broken, brokenHits := countingAPI(t, http.StatusInternalServerError)
	other, otherHits := countingAPI(t, http.StatusOK)
	c, err = New(Config{APIURL: broken.URL + "," + strings.TrimPrefix(other.URL, "http://"), Username: "guest", Password: "guest"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Overview(context.Background()); err == nil || brokenHits.Load() != 1 || otherHits.Load() != 0 {
		t.Fatalf("a 500 went elsewhere: err %v, %d and %d requests", err, brokenHits.Load(), otherHits.Load())
	}
}

func TestAPIEndpointLists(t *testing.T) {
	u, addrs, err := apiEndpoints("https://h1:15671/prefix,h2,https://h3:1/prefix/api", "")
	if err != nil || u.Host != "h1:15671" || strings.Join(addrs, " ") != "h1:15671 h2:443 h3:1" {
		t.Fatalf("got %v %v %v", u, addrs, err)
	}
	for _, bad := range []string{
		"http://u:s3cret@h1,https://h2",    // another scheme
		"http://u:s3cret@h1,http://v@h2",   // another user
		"http://u:s3cret@h1,http://u:x@h2", // another password
		"http://u:s3cret@h1/a,http://h2/b", // another path
		"http://u:s3cret@h1,u:s3cret@h2",   // credentials without a scheme
		"http://u:s3cret@h1,h1:80",         // twice
	} {
		_, err := New(Config{APIURL: bad, Password: "s3cret"})
		if err == nil {
			t.Errorf("accepted %s", bad)
		} else if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error repeats the password: %v", err)
		}
	}
}

func TestUnreachable(t *testing.T) {
	dial := &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}
	reset := &url.Error{Op: "Get", Err: &net.OpError{Op: "read", Err: syscall.ECONNRESET}}
	for _, tc := range []struct {
		err    error
		method string
		want   bool
	}{
		{dial, http.MethodPost, true}, // never sent: safe for a change too
		{reset, http.MethodGet, true},
		{reset, http.MethodPut, false}, // may have been made: never twice
		{errors.New("something else"), http.MethodGet, false},
	} {
		if got := unreachable(tc.err, tc.method); got != tc.want {
			t.Errorf("unreachable(%v, %s) = %v", tc.err, tc.method, got)
		}
	}
}

// A node that accepts and never answers (stopped, overloaded) costs one
// request's time, not every request's: the next request starts at the
// next node. Nothing is sent twice: the hung request is not retried.
func TestClientLeavesAnAPIThatHangs(t *testing.T) {
	release := make(chan struct{})
	var hung atomic.Int32
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hung.Add(1)
		<-release
	}))
	t.Cleanup(stuck.Close)
	t.Cleanup(func() { close(release) })
	live, hits := countingAPI(t, http.StatusOK)
	c, err := New(Config{APIURL: stuck.URL + "," + strings.TrimPrefix(live.URL, "http://"), Username: "guest", Password: "guest"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := c.Overview(ctx); err == nil {
		t.Fatal("a request to a hung node answered")
	}
	if hits.Load() != 0 {
		t.Fatalf("the timed-out request was sent again elsewhere: %d requests", hits.Load())
	}
	if addr, moved := c.Endpoint(); addr != strings.TrimPrefix(live.URL, "http://") || !moved {
		t.Fatalf("after a timeout on the hung node the client still starts at %s", addr)
	}
	o, err := c.Overview(context.Background())
	if err != nil || o.ClusterName != "c" {
		t.Fatalf("the next request: %v", err)
	}
	if hung.Load() != 1 {
		t.Fatalf("the hung node was asked %d times, want once", hung.Load())
	}
}
