package main

import (
	"context"
	"fmt"
	"io"
	"strings"
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
