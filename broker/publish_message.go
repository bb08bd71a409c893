package broker

import (
	"context"
	"errors"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/message"
)

// abortWait bounds closing a publisher's connection: a broker that blocks
// the connection (an alarm) stops reading it and never answers the close.
const abortWait = time.Second

// PublishMessage publishes m once to exchange with routing key, mandatory
// and with a confirm, on a connection of its own, and waits for its
// outcome: Confirmed, Returned (with ReplyCode and ReplyText), Nacked or
// InDoubt (Err says why). m keeps its message id; one is made when it has
// none. A broker alarm blocking publishing lasts until ctx ends, and the
// error then matches ErrBlocked: give ctx a deadline.
func (s *Session) PublishMessage(ctx context.Context, vhost, exchange, key string, m message.Message) (PublishResult, error) {
	p, err := s.OpenPublisher(ctx, vhost, PublisherOptions{Window: 1})
	if err != nil {
		return PublishResult{}, err
	}
	return publishOne(ctx, p, exchange, key, m)
}

// publishOne publishes m on p, waits for the outcome, and closes p.
func publishOne(ctx context.Context, p *Publisher, exchange, key string, m message.Message) (PublishResult, error) {
	r, err := p.Publish(ctx, exchange, key, m)
	if err != nil {
		p.abort()
		// The broker may have closed the link over this message while it
		// was being written: then say why it refused it.
		p.mu.Lock()
		closedErr := p.closedErr
		p.mu.Unlock()
		if res := refusedAlone(PublishResult{Outcome: InDoubt, MessageID: m.Properties.MessageID, Err: closedErr}); res.Outcome == Refused {
			return res, nil
		}
		return PublishResult{MessageID: m.Properties.MessageID}, err
	}
	if _, err := r.Wait(ctx); err != nil {
		err = p.waitErr(ctx) // before abort: closing forgets the alarm
		p.abort()            // settles the receipt: InDoubt, unless its confirm came first
		if res := r.Result(); res.Outcome != InDoubt {
			return refusedAlone(res), nil
		}
		return r.Result(), err
	}
	p.abort()
	return refusedAlone(r.Result()), nil
}

// refusedAlone turns the InDoubt of a lone publish into Refused when the
// broker closed the channel or connection with an error that the publish
// itself raised: with nothing else in flight it was this message, and a
// message the broker raised an error over reached no queue.
func refusedAlone(res PublishResult) PublishResult {
	var aerr *amqp.Error
	if res.Outcome != InDoubt || !errors.As(res.Err, &aerr) || !aerr.Server {
		return res
	}
	switch aerr.Code {
	case amqp.AccessRefused, amqp.NotFound, amqp.PreconditionFailed, amqp.FrameError, amqp.SyntaxError,
		amqp.CommandInvalid, amqp.UnexpectedFrame, amqp.NotAllowed, amqp.NotImplemented:
		res.Outcome = Refused
	}
	return res
}

// abort closes the publisher's own connection without waiting long for
// the broker, and waits until every outcome is settled (those not yet
// known become InDoubt).
func (p *Publisher) abort() {
	_ = p.conn.CloseDeadline(time.Now().Add(abortWait))
	<-p.done
}
