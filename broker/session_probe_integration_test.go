package broker

import (
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warren-tui/warren/internal/brokertest"
)

// linkProxy forwards a loopback port to the test broker and can cut every
// connection and refuse new ones, as a broker that went away would.
type linkProxy struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newLinkProxy(t *testing.T) *linkProxy {
	u, err := url.Parse(brokertest.URI())
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	if _, _, err := net.SplitHostPort(target); err != nil {
		target = net.JoinHostPort(u.Hostname(), "5672")
	}
	p := &linkProxy{t: t, target: target}
	p.listen("127.0.0.1:0")
	t.Cleanup(p.down)
	return p
}

func (p *linkProxy) listen(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, b)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(b, c); b.Close() }()
			go func() { _, _ = io.Copy(c, b); c.Close() }()
		}
	}()
}

// down closes the listener and every forwarded connection.
func (p *linkProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// up listens again on the same port.
func (p *linkProxy) up() { p.listen(p.addr) }

func (p *linkProxy) uri() string {
	u, _ := url.Parse(brokertest.URI())
	u.Host = p.addr
	return u.String()
}

// waitLink reads events until one matches, or fails after 15 s.
func waitLink(t *testing.T, s *Session, what string, match func(LinkEvent) bool) LinkEvent {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case ev := <-s.Events():
			if match(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("no link event: %s", what)
		}
	}
}

// During a long outage the header says down and why, not only
// "reconnecting", and the session comes back by itself when the broker
// does.
func TestSessionSaysWhyTheLinkIsDown(t *testing.T) {
	brokertest.Require(t)
	p := newLinkProxy(t)
	s, err := Open(Config{URI: p.uri(), Name: brokertest.Name("probe"), Retry: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	waitLink(t, s, "up", func(ev LinkEvent) bool { return ev.State == LinkUp })
	p.down()
	waitLink(t, s, "reconnecting", func(ev LinkEvent) bool { return ev.State == LinkReconnecting })
	ev := waitLink(t, s, "down with a reason", func(ev LinkEvent) bool { return ev.State == LinkDown })
	if ev.Err == nil || !strings.Contains(ev.Err.Error(), "AMQP port unreachable") || !strings.Contains(ev.Err.Error(), "retrying every 200ms") ||
		strings.Contains(ev.Err.Error(), "guest:guest") {
		t.Fatalf("down without its reason: %v", ev.Err)
	}
	p.up()
	waitLink(t, s, "up again", func(ev LinkEvent) bool { return ev.State == LinkUp })
}

// A tap whose link drops comes back by itself, counts the resumption (the
// pane marks the gap), and sees what is published after it.
func TestTapResumesAfterTheLinkDropsAndCountsIt(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	ex := brokertest.Name("topic")
	brokertest.DeclareExchange(t, vh, ex, "topic")
	conn := adminConn(t, vh)
	p := newLinkProxy(t)
	s, err := Open(Config{URI: p.uri(), Name: brokertest.Name("tap-resume"), Retry: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	l, err := s.Tap(liveCtx(t), TapSpec{Vhost: vh, Exchange: ex, Kind: "topic"}, LiveOptions{Retry: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	closeLive(t, l)
	publishConfirmed(t, conn, ex, "k", numbered(5, "before")...)
	collect(t, l, 5)
	p.down()
	for deadline := time.Now().Add(10 * time.Second); l.State().State != LiveReconnecting; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the tap did not notice the lost link: %+v", l.State())
		}
	}
	p.up()
	for deadline := time.Now().Add(15 * time.Second); l.State().State != LiveRunning; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the tap did not come back: %+v", l.State())
		}
	}
	if st := l.State(); st.Resumed != 1 {
		t.Fatalf("resumptions %d, want 1", st.Resumed)
	}
	publishConfirmed(t, conn, ex, "k", numbered(5, "after")...)
	got := collect(t, l, 5)
	if string(got[0].Body) != "after 0" {
		t.Fatalf("after the resumption the tap saw %q first", got[0].Body)
	}
}
