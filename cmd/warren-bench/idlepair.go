package main

import (
	"context"
	"fmt"
	"io"
)

// idlePair is warren's idle CPU beside a static Bubble Tea program's, in
// the same run and harness, in turns (A B B A) so that a load on the
// shared machine that drifts across the run weighs on both alike.
type idlePair struct {
	warren, static []idleReport
	queues         int
}

// measureIdlePair idles warren on vhost's queue list and the static
// program alternately: warren, static, static, warren.
func (b *bench) measureIdlePair(ctx context.Context, vhost string, n int) error {
	p := &idlePair{queues: n}
	for _, static := range []bool{false, true, true, false} {
		what := "warren on " + thousands(n) + " queues"
		if static {
			what = "a static Bubble Tea program"
		}
		logf("idle CPU, A B B A: %s, %s…", what, b.cfg.idle)
		cr, err := b.runChild(ctx, vhost, n, b.cfg.idle, static, false)
		if err != nil {
			return fmt.Errorf("idle pair (%s): %w", what, err)
		}
		logf("  %.2f %% of a core", cr.idle.CPUPercent)
		if static {
			p.static = append(p.static, *cr.idle)
		} else {
			p.warren = append(p.warren, *cr.idle)
		}
	}
	b.res.idlePair = p
	return nil
}

func cpuOf(rs []idleReport) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = r.CPUPercent
	}
	return out
}

// print writes the pair's rows: each side's median and the ratio.
func (p *idlePair) print(tw io.Writer, fps int) {
	w, s := median(cpuOf(p.warren)), median(cpuOf(p.static))
	fmt.Fprintf(tw, "idle CPU, warren on %s queues (A B B A, median of %d)\t%.2f %% %v\t< %.1f %% of a core\t%s\n",
		thousands(p.queues), len(p.warren), w, roundAll(cpuOf(p.warren)), targetIdleCPU, verdict(w, targetIdleCPU))
	fmt.Fprintf(tw, "idle CPU, static Bubble Tea v2 program at %d fps (same turns)\t%.2f %% %v\t(the framework's floor)\t\n",
		fps, s, roundAll(cpuOf(p.static)))
	ratio := "n/a"
	if s > 0 {
		ratio = fmt.Sprintf("%.2f", w/s)
	}
	fmt.Fprintf(tw, "idle CPU, warren / static program\t%s\t-\t\n", ratio)
}

func roundAll(xs []float64) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprintf("%.2f", x)
	}
	return out
}
