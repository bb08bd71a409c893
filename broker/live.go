package broker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/message"
)

// LiveOptions tune a live source. The zero value is fine.
type LiveOptions struct {
	Capacity int // the pump's ring size; 0: DefaultPumpCapacity
	Prefetch int // unacked deliveries in flight; 0: defaultLivePrefetch
	// Retry is the pause between reconnection attempts; 0: 1 s.
	Retry time.Duration
	// OnState, when set, is called (from the source's goroutine; keep it
	// short and non-blocking) on every state change.
	OnState func(LiveStatus)
	// StartPaused sets the source up (so errors come back at once) but
	// starts no consumer until Resume: a tap queue then fills on the broker.
	StartPaused bool
	// noAck has a tap consume without acks, for BenchmarkLiveTap only: a
	// paused or stalled no-ack consumer buffers without bound in
	// amqp091-go, so taps use manual multiple acks and a prefetch.
	noAck bool
}

const (
	defaultLivePrefetch = 2000
	liveBatch           = 512                   // deliveries handled per pump push
	settleEvery         = 512                   // deliveries per multiple ack (or nack)
	settleIdle          = 20 * time.Millisecond // settle what waits once deliveries pause
)

// liveSource is what differs between tap, tail and consume.
type liveSource interface {
	// setup checks and declares what the source needs on ch.
	setup(ctx context.Context, ch *amqp.Channel, prefetch int) error
	// consume starts the consumer on a set-up channel.
	consume(ch *amqp.Channel) (<-chan amqp.Delivery, error)
	// convert turns a delivery into a pane row; false skips it.
	convert(d amqp.Delivery) (message.Message, bool)
	// settle acknowledges everything up to tag in the source's mode.
	settle(ch *amqp.Channel, tag uint64) error
	// close removes what open declared (best effort; ch may be dead).
	close(ch *amqp.Channel)
	// permanent says whether an open error means retrying is pointless.
	permanent(err error) bool
	// name is the source's kind and what it reads, for errors: "tap",
	// "exchange X"; "tail", "stream Y"; "consume", "queue Z".
	name() (kind, what string)
	// lossless: settling removes the message from its queue, so the pump
	// must not drop one; the source waits for room instead.
	lossless() bool
	// check runs every checkEvery while the source runs: an error ends
	// this attempt (and, when permanent, the source). It finds what the
	// broker does not tell a consumer, e.g. a tapped exchange deleted.
	check(ctx context.Context) error
}

// checkEvery is how often a running live source is checked.
const checkEvery = 5 * time.Second

// Live is one running tap, tail or consume feeding a Pump. It reconnects
// by itself after a lost connection; State (or LiveOptions.OnState) tells
// how it is doing. A UI drains it once per frame tick:
//
//	batch, dropped, total := live.Drain(0) // one message to the program
//
// and calls Close when the pane closes; closing the Session ends it too
// (the broker then drops the exclusive tap queue with the connection).
//
// Pause stops reading deliveries while keeping the consumer: the broker
// then holds the backlog (a stream or queue keeps it all; a tap queue its
// newest x-max-length), the unacked prefetch bounds what sits in memory,
// and nothing is taken from a queue unseen. The pump's ring drops only
// when the UI does not drain it fast enough, and only for sources that
// take nothing (tap, tail, nack-requeue); Stats counts those drops. A
// consume that acks or rejects waits for room instead, so every message it
// takes off the queue reaches the pane.
type Live struct {
	*Pump
	s     *Session
	vhost string
	src   liveSource
	opts  LiveOptions

	paused atomic.Bool
	wake   chan struct{} // pause/resume changed

	mu      sync.Mutex
	status  LiveStatus
	resumed int

	cancel context.CancelFunc
	done   chan struct{}

	// Used by the running goroutine only (and by startLive before it).
	conn       *amqp.Connection // this source's own: see undecodable.go
	connClosed chan *amqp.Error // conn's close reason
	received   int              // deliveries handed to the source, over all attempts
	lastOffset int64            // the last stream offset received; -1 none
}

