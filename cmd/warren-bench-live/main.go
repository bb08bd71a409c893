// Command warren-bench-live measures warren's live pane against the
// targets in the README: the pane's rate beside a plain amqp091-go
// consumer of the same kind in the same run, the delay from a key press
// to the screen during a flood, and RSS after a million messages. It runs
// the real UI (ui.App in a tea.Program writing to a discarding terminal)
// against the broker on 127.0.0.1, in a throwaway vhost deleted at the
// end. It prints figures and never fails on them; a reader that stalls
// (a timeout) is a failure, not a rate, and ends the run with status 1.
//
//	go run ./cmd/warren-bench-live [--messages 200000] [--rss-messages 1000000]
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/warren-tui/warren/broker"
	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/internal/wiring"
	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui"
	uiscreen "github.com/warren-tui/warren/ui/screen"
)

func main() {
	n := flag.Int("messages", 200000, "messages in each flood")
	rssN := flag.Int("rss-messages", 1000000, "messages through the pane before reading RSS (0 skips)")
	size := flag.Int("size", 256, "body size in bytes")
	paneFirst := flag.Bool("pane-first", false, "read the pre-filled queue with the pane before the plain consumer")
	profile := flag.String("cpuprofile", "", "write a CPU profile of this process (the UI included) to the file")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		must(err)
		must(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}

	b := make([]byte, 4)
	_, _ = rand.Read(b)
	vhost := "warren-bench-live-" + hex.EncodeToString(b)
	if code, out, err := brokertest.Do("PUT", "/api/vhosts/"+url.PathEscape(vhost), nil); err != nil || code >= 300 {
		fail("create vhost: %v %d %s", err, code, out)
	}
	cleanup := func() { _, _, _ = brokertest.Do("DELETE", "/api/vhosts/"+url.PathEscape(vhost), nil) }
	defer cleanup()
	atExit = cleanup // fail exits without running defers
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() { <-sig; cleanup(); os.Exit(130) }()
	brokertest.Do("PUT", "/api/permissions/"+url.PathEscape(vhost)+"/guest", []byte(`{"configure":".*","write":".*","read":".*"}`))

	u, _ := url.Parse(brokertest.URI())
	u.Path = "/" + vhost
	u.RawPath = "/" + url.PathEscape(vhost)
	r := &rig{uri: u.String(), vhost: vhost, body: make([]byte, *size)}
	r.setup()
	fmt.Printf("warren-bench-live: %d-byte messages, vhost %s\n\n", *size, vhost)

	r.startUI()
	defer r.prog.Kill()

	// 1. Consume capacity: the pane consuming a pre-filled queue (ack mode)
	// against a plain consumer on an identical queue. Whoever reads first
	// meets a broker still busy with the fill, so each reads twice, in the
	// order A B B A (--pane-first: B A A B), and the rates are totals.
	// Every queue is filled before any is read, and each reader starts on
	// an idle broker.
	for _, q := range []string{"raw1", "pane1", "pane2", "raw2"} {
		r.fill(q, *n)
	}
	var rawTime, paneTime float64 // seconds for n messages, summed
	var runs []string
	plain := func(q string) {
		brokertest.WaitIdle()
		rate := r.plainConsume(q, *n)
		rawTime += float64(*n) / rate
		runs = append(runs, fmt.Sprintf("plain %.0f", rate))
	}
	pane := func(q string) {
		brokertest.WaitIdle()
		rate := r.paneConsume(q, *n)
		paneTime += float64(*n) / rate
		runs = append(runs, fmt.Sprintf("pane %.0f", rate))
	}
	if *paneFirst {
		pane("pane1")
		plain("raw1")
		plain("raw2")
		pane("pane2")
	} else {
		plain("raw1")
		pane("pane1")
		pane("pane2")
		plain("raw2")
	}
	rawRate, paneRate := float64(2**n)/rawTime, float64(2**n)/paneTime
	fmt.Printf("consume %d pre-filled messages, twice each (order %s), manual acks:\n", *n, map[bool]string{false: "plain pane pane plain", true: "pane plain plain pane"}[*paneFirst])
	fmt.Printf("  plain amqp091-go consumer  %8.0f msg/s\n", rawRate)
	fmt.Printf("  warren consume pane        %8.0f msg/s   ratio %.2fx (target >= 0.95x)\n", paneRate, paneRate/rawRate)
	fmt.Printf("  each run, in order (msg/s): %s\n\n", strings.Join(runs, ", "))

	// 2. A flood through a tapped exchange: the tap pane and a plain
	// consumer of a queue bound to the same exchange, at once; key presses
	// during the flood.
	fl := r.tapFlood(*n)
	fmt.Printf("flood of %d through tapped exchange %q (publisher %0.f msg/s):\n", *n, "flood", fl.pubRate)
	fmt.Printf("  plain consumer of a bound queue  %8.0f msg/s, got %d\n", fl.plainRate, fl.plainGot)
	fmt.Printf("  warren tap pane                  %8.0f msg/s, got %d (dropped on the broker: %d)   ratio %.2fx\n",
		fl.paneRate, fl.paneGot, int64(*n)-fl.paneGot, fl.paneRate/fl.plainRate)
	if fl.keyN > 0 {
		fmt.Printf("  key press to screen during the flood: median %s, max %s over %d presses (target < 50 ms)\n",
			fl.keyMedian, fl.keyMax, fl.keyN)
	} else {
		fmt.Printf("  key press to screen during the flood: no press was timed\n")
	}
	if fl.keyLost > 0 {
		failed = true
		fmt.Printf("  FAILED: %d key presses never reached the screen within %s\n", fl.keyLost, keyTimeout)
	}
	fmt.Println()

	if *rssN > 0 {
		got := r.tapVolume(*rssN)
		rss, hwm := rssNow()
		fmt.Printf("after %d messages through the tap pane (%d reached it): RSS %.1f MB, peak %.1f MB (target < 100 MB; includes this bench's publisher)\n",
			*rssN, got, rss, hwm)
	}
	if failed {
		fail("a key press timed out: see above")
	}
}

