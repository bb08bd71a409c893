package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/mgmt"
)

// amqp091-go writes headers it refuses to read, and the broker takes them:
// these publishings poison any amqp091-go reader.
func tooDeep(id string) amqp.Publishing {
	var v any = "bottom"
	for range 40 {
		v = amqp.Table{"d": v}
	}
	return amqp.Publishing{MessageId: id, Body: []byte(id), Headers: amqp.Table{"deep": v}}
}

func tooWide(id string) amqp.Publishing {
	arr := make([]any, 9000)
	for i := range arr {
		arr[i] = i%2 == 0
	}
	return amqp.Publishing{MessageId: id, Body: []byte(id), Headers: amqp.Table{"wide": arr}}
}

func good(id string) amqp.Publishing { return amqp.Publishing{MessageId: id, Body: []byte(id)} }

// apiClient is a management API client on the test broker.
func apiClient(t testing.TB) *mgmt.Client {
	t.Helper()
	u, _ := url.Parse(brokertest.URI())
	pass, _ := u.User.Password()
	c, err := mgmt.New(mgmt.Config{APIURL: brokertest.API(), Username: u.User.Username(), Password: pass})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// apiBodies reads the queue's messages through the management API, which
// decodes any header, and gives them back in order.
func apiBodies(t testing.TB, vhost, queue string) []string { return apiBodiesN(t, vhost, queue, 100) }

// apiBodiesN is apiBodies for the first n messages.
func apiBodiesN(t testing.TB, vhost, queue string, n int) []string {
	t.Helper()
	raw := brokertest.MustDo(t, "POST", "/api/queues/"+brokertest.Esc(vhost)+"/"+brokertest.Esc(queue)+"/get",
		[]byte(fmt.Sprintf(`{"count":%d,"ackmode":"ack_requeue_true","encoding":"auto","truncate":1000}`, n)))
	var got []struct {
		Payload string `json:"payload"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(got))
	for i, g := range got {
		out[i] = g.Payload
	}
	return out
}

// A classic queue with two poisoned messages among good ones: the peek
// shows every message in place, the poisoned ones marked undecodable and
// saying what was refused, the queue keeps its order and count, and a tap
// in the same vhost (and the vhost's shared connection) live on.
func TestPeekPastUndecodableMessages(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q, ex := brokertest.Name("poisoned"), brokertest.Name("other")
	brokertest.DeclareQueue(t, vh, q, "")
	brokertest.DeclareExchange(t, vh, ex, "fanout")
	conn := adminConn(t, vh)
	want := []string{"good-1", "good-2", "deep-3", "good-4", "good-5", "wide-6", "good-7"}
	publishConfirmed(t, conn, "", q, good(want[0]), good(want[1]), tooDeep(want[2]), good(want[3]),
		good(want[4]), tooWide(want[5]), good(want[6]))

	s := openTestSession(t, brokertest.URI())
	s.SetHeadReader(apiClient(t))
	tap, err := s.Tap(liveCtx(t), TapSpec{Vhost: vh, Exchange: ex, Kind: "fanout"}, LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	closeLive(t, tap)
	if _, _, err := s.QueueDepth(liveCtx(t), vh, q); err != nil { // the vhost's shared connection is up
		t.Fatal(err)
	}

	res, err := s.Peek(liveCtx(t), PeekRequest{Vhost: vh, Queue: q, Type: QueueClassic, Count: 10})
	if err != nil {
		t.Fatalf("peek: %v", err)
	}
	if len(res.Messages) != len(want) {
		t.Fatalf("peek shows %d messages, want %d: %s", len(res.Messages), len(want), res.Effect)
	}
	for i, m := range res.Messages {
		if string(m.Body) != want[i] || m.Position != i+1 || m.Properties.MessageID != want[i] {
			t.Fatalf("row %d: position %d body %q id %q, want %q", i, m.Position, m.Body, m.Properties.MessageID, want[i])
		}
		bad := strings.HasPrefix(want[i], "deep") || strings.HasPrefix(want[i], "wide")
		if bad != (m.Undecodable != "") {
			t.Fatalf("row %d (%s): undecodable %q", i, want[i], m.Undecodable)
		}
		if m.ViaAPI != (i >= 2) {
			t.Fatalf("row %d: via API %v; rows before the first poisoned one are read over AMQP", i, m.ViaAPI)
		}
	}
	if u := res.Messages[2].Undecodable; !strings.Contains(u, `header "deep.d.d`) || !strings.Contains(u, "nested 33 deep") {
		t.Fatalf("the deep message should say what was refused: %q", u)
	}
	if u := res.Messages[5].Undecodable; !strings.Contains(u, `header "wide" holds 9000 entries`) {
		t.Fatalf("the wide message should say what was refused: %q", u)
	}
	if !strings.Contains(res.Effect, "Message 3 could not be decoded") || !strings.Contains(res.Effect, "management API") {
		t.Fatalf("effect %q", res.Effect)
	}
	t.Log(res.Effect)

	// Nothing lost or reordered, and the other pane still runs.
	eventuallyDepth(t, conn, q, len(want))
	if got := apiBodies(t, vh, q); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("queue after the peek: %q, want %q", got, want)
	}
	if st := tap.State(); st.State != LiveRunning {
		t.Fatalf("the tap in the same vhost: %v", st)
	}
	publishConfirmed(t, conn, ex, "", good("after"))
	if got := collect(t, tap, 1); string(got[0].Body) != "after" {
		t.Fatalf("tap got %q", got[0].Body)
	}
	if _, _, err := s.QueueDepth(liveCtx(t), vh, q); err != nil {
		t.Fatalf("the vhost's shared connection: %v", err)
	}

	// Without the management API the page stops at the poisoned message.
	s.SetHeadReader(nil)
	res, err = s.Peek(liveCtx(t), PeekRequest{Vhost: vh, Queue: q, Type: QueueClassic, Count: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Messages) != 3 || res.Messages[2].Undecodable == "" || res.Messages[2].Position != 3 || res.More {
		t.Fatalf("without the API: %d rows, more %v: %s", len(res.Messages), res.More, res.Effect)
	}
	eventuallyDepth(t, conn, q, len(want))
	if got := apiBodies(t, vh, q); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("queue after the second peek: %q", got)
	}
}

