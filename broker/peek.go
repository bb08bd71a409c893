package broker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/message"
)

// Queue types, as the management API names them.
const (
	QueueClassic = "classic"
	QueueQuorum  = "quorum"
	QueueStream  = "stream"
)

// DefaultPeekCount is how many messages a peek shows when asked for none.
const DefaultPeekCount = 50

// StreamFromKind says where a stream peek starts reading.
type StreamFromKind int

const (
	StreamFirst  StreamFromKind = iota // the oldest message still in the stream
	StreamLast                         // the last chunk written (a few messages, not one)
	StreamNext                         // only messages published from now on
	StreamOffset                       // StreamFrom.Offset
	StreamTime                         // the first chunk written at or after StreamFrom.Time
)

// StreamFrom is the start of a stream peek. The zero value reads from the
// first message.
type StreamFrom struct {
	Kind   StreamFromKind
	Offset int64
	Time   time.Time
}

// PeekRequest says what to peek. Type and DeliveryLimit come from the
// management API (the queue's type, and its x-delivery-limit from
// arguments or effective policy, else DefaultDeliveryLimit).
type PeekRequest struct {
	Vhost, Queue string
	// Type is QueueClassic, QueueQuorum or QueueStream, and must be right:
	// a quorum queue peeked as classic would skip the delivery-limit check.
	Type  string
	Count int // messages to show; 0 means DefaultPeekCount
	// Skip is how many messages precede this page ("n" for more). Classic
	// and quorum queues can only be read from the head, so a peek takes
	// Skip+Count messages, returns them all, and shows the last Count.
	// For streams Skip only numbers Positions: move on with From instead.
	Skip int
	From StreamFrom // streams only
	// DeliveryLimit is the quorum queue's effective x-delivery-limit, or -1
	// when it has none. The zero value (a limit of 0) is the safe default.
	DeliveryLimit int
	// RequeueFree is set where a requeue does not raise a quorum
	// message's delivery count (RabbitMQ 4.3+ counts only rejects); see
	// RequeueCounts. The zero value is the side that asks first.
	RequeueFree bool
	// AcceptRisk is set for one read only, once the person confirmed
	// that it may push messages past DeliveryLimit. Never carry it over
	// to the next read.
	AcceptRisk bool
	// TypeUnchecked: Type comes from an older listing, not from the
	// queue now (the management API did not answer). A classic type is
	// then checked over AMQP first, since a queue deleted and declared
	// again as quorum would otherwise be read without its delivery limit.
	TypeUnchecked bool
}

// RaisesDeliveryCount says whether reading the queue and putting the
// messages back can push one past its delivery limit, so that the broker
// drops or dead-letters it: quorum queues with a limit, on brokers that
// count requeues.
func (r PeekRequest) RaisesDeliveryCount() bool {
	return r.Type == QueueQuorum && r.DeliveryLimit >= 0 && !r.RequeueFree
}

// PeekResult is what a peek saw and what it did to the queue.
type PeekResult struct {
	Messages  []message.Message
	Effect    string // one plain sentence for the screen: what the peek did to the queue
	QueueType string
	Took      time.Duration
	// Taken is how many messages were taken from and returned to a classic
	// or quorum queue: Skip plus those shown, or more where a quorum queue
	// without a delivery limit was taken whole to keep its order.
	Taken int
	// More is true when the queue may hold messages after this page.
	More bool
	// NextOffset is, for streams, the offset to pass as
	// StreamFrom{Kind: StreamOffset} to read on; -1 when unknown.
	NextOffset int64
	// OverLimit counts quorum messages whose delivery count passed
	// DeliveryLimit because of this peek: the broker dropped or
	// dead-lettered them.
	OverLimit int
	// Reordered is set when the peeked messages went back to the tail of
	// a quorum queue without a delivery limit, behind messages not peeked
	// (the queue was too big to take whole), or to the head of one with a
	// limit without the broker showing each run of them back in time (so
	// their order is not sure). Paging on with Skip then may show other
	// messages than it would have.
	Reordered bool
}

