package broker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/message"
)

// ErrBlocked: the broker blocked publishing (connection.blocked, raised by a
// memory or disk alarm) and the caller's context ended before it lifted.
var ErrBlocked = errors.New("broker blocked publishing")

// ErrPublisherClosed: the publisher's channel or connection is gone.
var ErrPublisherClosed = errors.New("publisher closed")

// Receipt tracks one message until its outcome is known.
type Receipt struct {
	tag  uint64
	id   string
	done chan struct{}
	res  PublishResult
}

// Done is closed once the outcome is known.
func (r *Receipt) Done() <-chan struct{} { return r.done }

// Result is the outcome; only meaningful after Done is closed.
func (r *Receipt) Result() PublishResult { return r.res }

// Wait blocks until the outcome is known or ctx ends.
func (r *Receipt) Wait(ctx context.Context) (PublishResult, error) {
	select {
	case <-r.done:
		return r.res, nil
	case <-ctx.Done():
		return PublishResult{MessageID: r.id}, ctx.Err()
	}
}

// PublisherOptions tune a Publisher.
type PublisherOptions struct {
	// Window is how many messages may await their confirm at once
	// (default 512): publishing is pipelined, not one round trip each.
	Window int
	// OnBlocked, when set, hears the broker block (true, with its reason)
	// and unblock (false) the connection, so a UI can show the alarm.
	// It runs on a goroutine of its own; keep it short.
	OnBlocked func(blocked bool, reason string)
}

// Publisher publishes on a channel of its own in confirm mode, every message
// mandatory and carrying a message id, and reports each message's outcome.
//
// Returns are matched to messages by message id. RabbitMQ sends the
// basic.return of a message before its basic.ack on the same channel, and
// amqp091-go hands both to listeners from one goroutine in that order, so
// when a confirm is read every return belonging to it is already buffered:
// the reader drains returns before it settles each confirm. Two messages
// with the same id are never outstanding together (the second waits), so a
// return always names exactly one message.
type Publisher struct {
	conn    *amqp.Connection
	ownConn bool
	ch      *amqp.Channel
	opts    PublisherOptions

	slots chan struct{} // the confirm window
	done  chan struct{} // closed when the reader has settled everything

	pubMu   sync.Mutex // one publish at a time, so tags follow our count
	nextTag uint64

	mu        sync.Mutex
	pending   map[uint64]*Receipt
	ids       map[string]int           // outstanding message ids
	returned  map[string][]amqp.Return // returns awaiting their confirm
	closedErr error

	bmu       sync.Mutex
	unblocked chan struct{} // non-nil while blocked; closed on unblock
	reason    string
}

// OpenPublisher dials a connection of its own on vhost (so a broker alarm
// blocking it is seen, and it can be told apart in the management UI) and
// returns a Publisher on it. Close it when done.
func (s *Session) OpenPublisher(ctx context.Context, vhost string, opts PublisherOptions) (*Publisher, error) {
	conn, err := s.vhosts.dialNamed(ctx, vhost, s.cfg.Name+" publish (vhost "+vhost+")")
	if err != nil {
		return nil, err
	}
	p, err := newPublisher(conn, opts)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	p.ownConn = true
	return p, nil
}

// dialNamed dials vhost like dial, advertising name to the broker.
func (p *vhostPool) dialNamed(ctx context.Context, vhost, name string) (*amqp.Connection, error) {
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName(name)
	conn, err := amqp.DialConfig(p.uriFor(vhost), amqp.Config{
		Vhost:           vhost,
		TLSClientConfig: p.cfg.TLS,
		Properties:      props,
		Heartbeat:       10 * time.Second,
		Dial:            batching(dialContext(ctx, 5*time.Second)),
	})
	if err != nil {
		return nil, p.vhostErr(vhost, err)
	}
	return conn, nil
}

// batching wraps what dial returns in a batchingConn: these connections
// publish, and a publish is one flush in amqp091-go.
func batching(dial func(network, addr string) (net.Conn, error)) func(network, addr string) (net.Conn, error) {
	return func(network, addr string) (net.Conn, error) {
		c, err := dial(network, addr)
		if err != nil {
			return nil, err
		}
		return newBatchingConn(c), nil
	}
}