// failed says a key press timed out: the run printed its figures but
// must not pass for a good one.
var failed bool

// keyTimeout is how long a key press may take to reach the screen before
// it counts as lost.
const keyTimeout = 2 * time.Second

// rig holds the broker objects, the real UI and the counters.
type rig struct {
	uri, vhost string
	body       []byte
	pub        *amqp.Connection
	prog       *tea.Program
	out        *screen
	drained    atomic.Int64 // messages the pane took from its feed
	firstDrain atomic.Int64 // unix nanos
	lastDrain  atomic.Int64
}

func (r *rig) setup() {
	conn, err := amqp.Dial(r.uri)
	if err != nil {
		fail("dial: %v", err)
	}
	r.pub = conn
	ch, _ := conn.Channel()
	defer ch.Close()
	must(ch.ExchangeDeclare("flood", "fanout", false, false, false, false, nil))
	for _, q := range []string{"raw1", "raw2", "pane1", "pane2", "bound"} {
		_, err := ch.QueueDeclare(q, true, false, false, false, nil) // durable: 4.3 refuses transient non-exclusive queues
		must(err)
	}
	must(ch.QueueBind("bound", "", "flood", false, nil))
}

// startUI runs the real App in a program whose screen the bench reads.
func (r *rig) startUI() {
	client, err := mgmt.New(mgmt.Config{APIURL: brokertest.API(), Username: "guest", Password: "guest"})
	must(err)
	session, err := broker.Open(broker.Config{URI: r.uri, Name: "warren-bench-live"})
	must(err)
	st := &countingStreamer{Streamer: wiring.Streamer(session), r: r}
	app := ui.New(ui.Target{Source: client, Peeker: session, Streamer: st, API: brokertest.API(), Vhost: r.vhost},
		ui.Options{Refresh: 5 * time.Second, Timeout: 10 * time.Second}, nil)
	r.out = newScreen()
	sp := uiscreen.New(app, uiscreen.Config{In: blockForever{}, Out: r.out, Width: 160, Height: 45,
		Profile: colorprofile.ANSI256, MinFrame: ui.MinFrame, Env: []string{"TERM=xterm-256color"}}, tea.WithoutSignals())
	r.prog = sp.Program
	go func() { _, _ = sp.Run() }()
	r.out.waitFor("queues", 10*time.Second)
}

