package broker

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/message"
)

// discard acks each selected message without publishing it: Remove's
// target, past the ones a request may name.
const discard = ReturnViaExchange + 1

// settleTimeout bounds the wait for the confirms still in flight when a
// move stops taking messages.
const settleTimeout = 30 * time.Second

// moveItem is one source delivery on its way, in delivery order.
type moveItem struct {
	tag      uint64
	receipt  *Receipt // nil: never published
	noOrigin bool
	skip     bool // not selected by Only: held, not counted as a failure
	extra    bool // taken past the budget while draining: held, requeued
	gen      int  // which of the source's consumers delivered it
	// risky: a quorum message whose delivery count is at the limit, so a
	// requeue would have the broker drop it. tail: receipt is its copy to
	// the source's tail, not to the target. copy: a risky message's copy
	// to publish to the tail should its move fail.
	risky, tail bool
	copy        *amqp.Publishing
	key         uint64 // deliveryKey, on a classic source: see move_reconcile.go
	// freeze, when set, makes this no message but drain's marker: the
	// settling goroutine closes it once all before it are settled.
	freeze chan struct{}
}

// Move moves messages from a queue with publisher confirms, losing none:
// the source delivery is acked only once its copy is confirmed and not
// returned; everything else stays unacked and is requeued at the end, so it
// keeps its place in the source. Holding (not requeueing) failures also
// means the move never meets them again. One consumer and one publishing
// channel keep the order of a single source queue.
//
// On ctx cancel the move stops taking messages, settles those in flight and
// returns ctx's error with the counts. A lost connection returns an error
// too; the broker then requeues every unacked message itself.
func (s *Session) Move(ctx context.Context, req MoveRequest, progress func(MoveProgress)) (MoveResult, error) {
	if err := req.Check(); err != nil {
		return MoveResult{}, err
	}
	if err := s.checkTargetQueue(ctx, req.Vhost, req.Target, req.TargetQueue, req.Exchange, req.RoutingKey, "moved"); err != nil {
		return MoveResult{}, err
	}
	return s.move(ctx, req, progress)
}

