package broker

import (
	"errors"
	"slices"
	"testing"

	"github.com/warren-tui/warren/internal/brokertest"
)

// A peek whose classic type came from an old listing (the management API
// did not answer) checks the type over AMQP first: a classic queue is
// peeked as usual, in order and kept whole; a queue now quorum or a stream
// is refused before any message is read, so no delivery count rises.
func TestPeekChecksAnUncheckedClassicType(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	classic, quorum, stream := brokertest.Name("classic"), brokertest.Name("quorum"), brokertest.Name("stream")
	brokertest.DeclareQueue(t, vh, classic, "")
	declareDurable(t, vh, quorum, `{"x-queue-type":"quorum","x-delivery-limit":1}`)
	declareDurable(t, vh, stream, `{"x-queue-type":"stream"}`)
	conn := adminConn(t, vh)
	for _, q := range []string{classic, quorum, stream} {
		publishConfirmed(t, conn, "", q, good("a"), good("b"), good("c"))
	}
	s := openTestSession(t, brokertest.URI())
	res, err := s.Peek(liveCtx(t), PeekRequest{Vhost: vh, Queue: classic, Type: QueueClassic, TypeUnchecked: true})
	if err != nil || len(res.Messages) != 3 {
		t.Fatalf("classic: %v, %d messages", err, len(res.Messages))
	}
	if got := apiBodies(t, vh, classic); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("classic holds %v after the peek", got)
	}
	for _, q := range []string{quorum, stream} {
		_, err := s.Peek(liveCtx(t), PeekRequest{Vhost: vh, Queue: q, Type: QueueClassic, TypeUnchecked: true})
		if !errors.Is(err, ErrNotClassic) {
			t.Fatalf("%s peeked as classic: %v", q, err)
		}
	}
	// Nothing was delivered, so nothing was requeued: a quorum peek of the
	// same messages finds no delivery count raised.
	res, err = s.Peek(liveCtx(t), PeekRequest{Vhost: vh, Queue: quorum, Type: QueueQuorum, DeliveryLimit: 1, AcceptRisk: true})
	if err != nil || len(res.Messages) != 3 {
		t.Fatalf("quorum: %v, %d messages", err, len(res.Messages))
	}
	for _, m := range res.Messages {
		if m.Redelivered {
			t.Fatalf("message %s was delivered before: the check read it", m.Body)
		}
	}
}
