package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// vhostPrefix marks every vhost the bench creates, so a later run can
// remove what a killed one left behind.
const vhostPrefix = "warren-bench-"

// admin makes the few management API calls the bench needs for set-up and
// clean-up. It deliberately does not use the mgmt package under test.
type admin struct {
	base       string // http://host:15672, no trailing slash, no user info
	user, pass string
	http       *http.Client
}

func newAdmin(api, user, pass string) (*admin, error) {
	u, err := url.Parse(strings.TrimRight(api, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--api: want http://host:15672, got %q", api)
	}
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
		u.User = nil
	}
	// Deleting a vhost that still holds many queues can take minutes.
	return &admin{base: u.String(), user: user, pass: pass, http: &http.Client{Timeout: 10 * time.Minute}}, nil
}

// do sends one request and decodes a JSON answer into out (if not nil).
// A 404 is returned as errNotFound.
func (a *admin) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, body)
	if err != nil {
		return err
	}
	req.SetBasicAuth(a.user, a.pass)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // its text repeats the URL; keep the cause
			err = ue.Err
		}
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return errNotFound
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %.300s", method, path, resp.Status, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

var errNotFound = errors.New("not found")

func esc(s string) string { return url.PathEscape(s) }

// descPrefix starts the description of every vhost the bench creates.
const descPrefix = "warren-bench "

// newVhostName returns "warren-bench-<8 hex>".
func newVhostName() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return vhostPrefix + hex.EncodeToString(b)
}

// createVhost creates a vhost owned by this process and gives the user
// every permission on it. The description names our pid so a concurrent
// bench does not take it for a stale one.
func (a *admin) createVhost(ctx context.Context, vhost string) error {
	host, _ := os.Hostname()
	desc := map[string]string{"description": fmt.Sprintf("%spid=%d host=%s", descPrefix, os.Getpid(), host)}
	if err := a.do(ctx, http.MethodPut, "/api/vhosts/"+esc(vhost), desc, nil); err != nil {
		return err
	}
	perms := map[string]string{"configure": ".*", "write": ".*", "read": ".*"}
	return a.do(ctx, http.MethodPut, "/api/permissions/"+esc(vhost)+"/"+esc(a.user), perms, nil)
}

type vhostInfo struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// staleVhosts lists bench vhosts whose creating process is gone.
func (a *admin) staleVhosts(ctx context.Context) ([]string, error) {
	var all []vhostInfo
	if err := a.do(ctx, http.MethodGet, "/api/vhosts?columns=name,description", nil, &all); err != nil {
		return nil, err
	}
	var stale []string
	for _, v := range all {
		if isBenchVhost(v.Name, v.Description) && !ownerAlive(v.Description) {
			stale = append(stale, v.Name)
		}
	}
	return stale, nil
}

// benchVhostName is what newVhostName makes; other tools' vhosts may share
// the prefix (e.g. "warren-bench-live-…") and must be left alone.
var benchVhostName = regexp.MustCompile("^" + regexp.QuoteMeta(vhostPrefix) + "[0-9a-f]{8}$")

// isBenchVhost reports whether a vhost was made by createVhost: our name
// pattern and our description, both.
func isBenchVhost(name, desc string) bool {
	return benchVhostName.MatchString(name) && strings.HasPrefix(desc, descPrefix)
}

