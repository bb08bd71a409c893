package ui

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/mgmt"
)

// fakePeeker serves fixed messages and records the requests it got. Where
// a read raises delivery counts (a quorum queue) it keeps each message's
// count as the broker does: shown in x-delivery-count, raised by 1 when
// the message goes back, and the message dropped once its count passes
// the limit. Like the broker, a quorum read returns only its page.
type fakePeeker struct {
	mu      sync.Mutex
	msgs    []message.Message
	counts  []int64
	dropped int
	reqs    []ops.PeekRequest
}

func (p *fakePeeker) Peek(_ context.Context, req ops.PeekRequest) (ops.PeekResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reqs = append(p.reqs, req)
	if req.RaisesDeliveryCount() && !req.AcceptRisk {
		return ops.PeekResult{}, &ops.DeliveryLimitRiskError{Vhost: req.Vhost, Queue: req.Queue, Limit: req.DeliveryLimit}
	}
	n := min(req.Skip+req.Count, len(p.msgs))
	res := ops.PeekResult{
		Messages: append([]message.Message(nil), p.msgs[:n]...), QueueType: req.Type, Took: 3 * time.Millisecond,
		Effect: "returned to the queue in order, now marked redelivered", Taken: n, More: n < len(p.msgs),
	}
	if req.Type == ops.QueueQuorum {
		p.charge(req, &res)
	} else { // like the broker, a read returns only the page past Skip
		res.Messages = res.Messages[min(req.Skip, n):]
	}
	return res, nil
}

// charge shows each read message with its count, raises the counts and
// drops what passed the limit.
func (p *fakePeeker) charge(req ops.PeekRequest, res *ops.PeekResult) {
	for len(p.counts) < len(p.msgs) {
		p.counts = append(p.counts, 0)
	}
	var keptMsgs []message.Message
	var keptCounts []int64
	for i, m := range p.msgs {
		if i < res.Taken {
			shown := m
			shown.Position = i + 1
			shown.Headers = map[string]any{}
			for k, v := range m.Headers {
				shown.Headers[k] = v
			}
			if p.counts[i] > 0 {
				shown.Headers["x-delivery-count"] = p.counts[i]
			}
			res.Messages[i] = shown
			p.counts[i]++
			if req.DeliveryLimit >= 0 && p.counts[i] > int64(req.DeliveryLimit) {
				res.OverLimit++
				p.dropped++
				continue
			}
		}
		keptMsgs, keptCounts = append(keptMsgs, m), append(keptCounts, p.counts[i])
	}
	p.msgs, p.counts = keptMsgs, keptCounts
	res.Messages = append([]message.Message(nil), res.Messages[min(req.Skip, len(res.Messages)):]...)
}

// accepted counts the reads that ran with the risk accepted.
func (p *fakePeeker) accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, r := range p.reqs {
		if r.AcceptRisk {
			n++
		}
	}
	return n
}

func (p *fakePeeker) last() ops.PeekRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reqs[len(p.reqs)-1]
}

var fixedTS = time.Date(2026, 11, 26, 11, 59, 0, 0, time.UTC)

func deadLetter(i int, body string) message.Message {
	return message.Message{
		Vhost: "/", Queue: "demo.orders.dlq", Position: i, Offset: -1, Exchange: "demo.dlx", RoutingKey: "order.created", Redelivered: true,
		Properties: message.Properties{ContentType: "application/json", DeliveryMode: 2, MessageID: "order-" + string(rune('0'+i)), Timestamp: fixedTS, AppID: "shop"},
		Headers: map[string]any{
			"x-death": []any{map[string]any{"reason": "rejected", "queue": "demo.orders.created", "exchange": "demo.orders",
				"routing-keys": []any{"order.created"}, "count": int64(1), "time": fixedTS}},
			"x-first-death-reason": "rejected", "x-first-death-queue": "demo.orders.created", "x-first-death-exchange": "demo.orders",
			"tenant": map[string]any{"id": int32(7), "tags": []any{"eu", "vip"}},
		},
		Body: []byte(body),
	}
}

func peekApp(t *testing.T, pk *fakePeeker) *App {
	f := demoFake()
	a := newTestApp(f, Target{Peeker: pk})
	a.c.target.Peeker = pk
	settle(t, a, a.Init(), size())
	return a
}

