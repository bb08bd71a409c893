package ops

import (
	"time"
)

// RemoveRequest names messages to delete from a queue.
type RemoveRequest struct {
	Vhost, Queue string
	// Fingerprints are message.Fingerprint values; one listed k times
	// removes at most k messages.
	Fingerprints []string
	// DeliveryLimit is a quorum queue's effective x-delivery-limit, -1 for
	// none; see MoveRequest.DeliveryLimit (0, the zero value, is the safe
	// default: every message to stay that a requeue would charge goes to
	// the tail as a copy instead).
	DeliveryLimit int
	// QueueType is the queue's type (QueueClassic, QueueQuorum); "" asks
	// the session's QueueTyper, as a move does.
	QueueType string
}

// RemoveResult counts what Remove did.
type RemoveResult struct {
	Removed  int // acked: gone from the queue
	NotFound int // listed but not met within the queue's depth at the start
	// Requeued messages were taken on the way and given back; on a quorum
	// queue each one's delivery count rose by 1. ToTail of them were at
	// the delivery limit and went to the tail as copies instead.
	Requeued, ToTail int
	Took             time.Duration
}
