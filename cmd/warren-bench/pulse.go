package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/pulse"
	"github.com/warren-tui/warren/ui"
)

// pulseWindow is one child run idling on the queue list, with or without
// the background pulse, and the broker's CPU meanwhile.
type pulseWindow struct {
	on     bool
	idle   idleReport
	broker *load
}

// pulseComparison measures what the pulse costs the broker. At the small
// size it runs the queue list alone (A) and the list with the pulse (B)
// in the order A B, B A, ... in the same run, each window long enough to
// hold several pulse reads (a read of 2,000 queues is spaced about a
// minute apart). At the large size it runs one pulse window, to show a
// read's time and what it sampled.
func (b *bench) pulseComparison(ctx context.Context, vhost string, n int, sr *sizeResult, small bool) error {
	if err := b.pulseReadCosts(ctx, vhost, sr, b.cfg.pulseReads); err != nil {
		return err
	}
	rounds := b.cfg.pulseRounds
	if rounds <= 0 {
		return nil
	}
	if !small {
		rounds = 1
	}
	for r := 0; r < rounds; r++ {
		order := []bool{false, true}
		if r%2 == 1 {
			order = []bool{true, false}
		}
		if !small {
			order = []bool{true}
		}
		for _, on := range order {
			if b.broker != nil {
				if err := b.quiet(ctx, fmt.Sprintf("pulse round %d", r+1)); err != nil {
					return err
				}
			}
			what := "the queue list alone"
			if on {
				what = "the queue list with the pulse"
			}
			logf("%s on %s queues, idle %s…", what, thousands(n), b.cfg.pulseWindow)
			cr, err := b.runChild(ctx, vhost, n, b.cfg.pulseWindow, false, on)
			if err != nil {
				return err
			}
			w := pulseWindow{on: on, idle: *cr.idle, broker: cr.broker}
			if w.broker != nil {
				logf("  broker CPU %.2f %% (mean); %d pulse reads, avg %.0f ms", w.broker.Mean, w.idle.PulseReads, w.idle.PulseMSAvg)
			}
			sr.pulse = append(sr.pulse, w)
		}
	}
	return nil
}

// pulseFigures are the broker's mean CPU with the list alone and with
// the pulse (medians over windows), and the median of each round's
// difference.
func (s *sizeResult) pulseFigures() (alone, with, extra float64, ok bool) {
	var as, ws, ds []float64
	for i := 0; i+1 < len(s.pulse); i += 2 {
		a, w := s.pulse[i], s.pulse[i+1]
		if a.on {
			a, w = w, a
		}
		if a.broker == nil || w.broker == nil {
			continue
		}
		as, ws, ds = append(as, a.broker.Mean), append(ws, w.broker.Mean), append(ds, w.broker.Mean-a.broker.Mean)
	}
	if len(ds) == 0 {
		return 0, 0, 0, false
	}
	return median(as), median(ws), median(ds), true
}

// targetPulseCPU is the README's bound on the pulse's extra broker CPU
// at 2,000 queues (% of a core).
const targetPulseCPU = 1.0

func printPulse(tw io.Writer, s *sizeResult, small bool) {
	n := thousands(s.queues)
	if took, cost, every, load, ok := s.readCostFigures(); ok {
		fmt.Fprintf(tw, "pulse read, %s queues (median of %d)\t%s, %s of broker CPU\t-\t\n", n, len(s.readCosts),
			took.Round(time.Millisecond), cost.Round(time.Millisecond))
		if small {
			fmt.Fprintf(tw, "pulse's broker CPU at warren's pace (a read every %s)\t%+.2f %% of a core\t< %+.0f %% of a core\t%s\n",
				every.Round(time.Second), load, targetPulseCPU, verdict(load, targetPulseCPU))
		}
	}
	if small {
		alone, with, extra, ok := s.pulseFigures()
		if !ok {
			return
		}
		fmt.Fprintf(tw, "broker CPU, queue list alone, %s queues (mean)\t%.2f %%\t-\t\n", n, alone)
		fmt.Fprintf(tw, "broker CPU, queue list + pulse, %s queues (mean)\t%.2f %% (extra %+.2f)\textra < %+.0f %% of a core\textra %s\n",
			n, with, extra, targetPulseCPU, verdict(extra, targetPulseCPU))
		return
	}
	for _, w := range s.pulse {
		if w.on && w.idle.PulseReads > 0 {
			fmt.Fprintf(tw, "pulse read, %s queues (avg of %d)\t%.0f ms, %s queues read\tbounded (sampled)\t\n", n, w.idle.PulseReads, w.idle.PulseMSAvg, thousands(w.idle.PulseQueues))
		}
	}
}

