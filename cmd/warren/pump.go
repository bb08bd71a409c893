package main

import (
	"log/slog"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/broker"
	"github.com/warren-tui/warren/ui"
)

// linkPump forwards the current session's link events into the program.
// Link changes are rare, so one Send each is fine; deliveries get their
// own batched pump.
type linkPump struct {
	mu      sync.Mutex
	current <-chan broker.LinkEvent
	changed chan struct{}
	done    chan struct{}
	once    sync.Once
	log     *slog.Logger // nil: no log
}

func newLinkPump() *linkPump {
	return &linkPump{changed: make(chan struct{}, 1), done: make(chan struct{})}
}

// follow switches the pump to another session's events.
func (lp *linkPump) follow(s *broker.Session) {
	lp.mu.Lock()
	lp.current = s.Events()
	lp.mu.Unlock()
	select {
	case lp.changed <- struct{}{}:
	default:
	}
}

func (lp *linkPump) stop() { lp.once.Do(func() { close(lp.done) }) }

func (lp *linkPump) run(p *tea.Program) {
	for {
		lp.mu.Lock()
		events := lp.current
		lp.mu.Unlock()
		select {
		case <-lp.done:
			return
		case <-lp.changed:
		case ev := <-events:
			msg := ui.LinkMsg{State: ev.State, Err: ev.Err, At: ev.At}
			if lp.log != nil {
				lp.log.Info("amqp link", "state", ev.State.String(), "err", ev.Err)
			}
			p.Send(msg)
		}
	}
}
