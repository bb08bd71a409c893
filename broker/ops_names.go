package broker

import "github.com/warren-tui/warren/broker/ops"

// The requests, results, specs and states of broker's operations are
// declared in package ops, which needs no AMQP client, so that the UI can
// name them without depending on amqp091-go. These are the same types and
// values under the names broker has always used for them.

type (
	LinkState              = ops.LinkState
	ConsumeMode            = ops.ConsumeMode
	ConsumeSpec            = ops.ConsumeSpec
	DeliveryLimitRiskError = ops.DeliveryLimitRiskError
	Features               = ops.Features
	ImportRequest          = ops.ImportRequest
	ImportResult           = ops.ImportResult
	LiveState              = ops.LiveState
	LiveStatus             = ops.LiveStatus
	MoveProgress           = ops.MoveProgress
	MoveRequest            = ops.MoveRequest
	MoveResult             = ops.MoveResult
	MoveTarget             = ops.MoveTarget
	Outcome                = ops.Outcome
	PeekRequest            = ops.PeekRequest
	PeekResult             = ops.PeekResult
	PublishResult          = ops.PublishResult
	PumpStats              = ops.PumpStats
	RemoveRequest          = ops.RemoveRequest
	RemoveResult           = ops.RemoveResult
	StreamFrom             = ops.StreamFrom
	StreamFromKind         = ops.StreamFromKind
	TailSpec               = ops.TailSpec
	TapSpec                = ops.TapSpec
	UndecodableError       = ops.UndecodableError
)

const (
	LinkConnecting        = ops.LinkConnecting
	LinkUp                = ops.LinkUp
	LinkReconnecting      = ops.LinkReconnecting
	LinkDown              = ops.LinkDown
	LinkClosed            = ops.LinkClosed
	BrowseMax             = ops.BrowseMax
	Confirmed             = ops.Confirmed
	ConsumeAck            = ops.ConsumeAck
	ConsumeNackRequeue    = ops.ConsumeNackRequeue
	ConsumeReject         = ops.ConsumeReject
	DefaultPeekCount      = ops.DefaultPeekCount
	FirehoseExchange      = ops.FirehoseExchange
	InDoubt               = ops.InDoubt
	LiveClosed            = ops.LiveClosed
	LiveDone              = ops.LiveDone
	LiveFailed            = ops.LiveFailed
	LiveReconnecting      = ops.LiveReconnecting
	LiveRunning           = ops.LiveRunning
	Nacked                = ops.Nacked
	QueueClassic          = ops.QueueClassic
	QueueQuorum           = ops.QueueQuorum
	QueueStream           = ops.QueueStream
	QuorumConsumePrefetch = ops.QuorumConsumePrefetch
	Refused               = ops.Refused
	ReturnToOrigin        = ops.ReturnToOrigin
	ReturnViaExchange     = ops.ReturnViaExchange
	Returned              = ops.Returned
	StreamFirst           = ops.StreamFirst
	StreamLast            = ops.StreamLast
	StreamNext            = ops.StreamNext
	StreamOffset          = ops.StreamOffset
	StreamTime            = ops.StreamTime
	ToExchange            = ops.ToExchange
	ToQueue               = ops.ToQueue
	UndecodableReason     = ops.UndecodableReason
)

var (
	ErrDeliveryLimitRisk = ops.ErrDeliveryLimitRisk
	ErrNoTargetQueue     = ops.ErrNoTargetQueue
	ErrReadOnlyRisk      = ops.ErrReadOnlyRisk
	ErrUndecodable       = ops.ErrUndecodable
)

// DefaultDeliveryLimit is ops.DefaultDeliveryLimit.
func DefaultDeliveryLimit(rabbitVersion string) int { return ops.DefaultDeliveryLimit(rabbitVersion) }

// ReadOnlyRiskError is ops.ReadOnlyRiskError.
func ReadOnlyRiskError(vhost, queue string, limit int) error {
	return ops.ReadOnlyRiskError(vhost, queue, limit)
}

// RequeueCounts is ops.RequeueCounts.
func RequeueCounts(rabbitVersion string) bool { return ops.RequeueCounts(rabbitVersion) }

// VersionFeatures is ops.VersionFeatures.
func VersionFeatures(rabbitVersion string) Features { return ops.VersionFeatures(rabbitVersion) }
