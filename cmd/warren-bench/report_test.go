package main

import "testing"

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
