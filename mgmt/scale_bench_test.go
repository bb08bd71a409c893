package mgmt_test

import (
	"bytes"
	"context"
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
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/internal/testnode"
	"github.com/warren-tui/warren/mgmt"
)

// scaleFixture is a node of the benchmark's own holding many empty
// classic queues and a few of every type with messages.
type scaleFixture struct {
	node  *testnode.Node
	vhost string
	// full are the queues with messages, fullest first, and their counts.
	full []scaleQueue
}

type scaleQueue struct {
	name, kind string
	messages   int
}

// scaleQueues are the queues with messages, fullest first: every type
// above and below another type, and one of each type empty.
var scaleQueues = []scaleQueue{
	{"st.big", "stream", 20000},
	{"c.full", "classic", 5000},
	{"qq.full", "quorum", 3000},
	{"st.mid", "stream", 200},
	{"c.mid", "classic", 50},
	{"qq.some", "quorum", 20},
	{"st.few", "stream", 3},
}

// startScale starts a node of its own (never the shared broker) and fills
// vhost "/" with count empty classic queues q.00000, q.00001, ... plus
// scaleQueues and one empty quorum queue and stream.
func startScale(b *testing.B, count int) *scaleFixture {
	b.Helper()
	node := testnode.StartWith(b, testnode.Options{
		Prometheus: true,
		// The node's default is 1 s for quick tests; a real broker's is 5 s.
		Config: []string{"collect_statistics_interval = 5000"},
	})
	f := &scaleFixture{node: node, vhost: "/", full: scaleQueues}
	start := time.Now()
	names := make([]string, count)
	for i := range names {
		names[i] = fmt.Sprintf("q.%05d", i)
	}
	if err := declareMany(node.URI(), names, 4, 8); err != nil {
		b.Fatal(err)
	}
	conn, err := amqp.Dial(node.URI())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range append(slicesClone(scaleQueues), scaleQueue{"qq.empty", "quorum", 0}, scaleQueue{"st.empty", "stream", 0}) {
		if _, err := ch.QueueDeclare(q.name, true, false, false, false, amqp.Table{"x-queue-type": q.kind}); err != nil {
			b.Fatalf("declare %s: %v", q.name, err)
		}
		if q.messages > 0 {
			publishTo(b, conn, q.name, q.messages)
		}
	}
	b.Logf("%d queues on %s in %v", count+len(scaleQueues)+2, node.Name(), time.Since(start).Round(time.Second))
	return f
}

func slicesClone(s []scaleQueue) []scaleQueue { return append([]scaleQueue(nil), s...) }

