package broker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/message"
)

// The broker accepts messages whose headers amqp091-go refuses to read
// (tables nested past 32 levels, more than 8,192 entries in one table or
// array: message.CheckHeaders). amqp091-go then closes the whole
// connection with a syntax error while reading the content header, so
// every reader of messages runs on a connection of its own
// (vhostPool.own): the poisoned frame ends that reader and nothing else,
// and the broker requeues what the connection held.

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

// isUndecodable says whether err is amqp091-go's refusal of a frame's
// fields, as the connection (and each of its channels) reports it.
func isUndecodable(err error) bool {
	var aerr *amqp.Error
	if !errors.As(err, &aerr) {
		return false
	}
	return aerr == amqp.ErrSyntax || aerr.Code == amqp.FrameError && strings.Contains(aerr.Reason, amqp.ErrSyntax.Reason)
}

// closedUndecodable says whether conn closed, or closes within a moment,
// over an undecodable frame. closed is conn.NotifyClose's channel.
func closedUndecodable(conn *amqp.Connection, closed <-chan *amqp.Error, err error) bool {
	if isUndecodable(err) {
		return true
	}
	if conn == nil {
		return false
	}
	select {
	case e, ok := <-closed:
		return ok && isUndecodable(e)
	case <-time.After(200 * time.Millisecond):
		return false
	}
}

// HeadReader reads the first count messages of a classic queue without
// decoding them with amqp091-go, and leaves them in the queue, in order:
// the management API's get does (mgmt.Client.GetMessages). A peek that
// meets an undecodable message reads the rest of its page through it.
type HeadReader interface {
	GetMessages(ctx context.Context, vhost, queue string, count int) ([]message.Message, error)
}

// SetHeadReader gives the session its HeadReader; nil means none.
func (s *Session) SetHeadReader(r HeadReader) {
	s.headMu.Lock()
	s.head = r
	s.headMu.Unlock()
}

func (s *Session) headReader() HeadReader {
	s.headMu.Lock()
	defer s.headMu.Unlock()
	return s.head
}

// undecodableRow stands for a message no AMQP read could decode, with
// what else is known of it.
func undecodableRow(vhost, queue string, position int, offset int64) message.Message {
	return message.Message{Vhost: vhost, Queue: queue, Position: position, Offset: offset, Undecodable: UndecodableReason}
}
