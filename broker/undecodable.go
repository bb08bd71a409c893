package broker

import (
	"context"
	"errors"
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
