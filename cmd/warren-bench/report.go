package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/warren-tui/warren/ui"
)

// results is everything one run measured.
type results struct {
	version    string
	brokerPIDs []int
	sizes      []*sizeResult
	// idlePair is warren's idle CPU beside a static Bubble Tea program's,
	// measured in turns in this run.
	idlePair *idlePair
	// emptyBaseline is the broker's CPU before any bench queue existed.
	emptyBaseline *load
	notes         []string
}

// sizeResult is the figures of one queue count; the broker slices hold
// one window per round.
type sizeResult struct {
	queues       int
	declareTime  time.Duration
	paints       []paintReport
	idles        []idleReport
	baselines    []load
	warrenBroker []load
	naiveBroker  []load
	naive        []naiveStats
	pulse        []pulseWindow
	readCosts    []readCost
}

// medians is each window's slice median: the figure the table uses.
func medians(ls []load) []float64 {
	out := make([]float64, len(ls))
	for i, l := range ls {
		out[i] = l.Median
	}
	return out
}

func newSizeResult(n int) *sizeResult { return &sizeResult{queues: n} }

// paintFigures are the median first paint (ms from program start), the
// median RSS after it and the highest peak RSS of all runs (MB).
func (s *sizeResult) paintFigures() (paintMS, rssMB, peakMB float64) {
	var ms, rss []float64
	for _, p := range s.paints {
		ms = append(ms, p.PaintMS)
		rss = append(rss, mb(p.RSSKB))
		peakMB = max(peakMB, mb(p.HWMKB))
	}
	return median(ms), median(rss), peakMB
}

func (s *sizeResult) paintRange() (lo, hi float64) {
	lo = s.paints[0].PaintMS
	for _, p := range s.paints {
		lo, hi = min(lo, p.PaintMS), max(hi, p.PaintMS)
	}
	return lo, hi
}

func (s *sizeResult) idleCPU() float64 {
	var xs []float64
	for _, i := range s.idles {
		xs = append(xs, i.CPUPercent)
	}
	return median(xs)
}

