package mgmt

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The files in testdata/cluster are answers recorded from a three-node
// RabbitMQ 3.10.8 cluster (scripts/cluster.sh): nodes w1, w2 and w3, a
// quorum queue, a stream and a classic queue declared through w2, a
// connection to w2 and one to w3 named "orders-api ESC[31m" with two
// consuming channels (prefetch 3 and 7); the -down files were read after
// w3 was killed with kill -9.

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "cluster", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// clusterAPI serves the recorded answers; down picks the answers read
// after w3 was killed.
func clusterAPI(t *testing.T, down bool) *Client {
	suffix := ".json"
	if down {
		suffix = "-down.json"
	}
	queues := map[string]string{
		"fx-quorum": "q-quorum" + suffix, "fx-stream": "q-stream" + suffix, "fx-classic": "q-classic.json",
	}
	c, _ := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.EscapedPath()
		switch {
		case p == "/api/nodes":
			writeJSON(w, 200, fixture(t, "nodes"+suffix))
		case p == "/api/feature-flags":
			writeJSON(w, 200, fixture(t, "ff.json"))
		case p == "/api/connections":
			writeJSON(w, 200, fixture(t, "conns.json"))
		case strings.HasPrefix(p, "/api/connections/") && strings.HasSuffix(p, "/channels"):
			writeJSON(w, 200, fixture(t, "chans.json"))
		case strings.HasPrefix(p, "/api/connections/"):
			writeJSON(w, 200, fixture(t, "conn.json"))
		case p == "/api/queues" || p == "/api/queues/%2F":
			var items []string
			for _, n := range []string{"fx-classic", "fx-quorum", "fx-stream"} {
				items = append(items, fixture(t, queues[n]))
			}
			writeJSON(w, 200, "["+strings.Join(items, ",")+"]")
		case strings.HasSuffix(p, "/bindings"):
			writeJSON(w, 200, `[]`)
		case strings.HasPrefix(p, "/api/queues/%2F/"):
			writeJSON(w, 200, fixture(t, queues[strings.TrimPrefix(p, "/api/queues/%2F/")]))
		default:
			writeJSON(w, 404, `{"error":"Object Not Found","reason":"Not Found"}`)
		}
	})
	return c
}

func TestClusterNodesDecoding(t *testing.T) {
	ctx := context.Background()
	nodes, err := clusterAPI(t, false).Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 3 {
		t.Fatalf("%d nodes", len(nodes))
	}
	for i, n := range nodes {
		if want := "w" + string(rune('1'+i)) + "@localhost"; n.Name != want {
			t.Errorf("node %d is %q, want %q", i, n.Name, want)
		}
		if !n.Running || n.Version != "3.10.8" || n.Type != "disc" || n.Uptime <= 0 || n.MemUsed <= 0 || n.MemLimit <= 0 ||
			n.DiskFree <= 0 || n.FDUsed <= 0 || n.FDTotal <= 0 || n.SockTotal <= 0 || n.Processes <= 0 || n.ProcTotal <= 0 ||
			len(n.Partitions) != 0 || !slices.Equal(n.Plugins, []string{"rabbitmq_management"}) {
			t.Errorf("node %+v", n)
		}
	}
	nodes, err = clusterAPI(t, true).Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 3 || !nodes[0].Running || !nodes[1].Running || nodes[2].Running || nodes[2].Name != "w3@localhost" ||
		nodes[2].Version != "" || nodes[2].MemUsed != 0 {
		t.Fatalf("after w3 was killed: %+v", nodes)
	}
}

