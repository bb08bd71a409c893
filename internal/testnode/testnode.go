// Package testnode starts a RabbitMQ node of a test's own, for tests that
// stop, restart, kill, pause or alarm a broker: the shared test broker
// (rabbit@HOST on 5672/15672) is never touched. Each node has its own
// name, ports, Erlang cookie and data directory, runs the installed
// RabbitMQ (the Debian package's scripts under /usr/lib/rabbitmq/bin), and
// goes away with the test.
package testnode

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds a node's boot; one takes ~16-25 s on a loaded
// 2-core machine, longer after a kill -9 with much to recover.
const startTimeout = 3 * time.Minute

// ctlTimeout bounds one rabbitmqctl call.
const ctlTimeout = 90 * time.Second

// Node is one running (or stopped) RabbitMQ node of a test's own.
type Node struct {
	name     string // warren-fault-<hex>@localhost
	dir      string // everything of the node's: data, logs, config, cookie
	bin      string // directory of rabbitmq-server and rabbitmqctl
	cred     *syscall.Credential
	amqpPort int
	apiPort  int
	distPort int
	promPort int // 0 unless Options.Prometheus
	opts     Options

	mu     sync.Mutex
	cmd    *exec.Cmd     // the rabbitmq-server script while it runs
	exited chan struct{} // closed when cmd has exited
	pid    int           // the Erlang VM's OS pid while it runs
}

// Options shape a node beyond the defaults.
type Options struct {
	// Config is appended to the node's rabbitmq.conf, one setting a line
	// (management_agent.disable_metrics_collector = true, say).
	Config []string
	// Prometheus enables rabbitmq_prometheus on a loopback port of the
	// node's own (PrometheusURL).
	Prometheus bool
}

// Start boots a fresh node with the management plugin and waits until its
// AMQP port and management API answer. The node is stopped and its
// directory removed when the test ends, whatever the outcome. A node that
// cannot start fails the test under CI (env CI set) and skips it otherwise.
func Start(t testing.TB) *Node {
	t.Helper()
	return StartWith(t, Options{})
}

// StartWith is Start with Options.
func StartWith(t testing.TB, o Options) *Node {
	t.Helper()
	n, err := newNode(o)
	if err == nil {
		t.Cleanup(func() { n.cleanup(t) })
		err = n.Start()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("fault test needs a RabbitMQ node of its own: %v", err)
		}
		t.Skipf("cannot start a RabbitMQ node of the test's own (%v)", err)
	}
	t.Logf("test node %s: %s, %s", n.name, n.URI(), n.API())
	return n
}

// Name is the node's Erlang node name.
func (n *Node) Name() string { return n.name }

// URI is the node's AMQP URI as guest.
func (n *Node) URI() string {
	return "amqp://guest:guest@127.0.0.1:" + strconv.Itoa(n.amqpPort) + "/"
}

// API is the node's management API base URL (guest/guest).
func (n *Node) API() string { return "http://127.0.0.1:" + strconv.Itoa(n.apiPort) }

// PrometheusURL is the node's rabbitmq_prometheus base URL ("" unless
// Options.Prometheus): its metrics are at PrometheusURL()+"/metrics".
func (n *Node) PrometheusURL() string {
	if n.promPort == 0 {
		return ""
	}
	return "http://127.0.0.1:" + strconv.Itoa(n.promPort)
}

// PID is the OS pid of the node's Erlang VM, 0 while it is not running.
func (n *Node) PID() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.pid
}

// newNode prepares the node's directory, files and ports.
func newNode(o Options) (*Node, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	n := &Node{name: "warren-fault-" + randomHex(4) + "@localhost", bin: bin,
		amqpPort: ports[0], apiPort: ports[1], distPort: ports[2], opts: o}
	if o.Prometheus {
		n.promPort = ports[3]
	}
	if n.cred, err = runAs(); err != nil {
		return nil, err
	}
	if n.dir, err = os.MkdirTemp("", "warren-fault-"); err != nil {
		return nil, err
	}
	if err := n.writeFiles(); err != nil {
		_ = os.RemoveAll(n.dir)
		return nil, err
	}
	return n, nil
}

