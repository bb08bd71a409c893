package mgmt_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/testnode"
	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/pulse"
)

// A real memory alarm, on a node of the test's own: the node's alarm, the
// connection that published into it (blocked), and the queue whose
// consumer sits on that connection are found; before the alarm, and once
// it clears, none of them is.
func TestPulseMemoryAlarmOnANodeOfItsOwn(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a RabbitMQ node of its own: skipped under -short")
	}
	node := testnode.Start(t)
	c, err := mgmt.New(mgmt.Config{APIURL: node.API(), Username: "guest", Password: "guest", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := amqp.Dial(node.URI())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	const queue = "pulse-alarm-work"
	if _, err := ch.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.Qos(10, 0, false); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Consume(queue, "", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	connName := conn.LocalAddr().String() + " -> " + conn.RemoteAddr().String()
	alarmRules := []expected{
		{pulse.RuleMemoryAlarm, pulse.KindNode, node.Name()},
		{pulse.RuleBlockedConnection, pulse.KindConnection, connName},
		{pulse.RuleBlockedConsumers, pulse.KindQueue, queue},
	}
	cfg := pulse.DefaultConfig()
	// Healthy first: the consumer's connection is listed, and nothing is wrong.
	waitFindings(t, c, "/", nil, cfg, 30*time.Second, nil, nil)
	waitNone(t, c, alarmRules)

	if err := node.SetMemoryAlarm(true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = node.SetMemoryAlarm(false) })
	// A publish into the alarm blocks the connection that sent it.
	if err := ch.Publish("", queue, false, false, amqp.Publishing{Body: []byte("blocked")}); err != nil {
		t.Fatal(err)
	}
	fs := waitFindings(t, c, "/", nil, cfg, 45*time.Second, alarmRules, nil)
	if f := findingFor(fs, pulse.RuleMemoryAlarm, pulse.KindNode, "/", node.Name()); f.Severity != pulse.Critical || !strings.Contains(f.Command, node.Name()) {
		t.Errorf("memory alarm finding: %+v", f)
	}

	if err := node.SetMemoryAlarm(false); err != nil {
		t.Fatal(err)
	}
	waitNone(t, c, alarmRules)
}

// waitNone waits until none of these findings is there.
func waitNone(t *testing.T, c *mgmt.Client, gone []expected) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		s, err := c.Pulse(ctx, "/")
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		fs := pulse.Evaluate(s, nil, pulse.DefaultConfig())
		var still []string
		for _, g := range gone {
			if f := findingFor(fs, g.rule, g.kind, "/", g.name); f != nil {
				still = append(still, f.What)
			}
		}
		if len(still) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still found: %v", still)
		}
		time.Sleep(time.Second)
	}
}

// recordedNodes is /api/nodes of a three-node 3.10 cluster as the pulse
// asks for it (its columns), with rabbit@b partitioned from rabbit@a,
// rabbit@c down (the API then reports little more than its name), and
// rabbit@a near its descriptor and socket limits. Built from a single
// node's real answer: a cluster to record one from is not at hand.
const recordedNodes = `[
 {"name":"rabbit@a","running":true,"mem_alarm":false,"disk_free_alarm":false,"fd_used":920,"fd_total":1024,
  "sockets_used":740,"sockets_total":829,"partitions":["rabbit@b"]},
 {"name":"rabbit@b","running":true,"mem_alarm":false,"disk_free_alarm":true,"fd_used":40,"fd_total":1048576,
  "sockets_used":2,"sockets_total":943626,"partitions":["rabbit@a"]},
 {"name":"rabbit@c","running":false,"partitions":[]}
]`

// Node trouble a single healthy node cannot show (a partition, a node
// down) read through the real decoding path from recorded answers.
func TestPulseReadsClusterTroubleFromTheNodesListing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/overview":
			_, _ = w.Write([]byte(`{"rabbitmq_version":"3.10.8","object_totals":{"queues":0,"exchanges":0,"consumers":0,"connections":0}}`))
		case "/api/nodes":
			if cols := r.URL.Query().Get("columns"); !strings.Contains(cols, "sockets_used") || !strings.Contains(cols, "partitions") {
				t.Errorf("nodes asked without the columns the rules read: %q", cols)
			}
			_, _ = w.Write([]byte(recordedNodes))
		case "/api/queues", "/api/exchanges", "/api/bindings", "/api/consumers", "/api/connections", "/api/policies", "/api/operator-policies":
			_, _ = w.Write([]byte(`[]`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c, err := mgmt.New(mgmt.Config{APIURL: srv.URL, Username: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Pulse(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	fs := pulse.Evaluate(s, nil, pulse.DefaultConfig())
	for _, w := range []struct {
		rule pulse.Rule
		node string
		sev  pulse.Severity
	}{
		{pulse.RulePartition, "rabbit@a", pulse.Critical},
		{pulse.RulePartition, "rabbit@b", pulse.Critical},
		{pulse.RuleNodeDown, "rabbit@c", pulse.Critical},
		{pulse.RuleDiskAlarm, "rabbit@b", pulse.Critical},
		{pulse.RuleFileDescriptors, "rabbit@a", pulse.Warning},
		{pulse.RuleSockets, "rabbit@a", pulse.Warning},
	} {
		f := findingFor(fs, w.rule, pulse.KindNode, "", w.node)
		if f == nil || f.Severity != w.sev {
			t.Errorf("%s on %s: %+v", w.rule, w.node, f)
		}
	}
	if f := findingFor(fs, pulse.RuleFileDescriptors, pulse.KindNode, "", "rabbit@b"); f != nil {
		t.Errorf("rabbit@b uses few descriptors: %+v", f)
	}
	if len(s.Unread) != 0 {
		t.Errorf("unread parts: %v", s.Unread)
	}
}
