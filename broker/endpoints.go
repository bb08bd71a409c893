package broker

import (
	"context"
	"crypto/tls"
	"net"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/warren-tui/warren/internal/endpoint"
)

// nodes is where the session's connections go: every dial of the session
// (its own connection and amqp091-go's recovery of it, the per-vhost
// connections, each peek's and live pane's, the publishers and a move's)
// goes through one endpoint list, the node that answered last first, so
// that when the node warren talks to dies the next dial goes to another.
type nodes struct {
	list *endpoint.List
	tls  *tls.Config // nil for amqp://
	// dialURI is what amqp091-go is given: the first endpoint's URI with
	// the scheme amqp://, because the TLS handshake happens here, per
	// endpoint, where the host each certificate must name is known.
	dialURI url.URL
}

func newNodes(cfg Config) (*nodes, Endpoints, error) {
	eps, err := ParseEndpoints(cfg.URI)
	if err != nil {
		return nil, eps, err
	}
	list, err := endpoint.New(eps.Addrs...)
	if err != nil {
		return nil, eps, err
	}
	n := &nodes{list: list, dialURI: *eps.URI}
	if eps.URI.Scheme == "amqps" {
		n.tls = cfg.TLS
		if n.tls == nil {
			n.tls = &tls.Config{MinVersion: tls.VersionTLS12} // the system's roots
		}
		n.dialURI.Scheme = "amqp"
	}
	return n, eps, nil
}

// uri is the URI amqp091-go dials, for vhost ("" keeps the first
// endpoint's path). The address in it is never used: dial picks one.
func (n *nodes) uri(vhost string) string {
	u := n.dialURI
	if vhost != "" {
		u.Path = "/" + vhost
		u.RawPath = "/" + url.PathEscape(vhost)
	}
	return u.String()
}

// dial is an amqp.Config.Dial that connects to the endpoints in the
// list's order and hands back the first that answers (TLS done, for
// amqps), recording it as the one to try first. amqp091-go calls it for
// its own recovery too, so a recovering connection moves to another node.
// Each endpoint gets timeout for its TCP and TLS handshake; ctx ends the
// attempt early. connected, when set, hears which endpoint answered.
func (n *nodes) dial(ctx context.Context, timeout time.Duration, connected func(addr string)) func(network, addr string) (net.Conn, error) {
	return func(network, _ string) (net.Conn, error) {
		conn, err := endpoint.Try(n.list, func(addr string) (*endpointConn, error) {
			return n.dialOne(ctx, network, addr, timeout)
		}, func(error) bool { return ctx.Err() != nil })
		if err != nil {
			return nil, err
		}
		if connected != nil {
			connected(conn.addr)
		}
		return conn, nil
	}
}

// dialOne connects to one endpoint and, for amqps, shakes hands with the
// endpoint's own host as the name its certificate must carry (unless the
// configuration names one).
func (n *nodes) dialOne(ctx context.Context, network, addr string, timeout time.Duration) (*endpointConn, error) {
	d := net.Dialer{Timeout: timeout}
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	// Bound the TLS and AMQP handshake; amqp091-go clears it once open.
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		c.Close()
		return nil, err
	}
	if n.tls != nil {
		cfg := n.tls.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName, _, _ = net.SplitHostPort(addr)
		}
		tc := tls.Client(c, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, err
		}
		return &endpointConn{Conn: tc, addr: addr, list: n.list}, nil
	}
	return &endpointConn{Conn: c, addr: addr, list: n.list}, nil
}

// endpointConn remembers which endpoint of the list it reached. A node
// that accepts connections but never completes the AMQP handshake (hung,
// stopped, still booting) is not an answer: a read that fails before
// amqp091-go opened the connection (it clears the deadline then) moves
// the list past the node, so the next dial, amqp091-go's recovery
// included, goes to another.
type endpointConn struct {
	net.Conn
	addr   string
	list   *endpoint.List
	opened atomic.Bool
	failed atomic.Bool
}

func (c *endpointConn) SetDeadline(t time.Time) error {
	if t.IsZero() {
		c.opened.Store(true)
	}
	return c.Conn.SetDeadline(t)
}

func (c *endpointConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil && !c.opened.Load() && c.list != nil && c.failed.CompareAndSwap(false, true) {
		c.list.Failed(c.addr)
	}
	return n, err
}