// move runs a checked request; the discard target publishes nothing and
// so needs no publishing connection.
func (s *Session) move(ctx context.Context, req MoveRequest, progress func(MoveProgress)) (MoveResult, error) {
	start := time.Now()
	if req.Window <= 0 {
		req.Window = 1024
	}
	conn, err := s.vhosts.dialNamed(ctx, req.Vhost, s.cfg.Name+" move (vhost "+req.Vhost+")")
	if err != nil {
		return MoveResult{}, err
	}
	defer conn.Close()
	connClosed := conn.NotifyClose(make(chan *amqp.Error, 1)) // why it ended, if it did
	cch, err := conn.Channel()
	if err != nil {
		return MoveResult{}, cleanErr(err)
	}
	q, err := cch.QueueDeclarePassive(req.Queue, false, false, false, false, nil)
	if err != nil {
		return MoveResult{}, s.queueErr(PeekRequest{Vhost: req.Vhost, Queue: req.Queue}, err)
	}
	budget := q.Messages
	if req.Limit > 0 && req.Limit < budget && len(req.Only) == 0 {
		budget = req.Limit
	}
	if budget == 0 && req.Target != discard { // Remove goes on: its consumer tells a stream
		return MoveResult{NotFound: len(req.Only), Took: time.Since(start)}, nil
	}
	var pub *Publisher
	if req.Target != discard {
		// Publishing gets a connection of its own, as the shovel does: the
		// broker's flow control throttles a publishing connection as a
		// whole, and must not slow the deliveries and acks of the source.
		pconn, err := s.vhosts.dialNamed(ctx, req.Vhost, s.cfg.Name+" move-publish (vhost "+req.Vhost+")")
		if err != nil {
			return MoveResult{}, err
		}
		defer pconn.Close()
		if pub, err = newPublisher(pconn, PublisherOptions{Window: req.Window, OnBlocked: req.OnBlocked}); err != nil {
			return MoveResult{}, err
		}
		defer pub.Close()
	}
	if req.QueueType == "" {
		if req.QueueType, err = s.queueType(ctx, req.Vhost, req.Queue); err != nil {
			return MoveResult{NotFound: len(req.Only)}, err
		}
	}
	src, err := s.openSource(ctx, conn, cch, req, budget)
	if src.conn != conn {
		defer src.conn.Close()
	}
	if err != nil {
		return MoveResult{NotFound: len(req.Only)}, err
	}
	m := &mover{req: req, cch: src.ch, pub: pub, tailPub: pub, budget: budget, start: start, progress: progress,
		items: make(chan moveItem, req.Window), prefetch: src.prefetch,
		renewable: src.renewable, renewNow: make(chan struct{}, 1),
		closed: src.ch.NotifyClose(make(chan *amqp.Error, 1)), wanted: newWanted(req.Only),
		quorum: src.quorum, capped: src.quorum, ceiling: src.prefetch, curPrefetch: src.prefetch, depth: q.Messages,
		seed: maphash.MakeSeed()}
	m.res.QueueType, m.res.DeliveryLimit = QueueClassic, -1
	if m.quorum {
		m.res.QueueType, m.res.DeliveryLimit = QueueQuorum, req.DeliveryLimit
	}
	if pub == nil && m.quorum && req.DeliveryLimit >= 0 {
		// Remove publishes nothing, unless a message at the delivery limit
		// must go to the tail rather than be requeued past it.
		m.dialTail = func() (*Publisher, error) {
			pconn, err := s.vhosts.dialNamed(ctx, req.Vhost, s.cfg.Name+" move-publish (vhost "+req.Vhost+")")
			if err != nil {
				return nil, err
			}
			p, err := newPublisher(pconn, PublisherOptions{Window: req.Window, OnBlocked: req.OnBlocked})
			if err != nil {
				_ = pconn.Close()
				return nil, err
			}
			m.closeTail = func() { p.Close(); _ = pconn.Close() }
			return p, nil
		}
		defer func() {
			if m.closeTail != nil {
				m.closeTail()
			}
		}()
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); m.settleAll() }()
	takeErr := m.take(ctx, &src)
	if takeErr != nil && src.ch.IsClosed() {
		// Taking failed because the link did (a renew or an idle check
		// on a dead channel): what follows treats it as the lost link.
		m.mu.Lock()
		if m.linkErr == nil {
			m.linkErr = takeErr
		}
		m.mu.Unlock()
	}
	if m.capped {
		m.drain(&src)
	}
	close(m.items)
	settled := make(chan struct{})
	go func() { wg.Wait(); close(settled) }()
	select {
	case <-settled:
	case <-time.After(settleTimeout):
		// No confirms (a broker alarm that never lifts?): drop the link so
		// the broker requeues everything; those outcomes become InDoubt.
		_ = src.conn.CloseDeadline(time.Now().Add(2 * time.Second))
		<-settled
	}
	if m.capped {
		m.requeueQuorum(&src)
	} else {
		m.requeueRest(&src)
	}

	m.res.NotFound = m.wanted.notFound()
	m.res.Took = time.Since(start)
	m.report(true)
	switch {
	case m.linkErr != nil && closedUndecodable(conn, connClosed, m.linkErr):
		// The consumer's connection died on a message amqp091-go cannot
		// read: it and all after it stay in the source. What was moved
		// but not yet acked went back too: reconcile acks it there.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
		defer cancel()
		m.reconcile(cctx, func(ctx context.Context) (*amqp.Connection, error) {
			return s.vhosts.dialNamed(ctx, req.Vhost, s.cfg.Name+" move-check (vhost "+req.Vhost+")")
		})
		m.res.Took = time.Since(start)
		return m.res, &UndecodableError{Vhost: req.Vhost, Queue: req.Queue, Reader: "move", Offset: -1, Twice: m.res.DuplicateRisk}
	case m.linkErr != nil:
		return m.res, fmt.Errorf("move stopped, link lost: %w", m.linkErr)
	case takeErr != nil:
		return m.res, takeErr
	}
	return m.res, nil
}