func openPeek(t *testing.T, a *App, filter string) {
	t.Helper()
	settle(t, a, press("/"))
	settle(t, a, typed(filter)...)
	settle(t, a, press("enter"))
	settle(t, a, press("p"))
	if _, ok := a.top().(*peekView); !ok {
		t.Fatalf("p should open the peek list, top is %T", a.top())
	}
}

func TestPeekListGolden(t *testing.T) {
	pk := &fakePeeker{}
	for i := 1; i <= 3; i++ {
		pk.msgs = append(pk.msgs, deadLetter(i, `{"order":`+string(rune('0'+i))+`,"total":12.50,"items":["book"]}`))
	}
	a := peekApp(t, pk)
	openPeek(t, a, "dlq")
	req := pk.last()
	if req.Queue != "demo.orders.dlq" || req.Type != "classic" || req.DeliveryLimit != -1 || req.Count != 50 {
		t.Fatalf("peek request = %+v", req)
	}
	got := screen(a)
	for _, want := range []string{"returned to the queue in order, now marked redelivered", "rejected · demo.", "order-1", "application/json"} {
		if !strings.Contains(got, want) {
			t.Errorf("peek list lacks %q", want)
		}
	}
	golden.RequireEqual(t, got)
}

// flat is the screen's text with every run of spaces and line breaks as
// one space, for sentences that wrap.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// later moves the test clock on by d.
func later(a *App, d time.Duration) {
	now := a.c.now()
	a.c.now = func() time.Time { return now.Add(d) }
}

func TestQuorumPeekAsksFirst(t *testing.T) {
	pk := &fakePeeker{msgs: []message.Message{deadLetter(1, "x")}}
	a := peekApp(t, pk)
	openPeek(t, a, "payments") // quorum, x-delivery-limit 3
	got := flat(screen(a))
	for _, want := range []string{"delivery limit of 3", "This peek reads up to 50 messages (the queue reports 5 ready)",
		"up to 50 messages whose delivery counts warren does not know", "y peek anyway, this once"} {
		if !strings.Contains(got, want) {
			t.Fatalf("a limited quorum queue should ask before peeking, saying %q:\n%s", want, got)
		}
	}
	if pk.accepted() != 0 {
		t.Fatal("peeked with the risk accepted before anyone said yes")
	}
	// The question opened after a fetch: a y typed at once is type-ahead.
	settle(t, a, press("y"))
	if pk.accepted() != 0 {
		t.Fatal("a y pressed as the question opened answered it")
	}
	later(a, time.Second)
	settle(t, a, press("y"))
	if req := pk.last(); !req.AcceptRisk || req.DeliveryLimit != 3 {
		t.Fatalf("after y: %+v", req)
	}
	if !strings.Contains(screen(a), "order-1") {
		t.Fatal("after y the messages should show")
	}
}

// acceptPeek answers the delivery-limit question with y.
func acceptPeek(t *testing.T, a *App) {
	t.Helper()
	if !strings.Contains(screen(a), "y peek anyway") {
		t.Fatalf("expected the delivery-limit question:\n%s", screen(a))
	}
	later(a, time.Second)
	settle(t, a, press("y"))
}

