package ops

// Outcome is what became of one published message.
type Outcome int

const (
	// Confirmed: the broker confirmed it and routed it to at least one queue.
	Confirmed Outcome = iota + 1
	// Returned: unroutable; the broker returned it (mandatory) and so it
	// reached no queue. ReplyCode and ReplyText say why.
	Returned
	// Nacked: the broker refused responsibility for it.
	Nacked
	// InDoubt: the channel or connection closed before its confirm arrived;
	// it may or may not have reached a queue.
	InDoubt
	// Refused: the broker closed the channel or connection over this very
	// message (no permission, a frame too large, a header it cannot take):
	// it reached no queue. Err says why. Only a lone publish can tell.
	Refused
)

func (o Outcome) String() string {
	switch o {
	case Confirmed:
		return "confirmed"
	case Returned:
		return "returned (unroutable)"
	case Nacked:
		return "nacked"
	case InDoubt:
		return "in doubt"
	case Refused:
		return "refused"
	}
	return "pending"
}

// PublishResult is the settled outcome of one publish.
type PublishResult struct {
	Outcome   Outcome
	MessageID string // the id sent: the message's own, or one warren made
	ReplyCode uint16 // for Returned
	ReplyText string // for Returned
	Err       error  // for InDoubt and Refused: why the channel closed
}
