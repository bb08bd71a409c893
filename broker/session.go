// Package broker holds warren's AMQP side: the session with the broker and,
// built on it, peek, publish, move, tap and tail. It has no UI imports.
package broker

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// LinkEvent is one change of the session's link state. Err, when set, is
// safe to show: it never contains credentials.
type LinkEvent struct {
	State LinkState
	Err   error
	At    time.Time
}

// Config says how to reach the broker.
type Config struct {
	URI   string
	TLS   *tls.Config // nil: verify against the system roots (amqps only)
	Retry time.Duration
	// Name is advertised to the broker so operators see who is connected.
	Name string
	// ReadOnly refuses, whatever the caller asks, every read that could
	// push a quorum message past its delivery limit and every consume
	// that takes messages: the broker is left as it was.
	ReadOnly bool
}

// Session keeps one AMQP connection open, recovering it through
// amqp091-go's built-in recovery and, if that gives up, by dialling again.
// Its state changes arrive on Events.
type Session struct {
	cfg    Config
	events chan LinkEvent

	mu   sync.Mutex
	conn *amqp.Connection

	vhosts *vhostPool // one plain connection per vhost, plus each reader's own

	headMu sync.Mutex
	head   HeadReader // reads a classic queue's head past an undecodable message
	typer  QueueTyper // tells a queue's type to a move or remove that was not told it

	cancel context.CancelFunc
	done   chan struct{}
}

// ReadOnly says whether the session refuses every read that could push a
// quorum message past its delivery limit and every consume that takes
// messages (Config.ReadOnly).
func (s *Session) ReadOnly() bool { return s.cfg.ReadOnly }

// Open validates the URI and starts connecting in the background; it does
// not wait for the broker. Close it when done.
func Open(cfg Config) (*Session, error) {
	if _, err := ParseURI(cfg.URI); err != nil {
		return nil, err
	}
	if cfg.Retry <= 0 {
		cfg.Retry = 2 * time.Second
	}
	if cfg.Name == "" {
		cfg.Name = "warren"
	}
	vhosts, err := newVhostPool(cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Session{cfg: cfg, events: make(chan LinkEvent, 16), vhosts: vhosts, cancel: cancel, done: make(chan struct{})}
	go s.run(ctx)
	return s, nil
}

// Events delivers link state changes. It is buffered; if the reader falls
// behind, older events are dropped and the newest kept.
func (s *Session) Events() <-chan LinkEvent { return s.events }

// Connection returns the live connection, or nil while there is none.
func (s *Session) Connection() *amqp.Connection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn
}

// Close ends the session and its connections.
func (s *Session) Close() error {
	s.cancel()
	<-s.done
	s.vhosts.close()
	return nil
}

func (s *Session) emit(state LinkState, err error) {
	ev := LinkEvent{State: state, Err: err, At: time.Now()}
	for {
		select {
		case s.events <- ev:
			return
		default:
		}
		select { // full: drop the oldest so the newest state always lands
		case <-s.events:
		default:
		}
	}
}

func (s *Session) run(ctx context.Context) {
	defer close(s.done)
	defer s.emit(LinkClosed, nil)
	s.emit(LinkConnecting, nil)
	for {
		conn, err := s.dial()
		if err != nil {
			s.emit(LinkDown, err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(s.cfg.Retry):
			}
			continue
		}
		s.mu.Lock()
		s.conn = conn
		s.mu.Unlock()
		s.emit(LinkUp, nil)
		s.watch(ctx, conn)
		s.mu.Lock()
		s.conn = nil
		s.mu.Unlock()
		if ctx.Err() != nil {
			_ = conn.Close()
			return
		}
	}
}

