package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/warren-tui/warren/mgmt"
)

// VhostOverview totals one vhost of the fake broker, as the API does.
func (f *fakeSource) VhostOverview(_ context.Context, vhost string) (mgmt.Overview, error) {
	if err := f.enter(); err != nil {
		return mgmt.Overview{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.overview
	o.Queues, o.Exchanges, o.Connections, o.Consumers, o.Messages, o.Ready, o.Unacked = 0, 0, 0, 0, 0, 0, 0
	for _, q := range f.queues {
		if q.Vhost == vhost {
			o.Queues++
			o.Consumers += q.Consumers
			o.Messages, o.Ready, o.Unacked = o.Messages+q.Messages, o.Ready+q.Ready, o.Unacked+q.Unacked
		}
	}
	for _, x := range f.exchanges {
		if x.Vhost == vhost {
			o.Exchanges++
		}
	}
	return o, nil
}

// The header's totals follow the vhost chosen with :vhost, and go back
// to the cluster's with :vhost *.
func TestHeaderTotalsFollowTheVhost(t *testing.T) {
	f := demoFake()
	a := newTestApp(f, Target{})
	settle(t, a, a.Init(), size())
	header := func() string { return flat(strings.SplitN(screen(a), "\n", 3)[1]) }
	if got := header(); !strings.Contains(got, "queues 6") || !strings.Contains(got, "messages 1,580") {
		t.Fatalf("cluster totals: %s", got)
	}
	var want mgmt.Overview
	want, _ = f.VhostOverview(context.Background(), "demo.vhost")
	settle(t, a, press(":"))
	settle(t, a, typed("vhost demo.vhost")...)
	settle(t, a, press("enter"))
	if got := header(); !strings.Contains(got, "queues "+count(int64(want.Queues))+" ") || !strings.Contains(got, "messages "+count(want.Messages)+" ") {
		t.Fatalf("vhost demo.vhost totals should show %d queues and %d messages: %s", want.Queues, want.Messages, got)
	}
	settle(t, a, press(":"))
	settle(t, a, typed("vhost *")...)
	settle(t, a, press("enter"))
	if got := header(); !strings.Contains(got, "queues 6") {
		t.Fatalf("back to every vhost: %s", got)
	}
}
