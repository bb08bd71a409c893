package broker

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
)

func TestParseEndpoints(t *testing.T) {
	eps, err := ParseEndpoints("amqp://bob:s3cret@h1:5681/orders, h2:5682,amqp://bob@h3/orders,amqp://h4:1")
	if err != nil {
		t.Fatal(err)
	}
	if eps.URI.Host != "h1:5681" || eps.First != "amqp://bob:s3cret@h1:5681/orders" ||
		!slices.Equal(eps.Addrs, []string{"h1:5681", "h2:5682", "h3:5672", "h4:1"}) {
		t.Fatalf("got %+v", eps)
	}
	if eps, err := ParseEndpoints("amqps://h1,h2"); err != nil || !slices.Equal(eps.Addrs, []string{"h1:5671", "h2:5671"}) {
		t.Fatalf("amqps default port: %+v %v", eps, err)
	}
	// A literal comma in a password still works for a single URI.
	if eps, err := ParseEndpoints("amqp://bob:a,b@h1/"); err != nil || len(eps.Addrs) != 1 {
		t.Fatalf("comma in password: %+v %v", eps, err)
	}
	for _, bad := range []string{
		"amqp://bob:s3cret@h1/,amqps://h2",          // another scheme
		"amqp://bob:s3cret@h1/,amqp://eve@h2",       // another user
		"amqp://bob:s3cret@h1/,amqp://bob:other@h2", // another password
		"amqp://bob:s3cret@h1/v,amqp://h2/w",        // another vhost
		"amqp://bob:s3cret@h1/,h1",                  // twice
		"amqp://bob:s3cret@h1/,h2:99999",            // a bad port
		"amqp://bob:s3cret@h1/,bob:s3cret@h2",       // credentials without a scheme
		"http://bob:s3cret@h1/,h2",                  // not AMQP
	} {
		_, err := ParseEndpoints(bad)
		if err == nil {
			t.Errorf("accepted %s", Redact(bad))
			continue
		}
		if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "other") {
			t.Errorf("error repeats a password: %v", err)
		}
	}
	if got := Redact("amqp://bob:s3cret@h1:5681/,h2:5682"); got != "amqp://bob:xxxxx@h1:5681/,h2:5682" {
		t.Errorf("Redact = %s", got)
	}
}

// TestNodesDialMovesOn: a dial goes to the endpoint that answered last,
// and past one that refuses to the next, remembering it.
func TestNodesDialMovesOn(t *testing.T) {
	up, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	go func() {
		for {
			c, err := up.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	down, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := down.Addr().String()
	down.Close() // nothing listens there now: connection refused

	n, _, err := newNodes(Config{URI: "amqp://guest:guest@" + deadAddr + "/," + up.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	var got string
	conn, err := n.dial(context.Background(), time.Second, func(addr string) { got = addr })("tcp", "ignored:1")
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if got != up.Addr().String() || n.list.Current() != got || !n.list.FailedOver() {
		t.Fatalf("connected to %s, current %s", got, n.list.Current())
	}
	// The URI amqp091-go is given keeps the vhost and credentials; TLS is
	// done by dial, so its scheme is amqp.
	if u := n.uri("a/b"); !strings.HasPrefix(u, "amqp://guest:guest@") || !strings.HasSuffix(u, "/a%2Fb") {
		t.Fatalf("uri = %s", Redact(u))
	}
	tn, _, err := newNodes(Config{URI: "amqps://guest@h1,h2"})
	if err != nil || tn.tls == nil || !strings.HasPrefix(tn.uri(""), "amqp://") {
		t.Fatalf("amqps: %v %v", err, tn)
	}
	// Nothing answers: the last refusal, and a context that ends stops.
	n2, _, _ := newNodes(Config{URI: "amqp://" + deadAddr + "/"})
	if _, err := n2.dial(context.Background(), time.Second, nil)("tcp", ""); err == nil {
		t.Fatal("dialled a closed port")
	}
}

// With amqps each endpoint's certificate is checked against that
// endpoint's own host (unless the configuration names one): the test
// server's certificate names 127.0.0.1, not localhost.
func TestNodesDialChecksEachEndpointsOwnName(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	cfg := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	dial := func(uri string, cfg *tls.Config) error {
		n, _, err := newNodes(Config{URI: uri, TLS: cfg})
		if err != nil {
			return err
		}
		c, err := n.dial(context.Background(), 5*time.Second, nil)("tcp", "")
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := dial(fmt.Sprintf("amqps://u@127.0.0.1:%d/", port), cfg); err != nil {
		t.Fatalf("127.0.0.1, which the certificate names: %v", err)
	}
	if err := dial(fmt.Sprintf("amqps://u@localhost:%d/", port), cfg); err == nil {
		t.Fatal("localhost passed with a certificate for 127.0.0.1")
	}
	// A dead first endpoint, then this one: checked against its own name.
	if err := dial(fmt.Sprintf("amqps://u@localhost:1/,127.0.0.1:%d", port), cfg); err != nil {
		t.Fatalf("the second endpoint, 127.0.0.1: %v", err)
	}
	// A configured server name is checked on every endpoint.
	named := cfg.Clone()
	named.ServerName = "example.com" // the test certificate's other name
	if err := dial(fmt.Sprintf("amqps://u@localhost:%d/", port), named); err != nil {
		t.Fatalf("server-name example.com: %v", err)
	}
	named.ServerName = "rabbit.invalid"
	if err := dial(fmt.Sprintf("amqps://u@127.0.0.1:%d/", port), named); err == nil {
		t.Fatal("server-name rabbit.invalid passed")
	}
	if cfg.ServerName != "" {
		t.Fatal("dial changed the caller's TLS configuration")
	}
}

// A node that accepts connections and never speaks AMQP (hung, stopped)
// is left: the dial that met it fails at its handshake timeout, and the
// next dial goes to the next node, where the connection opens.
func TestNodesLeaveANodeThatNeverHandshakes(t *testing.T) {
	brokertest.Require(t)
	hung, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hung.Close()
	held := make(chan net.Conn, 16)
	defer func() {
		for len(held) > 0 {
			(<-held).Close()
		}
	}()
	go func() {
		for {
			c, err := hung.Accept()
			if err != nil {
				return
			}
			held <- c // accepted, never answered
		}
	}()
	u, err := url.Parse(brokertest.URI())
	if err != nil {
		t.Fatal(err)
	}
	n, _, err := newNodes(Config{URI: "amqp://" + u.User.String() + "@" + hung.Addr().String() + "/," + u.Host})
	if err != nil {
		t.Fatal(err)
	}
	cfg := amqp.Config{Dial: n.dial(context.Background(), 500*time.Millisecond, nil)}
	if c, err := amqp.DialConfig(n.uri(""), cfg); err == nil {
		c.Close()
		t.Fatal("a connection opened through a node that never speaks AMQP")
	}
	if n.list.Current() != u.Host {
		t.Fatalf("after a handshake timeout the list still starts at %s", n.list.Current())
	}
	c, err := amqp.DialConfig(n.uri(""), cfg)
	if err != nil {
		t.Fatalf("the next dial: %v", err)
	}
	c.Close()
	if n.list.Current() != u.Host {
		t.Fatalf("an opened connection moved the list to %s", n.list.Current())
	}
}
