package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// runSize creates a vhost with n queues, measures warren on it, and
// deletes it, even when ctx is cancelled (ctrl+c) or a step fails. With
// the broker visible, each round measures a baseline window and warren
// idling; naive adds the naive poller's window, on alternate sides of
// warren's, and quiet-waits first.
func (b *bench) runSize(ctx context.Context, n int, naive bool) (err error) {
	vhost := newVhostName()
	sr := newSizeResult(n)
	b.res.sizes = append(b.res.sizes, sr)
	if err := b.admin.createVhost(ctx, vhost); err != nil {
		return fmt.Errorf("creating vhost %s: %w", vhost, err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Minute)
		defer cancel()
		if ctx.Err() != nil {
			logf("interrupted: deleting vhost %s before exiting (further ctrl+c is ignored)", vhost)
		}
		if cerr := b.cleanup(cctx, vhost, benchQueueNames(n)); cerr != nil {
			err = firstError(err, cerr)
		}
	}()
	if err := b.declare(ctx, vhost, n, sr); err != nil {
		return err
	}
	if b.cfg.idleOnly {
		return b.measureIdlePair(ctx, vhost, n)
	}
	rounds := 1
	if naive && b.broker != nil {
		rounds = b.cfg.loadRounds
	}
	if b.cfg.onlyPulse {
		rounds = 0
	}
	for r := 0; r < rounds; r++ {
		// With many queues the broker is never quiet: its own stats work
		// is the baseline then.
		if naive && b.broker != nil {
			if err := b.quiet(ctx, fmt.Sprintf("round %d", r+1)); err != nil {
				return err
			}
		}
		if b.broker != nil {
			logf("broker CPU, baseline (nothing of ours talking to it), %s…", b.cfg.idle)
			l, err := b.brokerWindow(ctx, b.cfg.idle)
			if err != nil {
				return err
			}
			sr.baselines = append(sr.baselines, l)
		}
		// warren and the naive poller take turns going first (W N, N W,
		// W N, ...), so a load that drifts across a round, or one that
		// lingers after a window, weighs on both alike.
		withNaive := naive && b.broker != nil
		if withNaive && r%2 == 1 {
			if err := b.naiveWindow(ctx, vhost, sr); err != nil {
				return err
			}
		}
		logf("warren on %s queues: first paint, then idle %s…", thousands(n), b.cfg.idle)
		cr, err := b.runChild(ctx, vhost, n, b.cfg.idle, false, false)
		if err != nil {
			return err
		}
		b.logPaint(cr.paint)
		sr.paints = append(sr.paints, cr.paint)
		sr.idles = append(sr.idles, *cr.idle)
		if cr.broker != nil {
			sr.warrenBroker = append(sr.warrenBroker, *cr.broker)
		}
		if withNaive && r%2 == 0 {
			if err := b.naiveWindow(ctx, vhost, sr); err != nil {
				return err
			}
		}
	}
	if naive && !b.cfg.onlyPulse { // the small list: warren's idle CPU beside the static program's
		if err := b.measureIdlePair(ctx, vhost, n); err != nil {
			return err
		}
	}
	for len(sr.paints) < b.cfg.paintRuns && !b.cfg.onlyPulse {
		cr, err := b.runChild(ctx, vhost, n, 0, false, false)
		if err != nil {
			return err
		}
		b.logPaint(cr.paint)
		sr.paints = append(sr.paints, cr.paint)
	}
	return b.pulseComparison(ctx, vhost, n, sr, naive)
}

func (b *bench) logPaint(p paintReport) {
	logf("  first paint %.0f ms (from exec %.0f ms; first fetch %.0f ms), RSS %.1f MB",
		p.PaintMS, p.FromExecMS, p.FetchMS, mb(p.RSSKB))
}

