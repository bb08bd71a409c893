package broker

import (
	"context"
	"time"

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
		return PublishResult{MessageID: m.Properties.MessageID}, err
	}
	if _, err := r.Wait(ctx); err != nil {
		err = p.waitErr(ctx) // before abort: closing forgets the alarm
		p.abort()            // settles the receipt: InDoubt, unless its confirm came first
		if res := r.Result(); res.Outcome != InDoubt {
			return res, nil
		}
		return r.Result(), err
	}
	p.abort()
	return r.Result(), nil
}

// abort closes the publisher's own connection without waiting long for
// the broker, and waits until every outcome is settled (those not yet
// known become InDoubt).
func (p *Publisher) abort() {
	_ = p.conn.CloseDeadline(time.Now().Add(abortWait))
	<-p.done
}
