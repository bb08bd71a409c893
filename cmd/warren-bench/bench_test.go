package main

import (
	"slices"
	"testing"
	"time"
)

func TestStatusKB(t *testing.T) {
	status := "Name:\twarren-bench\nVmHWM:\t   40960 kB\nVmRSS:\t   17408 kB\nThreads:\t9\n"
	if n, ok := statusKB(status, "VmRSS"); !ok || n != 17408 {
		t.Fatalf("VmRSS = %d, %v", n, ok)
	}
	if n, ok := statusKB(status, "VmHWM"); !ok || n != 40960 {
		t.Fatalf("VmHWM = %d, %v", n, ok)
	}
	if _, ok := statusKB(status, "VmSwap"); ok {
		t.Fatal("missing key found")
	}
}

func TestListenInodes(t *testing.T) {
	table := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:3D7F 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 4242 1 0000000000000000 100 0 0 10 0
   1: 00000000:1628 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 5151 1 0000000000000000 100 0 0 10 0
   2: 0100007F:1628 0100007F:D2A4 01 00000000:00000000 00:00000000 00000000   999        0 6161 1 0000000000000000 20 4 30 10 -1
   3: 00000000:16228 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 7171 1 0000000000000000 100 0 0 10 0
`
	// Only the listening (0A) socket on 5672 = 0x1628; not the established
	// connection to it, not port 15672 = 0x3D7F, not a longer port number.
	if got := listenInodes([]byte(table), 5672); !slices.Equal(got, []uint64{5151}) {
		t.Fatalf("listenInodes = %v", got)
	}
	tcp6 := "  sl  local_address remote_address st tx_queue rx_queue tr tm->when retrnsmt uid timeout inode\n" +
		"   0: 00000000000000000000000000000000:1628 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 9393 1 0 100 0 0 10 0\n"
	if got := listenInodes([]byte(tcp6), 5672); !slices.Equal(got, []uint64{9393}) {
		t.Fatalf("tcp6: %v", got)
	}
}

func TestSocketInode(t *testing.T) {
	if n, ok := socketInode("socket:[5151]"); !ok || n != 5151 {
		t.Fatalf("got %d, %v", n, ok)
	}
	for _, bad := range []string{"pipe:[5151]", "/dev/null", "socket:[x]", "socket:[12"} {
		if _, ok := socketInode(bad); ok {
			t.Errorf("socketInode(%q) accepted", bad)
		}
	}
}

func TestPercentOfCore(t *testing.T) {
	if got := percentOfCore(300*time.Millisecond, 30*time.Second); got != 1 {
		t.Fatalf("got %v, want 1", got)
	}
	if got := percentOfCore(time.Second, 0); got != 0 {
		t.Fatalf("zero wall: %v", got)
	}
}

func TestThousandsMatchesTheListTitle(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 2000: "2,000", 50000: "50,000", 1234567: "1,234,567", -2000: "-2,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestBenchQueueNamesSortAsNumbered(t *testing.T) {
	names := benchQueueNames(1200)
	if !slices.IsSorted(names) || names[0] != "bench.q.000000" || names[1199] != "bench.q.001199" {
		t.Fatalf("names not in broker (name) order: %q … %q", names[0], names[len(names)-1])
	}
}

func TestMedianAndExtra(t *testing.T) {
	if got := median([]float64{3, 1, 2}); got != 2 {
		t.Fatalf("odd median %v", got)
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Fatalf("even median %v", got)
	}
	if got := median(nil); got != 0 {
		t.Fatalf("empty median %v", got)
	}
	if got := extra([]float64{5, 7, 9}, []float64{1, 2}); !slices.Equal(got, []float64{4, 5}) {
		t.Fatalf("extra = %v", got)
	}
}

func TestOwnerAlive(t *testing.T) {
	// Unreadable descriptions, other hosts and this very process are never
	// taken for a live concurrent run.
	for _, desc := range []string{"", "warren demo", "warren-bench pid=1 host=elsewhere.invalid", "warren-bench pid=x host=y"} {
		if ownerAlive(desc) {
			t.Errorf("ownerAlive(%q) = true", desc)
		}
	}
}

func TestScreenWatchSeesTextThroughEscapes(t *testing.T) {
	w := &screenWatch{want: []string{"2,000 queues", "bench.q.000000"}, painted: make(chan struct{})}
	_, _ = w.Write([]byte("\x1b[?1049h\x1b[H queues  loading…"))
	select {
	case <-w.painted:
		t.Fatal("painted before the rows came")
	default:
	}
	_, _ = w.Write([]byte("\x1b[2;10H\x1b[38;5;245m2,000 queues\x1b[m · page 1/50\x1b[4;1Hbench.q.000000"))
	select {
	case <-w.painted:
	default:
		t.Fatalf("not painted; saw %q", w.text())
	}
	if w.at.IsZero() || len(w.raw) != 0 {
		t.Fatal("paint time not kept, or output still buffered after paint")
	}
}

func TestSummarizeDropsABurstButKeepsPeriodicLoad(t *testing.T) {
	t0 := time.Unix(1000, 0)
	// Six 5 s slices at 1 % of a core (50 ms each), one hit by another
	// client's 4 s burst, and a short last slice when the window closed.
	cpu := []time.Duration{0, 50, 100, 4150, 4200, 4250, 4300, 4305}
	at := []time.Duration{0, 5, 10, 15, 20, 25, 30, 30}
	var samples []cpuSample
	for i := range cpu {
		samples = append(samples, cpuSample{at: t0.Add(at[i] * time.Second), cpu: cpu[i] * time.Millisecond})
	}
	samples[len(samples)-1].at = samples[len(samples)-1].at.Add(500 * time.Millisecond)
	l := summarize(samples)
	if l.Median != 1 {
		t.Fatalf("median = %v, want 1", l.Median)
	}
	if l.Mean < 14 || l.Mean > 14.2 {
		t.Fatalf("mean = %v, want the burst in it (~14.1)", l.Mean)
	}
	if got := summarize(samples[:1]); got != (load{}) {
		t.Fatalf("one sample: %+v", got)
	}
	if got := summarize([]cpuSample{samples[0], {at: t0.Add(time.Second), cpu: 10 * time.Millisecond}}); got.Median != got.Mean || got.Mean != 1 {
		t.Fatalf("no whole slice: %+v", got)
	}
}

func TestIsBenchVhostLeavesOthersAlone(t *testing.T) {
	ours := "warren-bench pid=123 host=vm"
	if !isBenchVhost(newVhostName(), ours) {
		t.Fatal("a vhost of ours is not recognised")
	}
	for _, c := range [][2]string{
		{"warren-bench-live-d4dddc48", ours},     // another tool's, same prefix
		{"warren-bench-0a1b2c3d", "warren demo"}, // our name pattern, not our description
		{"warren-bench-0A1B2C3D", ours},
		{"warren-bench-0a1b2c3d-x", ours},
		{"/", ours},
	} {
		if isBenchVhost(c[0], c[1]) {
			t.Errorf("isBenchVhost(%q, %q) = true", c[0], c[1])
		}
	}
}
