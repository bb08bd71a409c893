package ui

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/mgmt"
)

// Contract tests for RabbitMQ 4.x, which this machine cannot run: a real
// mgmt.Client reads answers in the documented 4.x shapes
// (mgmt/testdata/rabbitmq4, built from the documentation and marked so;
// see its README) beside the recorded 3.10.8 overview, and each
// difference warren must handle is driven from the version they report.

const (
	recorded310Overview = "../mgmt/testdata/statsoff/overview.json" // recorded from 3.10.8
	documented4         = "../mgmt/testdata/rabbitmq4/"
)

func readFixture(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// contractAPI serves overview from overviewFile and the queue in
// queueFile, as a list of one and as its detail.
func contractAPI(t *testing.T, overviewFile, queueFile string) *mgmt.Client {
	t.Helper()
	overview := readFixture(t, overviewFile)
	overview = strings.Replace(overview, `"disable_stats": true`, `"disable_stats": false`, 1) // counts, not the stats-off path
	var queue string
	if queueFile != "" {
		queue = readFixture(t, queueFile)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/api/overview":
			_, _ = w.Write([]byte(overview))
		case r.URL.Path == "/api/whoami":
			_, _ = w.Write([]byte(`{"name":"guest","tags":["administrator"]}`))
		case strings.HasSuffix(r.URL.Path, "/bindings"):
			_, _ = w.Write([]byte(`[]`))
		case (r.URL.Path == "/api/queues" || r.URL.Path == "/api/queues/%2F" || r.URL.Path == "/api/queues//") && queue != "":
			_, _ = w.Write([]byte(`{"filtered_count":1,"item_count":1,"page":1,"page_count":1,"page_size":100,"total_count":1,"items":[` + queue + `]}`))
		case strings.HasPrefix(r.URL.Path, "/api/queues/") && queue != "":
			_, _ = w.Write([]byte(queue))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := mgmt.New(mgmt.Config{APIURL: srv.URL, Username: "guest", Password: "guest", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestContractVersionDetection(t *testing.T) {
	for _, tc := range []struct {
		file, version           string
		limit                   int
		requeue, qos, transient bool
		mirroring               bool
	}{
		{recorded310Overview, "3.10.8", -1, true, true, true, true},
		{documented4 + "documented-4.0-overview.json", "4.0.5", 20, true, true, true, false},
		{documented4 + "documented-4.0-overview-rebranded.json", "4.0.5", 20, true, true, true, false},
		{documented4 + "documented-4.2-overview.json", "4.2.1", 20, true, true, true, false},
		{documented4 + "documented-4.3-overview.json", "4.3.0", 20, false, false, false, false},
	} {
		c := contractAPI(t, tc.file, "")
		o, err := c.Overview(t.Context())
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		f := ops.VersionFeatures(o.RabbitMQVersion)
		if o.RabbitMQVersion != tc.version || !f.Known || f.DefaultDeliveryLimit != tc.limit || f.RequeueCounts != tc.requeue ||
			f.GlobalQoS != tc.qos || f.TransientNonExclusiveQueues != tc.transient || f.ClassicMirroring != tc.mirroring {
			t.Errorf("%s: version %q, features %+v", filepath.Base(tc.file), o.RabbitMQVersion, f)
		}
	}
}

// The delivery-limit gate: a quorum queue without an explicit limit has
// the broker's default (none on 3.x, 20 from 4.0); on 3.x and 4.0-4.2 a
// peek's requeue counts toward it, from 4.3 only a reject does.
func TestContractQuorumDeliveryLimitGate(t *testing.T) {
	for _, tc := range []struct {
		overview, queue string
		limit           int
		peekCounts      bool
	}{
		{recorded310Overview, "documented-4.x-queue-quorum-no-limit.json", -1, false}, // 3.x: no default limit
		{documented4 + "documented-4.0-overview.json", "documented-4.x-queue-quorum-no-limit.json", 20, true},
		{documented4 + "documented-4.2-overview.json", "documented-4.x-queue-quorum-no-limit.json", 20, true},
		{documented4 + "documented-4.3-overview.json", "documented-4.x-queue-quorum-no-limit.json", 20, false},
		{documented4 + "documented-4.2-overview.json", "documented-4.x-queue-quorum-policy-limit.json", 5, true},
		{documented4 + "documented-4.2-overview.json", "documented-4.x-queue-quorum-unlimited.json", -1, false},
	} {
		c := contractAPI(t, tc.overview, documented4+tc.queue)
		o, err := c.Overview(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		q, err := c.Queue(t.Context(), "/", "q")
		if err != nil {
			t.Fatal(err)
		}
		limit := deliveryLimit(q, o.RabbitMQVersion)
		req := ops.PeekRequest{Type: q.Type, DeliveryLimit: limit, RequeueFree: !ops.RequeueCounts(o.RabbitMQVersion)}
		if limit != tc.limit || req.RaisesDeliveryCount() != tc.peekCounts {
			t.Errorf("%s on %s: limit %d, a peek counts %v; want %d, %v", tc.queue, o.RabbitMQVersion, limit, req.RaisesDeliveryCount(), tc.limit, tc.peekCounts)
		}
	}
}

// The whole peek path on a documented 4.x broker: on 4.2 a quorum queue
// without an explicit limit is gated by the default of 20 (warren asks
// first); on 4.3 the same queue is peeked at once.
func TestContractQuorumPeekByVersion(t *testing.T) {
	for _, tc := range []struct {
		overview string
		asks     bool
	}{
		{"documented-4.2-overview.json", true},
		{"documented-4.3-overview.json", false},
	} {
		c := contractAPI(t, documented4+tc.overview, documented4+"documented-4.x-queue-quorum-no-limit.json")
		pk := &fakePeeker{msgs: []message.Message{deadLetter(1, "x")}}
		a := New(Target{Source: c, Peeker: pk, API: "http://127.0.0.1:15672"}, Options{Refresh: time.Hour, Timeout: 5 * time.Second}, nil)
		a.c.now = func() time.Time { return fixedNow }
		a.c.tick, a.c.frame = testTick, time.Hour
		settle(t, a, a.Init(), size())
		settle(t, a, press("p"))
		if _, ok := a.top().(*peekView); !ok {
			t.Fatalf("%s: p should open the peek, top %T:\n%s", tc.overview, a.top(), screen(a))
		}
		got := flat(screen(a))
		asked := strings.Contains(got, "delivery limit of 20") && strings.Contains(got, "y peek anyway")
		if asked != tc.asks {
			t.Fatalf("%s: asked %v, want %v:\n%s", tc.overview, asked, tc.asks, got)
		}
		if tc.asks {
			if pk.accepted() != 0 {
				t.Fatalf("%s: read before the question was answered", tc.overview)
			}
			continue
		}
		if req := pk.last(); !req.RequeueFree || req.DeliveryLimit != 20 || !strings.Contains(got, "order-1") {
			t.Fatalf("%s: peek %+v:\n%s", tc.overview, req, got)
		}
	}
}

// ha-* policy keys: deprecated on 3.x, without effect from 4.0, said so
// in the queue detail.
func TestContractClassicMirroringNotes(t *testing.T) {
	for _, tc := range []struct{ overview, want string }{
		{recorded310Overview, "ha-mode: classic queue mirroring: deprecated, removed in RabbitMQ 4.0"},
		{documented4 + "documented-4.0-overview.json", "ha-mode: no effect: classic queue mirroring was removed in RabbitMQ 4.0 (this is 4.0.5)"},
	} {
		c := contractAPI(t, tc.overview, documented4+"documented-4.x-queue-classic-ha-policy.json")
		o, err := c.Overview(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		q, err := c.Queue(t.Context(), "/", "legacy.mirrored")
		if err != nil {
			t.Fatal(err)
		}
		notes := strings.Join(versionNotes(q, o.RabbitMQVersion), "\n")
		if !strings.Contains(notes, tc.want) || !strings.Contains(notes, "ha-sync-mode:") || strings.Contains(notes, "message-ttl") {
			t.Errorf("%s: notes\n%s", o.RabbitMQVersion, notes)
		}
	}
}

// Transient non-exclusive queues: the declare form is durable unless one
// turns it off, and on 4.3 a transient queue is refused with the reason
// before anything is sent (the API cannot declare an exclusive queue).
func TestContractTransientQueues(t *testing.T) {
	a, _, adm, _, _ := writeApp(t, false)
	settle(t, a, press("ctrl+n"))
	dv := a.top().(*declareView)
	if !dv.form.Get("durable").On {
		t.Fatal("the declare form must start durable")
	}
	a.c.rabbitVersion = "4.3.0"
	settle(t, a, typed("scratch")...)
	dv.form.FocusOn("durable")
	settle(t, a, press("space"))
	settle(t, a, press("ctrl+s"))
	if !strings.Contains(flat(screen(a)), "refuses transient non-exclusive queues") || len(adm.specs) != 0 {
		t.Fatalf("4.3 must refuse a transient queue before sending:\n%s", screen(a))
	}
	for version, refused := range map[string]bool{"3.10.8": false, "4.2.1": false, "4.3.0": true, "v4.4.0": true, "": false} {
		if err := transientQueueCheck(false, version); (err != nil) != refused {
			t.Errorf("transient on %q: %v", version, err)
		}
		if err := transientQueueCheck(true, version); err != nil {
			t.Errorf("durable on %q: %v", version, err)
		}
	}
}
