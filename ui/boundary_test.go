package ui

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// goList is `go list` of a package of this module: its imports (deps
// false) or everything it links (deps true), tests left out.
func goList(t *testing.T, pkg string, deps bool) []string {
	t.Helper()
	args := []string{"list", "-f", `{{join .Imports "\n"}}`, pkg}
	if deps {
		args = []string{"list", "-deps", pkg}
	}
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	return strings.Fields(string(out))
}

// The UI sees the AMQP side only through its interfaces and the plain
// types of broker/ops: it links neither amqp091-go nor the broker package.
// It takes mgmt's domain types, and so links rabbit-hole through mgmt,
// but never imports rabbit-hole itself. The widgets know nothing of
// RabbitMQ at all.
func TestUIBoundary(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	const mod = "github.com/warren-tui/warren/"
	for _, c := range []struct {
		pkg     string
		deps    bool
		forbids []string
	}{
		{mod + "ui", true, []string{"github.com/rabbitmq/amqp091-go", mod + "broker"}},
		{mod + "ui", false, []string{"github.com/michaelklishin/rabbit-hole/v3"}},
		{mod + "broker/ops", true, []string{"github.com/rabbitmq/amqp091-go", "github.com/michaelklishin/rabbit-hole/v3", mod + "broker", mod + "mgmt"}},
		{mod + "ui/widget", true, []string{"github.com/rabbitmq/amqp091-go", "github.com/michaelklishin/rabbit-hole/v3", mod + "broker", mod + "broker/ops", mod + "mgmt", mod + "ui"}},
	} {
		got := goList(t, c.pkg, c.deps)
		if len(got) == 0 {
			t.Fatalf("go list %s listed nothing", c.pkg)
		}
		for _, f := range c.forbids {
			if slices.Contains(got, f) {
				how := "imports"
				if c.deps {
					how = "depends on"
				}
				t.Errorf("%s %s %s", c.pkg, how, f)
			}
		}
	}
}
