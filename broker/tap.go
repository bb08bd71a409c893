package broker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/message"
)

// DefaultTapMaxLength bounds the tap queue on the broker: a slow reader
// loses the oldest messages there instead of building a backlog.
const DefaultTapMaxLength = 10000

// ErrTapDefaultExchange: the default exchange routes straight to queues and
// cannot be bound to, so it cannot be tapped.
var ErrTapDefaultExchange = errors.New("the default exchange cannot be tapped")

// ErrTapExchangeNotFound: the exchange to tap does not exist.
var ErrTapExchangeNotFound = errors.New("exchange not found")

// DefaultExchangeTapError says why the default exchange cannot be tapped
// and what to do instead. errors.Is(err, ErrTapDefaultExchange) holds.
type DefaultExchangeTapError struct{ Vhost string }

func (e *DefaultExchangeTapError) Error() string {
	return fmt.Sprintf("the default exchange of vhost %q cannot be bound to, so it cannot be tapped; "+
		"tap the firehose %q instead (turn tracing on first: rabbitmqctl trace_on -p %s)",
		e.Vhost, FirehoseExchange, e.Vhost)
}

func (e *DefaultExchangeTapError) Is(target error) bool { return target == ErrTapDefaultExchange }

// Tap starts watching every message published to an exchange from now on,
// taking nothing from anyone: an exchange-to-exchange binding copies what
// the exchange routes into a temporary internal fanout exchange, bound to
// an exclusive, auto-delete, length-bounded (drop-head) queue that warren
// consumes. Close removes them; the broker does too if the connection dies.
func (s *Session) Tap(ctx context.Context, spec TapSpec, opts LiveOptions) (*Live, error) {
	if spec.Exchange == "" {
		return nil, &DefaultExchangeTapError{Vhost: spec.Vhost}
	}
	if spec.MaxLength <= 0 {
		spec.MaxLength = DefaultTapMaxLength
	}
	if spec.Key == "" {
		switch {
		case spec.Exchange == FirehoseExchange:
			spec.Key = "publish.#"
		case spec.Kind == amqp.ExchangeTopic:
			spec.Key = "#"
		}
	}
	return s.startLive(ctx, spec.Vhost, &tapSource{s: s, spec: spec, noAck: opts.noAck}, opts)
}

// tapSource is one tap's broker side. Its fields are used only by the
// Live's goroutine (and by startLive before that goroutine starts).
type tapSource struct {
	s        *Session
	spec     TapSpec
	noAck    bool   // LiveOptions.noAck
	exchange string // the temporary exchange of the current attempt
	queue    string // the server-named tap queue of the current attempt
}

func (t *tapSource) setup(ctx context.Context, ch *amqp.Channel, prefetch int) error {
	// Check the source first, before we create anything a failure would leave.
	if err := t.source(ch); err != nil {
		return t.err(err)
	}
	t.exchange, t.queue = "warren.tap."+tapRandom(), ""
	if err := t.declare(ch, prefetch); err != nil {
		t.cleanupAfterFailure(ctx)
		return t.err(err)
	}
	return nil
}

func (t *tapSource) consume(ch *amqp.Channel) (<-chan amqp.Delivery, error) {
	ds, err := ch.Consume(t.queue, "warren-tap-"+tapRandom(), t.noAck, true, false, false, nil)
	if err != nil {
		return nil, t.err(err)
	}
	return ds, nil
}

func (t *tapSource) declare(ch *amqp.Channel, prefetch int) error {
	sp := t.spec
	// internal: nobody can publish to it directly; auto-delete: it goes
	// with its queue's binding.
	if err := ch.ExchangeDeclare(t.exchange, amqp.ExchangeFanout, false, true, true, false, nil); err != nil {
		return err
	}
	q, err := ch.QueueDeclare("", false, true, true, false, amqp.Table{
		"x-max-length": int64(sp.MaxLength),
		"x-overflow":   "drop-head",
	})
	if err != nil {
		return err
	}
	t.queue = q.Name
	if err := ch.QueueBind(q.Name, "", t.exchange, false, nil); err != nil {
		return err
	}
	if err := ch.ExchangeBind(t.exchange, sp.Key, sp.Exchange, false, amqp.Table(sp.Args)); err != nil {
		return err
	}
	if t.noAck {
		return nil
	}
	return ch.Qos(prefetch, 0, false)
}

// cleanupAfterFailure deletes what a failed open declared: the broker
// closed that channel, so use a fresh one.
func (t *tapSource) cleanupAfterFailure(ctx context.Context) {
	ch, err := t.s.VhostChannel(ctx, t.spec.Vhost)
	if err != nil {
		return
	}
	defer ch.Close()
	t.close(ch)
}

func (t *tapSource) close(ch *amqp.Channel) {
	if t.queue != "" {
		_, _ = ch.QueueDelete(t.queue, false, false, false)
	}
	if t.exchange != "" {
		_ = ch.ExchangeDelete(t.exchange, false, false)
	}
}

func (t *tapSource) convert(d amqp.Delivery) (message.Message, bool) {
	return fromDelivery(d, t.spec.Vhost, "", 0), true
}

func (t *tapSource) settle(ch *amqp.Channel, tag uint64) error {
	if t.noAck {
		return nil
	}
	return ch.Ack(tag, true)
}

// source declares the tapped exchange passively: an error when it is gone.
func (t *tapSource) source(ch *amqp.Channel) error {
	return ch.ExchangeDeclarePassive(t.spec.Exchange, orDefault(t.spec.Kind, amqp.ExchangeTopic), false, false, false, false, nil)
}

// lossless: a tap sees copies; its own queue drops the oldest by design.
func (t *tapSource) lossless() bool { return false }

func (t *tapSource) name() (string, string) { return "tap", t.spec.Exchange }

// check looks for the tapped exchange: when it is deleted its bindings go
// too, and the tap would fall silent without a word from the broker.
func (t *tapSource) check(ctx context.Context) error {
	ch, err := t.s.VhostChannel(ctx, t.spec.Vhost)
	if err != nil {
		return nil // the link is down: the session's recovery says so
	}
	defer ch.Close()
	if err := t.source(ch); err != nil {
		var aerr *amqp.Error
		if errors.As(err, &aerr) && aerr.Code == amqp.NotFound {
			return t.err(err)
		}
	}
	return nil
}

func (t *tapSource) permanent(err error) bool {
	return errors.Is(err, ErrTapExchangeNotFound) || isPermanentAMQP(err)
}

// err says in plain words why the broker refused the tap.
func (t *tapSource) err(err error) error {
	var aerr *amqp.Error
	if errors.As(err, &aerr) {
		switch aerr.Code {
		case amqp.NotFound:
			return fmt.Errorf("%w: cannot tap exchange %q in vhost %q: %s", ErrTapExchangeNotFound, t.spec.Exchange, t.spec.Vhost, aerr.Reason)
		case amqp.AccessRefused:
			return fmt.Errorf("%w: user %q may not tap exchange %q in vhost %q (needs read on it and configure/write on %q and %q): %s",
				ErrAccessRefused, t.s.vhosts.user(), t.spec.Exchange, t.spec.Vhost, "warren.tap.*", "amq.gen-*", aerr.Reason)
		}
	}
	return liveErr(err)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func tapRandom() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
