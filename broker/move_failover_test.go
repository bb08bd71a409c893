package broker

import (
	"testing"
	"time"
)

// A move that went on from another node adds up what each round moved,
// requeued and may have left twice, and keeps what the last round left
// in the source (each round met again what the one before left there).
func TestMoveRoundsAddUp(t *testing.T) {
	first := MoveResult{Moved: 900, DuplicateRisk: 40, InDoubt: 8, ReturnedToSource: 8, Requeued: 300, RequeuedUnseen: 20, Reordered: true}
	second := MoveResult{Moved: 140, Unroutable: 2, ReturnedToSource: 2, Requeued: 2}
	got := addRound(addRound(MoveResult{}, first), second)
	if got.Moved != 1040 || got.DuplicateRisk != 40 || got.Requeued != 302 || got.RequeuedUnseen != 20 || !got.Reordered ||
		got.ReturnedToSource != 2 || got.Unroutable != 2 || got.InDoubt != 0 {
		t.Fatalf("rounds added up to %+v", got)
	}
	p := addProgress(MoveProgress{Moved: 900, Elapsed: 2 * time.Second}, MoveProgress{Total: 132, Taken: 50, Moved: 40, Elapsed: time.Second}, 1000)
	if p.Total != 1000 || p.Moved != 940 || p.Taken != 950 || p.Elapsed != 3*time.Second {
		t.Fatalf("progress %+v", p)
	}
}

// A round that never reached the source (every node down, so its dial
// failed) leaves the summary of the rounds before it as it was: what they
// left in the source is still there, and must not read as nothing.
func TestMoveRoundThatNeverStartedKeepsWhatWasLeft(t *testing.T) {
	first := MoveResult{Moved: 900, DuplicateRisk: 40, InDoubt: 8, ReturnedToSource: 13, Unroutable: 5, Requeued: 300,
		QueueType: QueueQuorum, DeliveryLimit: 20}
	got := addRound(addRound(MoveResult{}, first), MoveResult{})
	if got.Moved != 900 || got.DuplicateRisk != 40 || got.InDoubt != 8 || got.ReturnedToSource != 13 || got.Unroutable != 5 ||
		got.Requeued != 300 || got.QueueType != QueueQuorum || got.DeliveryLimit != 20 {
		t.Fatalf("a round that never started left %+v", got)
	}
}