// newPublisher opens a confirm-mode channel on conn. The caller keeps
// owning conn.
func newPublisher(conn *amqp.Connection, opts PublisherOptions) (*Publisher, error) {
	if opts.Window <= 0 {
		opts.Window = 512
	}
	ch, err := conn.Channel()
	if err != nil {
		return nil, cleanErr(err)
	}
	if err := ch.Confirm(false); err != nil {
		_ = ch.Close()
		return nil, cleanErr(err)
	}
	p := &Publisher{
		conn: conn, ch: ch, opts: opts,
		slots:    make(chan struct{}, opts.Window),
		done:     make(chan struct{}),
		pending:  map[uint64]*Receipt{},
		ids:      map[string]int{},
		returned: map[string][]amqp.Return{},
	}
	// Listeners must be drained promptly: amqp091-go drops a notification
	// that waits longer than 5 s. Buffers hold a whole window.
	confirms := ch.NotifyPublish(make(chan amqp.Confirmation, opts.Window+16))
	returns := ch.NotifyReturn(make(chan amqp.Return, opts.Window+16))
	closes := ch.NotifyClose(make(chan *amqp.Error, 1))
	blocks := conn.NotifyBlocked(make(chan amqp.Blocking, 4))
	go p.read(confirms, returns, closes)
	go p.watchBlocked(blocks)
	return p, nil
}

// Close closes the channel (and the connection it dialled); outcomes not
// yet known become InDoubt.
func (p *Publisher) Close() error {
	err := p.ch.Close()
	<-p.done
	if p.ownConn {
		_ = p.conn.Close()
	}
	if err != nil && !errors.Is(err, amqp.ErrClosed) {
		return cleanErr(err)
	}
	return nil
}

// Blocked says whether the broker currently blocks this connection, and why.
func (p *Publisher) Blocked() (bool, string) {
	p.bmu.Lock()
	defer p.bmu.Unlock()
	return p.unblocked != nil, p.reason
}

// Publish sends m to exchange with routing key, mandatory. It waits, with
// ctx, for room in the confirm window and for a blocked connection to be
// unblocked; it returns as soon as the message is written. The Receipt
// tells the outcome later. m keeps its message id; one is made when it has
// none.
func (p *Publisher) Publish(ctx context.Context, exchange, key string, m message.Message) (*Receipt, error) {
	if err := message.CheckHeaders(m.Headers); err != nil {
		// The broker would take it, and then no amqp091-go reader could.
		return nil, fmt.Errorf("not published: %w", err)
	}
	if m.FullSize > len(m.Body) {
		return nil, fmt.Errorf("not published: the body holds only the first %d of its %d bytes (the management API cut it)", len(m.Body), m.FullSize)
	}
	pub := toPublishing(m)
	if pub.MessageId == "" {
		pub.MessageId = newMessageID()
	}
	return p.publish(ctx, exchange, key, pub)
}

func (p *Publisher) publish(ctx context.Context, exchange, key string, pub amqp.Publishing) (*Receipt, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, p.waitErr(ctx)
	case <-p.done:
		return nil, p.closedError()
	}
	if err := p.waitUnblocked(ctx); err != nil {
		<-p.slots
		return nil, err
	}
	p.pubMu.Lock()
	defer p.pubMu.Unlock()
	if err := p.waitIDFree(ctx, pub.MessageId); err != nil {
		<-p.slots
		return nil, err
	}
	p.mu.Lock()
	if p.closedErr != nil {
		p.mu.Unlock()
		<-p.slots
		return nil, p.closedError()
	}
	p.nextTag++
	r := &Receipt{tag: p.nextTag, id: pub.MessageId, done: make(chan struct{})}
	r.res.MessageID = r.id
	// Registered before the write: the confirm may beat Publish's return.
	p.pending[r.tag] = r
	p.ids[r.id]++
	p.mu.Unlock()

	dc, err := p.ch.PublishWithDeferredConfirmWithContext(ctx, exchange, key, true, false, pub)
	if err == nil && (dc == nil || dc.DeliveryTag != r.tag) {
		err = fmt.Errorf("publisher lost count of delivery tags (%d)", r.tag) // a bug, not the broker
	}
	if err != nil {
		p.mu.Lock()
		if _, still := p.pending[r.tag]; still { // else the reader settled it on close
			delete(p.pending, r.tag)
			p.forgetID(r.id)
			p.nextTag--
			<-p.slots
		}
		p.mu.Unlock()
		return nil, fmt.Errorf("publish: %w", cleanErr(err))
	}
	return r, nil
}

// waitIDFree waits while a message with the same id awaits its confirm, so
// a return can only belong to one message. Rare: polling is fine.
func (p *Publisher) waitIDFree(ctx context.Context, id string) error {
	for {
		p.mu.Lock()
		n, closed := p.ids[id], p.closedErr != nil
		p.mu.Unlock()
		if n == 0 || closed {
			return nil
		}
		select {
		case <-ctx.Done():
			return p.waitErr(ctx)
		case <-time.After(time.Millisecond):
		}
	}
}

func (p *Publisher) forgetID(id string) {
	if p.ids[id]--; p.ids[id] <= 0 {
		delete(p.ids, id)
	}
}

