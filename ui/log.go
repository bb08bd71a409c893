package ui

import (
	"context"
	"log/slog"

	tea "charm.land/bubbletea/v2"
)

// logMsg writes what an operator would want to read back later: polls
// that failed, every write action and its outcome, consumes that take
// messages, and context switches. Broker text is escaped as on screen;
// errors carry no credentials.
func (a *App) logMsg(msg tea.Msg) {
	log := a.c.opts.Log
	if log == nil {
		return
	}
	switch m := msg.(type) {
	case fetchedMsg:
		if m.err != nil {
			log.Warn("poll failed", "view", safe(a.titleOf(m.view)), "err", safe(m.err.Error()))
		}
	case publishedMsg:
		text, bad := m.summary()
		log.Log(context.Background(), levelOf(bad), "publish", "target", safe(m.target), "outcome", m.res.Outcome.String(), "summary", safe(text))
	case moveDoneMsg:
		attrs := []any{"source", safe(m.queue), "summary", safe(summaryText(m))}
		if m.err != nil {
			attrs = append(attrs, "err", safe(moveErrText(m.err)))
		}
		log.Log(context.Background(), levelOf(m.err != nil), "move", attrs...)
	case adminDoneMsg:
		if m.err != nil {
			log.Warn("admin action failed", "kind", m.kind, "name", safe(m.name), "err", safe(m.err.Error()))
		} else {
			log.Info("admin action", "kind", m.kind, "name", safe(m.name), "done", safe(m.text))
		}
	case liveOpenMsg:
		c := m.spec.consume
		log.Info("consume", "vhost", safe(c.Vhost), "queue", safe(c.Queue), "mode", c.Mode.String(), "accepted_delivery_limit_risk", c.AcceptRisk)
	case switchedMsg:
		if m.err != nil {
			log.Warn("context switch failed", "context", safe(m.name), "err", safe(m.err.Error()))
		} else {
			log.Info("context switch", "context", safe(m.name), "amqp", safe(m.target.AMQP), "api", safe(m.target.API))
		}
	}
}

func levelOf(bad bool) slog.Level {
	if bad {
		return slog.LevelWarn
	}
	return slog.LevelInfo
}
