package broker

import (
	"context"
	"errors"
	"fmt"
)

// Remove deletes exactly the listed messages from a classic or quorum
// queue and leaves every other one where it was: it is a move whose target
// discards (see Move and MoveRequest.Only). Messages taken but not listed
// are held unacked and requeued at the end, so they keep their order; the
// scan stops once all are found and never goes past the depth at the
// start. The UI removes an original this way once its republished copy is
// confirmed. A stream is refused: streams are append-only. On a quorum
// queue every message handed over comes back with its delivery count
// raised by 1, except one a requeue would push past DeliveryLimit: that
// one goes to the tail as a copy (see MoveRequest.DeliveryLimit).
func (s *Session) Remove(ctx context.Context, req RemoveRequest) (RemoveResult, error) {
	if req.Queue == "" {
		return RemoveResult{}, errors.New("remove: no queue")
	}
	if len(req.Fingerprints) == 0 {
		return RemoveResult{}, nil
	}
	res, err := s.move(ctx, MoveRequest{Vhost: req.Vhost, Queue: req.Queue, Target: discard, Only: req.Fingerprints,
		DeliveryLimit: req.DeliveryLimit, QueueType: req.QueueType}, nil)
	// An ack sent just before a lost link may never have been read: count
	// only the certain removals (the error says the link was lost).
	out := RemoveResult{Removed: res.Moved - res.DuplicateRisk, NotFound: res.NotFound,
		Requeued: res.Requeued + res.RequeuedUnseen, ToTail: res.ToTail, Took: res.Took}
	if err != nil {
		return out, fmt.Errorf("remove from queue %q: %w", req.Queue, err)
	}
	return out, nil
}