// Every read of a limited quorum queue is its own decision: ctrl+r and n
// ask again with what warren now knows of the counts, and coming back from
// the inspector shows what was read without reading again. With a limit
// of 3 and 5 messages, the walk that used to drop them all drops none.
func TestQuorumPeekAsksForEveryRead(t *testing.T) {
	pk := &fakePeeker{}
	for i := 1; i <= 5; i++ {
		pk.msgs = append(pk.msgs, deadLetter(i, "x"))
	}
	a := peekApp(t, pk)
	openPeek(t, a, "payments")
	acceptPeek(t, a) // counts 0 -> 1
	for range 3 {
		settle(t, a, press("enter")) // inspect
		settle(t, a, press("esc"))   // back: no read
	}
	if n := pk.accepted(); n != 1 || pk.dropped != 0 {
		t.Fatalf("going back read the queue: %d accepted reads, %d dropped", n, pk.dropped)
	}
	if got := flat(screen(a)); !strings.Contains(got, "Showing the read of 12:00:01") || !strings.Contains(got, "ctrl+r reads again (asks first)") {
		t.Fatalf("coming back should say the list is the earlier read:\n%s", got)
	}
	settle(t, a, press("ctrl+r"))
	if got := flat(screen(a)); !strings.Contains(got, "none of the 5 messages warren showed last time passes the limit; the highest count after this read is 2") ||
		!strings.Contains(got, "up to 45 messages whose delivery counts warren does not know") {
		t.Fatalf("ctrl+r should ask again with the known counts:\n%s", got)
	}
	acceptPeek(t, a) // counts 1 -> 2
	settle(t, a, press("ctrl+r"))
	if got := flat(screen(a)); !strings.Contains(got, "none of the 5 messages warren showed last time passes the limit; the highest count after this read is 3") {
		t.Fatalf("second ctrl+r:\n%s", got)
	}
	acceptPeek(t, a) // counts 2 -> 3: at the limit, still kept
	settle(t, a, press("ctrl+r"))
	if got := flat(screen(a)); !strings.Contains(got, "5 of the 5 messages warren showed last time would pass the limit and be dropped or dead-lettered") {
		t.Fatalf("a read that drops should say how many:\n%s", got)
	}
	settle(t, a, press("esc")) // decline
	if pk.accepted() != 3 || pk.dropped != 0 || len(pk.msgs) != 5 {
		t.Fatalf("after declining: %d reads, %d dropped, %d left", pk.accepted(), pk.dropped, len(pk.msgs))
	}
}

// n on a limited quorum queue asks too.
func TestQuorumPeekMoreAsks(t *testing.T) {
	pk := &fakePeeker{}
	for i := 1; i <= 60; i++ {
		pk.msgs = append(pk.msgs, deadLetter(i, "x"))
	}
	a := peekApp(t, pk)
	openPeek(t, a, "payments")
	acceptPeek(t, a)
	settle(t, a, press("n"))
	if pk.accepted() != 1 {
		t.Fatal("n read on without asking")
	}
	if got := flat(screen(a)); !strings.Contains(got, "This peek reads up to 100 messages") ||
		!strings.Contains(got, "none of the 50 messages warren showed last time") ||
		!strings.Contains(got, "up to 50 messages whose delivery counts warren does not know") {
		t.Fatalf("n should ask with the numbers:\n%s", got)
	}
}

// Read-only mode never peeks a queue where that raises counts toward a
// limit: it says why and what would work, and offers no y.
func TestQuorumPeekReadOnlyRefuses(t *testing.T) {
	pk := &fakePeeker{msgs: []message.Message{deadLetter(1, "x")}}
	a := newTestApp(demoFake(), Target{Peeker: pk, ReadOnly: true})
	settle(t, a, a.Init(), size())
	openPeek(t, a, "payments")
	later(a, time.Second)
	settle(t, a, press("y"))
	got := flat(screen(a))
	if pk.accepted() != 0 || strings.Contains(got, "y peek anyway") ||
		!strings.Contains(got, "read-only mode does not peek or browse it") || !strings.Contains(got, "without --read-only") {
		t.Fatalf("read-only should refuse (%d accepted reads):\n%s", pk.accepted(), got)
	}
}

// A classic queue costs nothing to read again, so coming back re-reads it.
func TestClassicPeekReadsAgainOnReturn(t *testing.T) {
	pk := &fakePeeker{msgs: []message.Message{deadLetter(1, "x")}}
	a := peekApp(t, pk)
	openPeek(t, a, "dlq")
	settle(t, a, press("enter"))
	settle(t, a, press("esc"))
	if n := len(pk.reqs); n != 2 {
		t.Fatalf("%d reads, want 2", n)
	}
}