// watch relays the connection's recovery states until it closes for good
// or the session ends. amqp091-go's recovery reports no reason until it
// gives up, which it never does here, so while it retries the session
// dials once itself every two retry intervals to say why the link is down
// (port unreachable, login refused, vhost refused, TLS).
func (s *Session) watch(ctx context.Context, conn *amqp.Connection) {
	states := make(chan *amqp.StateChanged, 8)
	conn.NotifyStateChange(states)
	probeEvery := 2 * s.cfg.Retry
	probe := time.NewTicker(probeEvery)
	probe.Stop()
	defer probe.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-probe.C:
			if err := s.probe(); err != nil {
				s.emit(LinkDown, fmt.Errorf("%w; retrying every %s", err, s.cfg.Retry))
			} else {
				s.emit(LinkReconnecting, errors.New("the broker answers again; recovering the connection"))
			}
		case sc, ok := <-states:
			if !ok {
				return
			}
			switch sc.To {
			case amqp.StateReconnecting:
				s.emit(LinkReconnecting, errors.New("connection lost; reconnecting"))
				probe.Reset(probeEvery)
			case amqp.StateOpen:
				probe.Stop()
				s.emit(LinkUp, nil)
			case amqp.StateClosed:
				s.emit(LinkDown, cleanErr(sc.Err))
				return
			}
		}
	}
}

// probe dials the broker once, without recovery, and closes at once: nil
// when it answers, else why not, in cleanErr's words.
func (s *Session) probe() error {
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName(s.cfg.Name + " (probe)")
	conn, err := amqp.DialConfig(s.cfg.URI, amqp.Config{TLSClientConfig: s.cfg.TLS, Properties: props,
		Dial: amqp.DefaultDial(3 * time.Second)})
	if err != nil {
		return cleanErr(err)
	}
	_ = conn.Close()
	return nil
}

func (s *Session) dial() (*amqp.Connection, error) {
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName(s.cfg.Name)
	conn, err := amqp.DialConfig(s.cfg.URI, amqp.Config{
		TLSClientConfig: s.cfg.TLS,
		Properties:      props,
		Heartbeat:       10 * time.Second,
		Dial:            amqp.DefaultDial(5 * time.Second),
		Recovery: &amqp.Recovery{
			// Never give up while the session is open; we show the state instead.
			ReconnectionConfig:   &amqp.ReconnectionConfig{MaxRetryCount: 1 << 30, RetryInterval: s.cfg.Retry},
			TopologyRecoveryMode: amqp.TopologyRecoveryOnlyTransient,
		},
	})
	if err != nil {
		return nil, cleanErr(err)
	}
	return conn, nil
}

// cleanErr turns amqp091-go errors into one readable line without the URI.
func cleanErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err // callers match these; they carry no address or secret
	}
	var aerr *amqp.Error
	if errors.As(err, &aerr) {
		switch aerr.Code {
		case amqp.AccessRefused:
			if strings.Contains(aerr.Reason, "Login was refused") || aerr.Reason == amqp.ErrCredentials.Reason {
				return fmt.Errorf("AMQP login refused: wrong username or password")
			}
			// A channel refused an operation: the login was fine.
			return fmt.Errorf("AMQP access refused: %s", strings.TrimPrefix(aerr.Reason, "ACCESS_REFUSED - "))
		case amqp.NotAllowed:
			return fmt.Errorf("AMQP access to the vhost refused: %s", aerr.Reason)
		}
		if aerr.Code == amqp.FrameError {
			var got, limit int
			if i := strings.Index(aerr.Reason, "{frame_too_large,"); i >= 0 {
				if n, _ := fmt.Sscanf(aerr.Reason[i:], "{frame_too_large,%d,%d}", &got, &limit); n == 2 {
					return fmt.Errorf("AMQP: the broker refused a frame of %d bytes, more than its frame size of %d "+
						"(a message's properties and headers must fit in one frame)", got, limit)
				}
			}
		}
		return fmt.Errorf("AMQP: %s", aerr.Reason)
	}
	var nerr net.Error
	if errors.As(err, &nerr) || errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("AMQP port unreachable: %w", err)
	}
	if errors.Is(err, amqp.ErrSASL) || errors.Is(err, amqp.ErrCredentials) {
		return fmt.Errorf("AMQP login refused: wrong username or password")
	}
	return fmt.Errorf("AMQP: %w", err)
}