// findBin finds the directory holding rabbitmq-server and rabbitmqctl
// themselves, not the Debian wrapper in /usr/sbin, which switches user
// with su (resetting limits) and sends the node's output to the shared
// node's log directory.
func findBin() (string, error) {
	dirs := []string{os.Getenv("WARREN_TESTNODE_BIN"), "/usr/lib/rabbitmq/bin"}
	if p, err := exec.LookPath("rabbitmq-server"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && filepath.Base(real) == "rabbitmq-server" {
			dirs = append(dirs, filepath.Dir(real))
		}
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if isExec(filepath.Join(d, "rabbitmq-server")) && isExec(filepath.Join(d, "rabbitmqctl")) {
			return d, nil
		}
	}
	return "", errors.New("no RabbitMQ installed (no rabbitmq-server in /usr/lib/rabbitmq/bin or on PATH); " +
		"run `make test` or scripts/ensure-broker.sh to install it")
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// runAs is who the node runs as: as root, the package's rabbitmq user
// (Erlang and RabbitMQ expect not to run as root); otherwise ourselves.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("rabbitmq")
	if err != nil {
		return nil, nil // no such user: root it is
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("user rabbitmq has uid %q gid %q", u.Uid, u.Gid)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

// writeFiles lays out the node's directory: config (listeners on
// loopback), enabled plugins, an empty env file (so the machine's
// rabbitmq-env.conf is not read) and a home with an Erlang cookie of its
// own, which both the node and rabbitmqctl read.
func (n *Node) writeFiles() error {
	conf := fmt.Sprintf("listeners.tcp.1 = 127.0.0.1:%d\n"+
		"management.tcp.ip = 127.0.0.1\nmanagement.tcp.port = %d\n"+
		"vm_memory_high_watermark.relative = 0.4\ncollect_statistics_interval = 1000\n", n.amqpPort, n.apiPort)
	plugins := "[rabbitmq_management].\n"
	if n.promPort != 0 {
		conf += fmt.Sprintf("prometheus.tcp.ip = 127.0.0.1\nprometheus.tcp.port = %d\n", n.promPort)
		plugins = "[rabbitmq_management,rabbitmq_prometheus].\n"
	}
	for _, line := range n.opts.Config {
		conf += strings.TrimSpace(line) + "\n"
	}
	files := []struct {
		path string
		body string
		mode os.FileMode
	}{
		{"rabbitmq.conf", conf, 0o644},
		{"enabled_plugins", plugins, 0o644},
		{"rabbitmq-env.conf", "", 0o644},
		{"home/.erlang.cookie", strings.ToUpper(randomHex(16)), 0o400},
	}
	for _, d := range []string{"home", "mnesia", "log"} {
		if err := os.MkdirAll(filepath.Join(n.dir, d), 0o755); err != nil {
			return err
		}
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(n.dir, f.path), []byte(f.body), f.mode); err != nil {
			return err
		}
	}
	if err := os.Chmod(n.dir, 0o755); err != nil { // MkdirTemp made it 0700
		return err
	}
	if n.cred == nil {
		return nil
	}
	return filepath.Walk(n.dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(n.cred.Uid), int(n.cred.Gid))
	})
}

// env is the whole environment of the node and of rabbitmqctl: nothing
// from the test's own RABBITMQ_* variables leaks in.
func (n *Node) env() []string {
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/local/bin:/usr/bin:/bin"
	}
	return []string{
		"PATH=" + path + ":/usr/bin:/bin:/usr/sbin:/sbin",
		"HOME=" + filepath.Join(n.dir, "home"),
		"LANG=C.UTF-8", "LC_ALL=C.UTF-8",
		"RABBITMQ_NODENAME=" + n.name,
		"RABBITMQ_DIST_PORT=" + strconv.Itoa(n.distPort),
		"RABBITMQ_MNESIA_BASE=" + filepath.Join(n.dir, "mnesia"),
		"RABBITMQ_LOG_BASE=" + filepath.Join(n.dir, "log"),
		"RABBITMQ_CONFIG_FILE=" + filepath.Join(n.dir, "rabbitmq.conf"),
		"RABBITMQ_ADVANCED_CONFIG_FILE=" + filepath.Join(n.dir, "advanced.config"),
		"RABBITMQ_ENABLED_PLUGINS_FILE=" + filepath.Join(n.dir, "enabled_plugins"),
		"RABBITMQ_CONF_ENV_FILE=" + filepath.Join(n.dir, "rabbitmq-env.conf"),
		"RABBITMQ_PID_FILE=" + n.pidFile(),
	}
}

func (n *Node) pidFile() string { return filepath.Join(n.dir, "node.pid") }

