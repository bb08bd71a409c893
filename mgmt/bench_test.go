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
// Where two ways answer the same question they run in one benchmark, in
// turns (A B B A), and report warren-ms/op beside ref-ms/op.
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
		name      string
		op, refOp func() error // refOp, when set, is the other way, run in turns
	}{
		{"by-name/warren-vs-explicit-sort=name", warren(mgmt.ListOptions{}), raw("?page=1&page_size=100&sort=name" + columns)},
		{"by-messages/warren-order+page-stats-vs-stats-sort", warren(mgmt.ListOptions{Sort: mgmt.SortMessages, Reverse: true}),
			raw("?page=1&page_size=100&sort=messages&sort_reverse=true" + columns)},
		{"by-consumers/warren-stats-sort", warren(mgmt.ListOptions{Sort: mgmt.SortConsumers, Reverse: true}), nil},
		{"every-queue-full-stats", raw(""), nil},
		{"overview/warren", func() error { _, err := c.Overview(ctx); return err }, nil},
	} {
		b.Run(bm.name, func(b *testing.B) {
			if bm.refOp == nil {
				spacedRequests(b, cpu, bm.op)
				return
			}
			spacedPair(b, cpu, bm.op, bm.refOp)
		})
	}
}

// spacedPair runs op and ref b.N times each, spaced as spacedRequests
// does, op first in even rounds and ref first in odd ones (A B B A), and
// reports each one's time (and broker CPU) per request; ns/op counts
// both.
func spacedPair(b *testing.B, cpu func() time.Duration, op, ref func() error) {
	idle := idleRate(cpu)
	measured := cpu != nil
	if !measured { // the broker is elsewhere: no broker figures
		cpu = func() time.Duration { return 0 }
	}
	var took, broker [2]time.Duration
	b.ResetTimer()
	for i := range b.N {
		for _, k := range [][2]int{{0, 1}, {1, 0}}[i%2] {
			f := [2]func() error{op, ref}[k]
			before, start := cpu(), time.Now()
			if err := f(); err != nil {
				b.Fatal(err)
			}
			t := time.Since(start)
			took[k] += t
			b.StopTimer()
			time.Sleep(30 * time.Millisecond) // let the broker finish its side
			broker[k] += cpu() - before - time.Duration(float64(t+30*time.Millisecond)*idle)
			time.Sleep(max(200*time.Millisecond, 5*t))
			b.StartTimer()
		}
	}
	perOp := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 / float64(b.N) }
	b.ReportMetric(perOp(took[0]), "warren-ms/op")
	b.ReportMetric(perOp(took[1]), "ref-ms/op")
	if measured {
		b.ReportMetric(perOp(broker[0]), "warren-broker-ms/op")
		b.ReportMetric(perOp(broker[1]), "ref-broker-ms/op")
	}
}

// spacedRequests runs op b.N times, each after a pause of five times the
// previous request (outside the timer), which is how long 3.x caches an
// expensive listing.
func spacedRequests(b *testing.B, cpu func() time.Duration, op func() error) {
	var brokerTime time.Duration
	idle := idleRate(cpu)
	measured := cpu != nil
	if !measured { // the broker is elsewhere: no broker-ms/op
		cpu = func() time.Duration { return 0 }
	}
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
	if measured {
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
