package ui

import (
	"strings"
	"testing"

	"github.com/warren-tui/warren/broker"
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
	if len(mv.reqs) != 1 || mv.reqs[0].Target != broker.ReturnToOrigin {
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
