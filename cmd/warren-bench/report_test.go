package main

import (
	"strings"
	"testing"
)

// No ratio is printed when either figure is within the broker's noise:
// dividing by a near-zero load would print a large, meaningless number.
func TestExtraRatioWithinNoise(t *testing.T) {
	for _, tc := range []struct {
		warren, naive float64
		want          string
	}{
		{0.01, 17, "n/a (warren's extra load, 0.01 %, is within noise; the naive poller's is 17.00 %)"},
		{0.3, 0.02, "n/a (the naive poller's extra load, 0.02 %, is within noise)"},
		{0.6, 17, "0.035 (28.3 times less)"},
	} {
		if got := extraRatio(tc.warren, tc.naive); got != tc.want {
			t.Errorf("extraRatio(%v, %v) = %q, want %q", tc.warren, tc.naive, got, tc.want)
		}
	}
}

// The table judges against the README's targets and prints no reference
// figure this run did not measure.
func TestPrintSizeUsesTheREADMETargets(t *testing.T) {
	at := func(pct float64) load { return load{Median: pct, Mean: pct} }
	small := &sizeResult{queues: 2000, paints: []paintReport{{PaintMS: 80, RSSKB: 40 << 10, HWMKB: 50 << 10}},
		idles:     []idleReport{{CPUPercent: 0.2}},
		baselines: []load{at(2)}, warrenBroker: []load{at(3.5)}, naiveBroker: []load{at(9)}}
	large := &sizeResult{queues: 50000, paints: []paintReport{{PaintMS: 1200, RSSKB: 60 << 10, HWMKB: 70 << 10}},
		idles:     []idleReport{{CPUPercent: 0.25}},
		baselines: []load{at(20)}, warrenBroker: []load{at(22)}}
	var b strings.Builder
	printSize(&b, small, true)
	printSize(&b, large, false)
	got := b.String()
	for _, want := range []string{
		"first paint, 2,000 queues (median of 1)\t80 ms (80–80)\t< 100 ms\tmeets",
		"warren idle CPU, 2,000 queues\t0.20 %\t< 0.3 % of a core\tmeets",
		"(extra +1.50)\textra < +1 % of a core\textra MISSES",
		"first page, 50,000 queues (median of 1)\t1200 ms (1200–1200)\t< 1,500 ms\tmeets",
		"(extra +2.00)\textra < +3 % of a core\textra meets",
		"broker CPU, naive poller, 2,000 queues\t9.00 % (extra +7.00)\t(reference, same rounds)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the table lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "17") || strings.Contains(got, "existing TUI") {
		t.Errorf("the table prints a reference this run did not measure:\n%s", got)
	}
}

// warren's idle CPU is printed beside the static program's, with both
// sides' turns and the ratio.
func TestIdlePairPrintsBothSidesAndTheRatio(t *testing.T) {
	p := &idlePair{queues: 2000,
		warren: []idleReport{{CPUPercent: 0.40}, {CPUPercent: 0.50}},
		static: []idleReport{{CPUPercent: 0.50}, {CPUPercent: 0.40}}}
	var b strings.Builder
	p.print(&b, 20)
	got := b.String()
	for _, want := range []string{
		"idle CPU, warren on 2,000 queues (A B B A, median of 2)\t0.45 % [0.40 0.50]\t< 0.3 % of a core\tMISSES",
		"idle CPU, static Bubble Tea v2 program at 20 fps (same turns)\t0.45 % [0.50 0.40]",
		"idle CPU, warren / static program\t1.00",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q:\n%s", want, got)
		}
	}
}
