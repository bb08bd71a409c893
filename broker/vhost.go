package broker

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Errors that peek (and later publish, move, tap) wrap, so the UI can tell
// the cases apart with errors.Is. Their texts never carry credentials.
var (
	// ErrAccessRefused: the user may not use the vhost or the queue.
	ErrAccessRefused = errors.New("access refused")
	// ErrVhostNotFound: the vhost does not exist (or no longer does).
	ErrVhostNotFound = errors.New("vhost not found")
)

// vhostPool keeps one AMQP connection per vhost, because a connection is
// bound to the vhost it opened. Connections are dialled on first use and
// re-dialled when found dead. They run without amqp091-go's recovery on
// purpose: recovery would reopen a channel the broker closed (after a 404
// or 403) and re-subscribe its consumers behind the caller's back, while
// every user of the pool wants a fresh channel per operation instead.
type vhostPool struct {
	cfg   Config
	base  *url.URL // the session's (first) URI, for its user name
	nodes *nodes   // where to dial: the session's endpoint list

	mu     sync.Mutex
	conns  map[string]*vhostConn
	owned  map[*amqp.Connection]struct{} // readers' own connections, closed with the pool
	closed bool
}

type vhostConn struct {
	mu   sync.Mutex // held while dialling so one vhost is dialled once
	conn *amqp.Connection
}

func newVhostPool(cfg Config) (*vhostPool, error) {
	nodes, eps, err := newNodes(cfg)
	if err != nil {
		return nil, err
	}
	return &vhostPool{cfg: cfg, base: eps.URI, nodes: nodes, conns: map[string]*vhostConn{}, owned: map[*amqp.Connection]struct{}{}}, nil
}

// user is the user name the pool logs in as, for error messages.
func (p *vhostPool) user() string {
	if p.base.User != nil && p.base.User.Username() != "" {
		return p.base.User.Username()
	}
	return "guest" // amqp091-go's default when the URI names no user
}

// channel opens a fresh channel on vhost. The caller closes it.
func (p *vhostPool) channel(ctx context.Context, vhost string) (*amqp.Channel, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errors.New("AMQP session closed")
	}
	vc := p.conns[vhost]
	if vc == nil {
		vc = &vhostConn{}
		p.conns[vhost] = vc
	}
	p.mu.Unlock()

	vc.mu.Lock()
	defer vc.mu.Unlock()
	if vc.conn == nil || vc.conn.IsClosed() {
		conn, err := p.dial(ctx, vhost)
		if err != nil {
			return nil, err
		}
		p.mu.Lock()
		closed := p.closed
		p.mu.Unlock()
		if closed { // the session closed while we dialled
			_ = conn.Close()
			return nil, errors.New("AMQP session closed")
		}
		vc.conn = conn
	}
	ch, err := vc.conn.Channel()
	if err != nil && vc.conn.IsClosed() {
		// The connection died since the check above: dial once more.
		if vc.conn, err = p.dial(ctx, vhost); err != nil {
			return nil, err
		}
		ch, err = vc.conn.Channel()
	}
	if err != nil {
		return nil, cleanErr(err)
	}
	return ch, nil
}

// uriFor is the URI amqp091-go is given for vhost: the session's, with
// vhost as its (escaped) path; nodes.dial picks the endpoint.
func (p *vhostPool) uriFor(vhost string) string { return p.nodes.uri(vhost) }

// own dials a connection for one reader alone (a peek, a live pane), so
// that a message amqp091-go cannot decode, which makes it close the whole
// connection, ends that reader and nothing else. The caller closes it.
func (p *vhostPool) own(ctx context.Context, vhost, purpose string) (*amqp.Connection, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	conn, err := p.dialAs(ctx, vhost, p.cfg.Name+" ("+purpose+", vhost "+vhost+")")
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	if p.closed { // the session closed while we dialled
		p.mu.Unlock()
		_ = conn.Close()
		return nil, errors.New("AMQP session closed")
	}
	p.owned[conn] = struct{}{}
	p.mu.Unlock()
	gone := conn.NotifyClose(make(chan *amqp.Error, 1))
	go func() {
		<-gone
		p.mu.Lock()
		delete(p.owned, conn)
		p.mu.Unlock()
	}()
	return conn, nil
}

// ownChannel is a channel on a connection of its own (see own); closing
// the connection closes the channel.
func (p *vhostPool) ownChannel(ctx context.Context, vhost, purpose string) (*amqp.Connection, *amqp.Channel, error) {
	conn, err := p.own(ctx, vhost, purpose)
	if err != nil {
		return nil, nil, err
	}
	ch, err := conn.Channel()
	if err != nil {
		_ = conn.Close()
		return nil, nil, cleanErr(err)
	}
	return conn, ch, nil
}

func (p *vhostPool) dial(ctx context.Context, vhost string) (*amqp.Connection, error) {
	return p.dialAs(ctx, vhost, p.cfg.Name+" (vhost "+vhost+")")
}

// dialAs dials vhost for reading, advertising name to the broker.
func (p *vhostPool) dialAs(ctx context.Context, vhost, name string) (*amqp.Connection, error) {
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName(name)
	conn, err := amqp.DialConfig(p.uriFor(vhost), amqp.Config{
		Vhost:      vhost,
		Properties: props,
		Heartbeat:  10 * time.Second,
		Dial:       p.nodes.dial(ctx, 5*time.Second, nil),
	})
	if err != nil {
		return nil, p.vhostErr(vhost, err)
	}
	return conn, nil
}

// vhostErr names the user and vhost when the broker refuses the vhost, and
// otherwise falls back to the session's credential-free wording.
func (p *vhostPool) vhostErr(vhost string, err error) error {
	var aerr *amqp.Error
	if errors.Is(err, amqp.ErrVhost) {
		return fmt.Errorf("%w: user %q has no access to vhost %q", ErrAccessRefused, p.user(), vhost)
	}
	if errors.As(err, &aerr) && aerr.Code == amqp.NotAllowed {
		if strings.Contains(aerr.Reason, "not found") {
			return fmt.Errorf("%w: vhost %q does not exist", ErrVhostNotFound, vhost)
		}
		if strings.Contains(aerr.Reason, "refused for user") {
			return fmt.Errorf("%w: user %q has no access to vhost %q", ErrAccessRefused, p.user(), vhost)
		}
	}
	return cleanErr(err)
}

// close closes every connection; channel calls after it fail.
func (p *vhostPool) close() {
	p.mu.Lock()
	p.closed = true
	conns := p.conns
	p.conns = map[string]*vhostConn{}
	owned := p.owned
	p.owned = map[*amqp.Connection]struct{}{}
	p.mu.Unlock()
	for conn := range owned {
		_ = conn.Close()
	}
	for _, vc := range conns {
		vc.mu.Lock()
		if vc.conn != nil {
			_ = vc.conn.Close()
			vc.conn = nil
		}
		vc.mu.Unlock()
	}
}

// VhostChannel opens a fresh AMQP channel on vhost, over a connection
// kept for that vhost (dialled on first use, re-dialled when dead, closed
// with the session). The caller closes the channel. A channel the broker
// closes stays closed: open a new one rather than reuse it.
func (s *Session) VhostChannel(ctx context.Context, vhost string) (*amqp.Channel, error) {
	return s.vhosts.channel(ctx, vhost)
}