func printPulseDetails(w io.Writer, s *sizeResult) {
	for i, r := range s.readCosts {
		order := "quiet, read"
		if r.readFirst {
			order = "read, quiet"
		}
		fmt.Fprintf(w, "    pulse read %d (%s): %s, broker CPU %s during it, %s over as long without; %d queues read, %d findings",
			i+1, order, r.took.Round(time.Millisecond), r.cpu, r.idle, r.queuesRead, r.findings)
		if len(r.sampled) > 0 {
			fmt.Fprintf(w, "; sampled: %s", strings.Join(r.sampled, "; "))
		}
		fmt.Fprintln(w)
	}
	for i, p := range s.pulse {
		what := "list alone"
		if p.on {
			what = "list + pulse"
		}
		cpu := "-"
		if p.broker != nil {
			cpu = fmt.Sprintf("%.2f/%.2f %%", p.broker.Mean, p.broker.Median)
		}
		fmt.Fprintf(w, "    pulse window %d (%s): broker CPU (mean / median of 5 s slices) %s; warren CPU %.2f %%", i+1, what, cpu, p.idle.CPUPercent)
		if p.on {
			fmt.Fprintf(w, "; %d pulse reads, avg %.0f ms, %d queues read, %d findings", p.idle.PulseReads, p.idle.PulseMSAvg, p.idle.PulseQueues, p.idle.PulseFindings)
			if len(p.idle.PulseSampled) > 0 {
				fmt.Fprintf(w, "; sampled: %s", strings.Join(p.idle.PulseSampled, "; "))
			}
		}
		fmt.Fprintln(w)
	}
}

// readCost is one paired measure of a pulse read: the broker's CPU while
// the read ran, beside its CPU over an equal stretch without it.
type readCost struct {
	took       time.Duration
	cpu, idle  time.Duration // broker CPU during the read, and during the quiet stretch
	findings   int
	queuesRead int
	sampled    []string
	readFirst  bool
}

// pulseReadCosts reads the pulse n times as warren does (mgmt.Client.Pulse
// on the vhost), each beside a quiet stretch as long as the read took, in
// A B, B A order, and keeps the broker's CPU for both: on a shared broker
// the median of the differences is the cost of one read, which the
// window comparison cannot resolve under other clients' load.
func (b *bench) pulseReadCosts(ctx context.Context, vhost string, sr *sizeResult, n int) error {
	if b.broker == nil || n <= 0 {
		return nil
	}
	c, err := mgmt.New(mgmt.Config{APIURL: b.admin.base, Username: b.admin.user, Password: b.admin.pass, Timeout: time.Minute})
	if err != nil {
		return err
	}
	logf("pulse read cost on %s queues: %d reads, each beside a quiet stretch as long…", thousands(sr.queues), n)
	quiet := time.Second
	for i := 0; i < n; i++ {
		var rc readCost
		read := func() error {
			c0, err := b.broker.read()
			if err != nil {
				return err
			}
			t0 := time.Now()
			s, err := c.Pulse(ctx, vhost)
			rc.took = time.Since(t0)
			c1, rerr := b.broker.read()
			if err = firstError(err, rerr); err != nil {
				return err
			}
			rc.cpu, rc.queuesRead, rc.sampled = c1-c0, len(s.Queues), s.Sampled
			rc.findings = len(pulse.Evaluate(s, nil, pulse.DefaultConfig()))
			quiet = rc.took
			return nil
		}
		still := func() error {
			c0, err := b.broker.read()
			if err != nil {
				return err
			}
			select {
			case <-time.After(quiet):
			case <-ctx.Done():
				return ctx.Err()
			}
			c1, err := b.broker.read()
			rc.idle = c1 - c0
			return err
		}
		rc.readFirst = i%2 == 1
		steps := []func() error{still, read}
		if rc.readFirst {
			steps = []func() error{read, still}
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
		sr.readCosts = append(sr.readCosts, rc)
	}
	return nil
}

// readCostFigures are the medians of the reads: wall time, the broker CPU
// a read adds, and what that comes to at warren's pace (refresh 5 s).
func (s *sizeResult) readCostFigures() (took, cost time.Duration, every time.Duration, load float64, ok bool) {
	if len(s.readCosts) == 0 {
		return 0, 0, 0, 0, false
	}
	var tooks, costs []float64
	for _, r := range s.readCosts {
		tooks = append(tooks, float64(r.took))
		costs = append(costs, float64(r.cpu-r.idle))
	}
	took, cost = time.Duration(median(tooks)), time.Duration(median(costs))
	every = ui.PulseEvery(5*time.Second, took)
	return took, cost, every, percentOfCore(cost, every), true
}