// extra is each round's load above that round's baseline.
func extra(load, base []float64) []float64 {
	var out []float64
	for i := range min(len(load), len(base)) {
		out = append(out, load[i]-base[i])
	}
	return out
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// verdict compares a figure with an upper bound.
func verdict(got, limit float64) string {
	if got < limit {
		return "meets"
	}
	return "MISSES"
}

// loadNoise is the smallest extra broker load (% of a core) told apart
// from the broker's own jitter between 5 s slices; below it a ratio would
// divide by noise.
const loadNoise = 0.05

// extraRatio is warren's extra broker load over the naive poller's, or
// why there is no ratio to give.
func extraRatio(warren, naive float64) string {
	switch {
	case naive < loadNoise:
		return fmt.Sprintf("n/a (the naive poller's extra load, %.2f %%, is within noise)", naive)
	case warren < loadNoise:
		return fmt.Sprintf("n/a (warren's extra load, %.2f %%, is within noise; the naive poller's is %.2f %%)", warren, naive)
	}
	return fmt.Sprintf("%.3f (%.1f times less)", warren/naive, naive/warren)
}

func (r *results) print(w io.Writer, cfg config) {
	fmt.Fprintf(w, "\nwarren-bench: RabbitMQ %s, broker pid(s) %v, %d CPUs, terminal %dx%d, frames drawn on change (at most %d a second), refresh 5s, windows of %s\n\n",
		r.version, r.brokerPIDs, runtime.NumCPU(), termWidth, termHeight, int(time.Second/ui.MinFrame), cfg.idle)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FIGURE\tMEASURED\tTARGET (README)\t")
	for i, s := range r.sizes {
		printSize(tw, s, i == 0)
		printPulse(tw, s, i == 0)
	}
	if r.idlePair != nil {
		r.idlePair.print(tw, floorFPS)
	}
	if r.emptyBaseline != nil {
		fmt.Fprintf(tw, "broker CPU before any bench queue existed\t%.2f %%\t(shared broker)\t\n", r.emptyBaseline.Median)
	}
	_ = tw.Flush()

	fmt.Fprintln(w, "\nDetails")
	for _, s := range r.sizes {
		r.printDetails(w, s)
		printPulseDetails(w, s)
	}
	fmt.Fprintln(w, "\nNotes")
	notes := append(slices.Clone(r.notes),
		"first paint = program start (before mgmt.New/ui.New) until the output written to the terminal holds the title \"<N> queues\" and the first row; \"exec\" counts from process start",
		"RSS and idle CPU are of a child process running only the UI (ui.New + mgmt client + tea.Program, no AMQP session); CPU is % of one core",
		"broker CPU = utime+stime of the node listening on the AMQP port (/proc), read every 5 s; each window's figure is the median of its 5 s slices (every slice holds one 5 s poll of warren or the naive poller, while other clients' bursts on the shared broker fall out); extra = window minus the same round's baseline",
		"the naive poller GETs every queue of the bench vhost with full stats, unpaged, every 5 s (an existing TUI lists all vhosts, which costs more)",
		"pulse windows: the same child idling on the queue list with the background pulse off (A) and on (B), A B then B A; the pulse reads seconds apart, so its figures are window means, not slice medians",
		"pulse read cost: mgmt.Client.Pulse as warren calls it, each read beside a quiet stretch as long (alternating which comes first); the cost is the median difference of the broker's CPU, and the load is that cost over warren's pace (max(refresh, 100 x the read's time))")
	for _, n := range notes {
		fmt.Fprintln(w, "  - "+n)
	}
}

// The README's targets ("Performance targets"), as printed and judged.
const (
	targetPaintSmallMS  = 100  // first paint, 2,000 queues
	targetPageLargeMS   = 1500 // first page sorted by messages, 50,000 queues
	targetRSSMB         = 100
	targetIdleCPU       = 0.3 // % of a core, warren itself
	targetExtraSmallCPU = 1.0 // the broker's extra CPU while warren idles, 2,000 queues
	targetExtraLargeCPU = 3.0 // the same, 50,000 queues
)

// printSize writes one queue count's rows; small is the 2,000-queue case,
// the others the 50,000-queue one. Every figure in the MEASURED column
// comes from this run; the TARGET column holds only the README's targets.
func printSize(tw io.Writer, s *sizeResult, small bool) {
	if len(s.paints) == 0 {
		return
	}
	n := thousands(s.queues)
	label, limit, extraLimit := "first paint", float64(targetPaintSmallMS), targetExtraSmallCPU
	if !small {
		label, limit, extraLimit = "first page", targetPageLargeMS, targetExtraLargeCPU
	}
	paint, rss, peak := s.paintFigures()
	lo, hi := s.paintRange()
	fmt.Fprintf(tw, "%s, %s queues (median of %d)\t%.0f ms (%.0f–%.0f)\t< %s ms\t%s\n", label, n, len(s.paints),
		paint, lo, hi, thousands(int(limit)), verdict(paint, limit))
	fmt.Fprintf(tw, "RSS after first page, %s queues\t%.1f MB (peak %.1f)\t< %d MB\t%s\n", n, rss, peak, targetRSSMB, verdict(peak, targetRSSMB))
	if len(s.idles) > 0 {
		fmt.Fprintf(tw, "warren idle CPU, %s queues\t%.2f %%\t< %.1f %% of a core\t%s\n", n, s.idleCPU(), targetIdleCPU, verdict(s.idleCPU(), targetIdleCPU))
	}
	if len(s.baselines) == 0 || len(s.warrenBroker) == 0 {
		return
	}
	bases, totals := medians(s.baselines), medians(s.warrenBroker)
	base, total, wx := median(bases), median(totals), median(extra(totals, bases))
	spread := ""
	if len(bases) > 1 {
		spread = fmt.Sprintf(" (rounds %.2f–%.2f)", slices.Min(bases), slices.Max(bases))
	}
	fmt.Fprintf(tw, "broker CPU, baseline, %s queues\t%.2f %%%s\t-\t\n", n, base, spread)
	fmt.Fprintf(tw, "broker CPU while warren idles, %s queues\t%.2f %% (extra %+.2f)\textra < %+.0f %% of a core\textra %s\n",
		n, total, wx, extraLimit, verdict(wx, extraLimit))
	if len(s.naiveBroker) > 0 {
		naive := medians(s.naiveBroker)
		nx := median(extra(naive, bases))
		fmt.Fprintf(tw, "broker CPU, naive poller, %s queues\t%.2f %% (extra %+.2f)\t(reference, same rounds)\t\n", n,
			median(naive), nx)
		fmt.Fprintf(tw, "extra broker load, warren / naive\t%s\t-\t\n", extraRatio(wx, nx))
	}
}

func (r *results) printDetails(w io.Writer, s *sizeResult) {
	fmt.Fprintf(w, "  %s queues: declared in %s (%.0f/s)\n", thousands(s.queues),
		s.declareTime.Round(100*time.Millisecond), float64(s.queues)/max(s.declareTime.Seconds(), 1e-9))
	var runs []string
	for _, p := range s.paints {
		runs = append(runs, fmt.Sprintf("%.0f ms (exec %.0f, first fetch %.0f, view ready %.0f)", p.PaintMS, p.FromExecMS, p.FetchMS, p.ViewMS))
	}
	if len(runs) > 0 {
		fmt.Fprintf(w, "    first paint runs: %s\n", strings.Join(runs, "; "))
	}
	for _, i := range s.idles {
		fmt.Fprintf(w, "    idle %.0f s: CPU %.2f %%, %d queue fetches (avg %.0f ms), %d overview fetches, %d updates, %d writes / %s bytes to the terminal; RSS after %.1f MB\n",
			i.Seconds, i.CPUPercent, i.QueueCalls, i.QueueMSAvg, i.OverviewCalls, i.Updates, i.Writes, thousands(int(i.Bytes)), mb(i.RSSKB))
	}
	for r := range s.baselines {
		if len(s.naiveBroker) == 0 {
			fmt.Fprintf(w, "    round %d broker CPU (median of 5 s slices / mean): baseline %s, warren idle %s\n", r+1,
				loadAt(s.baselines, r), loadAt(s.warrenBroker, r))
			continue
		}
		order := "baseline, warren idle, naive" // runSize alternates the last two
		if r%2 == 1 {
			order = "baseline, naive, warren idle"
		}
		fmt.Fprintf(w, "    round %d broker CPU (median of 5 s slices / mean; in the order %s): baseline %s, warren idle %s, naive %s\n", r+1,
			order, loadAt(s.baselines, r), loadAt(s.warrenBroker, r), loadAt(s.naiveBroker, r))
	}
	for _, st := range s.naive {
		fmt.Fprintf(w, "    naive poller: %d requests, avg %.0f ms, %.2f MB each\n", st.Requests, st.AvgMS, float64(st.AvgBytes)/(1<<20))
	}
}

func loadAt(ls []load, i int) string {
	if i >= len(ls) {
		return "-"
	}
	return fmt.Sprintf("%.2f/%.2f %%", ls[i].Median, ls[i].Mean)
}

func mb(kb int64) float64 { return float64(kb) / 1024 }