// source is the mover's consumer on the queue it takes from.
type source struct {
	conn       *amqp.Connection
	ch         *amqp.Channel
	deliveries <-chan amqp.Delivery
	tag        string
	// retired are the deliveries of consumers cancelled by renew, in
	// order; each is read to its end before the next, then deliveries.
	retired   []<-chan amqp.Delivery
	renewable bool // a consumer prefetch on a classic queue: renew makes room
	quorum    bool // a quorum queue: see openSource
	prefetch  int
}

// next is the channel the source's deliveries come from now.
func (src *source) next() <-chan amqp.Delivery {
	if len(src.retired) > 0 {
		return src.retired[0]
	}
	return src.deliveries
}

// QueueTyper tells a queue's type (QueueClassic, QueueQuorum,
// QueueStream). The management client is one; cmd/warren hands it to the
// session with SetQueueTyper.
type QueueTyper interface {
	QueueType(ctx context.Context, vhost, queue string) (string, error)
}

// SetQueueTyper gives the session its QueueTyper; nil means none.
func (s *Session) SetQueueTyper(t QueueTyper) {
	s.headMu.Lock()
	s.typer = t
	s.headMu.Unlock()
}

// queueType asks the session's QueueTyper for a queue's type.
func (s *Session) queueType(ctx context.Context, vhost, queue string) (string, error) {
	s.headMu.Lock()
	t := s.typer
	s.headMu.Unlock()
	if t == nil {
		return "", fmt.Errorf("cannot take messages from queue %q in vhost %q: its type (classic or quorum) is unknown, and no management API can tell it", queue, vhost)
	}
	typ, err := t.QueueType(ctx, vhost, queue)
	if err != nil {
		return "", fmt.Errorf("cannot take messages from queue %q in vhost %q: the management API did not tell its type (classic or quorum): %w", queue, vhost, err)
	}
	return typ, nil
}

// errStreamMove refuses a stream as a move's source.
func errStreamMove(req MoveRequest) error {
	return fmt.Errorf("queue %q in vhost %q is a stream: streams are append-only, "+
		"so no message can be moved or removed from one (read it with a peek or a tail)", req.Queue, req.Vhost)
}

// openSource starts consuming the source with a consumer prefetch (never
// a channel-wide one: RabbitMQ 4.3 refuses basic.qos with global set). A
// classic queue gets a prefetch of one window, and a fresh consumer
// (renew) when held failures fill it; a quorum queue its quorumPrefetch.
// The type comes from the request or, when it is "", from the session's
// QueueTyper (the management API); a stream is refused, as is a queue
// whose type cannot be learnt: the quorum reads keep delivery counts
// safe, and only its type says whether they are needed.
func (s *Session) openSource(ctx context.Context, conn *amqp.Connection, ch *amqp.Channel, req MoveRequest, budget int) (source, error) {
	src := source{conn: conn, ch: ch, tag: moveConsumerTag(), prefetch: req.Window}
	switch req.QueueType {
	case QueueClassic:
		src.renewable = true
	case QueueQuorum:
		src.quorum, src.prefetch = true, quorumPrefetch(req, budget)
	case QueueStream:
		return src, errStreamMove(req)
	default:
		return src, fmt.Errorf("cannot take messages from queue %q in vhost %q: its type (classic or quorum) is unknown", req.Queue, req.Vhost)
	}
	if err := ch.Qos(src.prefetch, 0, false); err != nil {
		return src, cleanErr(err)
	}
	ds, err := ch.Consume(req.Queue, src.tag, false, false, false, false, nil)
	switch {
	case err != nil && strings.Contains(err.Error(), "consumer prefetch count is not set"):
		return src, errStreamMove(req)
	case err != nil:
		return src, s.queueErr(PeekRequest{Vhost: req.Vhost, Queue: req.Queue}, err)
	}
	src.deliveries = ds
	return src, nil
}