// waitFailed waits until l fails and returns its error.
func waitFailed(t testing.TB, l *Live) error {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if st := l.State(); st.State == LiveFailed {
			return st.Err
		}
		l.Drain(0)
	}
	t.Fatalf("still %v", l.State())
	return nil
}

// A consume that meets a poisoned message ends, naming it, instead of
// reconnecting into it forever. It had acked nothing (a consume settles
// what the screen took, and the connection died in the same burst), so
// the broker put everything back, in order.
func TestConsumeStopsAtUndecodable(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("poisoned")
	brokertest.DeclareQueue(t, vh, q, "")
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, good("a"), good("b"), tooDeep("c"), good("d"))
	s := openTestSession(t, brokertest.URI())
	var log stateLog
	l, err := s.Consume(liveCtx(t), ConsumeSpec{Vhost: vh, Queue: q, Type: QueueClassic, Mode: ConsumeAck}, LiveOptions{OnState: log.add})
	if err != nil {
		t.Fatal(err)
	}
	closeLive(t, l)
	err = waitFailed(t, l)
	var ue *UndecodableError
	if !errors.As(err, &ue) || ue.Position < 1 || ue.Position > 3 || !strings.Contains(err.Error(), "nested deeper than 32") {
		t.Fatalf("error %v", err)
	}
	if log.seen(LiveReconnecting) {
		t.Fatal("a consume must not reconnect into the same message")
	}
	eventuallyDepth(t, conn, q, 4)
	if got := apiBodies(t, vh, q); strings.Join(got, " ") != "a b c d" {
		t.Fatalf("queue after the consume: %q", got)
	}
	t.Log(err)
}

