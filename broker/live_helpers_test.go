package broker

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/message"
)

// Helpers for the live-source integration tests. Producers are real
// clients (amqp091-go, amqp-publish, pika), never the code under test.

// collect drains l until it holds want messages or 15 s pass.
func collect(t testing.TB, l *Live, want int) []message.Message {
	t.Helper()
	var got []message.Message
	deadline := time.After(15 * time.Second)
	for len(got) < want {
		select {
		case <-l.Notify():
			b, _, _ := l.Drain(0)
			got = append(got, b...)
		case <-deadline:
			t.Fatalf("got %d messages, want %d (state %v)", len(got), want, l.State())
		}
	}
	return got
}

// quiet asserts that nothing more arrives for a moment.
func quiet(t testing.TB, l *Live) {
	t.Helper()
	time.Sleep(300 * time.Millisecond)
	if b, _, _ := l.Drain(0); len(b) != 0 {
		t.Fatalf("%d unexpected messages, first %q", len(b), b[0].Body)
	}
}

func liveCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func closeLive(t testing.TB, l *Live) {
	t.Cleanup(func() { _ = l.Close() })
}

// vhostURI is the test broker's URI on vhost, for command-line producers.
func vhostURI(vhost string) string {
	u, _ := url.Parse(brokertest.URI())
	u.Path, u.RawPath = "/"+vhost, "/"+url.PathEscape(vhost)
	return u.String()
}

// amqpPublish sends bodies with Debian's amqp-tools, one line each.
func amqpPublish(t testing.TB, vhost, exchange, key string, bodies []string) {
	t.Helper()
	if _, err := exec.LookPath("amqp-publish"); err != nil {
		missingClient(t, "amqp-publish (Debian's amqp-tools)")
	}
	cmd := exec.Command("amqp-publish", "-u", vhostURI(vhost), "-e", exchange, "-r", key, "-l")
	cmd.Stdin = strings.NewReader(strings.Join(bodies, "\n") + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("amqp-publish: %v: %s", err, out)
	}
}

// missingClient skips a test that needs a third-party client this machine
// lacks, except under CI, where scripts/ensure-broker.sh installs them and
// a missing one is a failure.
func missingClient(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing; scripts/ensure-broker.sh installs it", what)
	}
	t.Skipf("%s not installed; scripts/ensure-broker.sh installs it", what)
}

// pikaPublish sends bodies with Python's pika, the client many of our
// users' services run on.
func pikaPublish(t testing.TB, vhost, exchange, key string, bodies []string) {
	t.Helper()
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil || exec.Command(py, "-c", "import pika").Run() != nil {
		missingClient(t, "python3 with pika (Debian's python3-pika)")
	}
	script := `
import json, sys, pika
a = json.loads(sys.argv[1])
c = pika.BlockingConnection(pika.URLParameters(a["uri"]))
ch = c.channel()
ch.confirm_delivery()
for b in a["bodies"]:
    ch.basic_publish(a["exchange"], a["key"], b.encode(), pika.BasicProperties(content_type="text/plain", headers={"source": "pika"}))
c.close()
`
	arg, _ := json.Marshal(map[string]any{"uri": vhostURI(vhost), "exchange": exchange, "key": key, "bodies": bodies})
	if out, err := exec.Command(py, "-c", script, string(arg)).CombinedOutput(); err != nil {
		t.Fatalf("pika: %v: %s", err, out)
	}
}

func bodiesOf(ms []message.Message) map[string]int {
	out := map[string]int{}
	for _, m := range ms {
		out[strings.TrimSuffix(string(m.Body), "\n")]++ // amqp-publish -l keeps the newline
	}
	return out
}

func strs(n int, prefix string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s %d", prefix, i)
	}
	return out
}

// stateLog records a Live's state changes.
type stateLog struct {
	mu  sync.Mutex
	all []LiveStatus
}

func (s *stateLog) add(st LiveStatus) { s.mu.Lock(); s.all = append(s.all, st); s.mu.Unlock() }

func (s *stateLog) seen(state LiveState) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.all {
		if st.State == state {
			return true
		}
	}
	return false
}

// apiNames lists the names of a vhost's queues or exchanges ("queues",
// "exchanges") through the management API.
func apiNames(t testing.TB, vhost, kind string) []string {
	t.Helper()
	var rows []struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(brokertest.MustDo(t, "GET", "/api/"+kind+"/"+brokertest.Esc(vhost)+"?columns=name", nil), &rows); err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(rows))
	for i, r := range rows {
		names[i] = r.Name
	}
	return names
}

// killVhostConns closes, through the management API, the connections to
// vhost whose client name contains marker; it returns how many.
func killVhostConns(t testing.TB, vhost, marker string) int {
	t.Helper()
	var conns []struct {
		Name  string `json:"name"`
		Props struct {
			Name string `json:"connection_name"`
		} `json:"client_properties"`
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		conns = conns[:0]
		out := brokertest.MustDo(t, "GET", "/api/vhosts/"+brokertest.Esc(vhost)+"/connections", nil)
		if err := json.Unmarshal(out, &conns); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range conns {
			if strings.Contains(c.Props.Name, marker) {
				brokertest.MustDo(t, "DELETE", "/api/connections/"+brokertest.Esc(c.Name), nil)
				n++
			}
		}
		if n > 0 {
			return n
		}
	}
	t.Fatalf("no connection named like %q on vhost %q", marker, vhost)
	return 0
}
