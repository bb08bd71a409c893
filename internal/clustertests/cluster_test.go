package clustertests

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/testnode"
	"github.com/warren-tui/warren/mgmt"
)

var (
	cluster  *testnode.Cluster
	startErr error
)

// TestMain starts the cluster once for every test here (three boots and
// two joins cost ~40 s) and takes it down after. Under CI a cluster that
// cannot start fails the package; elsewhere its tests skip.
func TestMain(m *testing.M) {
	began := time.Now()
	cluster, startErr = testnode.StartCluster()
	if startErr != nil {
		if os.Getenv("CI") != "" {
			fmt.Fprintf(os.Stderr, "the cluster tests need a three-node cluster of their own: %v\n", startErr)
			os.Exit(1)
		}
	} else {
		fmt.Fprintf(os.Stderr, "cluster %s, %s, %s up in %v\n", cluster.Name(1), cluster.Name(2), cluster.Name(3),
			time.Since(began).Round(time.Second))
	}
	code := m.Run()
	if cluster != nil {
		if err := cluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = max(code, 1)
		}
	}
	os.Exit(code)
}

func need(t *testing.T) *testnode.Cluster {
	t.Helper()
	if startErr != nil {
		t.Skipf("no cluster of the tests' own: %v", startErr)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("cluster status:\n%s", cluster.Status())
			for i := 1; i <= 3; i++ {
				t.Logf("node %d log:\n%s", i, cluster.LogTail(i, 20))
			}
		}
	})
	return cluster
}

