package broker

import (
	"errors"
	"testing"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/message"
)

// A move or import to a queue that does not exist says so, before it
// takes or publishes anything, instead of counting every copy unroutable.
func TestMoveAndImportToAMissingQueue(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	conn := adminConn(t, vh)
	src, missing := brokertest.Name("src"), brokertest.Name("missing")
	brokertest.DeclareQueue(t, vh, src, "")
	fillSeq(t, conn, src, 5)
	s := openTestSession(t, brokertest.URI())

	for _, req := range []MoveRequest{
		{Vhost: vh, Queue: src, Target: ToQueue, TargetQueue: missing},
		{Vhost: vh, Queue: src, Target: ToExchange, Exchange: "", RoutingKey: missing},
	} {
		res, err := s.Move(moveCtx(t), req, func(MoveProgress) {})
		if !errors.Is(err, ErrNoTargetQueue) || res.Unroutable != 0 || res.Moved != 0 {
			t.Fatalf("move %v %q: result %+v, err %v", req.Target, missing, res, err)
		}
	}
	if d := depth(t, conn, src); d != 5 {
		t.Fatalf("the source holds %d, want all 5", d)
	}
	msgs := []message.Message{{Offset: -1, Body: []byte("a")}, {Offset: -1, Body: []byte("b")}}
	res, err := s.Import(moveCtx(t), ImportRequest{Vhost: vh, Target: ToQueue, TargetQueue: missing}, SliceSource(msgs), nil)
	if !errors.Is(err, ErrNoTargetQueue) || res.Unroutable != 0 || res.Published != 0 {
		t.Fatalf("import: result %+v, err %v", res, err)
	}
	// The queue existing, the same requests go through.
	brokertest.DeclareQueue(t, vh, missing, "")
	if res, err := s.Move(moveCtx(t), MoveRequest{Vhost: vh, Queue: src, Target: ToQueue, TargetQueue: missing}, func(MoveProgress) {}); err != nil || res.Moved != 5 {
		t.Fatalf("move to the declared queue: %+v, %v", res, err)
	}
	if res, err := s.Import(moveCtx(t), ImportRequest{Vhost: vh, Target: ToQueue, TargetQueue: missing}, SliceSource(msgs), nil); err != nil || res.Published != 2 {
		t.Fatalf("import to the declared queue: %+v, %v", res, err)
	}
}
