package broker

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/message"
)

func openPublisher(t *testing.T, vh string) *Publisher {
	t.Helper()
	s := openTestSession(t, brokertest.URI())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := s.OpenPublisher(ctx, vh, PublisherOptions{Window: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func publishWait(t *testing.T, p *Publisher, exchange, key string, m message.Message) PublishResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := p.Publish(ctx, exchange, key, m)
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Each outcome the broker can give, told apart per message, with returns
// matched among many messages in flight at once.
func TestPublishOutcomes(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q, full, ex := brokertest.Name("q"), brokertest.Name("full"), brokertest.Name("ex")
	brokertest.DeclareQueue(t, vh, q, "")
	brokertest.DeclareQueue(t, vh, full, `{"x-max-length":0,"x-overflow":"reject-publish"}`)
	brokertest.DeclareExchange(t, vh, ex, "direct") // no bindings: nothing routes
	p := openPublisher(t, vh)

	res := publishWait(t, p, "", q, message.Message{Body: []byte("a"), Headers: map[string]any{"k": "v"}})
	if res.Outcome != Confirmed || res.MessageID == "" {
		t.Fatalf("to a queue: %+v", res)
	}
	res = publishWait(t, p, ex, "nowhere", message.Message{Body: []byte("b"), Properties: message.Properties{MessageID: "own"}})
	if res.Outcome != Returned || res.ReplyCode != 312 || res.MessageID != "own" {
		t.Fatalf("unroutable: %+v", res)
	}
	if res = publishWait(t, p, "", full, message.Message{Body: []byte("c")}); res.Outcome != Nacked {
		t.Fatalf("to a full reject-publish queue: %+v", res)
	}

	// Interleaved routable and unroutable, some sharing an id: every
	// receipt gets its own message's outcome.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var receipts []*Receipt
	for i := 0; i < 200; i++ {
		exchange, key := "", q
		if i%3 == 0 {
			exchange, key = ex, "nowhere"
		}
		id := ""
		if i%10 == 0 {
			id = "same"
		}
		r, err := p.Publish(ctx, exchange, key, message.Message{Body: []byte{byte(i)}, Properties: message.Properties{MessageID: id}})
		if err != nil {
			t.Fatal(err)
		}
		receipts = append(receipts, r)
	}
	for i, r := range receipts {
		res, err := r.Wait(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := Confirmed
		if i%3 == 0 {
			want = Returned
		}
		if res.Outcome != want {
			t.Fatalf("message %d: %v, want %v", i, res.Outcome, want)
		}
	}
	conn := adminConn(t, vh)
	if n := depth(t, conn, q); n != 1+133 {
		t.Fatalf("queue holds %d, want %d", n, 134)
	}
	got := drain(t, conn, q, nil)
	if got[0].Headers["k"] != "v" || got[0].MessageId == "" {
		t.Fatalf("first message arrived as %+v", got[0])
	}
}

// A blocked connection makes Publish wait and then give up with ErrBlocked
// when ctx ends, never hang. The alarm itself cannot be raised on a shared
// broker, so the test plays connection.blocked's part.
func TestPublishBlockedGivesUp(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("q")
	brokertest.DeclareQueue(t, vh, q, "")
	p := openPublisher(t, vh)
	p.bmu.Lock()
	p.unblocked, p.reason = make(chan struct{}), "low on memory"
	p.bmu.Unlock()
	if blocked, reason := p.Blocked(); !blocked || reason != "low on memory" {
		t.Fatalf("Blocked() = %v %q", blocked, reason)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := p.Publish(ctx, "", q, message.Message{Body: []byte("x")})
	if !errors.Is(err, ErrBlocked) {
		t.Fatalf("err = %v, want ErrBlocked", err)
	}
	p.bmu.Lock()
	close(p.unblocked)
	p.unblocked = nil
	p.bmu.Unlock()
	if res := publishWait(t, p, "", q, message.Message{Body: []byte("y")}); res.Outcome != Confirmed {
		t.Fatalf("after unblock: %+v", res)
	}
}

// Closing the publisher settles what is still in flight, and later
// publishes fail plainly.
func TestPublishAfterClose(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	p := openPublisher(t, vh)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Publish(context.Background(), "", "q", message.Message{}); !errors.Is(err, ErrPublisherClosed) {
		t.Fatalf("err = %v", err)
	}
}

// A publish the broker refuses over the message itself is said to be
// refused, with the broker's reason, not in doubt, and not a login error.
func TestPublishMessageRefusedSaysWhy(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("classic")
	brokertest.DeclareQueue(t, vh, q, "")
	user, pass := createUser(t, vh, "^$", "^$", ".*") // may read, may not write
	ro := openTestSession(t, userURI(t, user, pass))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := ro.PublishMessage(ctx, vh, "", q, message.Message{Body: []byte("x")})
	if err != nil || res.Outcome != Refused || res.Err == nil ||
		!strings.Contains(res.Err.Error(), "access refused: access to exchange 'amq.default'") || strings.Contains(res.Err.Error(), "password") {
		t.Fatalf("publish without write permission: %+v, %v", res, err)
	}

	s := openTestSession(t, brokertest.URI())
	huge := map[string]any{"big": strings.Repeat("h", 200_000)} // a header frame past frame_max
	res, err = s.PublishMessage(ctx, vh, "", q, message.Message{Body: []byte("x"), Headers: huge})
	if err == nil && res.Outcome == Confirmed {
		t.Fatal("a header frame past frame_max was confirmed")
	}
	if err == nil && res.Outcome == InDoubt {
		t.Fatalf("a header the broker refuses is reported in doubt: %+v", res)
	}
	if err != nil || res.Outcome != Refused || !strings.Contains(res.Err.Error(), "the broker refused a frame of 2000") || !strings.Contains(res.Err.Error(), "more than its frame size of 131064") {
		t.Fatalf("oversized header: %+v, %v", res, err)
	}
	if n := depth(t, adminConn(t, vh), q); n != 0 {
		t.Fatalf("queue holds %d after refused publishes", n)
	}
}