func TestPeekMoreAndMarkAndExport(t *testing.T) {
	pk := &fakePeeker{}
	for i := 1; i <= 60; i++ {
		pk.msgs = append(pk.msgs, deadLetter(i, "body"))
	}
	a := peekApp(t, pk)
	openPeek(t, a, "dlq")
	pv := a.top().(*peekView)
	if len(pv.msgs) != 50 {
		t.Fatalf("first peek shows %d, want 50", len(pv.msgs))
	}
	settle(t, a, press("n"))
	if req := pk.last(); req.Skip != 50 || len(pv.msgs) != 60 {
		t.Fatalf("n: request %+v, showing %d", req, len(pv.msgs))
	}
	// n keeps what was shown and adds the next page below it, in order.
	for i, m := range pv.msgs {
		if m.Properties.MessageID != pk.msgs[i].Properties.MessageID {
			t.Fatalf("after n row %d is %q, want %q", i, m.Properties.MessageID, pk.msgs[i].Properties.MessageID)
		}
	}
	settle(t, a, press(" "), press(" "))
	if len(pv.marked) != 2 {
		t.Fatalf("space should mark: %v", pv.marked)
	}
	dir := t.TempDir()
	var wrote string
	pv.exports = func(path string, msgs []message.Message) error {
		wrote = filepath.Join(dir, path)
		return writeExport(wrote, msgs)
	}
	settle(t, a, press("e"))
	if !strings.Contains(a.status, "exported 2 messages") {
		t.Fatalf("status = %q", a.status)
	}
	f, err := os.Open(wrote)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	back, err := message.ReadJSONL(f)
	if err != nil || len(back) != 2 || back[0].Properties.MessageID != pk.msgs[0].Properties.MessageID {
		t.Fatalf("export read back: %d messages, %v", len(back), err)
	}
	if _, ok := back[0].Headers["tenant"].(map[string]any)["id"].(int32); !ok {
		t.Fatal("export lost a header's AMQP type")
	}
}

func inspect(t *testing.T, m message.Message) *App {
	t.Helper()
	pk := &fakePeeker{msgs: []message.Message{m}}
	a := peekApp(t, pk)
	openPeek(t, a, "dlq")
	settle(t, a, press("enter"))
	if _, ok := a.top().(*inspector); !ok {
		t.Fatalf("enter should open the inspector, top is %T", a.top())
	}
	return a
}

func TestInspectorJSONGolden(t *testing.T) {
	a := inspect(t, deadLetter(1, `{"order":1042,"customer":{"name":"Ada","vip":true},"total":12.50,"note":null}`))
	got := screen(a)
	for _, want := range []string{"rejected in queue demo.orders.created", "origin: queue demo.orders.created", `"customer": {`, "tenant", "int32"} {
		if !strings.Contains(got, want) {
			t.Errorf("inspector lacks %q", want)
		}
	}
	golden.RequireEqual(t, got)
}

func TestInspectorGzipGolden(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(`{"compressed":true,"n":[1,2,3]}`))
	zw.Close()
	m := deadLetter(1, "")
	m.Body, m.Properties.ContentEncoding = buf.Bytes(), "gzip"
	a := inspect(t, m)
	got := screen(a)
	if !strings.Contains(got, "gzip") || !strings.Contains(got, `"compressed": true`) {
		t.Fatalf("gzip body should be decoded and said so:\n%s", got)
	}
	golden.RequireEqual(t, got)
}

func TestInspectorBinaryGolden(t *testing.T) {
	m := deadLetter(1, "")
	m.Body = []byte{0x00, 0x01, 0x02, 0xff, 0xfe, 'h', 'i', 0x1b, '[', '2', 'J', 0x7f, 0x80}
	m.Properties.ContentType = "application/octet-stream"
	a := inspect(t, m)
	got := screen(a)
	if !strings.Contains(got, "00 01 02 ff fe 68 69 1b") {
		t.Fatalf("binary should show as hex:\n%s", got)
	}
	golden.RequireEqual(t, got)
}

func TestInspectorUTF8Golden(t *testing.T) {
	m := deadLetter(1, "Grüße aus Köln — 東京 ✓\nline two\ttabbed")
	m.Properties.ContentType = "text/plain; charset=utf-8"
	a := inspect(t, m)
	got := screen(a)
	if !strings.Contains(got, "Grüße aus Köln — 東京 ✓") {
		t.Fatalf("UTF-8 text should show as is:\n%s", got)
	}
	golden.RequireEqual(t, got)
}