// startLive opens the source once (so set-up errors come back at once)
// and then runs it in the background.
func (s *Session) startLive(ctx context.Context, vhost string, src liveSource, opts LiveOptions) (*Live, error) {
	if opts.Prefetch <= 0 {
		opts.Prefetch = defaultLivePrefetch
	}
	if opts.Retry <= 0 {
		opts.Retry = time.Second
	}
	l := &Live{Pump: NewPump(opts.Capacity), s: s, vhost: vhost, src: src, opts: opts,
		wake: make(chan struct{}, 1), done: make(chan struct{}), lastOffset: -1}
	l.paused.Store(opts.StartPaused)
	ch, ds, err := l.open(ctx)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	l.setState(LiveRunning, nil)
	go l.run(runCtx, ch, ds)
	return l, nil
}

// open sets the source up on a fresh channel and, unless paused, starts
// its consumer; ds is nil when it did not.
func (l *Live) open(ctx context.Context) (ch *amqp.Channel, ds <-chan amqp.Delivery, err error) {
	l.dropConn()
	kind, _ := l.src.name()
	if l.conn, ch, err = l.s.vhosts.ownChannel(ctx, l.vhost, kind); err != nil {
		return nil, nil, err
	}
	l.connClosed = l.conn.NotifyClose(make(chan *amqp.Error, 1))
	if err = l.src.setup(ctx, ch, l.opts.Prefetch); err == nil && !l.paused.Load() {
		ds, err = l.src.consume(ch)
	}
	if err != nil {
		_ = ch.Close()
		l.dropConn()
		return nil, nil, err
	}
	return ch, ds, nil
}

// dropConn closes the source's own connection, if any.
func (l *Live) dropConn() {
	if l.conn != nil {
		_ = l.conn.Close()
		l.conn = nil
	}
}

// undecodable is the error for a source whose connection amqp091-go
// closed over a message it cannot decode.
func (l *Live) undecodable() *UndecodableError {
	kind, what := l.src.name()
	e := &UndecodableError{Vhost: l.vhost, Queue: what, Reader: kind, Position: l.received + 1, Offset: -1}
	if l.lastOffset >= 0 {
		e.Offset = l.lastOffset + 1
	}
	return e
}

// State is the source's current state.
func (l *Live) State() LiveStatus {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.status
}

func (l *Live) setState(state LiveState, err error) {
	l.setStatus(LiveStatus{State: state, Err: err, At: time.Now()})
}

// setStatus sets st, keeping the count of resumptions.
func (l *Live) setStatus(st LiveStatus) {
	l.mu.Lock()
	if st.State == LiveRunning && l.status.State == LiveReconnecting {
		l.resumed++
	}
	st.Resumed = l.resumed
	l.status = st
	l.mu.Unlock()
	if l.opts.OnState != nil {
		l.opts.OnState(st)
	}
}

// Pause stops reading deliveries (see Live); Resume reads on.
func (l *Live) Pause() { l.paused.Store(true); l.poke() }

// Resume reads on after Pause.
func (l *Live) Resume() { l.paused.Store(false); l.poke() }

// Paused says whether the source is paused.
func (l *Live) Paused() bool { return l.paused.Load() }

func (l *Live) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Close stops the consumer, removes the source's temporary broker objects
// and waits until the background goroutine is gone. The pump stays
// readable.
func (l *Live) Close() error {
	l.cancel()
	<-l.done
	return nil
}