// api is a management client of node 1, which answers for the cluster.
func api(t *testing.T, c *testnode.Cluster) *mgmt.Client {
	t.Helper()
	cl, err := mgmt.New(mgmt.Config{APIURL: c.API(1), Username: "guest", Password: "guest", Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func name(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// dial connects to node i, giving the connection a name when name is set.
func dial(t *testing.T, c *testnode.Cluster, i int, connName string) *amqp.Connection {
	t.Helper()
	props := amqp.NewConnectionProperties()
	if connName != "" {
		props.SetClientConnectionName(connName)
	}
	conn, err := amqp.DialConfig(c.URI(i), amqp.Config{Properties: props})
	if err != nil {
		t.Fatalf("dial node %d: %v", i, err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func channel(t *testing.T, conn *amqp.Connection) *amqp.Channel {
	t.Helper()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// declare makes a durable queue of a type through conn, deleted after the test.
func declare(t *testing.T, conn *amqp.Connection, q, qtype string) {
	t.Helper()
	ch := channel(t, conn)
	defer ch.Close()
	if _, err := ch.QueueDeclare(q, true, false, false, false, amqp.Table{"x-queue-type": qtype}); err != nil {
		t.Fatalf("declare %s %s: %v", qtype, q, err)
	}
	t.Cleanup(func() {
		if ch, err := conn.Channel(); err == nil {
			_, _ = ch.QueueDelete(q, false, false, false)
			_ = ch.Close()
		}
	})
}

// eventually retries check until it returns "" or a minute has passed;
// the management API's view lags the broker by a stats interval.
func eventually(t *testing.T, check func() string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		why := check()
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(why)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func names(c *testnode.Cluster) []string {
	return []string{c.Name(1), c.Name(2), c.Name(3)}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestClusterNodesView(t *testing.T) {
	c := need(t)
	cl := api(t, c)
	// A node that has just joined has no stats until its first emission.
	eventually(t, func() string {
		nodes, err := cl.Nodes(ctx(t))
		if err != nil {
			return err.Error()
		}
		var got []string
		for _, n := range nodes {
			got = append(got, n.Name)
			if !n.Running || n.Version == "" || n.Uptime <= 0 || n.MemUsed <= 0 || n.MemLimit <= 0 || n.DiskFree <= 0 ||
				n.FDTotal <= 0 || n.SockTotal <= 0 || n.Processes <= 0 || n.ProcTotal <= 0 || n.MemAlarm || n.DiskAlarm ||
				len(n.Partitions) != 0 || !slices.Contains(n.Plugins, "rabbitmq_management") {
				return fmt.Sprintf("node %+v", n)
			}
		}
		if !slices.Equal(got, names(c)) {
			return fmt.Sprintf("nodes %v, want %v", got, names(c))
		}
		return ""
	})
	d, err := cl.Node(ctx(t), c.Name(2))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(d.FeatureFlags, "quorum_queue") || !slices.Contains(d.FeatureFlags, "stream_queue") {
		t.Errorf("enabled feature flags %v", d.FeatureFlags)
	}
}

func TestClusterQueueMembership(t *testing.T) {
	c := need(t)
	cl := api(t, c)
	conn2, conn3 := dial(t, c, 2, ""), dial(t, c, 3, "")
	qq, st, cq := name("warren-cl-quorum"), name("warren-cl-stream"), name("warren-cl-classic")
	declare(t, conn2, qq, "quorum")
	declare(t, conn2, st, "stream")
	declare(t, conn3, cq, "classic")
	all := sorted(names(c))
	for _, q := range []string{qq, st} {
		eventually(t, func() string {
			d, err := cl.Queue(ctx(t), "/", q)
			if err != nil {
				return err.Error()
			}
			if !slices.Contains(all, d.Node) || !slices.Equal(sorted(d.Members), all) || !slices.Equal(sorted(d.Online), all) {
				return fmt.Sprintf("%s: leader %q members %v online %v, want all of %v", q, d.Node, d.Members, d.Online, all)
			}
			return ""
		})
	}
	d, err := cl.Queue(ctx(t), "/", cq)
	if err != nil {
		t.Fatal(err)
	}
	if d.Node != c.Name(3) || d.Members != nil || d.Online != nil {
		t.Fatalf("classic queue declared on node 3: node %q members %v online %v", d.Node, d.Members, d.Online)
	}

	// The node filter: each node's list holds exactly the queues it leads.
	where := map[string]string{}
	for _, q := range []string{qq, st, cq} {
		d, err := cl.Queue(ctx(t), "/", q)
		if err != nil {
			t.Fatal(err)
		}
		where[q] = d.Node
	}
	for i, node := range names(c) {
		for _, filter := range []string{node, node[:len(node)-len("@localhost")]} {
			p, err := cl.Queues(ctx(t), mgmt.ListOptions{Vhost: "/", Node: filter, Filter: "^warren-cl-", PageSize: 100})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, q := range p.Items {
				if q.Node != node {
					t.Errorf("node %d filter %q lists %s on %s", i+1, filter, q.Name, q.Node)
				}
				got = append(got, q.Name)
			}
			for q, n := range where {
				if (n == node) != slices.Contains(got, q) {
					t.Errorf("node filter %q: %v, and %s is on %s", filter, got, q, n)
				}
			}
		}
	}
	nd, err := cl.Node(ctx(t), c.Name(3))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(nd.Leaders, func(q mgmt.Queue) bool { return q.Name == cq }) {
		t.Errorf("node 3 detail does not hold %s: %v", cq, nd.Leaders)
	}
}

func TestClusterConnectionsAndChannels(t *testing.T) {
	c := need(t)
	cl := api(t, c)
	connName := name("warren-cl-conn")
	q := name("warren-cl-work")
	setup := dial(t, c, 1, "")
	declare(t, setup, q, "quorum")
	pub := channel(t, setup)
	for i := range 20 {
		if err := pub.PublishWithContext(ctx(t), "", q, false, false, amqp.Publishing{Body: []byte(fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
	}
	conn := dial(t, c, 3, connName)
	var prefetch = []int{3, 7}
	for _, n := range prefetch {
		ch := channel(t, conn)
		if err := ch.Qos(n, 0, false); err != nil {
			t.Fatal(err)
		}
		if _, err := ch.Consume(q, "", false, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	var found mgmt.Connection
	eventually(t, func() string {
		p, err := cl.Connections(ctx(t), mgmt.ListOptions{PageSize: 500})
		if err != nil {
			return err.Error()
		}
		for _, k := range p.Items {
			if k.ClientName == connName {
				found = k
				if k.Node != c.Name(3) {
					return fmt.Sprintf("connection %q on %q, want %q", connName, k.Node, c.Name(3))
				}
				return ""
			}
		}
		return fmt.Sprintf("no connection named %q in %d", connName, len(p.Items))
	})
	eventually(t, func() string {
		d, err := cl.ConnectionDetail(ctx(t), found.Name)
		if err != nil {
			return err.Error()
		}
		if d.ClientName != connName || d.Node != c.Name(3) || len(d.ChannelList) != 2 {
			return fmt.Sprintf("detail %+v", d)
		}
		for i, ch := range d.ChannelList {
			if ch.Number != i+1 || ch.Prefetch != prefetch[i] || ch.Unacked != int64(prefetch[i]) || ch.Consumers != 1 {
				return fmt.Sprintf("channel %d: %+v, want prefetch %d, %d unacked, 1 consumer", i+1, ch, prefetch[i], prefetch[i])
			}
		}
		return ""
	})
	nd, err := cl.Node(ctx(t), c.Name(3))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(nd.Connections, func(k mgmt.Connection) bool { return k.Name == found.Name }) {
		t.Errorf("node 3 detail lacks the connection: %+v", nd.Connections)
	}
}

// killNode2 kills node 2 with kill -9, and has it started again when the
// test ends, back in the cluster, whatever runs next.
func killNode2(t *testing.T, c *testnode.Cluster, cl *mgmt.Client) {
	t.Helper()
	if err := c.Kill(2); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Restart(2); err != nil {
			t.Errorf("node 2 did not start again: %v", err)
			return
		}
		eventually(t, func() string {
			nodes, err := cl.Nodes(ctx(t))
			if err != nil {
				return err.Error()
			}
			for _, n := range nodes {
				if !n.Running {
					return fmt.Sprintf("after restarting node 2: %s is down", n.Name)
				}
			}
			return ""
		})
	})
}

// TestClusterNodeKilled kills node 2 with kill -9: the nodes view and a
// quorum queue's online members say so. The node is started again after,
// and is back in the cluster, whatever runs next.
func TestClusterNodeKilled(t *testing.T) {
	c := need(t)
	cl := api(t, c)
	qq := name("warren-cl-down")
	declare(t, dial(t, c, 1, ""), qq, "quorum")
	killNode2(t, c, cl)
	eventually(t, func() string {
		nodes, err := cl.Nodes(ctx(t))
		if err != nil {
			return err.Error()
		}
		for _, n := range nodes {
			if (n.Name == c.Name(2)) == n.Running {
				return fmt.Sprintf("after killing node 2: %s running %v", n.Name, n.Running)
			}
		}
		return ""
	})
	eventually(t, func() string {
		d, err := cl.Queue(ctx(t), "/", qq)
		if err != nil {
			return err.Error()
		}
		want := sorted([]string{c.Name(1), c.Name(3)})
		if len(d.Members) != 3 || !slices.Equal(sorted(d.Online), want) {
			return fmt.Sprintf("members %v online %v, want online %v", d.Members, d.Online, want)
		}
		return ""
	})
}
