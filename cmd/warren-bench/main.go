// Command warren-bench measures warren's queue list against the targets
// in the README ("Performance targets"): first paint with 2,000 and
// 50,000 queues, the UI's RSS and idle CPU, and the broker's CPU while
// warren idles, beside a naive poller of the whole queue listing.
//
// It needs a RabbitMQ on this machine (the broker's CPU is read from
// /proc). Every queue lives in a throwaway vhost "warren-bench-<hex>",
// deleted at the end, on error and on ctrl+c; vhosts left by a killed run
// are deleted at the next start. It prints figures and never fails on
// them: timing is not a test.
//
//	go run ./cmd/warren-bench [--skip-large] [--idle 30s]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/warren-tui/warren/internal/procstat"
)

type config struct {
	uri, api    string
	small       int
	large       int
	skipLarge   bool
	idleOnly    bool
	skipSmall   bool
	idle        time.Duration
	paintRuns   int
	loadRounds  int
	quietBelow  float64
	amqpPort    int
	user, pass  string
	settleLimit time.Duration
	pulseRounds int
	pulseWindow time.Duration
	pulseReads  int
	onlyPulse   bool
}

func main() {
	var cfg config
	var child childArgs
	var childMode bool
	var spawned int64
	fs := flag.NewFlagSet("warren-bench", flag.ExitOnError)
	fs.StringVar(&cfg.uri, "uri", envOr("WARREN_URI", "amqp://guest:guest@127.0.0.1:5672/"), "AMQP URI of the broker (env WARREN_URI)")
	fs.StringVar(&cfg.api, "api", envOr("WARREN_API", "http://127.0.0.1:15672"), "management API URL (env WARREN_API)")
	fs.IntVar(&cfg.small, "queues-small", 2000, "queues in the small list (also used for the broker-load figures)")
	fs.IntVar(&cfg.large, "queues-large", 50000, "queues in the large list")
	fs.BoolVar(&cfg.skipLarge, "skip-large", false, "skip the large list")
	fs.BoolVar(&cfg.idleOnly, "idle-only", false, "measure only warren's idle CPU beside a static Bubble Tea program (A B B A, on the small list)")
	fs.BoolVar(&cfg.skipSmall, "skip-small", false, "skip the small list")
	fs.DurationVar(&cfg.idle, "idle", 30*time.Second, "length of each idle and broker-load window")
	fs.IntVar(&cfg.paintRuns, "paint-runs", 3, "first-paint runs per size (each a fresh process)")
	fs.Float64Var(&cfg.quietBelow, "quiet-below", 10, "before each round, wait (up to 3 min) until the shared broker uses less than this % of a core")
	fs.IntVar(&cfg.loadRounds, "load-rounds", 3, "rounds of baseline / warren idle / naive poller windows (medians are reported)")
	fs.IntVar(&cfg.pulseRounds, "pulse-rounds", 2, "rounds of the pulse comparison, each a list-alone and a pulse-on window (A B, then B A; 0 skips it)")
	fs.DurationVar(&cfg.pulseWindow, "pulse-window", 4*time.Minute, "length of each pulse comparison window (the pulse reads about once a minute at 2,000 queues)")
	fs.IntVar(&cfg.pulseReads, "pulse-reads", 20, "pulse reads timed one by one, each beside a quiet stretch (0 skips them)")
	fs.BoolVar(&cfg.onlyPulse, "only-pulse", false, "measure only the pulse: its cost at the small size, its sampling at the large")
	// The child side of the re-execution; not for people.
	fs.BoolVar(&childMode, "child", false, "")
	fs.BoolVar(&child.Floor, "child-floor", false, "")
	fs.BoolVar(&child.Pulse, "child-pulse", false, "")
	fs.StringVar(&child.Vhost, "child-vhost", "", "")
	fs.IntVar(&child.Queues, "child-queues", 0, "")
	fs.DurationVar(&child.Idle, "child-idle", 0, "")
	fs.Int64Var(&spawned, "child-spawned", 0, "")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: warren-bench [flags]\n\nPrints warren's queue-list performance figures beside the README's targets.\n\n")
		fs.VisitAll(func(f *flag.Flag) {
			if !strings.HasPrefix(f.Name, "child") {
				fmt.Fprintf(fs.Output(), "  --%-14s %s (default %s)\n", f.Name, f.Usage, f.DefValue)
			}
		})
	}
	_ = fs.Parse(os.Args[1:])
	if childMode {
		child.API, child.Spawned = cfg.api, time.Unix(0, spawned)
		runChild(child)
		return
	}
	if err := cfg.derive(); err != nil {
		fmt.Fprintln(os.Stderr, "warren-bench:", err)
		os.Exit(2)
	}
	// The first ctrl+c (or hang-up) cancels ctx; later ones are swallowed
	// so that the clean-up of a 50k-queue vhost is not cut short.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	signal.Ignore(syscall.SIGPIPE) // a closed pipe on our output must not skip the clean-up
	defer stop()
	if err := run(ctx, cfg); err != nil {
		if ctx.Err() != nil {
			err = errors.New("interrupted; the figures above are partial")
		}
		fmt.Fprintln(os.Stderr, "warren-bench:", err)
		stop()
		os.Exit(1)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// derive takes the credentials and AMQP port from the URI.
func (c *config) derive() error {
	u, err := url.Parse(c.uri)
	if err != nil || (u.Scheme != "amqp" && u.Scheme != "amqps") {
		return fmt.Errorf("--uri: want amqp://user:pass@host:5672/")
	}
	c.user, c.pass = "guest", "guest"
	if u.User != nil {
		c.user = u.User.Username()
		c.pass, _ = u.User.Password()
	}
	c.amqpPort = 5672
	if u.Scheme == "amqps" {
		c.amqpPort = 5671
	}
	if p := u.Port(); p != "" {
		c.amqpPort, _ = strconv.Atoi(p)
	}
	c.paintRuns = max(c.paintRuns, 1)
	c.loadRounds = max(c.loadRounds, 1)
	c.settleLimit = 2 * time.Minute
	return nil
}

// bench is one run: where the broker is and what was measured.
type bench struct {
	cfg    config
	admin  *admin
	broker *cpuMeter // nil when the broker's process is not visible here
	res    results
}

func run(ctx context.Context, cfg config) error {
	a, err := newAdmin(cfg.api, cfg.user, cfg.pass)
	if err != nil {
		return err
	}
	b := &bench{cfg: cfg, admin: a}
	version, apiPid := a.brokerVersion(ctx)
	if version == "" {
		return fmt.Errorf("management API at %s does not answer (is the broker up? try scripts/ensure-broker.sh)", cfg.api)
	}
	b.res.version = version
	b.findBroker(apiPid)
	if err := b.removeStale(ctx); err != nil {
		return err
	}
	defer b.res.print(os.Stdout, cfg)
	if cfg.idleOnly {
		return b.runSize(ctx, cfg.small, true)
	}
	if !cfg.onlyPulse {
		if err := b.emptyBaseline(ctx); err != nil {
			return err
		}
	}
	if !cfg.skipSmall {
		if err := b.runSize(ctx, cfg.small, true); err != nil {
			return err
		}
	}
	if !cfg.skipLarge { // no naive poller here: a full 50k listing every 5 s would swamp a shared broker
		return b.runSize(ctx, cfg.large, false)
	}
	return nil
}

// findBroker finds the node listening on the AMQP port, or failing that
// the pid the API reports, if that process is visible here.
func (b *bench) findBroker(apiPid int) {
	pids, err := listeningPIDs(b.cfg.amqpPort)
	if err != nil && apiPid > 0 {
		if s, serr := procstat.Read(apiPid); serr == nil && strings.HasPrefix(s.Comm, "beam") {
			pids, err = []int{apiPid}, nil
		}
	}
	if err != nil {
		b.res.notes = append(b.res.notes, "broker CPU not measured: "+err.Error())
		return
	}
	b.broker = &cpuMeter{pids: pids}
	b.res.brokerPIDs = pids
}

// removeStale deletes vhosts that an earlier, killed run left behind.
func (b *bench) removeStale(ctx context.Context) error {
	stale, err := b.admin.staleVhosts(ctx)
	if err != nil {
		return fmt.Errorf("listing vhosts: %w", err)
	}
	for _, v := range stale {
		logf("removing stale vhost %s left by an earlier run", v)
		if err := b.admin.deleteVhost(ctx, b.cfg.uri, v, nil, logf); err != nil {
			return err
		}
	}
	return nil
}

func firstError(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}
