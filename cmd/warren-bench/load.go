package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// naiveStats describes the reference poller's requests.
type naiveStats struct {
	Requests int
	AvgMS    float64
	AvgBytes int64
}

// naivePoll does what an existing management-API TUI does: every period,
// GET every queue of the vhost with full stats, unpaged, and read it all.
// A request still running when the next is due makes that one wait.
func (b *bench) naivePoll(ctx context.Context, vhost string, every time.Duration) (naiveStats, error) {
	var st naiveStats
	var total time.Duration
	var totalBytes int64
	finish := func() naiveStats {
		if st.Requests > 0 {
			st.AvgMS = float64(total.Milliseconds()) / float64(st.Requests)
			st.AvgBytes = totalBytes / int64(st.Requests)
		}
		return st
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		t := time.Now()
		n, err := b.admin.getAll(ctx, "/api/queues/"+esc(vhost))
		switch {
		case ctx.Err() != nil: // the window closed mid-request
			return finish(), nil
		case err != nil:
			return finish(), err
		}
		st.Requests++
		total += time.Since(t)
		totalBytes += n
		select {
		case <-tick.C:
		case <-ctx.Done():
			return finish(), nil
		}
	}
}

// getAll reads a whole answer and returns its size.
func (a *admin) getAll(ctx context.Context, path string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+path, nil)
	if err != nil {
		return 0, err
	}
	req.SetBasicAuth(a.user, a.pass)
	resp, err := a.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return n, err
}

// childRun is one child's reports; idle is nil when it did not idle.
type childResult struct {
	paint paintReport
	idle  *idleReport
	// broker is the broker's CPU while the child idled, nil if not measured.
	broker *load
}

// runChild re-executes this binary as a child running the UI on vhost,
// and measures the broker while it idles.
func (b *bench) runChild(ctx context.Context, vhost string, queues int, idle time.Duration, floor, withPulse bool) (childResult, error) {
	var res childResult
	self, err := os.Executable()
	if err != nil {
		return res, err
	}
	ctx, cancel := context.WithTimeout(ctx, paintTimeout+idle+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, self, "-child", "-api", b.admin.base, "-child-vhost", vhost,
		"-child-queues", fmt.Sprint(queues), "-child-idle", idle.String(),
		"-child-spawned", fmt.Sprint(time.Now().UnixNano()), fmt.Sprintf("-child-floor=%t", floor),
		fmt.Sprintf("-child-pulse=%t", withPulse))
	cmd.Env = append(os.Environ(), envUser+"="+b.admin.user, envPass+"="+b.admin.pass)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the bench
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return res, err
	}
	if err := cmd.Start(); err != nil {
		return res, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	var smp *sampler
	defer func() {
		if smp != nil { // left early: stop the sampler
			_, _ = smp.finish()
		}
	}()
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		var ev struct {
			Event string `json:"event"`
			Error string `json:"error"`
		}
		line := sc.Bytes()
		if json.Unmarshal(line, &ev) != nil {
			continue
		}
		switch ev.Event {
		case "painted":
			if err := json.Unmarshal(line, &res.paint); err != nil {
				return res, err
			}
			if idle <= 0 {
				return res, nil
			}
			if b.broker != nil && !floor {
				smp = b.startSampler()
			}
		case "idle":
			if smp != nil {
				l, err := smp.finish()
				smp = nil
				if err == nil {
					res.broker = &l
				}
			}
			var ir idleReport
			if err := json.Unmarshal(line, &ir); err != nil {
				return res, err
			}
			res.idle = &ir
			return res, nil
		case "error":
			return res, fmt.Errorf("child: %s", ev.Error)
		}
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	return res, fmt.Errorf("child ended without a report: %s", strings.TrimSpace(stderr.String()))
}

// waitQuiet waits, up to limit, for a 5 s stretch in which the broker
// uses less than below percent of a core: the broker is shared, and a
// window that starts in someone else's burst measures them, not us.
func (b *bench) waitQuiet(ctx context.Context, below float64, limit time.Duration) (bool, error) {
	deadline := time.Now().Add(limit)
	for {
		l, err := b.brokerWindow(ctx, 5*time.Second)
		if err != nil {
			return false, err
		}
		if pct := l.Mean; pct < below {
			return true, nil
		}
		if time.Now().After(deadline) {
			logf("  broker still busy (%.1f %% of a core) after %s; measuring anyway", l.Mean, limit)
			return false, nil
		}
		logf("  broker busy with other work (%.1f %% of a core); waiting for a lull…", l.Mean)
	}
}
