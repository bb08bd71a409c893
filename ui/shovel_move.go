package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/mgmt"
)

// Shoveler runs moves on the broker with its shovel plugin; *mgmt.Client
// satisfies it.
type Shoveler interface {
	ShovelsEnabled(ctx context.Context) (bool, error)
	StartShovel(ctx context.Context, s mgmt.ShovelSpec) (string, error)
	Shovel(ctx context.Context, vhost, name string) (mgmt.ShovelState, error)
	ShovelDefined(ctx context.Context, vhost, name string) (bool, error)
	StopShovel(ctx context.Context, vhost, name string) error
}

// shovelPoll is how often a shovel move reads its progress.
const shovelPoll = 100 * time.Millisecond

// errShovelStopped: the shovel ended without finishing.
var errShovelStopped = errors.New("the shovel stopped")

// runShovelMove moves a whole queue to another queue with a broker-side
// shovel and reports progress like a client-side move, from exact depths
// (passive declares). The target must exist: a shovel would declare a
// missing one. It ends when the shovel's definition is gone, which the
// broker deletes once it has moved what the source held at the start. On
// ctx's end it deletes the shovel: what it held unacked goes back to the
// source, and copies of those may exist twice.
func runShovelMove(ctx context.Context, sh Shoveler, depth func(ctx context.Context, vhost, queue string) (int, error),
	spec mgmt.ShovelSpec, progress func(ops.MoveProgress)) (ops.MoveResult, error) {
	start := time.Now()
	res := ops.MoveResult{QueueType: ops.QueueClassic, DeliveryLimit: -1}
	if spec.TargetQueue == "" {
		return res, errors.New("a shovel move goes to a queue: the shovel cannot tell a message an exchange routes nowhere, and would drop it")
	}
	if _, err := depth(ctx, spec.Vhost, spec.TargetQueue); err != nil {
		return res, fmt.Errorf("the target queue: %w (a shovel would declare a missing one; declare it first)", err)
	}
	total, err := depth(ctx, spec.Vhost, spec.Queue)
	if err != nil || total == 0 {
		return res, err
	}
	name, err := sh.StartShovel(ctx, spec)
	if err != nil {
		return res, err
	}
	report := func() {
		p := ops.MoveProgress{Total: total, Taken: res.Moved, Moved: res.Moved, Elapsed: time.Since(start)}
		if s := p.Elapsed.Seconds(); s > 0 {
			p.Rate = float64(res.Moved) / s
		}
		progress(p)
	}
	// stop deletes the shovel on any early end, waits for the source to
	// settle (the broker puts back what the shovel held), and counts.
	stop := func(why error) (ops.MoveResult, error) {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		if err := sh.StopShovel(sctx, spec.Vhost, name); err != nil {
			why = fmt.Errorf("%w; and the shovel %q could not be deleted, so it may still be moving: %v", why, name, err)
		}
		left := total - res.Moved
		for prev := -1; sctx.Err() == nil; time.Sleep(shovelPoll) {
			n, err := depth(sctx, spec.Vhost, spec.Queue)
			if err != nil {
				break
			}
			if n == prev {
				left = min(n, total)
				break
			}
			prev = n
		}
		res.Moved = total - left
		res.ReturnedToSource = left
		// What it held went back; each may also have reached the target.
		res.DuplicateRisk = min(mgmt.ShovelPrefetch, left)
		res.Took = time.Since(start)
		return res, why
	}
	tick := time.NewTicker(shovelPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return stop(ctx.Err())
		case <-tick.C:
		}
		defined, err := sh.ShovelDefined(ctx, spec.Vhost, name)
		if err == nil && !defined {
			// Deleted itself: it moved what the source held at the start,
			// each acked only once the target confirmed it.
			res.Moved, res.Took = total, time.Since(start)
			report()
			return res, nil
		}
		// Progress only: the shovel's unacked messages are in neither
		// count, and others may publish to the source.
		if n, err := depth(ctx, spec.Vhost, spec.Queue); err == nil {
			res.Moved = min(max(total-n-mgmt.ShovelPrefetch, res.Moved, 0), total)
		}
		report()
		if st, err := sh.Shovel(ctx, spec.Vhost, name); err == nil && st.State == "terminated" {
			return stop(fmt.Errorf("%w: %s", errShovelStopped, st.Reason))
		}
	}
}

// noShovel says why a shovel cannot make this move; "" when it can.
func (v *moveView) noShovel() string {
	switch {
	case v.imp != nil:
		return "an import is published by warren; a shovel moves a queue"
	case len(v.only) > 0:
		return "a shovel moves a whole queue: marked messages are moved by warren (a or e)"
	case v.c.target.Shoveler == nil:
		return "no management API client: a shovel is declared through it"
	case v.c.target.Streamer == nil:
		return "no AMQP session: a shovel move reads its progress over AMQP"
	case v.qtype == ops.QueueStream:
		return "a stream is append-only: nothing can be moved out of it"
	case v.qtype != ops.QueueClassic && ops.RequeueCounts(v.c.rabbitVersion):
		// Stopped, a shovel gives back up to 1,000 unacked messages at
		// once, each charged a delivery: past a limit the broker drops them.
		return "a shovel moves classic queues here: stopping one requeues what it holds, which on a quorum queue " +
			"raises each message's delivery count (a client-side move, a or e, keeps within the limit)"
	}
	return ""
}

// shovelRun is the command that runs a shovel move and reports it done.
func (v *moveView) shovelRun(ctx context.Context, req ops.MoveRequest) tea.Cmd {
	sh, st, state, id, title := v.c.target.Shoveler, v.c.target.Streamer, v.state, v.viewID, v.title()
	spec := mgmt.ShovelSpec{Vhost: req.Vhost, Queue: req.Queue, TargetQueue: req.TargetQueue, Exchange: req.Exchange, RoutingKey: req.RoutingKey}
	depth := func(ctx context.Context, vhost, queue string) (int, error) {
		n, _, err := st.QueueDepth(ctx, vhost, queue)
		return n, err
	}
	return func() tea.Msg {
		res, err := runShovelMove(ctx, sh, depth, spec, state.set)
		return moveDoneMsg{view: id, queue: title, result: res, err: err}
	}
}