// waitErr explains why waiting ended: a broker alarm, or just ctx.
func (p *Publisher) waitErr(ctx context.Context) error {
	if blocked, reason := p.Blocked(); blocked {
		return fmt.Errorf("%w (%s): gave up: %v", ErrBlocked, reason, ctx.Err())
	}
	return ctx.Err()
}

func (p *Publisher) closedError() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closedErr != nil {
		return fmt.Errorf("%w: %v", ErrPublisherClosed, p.closedErr)
	}
	return ErrPublisherClosed
}

func (p *Publisher) waitUnblocked(ctx context.Context) error {
	p.bmu.Lock()
	unblocked := p.unblocked
	p.bmu.Unlock()
	if unblocked == nil {
		return nil
	}
	select {
	case <-unblocked:
		return nil
	case <-ctx.Done():
		return p.waitErr(ctx)
	case <-p.done:
		return p.closedError()
	}
}

func (p *Publisher) watchBlocked(blocks <-chan amqp.Blocking) {
	for b := range blocks {
		p.bmu.Lock()
		switch {
		case b.Active && p.unblocked == nil:
			p.unblocked, p.reason = make(chan struct{}), b.Reason
		case !b.Active && p.unblocked != nil:
			close(p.unblocked)
			p.unblocked, p.reason = nil, ""
		}
		p.bmu.Unlock()
		if p.opts.OnBlocked != nil {
			p.opts.OnBlocked(b.Active, b.Reason)
		}
	}
	// The connection closed: nobody waits on an alarm of a dead link.
	p.bmu.Lock()
	if p.unblocked != nil {
		close(p.unblocked)
		p.unblocked = nil
	}
	p.bmu.Unlock()
}

// read settles receipts from the broker's confirms and returns until the
// channel closes, then marks whatever is left InDoubt.
func (p *Publisher) read(confirms <-chan amqp.Confirmation, returns <-chan amqp.Return, closes <-chan *amqp.Error) {
	defer close(p.done)
	for {
		select {
		case r, ok := <-returns:
			if !ok {
				returns = nil
				continue
			}
			p.noteReturn(r)
		case c, ok := <-confirms:
			if !ok {
				p.drainReturns(returns)
				p.closeAll(closes)
				return
			}
			p.drainReturns(returns) // its return, if any, is buffered by now
			p.settle(c)
		}
	}
}

func (p *Publisher) drainReturns(returns <-chan amqp.Return) {
	for returns != nil {
		select {
		case r, ok := <-returns:
			if !ok {
				return
			}
			p.noteReturn(r)
		default:
			return
		}
	}
}

func (p *Publisher) noteReturn(r amqp.Return) {
	p.mu.Lock()
	p.returned[r.MessageId] = append(p.returned[r.MessageId], r)
	p.mu.Unlock()
}

func (p *Publisher) settle(c amqp.Confirmation) {
	p.mu.Lock()
	r := p.pending[c.DeliveryTag]
	if r == nil {
		p.mu.Unlock()
		return
	}
	delete(p.pending, c.DeliveryTag)
	p.forgetID(r.id)
	switch rets := p.returned[r.id]; {
	case len(rets) > 0:
		r.res.Outcome, r.res.ReplyCode, r.res.ReplyText = Returned, rets[0].ReplyCode, rets[0].ReplyText
		if len(rets) == 1 {
			delete(p.returned, r.id)
		} else {
			p.returned[r.id] = rets[1:]
		}
	case c.Ack:
		r.res.Outcome = Confirmed
	default:
		r.res.Outcome = Nacked
	}
	p.mu.Unlock()
	close(r.done)
	<-p.slots
}

func (p *Publisher) closeAll(closes <-chan *amqp.Error) {
	var err error = ErrPublisherClosed
	select {
	case e, ok := <-closes:
		if ok && e != nil {
			err = liveErr(e) // readable, and still the *amqp.Error for its code
		}
	case <-time.After(50 * time.Millisecond): // a clean Close sends no error
	}
	p.mu.Lock()
	p.closedErr = err
	left := p.pending
	p.pending = map[uint64]*Receipt{}
	p.ids = map[string]int{}
	p.mu.Unlock()
	for _, r := range left {
		r.res.Outcome, r.res.Err = InDoubt, err
		close(r.done)
		<-p.slots
	}
}

// idPrefix makes ids unique across processes; idSeq within this one.
var (
	idPrefix = func() string {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		return "warren-" + hex.EncodeToString(b) + "-"
	}()
	idSeq atomic.Uint64
)

// newMessageID makes an id for a message that has none. A move makes one
// for each such message, so it costs a counter, not a random read.
func newMessageID() string {
	return idPrefix + strconv.FormatUint(idSeq.Add(1), 36)
}