// run consumes until Close, reopening the source after a loss.
func (l *Live) run(ctx context.Context, ch *amqp.Channel, ds <-chan amqp.Delivery) {
	defer close(l.done)
	defer l.dropConn()
	for {
		err := l.consume(ctx, ch, ds)
		if ctx.Err() != nil {
			l.src.close(ch)
			_ = ch.Close()
			l.setState(LiveClosed, nil)
			return
		}
		_ = ch.Close()
		// The error that ended consume may be a failed ack on the dead
		// channel: the connection's own close reason says why it died.
		if err != nil && closedUndecodable(l.conn, l.connClosed, err) {
			ue := l.undecodable()
			if kind, _ := l.src.name(); kind != "tap" {
				// Opening again would meet the same message, forever.
				l.setState(LiveFailed, ue)
				return
			}
			// The tap queue went with the connection, and the message
			// with it: a new tap goes on with what comes next.
			err = fmt.Errorf("%w; a tap queue lives on its connection, so it dropped that message and is set up again", ue)
		}
		l.setState(LiveReconnecting, err)
		// After a lost link (not a cancel), a queue may be missing for a
		// while: a restarted node declares a stream once its log is back.
		graceUntil := time.Time{}
		if linkLost(err) {
			graceUntil = time.Now().Add(notFoundGrace)
		}
		for {
			select {
			case <-ctx.Done():
				l.setState(LiveClosed, nil)
				return
			case <-time.After(l.opts.Retry):
			}
			ch, ds, err = l.open(ctx)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				l.setState(LiveClosed, nil)
				return
			}
			if l.sessionClosed() { // on quit: nothing left to reconnect with
				l.setState(LiveClosed, errors.New("the AMQP session was closed"))
				return
			}
			if l.src.permanent(err) && !(notFound(err) && time.Now().Before(graceUntil)) {
				l.setState(LiveFailed, err)
				return
			}
			l.setState(LiveReconnecting, err)
		}
		l.setState(LiveRunning, nil)
	}
}

func (l *Live) sessionClosed() bool {
	l.s.vhosts.mu.Lock()
	defer l.s.vhosts.mu.Unlock()
	return l.s.vhosts.closed
}

// consume moves deliveries into the pump in batches until ctx ends (nil)
// or the channel closes (the reason). Batching takes one lock per batch,
// and settling is batched further: one multiple-ack (or nack) per
// settleEvery messages, or settleIdle after the last one, as a plain
// consumer would. A lossless source (a consume that takes messages)
// settles only what the screen has taken from the pump, so a message
// leaves its queue only once the pane has it.
func (l *Live) consume(ctx context.Context, ch *amqp.Channel, ds <-chan amqp.Delivery) error {
	closed := ch.NotifyClose(make(chan *amqp.Error, 1))
	batch := make([]message.Message, 0, liveBatch)
	tags := make([]uint64, 0, liveBatch)
	lossless := l.src.lossless()
	// marks are the pushes not yet settled, oldest first: the pump's
	// running count once the push is in, and the push's last tag.
	type mark struct {
		count uint64
		tag   uint64
	}
	var marks []mark
	out, buffered := l.Progress()
	pushed := out + uint64(buffered) // this channel's pushes count from here
	settled := pushed
	checks := time.NewTicker(checkEvery)
	defer checks.Stop()
	idle := time.NewTimer(time.Hour)
	idle.Stop()
	armed := false
	// push moves the batch into the pump. A lossless source first waits
	// for room (the prefetch makes the broker wait meanwhile); when ctx
	// ends first, the rest stays unsettled and the broker requeues it.
	push := func() {
		for len(batch) > 0 {
			n := len(batch)
			if lossless {
				// Push what fits as soon as anything fits: waiting for
				// room for the whole batch could leave the ring short of
				// full forever.
				if l.WaitRoom(ctx, 1) != nil {
					break
				}
				_, buffered := l.Progress()
				n = min(n, l.Capacity()-buffered)
			}
			l.Push(batch[:n]...)
			pushed += uint64(n)
			marks = append(marks, mark{count: pushed, tag: tags[n-1]})
			batch, tags = batch[n:], tags[n:]
		}
		batch, tags = batch[:0], tags[:0]
	}
	// settle settles every push the screen has taken (lossless) or every
	// push (otherwise) with one multiple ack or nack.
	settle := func() error {
		k := len(marks)
		if lossless {
			taken, _ := l.Progress()
			for k > 0 && marks[k-1].count > taken {
				k--
			}
		}
		if k == 0 {
			return nil
		}
		err := l.src.settle(ch, marks[k-1].tag)
		settled = marks[k-1].count
		marks = marks[k:]
		return err
	}
	// rearm keeps an idle timer running while anything waits to be settled.
	rearm := func() {
		if len(marks) > 0 && !armed {
			idle.Reset(settleIdle)
			armed = true
		}
	}
	flush := func() error {
		push()
		if pushed-settled >= settleEvery {
			if err := settle(); err != nil {
				return err
			}
		}
		rearm()
		return nil
	}
	take := func(d amqp.Delivery) {
		l.received++
		if off, ok := headerInt(d.Headers, "x-stream-offset"); ok {
			l.lastOffset = off
		}
		if m, ok := l.src.convert(d); ok {
			batch, tags = append(batch, m), append(tags, d.DeliveryTag)
		}
	}
	for {
		if ds == nil && !l.paused.Load() { // resumed before the first consume
			var err error
			if ds, err = l.src.consume(ch); err != nil {
				return err
			}
		}
		in := ds
		if l.paused.Load() {
			in = nil // the prefetch limit makes the broker wait for us
		}
		select {
		case <-ctx.Done():
			if !lossless {
				push()
			} // else: what the screen has not taken stays unsettled, and
			// the broker requeues it when the channel closes
			_ = settle()
			return nil
		case <-l.wake:
			continue
		case <-l.room: // the screen took a batch: settle it now
			if err := settle(); err != nil {
				return liveErr(err)
			}
		case <-idle.C:
			armed = false
			if err := settle(); err != nil {
				return liveErr(err)
			}
			rearm()
		case <-checks.C:
			if err := l.src.check(ctx); err != nil && ctx.Err() == nil {
				push()
				_ = settle()
				return err
			}
		case d, ok := <-in:
			if !ok {
				push()
				return liveCloseReason(closed)
			}
			take(d)
		more: // take whatever else is ready, without waiting
			for len(batch) < liveBatch {
				select {
				case d, ok := <-in:
					if !ok {
						push()
						return liveCloseReason(closed)
					}
					take(d)
				default:
					break more
				}
			}
			if err := flush(); err != nil {
				return liveErr(err)
			}
		}
	}
}