// ErrQueueNotFound: the queue does not exist in the vhost.
var ErrQueueNotFound = errors.New("queue not found")

// ErrDeliveryLimitRisk is what a *DeliveryLimitRiskError matches with
// errors.Is.
var ErrDeliveryLimitRisk = errors.New("peek could push messages past the delivery limit")

// DeliveryLimitRiskError refuses a quorum peek that needs the user's
// explicit consent. Every requeue raises a message's delivery count by 1,
// and a message past the limit is dropped or dead-lettered by the broker.
// A message's count is only known after fetching it, and by then it can
// only go back with the raised count, so any peek of a limited queue may
// push one over: the refusal comes before anything is fetched.
type DeliveryLimitRiskError struct {
	Vhost, Queue string
	Limit        int
}

func (e *DeliveryLimitRiskError) Error() string {
	return fmt.Sprintf("peeking quorum queue %q raises the delivery count of every message it shows by 1; "+
		"a message already at the delivery limit of %d would be dropped or dead-lettered by the broker",
		e.Queue, e.Limit)
}

func (e *DeliveryLimitRiskError) Is(target error) bool { return target == ErrDeliveryLimitRisk }

// ErrReadOnlyRisk: a read-only session refused a read that raises
// delivery counts on a queue with a delivery limit.
var ErrReadOnlyRisk = errors.New("read-only: this read would raise delivery counts")

// ReadOnlyRiskError says why read-only mode will not read a quorum queue
// whose requeues count toward a delivery limit, and what would work
// instead. The session returns it, and the UI says the same before asking.
func ReadOnlyRiskError(vhost, queue string, limit int) error {
	return &readOnlyRisk{fmt.Sprintf("read-only: reading quorum queue %q in vhost %q puts every message back with its delivery count raised by 1, "+
		"and the broker drops or dead-letters a message past the delivery limit of %d, so read-only mode does not peek or browse it; "+
		"run warren without --read-only to read it after a question that shows how many messages are at risk "+
		"(from RabbitMQ 4.3 a requeue no longer counts, and warren reads freely)", queue, vhost, limit)}
}

type readOnlyRisk struct{ text string }

func (e *readOnlyRisk) Error() string        { return e.text }
func (e *readOnlyRisk) Is(target error) bool { return target == ErrReadOnlyRisk }

// RequeueCounts says whether the broker of this version raises a quorum
// message's delivery count when it is requeued (Features.RequeueCounts).
func RequeueCounts(rabbitVersion string) bool { return VersionFeatures(rabbitVersion).RequeueCounts }

