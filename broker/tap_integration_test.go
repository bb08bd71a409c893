package broker

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
)

// A tap sees every message three kinds of producer send, and the
// exchange's own queue still gets every one of them.
func TestTapSeesAllAndTakesNothing(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	ex, q := brokertest.Name("topic"), brokertest.Name("orders")
	brokertest.DeclareExchange(t, vh, ex, "topic")
	brokertest.DeclareQueue(t, vh, q, "")
	conn := adminConn(t, vh)
	if err := adminChannel(t, conn).QueueBind(q, "order.#", ex, false, nil); err != nil {
		t.Fatal(err)
	}
	s := openTestSession(t, brokertest.URI())
	l, err := s.Tap(liveCtx(t), TapSpec{Vhost: vh, Exchange: ex, Kind: "topic"}, LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	closeLive(t, l)

	publishConfirmed(t, conn, ex, "order.created", numbered(500, "go")...)
	amqpPublish(t, vh, ex, "order.cli", strs(200, "cli"))
	pikaPublish(t, vh, ex, "order.py", strs(200, "py"))
	got := collect(t, l, 900)
	quiet(t, l)

	seen := bodiesOf(got)
	for _, want := range append(append(strs(500, "go"), strs(200, "cli")...), strs(200, "py")...) {
		if seen[want] != 1 {
			t.Fatalf("tap saw %q %d times", want, seen[want])
		}
	}
	if m := got[0]; m.Exchange != ex || m.RoutingKey != "order.created" || m.Vhost != vh || m.Offset != -1 {
		t.Fatalf("first row %+v", m)
	}
	if st := l.Stats(); st.Received != 900 || st.Dropped != 0 {
		t.Fatalf("stats %+v", st)
	}
	if n := depth(t, conn, q); n != 900 {
		t.Fatalf("the exchange's own queue holds %d, want 900", n)
	}
}

// A binding key and a header match narrow what the tap sees.
func TestTapBindingKeyAndHeaders(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	topic, headers := brokertest.Name("topic"), brokertest.Name("headers")
	brokertest.DeclareExchange(t, vh, topic, "topic")
	brokertest.DeclareExchange(t, vh, headers, "headers")
	conn := adminConn(t, vh)
	s := openTestSession(t, brokertest.URI())

	byKey, err := s.Tap(liveCtx(t), TapSpec{Vhost: vh, Exchange: topic, Kind: "topic", Key: "*.eu"}, LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	closeLive(t, byKey)
	byHeader, err := s.Tap(liveCtx(t), TapSpec{Vhost: vh, Exchange: headers, Kind: "headers",
		Args: map[string]any{"x-match": "all", "region": "eu"}}, LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	closeLive(t, byHeader)

	publishConfirmed(t, conn, topic, "order.us", amqp.Publishing{Body: []byte("us")})
	publishConfirmed(t, conn, topic, "order.eu", amqp.Publishing{Body: []byte("eu")})
	publishConfirmed(t, conn, headers, "", amqp.Publishing{Body: []byte("us"), Headers: amqp.Table{"region": "us"}})
	publishConfirmed(t, conn, headers, "", amqp.Publishing{Body: []byte("eu"), Headers: amqp.Table{"region": "eu"}})
	for _, l := range []*Live{byKey, byHeader} {
		got := collect(t, l, 1)
		quiet(t, l)
		if string(got[0].Body) != "eu" {
			t.Fatalf("tap saw %q", got[0].Body)
		}
	}
}

func TestTapDefaultExchangeSaysFirehose(t *testing.T) {
	s := openTestSession(t, "amqp://guest:guest@127.0.0.1:1/") // never dialled
	_, err := s.Tap(liveCtx(t), TapSpec{Vhost: "v", Exchange: ""}, LiveOptions{})
	if !errors.Is(err, ErrTapDefaultExchange) || !strings.Contains(err.Error(), FirehoseExchange) {
		t.Fatalf("err = %v", err)
	}
}

// A missing exchange is a typed error, and the failed tap leaves nothing.
func TestTapMissingExchange(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	s := openTestSession(t, brokertest.URI())
	_, err := s.Tap(liveCtx(t), TapSpec{Vhost: vh, Exchange: "nope", Kind: "topic"}, LiveOptions{})
	if !errors.Is(err, ErrTapExchangeNotFound) {
		t.Fatalf("err = %v", err)
	}
	assertNoTapObjects(t, vh)
}

// Close removes the temporary exchange and queue.
func TestTapCloseRemovesResources(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	ex := brokertest.Name("fanout")
	brokertest.DeclareExchange(t, vh, ex, "fanout")
	s := openTestSession(t, brokertest.URI())
	l, err := s.Tap(liveCtx(t), TapSpec{Vhost: vh, Exchange: ex, Kind: "fanout"}, LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := countTapObjects(t, vh); n != 2 {
		t.Fatalf("%d tap objects while tapping, want an exchange and a queue", n)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if st := l.State(); st.State != LiveClosed {
		t.Fatalf("state after Close: %v", st)
	}
	assertNoTapObjects(t, vh)
}

func countTapObjects(t testing.TB, vh string) int {
	n := 0
	for _, name := range append(apiNames(t, vh, "queues"), apiNames(t, vh, "exchanges")...) {
		if strings.HasPrefix(name, "warren.tap.") || strings.HasPrefix(name, "amq.gen-") {
			n++
		}
	}
	return n
}

func assertNoTapObjects(t testing.TB, vh string) {
	t.Helper()
	if n := countTapObjects(t, vh); n != 0 {
		t.Fatalf("%d tap objects left in vhost %q", n, vh)
	}
}

// With nobody draining, the pump keeps the newest Capacity messages and
// counts the rest as dropped.
func TestTapPumpDropsUnderFloodWhenNotDrained(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	ex := brokertest.Name("fanout")
	brokertest.DeclareExchange(t, vh, ex, "fanout")
	conn := adminConn(t, vh)
	s := openTestSession(t, brokertest.URI())
	l, err := s.Tap(liveCtx(t), TapSpec{Vhost: vh, Exchange: ex, Kind: "fanout"}, LiveOptions{Capacity: 1000})
	if err != nil {
		t.Fatal(err)
	}
	closeLive(t, l)
	publishConfirmed(t, conn, ex, "", numbered(5000, "flood")...)
	for deadline := time.Now().Add(15 * time.Second); l.Stats().Received < 5000 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	st := l.Stats()
	if st.Received != 5000 || st.Dropped != 4000 || st.Buffered != 1000 {
		t.Fatalf("stats %+v, want 5000 received, 4000 dropped", st)
	}
	batch, dropped, total := l.Drain(0)
	if len(batch) != 1000 || string(batch[0].Body) != "flood 4000" || batch[0].Position != 4001 || dropped != 4000 || total != 5000 {
		t.Fatalf("drained %d from %q (#%d), dropped %d of %d", len(batch), batch[0].Body, batch[0].Position, dropped, total)
	}
}

// After the broker kills the connection the tap builds itself again and
// keeps delivering.
func TestTapReconnectsAfterConnectionKill(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	ex := brokertest.Name("fanout")
	brokertest.DeclareExchange(t, vh, ex, "fanout")
	conn := adminConn(t, vh)
	s := openTestSession(t, brokertest.URI())
	var log stateLog
	l, err := s.Tap(liveCtx(t), TapSpec{Vhost: vh, Exchange: ex, Kind: "fanout"},
		LiveOptions{Retry: 200 * time.Millisecond, OnState: log.add})
	if err != nil {
		t.Fatal(err)
	}
	closeLive(t, l)
	publishConfirmed(t, conn, ex, "", numbered(10, "before")...)
	collect(t, l, 10)

	killVhostConns(t, vh, "(tap, vhost ")
	for deadline := time.Now().Add(15 * time.Second); !(log.seen(LiveReconnecting) && l.State().State == LiveRunning); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no reconnect; state %v", l.State())
		}
	}
	publishConfirmed(t, conn, ex, "", numbered(10, "after")...)
	got := collect(t, l, 10)
	if string(got[0].Body) != "after 0" {
		t.Fatalf("first after reconnect: %q", got[0].Body)
	}
	if n := countTapObjects(t, vh); n != 2 {
		t.Fatalf("%d tap objects after reconnect, want 2", n)
	}
}

// The firehose is tapped like any topic exchange once tracing is on: a
// publish to a queue through the default exchange shows up there.
func TestTapFirehose(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	brokertest.MustDo(t, "PUT", "/api/vhosts/"+brokertest.Esc(vh), []byte(`{"tracing":true}`))
	q := brokertest.Name("classic")
	brokertest.DeclareQueue(t, vh, q, "")
	conn := adminConn(t, vh)
	s := openTestSession(t, brokertest.URI())
	l, err := s.Tap(liveCtx(t), TapSpec{Vhost: vh, Exchange: FirehoseExchange, Kind: "topic"}, LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	closeLive(t, l)
	publishConfirmed(t, conn, "", q, numbered(5, "traced")...)
	got := collect(t, l, 5)
	if m := got[0]; string(m.Body) != "traced 0" || m.Exchange != FirehoseExchange || m.RoutingKey != "publish." {
		t.Fatalf("firehose row: %q via %q key %q", m.Body, m.Exchange, m.RoutingKey)
	}
	if n := depth(t, conn, q); n != 5 {
		t.Fatalf("queue holds %d, want 5", n)
	}
}

// Closing the session (quit) ends a live source instead of leaving it
// retrying forever.
func TestTapEndsWithSession(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	ex := brokertest.Name("fanout")
	brokertest.DeclareExchange(t, vh, ex, "fanout")
	s := openTestSession(t, brokertest.URI())
	l, err := s.Tap(liveCtx(t), TapSpec{Vhost: vh, Exchange: ex, Kind: "fanout"}, LiveOptions{Retry: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	for deadline := time.Now().Add(10 * time.Second); l.State().State != LiveClosed; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("state after the session closed: %v", l.State())
		}
	}
	_ = l.Close()
	assertNoTapObjects(t, vh)
}

// A tapped exchange that is deleted takes its bindings with it and the
// broker says nothing to the tap's consumer: the tap finds out by itself
// and fails, naming the exchange, instead of falling silent.
func TestTapFailsWhenItsExchangeIsDeleted(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	ex := brokertest.Name("topic")
	brokertest.DeclareExchange(t, vh, ex, "topic")
	s := openTestSession(t, brokertest.URI())
	l, err := s.Tap(liveCtx(t), TapSpec{Vhost: vh, Exchange: ex, Kind: "topic"}, LiveOptions{Retry: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	closeLive(t, l)
	brokertest.MustDo(t, "DELETE", "/api/exchanges/"+url.PathEscape(vh)+"/"+url.PathEscape(ex), nil)
	deadline := time.Now().Add(checkEvery + 5*time.Second)
	for l.State().State != LiveFailed {
		if time.Now().After(deadline) {
			t.Fatalf("the tap did not notice its exchange was deleted: %v", l.State())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st := l.State(); !errors.Is(st.Err, ErrTapExchangeNotFound) || !strings.Contains(st.Err.Error(), ex) {
		t.Fatalf("the failure should name the missing exchange: %v", st.Err)
	}
	assertNoTapObjects(t, vh)
}