func TestClusterQueueMembership(t *testing.T) {
	ctx := context.Background()
	all := []string{"w2@localhost", "w3@localhost", "w1@localhost"}
	for _, tc := range []struct {
		down          bool
		name, typ     string
		node          string
		members, on   []string
		mirrors, sync []string
	}{
		{false, "fx-quorum", "quorum", "w2@localhost", all, all, nil, nil},
		{true, "fx-quorum", "quorum", "w2@localhost", all, []string{"w2@localhost", "w1@localhost"}, nil, nil},
		{false, "fx-stream", "stream", "w2@localhost", all, []string{"w3@localhost", "w2@localhost", "w1@localhost"}, nil, nil},
		{true, "fx-stream", "stream", "w2@localhost", all, []string{"w2@localhost", "w1@localhost"}, nil, nil},
		{false, "fx-classic", "classic", "w2@localhost", nil, nil, nil, nil},
	} {
		d, err := clusterAPI(t, tc.down).Queue(ctx, "/", tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if d.Type != tc.typ || d.Node != tc.node || !slices.Equal(d.Members, tc.members) || !slices.Equal(d.Online, tc.on) ||
			!slices.Equal(d.Mirrors, tc.mirrors) || !slices.Equal(d.SyncedMirrors, tc.sync) {
			t.Errorf("%s (down %v): type %q node %q members %v online %v mirrors %v synced %v", tc.name, tc.down,
				d.Type, d.Node, d.Members, d.Online, d.Mirrors, d.SyncedMirrors)
		}
	}
}

func TestClusterQueuesByNode(t *testing.T) {
	ctx := context.Background()
	c := clusterAPI(t, false)
	for _, tc := range []struct {
		node   string
		filter string
		want   []string
	}{
		{"w2", "", []string{"fx-classic", "fx-quorum", "fx-stream"}},
		{"w2@localhost", "", []string{"fx-classic", "fx-quorum", "fx-stream"}},
		{"w1", "", nil},
		{"w2@elsewhere", "", nil},
	} {
		p, err := c.Queues(ctx, ListOptions{Vhost: "/", Node: tc.node, Filter: tc.filter})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, q := range p.Items {
			got = append(got, q.Name)
		}
		if !slices.Equal(got, tc.want) || p.FilteredCount != len(tc.want) {
			t.Errorf("node %q: %v (%d)", tc.node, got, p.FilteredCount)
		}
	}
}

func TestClusterConnectionsDecoding(t *testing.T) {
	ctx := context.Background()
	c := clusterAPI(t, false)
	p, err := c.Connections(ctx, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 2 {
		t.Fatalf("%d connections", len(p.Items))
	}
	named := p.Items[0]
	if named.Node != "w3@localhost" || named.ClientName != `orders-api \x1b[31m` || p.Items[1].Node != "w2@localhost" ||
		p.Items[1].ClientName != "" {
		t.Fatalf("connections %+v", p.Items)
	}
	d, err := c.ConnectionDetail(ctx, named.Name)
	if err != nil {
		t.Fatal(err)
	}
	if d.Node != "w3@localhost" || d.ClientName != `orders-api \x1b[31m` || d.AuthMechanism != "PLAIN" || len(d.ChannelList) != 2 {
		t.Fatalf("detail %+v", d)
	}
	for i, want := range []Channel{{Number: 1, Prefetch: 3, Unacked: 3, Consumers: 1, State: "running"},
		{Number: 2, Prefetch: 7, Unacked: 5, Consumers: 1, State: "running"}} {
		got := d.ChannelList[i]
		want.Name = named.Name + " (" + string(rune('1'+i)) + ")"
		if got != want {
			t.Errorf("channel %d: %+v, want %+v", i, got, want)
		}
	}
}

func TestClusterNodeDetail(t *testing.T) {
	ctx := context.Background()
	d, err := clusterAPI(t, false).Node(ctx, "w2@localhost")
	if err != nil {
		t.Fatal(err)
	}
	var leaders []string
	for _, q := range d.Leaders {
		leaders = append(leaders, q.Name)
	}
	if !d.Running || !slices.Equal(leaders, []string{"fx-classic", "fx-quorum", "fx-stream"}) || d.Replicas != 0 ||
		len(d.Connections) != 1 || d.Connections[0].Node != "w2@localhost" ||
		!slices.Contains(d.FeatureFlags, "quorum_queue") || !slices.Contains(d.FeatureFlags, "stream_queue") {
		t.Fatalf("w2: leaders %v replicas %d connections %+v flags %v", leaders, d.Replicas, d.Connections, d.FeatureFlags)
	}
	d, err = clusterAPI(t, false).Node(ctx, "w1@localhost")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Leaders) != 0 || d.Replicas != 2 || len(d.Connections) != 0 {
		t.Fatalf("w1: leaders %v replicas %d connections %+v", d.Leaders, d.Replicas, d.Connections)
	}
	if _, err := clusterAPI(t, false).Node(ctx, "nowhere@localhost"); err == nil {
		t.Fatal("a node not in the cluster was found")
	}
}
