package ops

import (
	"time"
)

// ImportRequest says where Import publishes messages read from a JSON Lines
// export. Target is ToQueue, ToExchange, ReturnToOrigin or
// ReturnViaExchange, with the same fields and meaning as in MoveRequest.
type ImportRequest struct {
	Vhost       string
	Target      MoveTarget
	TargetQueue string
	Exchange    string
	RoutingKey  string
	Window      int
	OnBlocked   func(blocked bool, reason string)
}

// ImportResult counts an import. NotPublished lists the 0-based indexes
// of the messages that were not confirmed at a queue, so they can be
// retried or saved again: nothing is lost silently. Read counts the
// messages taken from the source; when Import stops early (an error, a
// cancel) the ones after them were not published either.
type ImportResult struct {
	Published    int // confirmed and routed
	Unroutable   int
	Nacked       int
	InDoubt      int
	NoOrigin     int
	NotPublished []int
	Read         int
	Took         time.Duration
}