// declareMany declares durable classic queues over conns x chans
// channels, without waiting but for the last method of each channel.
func declareMany(uri string, names []string, conns, chans int) error {
	var wg sync.WaitGroup
	errs := make(chan error, conns*chans)
	workers := conns * chans
	for c := range conns {
		conn, err := amqp.Dial(uri)
		if err != nil {
			return err
		}
		defer conn.Close()
		for k := range chans {
			w := c*chans + k
			wg.Add(1)
			go func() {
				defer wg.Done()
				ch, err := conn.Channel()
				if err != nil {
					errs <- err
					return
				}
				defer ch.Close()
				for i := w; i < len(names); i += workers {
					last := i+workers >= len(names)
					if _, err := ch.QueueDeclare(names[i], true, false, false, !last, nil); err != nil {
						errs <- fmt.Errorf("declare %s: %w", names[i], err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// publishTo sends n small messages with confirms, in windows.
func publishTo(b *testing.B, conn *amqp.Connection, queue string, n int) {
	b.Helper()
	ch, err := conn.Channel()
	if err != nil {
		b.Fatal(err)
	}
	defer ch.Close()
	if err := ch.Confirm(false); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for sent := 0; sent < n; {
		var window []*amqp.DeferredConfirmation
		for ; sent < n && len(window) < 1000; sent++ {
			dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", queue, true, false, amqp.Publishing{Body: []byte("warren scale")})
			if err != nil {
				b.Fatal(err)
			}
			window = append(window, dc)
		}
		for _, dc := range window {
			if ok, err := dc.WaitContext(ctx); !ok || err != nil {
				b.Fatalf("publish to %s not confirmed: %v", queue, err)
			}
		}
	}
}

// scaleCount is WARREN_BENCH_SCALE, the number of empty classic queues;
// without it the scale benchmarks skip (they start a node of their own
// and take minutes).
func scaleCount(b *testing.B) int {
	n, err := strconv.Atoi(os.Getenv("WARREN_BENCH_SCALE"))
	if err != nil || n < 1 {
		b.Skip("set WARREN_BENCH_SCALE=50000 to run (starts a RabbitMQ node of its own)")
	}
	return n
}

// BenchmarkScaleHold starts the fixture and keeps it up for
// WARREN_SCALE_HOLD (a duration), printing where it is: for looking at
// the broker by hand.
func BenchmarkScaleHold(b *testing.B) {
	count := scaleCount(b)
	hold, err := time.ParseDuration(os.Getenv("WARREN_SCALE_HOLD"))
	if err != nil {
		b.Skip("set WARREN_SCALE_HOLD=10m")
	}
	f := startScale(b, count)
	u, _ := url.Parse(f.node.API())
	fmt.Printf("HOLD api=%s uri=%s prom=%s\n", u, f.node.URI(), f.node.PrometheusURL())
	for b.Loop() {
		time.Sleep(hold)
	}
}

// BenchmarkSortMessages50k measures the sort by messages over
// WARREN_BENCH_SCALE empty classic queues (50,000 for the README's
// figures) plus a few of every type with messages, on a node of its own,
// one side after another on an idle node, each beside the cheapest page
// there is (by name) measured in the same run:
//
//	WARREN_BENCH_SCALE=50000 go test ./mgmt -run '^$' -bench SortMessages50k -benchtime 1x -timeout 60m
//
// It prints wall time and the broker's CPU for: the earlier way (a totals
// listing sorted by the broker, then stats for the page's names), warren's
// first sorted page (the order read, with the page saying it is pending
// meanwhile), a page from the kept order, and the Prometheus plugin's
// per-queue counts (another way to read the order, for the record), and
// checks that every type lands in its place.
func BenchmarkSortMessages50k(b *testing.B) {
	count := scaleCount(b)
	var api, promURL string
	var pid int
	if api = os.Getenv("WARREN_SCALE_API"); api != "" { // a fixture held up by BenchmarkScaleHold
		pid, _ = strconv.Atoi(os.Getenv("WARREN_SCALE_PID"))
		promURL = os.Getenv("WARREN_SCALE_PROM")
	} else {
		f := startScale(b, count)
		api, pid, promURL = f.node.API(), f.node.PID(), f.node.PrometheusURL()
	}
	cpu := func() time.Duration { return procCPU(pid) }
	long := &http.Client{Timeout: 3 * time.Minute}
	get := func(url string, out any) error {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.SetBasicAuth("guest", "guest")
		resp, err := long.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		if out == nil {
			return nil
		}
		return json.Unmarshal(body, out)
	}
	// Requests the broker gave up on (its HTTP server closes after a
	// minute) go on inside it, so each side waits until the node is back
	// to its own idle pace (it emits stats for every queue) first.
	rate := func(d time.Duration) float64 {
		before := cpu()
		time.Sleep(d)
		return float64(cpu()-before) / float64(d)
	}
	time.Sleep(20 * time.Second) // the first stats of every queue
	baseline := rate(10 * time.Second)
	b.Logf("node's own pace with %d queues: %.0f%% of a core", count, baseline*100)
	quiet := func() float64 {
		for deadline := time.Now().Add(4 * time.Minute); time.Now().Before(deadline); {
			if r := rate(5 * time.Second); r < baseline*1.3+0.05 {
				return r
			}
		}
		b.Log("the node did not settle within 4 minutes")
		return rate(5 * time.Second)
	}
	type figure struct {
		name       string
		wall, cpu  time.Duration
		err        error
		firstPlace string
	}
	var figs []figure
	measure := func(name string, op func() (string, error)) figure {
		idle := quiet()
		before, start := cpu(), time.Now()
		place, err := op()
		wall := time.Since(start)
		time.Sleep(100 * time.Millisecond)
		used := cpu() - before - time.Duration(float64(wall+100*time.Millisecond)*idle)
		fg := figure{name: name, wall: wall, cpu: used, err: err, firstPlace: place}
		figs = append(figs, fg)
		b.Logf("%-34s wall %8s  broker CPU %8s  %s %v", name, wall.Round(10*time.Millisecond), used.Round(10*time.Millisecond), place, errText(err))
		return fg
	}
	const pageSize = 50
	base := api + "/api/queues/%2F"
	type row struct {
		Name     string `json:"name"`
		Messages *int   `json:"messages"`
	}
	names := func(rows []row) string {
		var s []string
		for _, r := range rows[:min(len(rows), len(scaleQueues))] {
			s = append(s, r.Name)
		}
		return strings.Join(s, " ")
	}
	byName := func() (string, error) {
		var l struct{ Items []row }
		err := get(base+"?page=1&page_size=50&columns="+strings.Join(pageColumns, ","), &l)
		return fmt.Sprintf("%d rows", len(l.Items)), err
	}
	earlier := func() (string, error) {
		var l struct{ Items []row }
		q := "?page=1&page_size=50&sort=messages&sort_reverse=true&disable_stats=true&enable_queue_totals=true&columns=name,vhost,type,messages"
		if err := get(base+q, &l); err != nil {
			return "", err
		}
		var re []string
		for _, r := range l.Items {
			re = append(re, regexp.QuoteMeta(r.Name))
		}
		err := get(base+"?page=1&page_size=500&use_regex=true&name="+url.QueryEscape("^("+strings.Join(re, "|")+")$")+"&columns=name,messages,consumers", nil)
		return "top: " + names(l.Items), err
	}
	client := func() *mgmt.Client {
		c, err := mgmt.New(mgmt.Config{APIURL: api, Username: "guest", Password: "guest"})
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
	top := func(p mgmt.Page[mgmt.Queue]) string {
		var s []string
		for _, q := range p.Items[:min(len(p.Items), len(scaleQueues))] {
			s = append(s, q.Name)
		}
		return "top: " + strings.Join(s, " ")
	}
	warm := client()
	opts := mgmt.ListOptions{Vhost: "/", Sort: mgmt.SortMessages, Reverse: true, PageSize: pageSize}
	var pendingIn time.Duration
	first := func() (string, error) { // polls like the UI: every answer within its 10 s
		start := time.Now()
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			p, err := warm.Queues(ctx, opts)
			cancel()
			if errors.Is(err, mgmt.ErrSortPending) {
				if pendingIn == 0 {
					pendingIn = time.Since(start)
				}
				time.Sleep(time.Second)
				continue
			}
			if err != nil {
				return "", err
			}
			return top(p), nil
		}
	}
	kept := func() (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p, err := warm.Queues(ctx, opts)
		if err != nil {
			return "", err
		}
		return top(p), nil
	}
	prom := func() (string, error) {
		req, _ := http.NewRequest(http.MethodGet, promURL+"/metrics/detailed?vhost=%2F&family=queue_coarse_metrics", nil)
		resp, err := long.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		n, err := io.Copy(io.Discard, resp.Body)
		return fmt.Sprintf("%d bytes", n), err
	}
	want := make([]string, len(scaleQueues))
	for i, q := range scaleQueues {
		want[i] = q.name
	}
	for b.Loop() {
		ref := measure("by name (the reference)", byName)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_, _ = warm.Overview(ctx) // the UI's header has read it before any page
		cancel()
		fp := measure("warren: first sorted page", first)
		b.Logf("  the first page said the order was pending after %s", pendingIn.Round(10*time.Millisecond))
		kp := measure("warren: a page from the kept order", kept)
		measure("earlier way: sorted totals + stats", earlier)
		measure("prometheus detailed queue counts", prom)
		ref2 := measure("by name (the reference, again)", byName)
		refWall := (ref.wall + ref2.wall) / 2
		refCPU := (ref.cpu + ref2.cpu) / 2
		for _, fg := range figs {
			b.Logf("%-34s %5.2fx the by-name page's wall time, %5.2fx its broker CPU", fg.name,
				fg.wall.Seconds()/refWall.Seconds(), fg.cpu.Seconds()/max(refCPU.Seconds(), 0.001))
		}
		for _, fg := range []figure{fp, kp} {
			if fg.err == nil && fg.firstPlace != "top: "+strings.Join(want, " ") {
				b.Errorf("%s: order %q, want %q", fg.name, fg.firstPlace, strings.Join(want, " "))
			}
		}
		b.ReportMetric(fp.wall.Seconds(), "first-sorted-page-s")
		b.ReportMetric(kp.wall.Seconds(), "kept-order-page-s")
		b.ReportMetric(refWall.Seconds(), "by-name-page-s")
	}
}

// pageColumns is what the UI asks for a page by name.
var pageColumns = []string{"name", "vhost", "type", "state", "messages", "messages_ready", "messages_unacknowledged",
	"consumers", "memory", "policy", "arguments", "message_stats.publish_details.rate"}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return "error: " + err.Error()
}

// procCPU is a process's CPU time from /proc.
func procCPU(pid int) time.Duration {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+2:]))
	user, _ := strconv.Atoi(fields[11])
	sys, _ := strconv.Atoi(fields[12])
	return time.Duration(user+sys) * 10 * time.Millisecond
}
