//go:build linux

package mgmt

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// blackholeAddr is a local address whose dials hang, as a crashed host's
// do (its SYNs go unanswered): a listener that never accepts, whose accept
// queue is full.
func blackholeAddr(t *testing.T) string {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Skip(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Skip(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Skip(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
	for range 8 {
		c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return addr
		}
		if err != nil {
			t.Skip(err)
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Skip("could not make a dial hang")
	return ""
}

// A node whose host died answers nothing, not even a refusal: its dial
// must give up in time for the next node to be asked within the request's
// timeout, or warren never fails over from it.
func TestClientFailsOverFromAnAPIThatNeverAnswers(t *testing.T) {
	live, hits := countingAPI(t, 200)
	liveAddr := strings.TrimPrefix(live.URL, "http://")
	dead := blackholeAddr(t)
	c, err := New(Config{APIURL: "http://" + dead + "," + liveAddr, Username: "guest", Password: "guest", Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	o, err := c.Overview(context.Background())
	if err != nil {
		t.Fatalf("overview: %v", err)
	}
	if o.Endpoint != liveAddr || !o.FailedOver || hits.Load() != 2 {
		t.Fatalf("overview from %s (failed over %v), %d requests", o.Endpoint, o.FailedOver, hits.Load())
	}
}