// tooManyHeaders has more top-level headers than amqp091-go reads in one
// table. RabbitMQ 3.10 keeps a stream message's headers in the AMQP 1.0
// format and drops nested tables and arrays on the way, but keeps flat
// ones: this is how a stream there holds a message amqp091-go cannot read.
func tooManyHeaders(id string) amqp.Publishing {
	h := make(amqp.Table, 9000)
	for i := range 9000 {
		h[fmt.Sprintf("h%04d", i)] = "v"
	}
	return amqp.Publishing{MessageId: id, Body: []byte(id), Headers: h}
}

// A stream peek shows the messages before an undecodable one, then a row
// for it with its offset, and says why nothing after it in its chunk can
// be read; a tail ends naming the offset instead of reconnecting into it.
// The stream is unchanged.
func TestStreamReadsStopAtUndecodable(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("stream")
	declareDurable(t, vh, q, `{"x-queue-type":"stream"}`)
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, good("a"), good("b"), tooManyHeaders("c"), good("d"))
	s := openTestSession(t, brokertest.URI())
	res, err := s.Peek(liveCtx(t), PeekRequest{Vhost: vh, Queue: q, Type: QueueStream, From: StreamFrom{Kind: StreamFirst}})
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, m := range res.Messages {
		rows = append(rows, fmt.Sprintf("%s@%d:%t", m.Body, m.Offset, m.Undecodable != ""))
	}
	if got := strings.Join(rows, " "); got != "a@0:false b@1:false @2:true" || !strings.Contains(res.Effect, "offset 2") {
		t.Fatalf("peek rows %q, effect %q", got, res.Effect)
	}
	var log stateLog
	l, err := s.Tail(liveCtx(t), TailSpec{Vhost: vh, Queue: q, From: StreamFrom{Kind: StreamFirst}}, LiveOptions{OnState: log.add})
	if err != nil {
		t.Fatal(err)
	}
	closeLive(t, l)
	err = waitFailed(t, l)
	var ue *UndecodableError
	if !errors.As(err, &ue) || ue.Reader != "tail" || ue.Offset != 2 {
		t.Fatalf("tail error %v", err)
	}
	if log.seen(LiveReconnecting) {
		t.Fatal("a tail must not reconnect into the same message")
	}
	// Read past it by offset: the stream still holds d.
	res, err = s.Peek(liveCtx(t), PeekRequest{Vhost: vh, Queue: q, Type: QueueStream, From: StreamFrom{Kind: StreamOffset, Offset: 3}})
	if err != nil || len(res.Messages) == 0 || string(res.Messages[len(res.Messages)-1].Body) != "d" {
		t.Fatalf("peek from offset 3: %v, %d rows", err, len(res.Messages))
	}
}

// Import and publish never send headers amqp091-go could not read back
// (the UI's scan of an import file refuses such a line before anything
// is published; message.TestReadJSONLErrors names the line).
func TestImportRefusesUnreadableHeaders(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("target")
	brokertest.DeclareQueue(t, vh, q, "")
	var deep any = "x"
	for range 33 {
		deep = map[string]any{"d": deep}
	}
	msgs := []message.Message{{Body: []byte("ok")}, {Body: []byte("bad"), Headers: map[string]any{"h": deep}}}
	s := openTestSession(t, brokertest.URI())
	res, err := s.Import(liveCtx(t), ImportRequest{Vhost: vh, Target: ToQueue, TargetQueue: q}, SliceSource(msgs), nil)
	if !errors.Is(err, message.ErrHeaderLimit) || !strings.Contains(err.Error(), "import: message 2:") {
		t.Fatalf("import: %v", err)
	}
	if res.Published != 1 || len(res.NotPublished) != 1 || res.NotPublished[0] != 1 {
		t.Fatalf("import result %+v", res)
	}
	eventuallyDepth(t, adminConn(t, vh), q, 1)
	_, err = s.PublishMessage(liveCtx(t), vh, "", q, msgs[1])
	if !errors.Is(err, message.ErrHeaderLimit) {
		t.Fatalf("publish: %v", err)
	}
}

