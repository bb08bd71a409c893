package broker

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/message"
)

// waitEnded waits until a live source stops running and returns how it
// ended.
func waitEnded(t testing.TB, l *Live) LiveStatus {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if st := l.State(); st.State != LiveRunning {
			return st
		}
	}
	t.Fatalf("still running: %+v", l.State())
	return LiveStatus{}
}

func openReadOnlySession(t testing.TB) *Session {
	t.Helper()
	s, err := Open(Config{URI: brokertest.URI(), Name: brokertest.Name("read-only"), ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// A browse of a classic queue shows each message once, gives them all
// back in order and ends, instead of spinning through the same messages.
func TestBrowseClassicTakesEachOnce(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("classic")
	brokertest.DeclareQueue(t, vh, q, "")
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, numbered(30, "m")...)
	s := openTestSession(t, brokertest.URI())
	l, err := s.Consume(liveCtx(t), ConsumeSpec{Vhost: vh, Queue: q, Type: QueueClassic, Mode: ConsumeNackRequeue}, LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	closeLive(t, l)
	st := waitEnded(t, l)
	if st.State != LiveDone || !strings.Contains(st.Note, "Took 30 messages and returned them to the queue in order") ||
		!strings.Contains(st.Note, "all the queue had to give") {
		t.Fatalf("browse ended %v: %q (%v)", st.State, st.Note, st.Err)
	}
	got, _, total := l.Drain(0)
	if total != 30 || len(got) != 30 {
		t.Fatalf("browse showed %d messages (%d received), want each of 30 once", len(got), total)
	}
	for i, m := range got {
		if want := fmt.Sprintf("m %d", i); string(m.Body) != want {
			t.Fatalf("row %d: %q, want %q", i, m.Body, want)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if _, _, total := l.Drain(0); total != 30 {
		t.Fatalf("the browse went on reading after it ended: %d received", total)
	}
	back := drain(t, conn, q, nil)
	if len(back) != 30 {
		t.Fatalf("queue holds %d after the browse, want 30", len(back))
	}
	for i, d := range back {
		if want := fmt.Sprintf("m %d", i); string(d.Body) != want || !d.Redelivered {
			t.Fatalf("after the browse, message %d: %q redelivered %v, want %q redelivered", i, d.Body, d.Redelivered, want)
		}
	}
}

// On a quorum queue with a delivery limit of 2, a browse runs only with
// consent for that browse, a read-only session never runs it, and each
// browse raises every count by exactly 1 and says what the broker did.
func TestBrowseQuorumDeliveryLimit(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("quorum")
	declareDurable(t, vh, q, `{"x-queue-type":"quorum","x-delivery-limit":2}`)
	conn := adminConn(t, vh)
	publishConfirmed(t, conn, "", q, numbered(5, "qq")...)
	s := openTestSession(t, brokertest.URI())
	ro := openReadOnlySession(t)
	spec := ConsumeSpec{Vhost: vh, Queue: q, Type: QueueQuorum, Mode: ConsumeNackRequeue, DeliveryLimit: 2}

	if _, err := s.Consume(liveCtx(t), spec, LiveOptions{}); !errors.Is(err, ErrDeliveryLimitRisk) {
		t.Fatalf("browse without consent: %v", err)
	}
	accepted := spec
	accepted.AcceptRisk = true
	for _, mode := range []ConsumeMode{ConsumeNackRequeue, ConsumeAck, ConsumeReject} {
		sp := accepted
		sp.Mode = mode
		if l, err := ro.Consume(liveCtx(t), sp, LiveOptions{}); err == nil || !strings.HasPrefix(err.Error(), "read-only") {
			if l != nil {
				_ = l.Close()
			}
			t.Fatalf("read-only %s browse: %v", mode, err)
		}
	}
	if _, err := ro.Peek(liveCtx(t), PeekRequest{Vhost: vh, Queue: q, Type: QueueQuorum, DeliveryLimit: 2, AcceptRisk: true}); !errors.Is(err, ErrReadOnlyRisk) {
		t.Fatalf("read-only peek: %v", err)
	}

	browse := func(wantCount int64) LiveStatus {
		t.Helper()
		l, err := s.Consume(liveCtx(t), accepted, LiveOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		st := waitEnded(t, l)
		got, _, _ := l.Drain(0)
		if len(got) != 5 {
			t.Fatalf("browse showed %d, want 5 (%+v)", len(got), st)
		}
		for i, m := range got {
			n, _ := message.DeliveryCount(m.Headers)
			if string(m.Body) != fmt.Sprintf("qq %d", i) || n != wantCount {
				t.Fatalf("row %d: %q with delivery count %d, want qq %d with %d", i, m.Body, n, i, wantCount)
			}
		}
		return st
	}
	// The refusals read nothing: the first browse sees count 0.
	st := browse(0)
	if st.State != LiveDone || !strings.Contains(st.Note, "delivery count went up by 1 (limit 2)") || strings.Contains(st.Note, "passed the limit") {
		t.Fatalf("first browse: %+v", st)
	}
	eventuallyDepth(t, conn, q, 5)
	st = browse(1)
	if st.State != LiveDone || strings.Contains(st.Note, "passed the limit") {
		t.Fatalf("second browse: %+v", st)
	}
	eventuallyDepth(t, conn, q, 5)
	// The person accepted this one too: it pushes all five past the
	// limit, and the note says so.
	st = browse(2)
	if st.State != LiveDone || !strings.Contains(st.Note, "5 of them passed the limit") {
		t.Fatalf("third browse: %+v", st)
	}
	eventuallyDepth(t, conn, q, 0)
}

// The consumes that take messages from a limited quorum queue start only
// with consent, and then take exactly what is there.
func TestConsumeTakingQuorumNeedsConsent(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	s := openTestSession(t, brokertest.URI())
	for _, mode := range []ConsumeMode{ConsumeAck, ConsumeReject} {
		q := brokertest.Name("quorum")
		declareDurable(t, vh, q, `{"x-queue-type":"quorum","x-delivery-limit":2}`)
		conn := adminConn(t, vh)
		publishConfirmed(t, conn, "", q, numbered(5, "qq")...)
		spec := ConsumeSpec{Vhost: vh, Queue: q, Type: QueueQuorum, Mode: mode, DeliveryLimit: 2}
		if _, err := s.Consume(liveCtx(t), spec, LiveOptions{}); !errors.Is(err, ErrDeliveryLimitRisk) {
			t.Fatalf("%s without consent: %v", mode, err)
		}
		eventuallyDepth(t, conn, q, 5)
		spec.AcceptRisk = true
		l, err := s.Consume(liveCtx(t), spec, LiveOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := collect(t, l, 5); len(got) != 5 {
			t.Fatalf("%s took %d", mode, len(got))
		}
		eventuallyDepth(t, conn, q, 0)
		_ = l.Close()
	}
}
