package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/internal/testnode"
	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/pulse"
)

// A real disk alarm, on a node of the test's own whose free-disk limit
// (100 TB) no disk meets: the pulse finds it (critical, on that node),
// the header says ALARM disk on the node and counts the finding in its
// badge, and both go once the limit is lowered again.
func TestPulseDiskAlarmOnANodeOfItsOwn(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a RabbitMQ node of its own: skipped under -short")
	}
	node := testnode.StartWith(t, testnode.Options{Config: []string{"disk_free_limit.absolute = 100000000000000"}})
	client, err := mgmt.New(mgmt.Config{APIURL: node.API(), Username: "guest", Password: "guest", Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	diskFindings := func() []pulse.Finding {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := client.Pulse(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		var out []pulse.Finding
		for _, f := range pulse.Evaluate(s, nil, pulse.DefaultConfig()) {
			if f.Rule == pulse.RuleDiskAlarm {
				out = append(out, f)
			}
		}
		return out
	}
	// The node checks its free disk every few seconds after boot.
	var fs []pulse.Finding
	for deadline := time.Now().Add(time.Minute); len(fs) == 0 && time.Now().Before(deadline); time.Sleep(time.Second) {
		fs = diskFindings()
	}
	if len(fs) != 1 || fs[0].Severity != pulse.Critical || fs[0].Object != (pulse.Object{Kind: pulse.KindNode, Name: node.Name()}) ||
		!strings.Contains(fs[0].Command, node.Name()) {
		t.Fatalf("disk alarm findings: %+v", fs)
	}

	a := New(Target{Source: client, API: node.API()}, Options{Refresh: time.Hour, Timeout: 20 * time.Second}, nil)
	a.c.tick = testTick
	a.c.frame = time.Hour
	settle(t, a, a.Init(), tea.WindowSizeMsg{Width: 200, Height: 40})
	head := strings.Split(screen(a), "\n")[0]
	if !strings.Contains(head, "ALARM disk on "+node.Name()) || !strings.Contains(head, "pulse 1 critical") {
		t.Fatalf("the header does not show the disk alarm and its finding: %q", head)
	}
	runCommand(t, a, "pulse")
	if s := screen(a); !strings.Contains(s, "disk alarm: publishing is blocked") {
		t.Fatalf("the pulse view lacks the disk alarm:\n%s", s)
	}

	if out, err := node.Ctl("set_disk_free_limit", "50MB"); err != nil {
		t.Fatalf("clear the alarm: %v: %s", err, out)
	}
	for deadline := time.Now().Add(time.Minute); len(fs) > 0; time.Sleep(time.Second) {
		if time.Now().After(deadline) {
			t.Fatalf("the disk alarm did not clear: %+v", fs)
		}
		fs = diskFindings()
	}
	settle(t, a, a.loadHeader(), a.refreshPulse())
	if head := strings.Split(screen(a), "\n")[0]; strings.Contains(head, "ALARM") || strings.Contains(head, "pulse") {
		t.Fatalf("the header still shows the alarm after it cleared: %q", head)
	}
}