// ownerAlive reports whether the description names a warren-bench process
// that still runs on this host. Anything unreadable counts as gone.
func ownerAlive(desc string) bool {
	var pid int
	var host string
	for _, f := range strings.Fields(desc) {
		if v, ok := strings.CutPrefix(f, "pid="); ok {
			pid, _ = strconv.Atoi(v)
		}
		if v, ok := strings.CutPrefix(f, "host="); ok {
			host = v
		}
	}
	me, _ := os.Hostname()
	if pid <= 0 || host != me || pid == os.Getpid() {
		return false
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return err == nil && strings.TrimSpace(string(comm)) == "warren-bench"
}

// queueNames lists a vhost's queue names without stats, which the broker
// answers cheaply even for tens of thousands of queues.
func (a *admin) queueNames(ctx context.Context, vhost string) ([]string, error) {
	var qs []struct {
		Name string `json:"name"`
	}
	path := "/api/queues/" + esc(vhost) + "?columns=name&disable_stats=true&enable_queue_totals=true"
	if err := a.do(ctx, http.MethodGet, path, nil, &qs); err != nil {
		return nil, err
	}
	names := make([]string, len(qs))
	for i, q := range qs {
		names[i] = q.Name
	}
	return names, nil
}

// queueCount asks for a one-row page, in the broker's default order: the
// cheapest listing that still reports the vhost's total.
func (a *admin) queueCount(ctx context.Context, vhost string) (int, error) {
	var page struct {
		Total int `json:"total_count"`
	}
	err := a.do(ctx, http.MethodGet, "/api/queues/"+esc(vhost)+"?page=1&page_size=1&columns=name", nil, &page)
	return page.Total, err
}

// queueHasStats reports whether the broker has emitted stats for a queue
// yet (the "consumers" field appears with the first stats event).
func (a *admin) queueHasStats(ctx context.Context, vhost, name string) bool {
	var q map[string]any
	if err := a.do(ctx, http.MethodGet, "/api/queues/"+esc(vhost)+"/"+esc(name), nil, &q); err != nil {
		return false
	}
	_, ok := q["consumers"]
	return ok
}

// deleteVhost removes a vhost and everything in it, and waits until the
// API no longer lists it. Queues (names, or all listed when nil) go first
// over AMQP, many at a time: a single DELETE of a vhost with 50k queues
// runs for minutes inside one HTTP request, and is cut short if that
// request is.
func (a *admin) deleteVhost(ctx context.Context, amqpURI, vhost string, names []string, log func(string, ...any)) error {
	// Make sure we may delete its queues (a stale vhost may predate our grant).
	perms := map[string]string{"configure": ".*", "write": ".*", "read": ".*"}
	if err := a.do(ctx, http.MethodPut, "/api/permissions/"+esc(vhost)+"/"+esc(a.user), perms, nil); errors.Is(err, errNotFound) {
		return nil
	}
	if names == nil {
		names, _ = a.queueNames(ctx, vhost)
	}
	if len(names) > 0 {
		start := time.Now()
		if err := pipelineQueues(ctx, amqpURI, vhost, names, opDelete, nil); err != nil {
			log("  deleting queues over AMQP failed (%v); the vhost delete will do it", err)
		} else {
			log("  deleted %d queues in %s", len(names), time.Since(start).Round(10*time.Millisecond))
		}
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		err := a.do(ctx, http.MethodDelete, "/api/vhosts/"+esc(vhost), nil, nil)
		if err == nil || errors.Is(err, errNotFound) {
			if errors.Is(a.do(ctx, http.MethodGet, "/api/vhosts/"+esc(vhost), nil, nil), errNotFound) {
				return nil
			}
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
		time.Sleep(2 * time.Second)
	}
	if lastErr == nil {
		lastErr = errors.New("still listed after delete")
	}
	return fmt.Errorf("vhost %s: %w", vhost, lastErr)
}

// brokerVersion is the RabbitMQ version and the node's OS pid as the API
// reports them (the pid is a fallback when /proc cannot tell).
func (a *admin) brokerVersion(ctx context.Context) (version string, pid int) {
	var ov struct {
		Version string `json:"rabbitmq_version"`
	}
	_ = a.do(ctx, http.MethodGet, "/api/overview?columns=rabbitmq_version", nil, &ov)
	var nodes []struct {
		OSPid string `json:"os_pid"`
	}
	if a.do(ctx, http.MethodGet, "/api/nodes?columns=os_pid", nil, &nodes) == nil && len(nodes) == 1 {
		pid, _ = strconv.Atoi(nodes[0].OSPid)
	}
	return ov.Version, pid
}