func TestInspectorHugeBodyPagesAndSearches(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 1<<20; i++ {
		b.WriteString(`{"line":` + strings.Repeat("7", i%13+1) + `,"text":"lorem ipsum dolor sit amet"}` + "\n")
	}
	b.WriteString("needle-at-the-end\n")
	m := deadLetter(1, b.String())
	m.Properties.ContentType = "text/plain"
	a := inspect(t, m)
	in := a.top().(*inspector)
	settle(t, a, press("G"))
	if got := screen(a); !strings.Contains(got, "needle-at-the-end") {
		t.Fatal("G should reach the end of a 1 MiB body")
	}
	settle(t, a, press("g"), press("/"))
	settle(t, a, typed("needle")...)
	settle(t, a, press("enter"))
	if len(in.matches) != 1 || !strings.Contains(screen(a), "needle-at-the-end") {
		t.Fatalf("search: %d matches", len(in.matches))
	}
	settle(t, a, press("v"), press("v")) // pretty → raw → hex
	if !strings.Contains(screen(a), "view hex") {
		t.Fatal("v should cycle to hex")
	}
	golden.RequireEqual(t, screen(a))
}

func TestInspectorCopiesWithOSC52(t *testing.T) {
	a := inspect(t, deadLetter(1, `{"a":1}`))
	_, cmd := a.Update(press("y"))
	if cmd == nil {
		t.Fatal("y should return a clipboard command")
	}
	settle(t, a, cmd)
	if !strings.Contains(a.status, "copied") {
		t.Fatalf("status = %q", a.status)
	}
}

