package broker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// errMoveLinkLost ends a move whose connection to the broker went.
var errMoveLinkLost = errors.New("move stopped, link lost")

// maxMoveRounds bounds how often one move starts again on another node.
const maxMoveRounds = 6

// moveOnNodes runs a move, and when the link to the node it ran on is
// lost and the session knows other nodes of the cluster, runs it again
// there for what is left, until it is done. Each round loses nothing, as
// a move never does: the broker requeued every message the lost link held
// unacked. Only a move of a whole queue or of a count goes on: a move of
// chosen messages (Only) cannot tell which of them the lost round moved,
// and stops with its summary as on a single node.
//
// What is left after a round is the first round's budget less what was
// moved, plus the moved ones whose ack may have been lost with the link
// (DuplicateRisk less InDoubt): those may be back in the source, and are
// moved again (they are counted as possible duplicates already), so that
// no message of the budget is left behind for them.
func (s *Session) moveOnNodes(ctx context.Context, req MoveRequest, progress func(MoveProgress)) (MoveResult, error) {
	if s.nodes.list.Len() < 2 || len(req.Only) > 0 || req.Target == discard {
		return s.move(ctx, req, progress)
	}
	start := time.Now()
	var total MoveResult
	var base MoveProgress // the rounds before this one
	budget, backAgain := -1, 0
	for round := 1; ; round++ {
		var mu sync.Mutex // progress may come from the move's goroutines
		var last MoveProgress
		res, err := s.move(ctx, req, func(p MoveProgress) {
			mu.Lock()
			last = p
			mu.Unlock()
			if progress != nil {
				progress(addProgress(base, p, budget))
			}
		})
		mu.Lock()
		final := last
		mu.Unlock()
		total = addRound(total, res)
		total.Took = time.Since(start)
		if budget < 0 {
			budget = final.Total
		}
		if !errors.Is(err, errMoveLinkLost) || ctx.Err() != nil || round == maxMoveRounds || budget <= 0 {
			return total, err // budget <= 0: the round said nothing of what it would take
		}
		backAgain += res.DuplicateRisk - res.InDoubt
		left := budget - total.Moved + backAgain
		if left <= 0 {
			return total, nil
		}
		base = addProgress(base, final, budget)
		req.Limit = left
		select { // a quorum queue whose leader went elects another
		case <-ctx.Done():
			return total, fmt.Errorf("%w before going on from another node: %w", ctx.Err(), err)
		case <-time.After(time.Second):
		}
		total.FailedOver++
	}
}

// addRound adds a round's counts to those of the rounds before it. What
// was moved, requeued or may exist twice adds up; what stayed in the
// source (failures, skipped, not found) is the last round's, since each
// round met again what the one before it left there. A round that never
// reached the source (its dial failed: every node down; or it found the
// source empty) met nothing again, so what the rounds before it left
// there, and the queue type they found, stand.
func addRound(t, r MoveResult) MoveResult {
	if r.QueueType == "" && t.QueueType != "" {
		return t
	}
	out := r
	out.Moved += t.Moved
	out.DuplicateRisk += t.DuplicateRisk
	out.Requeued += t.Requeued
	out.RequeuedUnseen += t.RequeuedUnseen
	out.ToTail += t.ToTail
	out.OverLimit += t.OverLimit
	out.Reconciled += t.Reconciled
	out.Reordered = out.Reordered || t.Reordered
	out.FailedOver = t.FailedOver
	return out
}

// addProgress is a round's progress on top of the rounds before it,
// against the whole move's budget.
func addProgress(base, p MoveProgress, budget int) MoveProgress {
	if budget >= 0 {
		p.Total = budget
	}
	p.Moved += base.Moved
	p.Taken = min(p.Taken+base.Moved, max(p.Total, p.Taken))
	p.Elapsed += base.Elapsed
	if p.Elapsed > 0 {
		p.Rate = float64(p.Moved) / p.Elapsed.Seconds()
	}
	return p
}

// peekElsewhere runs a peek of a classic queue or a stream, and once more
// when it failed for any reason but the queue itself while the session
// knows other nodes of the cluster: its node may have died under it, and
// the next dial goes to another. A classic peek the lost link cut short
// loses and reorders nothing (the broker puts back, in order, what the
// dead connection held), and a stream read takes nothing. A quorum peek is
// never run again unasked: the lost link already raised each count it held.
func (s *Session) peekElsewhere(ctx context.Context, peek func() (PeekResult, error)) (PeekResult, error) {
	res, err := peek()
	var undecodable *UndecodableError
	if err == nil || s.nodes.list.Len() < 2 || ctx.Err() != nil || isPermanentAMQP(err) || errors.As(err, &undecodable) {
		return res, err
	}
	return peek()
}
