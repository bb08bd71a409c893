package ops

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

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

func (e *readOnlyRisk) Error() string { return e.text }

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
