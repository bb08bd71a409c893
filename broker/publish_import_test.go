package broker

import (
	"bytes"
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/warren-tui/warren/internal/brokertest"
	"github.com/warren-tui/warren/message"
)

// Dead letters saved to a JSON Lines file and imported back to their
// origin land in the queue each died in, not in the other queue bound to
// the same exchange and key; one without an origin, and every message sent
// where nothing is bound, is reported as not published.
func TestImportFromJSONL(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	ex, a, b, c := brokertest.Name("ex"), brokertest.Name("a"), brokertest.Name("b"), brokertest.Name("c")
	brokertest.DeclareExchange(t, vh, ex, "direct")
	for _, q := range []string{a, b, c} {
		brokertest.DeclareQueue(t, vh, q, "")
		brokertest.MustDo(t, "POST", "/api/bindings/"+brokertest.Esc(vh)+"/e/"+brokertest.Esc(ex)+"/q/"+brokertest.Esc(q),
			[]byte(`{"routing_key":"k"}`))
	}
	died := func(queue, body string) message.Message {
		return message.Message{Offset: -1, Body: []byte(body), Headers: map[string]any{
			"x-death": []any{map[string]any{"queue": queue, "exchange": ex, "routing-keys": []any{"k"},
				"reason": "rejected", "count": int64(1)}},
			"edited": "yes",
		}}
	}
	msgs := []message.Message{died(a, "1"), died(b, "2"), died(a, "3"), {Offset: -1, Body: []byte("lost")}}
	var file bytes.Buffer
	if err := message.WriteJSONL(&file, msgs); err != nil {
		t.Fatal(err)
	}
	read, err := message.ReadJSONL(&file)
	if err != nil {
		t.Fatal(err)
	}

	s := openTestSession(t, brokertest.URI())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := s.Import(ctx, ImportRequest{Vhost: vh, Target: ReturnToOrigin}, SliceSource(read), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Published != 3 || res.NoOrigin != 1 || res.Read != 4 || !reflect.DeepEqual(res.NotPublished, []int{3}) {
		t.Fatalf("result %+v", res)
	}
	conn := adminConn(t, vh)
	for q, want := range map[string][]string{a: {"1", "3"}, b: {"2"}, c: nil} {
		var got []string
		for _, d := range drain(t, conn, q, nil) {
			got = append(got, string(d.Body))
			if d.Headers["edited"] != "yes" {
				t.Errorf("%s: headers arrived as %v", q, d.Headers)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("queue %s got %q, want %q", q, got, want)
		}
	}

	nowhere := brokertest.Name("nowhere")
	brokertest.DeclareExchange(t, vh, nowhere, "direct")
	res, err = s.Import(ctx, ImportRequest{Vhost: vh, Target: ToExchange, Exchange: nowhere, RoutingKey: "k"}, SliceSource(read), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Published != 0 || res.Unroutable != 4 || len(res.NotPublished) != 4 {
		t.Fatalf("unroutable import: %+v", res)
	}
}

// Import reads its source one message at a time: a long stream arrives
// whole and in order, and a source that fails part way stops the import
// after what it had handed out, with the source's error.
func TestImportStreams(t *testing.T) {
	brokertest.Require(t)
	vh := brokertest.Vhost(t)
	q := brokertest.Name("stream-import")
	brokertest.DeclareQueue(t, vh, q, "")
	const n = 5000
	var file bytes.Buffer
	for i := range n {
		line, err := message.MarshalJSONL(message.Message{Offset: -1, Body: []byte(strconv.Itoa(i))})
		if err != nil {
			t.Fatal(err)
		}
		file.Write(line)
	}
	file.WriteString("not json\n")
	jr := message.NewJSONLReader(&file, 0)
	next := func() (message.Message, error) { m, _, err := jr.Next(); return m, err }

	s := openTestSession(t, brokertest.URI())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := s.Import(ctx, ImportRequest{Vhost: vh, Target: ToQueue, TargetQueue: q}, next, nil)
	if err == nil || !strings.Contains(err.Error(), "line 5001") {
		t.Fatalf("the bad last line: %v", err)
	}
	if res.Published != n || res.Read != n || len(res.NotPublished) != 0 {
		t.Fatalf("result %+v", res)
	}
	got := drain(t, adminConn(t, vh), q, nil)
	if len(got) != n {
		t.Fatalf("%d messages in the queue, want %d", len(got), n)
	}
	for i, d := range got {
		if string(d.Body) != strconv.Itoa(i) {
			t.Fatalf("message %d is %q: out of order", i, d.Body)
		}
	}
}
