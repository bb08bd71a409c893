package mgmt_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warren-tui/warren/mgmt"
)

// authLog is a listener that records which requests carried credentials.
type authLog struct {
	mu    sync.Mutex
	hits  int
	auths []string
}

func (l *authLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	l.hits++
	if a := r.Header.Get("Authorization"); a != "" {
		l.auths = append(l.auths, a)
	}
	l.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"cluster_name":"evil","rabbitmq_version":"0","erlang_version":"0","object_totals":{},"queue_totals":{},"message_stats":{}}`))
}

func (l *authLog) seen() (hits int, auths []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.hits, append([]string(nil), l.auths...)
}

// An https API that redirects to a plain-http listener on the same host
// (another port) must not get the password sent there, neither by our own
// requests nor by rabbit-hole's; the error says why. A redirect within the
// API's own origin is still followed, with the credentials.
func TestCredentialsNeverFollowARedirectToAnotherOrigin(t *testing.T) {
	t.Parallel()
	plain := &authLog{}
	plainSrv := httptest.NewServer(plain) // http://127.0.0.1:PORT
	defer plainSrv.Close()
	otherTLS := &authLog{}
	otherTLSSrv := httptest.NewTLSServer(otherTLS) // https://127.0.0.1:OTHER
	defer otherTLSSrv.Close()

	var target string // where the API redirects; set per case
	var mu sync.Mutex
	var sameOriginAuth string
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/moved/") {
			mu.Lock()
			sameOriginAuth = r.Header.Get("Authorization")
			mu.Unlock()
			(&authLog{}).ServeHTTP(w, r)
			return
		}
		mu.Lock()
		to := target
		mu.Unlock()
		http.Redirect(w, r, to+r.URL.Path, http.StatusFound)
	}))
	defer api.Close()
	pool := x509.NewCertPool()
	pool.AddCert(api.Certificate())
	pool.AddCert(otherTLSSrv.Certificate())
	c, err := mgmt.New(mgmt.Config{APIURL: api.URL, Username: "ops", Password: "topsecret", Timeout: 5 * time.Second, TLS: &tls.Config{RootCAs: pool}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	for _, to := range []string{plainSrv.URL, otherTLSSrv.URL} {
		mu.Lock()
		target = to
		mu.Unlock()
		_, err := c.Overview(ctx) // our own HTTP path
		var re *mgmt.RedirectError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "redirected to "+to) || !strings.Contains(err.Error(), "credentials were not sent") {
			t.Errorf("redirect to %s: err = %v", to, err)
		}
		if err != nil && strings.Contains(err.Error(), "topsecret") {
			t.Errorf("the error carries the password: %v", err)
		}
		if _, err := c.Vhosts(ctx); !errors.As(err, &re) { // rabbit-hole's path
			t.Errorf("rabbit-hole redirect to %s: err = %v", to, err)
		}
	}
	for name, l := range map[string]*authLog{"plain http": plain, "other https port": otherTLS} {
		if hits, auths := l.seen(); hits != 0 || len(auths) != 0 {
			t.Errorf("the %s listener got %d requests, credentials %q", name, hits, auths)
		}
	}

	mu.Lock()
	target = api.URL + "/moved"
	mu.Unlock()
	if _, err := c.Overview(ctx); err != nil {
		t.Fatalf("a redirect within the API's origin: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.HasPrefix(sameOriginAuth, "Basic ") {
		t.Fatalf("a same-origin redirect lost the credentials: %q", sameOriginAuth)
	}
}
