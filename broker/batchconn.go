package broker

import (
	"net"
	"sync"
	"time"
)

// batchLimit is how much a batchingConn holds before Write waits, as a
// full socket buffer would make it.
const batchLimit = 1 << 20

// closeFlushTimeout bounds how long Close spends sending what is held.
const closeFlushTimeout = time.Second

// batchingConn gathers the writes made while its previous write is on the
// wire into one. amqp091-go flushes once per publish, so a move publishing
// thousands a second would otherwise cost warren a syscall and the broker
// a wake-up for each message. An idle connection writes at once: only
// writes that meet a busy socket wait, and they go out together.
type batchingConn struct {
	net.Conn
	mu      sync.Mutex
	room    *sync.Cond // the held bytes went out, or the link failed
	held    []byte
	err     error         // the first failure: every later Write returns it
	kick    chan struct{} // something is held
	closing chan struct{} // Close was called
	stopped chan struct{} // the flusher returned
	once    sync.Once
}

func newBatchingConn(c net.Conn) *batchingConn {
	b := &batchingConn{Conn: c, kick: make(chan struct{}, 1), closing: make(chan struct{}), stopped: make(chan struct{})}
	b.room = sync.NewCond(&b.mu)
	go b.flush()
	return b
}

// Write holds p for the flusher; it reports an error the link already met.
func (b *batchingConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	for b.err == nil && len(b.held) >= batchLimit {
		b.room.Wait()
	}
	if b.err != nil {
		err := b.err
		b.mu.Unlock()
		return 0, err
	}
	b.held = append(b.held, p...)
	b.mu.Unlock()
	select {
	case b.kick <- struct{}{}:
	default:
	}
	return len(p), nil
}

// flush writes whatever is held, in one write, until Close or a failure.
func (b *batchingConn) flush() {
	defer close(b.stopped)
	var out []byte
	for {
		select {
		case <-b.kick:
		case <-b.closing:
			b.writeHeld(&out) // the last frames (connection.close) still go
			return
		}
		if !b.writeHeld(&out) {
			return
		}
	}
}

// writeHeld swaps the held bytes with out's buffer and writes them.
func (b *batchingConn) writeHeld(out *[]byte) bool {
	b.mu.Lock()
	*out, b.held = b.held, (*out)[:0]
	b.mu.Unlock()
	if len(*out) == 0 {
		return true
	}
	_, err := b.Conn.Write(*out)
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil && b.err == nil {
		b.err = err
	}
	b.room.Broadcast()
	return err == nil
}

// Close sends what is held (for at most closeFlushTimeout), then closes.
func (b *batchingConn) Close() error {
	b.once.Do(func() {
		_ = b.Conn.SetWriteDeadline(time.Now().Add(closeFlushTimeout))
		close(b.closing)
	})
	<-b.stopped
	b.mu.Lock()
	if b.err == nil {
		b.err = net.ErrClosed
	}
	b.room.Broadcast()
	b.mu.Unlock()
	return b.Conn.Close()
}