// version reads "4.2.1" (or "v4.2", "4.3.0-rc.1") as 4, 2.
func version(s string) (major, minor int, ok bool) {
	parts := strings.SplitN(strings.TrimPrefix(strings.TrimSpace(s), "v"), ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	digits := func(p string) (int, error) {
		end := strings.IndexFunc(p, func(r rune) bool { return r < '0' || r > '9' })
		if end >= 0 {
			p = p[:end]
		}
		return strconv.Atoi(p)
	}
	major, err1 := digits(parts[0])
	minor, err2 := digits(parts[1])
	return major, minor, err1 == nil && err2 == nil
}

// DefaultDeliveryLimit is the broker's delivery limit for quorum queues
// that set none (Features.DefaultDeliveryLimit).
func DefaultDeliveryLimit(rabbitVersion string) int {
	return VersionFeatures(rabbitVersion).DefaultDeliveryLimit
}

// Peek shows messages of a queue without losing or reordering them:
// streams are read by offset; classic queues with basic.get and manual
// acks, quorum queues with a consumer capped by its prefetch, and both
// are then given back with nacks (multiple, requeue): the README's Peek
// section says what each does to a queue. Each peek reads on a
// connection of its own, so a channel the broker closes, or a message
// amqp091-go cannot decode (undecodable.go), harms nothing else. On an
// error the result still says what was taken and given back.
func (s *Session) Peek(ctx context.Context, req PeekRequest) (PeekResult, error) {
	start := time.Now()
	if req.Count <= 0 {
		req.Count = DefaultPeekCount
	}
	req.Skip = max(req.Skip, 0)
	var res PeekResult
	var err error
	switch req.Type {
	case QueueClassic:
		if req.TypeUnchecked && !req.RequeueFree {
			// Only where a requeue counts: from 4.3 reading a quorum queue
			// as classic charges nothing (and global QoS is refused).
			if err := s.checkClassic(ctx, req); err != nil {
				return PeekResult{QueueType: req.Type, NextOffset: -1}, err
			}
		}
		res, err = s.peekElsewhere(ctx, func() (PeekResult, error) { return s.peekClassic(ctx, req) })
	case QueueQuorum:
		if err := s.mayRaiseCounts(req); err != nil {
			return PeekResult{QueueType: req.Type, NextOffset: -1}, err
		}
		res, err = s.peekQuorum(ctx, req)
	case QueueStream:
		res, err = s.peekElsewhere(ctx, func() (PeekResult, error) { return s.peekStream(ctx, req) })
	default:
		return PeekResult{NextOffset: -1}, fmt.Errorf("cannot peek queue %q: unknown queue type %q", req.Queue, req.Type)
	}
	res.QueueType = req.Type
	res.Took = time.Since(start)
	return res, err
}

// mayRaiseCounts refuses a read of a quorum queue that could push a
// message past its delivery limit: always in a read-only session, and
// otherwise unless the person accepted the risk for this read.
func (s *Session) mayRaiseCounts(req PeekRequest) error {
	switch {
	case !req.RaisesDeliveryCount():
		return nil
	case s.cfg.ReadOnly:
		return ReadOnlyRiskError(req.Vhost, req.Queue, req.DeliveryLimit)
	case !req.AcceptRisk:
		return &DeliveryLimitRiskError{Vhost: req.Vhost, Queue: req.Queue, Limit: req.DeliveryLimit}
	}
	return nil
}

// peekClassic takes Skip+Count messages from a classic queue with
// basic.get and gives them all back. Whatever goes wrong, they go back:
// by our nack, or by the broker when the channel or connection closes.
// It reads on a connection of its own: see undecodable.go.
func (s *Session) peekClassic(ctx context.Context, req PeekRequest) (PeekResult, error) {
	res := PeekResult{NextOffset: -1, Messages: make([]message.Message, 0, min(req.Count, 1000))}
	conn, ch, err := s.vhosts.ownChannel(ctx, req.Vhost, "peek")
	if err != nil {
		return res, err
	}
	defer conn.Close()
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	want := req.Skip + req.Count
	var lastTag uint64
	var getErr error
	for res.Taken < want {
		if getErr = ctx.Err(); getErr != nil {
			break
		}
		d, ok, err := ch.Get(req.Queue, false)
		if err != nil {
			if closedUndecodable(conn, closed, err) {
				return s.pastUndecodable(ctx, req, res, res.Taken+1)
			}
			getErr = s.queueErr(req, err)
			break
		}
		if !ok {
			break
		}
		res.Taken++
		lastTag = d.DeliveryTag
		if res.Taken > req.Skip {
			res.Messages = append(res.Messages, fromDelivery(d, req.Vhost, req.Queue, res.Taken))
		}
	}
	res.More = res.Taken == want
	res.Effect = queueEffect(req, res)
	return res, firstErr(req, getErr, giveBack(ch, lastTag))
}

// firstErr reports a failed read before a failed return; the messages
// are safe either way, and the second error says so.
func firstErr(req PeekRequest, readErr, backErr error) error {
	if readErr != nil {
		return readErr
	}
	if backErr != nil {
		return fmt.Errorf("peek of queue %q: could not confirm that the peeked messages went back (%v); "+
			"the broker requeues them when the channel closes", req.Queue, backErr)
	}
	return nil
}

// giveBack returns every message fetched on ch with a single
// nack(multiple, requeue), never a reject, and closes ch only once the
// broker has processed the nack, so no message is ever closed over.
func giveBack(ch *amqp.Channel, lastTag uint64) error {
	if lastTag == 0 || ch.IsClosed() {
		// Nothing fetched, or the broker closed the channel and with it
		// requeued everything unacked.
		return ch.Close()
	}
	err := ch.Nack(lastTag, true, true)
	if err == nil {
		// basic.qos is synchronous and a channel's methods are handled in
		// order: its reply proves the nack was processed.
		err = ch.Qos(0, 0, false)
	}
	if cerr := ch.Close(); err == nil {
		err = cerr
	}
	return cleanErr(err)
}

func queueEffect(req PeekRequest, res PeekResult) string {
	if res.Taken == 0 {
		return "Nothing was taken: the queue was empty."
	}
	n := res.Taken
	took := fmt.Sprintf("Took %d messages and returned them to the queue in order", n)
	if n == 1 {
		took = "Took 1 message and returned it to the queue"
	}
	if req.Type != QueueQuorum {
		return took + "; " + plural(n, "it is", "they are") + " now marked redelivered."
	}
	switch {
	case res.Reordered && req.DeliveryLimit >= 0:
		took = fmt.Sprintf("Took %d messages and returned them to the head of the queue, maybe not in their old order "+
			"(the broker was slow to take them back, and merges requeues it is not done with)", n)
	case res.Reordered:
		took = fmt.Sprintf("Took %d %s and returned %s to the back of the queue, behind the messages not peeked "+
			"(a quorum queue without a delivery limit requeues at the back)", n, plural(n, "message", "messages"), plural(n, "it", "them"))
	}
	if req.RequeueFree {
		return took + "; delivery counts did not change (from RabbitMQ 4.3 only a reject counts)."
	}
	limit := "no delivery limit"
	if req.DeliveryLimit >= 0 {
		limit = fmt.Sprintf("limit %d", req.DeliveryLimit)
	}
	s := fmt.Sprintf("%s; %s delivery count went up by 1 (%s).", took, plural(n, "its", "each one's"), limit)
	if res.OverLimit > 0 {
		s += fmt.Sprintf(" %d of them passed the limit, so the broker dropped or dead-lettered %s.",
			res.OverLimit, plural(res.OverLimit, "it", "them"))
	}
	return s
}

// plural picks one or many by n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// queueErr says in plain words why the broker refused a read of the queue.
func (s *Session) queueErr(req PeekRequest, err error) error {
	var aerr *amqp.Error
	if errors.As(err, &aerr) {
		switch aerr.Code {
		case amqp.NotFound:
			return fmt.Errorf("%w: queue %q not found in vhost %q", ErrQueueNotFound, req.Queue, req.Vhost)
		case amqp.AccessRefused:
			if strings.Contains(aerr.Reason, "exclusive use") {
				return fmt.Errorf("queue %q in vhost %q has an exclusive consumer: nobody else may read it", req.Queue, req.Vhost)
			}
			return fmt.Errorf("%w: user %q may not read queue %q in vhost %q",
				ErrAccessRefused, s.vhosts.user(), req.Queue, req.Vhost)
		case amqp.ResourceLocked:
			return fmt.Errorf("queue %q in vhost %q is exclusive to another connection", req.Queue, req.Vhost)
		case amqp.PreconditionFailed:
			return fmt.Errorf("queue %q in vhost %q refused the peek as a %s queue: %s",
				req.Queue, req.Vhost, req.Type, aerr.Reason)
		}
	}
	return cleanErr(err)
}
