package mgmt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/mgmt"
)

// BenchmarkQueuesPage times one 100-row page of queues over the 3,000-queue
// fixture, warren's way against the stats-ful requests other clients make.
// When the broker runs on this machine it also reports the broker's own
// CPU per request (broker-ms/op), the figure that matters for "light on
// the broker". Requests are spaced like a poll so the broker's short-lived
// result cache does not flatter the repeated ones. Run with e.g.
//
//	go test ./mgmt -run '^$' -bench QueuesPage -benchtime 10x
//
// WARREN_BENCH_QUEUES changes the number of queues (default 3000).
func BenchmarkQueuesPage(b *testing.B) {
	brokertest.Require(b)
	c := newClient(b)
	ctx := context.Background()
	count := bigQueueCount
	if n, err := strconv.Atoi(os.Getenv("WARREN_BENCH_QUEUES")); err == nil && n > 500 {
		count = n
	}
	vhost := bigVhost(b, count)
	eventually(b, 30*time.Second, func() error { // let the first stats of every queue arrive
		p, err := c.Queues(ctx, mgmt.ListOptions{Vhost: vhost, PageSize: 500, Page: 6, Sort: mgmt.SortConsumers})
		if err != nil || len(p.Items) == 0 || !p.Items[len(p.Items)-1].HasStats {
			return fmt.Errorf("stats not there yet: %v", err)
		}
		return nil
	})
	cpu := brokerCPU(b)
	base := "/api/queues/" + brokertest.Esc(vhost)
	const columns = "&columns=name,vhost,type,state,messages,messages_ready,messages_unacknowledged,consumers,memory,message_stats.publish_details.rate"
	warren := func(o mgmt.ListOptions) func() error {
		o.Vhost, o.PageSize = vhost, 100
		return func() error { _, err := c.Queues(ctx, o); return err }
	}
	raw := func(query string) func() error {
		return func() error { return rawGet(base + query) }
	}
	for _, bm := range []struct {
		name string
		op   func() error
	}{
		{"by-name/warren", warren(mgmt.ListOptions{})},
		{"by-name/explicit-sort=name", raw("?page=1&page_size=100&sort=name" + columns)},
		{"by-messages/warren-totals+page-stats", warren(mgmt.ListOptions{Sort: mgmt.SortMessages, Reverse: true})},
		{"by-messages/stats-sort", raw("?page=1&page_size=100&sort=messages&sort_reverse=true" + columns)},
		{"by-consumers/warren-stats-sort", warren(mgmt.ListOptions{Sort: mgmt.SortConsumers, Reverse: true})},
		{"every-queue-full-stats", raw("")},
		{"overview/warren", func() error { _, err := c.Overview(ctx); return err }},
	} {
		b.Run(bm.name, func(b *testing.B) { spacedRequests(b, cpu, bm.op) })
	}
}

// spacedRequests runs op b.N times, each after a pause of five times the
// previous request (outside the timer), which is how long 3.x caches an
// expensive listing.
func spacedRequests(b *testing.B, cpu func() time.Duration, op func() error) {
	var brokerTime time.Duration
	idle := idleRate(cpu)
	b.ResetTimer()
	for range b.N {
		before, start := cpu(), time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		b.StopTimer()
		time.Sleep(30 * time.Millisecond) // let the broker finish its side
		used := cpu() - before - time.Duration(float64(took+30*time.Millisecond)*idle)
		brokerTime += used
		time.Sleep(max(200*time.Millisecond, 5*took))
		b.StartTimer()
	}
	if cpu != nil {
		b.ReportMetric(float64(brokerTime.Milliseconds())/float64(b.N), "broker-ms/op")
	}
}

// idleRate is the broker's own CPU per second while nobody asks it anything.
func idleRate(cpu func() time.Duration) float64 {
	if cpu == nil {
		return 0
	}
	before := cpu()
	time.Sleep(time.Second)
	return float64(cpu()-before) / float64(time.Second)
}

// brokerCPU returns a reader of the broker's CPU time when the broker
// runs on this machine (found through /api/nodes), else nil.
func brokerCPU(b *testing.B) func() time.Duration {
	var nodes []struct {
		OSPid string `json:"os_pid"`
	}
	if err := json.Unmarshal(brokertest.MustDo(b, "GET", "/api/nodes?columns=os_pid", nil), &nodes); err != nil || len(nodes) != 1 {
		return nil
	}
	stat := "/proc/" + nodes[0].OSPid + "/stat"
	if comm, err := os.ReadFile("/proc/" + nodes[0].OSPid + "/comm"); err != nil || !strings.HasPrefix(string(comm), "beam") {
		b.Log("broker not on this machine: no broker-ms/op")
		return nil
	}
	return func() time.Duration {
		data, err := os.ReadFile(stat)
		if err != nil {
			return 0
		}
		fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+2:]))
		user, _ := strconv.Atoi(fields[11])
		sys, _ := strconv.Atoi(fields[12])
		return time.Duration(user+sys) * 10 * time.Millisecond // USER_HZ is 100 on Linux
	}
}

// rawGet makes one request as a plain client would, discarding the body.
func rawGet(path string) error {
	req, err := http.NewRequest(http.MethodGet, strings.TrimRight(brokertest.API(), "/")+path, nil)
	if err != nil {
		return err
	}
	user, pass := credentials()
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return nil
}
