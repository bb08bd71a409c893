package clustertests

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/ui"
)

// recorder runs warren's App and keeps its latest screen, read on the
// program's own goroutine, for the test to look at.
type recorder struct {
	app  tea.Model
	mu   *sync.Mutex
	last *string
}

func (r recorder) Init() tea.Cmd { return r.app.Init() }

func (r recorder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := r.app.Update(msg)
	r.app = m
	content := ansi.Strip(m.View().Content)
	r.mu.Lock()
	*r.last = content
	r.mu.Unlock()
	return r, cmd
}

func (r recorder) View() tea.View { return r.app.View() }

// screenOf reads what the recorder saw last, and waits (a minute at most)
// until that holds every one of what.
func screenOf(t *testing.T, mu *sync.Mutex, last *string) (screen func() string, waitFor func(what ...string) string) {
	screen = func() string {
		mu.Lock()
		defer mu.Unlock()
		return *last
	}
	waitFor = func(what ...string) string {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for {
			s := screen()
			ok := true
			for _, w := range what {
				ok = ok && strings.Contains(s, w)
			}
			if ok {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("the screen never showed %q:\n%s", what, s)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return screen, waitFor
}

// TestClusterViewsInWarren drives warren itself against the cluster: the
// connection list shows a named connection and its node, enter shows its
// channels, the nodes list shows three running nodes, a node's detail
// lists the queue it leads, the queue list filtered by that node shows
// it, and the queue detail lists its members.
func TestClusterViewsInWarren(t *testing.T) {
	c := need(t)
	cl := api(t, c)
	connName := name("warren-cl-ui")
	q := name("warren-cl-ui-q")
	setup := dial(t, c, 3, "")
	declare(t, setup, q, "quorum")
	pub := channel(t, setup)
	for i := range 10 {
		if err := pub.PublishWithContext(ctx(t), "", q, false, false, amqp.Publishing{Body: []byte(fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
	}
	conn := dial(t, c, 2, connName)
	ch := channel(t, conn)
	if err := ch.Qos(4, 0, false); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Consume(q, "", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var last string
	app := ui.New(ui.Target{Source: cl, API: c.API(1)}, ui.Options{Refresh: time.Second, Timeout: 10 * time.Second}, nil)
	tm := teatest.NewTestModel(t, recorder{app: app, mu: &mu, last: &last}, teatest.WithInitialTermSize(240, 50))
	_, waitFor := screenOf(t, &mu, &last)
	enter := func() { tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter}) }
	command := func(cmd string) {
		tm.Type(":" + cmd)
		enter()
	}

	// The connection list: its client-provided name and node; the filter
	// narrows it to this one connection (by its local port).
	command("co")
	local := conn.LocalAddr().String()
	tm.Type("/^" + strings.ReplaceAll(local, ".", `\.`) + " ")
	enter()
	waitFor("1 connection", connName, c.Name(2))
	enter()
	s := waitFor("client name "+connName, "node "+c.Name(2), "CHANNELS (1)")
	if !regexp.MustCompile(`running\s+4\s+-\s+4\s+0\s+1`).MatchString(s) {
		t.Errorf("the channel should show prefetch 4, 4 unacked, 0 unconfirmed, 1 consumer:\n%s", s)
	}

	// Nodes: three running; node 3 leads the queue declared through it.
	command("no")
	s = waitFor("3 nodes", c.Name(1), c.Name(2), c.Name(3))
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "wc") && !regexp.MustCompile(`^\S+@localhost\s+running\s+3\.10\.\d+\s`).MatchString(line) {
			t.Errorf("node row %q: want running with its version", line)
		}
	}
	tm.Type("G")
	enter()
	waitFor("node "+c.Name(3), "QUEUES THIS NODE LEADS", q)

	// The queue list by node (node 3 by its short name), then the queue
	// detail: leader and members, all online.
	command("qu")
	short, _, _ := strings.Cut(c.Name(3), "@")
	tm.Type("/node:" + short + " " + q)
	enter()
	s = waitFor("1 queue", q, "node "+short)
	if !strings.Contains(s, c.Name(3)) {
		t.Errorf("the queue list should show the queue's node:\n%s", s)
	}
	enter()
	waitFor("MEMBERS (3, 3 online)", c.Name(3)+"  ", "leader")

	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
}
