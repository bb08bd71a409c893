package ui

import (
	"context"
	"sync"
	"time"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/mgmt"
)

// A broker whose statistics are off (management_agent.disable_metrics_collector
// = true, the setting of the official container image and the cluster
// operator) lists queues without counts, consumers or rates. warren never
// shows such a figure as 0: it shows "-", fills ready and consumers of the
// rows on screen by passive declare, and takes rates from
// rabbitmq_prometheus when it answers.

// unknownMark stands for a figure the broker did not report.
const unknownMark = "-"

// countIf is count(n), or unknownMark when n is not known.
func countIf(n int64, known bool) string {
	if !known {
		return unknownMark
	}
	return count(n)
}

// queueCounts renders ready, unacked, total and consumers of a queue.
func queueCounts(q mgmt.Queue) (ready, unacked, total, consumers string) {
	u := q.Unknown
	return countIf(q.Ready, u.Knows(mgmt.UnknownReady)), countIf(q.Unacked, u.Knows(mgmt.UnknownUnacked)),
		countIf(q.Messages, u.Knows(mgmt.UnknownMessages)), countIf(int64(q.Consumers), u.Knows(mgmt.UnknownConsumers))
}

// statsOffNotice is said once per broker whose statistics are off; it
// fits a 120-column status line.
func statsOffNotice(o mgmt.Overview) string {
	s := "broker stats off: ready/consumers by passive declare; "
	if o.RatesFrom == mgmt.RatesFromPrometheus {
		s += "rates from rabbitmq_prometheus (" + o.PrometheusURL + ")"
	} else {
		s += "no rates (no rabbitmq_prometheus at " + o.PrometheusURL + ")"
	}
	return s // sorting by consumers or rate says itself why it cannot
}

// sortNeedsStats says whether only the broker's statistics can order a
// list by s.
func sortNeedsStats(s mgmt.SortKey) bool { return s == mgmt.SortConsumers || s == mgmt.SortRate }

// maxDepthReads bounds the passive declares in flight for one page, and
// depthReadsFor how long they may hold the page back (a hung AMQP link
// must not stall the list: rows not read in time stay unknown).
const (
	maxDepthReads = 4
	depthReadsFor = 3 * time.Second
)

// fillExactDepths reads ready and consumers by passive declare for the
// classic and quorum queues among rows whose broker did not report them
// (a stream's declare-ok counts nothing useful). It runs inside a list's
// fetch, off the UI's goroutine; a row it cannot read stays unknown.
func fillExactDepths(ctx context.Context, st Streamer, rows []mgmt.Queue) {
	if st == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, depthReadsFor)
	defer cancel()
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxDepthReads)
	for i := range rows {
		q := &rows[i]
		if q.Unknown.Knows(mgmt.UnknownReady|mgmt.UnknownConsumers) || q.Type == ops.QueueStream {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			n, cons, err := st.QueueDepth(ctx, q.Vhost, q.Name)
			if err != nil {
				return
			}
			q.Ready, q.Consumers, q.ExactDepth = int64(n), cons, true
			q.Unknown &^= mgmt.UnknownReady | mgmt.UnknownConsumers
		}()
	}
	wg.Wait()
}

// statsOffBadge marks the header while the broker's statistics are off.
func statsOffBadge(o mgmt.Overview) string {
	if o.RatesFrom == mgmt.RatesFromPrometheus {
		return "STATS OFF · Prometheus rates"
	}
	return "STATS OFF"
}

// statsNote says where a queue's figures came from when the broker's
// statistics are off ("" otherwise).
func statsNote(q mgmt.Queue, statsOff bool) string {
	if !statsOff {
		return ""
	}
	s := "The broker's statistics are off: "
	if q.ExactDepth {
		s += "ready and consumers read now by passive declare"
	} else {
		s += "no ready or consumer count could be read"
	}
	if q.RatesFrom == mgmt.RatesFromPrometheus {
		return s + "; in and out rates from rabbitmq_prometheus; ack rate and memory unknown."
	}
	return s + "; rates and memory unknown (rabbitmq_prometheus gave none)."
}