func (r *rig) keys(s string) {
	for _, c := range s {
		switch c {
		case '\n':
			r.prog.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
		case '\x1b':
			r.prog.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
		case ' ':
			r.prog.Send(tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
		default:
			r.prog.Send(tea.KeyPressMsg{Code: c, Text: string(c)})
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *rig) fill(queue string, n int) {
	ch, err := r.pub.Channel()
	must(err)
	defer ch.Close()
	must(ch.Confirm(false))
	var last *amqp.DeferredConfirmation
	for i := 0; i < n; i++ {
		last, err = ch.PublishWithDeferredConfirm("", queue, false, false, amqp.Publishing{Body: r.body, ContentType: "application/octet-stream"})
		must(err)
	}
	last.Wait()
}

// plainConsume is the reference: amqp091-go with the live sources'
// prefetch and multiple acks every 512.
func (r *rig) plainConsume(queue string, n int) float64 {
	conn, err := amqp.Dial(r.uri)
	must(err)
	defer conn.Close()
	ch, _ := conn.Channel()
	must(ch.Qos(2000, 0, false))
	ds, err := ch.Consume(queue, "", false, false, false, false, nil)
	must(err)
	start := time.Now()
	for i := 1; i <= n; i++ {
		var d amqp.Delivery
		select {
		case d = <-ds:
		case <-time.After(30 * time.Second):
			fail("the plain consumer of %s stalled at %d of %d messages: no rate", queue, i-1, n)
		}
		if i%512 == 0 || i == n {
			must(d.Ack(true))
		}
	}
	return float64(n) / time.Since(start).Seconds()
}

// paneConsume opens a consume pane (ack) on a pre-filled queue through the
// keyboard, as a person would, and times until the pane has taken all.
func (r *rig) paneConsume(queue string, n int) float64 {
	r.drained.Store(0)
	r.keys(":qu\n")
	time.Sleep(500 * time.Millisecond)
	r.keys("/^" + queue + "$\n")
	time.Sleep(1500 * time.Millisecond)
	start := time.Now()
	r.keys("ta")
	if !waitCount(&r.drained, int64(n), 5*time.Minute) {
		fail("the consume pane on %s took %d of %d messages in 5 minutes: no rate", queue, r.drained.Load(), n)
	}
	took := time.Duration(r.lastDrain.Load()-start.UnixNano()) - 40*time.Millisecond // the two key presses
	r.keys("\x1b")
	time.Sleep(500 * time.Millisecond)
	r.keys("\x1b")
	return float64(n) / took.Seconds()
}

type floodResult struct {
	pubRate, plainRate, paneRate float64
	plainGot, paneGot            int64
	keyMedian, keyMax            time.Duration
	keyN, keyLost                int
}

func (r *rig) openTap() {
	r.keys(":ex\n")
	time.Sleep(500 * time.Millisecond)
	r.keys("/flood\n")
	time.Sleep(1500 * time.Millisecond)
	r.drained.Store(0)
	r.keys("t")
	r.out.waitFor("0 received", 10*time.Second)
}

func (r *rig) tapFlood(n int) floodResult {
	r.openTap()
	var plainGot atomic.Int64
	var plainLast atomic.Int64
	conn, err := amqp.Dial(r.uri)
	must(err)
	defer conn.Close()
	ch, _ := conn.Channel()
	must(ch.Qos(2000, 0, false))
	ds, err := ch.Consume("bound", "", false, false, false, false, nil)
	must(err)
	go func() {
		for d := range ds {
			c := plainGot.Add(1)
			plainLast.Store(time.Now().UnixNano())
			if c%512 == 0 || c == int64(n) {
				_ = d.Ack(true)
			}
		}
	}()

	var res floodResult
	keysDone, keysLost := make(chan []time.Duration, 1), make(chan int, 1)
	stop := make(chan struct{})
	go func() { lat, lost := r.pressDuring(stop); keysDone <- lat; keysLost <- lost }()
	start := time.Now()
	pch, _ := r.pub.Channel()
	for i := 0; i < n; i++ {
		must(pch.Publish("flood", "k", false, false, amqp.Publishing{Body: r.body}))
	}
	res.pubRate = float64(n) / time.Since(start).Seconds()
	pch.Close()
	if !waitCount(&plainGot, int64(n), 2*time.Minute) {
		fail("the plain consumer of the bound queue got %d of %d messages in 2 minutes: no rate", plainGot.Load(), n)
	}
	time.Sleep(2 * time.Second) // let the pane take what reached it
	close(stop)
	lat, lost := <-keysDone, <-keysLost
	res.plainGot, res.paneGot = plainGot.Load(), r.drained.Load()
	res.plainRate = float64(res.plainGot) / time.Duration(plainLast.Load()-start.UnixNano()).Seconds()
	res.paneRate = float64(res.paneGot) / time.Duration(r.lastDrain.Load()-start.UnixNano()).Seconds()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		res.keyMedian, res.keyMax, res.keyN = lat[len(lat)/2], lat[len(lat)-1], len(lat)
	}
	res.keyLost = lost
	r.keys("c")
	return res
}

// pressDuring pauses and resumes the pane while the flood runs and times
// each pause until "PAUSED" reaches the screen; it counts the presses
// that never did within keyTimeout (left out of the times, they would
// flatter them).
func (r *rig) pressDuring(stop chan struct{}) ([]time.Duration, int) {
	var lat []time.Duration
	lost := 0
	time.Sleep(300 * time.Millisecond)
	for {
		select {
		case <-stop:
			return lat, lost
		default:
		}
		mark := r.out.mark()
		t0 := time.Now()
		r.prog.Send(tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
		if r.out.waitAfter(mark, "PAUSED", keyTimeout) {
			lat = append(lat, time.Since(t0))
		} else {
			lost++
			if os.Getenv("WARREN_BENCH_DUMP") != "" {
				r.out.dump(os.Getenv("WARREN_BENCH_DUMP"), mark)
			}
		}
		time.Sleep(100 * time.Millisecond)
		r.prog.Send(tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}) // resume
		time.Sleep(250 * time.Millisecond)
	}
}

// tapVolume pushes m messages through the open tap pane.
func (r *rig) tapVolume(m int) int64 {
	r.drained.Store(0)
	pch, _ := r.pub.Channel()
	defer pch.Close()
	for i := 0; i < m; i++ {
		must(pch.Publish("flood", "k", false, false, amqp.Publishing{Body: r.body}))
	}
	time.Sleep(3 * time.Second)
	return r.drained.Load()
}

// waitCount waits until c reaches want and says whether it did in time.
func waitCount(c *atomic.Int64, want int64, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for c.Load() < want {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

func must(err error) {
	if err != nil {
		fail("%v", err)
	}
}

// atExit removes the bench's vhost when fail ends the run.
var atExit func()

func fail(f string, args ...any) {
	fmt.Fprintf(os.Stderr, "warren-bench-live: "+f+"\n", args...)
	if atExit != nil {
		atExit()
	}
	os.Exit(1)
}

// countingStreamer counts what the pane drains from its feed.
type countingStreamer struct {
	ui.Streamer
	r *rig
}

func (s *countingStreamer) Tap(ctx context.Context, spec broker.TapSpec) (ui.LiveFeed, error) {
	f, err := s.Streamer.Tap(ctx, spec)
	if err != nil {
		return nil, err
	}
	return &countingFeed{LiveFeed: f, r: s.r}, nil
}

func (s *countingStreamer) Consume(ctx context.Context, spec broker.ConsumeSpec) (ui.LiveFeed, error) {
	f, err := s.Streamer.Consume(ctx, spec)
	if err != nil {
		return nil, err
	}
	return &countingFeed{LiveFeed: f, r: s.r}, nil
}

type countingFeed struct {
	ui.LiveFeed
	r *rig
}

func (f *countingFeed) Drain(max int) ([]message.Message, uint64, uint64) {
	b, d, t := f.LiveFeed.Drain(max)
	if len(b) > 0 {
		now := time.Now().UnixNano()
		f.r.firstDrain.CompareAndSwap(0, now)
		f.r.lastDrain.Store(now)
		f.r.drained.Add(int64(len(b)))
	}
	return b, d, t
}
