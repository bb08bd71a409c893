package ui

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/broker"
	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/mgmt"
)

func shovelTestClients(t *testing.T) (*mgmt.Client, func(ctx context.Context, vhost, queue string) (int, error)) {
	t.Helper()
	u, _ := url.Parse(brokertest.URI())
	pass, _ := u.User.Password()
	c, err := mgmt.New(mgmt.Config{APIURL: brokertest.API(), Username: u.User.Username(), Password: pass})
	if err != nil {
		t.Fatal(err)
	}
	s, err := broker.Open(broker.Config{URI: brokertest.URI(), Name: brokertest.Name("shovel-move")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return c, func(ctx context.Context, vhost, queue string) (int, error) {
		n, _, err := s.QueueDepth(ctx, vhost, queue)
		return n, err
	}
}

// waitNoShovels waits until vhost lists no shovel: a shovel's status may
// linger a moment after its definition went.
func waitNoShovels(t testing.TB, vh string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		list := brokertest.MustDo(t, "GET", "/api/shovels/"+brokertest.Esc(vh), nil)
		if string(list) == "[]" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the shovel is still there: %s", list)
		}
	}
}

func fillQueue(t testing.TB, vh, q string, n int) {
	t.Helper()
	conn, err := amqp.DialConfig(brokertest.URI(), amqp.Config{Vhost: vh})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	var last *amqp.DeferredConfirmation
	for i := range n {
		if last, err = ch.PublishWithDeferredConfirm("", q, false, false, amqp.Publishing{Body: []byte(fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := last.WaitContext(context.Background()); !ok || err != nil {
		t.Fatalf("the last message was not confirmed: %v", err)
	}
}

// A whole-queue move by the broker's shovel, to a queue and to an
// exchange: every message arrives once, the shovel deletes itself, and the
// summary counts them all moved.
func TestShovelMoveOnTheBroker(t *testing.T) {
	brokertest.Require(t)
	c, depth := shovelTestClients(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if ok, err := c.ShovelsEnabled(ctx); err != nil || !ok {
		t.Fatalf("the test broker has no shovel plugin: %v", err)
	}
	vh := brokertest.Vhost(t)
	src, dst := brokertest.Name("src"), brokertest.Name("dst")
	for _, q := range []string{src, dst} {
		brokertest.DeclareQueue(t, vh, q, "")
	}
	const n = 20000
	fillQueue(t, vh, src, n)
	reports := 0
	res, err := runShovelMove(ctx, c, depth, mgmt.ShovelSpec{Vhost: vh, Queue: src, TargetQueue: dst}, func(ops.MoveProgress) { reports++ })
	if err != nil || res.Moved != n || res.DuplicateRisk != 0 || reports == 0 {
		t.Fatalf("%+v, %d reports, %v", res, reports, err)
	}
	if got, _ := depth(ctx, vh, dst); got != n {
		t.Fatalf("the target holds %d, want %d", got, n)
	}
	if got, _ := depth(ctx, vh, src); got != 0 {
		t.Fatalf("the source still holds %d", got)
	}
	waitNoShovels(t, vh)
	t.Logf("%d in %s (%.0f msg/s)", n, res.Took, float64(n)/res.Took.Seconds())
	// A target that does not exist is refused: the shovel would declare
	// it. An exchange is refused: the shovel would drop what it cannot
	// route. Nothing is taken.
	fillQueue(t, vh, src, 10)
	for _, spec := range []mgmt.ShovelSpec{
		{Vhost: vh, Queue: src, TargetQueue: brokertest.Name("missing")},
		{Vhost: vh, Queue: src, Exchange: "amq.direct", RoutingKey: "nowhere"},
	} {
		if _, err := runShovelMove(ctx, c, depth, spec, func(ops.MoveProgress) {}); err == nil {
			t.Fatalf("%+v: started", spec)
		}
	}
	if got, _ := depth(ctx, vh, src); got != 10 {
		t.Fatalf("a refused shovel move took messages: the source holds %d", got)
	}
}

// Stopping a shovel move deletes the shovel: nothing is lost, and no more
// messages are in both queues than the summary says may be.
func TestShovelMoveStopsSafely(t *testing.T) {
	brokertest.Require(t)
	c, depth := shovelTestClients(t)
	vh := brokertest.Vhost(t)
	src, dst := brokertest.Name("src"), brokertest.Name("dst")
	brokertest.DeclareQueue(t, vh, src, "")
	brokertest.DeclareQueue(t, vh, dst, "")
	const n = 100000
	fillQueue(t, vh, src, n)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := runShovelMove(ctx, c, depth, mgmt.ShovelSpec{Vhost: vh, Queue: src, TargetQueue: dst}, func(p ops.MoveProgress) {
		if p.Moved > 0 {
			cancel()
		}
	})
	if err == nil || res.Moved == n {
		t.Skipf("the shovel finished before it could be stopped: %+v", res)
	}
	waitNoShovels(t, vh)
	// The broker requeues what the shovel held as its connection closes.
	var inSrc, inDst int
	for deadline := time.Now().Add(15 * time.Second); inSrc+inDst < n && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		inSrc, _ = depth(context.Background(), vh, src)
		inDst, _ = depth(context.Background(), vh, dst)
	}
	if inSrc+inDst < n || inSrc+inDst-n > res.DuplicateRisk {
		t.Fatalf("source %d + target %d vs %d sent, %d counted as possibly twice: lost or uncounted", inSrc, inDst, n, res.DuplicateRisk)
	}
	t.Logf("stopped at %d moved: source %d, target %d, possibly twice %d", res.Moved, inSrc, inDst, res.DuplicateRisk)
}

// BenchmarkShovelMoveVsMove moves 50,000 messages three ways in one run
// on one broker: warren's client-side move, warren's shovel move, and a
// hand-made dynamic shovel (the same definition, declared directly and
// watched by passive declares), each on a fresh pair and an idle broker,
// the order turned round every other iteration (A B C, C B A):
//
//	go test -run '^$' -bench ShovelMoveVsMove -benchtime 2x ./ui/
func BenchmarkShovelMoveVsMove(b *testing.B) {
	brokertest.Require(b)
	u, _ := url.Parse(brokertest.URI())
	pass, _ := u.User.Password()
	c, err := mgmt.New(mgmt.Config{APIURL: brokertest.API(), Username: u.User.Username(), Password: pass})
	if err != nil {
		b.Fatal(err)
	}
	s, err := broker.Open(broker.Config{URI: brokertest.URI(), Name: brokertest.Name("shovel-bench")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	depth := func(ctx context.Context, vhost, queue string) (int, error) {
		n, _, err := s.QueueDepth(ctx, vhost, queue)
		return n, err
	}
	vh := brokertest.Vhost(b)
	const n = 50_000
	pair := func() (string, string) {
		src, dst := brokertest.Name("src"), brokertest.Name("dst")
		brokertest.DeclareQueue(b, vh, src, "")
		brokertest.DeclareQueue(b, vh, dst, "")
		fillQueue(b, vh, src, n)
		brokertest.WaitIdle()
		return src, dst
	}
	var clientT, shovelT, handT time.Duration
	ctx := context.Background()
	client := func() {
		src, dst := pair()
		start := time.Now()
		res, err := s.Move(ctx, ops.MoveRequest{Vhost: vh, Queue: src, Target: ops.ToQueue, TargetQueue: dst, QueueType: ops.QueueClassic}, nil)
		clientT += time.Since(start)
		if err != nil || res.Moved != n {
			b.Fatalf("move: %v %+v", err, res)
		}
	}
	shovel := func() {
		src, dst := pair()
		start := time.Now()
		res, err := runShovelMove(ctx, c, depth, mgmt.ShovelSpec{Vhost: vh, Queue: src, TargetQueue: dst}, func(ops.MoveProgress) {})
		shovelT += time.Since(start)
		if err != nil || res.Moved != n {
			b.Fatalf("shovel move: %v %+v", err, res)
		}
	}
	hand := func() {
		src, dst := pair()
		name := brokertest.Name("hand-shovel")
		uri := "amqp:///" + brokertest.Esc(vh)
		def := fmt.Sprintf(`{"value":{"src-protocol":"amqp091","src-uri":%q,"src-queue":%q,"dest-protocol":"amqp091","dest-uri":%q,`+
			`"dest-queue":%q,"ack-mode":"on-confirm","src-delete-after":"queue-length"}}`, uri, src, uri, dst)
		path := "/api/parameters/shovel/" + brokertest.Esc(vh) + "/" + brokertest.Esc(name)
		start := time.Now()
		brokertest.MustDo(b, "PUT", path, []byte(def))
		for deadline := start.Add(5 * time.Minute); ; time.Sleep(10 * time.Millisecond) {
			if got, err := depth(ctx, vh, dst); err == nil && got >= n {
				break
			}
			if time.Now().After(deadline) {
				b.Fatal("the hand-made shovel did not finish in 5 minutes")
			}
		}
		handT += time.Since(start)
		_, _, _ = brokertest.Do("DELETE", path, nil)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		sides := []func(){client, shovel, hand}
		if i%2 == 1 {
			sides = []func(){hand, shovel, client}
		}
		for _, side := range sides {
			side()
		}
	}
	rate := func(d time.Duration) float64 { return float64(n*b.N) / d.Seconds() }
	b.ReportMetric(rate(clientT), "client-msg/s")
	b.ReportMetric(rate(shovelT), "warren-shovel-msg/s")
	b.ReportMetric(rate(handT), "hand-shovel-msg/s")
	b.Logf("client-side move %.0f msg/s (%.2fx of the hand-made shovel), warren's shovel move %.0f msg/s (%.2fx), hand-made shovel %.0f msg/s",
		rate(clientT), handT.Seconds()/clientT.Seconds(), rate(shovelT), handT.Seconds()/shovelT.Seconds(), rate(handT))
}
