package testnode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Cluster is three RabbitMQ nodes of a test package's own, joined into one
// cluster on loopback. It is started by scripts/cluster.sh, the same script
// people run by hand, so the tests and the documented set-up cannot drift
// apart; each Cluster has its own directory, node names and ports, and the
// script takes it down when the test process ends, however it ends.
type Cluster struct {
	script string
	dir    string
	prefix string // node i is prefix+i@localhost
	base   int    // AMQP port of node 1; API base+10000, distribution base+20000
	conf   []string
}

// clusterTimeout bounds the whole start: three boots and two joins take
// ~35-45 s on a loaded 2-core machine.
const clusterTimeout = 6 * time.Minute

// StartCluster starts and joins three nodes. It is for TestMain: the
// caller stops the cluster with Stop (and the script stops it anyway once
// this process has gone).
func StartCluster() (*Cluster, error) { return StartClusterWith(Options{}) }

// StartClusterWith is StartCluster with lines added to each node's
// rabbitmq.conf (Options.Config; net_ticktime = 4, say, for a test that
// partitions the cluster). Options.Prometheus is not offered here.
func StartClusterWith(o Options) (*Cluster, error) {
	if _, err := findBin(); err != nil {
		return nil, err
	}
	script, err := clusterScript()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "warren-cluster-")
	if err != nil {
		return nil, err
	}
	base, err := freeBase()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	c := &Cluster{script: script, dir: dir, prefix: "wc" + randomHex(3) + "-", base: base, conf: o.Config}
	if out, err := c.run(clusterTimeout, "up"); err != nil {
		_, _ = c.run(time.Minute, "down")
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("scripts/cluster.sh up: %w\n%s", err, out)
	}
	return c, nil
}

// clusterScript finds scripts/cluster.sh beside this package's source.
func clusterScript() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("testnode: cannot tell where its source is")
	}
	p := filepath.Join(filepath.Dir(file), "..", "..", "scripts", "cluster.sh")
	if !isExec(p) {
		return "", fmt.Errorf("testnode: %s is missing or not executable", p)
	}
	return p, nil
}

// freeBase picks a port base whose nine ports (AMQP, API and distribution
// of three nodes) are all free, below the kernel's ephemeral range.
func freeBase() (int, error) {
	for range 50 {
		base := 20000 + rand.IntN(9990)
		free := true
		for _, off := range []int{0, 10000, 20000} {
			for i := range 3 {
				l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(base+off+i))
				if err != nil {
					free = false
					break
				}
				l.Close()
			}
		}
		if free {
			return base, nil
		}
	}
	return 0, errors.New("testnode: no free port range for a cluster")
}

func (c *Cluster) run(timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.script, args...)
	cmd.Env = append(os.Environ(),
		"WARREN_CLUSTER_DIR="+c.dir,
		"WARREN_CLUSTER_PREFIX="+c.prefix,
		"WARREN_CLUSTER_PORT_BASE="+strconv.Itoa(c.base),
		"WARREN_CLUSTER_OWNER="+strconv.Itoa(os.Getpid()),
		"WARREN_CLUSTER_CONF="+strings.Join(c.conf, "\n"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second // the nodes never hold our pipes, but never hang on them
	err := cmd.Run()
	return out.String(), err
}

// Name is node i's Erlang node name (i is 1, 2 or 3).
func (c *Cluster) Name(i int) string { return c.prefix + strconv.Itoa(i) + "@localhost" }

// URI is node i's AMQP URI as guest.
func (c *Cluster) URI(i int) string {
	return "amqp://guest:guest@127.0.0.1:" + strconv.Itoa(c.base+i-1) + "/"
}

// API is node i's management API base URL (guest/guest).
func (c *Cluster) API(i int) string {
	return "http://127.0.0.1:" + strconv.Itoa(c.base+10000+i-1)
}

// Kill kills node i with kill -9; the others see it go down.
func (c *Cluster) Kill(i int) error {
	out, err := c.run(time.Minute, "kill", strconv.Itoa(i))
	if err != nil {
		return fmt.Errorf("cluster.sh kill %d: %w: %s", i, err, out)
	}
	return nil
}

// Pause hangs node i (SIGSTOP) for d and lets it go on (SIGCONT). Past
// the cluster's net_ticktime the others count it gone, and once it is
// back both sides report a partition.
func (c *Cluster) Pause(i int, d time.Duration) error {
	out, err := c.run(d+time.Minute, "pause", strconv.Itoa(i), strconv.Itoa(int(d.Round(time.Second)/time.Second)))
	if err != nil {
		return fmt.Errorf("cluster.sh pause %d: %w: %s", i, err, out)
	}
	return nil
}

// Restart starts node i again (stopping it first if it runs) on its data;
// it comes back as a member of the cluster.
func (c *Cluster) Restart(i int) error {
	out, err := c.run(clusterTimeout, "restart", strconv.Itoa(i))
	if err != nil {
		return fmt.Errorf("cluster.sh restart %d: %w: %s", i, err, out)
	}
	return nil
}

// Status is the script's status lines.
func (c *Cluster) Status() string {
	out, _ := c.run(time.Minute, "status")
	return out
}

// LogTail is the last lines of node i's log, for a failing test.
func (c *Cluster) LogTail(i, lines int) string {
	n := &Node{name: c.Name(i), dir: filepath.Join(c.dir, strconv.Itoa(i))}
	return n.LogTail(lines)
}

// Stop kills the three nodes and removes their directory.
func (c *Cluster) Stop() error {
	out, err := c.run(time.Minute, "down")
	if err != nil {
		return fmt.Errorf("cluster.sh down: %w: %s", err, out)
	}
	if err := os.RemoveAll(c.dir); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}
