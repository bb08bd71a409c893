package clustertests

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/warren-tui/warren/internal/testnode"
	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/pulse"
)

// partitionTicktime is the partition test's net_ticktime: a node that
// says nothing for about this long is cut off by the others (60 s by
// default, which would make the test wait minutes).
const partitionTicktime = 4 * time.Second

// A real partition: in a cluster of the test's own (net_ticktime 4 s, so
// the shared cluster's other tests are not exposed to spurious
// partitions on a loaded machine), node 2 hangs (SIGSTOP) past the
// ticktime and comes back (SIGCONT). The management API then reports the
// partition (node 2 cut off from nodes 1 and 3, and sometimes nodes 1 and
// 3 from node 2), and the pulse gives a critical finding on each node
// that reports one, naming the nodes it cannot see. Restarting node 2, the
// minority, heals it: three nodes running, no partition, no finding.
func TestClusterPulsePartition(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node cluster of its own: skipped under -short")
	}
	began := time.Now()
	pc, err := testnode.StartClusterWith(testnode.Options{Config: []string{
		fmt.Sprintf("net_ticktime = %d", int(partitionTicktime/time.Second)),
	}})
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the partition test needs a cluster of its own: %v", err)
		}
		t.Skipf("no cluster of the test's own: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("cluster status:\n%s", pc.Status())
			for i := 1; i <= 3; i++ {
				t.Logf("node %d log:\n%s", i, pc.LogTail(i, 20))
			}
		}
		if err := pc.Stop(); err != nil {
			t.Error(err)
		}
	})
	t.Logf("cluster of its own up in %v", time.Since(began).Round(time.Second))
	cl := api(t, pc)
	// view is the cluster as one node's API sees it: each node's
	// partitions and whether it runs, and the pulse's node findings.
	type view struct {
		partitions map[string][]string
		running    map[string]bool
		findings   map[string][]pulse.Finding
	}
	read := func(cl *mgmt.Client) (view, string) {
		v := view{partitions: map[string][]string{}, running: map[string]bool{}, findings: map[string][]pulse.Finding{}}
		nodes, err := cl.Nodes(ctx(t))
		if err != nil {
			return v, err.Error()
		}
		for _, n := range nodes {
			v.partitions[n.Name], v.running[n.Name] = sorted(n.Partitions), n.Running
		}
		s, err := cl.Pulse(ctx(t), "")
		if err != nil {
			return v, err.Error()
		}
		for _, f := range pulse.Evaluate(s, nil, pulse.DefaultConfig()) {
			if f.Object.Kind == pulse.KindNode {
				v.findings[f.Object.Name] = append(v.findings[f.Object.Name], f)
			}
		}
		return v, ""
	}
	healthy := func() string {
		v, why := read(cl)
		if why != "" {
			return why
		}
		if len(v.running) != 3 {
			return fmt.Sprintf("%d nodes listed", len(v.running))
		}
		for n, p := range v.partitions {
			if len(p) > 0 || !v.running[n] {
				return fmt.Sprintf("%s: running %v, partitioned from %v", n, v.running[n], p)
			}
		}
		for n, fs := range v.findings {
			for _, f := range fs {
				if f.Rule == pulse.RulePartition || f.Rule == pulse.RuleNodeDown {
					return fmt.Sprintf("%s on a healthy cluster: %s", n, f.What)
				}
			}
		}
		return ""
	}
	eventually(t, healthy)

	// Hang node 2 for four ticktimes: the others cut it off, and when it
	// wakes it finds them gone too.
	if err := pc.Pause(2, 4*partitionTicktime); err != nil {
		t.Fatal(err)
	}
	n1, n2, n3 := pc.Name(1), pc.Name(2), pc.Name(3)
	// partitioned checks the partitions as one node's API reports them:
	// those named in want are there, and every node that reports one has
	// the pulse's critical finding naming the nodes it cannot see, and is
	// not found down (from the other side it does not run, yet answers).
	partitioned := func(cl *mgmt.Client, want map[string][]string) func() string {
		return func() string {
			v, why := read(cl)
			if why != "" {
				return why
			}
			for n, w := range want {
				if !slices.Equal(v.partitions[n], w) {
					return fmt.Sprintf("the API reports partitions %v (running %v), want %v", v.partitions, v.running, want)
				}
			}
			for n, other := range v.partitions {
				if len(other) == 0 {
					continue
				}
				fs := v.findings[n]
				if slices.ContainsFunc(fs, func(f pulse.Finding) bool { return f.Rule == pulse.RuleNodeDown }) {
					return fmt.Sprintf("%s reports a partition but is found down: %+v", n, fs)
				}
				i := slices.IndexFunc(fs, func(f pulse.Finding) bool { return f.Rule == pulse.RulePartition })
				if i < 0 {
					return fmt.Sprintf("%s: no partition finding in %+v", n, fs)
				}
				if f := fs[i]; f.Severity != pulse.Critical || !strings.Contains(f.Command, n) ||
					slices.ContainsFunc(other, func(o string) bool { return !strings.Contains(f.What, `"`+o+`"`) }) {
					return fmt.Sprintf("%s (partitioned from %v): finding %+v", n, other, f)
				}
			}
			return ""
		}
	}
	// Node 2, which woke to find both others gone, reports them, read
	// through node 1's API and through node 2's own. (Nodes 1 and 3 may
	// or may not report node 2, run by run: mnesia tells one side of each
	// pair at least; whichever do have the finding too.)
	eventually(t, partitioned(cl, map[string][]string{n2: sorted([]string{n1, n3})}))
	cl2, err := mgmt.New(mgmt.Config{APIURL: pc.API(2), Username: "guest", Password: "guest", Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, partitioned(cl2, map[string][]string{n2: sorted([]string{n1, n3})}))
	v, _ := read(cl)
	for _, n := range []string{n1, n2, n3} {
		for _, f := range v.findings[n] {
			t.Logf("through node 1: %s (running %v, partitions %v): %s %s: %s", n, v.running[n], v.partitions[n], f.Severity, f.Rule, f.What)
		}
	}

	// Heal: restart the minority side, as the finding's fix says.
	if err := pc.Restart(2); err != nil {
		t.Fatal(err)
	}
	eventually(t, healthy)
	var nodes []mgmt.Node
	if nodes, err = cl.Nodes(ctx(t)); err != nil || len(nodes) != 3 {
		t.Fatalf("after the heal: %d nodes, %v", len(nodes), err)
	}
}
