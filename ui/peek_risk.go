package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui/theme"
)

// dialogGrace is how long a question that opened by itself (after a
// fetch, not on a key press) ignores its answer key, so type-ahead cannot
// answer a question nobody saw.
const dialogGrace = 250 * time.Millisecond

// peekRisk is the question asked before a read that raises delivery
// counts toward a limit: how many messages the read takes, and what warren
// knows of their counts from its last read.
type peekRisk struct {
	queue  string
	limit  int
	reads  int   // messages this read takes and puts back
	seen   int   // of those, how many warren read last time
	atRisk int   // of the seen, how many this read pushes past the limit
	top    int64 // the highest count among the seen, after this read
	ready  int64 // the queue's ready count, as the API last said
	asked  time.Time
}

// assess works out the risk of reading req from what the view last read:
// a quorum queue with a limit gives messages back to its head in order,
// so the read takes the messages at positions 1 to Skip+Count again. Each
// shown message's count went up by 1 when it went back after that read,
// and goes up by 1 more now. Messages the view does not show (before the
// page, or past it) have counts warren does not know.
func (v *peekView) assess(req ops.PeekRequest, q mgmt.QueueDetail) *peekRisk {
	r := &peekRisk{queue: req.Queue, limit: req.DeliveryLimit, reads: req.Skip + req.Count, ready: -1, asked: v.c.now()}
	if q.HasStats {
		r.ready = q.Ready
	}
	if v.readAt.IsZero() || v.countsStale {
		return r
	}
	for _, m := range v.msgs {
		if m.Position < 1 || m.Position > r.reads || m.Undecodable != "" {
			continue // not read, or read without its count
		}
		r.seen++
		n, _ := message.DeliveryCount(m.Headers)
		after := n + 2 // the last read's return, and this one's
		r.top = max(r.top, after)
		if after > int64(r.limit) {
			r.atRisk++
		}
	}
	return r
}

// unseen is how many messages of the read warren has no count for, at
// most: the API's ready count lags, so it does not lower this.
func (r *peekRisk) unseen() int { return r.reads - r.seen }

func (r *peekRisk) render(th theme.Theme, version string, width int) string {
	var b strings.Builder
	on := brokerLabel(version)
	b.WriteString(th.Warn.Render(fmt.Sprintf("Quorum queue %s has a delivery limit of %d.", safe(r.queue), r.limit)) + "\n\n")
	b.WriteString(fmt.Sprintf("On %s a peek puts every message it reads back with its delivery count raised by 1, "+
		"and the broker drops or dead-letters a message whose count passes the limit.\n\n", on))
	reads := fmt.Sprintf("This peek reads up to %d %s", r.reads, plural(r.reads, "message", "messages"))
	if r.ready >= 0 {
		reads += fmt.Sprintf(" (the queue reports %d ready)", r.ready)
	}
	b.WriteString(reads + ":\n")
	if r.seen > 0 {
		line := fmt.Sprintf("  • none of the %d messages warren showed last time passes the limit; the highest count after this read is %d.", r.seen, r.top)
		if r.atRisk > 0 {
			line = th.Error.Render(fmt.Sprintf("  • %d of the %d messages warren showed last time would pass the limit and be dropped or dead-lettered.", r.atRisk, r.seen))
		}
		b.WriteString(line + "\n")
	}
	if n := r.unseen(); n > 0 {
		b.WriteString(fmt.Sprintf("  • up to %d %s whose delivery %s warren does not know: any already at %d would be dropped or dead-lettered.\n",
			n, plural(n, "message", "messages"), plural(n, "count", "counts"), r.limit))
	}
	return ansi.Wordwrap(b.String(), max(width, 20), " ")
}

// brokerLabel names the broker by its version, as far as it is known.
func brokerLabel(version string) string {
	if version == "" {
		return "this broker"
	}
	return "RabbitMQ " + safe(version)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
