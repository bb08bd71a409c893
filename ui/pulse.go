package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/pulse"
)

// PulseSource gathers the pulse's snapshot of a broker; *mgmt.Client
// satisfies it. A Source without it has no pulse (and no badge).
type PulseSource interface {
	Pulse(ctx context.Context, vhost string) (pulse.Snapshot, error)
}

// pulseState is the pulse the App keeps in the background for the header
// badge and the :pulse view. Views read it; only the App writes it.
type pulseState struct {
	poll     poller
	hist     *pulse.History
	cfg      pulse.Config
	findings []pulse.Finding
	// sampled and unread say what the last snapshot did not read whole.
	sampled, unread []string
	at              time.Time // when the last snapshot was taken
	took            time.Duration
	known           bool // a snapshot has been evaluated
	seq             int  // bumped on each evaluation, for views to notice
	// every is the wait before the next read (see pulseEvery).
	every time.Duration
}

// pulseHistory is how much depth history the pulse keeps: enough for
// the trend rules' window at the slowest read pace.
const pulseHistory = 20 * time.Minute

func newPulseState() *pulseState {
	return &pulseState{hist: pulse.NewHistory(pulseHistory), cfg: pulse.DefaultConfig()}
}

// pulseRead is one snapshot and how long reading it took.
type pulseRead struct {
	snap pulse.Snapshot
	took time.Duration
}

// pulseRefreshMsg asks the App for a fresh read now (ctrl+r in :pulse).
type pulseRefreshMsg struct{}

// pulseStretch keeps the pulse's share of the broker's time under about
// 1% of a core: after a read that took d, the next waits at least
// pulseStretch*d. A read costs the broker at most about its wall time
// (measured on loopback: a whole read of 2,000 queues is ~0.5 s of
// broker CPU), so a small broker is read at the list's refresh and one
// with 2,000 queues about every minute.
const pulseStretch = 100

// pulseEvery is the wait before the next read: the list's refresh, or
// longer when reads are slow.
func pulseEvery(refresh, took time.Duration) time.Duration {
	return max(refresh, pulseStretch*took)
}

// PulseEvery is pulseEvery for the benchmark, which prints the broker
// load a read's cost comes to at the pace warren reads.
func PulseEvery(refresh, took time.Duration) time.Duration { return pulseEvery(refresh, took) }

// growthWindow is how far back the trend rules look at a read pace: at
// least three minutes, and four reads.
func growthWindow(every time.Duration) time.Duration {
	return min(max(3*time.Minute, 4*every), pulseHistory)
}

func (a *App) pulseFetch() func(ctx context.Context) (any, error) {
	ps, ok := a.c.target.Source.(PulseSource)
	if !ok {
		return nil
	}
	vhost, now := a.c.target.Vhost, a.c.now
	return func(ctx context.Context) (any, error) {
		start := now()
		s, err := ps.Pulse(ctx, vhost)
		if err != nil {
			return nil, err
		}
		return pulseRead{snap: s, took: now().Sub(start)}, nil
	}
}

// loadPulse starts the background pulse, if the source has one.
func (a *App) loadPulse() tea.Cmd {
	f := a.pulseFetch()
	if f == nil {
		return nil
	}
	return a.c.pulse.poll.start(a.c.opts.Timeout, f)
}

// restartPulse forgets the pulse of another broker or vhost and reads anew.
func (a *App) restartPulse() tea.Cmd {
	old := a.c.pulse
	a.c.pulse = newPulseState()
	a.c.pulse.poll.viewID, a.c.pulse.poll.gen = old.poll.viewID, old.poll.gen
	a.c.pulse.seq = old.seq + 1
	return a.loadPulse()
}

func (a *App) refreshPulse() tea.Cmd {
	f := a.pulseFetch()
	if f == nil {
		return nil
	}
	return a.c.pulse.poll.refresh(a.c.opts.Timeout, f)
}

func (a *App) pulseTick(m pollMsg) tea.Cmd {
	f := a.pulseFetch()
	if f == nil {
		return nil
	}
	return a.c.pulse.poll.tick(m, a.c, f)
}

// pulseArrived evaluates a snapshot and arms the next read. A failed read
// keeps the last findings and says why in the view, not the status bar:
// the views' own polls already report a broken API.
func (a *App) pulseArrived(m fetchedMsg) tea.Cmd {
	p := a.c.pulse
	if m.gen != p.poll.gen {
		return nil
	}
	p.poll.inflight, p.poll.err = false, m.err
	if m.err == nil {
		r := m.data.(pulseRead)
		p.cfg.GrowthWindow = growthWindow(p.every)
		p.cfg.GrowthMinSpan = p.cfg.GrowthWindow / 3
		p.hist.Add(r.snap)
		p.findings = pulse.Evaluate(r.snap, p.hist, p.cfg)
		p.sampled, p.unread = r.snap.Sampled, r.snap.Unread
		p.at, p.took, p.known = r.snap.At, r.took, true
		p.poll.lastOK = a.c.now()
		p.seq++
		for _, v := range a.stack {
			if pv, ok := v.(*pulseView); ok {
				pv.sync()
			}
		}
	}
	f := a.pulseFetch()
	if f == nil {
		return nil
	}
	if p.poll.again {
		p.poll.again, p.poll.inflight = false, true
		return fetchCmd(p.poll.viewID, p.poll.gen, a.c.opts.Timeout, f)
	}
	p.every = pulseEvery(a.c.opts.Refresh, p.took)
	return a.c.pollCmd(p.poll.viewID, p.poll.gen, p.every)
}

// pulseCounts is what the header badge shows: critical and warning findings.
func (c *common) pulseCounts() (critical, warning int, known bool) {
	if c.pulse == nil || !c.pulse.known {
		return 0, 0, false
	}
	critical, warning, _ = pulse.Count(c.pulse.findings)
	return critical, warning, true
}

// pulseBadge counts critical and warning findings for the header, or is
// "" when there are none (or no pulse yet).
func pulseBadge(c *common) string {
	crit, warn, ok := c.pulseCounts()
	if !ok || crit+warn == 0 {
		return ""
	}
	th := c.th
	var parts []string
	if crit > 0 {
		parts = append(parts, th.LinkDown.Render(fmt.Sprintf("%d critical", crit)))
	}
	if warn > 0 {
		parts = append(parts, th.LinkWarn.Render(fmt.Sprintf("%d warning", warn)))
	}
	return th.HeaderKey.Render("pulse ") + strings.Join(parts, th.HeaderKey.Render(" "))
}
