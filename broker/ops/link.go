package ops

// LinkState is the health of the AMQP connection as the header shows it.
type LinkState int

const (
	LinkConnecting LinkState = iota
	LinkUp
	LinkReconnecting
	LinkDown
	LinkClosed
)

func (s LinkState) String() string {
	switch s {
	case LinkConnecting:
		return "connecting"
	case LinkUp:
		return "up"
	case LinkReconnecting:
		return "reconnecting"
	case LinkDown:
		return "down"
	case LinkClosed:
		return "closed"
	}
	return "unknown"
}
