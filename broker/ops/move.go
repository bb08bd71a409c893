package ops

import (
	"errors"
	"time"
)

// MoveTarget says where Move sends messages.
type MoveTarget int

const (
	// ToQueue publishes to TargetQueue through the default exchange.
	ToQueue MoveTarget = iota + 1
	// ToExchange publishes to Exchange with RoutingKey.
	ToExchange
	// ReturnToOrigin publishes each dead letter to the queue it died in
	// (message.Origin), through the default exchange, so only that queue
	// gets it again. A message without an origin stays in the source.
	ReturnToOrigin
	// ReturnViaExchange re-routes each dead letter through the exchange and
	// routing key it died from, which reaches EVERY queue bound there, not
	// only the one it died in.
	ReturnViaExchange
)

func (t MoveTarget) String() string {
	switch t {
	case ToQueue:
		return "to queue"
	case ToExchange:
		return "to exchange"
	case ReturnToOrigin:
		return "return to origin"
	case ReturnViaExchange:
		return "re-route via original exchange"
	}
	return "unknown"
}

// MoveRequest says what to move where.
type MoveRequest struct {
	Vhost string
	Queue string // the source
	// Target picks which of the fields below count.
	Target      MoveTarget
	TargetQueue string // ToQueue
	Exchange    string // ToExchange ("" is the default exchange)
	RoutingKey  string // ToExchange
	// Limit moves at most this many; 0 means every message in the source
	// when the move starts (never more: the move cannot chase its tail).
	// Ignored when Only is set: the list is the limit.
	Limit int
	// Only, when not empty, lists message.Fingerprint values: only the
	// deliveries matching one are moved, a fingerprint listed k times at
	// most k of them. Every other delivery taken is held unacked and
	// requeued at the end, so it keeps its place (Skipped). Taking stops
	// once every listed one was found, or after the source's depth at the
	// start. On a quorum queue each requeued message's delivery count
	// rises by 1 (see DeliveryLimit).
	Only []string
	// Window is how many messages are in flight at once (default 1024).
	Window int
	// QueueType is the source's type (QueueClassic, QueueQuorum); ""
	// asks the session's QueueTyper (the management API), and a move
	// whose type stays unknown is refused: only the type says whether the
	// reads must keep quorum delivery counts safe. (warren once probed
	// with a channel-wide prefetch, which quorum queues refuse; RabbitMQ
	// 4.3 refuses it on every queue.)
	QueueType string
	// DeliveryLimit is a quorum source's effective x-delivery-limit, -1
	// when it has none (RabbitMQ 3.x by default). On 3.x and 4.0-4.2 every
	// requeue raises a quorum message's delivery count, and the broker
	// drops or dead-letters one whose count passes the limit. So a quorum
	// source is read a window at a time (a lost link charges at most that
	// many), and with a limit a message the move would requeue past it is
	// published to the tail of the source instead (ToTail). The zero
	// value, a limit of 0, is the safe default when the limit is unknown.
	DeliveryLimit int
	// OnBlocked, when set, hears broker alarms blocking the move.
	OnBlocked func(blocked bool, reason string)
}

// MoveProgress is reported while a move runs.
type MoveProgress struct {
	Total  int // messages the move will take at most
	Taken  int // taken from the source so far
	Moved  int
	Failed int // left in (or going back to) the source, NoOrigin included
	// NoOrigin: left in the source for having no x-death to go back to
	// (ReturnToOrigin): not a failure, the message has nowhere to go.
	NoOrigin int
	Skipped  int     // taken but not listed in Only: going back in place
	Rate     float64 // moved per second
	Elapsed  time.Duration
}

// MoveResult counts what a move did. Every message taken is either Moved,
// ReturnedToSource or Skipped; DuplicateRisk of the moved may also remain
// in the source.
type MoveResult struct {
	Moved            int // confirmed at the target and acked at the source
	ReturnedToSource int // requeued to the source: the sum of the four below
	Unroutable       int // returned by the broker: no queue was bound
	Nacked           int // refused by the broker
	InDoubt          int // channel closed before the confirm; the source keeps it, the target may too
	NoOrigin         int // ReturnToOrigin only: no x-death to go back to
	// DuplicateRisk: may now be both at the target and in the source:
	// confirmed at the target while the link died before the source ack was
	// certainly processed, and every InDoubt one (its copy may have
	// arrived). A bound while the broker lives; one killed outright can
	// also lose acks it had read, which no client can count.
	DuplicateRisk int
	// Skipped: taken but not listed in Only, and requeued in place.
	Skipped int
	// NotFound: listed in Only but never met within the source's depth.
	NotFound int
	// Requeued counts the messages given back to the source with a
	// requeue: those held above, those taken past the budget, and on a
	// lost link every one taken and not acked (the broker requeues them).
	// On a quorum queue each one's delivery count rose by 1.
	Requeued int
	// RequeuedUnseen: at most this many more were checked out to the move
	// but never reached it before it stopped (a lost link, a cancel); the
	// broker requeued them too.
	RequeuedUnseen int
	// ToTail counts messages that were to stay in a quorum source but
	// whose delivery count was at the limit, so a requeue would have had
	// the broker drop them: a copy went to the tail of the source (fresh
	// delivery count, place in the queue lost) and the original was acked.
	// They are counted in Skipped, NoOrigin or the failures as well, unless
	// taken past the budget.
	ToTail int
	// OverLimit counts messages requeued past the delivery limit, which
	// the broker dropped or dead-lettered: only on a lost link, or when a
	// copy to the tail failed.
	OverLimit int
	// Reordered: requeued quorum messages did not go back in place (to the
	// tail with no delivery limit, or in the broker's order on a lost link).
	Reordered bool
	// Reconciled: after the source's link died on a message amqp091-go
	// cannot decode, this many moved messages were found again in the
	// source (the broker had requeued them before their acks were read)
	// and acked there, so each is in the target only.
	Reconciled int
	// QueueType is the source's type as the move found it (classic or
	// quorum), and DeliveryLimit the limit it went by.
	QueueType     string
	DeliveryLimit int
	Took          time.Duration
}

// Check says what the request lacks or gets wrong before anything moves.
func (req MoveRequest) Check() error {
	if req.Queue == "" {
		return errors.New("move: no source queue")
	}
	switch req.Target {
	case ToQueue:
		if req.TargetQueue == "" {
			return errors.New("move: no target queue")
		}
		if req.TargetQueue == req.Queue {
			return errors.New("move: the target is the source queue")
		}
	case ToExchange, ReturnToOrigin, ReturnViaExchange:
	default:
		return errors.New("move: no target chosen")
	}
	return nil
}

// ErrNoTargetQueue: the queue a move or import was sent to does not
// exist. Without this check every copy would come back unroutable, and
// the summary would say "unroutable 5" where the person mistyped a name.
var ErrNoTargetQueue = errors.New("the target queue does not exist")