// A quorum peek stops its page at the poisoned message and says what the
// connection's end did to the delivery counts; nothing is lost.
func TestQuorumPeekStopsAtUndecodable(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("quorum")
	declareDurable(t, vh, q, `{"x-queue-type":"quorum","x-delivery-limit":5}`)
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, good("q1"), good("q2"), tooDeep("q3"), good("q4"))
	s := openTestSession(t, brokertest.URI())
	s.SetHeadReader(apiClient(t)) // not used for quorum queues: it would charge the counts again
	res, err := s.Peek(liveCtx(t), PeekRequest{Vhost: vh, Queue: q, Type: QueueQuorum, Count: 10, DeliveryLimit: 5, AcceptRisk: true})
	if err != nil {
		t.Fatal(err)
	}
	// amqp091-go drops the deliveries it held when the connection goes,
	// so the page may stop short of the poisoned message, never past it.
	n := len(res.Messages)
	if n < 1 || n > 3 || res.Messages[n-1].Undecodable == "" || res.Messages[n-1].Position != n || res.More {
		t.Fatalf("quorum peek: %d rows, more %v: %s", n, res.More, res.Effect)
	}
	if !strings.Contains(res.Effect, "each delivery count raised by 1 (limit 5)") {
		t.Fatalf("effect %q", res.Effect)
	}
	eventuallyDepth(t, conn, q, 4)
	t.Log(res.Effect)
}

// A move that meets a message amqp091-go cannot decode stops there and
// says so: that message and all after it stay in the source, nothing is
// lost, and the copies that may now exist twice are counted. A second
// A move that meets a message amqp091-go cannot decode stops there: that
// message and all after it stay in the source, in order, and nothing is in
// both queues. Thousands of messages come before it, so when the consumer's
// link dies many moved copies are confirmed but not yet acked, and the
// broker requeues their originals: the move must find them again and ack
// them. In the second case every other message has no origin to return to
// and is held, so the originals to remove lie among ones to keep.
func TestMoveStopsAtUndecodable(t *testing.T) {
	brokertest.Require(t)
	for _, tc := range []struct {
		name string
		held bool
	}{{"all moved", false}, {"every other held", true}} {
		t.Run(tc.name, func(t *testing.T) {
			vh := brokertest.Vhost(t)
			src, dst := brokertest.Name("src"), brokertest.Name("dst")
			brokertest.DeclareQueue(t, vh, src, "")
			brokertest.DeclareQueue(t, vh, dst, "")
			conn := adminConn(t, vh)
			const n = 3000
			msgs := make([]amqp.Publishing, 0, n+3)
			var all, toDst []string // bodies in source order; those with an origin
			for i := range n {
				p := good(fmt.Sprintf("m%04d", i))
				if !tc.held || i%2 == 0 {
					p.Headers = amqp.Table{"x-death": []any{amqp.Table{"queue": dst, "exchange": "", "reason": "rejected",
						"count": int64(1), "routing-keys": []any{dst}}}}
					toDst = append(toDst, string(p.Body))
				}
				msgs = append(msgs, p)
				all = append(all, string(p.Body))
			}
			msgs = append(msgs, tooDeep("bad"), good("after1"), good("after2"))
			all = append(all, "bad", "after1", "after2")
			publishConfirmed(t, conn, "", src, msgs...)
			s := openTestSession(t, brokertest.URI())
			req := MoveRequest{Vhost: vh, Queue: src, Target: ReturnToOrigin, QueueType: QueueClassic}
			// Deliveries amqp091-go had read but not handed over are lost
			// with its connection: each move takes a prefix of what is
			// left, until one meets the poison at once.
			risk, reconciled := 0, 0
			for i := 0; ; i++ {
				res, err := s.Move(moveCtx(t), req, nil)
				t.Logf("move %d: moved %d, found again in the source and acked there %d, possibly twice %d",
					i, res.Moved, res.Reconciled, res.DuplicateRisk)
				risk, reconciled = risk+res.DuplicateRisk, reconciled+res.Reconciled
				if err == nil && i < 20 {
					// It counted fewer messages at its start than there were
					// (the last one's put-back still on its way): go on.
					continue
				}
				if !errors.Is(err, ErrUndecodable) || !strings.Contains(err.Error(), "stay in the source") {
					t.Fatalf("move %d: %v (%+v)", i, err, res)
				}
				if twice := strings.Contains(err.Error(), "may be in both queues"); twice != (res.DuplicateRisk > 0) {
					t.Fatalf("move %d: the error %q does not match the count %d", i, err, res.DuplicateRisk)
				}
				if res.Moved == 0 || i == 20 {
					break
				}
			}
			// Nothing lost, and no copy in both queues (or twice in the
			// target, moved again) that was not counted. The target holds
			// what was moved in order, each once unless counted.
			inSrc := apiBodiesN(t, vh, src, len(all)+1)
			inDst := drainBodies(t, conn, dst)
			seen := map[string]int{}
			for _, b := range append(slices.Clone(inSrc), inDst...) {
				seen[b]++
			}
			extra := 0
			for _, b := range all {
				if seen[b] == 0 {
					t.Fatalf("message %s was lost", b)
				}
				extra += seen[b] - 1
			}
			if extra > risk || len(inSrc)+len(inDst) != len(all)+extra {
				t.Fatalf("%d copies in both queues, %d counted as possibly twice (source %d, target %d, sent %d)",
					extra, risk, len(inSrc), len(inDst), len(all))
			}
			if !slices.IsSorted(slices.Compact(slices.Clone(inDst))) || inSrc[len(inSrc)-3] != "bad" {
				t.Fatalf("order lost: target %v…, source ends %v", inDst[:min(5, len(inDst))], inSrc[max(len(inSrc)-3, 0):])
			}
			if reconciled == 0 {
				t.Log("no moved original was found back in the source this time")
			}
		})
	}
}

