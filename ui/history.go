package ui

import (
	"time"

	"github.com/warren-tui/warren/ui/widget"
)

// history keeps what warren has seen of each queue during the session:
// a short depth series for list sparklines, and for queues opened in
// detail, longer series for the chart. It is bounded in queues and samples.
type history struct {
	depth map[string]*widget.Ring
	// unacked runs beside depth, only for queues seen with unacked
	// messages (most never are): the detail chart starts from both.
	unacked map[string]*widget.Ring
	seen    map[string]time.Time
	detail  map[string]*queueSeries
	maxKeys int
}

const (
	sparkSamples  = 60  // at 5 s, five minutes
	detailSamples = 720 // at 5 s, an hour
)

// queueSeries is the detail chart's data for one queue.
type queueSeries struct {
	ready, unacked, publish, deliver *widget.Ring
}

func newHistory() *history {
	return &history{depth: map[string]*widget.Ring{}, unacked: map[string]*widget.Ring{}, seen: map[string]time.Time{}, detail: map[string]*queueSeries{}, maxKeys: 5000}
}

func histKey(vhost, name string) string { return vhost + "\x00" + name }

// addDepth records one depth sample (all messages, and of them the
// unacked) for a queue seen in a list.
func (h *history) addDepth(vhost, name string, depth, unacked int64, now time.Time) {
	k := histKey(vhost, name)
	r, ok := h.depth[k]
	if !ok {
		if len(h.depth) >= h.maxKeys {
			h.evict()
		}
		r = widget.NewRing(sparkSamples)
		h.depth[k] = r
	}
	u := h.unacked[k]
	if u == nil && unacked != 0 {
		u = widget.NewRing(sparkSamples)
		for range r.Values() { // none before: the samples so far had none
			u.Push(0)
		}
		h.unacked[k] = u
	}
	r.Push(float64(depth))
	if u != nil {
		u.Push(float64(unacked))
	}
	h.seen[k] = now
}

// depthSeries returns a queue's depth samples, oldest first.
func (h *history) depthSeries(vhost, name string) []float64 {
	if r, ok := h.depth[histKey(vhost, name)]; ok {
		return r.Values()
	}
	return nil
}

// evict drops the tenth of queues seen longest ago.
func (h *history) evict() {
	n := len(h.depth) / 10
	if n == 0 {
		n = 1
	}
	for ; n > 0; n-- {
		var oldK string
		var oldT time.Time
		for k, t := range h.seen {
			if oldK == "" || t.Before(oldT) {
				oldK, oldT = k, t
			}
		}
		delete(h.depth, oldK)
		delete(h.unacked, oldK)
		delete(h.seen, oldK)
	}
}

// addDetail records one detail sample for a queue.
func (h *history) addDetail(vhost, name string, ready, unacked int64, pub, del float64) *queueSeries {
	k := histKey(vhost, name)
	s, ok := h.detail[k]
	if !ok {
		if len(h.detail) >= 50 { // only queues a person opened; keep it small
			for dk := range h.detail {
				delete(h.detail, dk)
				break
			}
		}
		s = &queueSeries{ready: widget.NewRing(detailSamples), unacked: widget.NewRing(detailSamples), publish: widget.NewRing(detailSamples), deliver: widget.NewRing(detailSamples)}
		h.detail[k] = s
		h.seedDetail(k, s)
	}
	s.ready.Push(float64(ready))
	s.unacked.Push(float64(unacked))
	s.publish.Push(pub)
	s.deliver.Push(del)
	return s
}

// seedDetail starts a queue's depth chart from what the list sampled of
// it, so a detail opened after a while on the list is not empty. Rates
// are not sampled by the list: their chart starts with the detail.
func (h *history) seedDetail(k string, s *queueSeries) {
	d, ok := h.depth[k]
	if !ok {
		return
	}
	total := d.Values()
	var un []float64
	if u := h.unacked[k]; u != nil {
		un = u.Values()
	}
	for i, t := range total {
		var n float64
		if i < len(un) {
			n = un[i]
		}
		s.ready.Push(t - n)
		s.unacked.Push(n)
	}
}
