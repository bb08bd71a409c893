package broker

import (
	"cmp"
	"context"
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/message"
)

// Tail follows a stream from From on. Reading a stream removes nothing.
// After a lost connection it resumes at the offset after the last one
// seen, so nothing is shown twice or skipped.
func (s *Session) Tail(ctx context.Context, spec TailSpec, opts LiveOptions) (*Live, error) {
	if _, err := streamOffsetArg(spec.From); err != nil {
		return nil, err
	}
	return s.startLive(ctx, spec.Vhost, &tailSource{s: s, spec: spec, from: spec.From}, opts)
}

type tailSource struct {
	s    *Session
	spec TailSpec
	from StreamFrom // where the next open starts: moves on as offsets arrive
}

func (t *tailSource) setup(_ context.Context, ch *amqp.Channel, prefetch int) error {
	return setupQueue(t.s, ch, PeekRequest{Vhost: t.spec.Vhost, Queue: t.spec.Queue, Type: QueueStream}, prefetch)
}

// setupQueue checks that the queue exists (so a paused start still fails
// at once) and sets the prefetch, which streams require.
func setupQueue(s *Session, ch *amqp.Channel, req PeekRequest, prefetch int) error {
	if _, err := ch.QueueDeclarePassive(req.Queue, false, false, false, false, nil); err != nil {
		return s.queueErr(req, err)
	}
	if err := ch.Qos(prefetch, 0, false); err != nil {
		return liveErr(err)
	}
	return nil
}

func (t *tailSource) consume(ch *amqp.Channel) (<-chan amqp.Delivery, error) {
	arg, err := streamOffsetArg(t.from)
	if err != nil {
		return nil, err
	}
	ds, err := ch.Consume(t.spec.Queue, "warren-tail-"+tapRandom(), false, false, false, false,
		amqp.Table{"x-stream-offset": arg})
	if err != nil {
		return nil, t.s.queueErr(PeekRequest{Vhost: t.spec.Vhost, Queue: t.spec.Queue, Type: QueueStream}, err)
	}
	return ds, nil
}

func (t *tailSource) convert(d amqp.Delivery) (message.Message, bool) {
	off, hasOff := headerInt(d.Headers, "x-stream-offset")
	if hasOff && t.from.Kind == StreamOffset && off < t.from.Offset {
		return message.Message{}, false // the broker starts at the chunk holding the offset
	}
	m := fromDelivery(d, t.spec.Vhost, t.spec.Queue, 0)
	if hasOff {
		m.Offset = off
		t.from = StreamFrom{Kind: StreamOffset, Offset: off + 1}
	}
	return m, true
}

// settle grants the stream credit; it removes nothing.
func (t *tailSource) settle(ch *amqp.Channel, tag uint64) error { return ch.Ack(tag, true) }

func (t *tailSource) close(*amqp.Channel) {}

func (t *tailSource) name() (string, string) { return "tail", t.spec.Queue }

func (t *tailSource) permanent(err error) bool { return isPermanentAMQP(err) }

// lossless: a stream keeps every entry, so the pane may drop.
func (t *tailSource) lossless() bool { return false }

// check: a deleted stream cancels the consumer; nothing to look for.
func (t *tailSource) check(context.Context) error { return nil }

// Consume reads a classic or quorum queue as an ordinary consumer and
// settles every message in Mode: destructive for ConsumeAck and
// ConsumeReject, so the UI asks first. Messages are settled only after
// they are in the pump, and Pause stops reading, so a pause takes nothing.
// ConsumeNackRequeue is a browse (see Browse). A read-only session
// refuses the destructive modes.
func (s *Session) Consume(ctx context.Context, spec ConsumeSpec, opts LiveOptions) (*Live, error) {
	if spec.Type == QueueStream {
		return nil, fmt.Errorf("queue %q is a stream: tail it instead", spec.Queue)
	}
	if spec.Mode < ConsumeAck || spec.Mode > ConsumeReject {
		return nil, fmt.Errorf("unknown consume mode %d", spec.Mode)
	}
	if s.cfg.ReadOnly && spec.Mode != ConsumeNackRequeue {
		return nil, fmt.Errorf("read-only: a consume in %s mode would remove messages from queue %q", spec.Mode, spec.Queue)
	}
	if err := s.mayRaiseCounts(spec.PeekRequest()); err != nil {
		return nil, err
	}
	if spec.Mode == ConsumeNackRequeue {
		return s.browse(ctx, spec, opts)
	}
	if spec.PeekRequest().RaisesDeliveryCount() {
		opts.Prefetch = min(cmp.Or(opts.Prefetch, QuorumConsumePrefetch), QuorumConsumePrefetch)
	}
	return s.startLive(ctx, spec.Vhost, &consumeSource{s: s, spec: spec}, opts)
}

type consumeSource struct {
	s    *Session
	spec ConsumeSpec
}

func (c *consumeSource) setup(_ context.Context, ch *amqp.Channel, prefetch int) error {
	return setupQueue(c.s, ch, PeekRequest{Vhost: c.spec.Vhost, Queue: c.spec.Queue, Type: c.spec.Type}, prefetch)
}

func (c *consumeSource) consume(ch *amqp.Channel) (<-chan amqp.Delivery, error) {
	ds, err := ch.Consume(c.spec.Queue, "warren-consume-"+tapRandom(), false, false, false, false, nil)
	if err != nil {
		return nil, c.s.queueErr(PeekRequest{Vhost: c.spec.Vhost, Queue: c.spec.Queue, Type: c.spec.Type}, err)
	}
	return ds, nil
}

func (c *consumeSource) convert(d amqp.Delivery) (message.Message, bool) {
	return fromDelivery(d, c.spec.Vhost, c.spec.Queue, 0), true
}

func (c *consumeSource) settle(ch *amqp.Channel, tag uint64) error {
	switch c.spec.Mode {
	case ConsumeReject:
		return ch.Nack(tag, true, false)
	}
	return ch.Ack(tag, true)
}

func (c *consumeSource) close(*amqp.Channel) {}

func (c *consumeSource) name() (string, string) { return "consume", c.spec.Queue }

// lossless: ack and reject take the message off the queue for good.
func (c *consumeSource) lossless() bool { return true }

// check: a deleted queue cancels the consumer; nothing to look for.
func (c *consumeSource) check(context.Context) error { return nil }

func (c *consumeSource) permanent(err error) bool { return isPermanentAMQP(err) }
