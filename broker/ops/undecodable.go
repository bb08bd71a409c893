package ops

import (
	"errors"
	"fmt"
)

// ErrUndecodable is what an *UndecodableError matches with errors.Is.
var ErrUndecodable = errors.New("a message the AMQP client cannot decode")

// UndecodableReason says what amqp091-go refused, for the screen.
const UndecodableReason = "amqp091-go refused its content header (headers nested deeper than 32 tables or arrays, " +
	"more than 8,192 entries in one table or array, or a field type it does not know) and closed the connection"

// UndecodableError: reading stopped at a message amqp091-go cannot decode.
type UndecodableError struct {
	Vhost, Queue string
	Reader       string // "peek", "consume", "browse", "tail", "tap", "move"
	Position     int    // 1-based among the messages this read met; 0 when unknown
	Offset       int64  // the stream offset; -1 when unknown or not a stream
	Twice        int    // a move: copies that may be in both queues
}

func (e *UndecodableError) Error() string {
	of := "queue"
	switch e.Reader {
	case "tap":
		of = "exchange"
	case "tail":
		of = "stream"
	}
	where := "the next message"
	switch {
	case e.Offset >= 0:
		where = fmt.Sprintf("the message at offset %d", e.Offset)
	case e.Position > 0 && (e.Reader == "peek" || e.Reader == "browse"):
		where = fmt.Sprintf("message %d", e.Position)
	case e.Position > 0:
		// A consumer's deliveries buffered in amqp091-go are lost with
		// the connection, so the count is a floor.
		where = fmt.Sprintf("a message it could not decode, after the %d it had shown "+
			"(deliveries amqp091-go held but had not handed over went back to the queue with it)", e.Position-1)
	}
	if e.Reader == "move" {
		twice := "; every message moved is in the target only"
		if e.Twice > 0 {
			twice = fmt.Sprintf("; %d moved just before it may be in both queues", e.Twice)
		}
		return fmt.Sprintf("the move of queue %q in vhost %q stopped at a message it could not decode: %s; "+
			"that message and every one after it stay in the source%s",
			e.Queue, e.Vhost, UndecodableReason, twice)
	}
	return fmt.Sprintf("the %s of %s %q in vhost %q stopped at %s: %s", e.Reader, of, e.Queue, e.Vhost, where, UndecodableReason)
}

func (e *UndecodableError) Is(target error) bool { return target == ErrUndecodable }
