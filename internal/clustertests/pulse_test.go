package clustertests

import (
	"fmt"
	"testing"

	"github.com/warren-tui/warren/pulse"
)

// A node down in a real cluster is a critical finding of the pulse on
// that node, and on no other: read through node 1's API before and after
// node 2 goes (killed here, and started again after).
func TestClusterPulseNodeDown(t *testing.T) {
	c := need(t)
	cl := api(t, c)
	nodeFindings := func() (map[string][]pulse.Finding, error) {
		s, err := cl.Pulse(ctx(t), "")
		if err != nil {
			return nil, err
		}
		if !s.Have.Nodes || len(s.Nodes) != 3 {
			return nil, fmt.Errorf("nodes not read: %v (%d nodes)", s.Unread, len(s.Nodes))
		}
		out := map[string][]pulse.Finding{}
		for _, f := range pulse.Evaluate(s, nil, pulse.DefaultConfig()) {
			if f.Object.Kind == pulse.KindNode {
				out[f.Object.Name] = append(out[f.Object.Name], f)
			}
		}
		return out, nil
	}
	nodes, err := cl.Nodes(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	running := false
	for _, n := range nodes {
		running = running || n.Name == c.Name(2) && n.Running
	}
	if running {
		fs, err := nodeFindings()
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names(c) {
			for _, f := range fs[n] {
				if f.Rule == pulse.RuleNodeDown || f.Rule == pulse.RulePartition {
					t.Fatalf("healthy cluster: %s has %s: %s", n, f.Rule, f.What)
				}
			}
		}
		killNode2(t, c, cl)
	}
	eventually(t, func() string {
		fs, err := nodeFindings()
		if err != nil {
			return err.Error()
		}
		down := 0
		for _, f := range fs[c.Name(2)] {
			if f.Rule == pulse.RuleNodeDown && f.Severity == pulse.Critical {
				down++
			}
		}
		if down != 1 {
			return fmt.Sprintf("node 2 killed: findings %+v", fs[c.Name(2)])
		}
		for _, n := range []string{c.Name(1), c.Name(3)} {
			for _, f := range fs[n] {
				if f.Rule == pulse.RuleNodeDown {
					return n + " is running but found down"
				}
			}
		}
		return ""
	})
}