func TestParseStreamFrom(t *testing.T) {
	now := fixedNow
	cases := map[string]ops.StreamFrom{
		"first": {Kind: ops.StreamFirst}, "": {Kind: ops.StreamFirst}, "LAST": {Kind: ops.StreamLast},
		"next": {Kind: ops.StreamNext}, "1234": {Kind: ops.StreamOffset, Offset: 1234},
		"2026-11-26T10:00:00Z": {Kind: ops.StreamTime, Time: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)},
		"10m":                  {Kind: ops.StreamTime, Time: now.Add(-10 * time.Minute)},
	}
	for in, want := range cases {
		got, err := parseStreamFrom(in, now)
		if err != nil || got.Kind != want.Kind || got.Offset != want.Offset || !got.Time.Equal(want.Time) {
			t.Errorf("parseStreamFrom(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"-5", "yesterday", "10x"} {
		if _, err := parseStreamFrom(bad, now); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestStreamPeekFromCommand(t *testing.T) {
	pk := &fakePeeker{msgs: []message.Message{deadLetter(1, "e")}}
	a := peekApp(t, pk)
	openPeek(t, a, "events")
	if req := pk.last(); req.Type != "stream" || req.From.Kind != ops.StreamFirst {
		t.Fatalf("a stream peek starts at first: %+v", req)
	}
	settle(t, a, press(":"))
	settle(t, a, typed("from 42")...)
	settle(t, a, press("enter"))
	if req := pk.last(); req.From.Kind != ops.StreamOffset || req.From.Offset != 42 {
		t.Fatalf(":from 42 sent %+v", req.From)
	}
	if !strings.Contains(screen(a), "from offset 42") {
		t.Fatal("the title should say where the stream peek starts")
	}
	settle(t, a, press(":"))
	settle(t, a, typed("from soon")...)
	settle(t, a, press("enter"))
	if !a.statusErr || !strings.Contains(a.status, "stream start") {
		t.Fatalf("a bad start should be explained: %q", a.status)
	}
}

// With the management API down, a classic queue is still peeked as the
// list showed it, saying so; a quorum queue is not, since its delivery
// limit is unknown.
func TestPeekWithTheAPIDown(t *testing.T) {
	for _, tc := range []struct {
		filter, want string
		reads        int
	}{
		{"dlq", "read it as the classic queue the list showed", 1},
		{"payments", "cannot read the delivery limit of quorum queue \"demo.payments\", so warren does not peek it", 0},
	} {
		pk := &fakePeeker{msgs: []message.Message{deadLetter(1, "x")}}
		f := demoFake()
		a := newTestApp(f, Target{Peeker: pk})
		settle(t, a, a.Init(), size())
		settle(t, a, press("/"))
		settle(t, a, typed(tc.filter)...)
		settle(t, a, press("enter"))
		f.mu.Lock()
		f.fail = errors.New("management API at http://127.0.0.1:15672 is unreachable")
		f.mu.Unlock()
		settle(t, a, press("p"))
		if got := flat(screen(a)); !strings.Contains(got, tc.want) || len(pk.reqs) != tc.reads {
			t.Fatalf("%s: %d reads, screen:\n%s", tc.filter, len(pk.reqs), got)
		}
		// The listed type is old news: the broker is asked to check it.
		if tc.reads > 0 && !pk.reqs[0].TypeUnchecked {
			t.Fatalf("%s: peeked as the list's %s without asking the broker to check it", tc.filter, pk.reqs[0].Type)
		}
	}
}

// flakyPeeker fails its first peek, as during an outage.
type flakyPeeker struct {
	fakePeeker
	failed bool
}

func (p *flakyPeeker) Peek(ctx context.Context, req ops.PeekRequest) (ops.PeekResult, error) {
	if !p.failed {
		p.failed = true
		return ops.PeekResult{}, errors.New("AMQP port unreachable: connection refused")
	}
	return p.fakePeeker.Peek(ctx, req)
}

// A peek that failed while the link was down reads again once it is up.
func TestFailedPeekRetriesWhenTheLinkIsBack(t *testing.T) {
	pk := &flakyPeeker{fakePeeker: fakePeeker{msgs: []message.Message{deadLetter(1, "x")}}}
	a := newTestApp(demoFake(), Target{Peeker: pk})
	settle(t, a, a.Init(), size())
	settle(t, a, LinkMsg{State: ops.LinkDown, Err: errors.New("AMQP port unreachable")})
	openPeek(t, a, "dlq")
	if !strings.Contains(screen(a), "cannot peek") {
		t.Fatalf("the first peek should fail:\n%s", screen(a))
	}
	settle(t, a, LinkMsg{State: ops.LinkUp})
	if got := screen(a); !strings.Contains(got, "order-1") || len(pk.reqs) != 1 {
		t.Fatalf("the peek should have run again (%d good reads):\n%s", len(pk.reqs), got)
	}
}

// A message the AMQP client could not decode shows in its place, saying
// what was refused, escaped; the inspector says so above everything.
func TestPeekShowsUndecodableRow(t *testing.T) {
	bad := deadLetter(2, "deep")
	bad.Undecodable = `amqp091-go cannot read it: header "a.` + "\x1b]8;;http://x\x07" + `" is nested 33 deep`
	bad.ViaAPI = true
	pk := &fakePeeker{msgs: []message.Message{deadLetter(1, "x"), bad, {Position: 3, Offset: -1, Undecodable: ops.UndecodableReason}}}
	a := peekApp(t, pk)
	openPeek(t, a, "dlq")
	got := screen(a)
	if strings.Count(got, "⚠ undecodable") != 2 {
		t.Fatalf("undecodable rows not shown:\n%s", got)
	}
	settle(t, a, press("down"), press("enter"))
	got = flat(screen(a))
	if !strings.Contains(got, "UNDECODABLE amqp091-go cannot read it") || !strings.Contains(got, "read through the management API") ||
		strings.Contains(got, "\x1b]8") || !strings.Contains(got, `\x1b]8;;http://x\x07`) {
		t.Fatalf("inspector should say why, escaped:\n%s", got)
	}
}

// The delivery limit is combined from argument and policy as the broker
// does: the larger when either is negative (no limit), else the smaller.
func TestDeliveryLimitAsTheBrokerWorksItOut(t *testing.T) {
	q := func(arg, pol any) mgmt.QueueDetail {
		d := mgmt.QueueDetail{Queue: mgmt.Queue{Type: ops.QueueQuorum, Arguments: map[string]any{}}, EffectivePolicy: map[string]any{}}
		if arg != nil {
			d.Arguments["x-delivery-limit"] = arg
		}
		if pol != nil {
			d.EffectivePolicy["delivery-limit"] = pol
		}
		return d
	}
	for _, tc := range []struct {
		arg, pol any
		version  string
		want     int
	}{
		{-1.0, 5.0, "3.10.8", 5}, // the policy's limit holds: no question skipped
		{50.0, 5.0, "3.10.8", 5},
		{5.0, 50.0, "3.10.8", 5},
		{-1.0, nil, "3.10.8", -1},
		{nil, 7.0, "3.10.8", 7},
		{nil, nil, "3.10.8", -1},
		{nil, nil, "4.1.0", 20},
		{"many", nil, "3.10.8", -1}, // not a number: ignored
	} {
		if got := deliveryLimit(q(tc.arg, tc.pol), tc.version); got != tc.want {
			t.Errorf("argument %v, policy %v on %s: limit %d, want %d", tc.arg, tc.pol, tc.version, got, tc.want)
		}
	}
	if got := deliveryLimit(mgmt.QueueDetail{Queue: mgmt.Queue{Type: ops.QueueClassic}}, "3.10.8"); got != -1 {
		t.Errorf("classic: %d", got)
	}
}

// A y answers the question that was shown: if the queue's limit changed
// before the read, the read asks again instead of going ahead.
func TestQuorumPeekConsentIsForTheLimitShown(t *testing.T) {
	pk := &fakePeeker{msgs: []message.Message{deadLetter(1, "x")}}
	f := demoFake()
	a := newTestApp(f, Target{Peeker: pk})
	settle(t, a, a.Init(), size())
	openPeek(t, a, "payments") // limit 3
	f.mu.Lock()
	for i := range f.queues {
		if f.queues[i].Name == "demo.payments" {
			f.queues[i].Arguments = map[string]any{"x-queue-type": "quorum", "x-delivery-limit": 1.0}
		}
	}
	f.mu.Unlock()
	acceptPeek(t, a)
	if pk.accepted() != 0 {
		t.Fatal("a y given for a limit of 3 read the queue at a limit of 1")
	}
	if got := flat(screen(a)); !strings.Contains(got, "delivery limit of 1") {
		t.Fatalf("the question should be asked again with the new limit:\n%s", got)
	}
}

// After a move started from the peek, the counts shown may be behind:
// the next question counts every message as unknown.
func TestQuorumPeekCountsUnknownAfterAMove(t *testing.T) {
	pk := &fakePeeker{}
	for i := 1; i <= 5; i++ {
		pk.msgs = append(pk.msgs, deadLetter(i, "x"))
	}
	a := newTestApp(demoFake(), Target{Peeker: pk, Mover: &fakeMover{}})
	settle(t, a, a.Init(), size())
	openPeek(t, a, "payments")
	acceptPeek(t, a)
	settle(t, a, press("m"))
	settle(t, a, press("esc"))
	settle(t, a, press("ctrl+r"))
	if got := flat(screen(a)); strings.Contains(got, "warren showed last time") || !strings.Contains(got, "up to 50 messages whose delivery counts warren does not know") {
		t.Fatalf("after a move the counts are unknown:\n%s", got)
	}
}

// A one-line body wider than the screen reads whole: its rows wrap, every
// part is reachable by scrolling, and a control sequence in it, cut or
// not, never reaches the terminal.
func TestInspectorWrapsAOneLineBody(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&b, "<%04d>lorem ipsum dolor \x1b[31m sit amet ", i)
	}
	m := deadLetter(1, b.String())
	m.Properties.ContentType = "text/plain"
	a := inspect(t, m)
	seen := map[string]bool{}
	var last string
	for range 200 {
		raw := a.render()
		if strings.Contains(raw, "\x1b[31m") {
			t.Fatal("the body's escape sequence reached the terminal")
		}
		got := ansi.Strip(raw)
		for _, l := range strings.Split(got, "\n") {
			if strings.Contains(l, "lorem") && strings.HasSuffix(strings.TrimRight(l, " "), "…") {
				t.Fatalf("a body row is cut: %q", l)
			}
		}
		for i := 0; i < 60; i++ {
			if k := fmt.Sprintf("<%04d>", i); strings.Contains(got, k) {
				seen[k] = true
			}
		}
		if got == last {
			break
		}
		last = got
		settle(t, a, press("pgdown"))
	}
	if len(seen) != 60 {
		t.Fatalf("scrolling showed %d of the body's 60 parts", len(seen))
	}
}