// Start boots the node (again, after Stop or Kill9: same data, so durable
// queues and persistent messages are back) and waits until AMQP and the
// management API answer.
//
// The server runs in the foreground under its own script, a child of the
// test process that gets SIGTERM if the test process dies (a timeout
// panic, a kill): the script then stops the node, so no node outlives its
// test.
func (n *Node) Start() error {
	n.mu.Lock()
	if n.cmd != nil {
		n.mu.Unlock()
		return errors.New("testnode: already running")
	}
	_ = os.Remove(n.pidFile())
	out, err := os.OpenFile(filepath.Join(n.dir, "log", "console.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		n.mu.Unlock()
		return err
	}
	cmd := exec.Command(filepath.Join(n.bin, "rabbitmq-server"))
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = n.dir, n.env(), out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: n.cred, Pdeathsig: syscall.SIGTERM}
	if err := startOnSpawner(cmd); err != nil {
		n.mu.Unlock()
		out.Close()
		return fmt.Errorf("starting rabbitmq-server: %w", err)
	}
	exited := make(chan struct{})
	n.cmd, n.exited, n.pid = cmd, exited, 0
	n.mu.Unlock()
	go func() {
		_ = cmd.Wait()
		out.Close()
		n.mu.Lock()
		if n.cmd == cmd {
			n.cmd, n.pid = nil, 0
		}
		n.mu.Unlock()
		close(exited)
	}()
	if err := n.waitReady(exited); err != nil {
		n.kill(syscall.SIGKILL)
		return fmt.Errorf("node %s did not start: %w\n%s", n.name, err, n.LogTail(30))
	}
	return nil
}

// The kernel sends Pdeathsig when the thread that forked the child exits,
// not the process, and Go may end a thread (one whose goroutine exits while
// locked to it). So every node is forked by one goroutine locked to its
// thread for the life of the test process.
var (
	spawnOnce sync.Once
	spawns    chan spawn
)

type spawn struct {
	cmd  *exec.Cmd
	done chan error
}

func startOnSpawner(cmd *exec.Cmd) error {
	spawnOnce.Do(func() {
		spawns = make(chan spawn)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives as long as the process
			for s := range spawns {
				s.done <- s.cmd.Start()
			}
		}()
	})
	done := make(chan error, 1)
	spawns <- spawn{cmd, done}
	return <-done
}

