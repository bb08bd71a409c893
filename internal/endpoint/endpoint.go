// Package endpoint keeps the endpoints of one service of a cluster (its
// AMQP listeners, or its management APIs) as one ordered list, and says
// which of them warren is using. Every AMQP dial and every management
// request goes through a List, so that when the node warren talks to
// dies, the next dial or request goes to the next node.
package endpoint

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
)

// List is the endpoints (host:port) of one service, in the order given.
// The one that answered last is tried first; the others follow in the
// order given, from the one after it, wrapping round. Safe for
// concurrent use.
type List struct {
	addrs []string

	mu  sync.Mutex
	cur int
}

// New makes a list of host:port addresses; it needs at least one, and
// none twice.
func New(addrs ...string) (*List, error) {
	if len(addrs) == 0 {
		return nil, errors.New("no endpoint")
	}
	seen := map[string]bool{}
	for _, a := range addrs {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return nil, fmt.Errorf("endpoint %q is not host:port", a)
		}
		if seen[a] {
			return nil, fmt.Errorf("endpoint %s is listed twice", a)
		}
		seen[a] = true
	}
	return &List{addrs: append([]string(nil), addrs...)}, nil
}

// Len is how many endpoints the list has.
func (l *List) Len() int { return len(l.addrs) }

// All is every endpoint in the order given.
func (l *List) All() []string { return append([]string(nil), l.addrs...) }

// Current is the endpoint tried first: the one that answered last (the
// first given until one has).
func (l *List) Current() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.addrs[l.cur]
}

// FailedOver says whether warren is on another endpoint than the first
// given: it moved there because the first stopped answering (or never
// did).
func (l *List) FailedOver() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cur != 0
}

// Order is the order to try the endpoints in now: the current one, then
// the ones after it, wrapping round.
func (l *List) Order() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, 0, len(l.addrs))
	for i := range l.addrs {
		out = append(out, l.addrs[(l.cur+i)%len(l.addrs)])
	}
	return out
}

// Answered records that addr answered: it is tried first from now on.
// It returns whether that moved the list to another endpoint.
func (l *List) Answered(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	i := indexOf(l.addrs, addr)
	if i < 0 || i == l.cur {
		return false
	}
	l.cur = i
	return true
}

// Failed records that addr, tried as the current endpoint, did not answer
// in time (it may hang rather than refuse): the next endpoint is tried
// first from now on. It returns whether the list moved.
func (l *List) Failed(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.addrs) < 2 || indexOf(l.addrs, addr) != l.cur {
		return false
	}
	l.cur = (l.cur + 1) % len(l.addrs)
	return true
}

// Try calls attempt with each endpoint in Order until one succeeds, and
// records that one as answering. When every endpoint fails it returns
// the last error (each attempt's error is its own: attempt words it).
// giveUp, when it returns true for an error, stops at once: the endpoint
// answered, and said no (a refused login is refused by every node).
func Try[T any](l *List, attempt func(addr string) (T, error), giveUp func(error) bool) (T, error) {
	var zero T
	var last error
	for _, addr := range l.Order() {
		v, err := attempt(addr)
		if err == nil {
			l.Answered(addr)
			return v, nil
		}
		last = err
		if giveUp != nil && giveUp(err) {
			return zero, err
		}
	}
	return zero, last
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// Split cuts a value that lists several endpoints, separated by commas,
// into its entries (spaces around each are dropped). A comma inside a
// password should be written %2C. When the first piece does not parse
// but the whole value does (a literal comma in the first URI's password,
// as warren took it before lists), the whole value is the one entry.
func Split(raw string, parses func(string) bool) []string {
	if !strings.Contains(raw, ",") {
		return []string{strings.TrimSpace(raw)}
	}
	var out []string
	for _, p := range strings.Split(raw, ",") {
		out = append(out, strings.TrimSpace(p))
	}
	if !parses(out[0]) && parses(raw) {
		return []string{raw}
	}
	return out
}