// moveConsumerTag names a mover's consumer, as the broker lists it.
func moveConsumerTag() string { return "warren-move-" + newMessageID()[7:] }

// route says where one delivery goes; ok is false when it has no origin.
func moveRoute(req MoveRequest, d *amqp.Delivery) (exchange, key string, ok bool) {
	switch req.Target {
	case ToQueue:
		return "", req.TargetQueue, true
	case ToExchange:
		return req.Exchange, req.RoutingKey, true
	}
	queue, ex, keys, ok := message.Origin(message.Message{Headers: convertTable(d.Headers), RoutingKey: d.RoutingKey})
	if !ok {
		return "", "", false
	}
	if req.Target == ReturnToOrigin {
		return "", queue, true
	}
	if len(keys) == 0 {
		return ex, "", true
	}
	// Further keys (CC) ride along in the CC header the message still has.
	return ex, keys[0], true
}

// mover is one running Move: take feeds items, settleAll drains them.
type mover struct {
	req      MoveRequest
	cch      *amqp.Channel
	pub      *Publisher
	budget   int
	start    time.Time
	progress func(MoveProgress)
	items    chan moveItem
	closed   chan *amqp.Error // the consumer channel's close

	mu       sync.Mutex // guards the counts below, shared by both goroutines
	res      MoveResult
	taken    int
	held     int    // unacked failures awaiting the final requeue
	prefetch int    // current channel prefetch
	unsure   int    // acked since the last barrier: the broker may not have seen them
	pendAck  uint64 // highest tag to ack with multiple=true, 0 when none
	pendN    int
	lastRep  time.Time
	linkErr  error
	heldTags []uint64
	settled  int
	wanted   *wanted // Only's selection; used by take alone
	// renewable: held failures fill the consumer's own prefetch, and
	// take renews the consumer on renewNow once heldNow of them do.
	renewable bool
	renewNow  chan struct{}
	heldNow   int
	quorum    bool // the source is a quorum queue
	// capped: a quorum source, whose checked-out messages are counted: at
	// most ceiling were ever checked out to the move (see move_quorum.go).
	capped      bool
	ceiling     int
	gen         int        // the source consumer's generation, bumped by renew
	pendCur     int        // of pendN: delivered by the current consumer
	pendRisk    int        // of pendN: risky
	deferred    []moveItem // acks held back so no more is checked out than the budget
	frozen      bool       // no more acks of the current consumer until it is cancelled
	ackedSent   int        // acks written to the source channel
	riskOpen    int        // risky messages taken and not acked
	depth       int        // the source's ready messages at the start
	curPrefetch int        // the current quorum consumer's prefetch
	heldRisky   int        // risky messages held for the final requeue
	// tailPub publishes copies to the source's tail: pub, or for Remove
	// one dialled on first need (dialTail; closeTail closes it).
	tailPub   *Publisher
	dialTail  func() (*Publisher, error)
	closeTail func()
	// open lists, in delivery order, the deliveries of a classic source
	// not certainly acked (move_reconcile.go); firstPending is the first
	// whose ack may still be unsent. Only the settling goroutine uses them
	// until the move ends.
	seed         maphash.Seed
	open         []openEntry
	firstPending int
	// rpc serializes synchronous calls on cch: amqp091-go hands a reply
	// to whichever caller waits, so two at once could swap their replies.
	rpc sync.Mutex
}

func (m *mover) allSettled() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.settled == m.taken
}

