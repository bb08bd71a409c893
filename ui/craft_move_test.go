package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/message"
)

// m then enter on a queue asks once, with the count, before moving every
// message; any key but y goes back to the choices without moving.
func TestWholeQueueMoveAsksWithTheCount(t *testing.T) {
	a, _, _, mv, _ := writeApp(t, false)
	selectQueue(t, a, "demo.orders.dlq")
	settle(t, a, press("m"), press("enter"))
	if len(mv.reqs) != 0 {
		t.Fatalf("m enter moved without asking: %+v", mv.reqs)
	}
	if got := flat(screen(a)); !strings.Contains(got, "Move ALL 30 ready messages of demo.orders.dlq") {
		t.Fatalf("the question should say how many:\n%s", got)
	}
	settle(t, a, press("n"))
	if len(mv.reqs) != 0 || !strings.Contains(screen(a), "enter") {
		t.Fatalf("n should go back to the choices without moving: %+v\n%s", mv.reqs, screen(a))
	}
	settle(t, a, press("enter"), press("esc"))
	if _, ok := a.top().(*moveView); !ok || len(mv.reqs) != 0 {
		t.Fatalf("esc on the question should go back to the choices, top %T, moves %+v", a.top(), mv.reqs)
	}
	settle(t, a, press("enter"), press("y"))
	if len(mv.reqs) != 1 || mv.reqs[0].Target != ops.ReturnToOrigin {
		t.Fatalf("y should start the move: %+v", mv.reqs)
	}
}

// A move of marked messages does not ask: they were chosen one by one.
func TestMarkedMoveDoesNotAsk(t *testing.T) {
	a, _, _, mv, _ := writeApp(t, false)
	selectQueue(t, a, "demo.orders.dlq")
	settle(t, a, press("p"))
	settle(t, a, press(" "))
	settle(t, a, press("m"), press("enter"))
	if len(mv.reqs) != 1 {
		t.Fatalf("a marked move should start at once: %+v", mv.reqs)
	}
}

// After a republish that removed the original, nothing is unsent: esc
// closes the form without claiming edits.
func TestEscAfterARepublishThatRemoved(t *testing.T) {
	a, pub, _, _, _ := writeApp(t, false)
	selectQueue(t, a, "demo.orders.dlq")
	settle(t, a, press("p"))
	settle(t, a, press("r"))
	pv, ok := a.top().(*publishView)
	if !ok {
		t.Fatalf("r should open the republish form, top %T", a.top())
	}
	pv.form.FocusOn("remove")
	settle(t, a, press("space"), press("ctrl+s"))
	if len(pub.sent) != 1 || len(pub.removes) != 1 {
		t.Fatalf("sent %d removes %d", len(pub.sent), len(pub.removes))
	}
	settle(t, a, press("esc"))
	if _, ok := a.top().(*publishView); ok {
		t.Fatalf("esc after a confirmed republish should close the form:\n%s", screen(a))
	}
}

// ctrl+c over unsent edits asks once, as esc does; the second quits.
func TestCtrlCAsksBeforeDiscardingEdits(t *testing.T) {
	a, _, _, _, _ := writeApp(t, false)
	selectQueue(t, a, "demo.orders.created")
	settle(t, a, press("P"))
	settle(t, a, typed("{}")...)
	_, cmd := a.Update(press("ctrl+c"))
	if quits(cmd) || !strings.Contains(screen(a), "ctrl+c again quits") {
		t.Fatalf("the first ctrl+c over unsent edits should ask:\n%s", screen(a))
	}
	if _, cmd = a.Update(press("ctrl+c")); !quits(cmd) {
		t.Fatal("the second ctrl+c should quit")
	}
	b, _, _, _, _ := writeApp(t, false)
	selectQueue(t, b, "demo.orders.created")
	settle(t, b, press("P"))
	if _, cmd := b.Update(press("ctrl+c")); !quits(cmd) {
		t.Fatal("ctrl+c over an untouched form quits at once")
	}
}