// waitReady waits for the AMQP port, the management API and the pid file.
func (n *Node) waitReady(exited <-chan struct{}) error {
	deadline := time.Now().Add(startTimeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-exited:
			return errors.New("rabbitmq-server exited")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v", startTimeout)
		}
		if pid := n.readPID(); pid != 0 && n.answers(client) {
			n.mu.Lock()
			n.pid = pid
			n.mu.Unlock()
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func (n *Node) readPID() int {
	b, err := os.ReadFile(n.pidFile())
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// answers: AMQP accepts a connection and the API serves /api/overview.
func (n *Node) answers(client *http.Client) bool {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(n.amqpPort), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	code, _, err := n.do(client, "GET", "/api/overview")
	return err == nil && code == http.StatusOK
}

// Do sends one request to the node's management API as guest.
func (n *Node) Do(method, path string) (int, []byte, error) {
	return n.do(&http.Client{Timeout: 30 * time.Second}, method, path)
}

func (n *Node) do(client *http.Client, method, path string) (int, []byte, error) {
	req, err := http.NewRequest(method, n.API()+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.SetBasicAuth("guest", "guest")
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.Bytes(), err
}

// Stop shuts the node down cleanly (rabbitmqctl shutdown) and waits for
// it to exit; if that fails it is killed. A stopped node keeps its data.
func (n *Node) Stop() error {
	n.mu.Lock()
	exited, pid := n.exited, n.pid
	running := n.cmd != nil
	n.mu.Unlock()
	if !running {
		return nil
	}
	if pid != 0 {
		_ = syscall.Kill(pid, syscall.SIGCONT) // a paused node cannot shut down
	}
	_, err := n.Ctl("shutdown")
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		err = errors.Join(err, errors.New("the node did not exit after shutdown; killed it"))
		n.kill(syscall.SIGKILL)
	}
	return err
}

// Restart stops the node cleanly and starts it again on the same data.
func (n *Node) Restart() error {
	if err := n.Stop(); err != nil {
		return err
	}
	return n.Start()
}

// Kill9 kills the node's Erlang VM with SIGKILL (no chance to flush
// anything) and waits until it is gone. Start brings it back.
func (n *Node) Kill9() error {
	if n.PID() == 0 {
		return errors.New("testnode: not running")
	}
	if !n.kill(syscall.SIGKILL) {
		return errors.New("testnode: the node did not die after SIGKILL")
	}
	return nil
}

// kill sends sig to the VM and waits (up to 30 s) for its script to exit,
// which it does once the VM has gone.
func (n *Node) kill(sig syscall.Signal) bool {
	n.mu.Lock()
	cmd, exited, pid := n.cmd, n.exited, n.pid
	n.mu.Unlock()
	if cmd == nil {
		return true
	}
	// The VM is the script's child (the script execs erl in a subshell);
	// while it boots its pid file may not be written yet.
	pids := childPIDs(cmd.Process.Pid)
	if pid != 0 {
		pids = append(pids, pid)
	}
	for _, p := range pids {
		_ = syscall.Kill(p, sig)
	}
	if len(pids) == 0 {
		_ = cmd.Process.Signal(sig)
	}
	// The script reaps the VM and then exits; killing the script too would
	// leave the VM to init, which in a container may never reap it.
	select {
	case <-exited:
		return true
	case <-time.After(30 * time.Second):
	}
	_ = cmd.Process.Kill()
	select {
	case <-exited:
		return true
	case <-time.After(5 * time.Second):
		return false
	}
}

// Pause stops the node's VM (SIGSTOP) for d, then lets it go on
// (SIGCONT): a broker that hangs, as under a long GC or a frozen host.
func (n *Node) Pause(d time.Duration) error {
	pid := n.PID()
	if pid == 0 {
		return errors.New("testnode: not running")
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		return err
	}
	time.Sleep(d)
	return syscall.Kill(pid, syscall.SIGCONT)
}

// CloseAllConnections has the broker close every client connection, with
// reason, as an operator does with rabbitmqctl. The CLI takes seconds to
// boot on a busy machine; a test that needs the fault at a given point
// waits for it there (the fault tests pause the move meanwhile).
func (n *Node) CloseAllConnections(reason string) error {
	// rabbitmqctl asks the node itself: the management API lists a new
	// connection only after its next stats emission (5 s), so a fault
	// through the API misses the connections a move has just opened.
	if out, err := n.Ctl("close_all_connections", reason); err != nil {
		return fmt.Errorf("close_all_connections: %v: %s", err, out)
	}
	return nil
}

// SetMemoryAlarm raises (a memory high watermark no node can stay under)
// or clears (the default, 0.4 of RAM) the node's memory alarm, which
// blocks every publishing connection while it lasts.
func (n *Node) SetMemoryAlarm(on bool) error {
	mark := "0.4"
	if on {
		mark = "0.0000001"
	}
	_, err := n.Ctl("set_vm_memory_high_watermark", mark)
	return err
}

// Ctl runs rabbitmqctl against the node and returns its output.
func (n *Node) Ctl(args ...string) (string, error) {
	return n.cli("rabbitmqctl", args...)
}

// Plugins runs rabbitmq-plugins against the node (its own enabled-plugins
// file), e.g. Plugins("disable", "rabbitmq_management").
func (n *Node) Plugins(args ...string) (string, error) {
	return n.cli("rabbitmq-plugins", args...)
}

func (n *Node) cli(tool string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), ctlTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(n.bin, tool), append([]string{"-q", "-n", n.name}, args...)...)
	cmd.Dir, cmd.Env = n.dir, n.env()
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: n.cred}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w: %s", tool, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// LogTail is the last lines of the node's log and console output.
func (n *Node) LogTail(lines int) string {
	var b strings.Builder
	for _, f := range []string{n.name + ".log", "console.log"} {
		data, err := os.ReadFile(filepath.Join(n.dir, "log", f))
		if err != nil || len(data) == 0 {
			continue
		}
		ls := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(ls) > lines {
			ls = ls[len(ls)-lines:]
		}
		fmt.Fprintf(&b, "==> %s <==\n%s\n", f, strings.Join(ls, "\n"))
	}
	return b.String()
}

// cleanup kills the node (its data goes with it, so there is nothing to
// flush) and removes its directory; a failed test gets the log's tail.
func (n *Node) cleanup(t testing.TB) {
	if t.Failed() {
		t.Logf("test node %s log:\n%s", n.name, n.LogTail(40))
	}
	if !n.kill(syscall.SIGKILL) {
		t.Errorf("test node %s (pid %d) would not die", n.name, n.PID())
	}
	if err := os.RemoveAll(n.dir); err != nil {
		t.Errorf("removing the test node's directory: %v", err)
	}
}

// childPIDs lists the processes whose parent is ppid, from /proc.
func childPIDs(ppid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(ppid) {
			out = append(out, pid)
		}
	}
	return out
}

// freePorts asks the kernel for k free loopback ports, held together so
// they differ.
func freePorts(k int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range k {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