// take consumes up to the budget, publishing each copy in delivery order.
func (m *mover) take(ctx context.Context, src *source) error {
	idle := time.NewTimer(time.Second)
	defer idle.Stop()
	quiet := false // the source looked empty, and a barrier was passed since
	for m.taken < m.budget && !m.wanted.done() {
		var d amqp.Delivery
		var ok bool
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-m.renewNow:
			if err := m.renew(src); err != nil {
				return err
			}
			continue
		case d, ok = <-src.next():
			if !ok && len(src.retired) > 0 {
				src.retired = src.retired[1:] // a renewed consumer's last delivery was read
				continue
			}
			if !ok {
				err := errors.New("the source stopped delivering (queue deleted?)")
				select { // the broker's reason, when the channel closed
				case e, ok := <-m.closed:
					if ok && e != nil {
						err = cleanErr(e)
					}
				case <-time.After(100 * time.Millisecond):
				}
				m.mu.Lock()
				if m.linkErr == nil {
					m.linkErr = err
				}
				m.mu.Unlock()
				return nil
			}
		case <-idle.C:
			if quiet && m.allSettled() {
				return nil // nothing came after the barrier either
			}
			// Others may have taken what the budget counted: stop when the
			// source has nothing ready and nothing is in flight. Zero ready
			// also means "all checked out", maybe to this very consumer:
			// the broker answers the declare before it passes on messages
			// checked out just before, so a second round trip on the
			// channel (which it serves after them) must come back too, and
			// nothing arrive after it.
			m.rpc.Lock()
			q, err := m.cch.QueueDeclarePassive(m.req.Queue, false, false, false, false, nil)
			m.rpc.Unlock()
			if err == nil && q.Messages == 0 && m.allSettled() {
				if err := m.qos(); err == nil {
					quiet = true
					idle.Reset(200 * time.Millisecond)
					continue
				}
			}
			if err := m.stalled(); err != nil {
				return err
			}
			idle.Reset(time.Second)
			continue
		}
		quiet = false
		m.mu.Lock()
		m.taken++
		gen := m.gen
		m.mu.Unlock()
		it := moveItem{tag: d.DeliveryTag, gen: gen, skip: !m.wanted.take(&d)}
		if m.tracking() {
			it.key = m.deliveryKey(&d)
		}
		if !it.skip {
			if err := m.send(ctx, &d, &it); err != nil {
				m.items <- it // unpublished: it stays in the source
				return err
			}
		}
		if err := m.guard(ctx, &d, &it); err != nil {
			m.items <- it
			return err
		}
		m.items <- it
		if !idle.Stop() {
			<-idle.C
		}
		idle.Reset(time.Second)
	}
	return nil
}

// stalled says the broker will deliver no more: every message the fixed
// prefetch allows is held.
func (m *mover) stalled() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.renewable || m.capped || m.prefetch == 0 || m.held < m.prefetch {
		return nil
	}
	return fmt.Errorf("stopped after holding %d messages in place, as many as a quorum queue lets one consumer hold", m.held)
}

// renew replaces the source's consumer with a fresh one when held failures
// fill its prefetch. A cancelled consumer's unacked deliveries stay with
// the channel (held until the final requeue) and no longer count against a
// prefetch; its deliveries still on the way are read before the new one's,
// so the source's order holds.
func (m *mover) renew(src *source) error {
	tag := moveConsumerTag()
	m.rpc.Lock()
	defer m.rpc.Unlock()
	if err := m.cch.Cancel(src.tag, false); err != nil {
		return fmt.Errorf("renewing the source's consumer: %w", cleanErr(err))
	}
	if m.capped {
		// The old consumer had no credit left, so nothing of it is on the
		// way. The new one may have what the budget still allows.
		m.mu.Lock()
		left := m.budget - m.taken
		m.mu.Unlock()
		if left <= 0 {
			return nil // the move is done taking
		}
		prefetch := nextPrefetch(m.req, m.curPrefetch, left)
		if err := m.cch.Qos(prefetch, 0, false); err != nil {
			return fmt.Errorf("renewing the source's consumer: %w", cleanErr(err))
		}
		m.curPrefetch = prefetch
		m.mu.Lock()
		m.gen++
		m.ceiling = m.taken + prefetch
		m.mu.Unlock()
	}
	ds, err := m.cch.Consume(m.req.Queue, tag, false, false, false, false, nil)
	if err != nil {
		return fmt.Errorf("renewing the source's consumer: %w", cleanErr(err))
	}
	src.retired = append(src.retired, src.deliveries)
	src.tag, src.deliveries = tag, ds
	m.mu.Lock()
	m.heldNow = 0
	m.mu.Unlock()
	return nil
}

