package main

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/warren-tui/warren/mgmt"
)

// With an amqps broker on one host and its API on another, the API's
// certificate is checked against the API's host: a real TLS handshake with
// a server whose certificate names 127.0.0.1 (and not the AMQP host)
// succeeds, trusting only the context's ca-file.
func TestAPICertificateIsCheckedAgainstTheAPIHost(t *testing.T) {
	t.Parallel()
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/whoami":
			_, _ = w.Write([]byte(`{"name":"ops","tags":["administrator"]}`))
		default:
			_, _ = w.Write([]byte(`{"cluster_name":"c","rabbitmq_version":"3.10.8","erlang_version":"25","object_totals":{},"queue_totals":{},"message_stats":{}}`))
		}
	}))
	defer api.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: api.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	fc := fileConfig{Contexts: []contextConfig{{Name: "split", URI: "amqps://ops:pw@rabbit.invalid:5671/", API: endpointList(api.URL), TLS: tlsConfig{CAFile: ca}}}}
	s, err := resolve(flagValues{Context: "split"}, fc)
	if err != nil {
		t.Fatal(err)
	}
	c, err := mgmt.New(mgmt.Config{APIURL: s.API, Username: s.Username, Password: s.Password, Timeout: 5 * time.Second, TLS: s.APITLS})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Overview(ctx); err != nil {
		t.Fatalf("the API's certificate should be checked against 127.0.0.1: %v", err)
	}
	// The AMQP side's configuration still expects the AMQP host, so the
	// same certificate is refused there: this is what the API used before.
	wrong, err := mgmt.New(mgmt.Config{APIURL: s.API, Username: s.Username, Password: s.Password, Timeout: 5 * time.Second, TLS: s.TLS})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrong.Overview(ctx); err == nil {
		t.Fatal("a certificate for 127.0.0.1 passed as rabbit.invalid")
	}
}
