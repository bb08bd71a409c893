package broker

import (
	"context"
	"errors"
	"fmt"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"
)

// ErrNotClassic: a queue taken for classic turned out to be another type.
var ErrNotClassic = errors.New("the queue is not the classic queue it was listed as")

// probeGlobal is the one channel-wide prefetch warren asks for, and only
// of brokers before 4.3 (which refuses it): see checkClassic.
const probeGlobal = true

// checkClassic makes sure a queue is classic without the management API,
// on a broker where a requeue raises a quorum message's delivery count
// (before 4.3, which all take a channel-wide prefetch). A consumer with a
// channel-wide prefetch is refused by a quorum queue (a connection error)
// and by a stream (no consumer prefetch), before any message is
// delivered; a classic queue takes it and delivers at most one message,
// which goes back in place when the channel closes, marked redelivered as
// the peek marks every message it reads. A broker that refuses the
// prefetch itself (4.3 taken for older) leaves the type unchecked, and
// the peek is refused.
func (s *Session) checkClassic(ctx context.Context, req PeekRequest) error {
	conn, ch, err := s.vhosts.ownChannel(ctx, req.Vhost, "peek type check")
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := ch.Qos(1, 0, probeGlobal); err != nil {
		return fmt.Errorf("cannot check that queue %q in vhost %q is still classic without the management API (%v), "+
			"so warren does not peek it: %w", req.Queue, req.Vhost, cleanErr(err), ErrNotClassic)
	}
	tag := "warren-check-" + newMessageID()[7:]
	_, err = ch.Consume(req.Queue, tag, false, false, false, false, nil)
	var aerr *amqp.Error
	switch {
	case err == nil:
		_ = ch.Cancel(tag, false)
		return cleanErr(ch.Close()) // a synchronous close: the message is back
	case strings.Contains(err.Error(), "global qos"):
		return fmt.Errorf("queue %q in vhost %q is a quorum queue now, not classic as listed, and without the management API "+
			"warren cannot read its delivery limit, so it does not peek it: %w", req.Queue, req.Vhost, ErrNotClassic)
	case strings.Contains(err.Error(), "consumer prefetch count is not set"):
		return fmt.Errorf("queue %q in vhost %q is a stream now, not classic as listed; peek it again once the management API answers: %w",
			req.Queue, req.Vhost, ErrNotClassic)
	case errors.As(err, &aerr):
		return s.queueErr(req, err)
	}
	return cleanErr(err)
}