// send publishes d's copy and notes its receipt in it; Remove's discard
// target publishes nothing and counts it confirmed at once.
func (m *mover) send(ctx context.Context, d *amqp.Delivery, it *moveItem) error {
	if m.req.Target == discard {
		it.receipt = discarded
		return nil
	}
	ex, key, ok := moveRoute(m.req, d)
	if !ok {
		it.noOrigin = true
		return nil
	}
	pub := deliveryPublishing(d)
	if ex == "" {
		pub.Headers = withoutCC(pub.Headers)
	}
	if m.quorum {
		pub.Headers = without(pub.Headers, "x-delivery-count")
	}
	r, err := m.pub.publish(ctx, ex, key, pub)
	if err != nil {
		return err
	}
	it.receipt = r
	return nil
}

// withoutCC drops the CC and BCC headers (sender-selected distribution)
// from a copy sent to one queue through the default exchange, where every
// CC entry would name one more queue to deliver to.
func withoutCC[T ~map[string]any](h T) T { return without(h, "CC", "BCC") }

// without returns h without keys, copying it only when it has one.
func without[T ~map[string]any](h T, keys ...string) T {
	found := false
	for _, k := range keys {
		_, ok := h[k]
		found = found || ok
	}
	if !found {
		return h
	}
	out := make(T, len(h))
	for k, v := range h {
		if !slices.Contains(keys, k) {
			out[k] = v
		}
	}
	return out
}

// discarded is the receipt of every message Remove deletes: settled and
// confirmed, so the mover acks it like a moved one.
var discarded = func() *Receipt {
	r := &Receipt{done: make(chan struct{}), res: PublishResult{Outcome: Confirmed}}
	close(r.done)
	return r
}()

// wanted is what Only still looks for: a fingerprint listed k times
// selects at most k deliveries. A nil *wanted selects every delivery.
type wanted struct {
	n    map[string]int
	left int
}

func newWanted(only []string) *wanted {
	if len(only) == 0 {
		return nil
	}
	w := &wanted{n: make(map[string]int, len(only)), left: len(only)}
	for _, fp := range only {
		w.n[fp]++
	}
	return w
}

// take says whether d is selected, and if so counts it as found.
func (w *wanted) take(d *amqp.Delivery) bool {
	if w == nil {
		return true
	}
	fp := deliveryFingerprint(d)
	if w.n[fp] == 0 {
		return false
	}
	w.n[fp]--
	w.left--
	return true
}

// done: every listed fingerprint was found.
func (w *wanted) done() bool { return w != nil && w.left == 0 }

// notFound counts the listed fingerprints never met.
func (w *wanted) notFound() int {
	if w == nil {
		return 0
	}
	return w.left
}

// deliveryFingerprint is message.Fingerprint of d as Peek shows it.
func deliveryFingerprint(d *amqp.Delivery) string {
	return message.Fingerprint(fromDelivery(*d, "", "", 0))
}

// deliveryPublishing copies a delivery as it came off the wire: no trip
// through message.Message, so every header keeps its exact AMQP type.
func deliveryPublishing(d *amqp.Delivery) amqp.Publishing {
	id := d.MessageId
	if id == "" {
		id = newMessageID()
	}
	return amqp.Publishing{
		Headers: d.Headers, ContentType: d.ContentType, ContentEncoding: d.ContentEncoding,
		DeliveryMode: d.DeliveryMode, Priority: d.Priority, CorrelationId: d.CorrelationId,
		ReplyTo: d.ReplyTo, Expiration: d.Expiration, MessageId: id, Timestamp: d.Timestamp,
		Type: d.Type, UserId: d.UserId, AppId: d.AppId, Body: d.Body,
	}
}
