package pulse

import "time"

// History keeps each queue's depth over the last minutes, from the
// snapshots it is given, for the trend rules. It is bounded: samples
// older than its span are dropped, and so are queues that are gone.
type History struct {
	span    time.Duration
	samples map[qkey][]sample
}

type qkey struct{ vhost, name string }

type sample struct {
	at                       time.Time
	messages, ready, unacked int64
}

// NewHistory keeps span of samples (at least a minute).
func NewHistory(span time.Duration) *History {
	return &History{span: max(span, time.Minute), samples: map[qkey][]sample{}}
}

// Add records a snapshot's queue depths. A sampled snapshot adds only
// the queues it holds; a queue missing from a whole one is forgotten.
func (h *History) Add(s Snapshot) {
	if !s.Have.Queues {
		return
	}
	seen := make(map[qkey]bool, len(s.Queues))
	for _, q := range s.Queues {
		k := qkey{q.Vhost, q.Name}
		if q.NoCounts { // nothing to add; keep what it had
			seen[k] = true
			continue
		}
		seen[k] = true
		ss := append(h.samples[k], sample{at: s.At, messages: q.Messages, ready: q.Ready, unacked: q.Unacked})
		cut := 0
		for cut < len(ss)-1 && s.At.Sub(ss[cut].at) > h.span {
			cut++
		}
		h.samples[k] = ss[cut:]
	}
	for k, ss := range h.samples {
		if seen[k] {
			continue
		}
		if len(s.Sampled) == 0 || s.At.Sub(ss[len(ss)-1].at) > h.span {
			delete(h.samples, k)
		}
	}
}

// series is a queue's samples within window of the newest, oldest first.
func (h *History) series(vhost, name string, window time.Duration) []sample {
	if h == nil {
		return nil
	}
	ss := h.samples[qkey{vhost, name}]
	if len(ss) == 0 {
		return nil
	}
	last := ss[len(ss)-1].at
	i := 0
	for i < len(ss) && last.Sub(ss[i].at) > window {
		i++
	}
	return ss[i:]
}