// An :import of a file that cannot be read says why before any target
// menu and leaves nothing in the breadcrumbs; imports do not pile up.
func TestImportOfAMissingFileFailsFirst(t *testing.T) {
	a, _, _, _, _ := writeApp(t, false)
	dir := t.TempDir()
	for _, path := range []string{filepath.Join(dir, "missing.jsonl"), dir} {
		settle(t, a, press(":"))
		settle(t, a, typed("import "+path)...)
		settle(t, a, press("enter"))
		if _, ok := a.top().(*moveView); ok || len(a.stack) != 1 {
			t.Fatalf("%s: a failed import should leave no view, stack %d top %T\n%s", path, len(a.stack), a.top(), screen(a))
		}
		if !strings.Contains(a.status, "cannot import: ") || !strings.Contains(a.status, path) {
			t.Fatalf("%s: status %q", path, a.status)
		}
	}
	good := filepath.Join(dir, "dlq.jsonl")
	f, err := os.Create(good)
	if err != nil {
		t.Fatal(err)
	}
	if err := message.WriteJSONL(f, []message.Message{deadLetter(1, "a")}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for range 3 {
		settle(t, a, press(":"))
		settle(t, a, typed("import "+good)...)
		settle(t, a, press("enter"))
	}
	if len(a.stack) != 2 || strings.Count(a.titleBar(), "import") != 1 {
		t.Fatalf("imports piled up: %d views, title %q", len(a.stack), ansi.Strip(a.titleBar()))
	}
}

// scriptedMover reports one progress and ends with a fixed result.
type scriptedMover struct {
	fakeMover
	progress ops.MoveProgress
	result   ops.MoveResult
}

func (f *scriptedMover) Move(_ context.Context, req ops.MoveRequest, progress func(ops.MoveProgress)) (ops.MoveResult, error) {
	progress(f.progress)
	return f.result, nil
}

// The bar and the summary agree: a finished marked move counts against
// the marked, and messages without an origin are not failures.
func TestMoveProgressAgreesWithTheSummary(t *testing.T) {
	mv := &scriptedMover{
		progress: ops.MoveProgress{Total: 5, Taken: 5, Moved: 2, Skipped: 3},
		result:   ops.MoveResult{Moved: 2, Skipped: 3},
	}
	pk := &fakePeeker{}
	for i := 1; i <= 5; i++ {
		pk.msgs = append(pk.msgs, deadLetter(i, "x"))
	}
	a := newTestApp(demoFake(), Target{Peeker: pk, Mover: mv})
	settle(t, a, a.Init(), size())
	selectQueue(t, a, "demo.orders.dlq")
	settle(t, a, press("p"))
	settle(t, a, press(" "), press(" "))
	settle(t, a, press("m"), press("enter"))
	if got := flat(screen(a)); !strings.Contains(got, " 2 / 2") || strings.Contains(got, "2 / 5") {
		t.Fatalf("a finished move of 2 marked should show 2 / 2:\n%s", got)
	}

	mv.progress = ops.MoveProgress{Total: 5, Taken: 5, Moved: 3, Failed: 2, NoOrigin: 2}
	mv.result = ops.MoveResult{Moved: 3, ReturnedToSource: 2, NoOrigin: 2}
	b := newTestApp(demoFake(), Target{Mover: mv})
	settle(t, b, b.Init(), size())
	selectQueue(t, b, "demo.orders.dlq")
	settle(t, b, press("m"), press("enter"), press("y"))
	got := flat(screen(b))
	if !strings.Contains(got, "failed so far 0") || !strings.Contains(got, "no origin, left in place 2") || !strings.Contains(got, " 3 / 5") {
		t.Fatalf("no-origin messages are not failures:\n%s", got)
	}
}

// missingTargetMover refuses as the broker package does when the target
// queue does not exist.
type missingTargetMover struct{ fakeMover }

func (f *missingTargetMover) Move(context.Context, ops.MoveRequest, func(ops.MoveProgress)) (ops.MoveResult, error) {
	return ops.MoveResult{}, fmt.Errorf("%w: there is no queue %q in vhost %q, so nothing was moved", ops.ErrNoTargetQueue, "nope", "/")
}

// A move to a queue that does not exist says so, with no bar and no
// counts that suggest something happened.
func TestMoveToAMissingQueueSaysSo(t *testing.T) {
	a := newTestApp(demoFake(), Target{Mover: &missingTargetMover{}})
	settle(t, a, a.Init(), size())
	selectQueue(t, a, "demo.orders.dlq")
	settle(t, a, press("m"), press("a"))
	settle(t, a, typed("nope")...)
	settle(t, a, press("enter"), press("y"))
	got := flat(screen(a))
	if !strings.Contains(got, `there is no queue "nope"`) || strings.Contains(got, "unroutable") || strings.Contains(got, "or more") {
		t.Fatalf("a missing target should be said plainly:\n%s", got)
	}
}