// liveCloseReason is why the deliveries stopped, as a readable error.
func liveCloseReason(closed <-chan *amqp.Error) error {
	select {
	case e, ok := <-closed:
		if ok && e != nil {
			return liveErr(e)
		}
	case <-time.After(200 * time.Millisecond):
	}
	return errors.New("the broker cancelled the consumer")
}

// liveErr is cleanErr's readable text that still unwraps to the
// *amqp.Error, so isPermanentAMQP can read its code.
func liveErr(err error) error {
	var aerr *amqp.Error
	if errors.As(err, &aerr) {
		return &readableAMQPError{text: cleanErr(err).Error(), err: aerr}
	}
	return cleanErr(err)
}

type readableAMQPError struct {
	text string
	err  *amqp.Error
}

func (e *readableAMQPError) Error() string { return e.text }
func (e *readableAMQPError) Unwrap() error { return e.err }

// notFoundGrace is how long after a lost link a missing queue is taken for
// one still starting: a node that restarts declares a stream (or a quorum
// queue) only once its log has recovered, and until then says "not found".
const notFoundGrace = 60 * time.Second

// linkLost: the connection went (a broker closing it, as on shutdown, or
// the network), not the source (a cancel, a deleted queue or exchange).
func linkLost(err error) bool {
	var aerr *amqp.Error
	if errors.As(err, &aerr) {
		switch aerr.Code {
		case amqp.ConnectionForced, amqp.FrameError, amqp.ChannelError, amqp.InternalError:
			return true
		}
		return false
	}
	var nerr net.Error
	return errors.As(err, &nerr) || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed)
}

// notFound: the queue or exchange was not there.
func notFound(err error) bool {
	var aerr *amqp.Error
	return errors.Is(err, ErrQueueNotFound) || errors.As(err, &aerr) && aerr.Code == amqp.NotFound
}

// isPermanentAMQP: errors that another attempt would only repeat.
func isPermanentAMQP(err error) bool {
	var aerr *amqp.Error
	if errors.As(err, &aerr) {
		switch aerr.Code {
		case amqp.NotFound, amqp.AccessRefused, amqp.PreconditionFailed, amqp.ResourceLocked, amqp.NotAllowed:
			return true
		}
	}
	return errors.Is(err, ErrAccessRefused) || errors.Is(err, ErrVhostNotFound) || errors.Is(err, ErrQueueNotFound)
}
