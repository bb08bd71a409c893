package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/mgmt"
)

// A slow fetch stretches the wait before the next poll to ten times the
// fetch, and the header's overview is polled less often than the list.
func TestSlowFetchStretchesThePoll(t *testing.T) {
	const refresh = 5 * time.Second
	a := New(Target{Source: demoFake(), API: "http://127.0.0.1:15672"}, Options{Refresh: refresh, Timeout: time.Second}, nil)
	a.c.now = func() time.Time { return fixedNow }
	a.debounce = time.Millisecond
	a.c.frame = time.Hour
	armed := map[int][]time.Duration{} // view id: the waits its polls were armed with
	a.c.tick = func(d time.Duration, f func(time.Time) tea.Msg) tea.Cmd {
		if d >= time.Second {
			if m, ok := f(fixedNow).(pollMsg); ok {
				armed[m.view] = append(armed[m.view], d)
			}
		}
		return testTick(d, f)
	}
	settle(t, a, a.Init(), size())
	lv := a.top().(*listView[mgmt.Queue])
	list, head := lv.id(), a.headerID()
	if w := armed[list]; len(w) == 0 || w[len(w)-1] != refresh {
		t.Fatalf("a quick list fetch should poll again at the refresh: %v", w)
	}
	if w := armed[head]; len(w) == 0 || w[len(w)-1] != headerSlower*refresh || headerSlower < 2 {
		t.Fatalf("the overview should be polled less often than the list (%v): %v", refresh, w)
	}

	// The list's fetch took 3 s: the next poll waits 30 s.
	page, err := demoFake().Queues(context.Background(), lv.opts)
	if err != nil {
		t.Fatal(err)
	}
	settle(t, a, fetchedMsg{view: list, gen: lv.poll.gen, data: page, took: 3 * time.Second})
	if w := armed[list]; w[len(w)-1] != 30*time.Second {
		t.Fatalf("a 3 s fetch should put the next poll 30 s away: %v", w)
	}
	// A slow overview stretches the header the same way.
	settle(t, a, fetchedMsg{view: head, gen: a.headPoll.gen, data: headerData{overview: a.header.overview}, took: 4 * time.Second})
	if w := armed[head]; w[len(w)-1] != 40*time.Second {
		t.Fatalf("a 4 s overview should put the next header poll 40 s away: %v", w)
	}
	// Quick again: back to the refresh.
	settle(t, a, fetchedMsg{view: list, gen: lv.poll.gen, data: page, took: 10 * time.Millisecond})
	if w := armed[list]; w[len(w)-1] != refresh {
		t.Fatalf("a quick fetch after a slow one should poll at the refresh again: %v", w)
	}
}

// fetchCmd measures how long its fetch ran.
func TestFetchCmdMeasuresTheFetch(t *testing.T) {
	m := fetchCmd(1, 1, time.Second, func(ctx context.Context) (any, error) {
		time.Sleep(30 * time.Millisecond)
		return nil, nil
	})().(fetchedMsg)
	if m.took < 30*time.Millisecond || m.took > 5*time.Second {
		t.Fatalf("took %v for a 30 ms fetch", m.took)
	}
}

// A sort by messages whose order the broker is still counting says so in
// the status bar, as news rather than a failure of the link.
func TestPendingSortIsAStatusNotALinkFailure(t *testing.T) {
	f := demoFake()
	a := newTestApp(f, Target{})
	settle(t, a, a.Init(), size())
	f.setFail(&mgmt.SortPendingError{Running: 3 * time.Second})
	settle(t, a, press("M"))
	if !strings.Contains(a.status, "counting every queue's messages") || a.statusErr {
		t.Fatalf("status %q (error %v)", a.status, a.statusErr)
	}
	if a.header.httpErr != nil {
		t.Fatalf("the link is fine: %v", a.header.httpErr)
	}
	f.setFail(nil)
	settle(t, a, press("ctrl+r"))
	if a.status != "" {
		t.Fatalf("the note should go once the page came: %q", a.status)
	}
}
