package broker

import (
	"context"
	"errors"
	"fmt"
)

// checkTargetQueue makes sure the queue a move or import publishes to
// through the default exchange exists, before anything is taken or
// published. Other failures of the check are left for the publishing
// itself to report.
func (s *Session) checkTargetQueue(ctx context.Context, vhost string, target MoveTarget, queue, exchange, key, verb string) error {
	name := ""
	switch {
	case target == ToQueue:
		name = queue
	case target == ToExchange && exchange == "":
		name = key
	default:
		return nil
	}
	if _, _, err := s.QueueDepth(ctx, vhost, name); errors.Is(err, ErrQueueNotFound) {
		return fmt.Errorf("%w: there is no queue %q in vhost %q, so nothing was %s (declare it first with ctrl+n, or check the name)",
			ErrNoTargetQueue, name, vhost, verb)
	}
	return nil
}