// drainBodies takes every message of queue and returns their bodies in
// order.
func drainBodies(t testing.TB, conn *amqp.Connection, queue string) []string {
	t.Helper()
	ch := adminChannel(t, conn)
	var out []string
	for {
		d, ok, err := ch.Get(queue, true)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return out
		}
		out = append(out, string(d.Body))
	}
}

// When a moved original is missing (another consumer took it), the walk
// that looks for it reads past the move's messages and meets the
// undecodable one, which ends its connection: it walks again, exactly as
// far as the messages before it, acks the moved one, keeps the held one in
// place, and counts the missing one as possibly twice.
func TestReconcileWalksAgainBeforeThePoison(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("src")
	brokertest.DeclareQueue(t, vh, q, "")
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, good("x1"), good("x2"), tooDeep("bad"), good("after"))
	m := &mover{req: MoveRequest{Vhost: vh, Queue: q}, seed: maphash.MakeSeed()}
	ch := adminChannel(t, conn)
	var keys []uint64
	for range 2 {
		d, ok, err := ch.Get(q, false)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		keys = append(keys, m.deliveryKey(&d))
	}
	if err := ch.Nack(0, true, true); err != nil {
		t.Fatal(err)
	}
	// x1 moved, its ack never sent; x2 held; x3 moved, its ack never sent
	// either, but another consumer has taken it: the walk reads past x2
	// looking for it and meets the undecodable message.
	m.open = []openEntry{{tag: 1, key: keys[0], state: openPending}, {tag: 2, key: keys[1], state: openHeld},
		{tag: 3, key: keys[0] ^ keys[1], state: openPending}}
	m.res.DuplicateRisk = 2
	dials := 0
	m.reconcile(moveCtx(t), func(context.Context) (*amqp.Connection, error) {
		dials++
		return amqp.DialConfig(brokertest.URI(), amqp.Config{Vhost: vh})
	})
	// x3 stays counted: the move cannot tell where it went.
	if m.res.Reconciled != 1 || m.res.DuplicateRisk != 1 || dials != 2 {
		t.Fatalf("reconciled %d, possibly twice %d, in %d walks; want 1, 1, 2", m.res.Reconciled, m.res.DuplicateRisk, dials)
	}
	if got, want := apiBodies(t, vh, q), []string{"x2", "bad", "after"}; !slices.Equal(got, want) {
		t.Fatalf("source holds %v, want %v", got, want)
	}
}
