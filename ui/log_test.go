package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// logBuffer collects a logger's JSON lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines are the records written so far, decoded.
func (l *logBuffer) lines(t *testing.T) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, rec)
	}
	return out
}

// find is the first record with msg.
func find(recs []map[string]any, msg string) map[string]any {
	for _, r := range recs {
		if r["msg"] == msg {
			return r
		}
	}
	return nil
}

// The log hears every write action with its outcome and every failed
// poll, with broker text escaped.
func TestLogHearsWritesAndFailures(t *testing.T) {
	a, _, _, _, _ := writeApp(t, false)
	var buf logBuffer
	a.c.opts.Log = slog.New(slog.NewJSONHandler(&buf, nil))
	selectQueue(t, a, "demo.orders.created")
	settle(t, a, press("P"))
	pv := a.top().(*publishView)
	pv.form.FocusOn("body")
	settle(t, a, typed(`{"id":7}`)...)
	settle(t, a, press("ctrl+s"))
	settle(t, a, fetchedMsg{view: a.headerID(), gen: a.headPoll.gen, err: errors.New("management API unreachable \x1b]8;;x\x07")})
	recs := buf.lines(t)
	pub := find(recs, "publish")
	if pub == nil || pub["outcome"] != "confirmed" || !strings.Contains(pub["summary"].(string), "confirmed and routed") {
		t.Fatalf("publish record: %v (all: %v)", pub, recs)
	}
	poll := find(recs, "poll failed")
	if poll == nil || poll["level"] != "WARN" || !strings.Contains(poll["err"].(string), `\x1b]8;;x\x07`) {
		t.Fatalf("poll record: %v", poll)
	}
}