// quiet waits for a lull in other clients' work and notes when none came.
func (b *bench) quiet(ctx context.Context, what string) error {
	ok, err := b.waitQuiet(ctx, b.cfg.quietBelow, 3*time.Minute)
	if err == nil && !ok {
		b.res.notes = append(b.res.notes, what+" started while the broker was busy with other clients")
	}
	return err
}

// emptyBaseline measures the broker before any bench queue exists.
func (b *bench) emptyBaseline(ctx context.Context) error {
	if b.broker == nil {
		return nil
	}
	err := b.quiet(ctx, "the empty-broker window")
	if err == nil {
		logf("broker CPU before any bench queue exists, %s…", b.cfg.idle)
		var l load
		if l, err = b.brokerWindow(ctx, b.cfg.idle); err == nil {
			b.res.emptyBaseline = &l
		}
	}
	return err
}

// naiveWindow measures the broker while the naive poller runs.
func (b *bench) naiveWindow(ctx context.Context, vhost string, sr *sizeResult) error {
	logf("broker CPU with the naive poller (GET /api/queues/%s every 5 s), %s…", vhost, b.cfg.idle)
	smp := b.startSampler()
	wctx, cancel := context.WithTimeout(ctx, b.cfg.idle)
	st, err := b.naivePoll(wctx, vhost, 5*time.Second)
	cancel()
	l, serr := smp.finish()
	if err := firstError(err, serr, ctx.Err()); err != nil {
		return err
	}
	sr.naive = append(sr.naive, st)
	sr.naiveBroker = append(sr.naiveBroker, l)
	return nil
}

// cleanup deletes the vhost and says so loudly if it could not.
func (b *bench) cleanup(ctx context.Context, vhost string, names []string) error {
	logf("deleting vhost %s", vhost)
	start := time.Now()
	if err := b.admin.deleteVhost(ctx, b.cfg.uri, vhost, names, logf); err != nil {
		logf("CLEAN-UP FAILED: %v; the next run removes it, or: curl -u USER:PASS -X DELETE %s/api/vhosts/%s",
			err, b.cfg.api, esc(vhost))
		return err
	}
	logf("  vhost %s gone (%s)", vhost, time.Since(start).Round(100*time.Millisecond))
	return nil
}

// declare fills vhost with n queues, checks the count, and waits until
// the broker has stats for them, as it would for queues that had been
// there a while.
func (b *bench) declare(ctx context.Context, vhost string, n int, sr *sizeResult) error {
	logf("vhost %s: declaring %s queues over AMQP…", vhost, thousands(n))
	var done atomic.Int64
	start := time.Now()
	stop := make(chan struct{})
	go func() { // progress, for the long 50k declare
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				d := done.Load()
				logf("  %s/%s declares sent; the broker works through them…", thousands(int(d)), thousands(n))
			case <-stop:
				return
			}
		}
	}()
	err := pipelineQueues(ctx, b.cfg.uri, vhost, benchQueueNames(n), opDeclare, &done)
	close(stop)
	if err != nil {
		return fmt.Errorf("declaring queues: %w", err)
	}
	sr.declareTime = time.Since(start)
	got, err := b.admin.queueCount(ctx, vhost)
	if err != nil {
		return err
	}
	if got != n {
		return fmt.Errorf("vhost %s holds %d queues after declaring %d", vhost, got, n)
	}
	logf("  %s queues in %s (%.0f/s); waiting for their first stats…", thousands(n),
		sr.declareTime.Round(100*time.Millisecond), float64(n)/sr.declareTime.Seconds())
	deadline := time.Now().Add(b.cfg.settleLimit)
	for !b.admin.queueHasStats(ctx, vhost, benchQueueName(0)) || !b.admin.queueHasStats(ctx, vhost, benchQueueName(n-1)) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return firstError(ctx.Err(), fmt.Errorf("no stats for the queues of %s after %s", vhost, b.cfg.settleLimit))
		}
		time.Sleep(time.Second)
	}
	// One more stats interval, so the broker's own after-declare work is done.
	select {
	case <-time.After(5 * time.Second):
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}
