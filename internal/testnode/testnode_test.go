package testnode

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// One node goes through every fault the package offers: its own name and
// ports, an alarm that shows in its API, a pause that freezes its VM,
// connections closed, and a kill -9 after which a persistent message in a
// durable queue is still there.
func TestNodeFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("boots a RabbitMQ node: skipped under -short")
	}
	n := Start(t)
	if !strings.HasPrefix(n.Name(), "warren-fault-") || strings.Contains(n.URI(), ":5672/") || strings.HasSuffix(n.API(), ":15672") {
		t.Fatalf("not a node of its own: %s %s %s", n.Name(), n.URI(), n.API())
	}
	waitFor(t, "node stats in the API", func() bool { return apiNode(t, n).OSPid != "" })
	if node := apiNode(t, n); node.Name != n.Name() || strconv.Itoa(n.PID()) != node.OSPid {
		t.Fatalf("API answers for node %q pid %s, want %q pid %d", node.Name, node.OSPid, n.Name(), n.PID())
	}

	conn, err := amqp.Dial(n.URI())
	if err != nil {
		t.Fatal(err)
	}
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDeclare("durable-q", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	dc, err := ch.PublishWithDeferredConfirm("", "durable-q", false, false,
		amqp.Publishing{DeliveryMode: amqp.Persistent, Body: []byte("kept")})
	if err != nil || !dc.Wait() {
		t.Fatalf("publish not confirmed: %v", err)
	}

	if err := n.SetMemoryAlarm(true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "memory alarm on", func() bool { return apiNode(t, n).MemAlarm })
	if err := n.SetMemoryAlarm(false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "memory alarm off", func() bool { return !apiNode(t, n).MemAlarm })

	paused := make(chan error, 1)
	go func() { paused <- n.Pause(2 * time.Second) }()
	waitFor(t, "VM stopped", func() bool { return procState(n.PID()) == "T" })
	if err := <-paused; err != nil {
		t.Fatal(err)
	}
	if s := procState(n.PID()); s == "T" {
		t.Fatalf("VM still stopped after Pause returned (state %s)", s)
	}

	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	if err := n.CloseAllConnections("testnode test"); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-closed:
		if e == nil || !strings.Contains(e.Reason, "testnode test") {
			t.Fatalf("connection closed with %v, want the given reason", e)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("connection still open after CloseAllConnections")
	}

	old := n.PID()
	if err := n.Kill9(); err != nil {
		t.Fatal(err)
	}
	if procState(old) != "" {
		t.Fatalf("VM pid %d still there after Kill9", old)
	}
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	if n.PID() == old || n.PID() == 0 {
		t.Fatalf("pid after restart %d (before %d)", n.PID(), old)
	}
	conn, err = amqp.Dial(n.URI())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err = conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	d, ok, err := ch.Get("durable-q", true)
	if err != nil || !ok || string(d.Body) != "kept" {
		t.Fatalf("after kill -9 and start: get %q %v %v, want the persistent message", d.Body, ok, err)
	}
}

// The node's directory holds everything of its own and nothing else does:
// its files are where its environment says, owned by who runs it.
func TestNodeLayout(t *testing.T) {
	n, err := newNode(Options{})
	if err != nil {
		t.Skip(err)
	}
	defer os.RemoveAll(n.dir)
	env := strings.Join(n.env(), "\n")
	for _, want := range []string{"RABBITMQ_NODENAME=" + n.name, "RABBITMQ_DIST_PORT=" + strconv.Itoa(n.distPort),
		"RABBITMQ_MNESIA_BASE=" + n.dir, "RABBITMQ_LOG_BASE=" + n.dir, "RABBITMQ_CONFIG_FILE=" + n.dir,
		"RABBITMQ_ENABLED_PLUGINS_FILE=" + n.dir, "RABBITMQ_CONF_ENV_FILE=" + n.dir, "HOME=" + n.dir} {
		if !strings.Contains(env, want) {
			t.Errorf("environment lacks %s", want)
		}
	}
	conf, _ := os.ReadFile(filepath.Join(n.dir, "rabbitmq.conf"))
	if !strings.Contains(string(conf), "127.0.0.1:"+strconv.Itoa(n.amqpPort)) ||
		!strings.Contains(string(conf), "management.tcp.port = "+strconv.Itoa(n.apiPort)) {
		t.Errorf("config:\n%s", conf)
	}
	if n.amqpPort == n.apiPort || n.apiPort == n.distPort || n.amqpPort == 5672 || n.apiPort == 15672 {
		t.Errorf("ports %d %d %d", n.amqpPort, n.apiPort, n.distPort)
	}
	fi, err := os.Stat(filepath.Join(n.dir, "home", ".erlang.cookie"))
	if err != nil || fi.Mode().Perm() != 0o400 {
		t.Errorf("cookie: %v %v", fi, err)
	}
	if n.cred != nil {
		out, _ := exec.Command("stat", "-c", "%u", filepath.Join(n.dir, "mnesia")).Output()
		if strings.TrimSpace(string(out)) != strconv.Itoa(int(n.cred.Uid)) {
			t.Errorf("mnesia dir owned by %s, want uid %d", out, n.cred.Uid)
		}
	}
}

type nodeInfo struct {
	Name     string `json:"name"`
	OSPid    string `json:"os_pid"`
	MemAlarm bool   `json:"mem_alarm"`
}

func apiNode(t *testing.T, n *Node) nodeInfo {
	t.Helper()
	code, body, err := n.Do("GET", "/api/nodes")
	if err != nil || code != 200 {
		t.Fatalf("GET /api/nodes: %d %v", code, err)
	}
	var nodes []nodeInfo
	if err := json.Unmarshal(body, &nodes); err != nil || len(nodes) != 1 {
		t.Fatalf("nodes %s: %v", body, err)
	}
	return nodes[0]
}

// procState is the process's state letter from /proc ("T" stopped), ""
// when there is no such process.
func procState(pid int) string {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	s := string(stat)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) == 0 || f[0] == "Z" {
		return ""
	}
	return f[0]
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// Options reach the node's files: extra config lines, and
// rabbitmq_prometheus on a loopback port of its own.
func TestNodeOptionsLayout(t *testing.T) {
	n, err := newNode(Options{Config: []string{"management_agent.disable_metrics_collector = true"}, Prometheus: true})
	if err != nil {
		t.Skip(err)
	}
	defer os.RemoveAll(n.dir)
	conf, _ := os.ReadFile(filepath.Join(n.dir, "rabbitmq.conf"))
	plugins, _ := os.ReadFile(filepath.Join(n.dir, "enabled_plugins"))
	if !strings.Contains(string(conf), "management_agent.disable_metrics_collector = true\n") ||
		!strings.Contains(string(conf), "prometheus.tcp.ip = 127.0.0.1\nprometheus.tcp.port = "+strconv.Itoa(n.promPort)) ||
		!strings.Contains(string(plugins), "rabbitmq_prometheus") {
		t.Fatalf("config:\n%s\nplugins: %s", conf, plugins)
	}
	if n.PrometheusURL() != "http://127.0.0.1:"+strconv.Itoa(n.promPort) || n.promPort == 15692 || n.promPort == n.apiPort {
		t.Fatalf("prometheus %s", n.PrometheusURL())
	}
	plain, err := newNode(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(plain.dir)
	if plain.PrometheusURL() != "" {
		t.Fatalf("a plain node has a Prometheus URL: %s", plain.PrometheusURL())
	}
}
