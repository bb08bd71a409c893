// Package brokertest gives integration tests a real RabbitMQ on loopback:
// where to find it, unique names for what they create, and a small admin
// client for set-up and clean-up that does not depend on the code under test.
package brokertest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/warren-tui/warren/internal/procstat"
)

// URI is the AMQP URI of the test broker (env WARREN_TEST_URI).
func URI() string {
	if u := os.Getenv("WARREN_TEST_URI"); u != "" {
		return u
	}
	return "amqp://guest:guest@127.0.0.1:5672/"
}

// API is the management API base URL of the test broker (env WARREN_TEST_API).
func API() string {
	if u := os.Getenv("WARREN_TEST_API"); u != "" {
		return u
	}
	return "http://127.0.0.1:15672"
}

// Require skips the test when no broker answers, except under CI (env CI
// set), where a missing broker is a failure: integration tests must not be
// skipped silently there.
func Require(t testing.TB) {
	t.Helper()
	if err := reachable(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("integration test needs RabbitMQ: %v", err)
		}
		t.Skipf("no RabbitMQ on loopback (%v); run `make test` to start one", err)
	}
}

func reachable() error {
	au, err := url.Parse(URI())
	if err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(au.Host); err != nil {
		au.Host = net.JoinHostPort(au.Hostname(), "5672")
	}
	c, err := net.DialTimeout("tcp", au.Host, 2*time.Second)
	if err != nil {
		return err
	}
	c.Close()
	code, _, err := Do("GET", "/api/overview", nil)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("management API answered %d", code)
	}
	return nil
}

// Name returns a name unique to this run, e.g. "warren-test-queue-3fa2c1d0".
// The broker is shared and keeps state, so every test makes its own.
func Name(kind string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "warren-test-" + kind + "-" + hex.EncodeToString(b)
}

// Do sends one request to the management API as the test broker's admin
// user and returns the status code and body.
func Do(method, path string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, strings.TrimRight(API(), "/")+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	user, pass := "guest", "guest"
	if au, err := url.Parse(URI()); err == nil && au.User != nil {
		user = au.User.Username()
		pass, _ = au.User.Password()
	}
	req.SetBasicAuth(user, pass)
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// MustDo is Do that fails the test on a transport error or a status >= 300.
func MustDo(t testing.TB, method, path string, body []byte) []byte {
	t.Helper()
	code, out, err := Do(method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if code >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, code, out)
	}
	return out
}

// Esc escapes one path segment (a vhost, queue or exchange name).
func Esc(s string) string { return url.PathEscape(s) }

// DeclareQueue creates a queue through the API and deletes it when the test ends.
func DeclareQueue(t testing.TB, vhost, name, args string) {
	t.Helper()
	if args == "" {
		args = "{}"
	}
	MustDo(t, "PUT", "/api/queues/"+Esc(vhost)+"/"+Esc(name),
		[]byte(`{"durable":true,"auto_delete":false,"arguments":`+args+`}`))
	t.Cleanup(func() { _, _, _ = Do("DELETE", "/api/queues/"+Esc(vhost)+"/"+Esc(name), nil) })
}

// DeclareExchange creates an exchange and deletes it when the test ends.
func DeclareExchange(t testing.TB, vhost, name, kind string) {
	t.Helper()
	MustDo(t, "PUT", "/api/exchanges/"+Esc(vhost)+"/"+Esc(name),
		[]byte(`{"type":"`+kind+`","durable":false,"auto_delete":false}`))
	t.Cleanup(func() { _, _, _ = Do("DELETE", "/api/exchanges/"+Esc(vhost)+"/"+Esc(name), nil) })
}

// Vhost creates a vhost, grants the admin user all rights on it, and
// deletes it (with everything in it) when the test ends.
func Vhost(t testing.TB) string {
	t.Helper()
	name := Name("vhost")
	MustDo(t, "PUT", "/api/vhosts/"+Esc(name), nil)
	user := "guest"
	if au, err := url.Parse(URI()); err == nil && au.User != nil {
		user = au.User.Username()
	}
	MustDo(t, "PUT", "/api/permissions/"+Esc(name)+"/"+Esc(user),
		[]byte(`{"configure":".*","write":".*","read":".*"}`))
	t.Cleanup(func() { _, _, _ = Do("DELETE", "/api/vhosts/"+Esc(name), nil) })
	return name
}

// WaitIdle waits (up to a minute) until the broker's own CPU falls
// below a tenth of a core over a second, so that no reader meets a broker
// still busy with the previous step. It says so and goes on when the
// broker's process cannot be read (a remote broker).
func WaitIdle() {
	pid := brokerPID()
	if pid == 0 {
		time.Sleep(5 * time.Second)
		return
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		a, err := procstat.Read(pid)
		if err != nil {
			return
		}
		time.Sleep(time.Second)
		b, err := procstat.Read(pid)
		if err != nil || b.CPU()-a.CPU() < 100*time.Millisecond {
			return
		}
	}
	fmt.Fprintln(os.Stderr, "  (the broker stayed busy for a minute; measuring anyway)")
}

// brokerPID is the broker's OS process id, from the management API.
func brokerPID() int {
	code, out, err := Do("GET", "/api/nodes?columns=os_pid", nil)
	if err != nil || code != 200 {
		return 0
	}
	var nodes []struct {
		OSPid string `json:"os_pid"`
	}
	if json.Unmarshal(out, &nodes) != nil || len(nodes) == 0 {
		return 0
	}
	pid, _ := strconv.Atoi(nodes[0].OSPid)
	return pid
}
