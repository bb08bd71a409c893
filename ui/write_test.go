package ui

import (
	"context"
	"errors"
	"github.com/charmbracelet/x/ansi"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/mgmt"
)

// fakeMover records the moves and imports it was asked for.
type fakeMover struct {
	mu      sync.Mutex
	reqs    []ops.MoveRequest
	imports []ops.ImportRequest
	msgs    [][]message.Message
}

func (f *fakeMover) Move(ctx context.Context, req ops.MoveRequest, progress func(ops.MoveProgress)) (ops.MoveResult, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	progress(ops.MoveProgress{Total: 70, Taken: 70, Moved: 68, Rate: 1000})
	return ops.MoveResult{Moved: 68, ReturnedToSource: 2, NoOrigin: 2, Took: 70 * time.Millisecond}, nil
}

func (f *fakeMover) Import(ctx context.Context, req ops.ImportRequest, next func() (message.Message, error), progress func(int)) (ops.ImportResult, error) {
	var msgs []message.Message
	for {
		m, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return ops.ImportResult{Read: len(msgs)}, err
		}
		msgs = append(msgs, m)
	}
	f.mu.Lock()
	f.imports = append(f.imports, req)
	f.msgs = append(f.msgs, msgs)
	f.mu.Unlock()
	progress(len(msgs))
	return ops.ImportResult{Published: len(msgs) - 1, NoOrigin: 1, NotPublished: []int{len(msgs) - 1}, Read: len(msgs)}, nil
}

// published is one PublishMessage call.
type published struct {
	vhost, exchange, key string
	msg                  message.Message
}

// fakePublisher answers every publish with outcome and records calls.
type fakePublisher struct {
	mu      sync.Mutex
	outcome ops.Outcome
	sent    []published
	removes []ops.RemoveRequest
}

func (f *fakePublisher) PublishMessage(_ context.Context, vhost, exchange, key string, m message.Message) (ops.PublishResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, published{vhost, exchange, key, m})
	res := ops.PublishResult{Outcome: f.outcome, MessageID: m.Properties.MessageID}
	if f.outcome == ops.Returned {
		res.ReplyCode, res.ReplyText = 312, "NO_ROUTE"
	}
	return res, nil
}

func (f *fakePublisher) Remove(_ context.Context, req ops.RemoveRequest) (ops.RemoveResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removes = append(f.removes, req)
	return ops.RemoveResult{Removed: len(req.Fingerprints)}, nil
}

// fakeAdmin records admin calls.
type fakeAdmin struct {
	mu    sync.Mutex
	calls []string
	specs []any
}

func (f *fakeAdmin) record(call string, spec any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	f.specs = append(f.specs, spec)
	return nil
}

func (f *fakeAdmin) DeclareQueue(_ context.Context, vhost string, q mgmt.QueueSpec) error {
	return f.record("declare queue "+vhost, q)
}
func (f *fakeAdmin) DeclareExchange(_ context.Context, vhost string, e mgmt.ExchangeSpec) error {
	return f.record("declare exchange "+vhost, e)
}
func (f *fakeAdmin) DeclareBinding(_ context.Context, vhost string, b mgmt.BindingSpec) error {
	return f.record("declare binding "+vhost, b)
}
func (f *fakeAdmin) PurgeQueue(_ context.Context, vhost, name string) error {
	return f.record("purge "+vhost+" "+name, nil)
}
func (f *fakeAdmin) DeleteQueue(_ context.Context, vhost, name string) error {
	return f.record("delete queue "+vhost+" "+name, nil)
}
func (f *fakeAdmin) DeleteExchange(_ context.Context, vhost, name string) error {
	return f.record("delete exchange "+vhost+" "+name, nil)
}

// writeApp is a test App with every write fake wired.
func writeApp(t *testing.T, readOnly bool) (*App, *fakePublisher, *fakeAdmin, *fakeMover, *fakePeeker) {
	pub, adm, mv := &fakePublisher{outcome: ops.Confirmed}, &fakeAdmin{}, &fakeMover{}
	pk := &fakePeeker{msgs: []message.Message{deadLetter(1, `{"id":1}`), deadLetter(2, `{"id":2}`), deadLetter(3, `{"id":3}`)}}
	a := newTestApp(demoFake(), Target{Peeker: pk, Publisher: pub, Admin: adm, Mover: mv, ReadOnly: readOnly})
	settle(t, a, a.Init(), size())
	return a, pub, adm, mv, pk
}

// selectQueue filters the queue list down to name and selects it.
func selectQueue(t *testing.T, a *App, name string) {
	t.Helper()
	settle(t, a, press("/"))
	settle(t, a, typed(name)...)
	settle(t, a, press("enter"))
}

func TestPublishToTheSelectedQueue(t *testing.T) {
	a, pub, _, _, _ := writeApp(t, false)
	selectQueue(t, a, "demo.orders.created")
	settle(t, a, press("P"))
	pv, ok := a.top().(*publishView)
	if !ok {
		t.Fatalf("P should open the publish form, top %T", a.top())
	}
	if pv.form.Text("exchange") != "" || pv.form.Text("routing_key") != "demo.orders.created" {
		t.Fatalf("P on a queue aims at it through the default exchange: %q %q", pv.form.Text("exchange"), pv.form.Text("routing_key"))
	}
	golden.RequireEqual(t, screen(a))
	pv.form.FocusOn("body")
	settle(t, a, typed(`{"id":7}`)...)
	pv.form.FocusOn("headers")
	pv.form.Get("headers").Ed.Set(`{"tenant": "eu", "attempt": 2}`)
	settle(t, a, press("ctrl+s"))
	if len(pub.sent) != 1 {
		t.Fatalf("ctrl+s should publish once, got %d", len(pub.sent))
	}
	got := pub.sent[0]
	want := message.Message{
		Properties: message.Properties{ContentType: "application/json", DeliveryMode: 2},
		Headers:    map[string]any{"tenant": "eu", "attempt": int64(2)},
		Body:       []byte(`{"id":7}`),
	}
	if got.vhost != "/" || got.exchange != "" || got.key != "demo.orders.created" || !reflect.DeepEqual(got.msg, want) {
		t.Fatalf("published %+v\nwant %+v", got, want)
	}
	if s := screen(a); !strings.Contains(s, "confirmed and routed to queue demo.orders.created") {
		t.Fatalf("the outcome should show:\n%s", s)
	}
	// q is text in a form, not quit; esc closes the form.
	settle(t, a, press("q"))
	if _, ok := a.top().(*publishView); !ok {
		t.Fatal("q typed into a form must not quit or close it")
	}
	settle(t, a, press("esc"), press("esc")) // the q is an unsent edit: esc asks first
	if _, ok := a.top().(*publishView); ok {
		t.Fatal("esc should close the form")
	}
}

func TestPublishRefusesBadInputAndKeepsIt(t *testing.T) {
	a, pub, _, _, _ := writeApp(t, false)
	selectQueue(t, a, "demo.orders.created")
	settle(t, a, press("P"))
	pv := a.top().(*publishView)
	pv.form.Get("body").Ed.Set("keep me")
	for _, tc := range []struct{ field, value, want string }{
		{"headers", `{"a": 1,}`, "headers are not valid JSON"},
		// amqp091-go drops the connection over a header nested past 32.
		{"headers", `{"x":` + strings.Repeat(`{"d":`, 33) + `1` + strings.Repeat(`}`, 33) + `}`, `header "x.d.d`},
		{"headers", `{"x":` + strings.Repeat(`[`, 33) + `1` + strings.Repeat(`]`, 33) + `}`, "nested 33 deep; AMQP clients such as amqp091-go read at most 32"},
		{"priority", "300", "priority"},
		{"timestamp", "yesterday", "RFC 3339"},
		{"expiration", "soon", "expiration"},
	} {
		pv.form.Get(tc.field).Ed.Set(tc.value)
		settle(t, a, press("ctrl+s"))
		if len(pub.sent) != 0 || !strings.Contains(pv.outcome, tc.want) || pv.form.Focused().Name != tc.field {
			t.Fatalf("%s=%q: sent %d, outcome %q, focus %s", tc.field, tc.value, len(pub.sent), pv.outcome, pv.form.Focused().Name)
		}
		pv.form.Get(tc.field).Ed.Set("")
	}
	if pv.form.Get("body").Value() != "keep me" {
		t.Fatal("a refused publish must keep what was typed")
	}
	pub.outcome = ops.Returned
	pv.form.Get("routing_key").Ed.Set("nowhere")
	settle(t, a, press("ctrl+s"))
	if !strings.Contains(screen(a), "returned as unroutable") || !strings.Contains(screen(a), "312 NO_ROUTE") {
		t.Fatalf("a returned message should say so:\n%s", screen(a))
	}
}

func TestPublishBodyFromFile(t *testing.T) {
	a, pub, _, _, _ := writeApp(t, false)
	selectQueue(t, a, "demo.orders.created")
	settle(t, a, press("P"))
	pv := a.top().(*publishView)
	path := filepath.Join(t.TempDir(), "body.bin")
	if err := os.WriteFile(path, []byte{0, 1, 2, 0xff}, 0o600); err != nil {
		t.Fatal(err)
	}
	pv.form.Get("file").Ed.Set(path)
	settle(t, a, press("ctrl+s"))
	if len(pub.sent) != 1 || string(pub.sent[0].msg.Body) != "\x00\x01\x02\xff" {
		t.Fatalf("the body should come from the file: %+v", pub.sent)
	}
	pv.form.Get("file").Ed.Set(path + ".missing")
	settle(t, a, press("ctrl+s"))
	if len(pub.sent) != 1 || !strings.Contains(pv.outcome, "body file") {
		t.Fatalf("a missing file should be an error, not a publish: %q", pv.outcome)
	}
}

func TestRepublishAimsAtOriginAndRemovesAfterConfirm(t *testing.T) {
	a, pub, _, _, _ := writeApp(t, false)
	selectQueue(t, a, "demo.orders.dlq")
	settle(t, a, press("p"))
	settle(t, a, press("down"), press("r"))
	pv, ok := a.top().(*publishView)
	if !ok {
		t.Fatalf("r in a peek should open the republish form, top %T", a.top())
	}
	orig := deadLetter(2, `{"id":2}`)
	if pv.form.Text("exchange") != "" || pv.form.Text("routing_key") != "demo.orders.created" || pv.form.Text("message_id") != "order-2" {
		t.Fatalf("republish should aim at the origin queue and keep the id: %q %q %q", pv.form.Text("exchange"), pv.form.Text("routing_key"), pv.form.Text("message_id"))
	}
	golden.RequireEqual(t, screen(a))
	// Edit a header, ask for the original's removal, publish.
	h := strings.Replace(pv.form.Get("headers").Value(), `"eu"`, `"us"`, 1)
	pv.form.Get("headers").Ed.Set(h)
	pv.form.FocusOn("remove")
	settle(t, a, press("space"), press("ctrl+s"))
	if len(pub.sent) != 1 {
		t.Fatalf("sent %d", len(pub.sent))
	}
	sent := pub.sent[0].msg
	tags := sent.Headers["tenant"].(map[string]any)["tags"].([]any)
	if tags[0] != "us" || !reflect.DeepEqual(sent.Headers["x-death"], orig.Headers["x-death"]) || string(sent.Body) != `{"id":2}` {
		t.Fatalf("the copy should carry the edit and keep the rest: %#v", sent.Headers)
	}
	if _, isInt32 := sent.Headers["tenant"].(map[string]any)["id"].(int32); !isInt32 {
		t.Fatal("an int32 header must stay int32")
	}
	if len(pub.removes) != 1 || pub.removes[0].Queue != "demo.orders.dlq" || pub.removes[0].Fingerprints[0] != message.Fingerprint(orig) ||
		pub.removes[0].DeliveryLimit != -1 { // a classic queue: no limit
		t.Fatalf("the original should be removed by its fingerprint: %+v", pub.removes)
	}
	if !strings.Contains(strings.Join(strings.Fields(screen(a)), " "), "the original was removed from demo.orders.dlq") { // wrapped
		t.Fatalf("the removal should show:\n%s", screen(a))
	}
}

func TestRepublishKeepsTheOriginalWhenNotConfirmed(t *testing.T) {
	a, pub, _, _, _ := writeApp(t, false)
	pub.outcome = ops.Returned
	selectQueue(t, a, "demo.orders.dlq")
	settle(t, a, press("p"))
	settle(t, a, press("enter"))
	settle(t, a, press("r")) // from the inspector
	pv, ok := a.top().(*publishView)
	if !ok {
		t.Fatalf("r in the inspector should open the republish form, top %T", a.top())
	}
	pv.form.FocusOn("remove")
	settle(t, a, press("space"), press("ctrl+s"))
	if len(pub.sent) != 1 || len(pub.removes) != 0 {
		t.Fatalf("a returned copy must not remove the original: sent %d removes %d", len(pub.sent), len(pub.removes))
	}
}

func TestPurgeAsksFirst(t *testing.T) {
	a, _, adm, _, _ := writeApp(t, false)
	selectQueue(t, a, "demo.orders.dlq")
	settle(t, a, press("ctrl+p"))
	if _, ok := a.top().(*confirmView); !ok {
		t.Fatalf("ctrl+p should ask, top %T", a.top())
	}
	settle(t, a, press("n"))
	if len(adm.calls) != 0 || len(a.stack) != 1 {
		t.Fatalf("n must purge nothing: %v", adm.calls)
	}
	settle(t, a, press("ctrl+p"), press("y"))
	if !reflect.DeepEqual(adm.calls, []string{"purge / demo.orders.dlq"}) || len(a.stack) != 1 || !strings.Contains(a.status, "purged queue demo.orders.dlq") {
		t.Fatalf("y should purge and return to the list: %v, stack %d, status %q", adm.calls, len(a.stack), a.status)
	}
}

func TestDeleteNeedsTheTypedName(t *testing.T) {
	a, _, adm, _, _ := writeApp(t, false)
	selectQueue(t, a, "demo.orders.dlq")
	settle(t, a, press("enter")) // from the queue's detail
	settle(t, a, press("ctrl+d"))
	if _, ok := a.top().(*confirmView); !ok {
		t.Fatalf("ctrl+d should ask, top %T", a.top())
	}
	settle(t, a, typed("demo.orders")...)
	settle(t, a, press("enter"))
	if len(adm.calls) != 0 || !strings.Contains(screen(a), "does not match") {
		t.Fatalf("a wrong name must delete nothing: %v\n%s", adm.calls, screen(a))
	}
	settle(t, a, typed(".dlq")...)
	settle(t, a, press("enter"))
	if !reflect.DeepEqual(adm.calls, []string{"delete queue / demo.orders.dlq"}) {
		t.Fatalf("calls %v", adm.calls)
	}
	if len(a.stack) != 1 {
		t.Fatalf("after deleting, the deleted queue's detail should close too: top %s", a.top().title())
	}
}

func TestDeclareQueueAsksThenDeclares(t *testing.T) {
	a, _, adm, _, _ := writeApp(t, false)
	settle(t, a, press("ctrl+n"))
	dv, ok := a.top().(*declareView)
	if !ok {
		t.Fatalf("ctrl+n should open the declare form, top %T", a.top())
	}
	settle(t, a, typed("orders.retry")...)
	dv.form.FocusOn("qtype")
	settle(t, a, press("space"))
	dv.form.Get("arguments").Ed.Set(`{"x-delivery-limit": 5}`)
	settle(t, a, press("ctrl+s"))
	if !strings.Contains(screen(a), `Declare quorum queue "orders.retry" in vhost / (durable, arguments x-delivery-limit=5)?`) {
		t.Fatalf("ctrl+s should ask first:\n%s", screen(a))
	}
	settle(t, a, press("y"))
	want := mgmt.QueueSpec{Name: "orders.retry", Type: "quorum", Durable: true, Arguments: map[string]any{"x-delivery-limit": int64(5)}}
	if len(adm.specs) != 1 || !reflect.DeepEqual(adm.specs[0], want) || len(a.stack) != 1 {
		t.Fatalf("declared %v %+v, stack %d", adm.calls, adm.specs, len(a.stack))
	}
}

// esc on an untouched declare form closes it; on an edited one it asks
// once, keeping what was typed (again after more typing), and a second esc
// discards it.
func TestDeclareFormAsksBeforeDiscardingEdits(t *testing.T) {
	a, _, adm, _, _ := writeApp(t, false)
	settle(t, a, press("ctrl+n"), press("esc"))
	if len(a.stack) != 1 {
		t.Fatalf("esc on an untouched form should close it, top %T", a.top())
	}
	settle(t, a, press("ctrl+n"))
	settle(t, a, typed("orders.retry")...)
	settle(t, a, press("esc"))
	dv, ok := a.top().(*declareView)
	if !ok || !strings.Contains(screen(a), "unsent edits: esc again discards them") || dv.form.Text("name") != "orders.retry" {
		t.Fatalf("the first esc should keep the edited form and say so, top %T:\n%s", a.top(), screen(a))
	}
	settle(t, a, typed(".more")...)
	settle(t, a, press("esc"))
	if _, ok := a.top().(*declareView); !ok {
		t.Fatalf("after more typing esc should ask again, as in the publish form; top %T", a.top())
	}
	settle(t, a, press("esc"))
	if len(a.stack) != 1 || len(adm.specs) != 0 {
		t.Fatalf("the second esc should discard it: stack %d, declared %+v", len(a.stack), adm.specs)
	}
}

func TestDeclareBindingFromTheBindingsList(t *testing.T) {
	a, _, adm, _, _ := writeApp(t, false)
	settle(t, a, press(":"))
	settle(t, a, typed("bindings")...)
	settle(t, a, press("enter"), press("ctrl+n"))
	dv := a.top().(*declareView)
	if dv.form.Get("kind").Value() != "binding" {
		t.Fatalf("ctrl+n on bindings should declare a binding, got %s", dv.form.Get("kind").Value())
	}
	settle(t, a, press("ctrl+s"))
	if !strings.Contains(screen(a), "default exchange cannot be bound from") {
		t.Fatalf("a binding without a source should say why:\n%s", screen(a))
	}
	dv.form.Get("source").Ed.Set("demo.orders")
	dv.form.Get("destination").Ed.Set("demo.audit")
	dv.form.Get("routing_key").Ed.Set("order.#")
	settle(t, a, press("ctrl+s"), press("y"))
	want := mgmt.BindingSpec{Source: "demo.orders", Destination: "demo.audit", DestinationType: "queue", RoutingKey: "order.#"}
	if len(adm.specs) != 1 || !reflect.DeepEqual(adm.specs[0], want) {
		t.Fatalf("declared %+v", adm.specs)
	}
}

func TestMoveMarkedToAnotherQueue(t *testing.T) {
	a, _, _, mv, pk := writeApp(t, false)
	selectQueue(t, a, "demo.orders.dlq")
	settle(t, a, press("p"))
	settle(t, a, press(" "), press("down"), press(" "))
	settle(t, a, press("m"))
	if !strings.Contains(screen(a), "the 2 marked messages") {
		t.Fatalf("m in a peek with marks should move only those:\n%s", screen(a))
	}
	settle(t, a, press("a"))
	settle(t, a, typed("orders.retry")...)
	settle(t, a, press("enter"))
	if len(mv.reqs) != 1 {
		t.Fatalf("moves: %+v", mv.reqs)
	}
	r := mv.reqs[0]
	want := []string{message.Fingerprint(pk.msgs[0]), message.Fingerprint(pk.msgs[2])}
	// The peek's queue type goes along: a classic source is read cheaper.
	if r.Target != ops.ToQueue || r.TargetQueue != "orders.retry" || r.Queue != "demo.orders.dlq" || r.QueueType != ops.QueueClassic || !reflect.DeepEqual(r.Only, want) {
		t.Fatalf("move request %+v, want only %v", r, want)
	}
}

func TestMoveToExchange(t *testing.T) {
	a, _, _, mv, _ := writeApp(t, false)
	selectQueue(t, a, "demo.orders.dlq")
	settle(t, a, press("m"), press("e"))
	settle(t, a, typed("demo.orders")...)
	settle(t, a, press("tab"))
	settle(t, a, typed("order.created")...)
	settle(t, a, press("enter"))
	if len(mv.reqs) != 0 {
		t.Fatalf("a whole-queue move should ask first: %+v", mv.reqs)
	}
	settle(t, a, press("y"))
	if len(mv.reqs) != 1 || mv.reqs[0].Target != ops.ToExchange || mv.reqs[0].Exchange != "demo.orders" || mv.reqs[0].RoutingKey != "order.created" || mv.reqs[0].Only != nil || mv.reqs[0].QueueType != ops.QueueClassic {
		t.Fatalf("move request %+v", mv.reqs)
	}
}

func TestImportReturnsToOrigin(t *testing.T) {
	a, _, _, mv, _ := writeApp(t, false)
	path := filepath.Join(t.TempDir(), "dlq.jsonl")
	msgs := []message.Message{deadLetter(1, "a"), deadLetter(2, "b")}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := message.WriteJSONL(f, msgs); err != nil {
		t.Fatal(err)
	}
	f.Close()
	settle(t, a, press(":"))
	settle(t, a, typed("import "+path)...)
	settle(t, a, press("enter"))
	if !strings.Contains(screen(a), "the 2 messages of "+path+" into vhost /") {
		t.Fatalf("the import should say what it read:\n%s", screen(a))
	}
	settle(t, a, press("enter"))
	if len(mv.imports) != 1 || mv.imports[0].Target != ops.ReturnToOrigin || len(mv.msgs[0]) != 2 || string(mv.msgs[0][1].Body) != "b" {
		t.Fatalf("imports %+v", mv.imports)
	}
	if !strings.Contains(screen(a), "lines not published: 2") {
		t.Fatalf("the summary should name the lines left out:\n%s", screen(a))
	}

	settle(t, a, press("esc"), press(":"))
	settle(t, a, typed("import "+path+".missing")...)
	settle(t, a, press("enter"))
	if !strings.Contains(screen(a), "cannot import") {
		t.Fatalf("a missing file should be a clear error:\n%s", screen(a))
	}
}

// Read-only removes every write: nothing opens, no fake is called, and
// help lists the write actions as unavailable.
func TestReadOnlyRefusesEveryWrite(t *testing.T) {
	a, pub, adm, mv, _ := writeApp(t, true)
	selectQueue(t, a, "demo.orders.dlq")
	for _, k := range []string{"P", "ctrl+p", "ctrl+d", "ctrl+n", "m"} {
		a.status = ""
		settle(t, a, press(k))
		if len(a.stack) != 1 || !strings.Contains(a.status, "read-only") {
			t.Fatalf("%s in read-only: top %T, status %q", k, a.top(), a.status)
		}
	}
	for _, c := range []string{"import x.jsonl", "declare queue"} {
		settle(t, a, press(":"))
		settle(t, a, typed(c)...)
		settle(t, a, press("enter"))
		if len(a.stack) != 1 || !strings.Contains(a.status, "read-only") {
			t.Fatalf(":%s in read-only: top %T, status %q", c, a.top(), a.status)
		}
	}
	settle(t, a, press("p"))
	settle(t, a, press("r"))
	if _, ok := a.top().(*peekView); !ok || !strings.Contains(a.status, "read-only") {
		t.Fatalf("r in read-only: top %T, status %q", a.top(), a.status)
	}
	if len(pub.sent)+len(pub.removes)+len(adm.calls)+len(mv.reqs)+len(mv.imports) != 0 {
		t.Fatal("a fake was called in read-only mode")
	}
	helpOf := func() string { return ansi.Strip(strings.Join(a.helpLines(200), "\n")) }
	for _, want := range []string{"unavailable (read-only): publish", "unavailable (read-only): declare", "unavailable (read-only): republish", "unavailable (read-only): move"} {
		if help := helpOf(); !strings.Contains(help, want) {
			t.Errorf("the peek's help should say %q:\n%s", want, help)
		}
	}
	settle(t, a, press("esc"))
	for _, want := range []string{"unavailable (read-only): purge", "unavailable (read-only): delete", "unavailable (read-only): publish a JSON Lines export"} {
		if help := helpOf(); !strings.Contains(help, want) {
			t.Errorf("the list's help should say %q:\n%s", want, help)
		}
	}
}

// r in a live pane republishes the selected row: a tap's copy goes back to
// the exchange and key it was seen on and cannot be removed; a requeueing
// consume pane's message can be.
func TestRepublishFromLivePanes(t *testing.T) {
	a, st := liveApp(t, false)
	pub := &fakePublisher{outcome: ops.Confirmed}
	a.c.target.Publisher = pub
	tapDemoOrders(t, a)
	st.feed.push(orderMsg(1), orderMsg(2))
	frame(t, a)
	settle(t, a, press("r"))
	pv, ok := a.top().(*publishView)
	if !ok {
		t.Fatalf("r in a tap pane should open the republish form, top %T", a.top())
	}
	if pv.form.Text("exchange") != "demo.orders" || pv.form.Text("routing_key") != "order.created" || !pv.form.Get("remove").Hidden {
		t.Fatalf("tap republish: %q %q remove hidden %v", pv.form.Text("exchange"), pv.form.Text("routing_key"), pv.form.Get("remove").Hidden)
	}
	settle(t, a, press("ctrl+s"))
	if len(pub.sent) != 1 || string(pub.sent[0].msg.Body) != string(orderMsg(2).Body) {
		t.Fatalf("sent %+v", pub.sent)
	}
	settle(t, a, press("esc"), press("esc"), press("esc"))

	settle(t, a, press(":"))
	settle(t, a, typed("qu")...)
	settle(t, a, press("enter"), press("/"))
	settle(t, a, typed("created")...)
	settle(t, a, press("enter"), press("t"))
	settle(t, a, press("n"))
	m := orderMsg(3)
	m.Vhost, m.Queue = "/", "demo.orders.created"
	st.feed.push(m)
	frame(t, a)
	settle(t, a, press("r"))
	pv = a.top().(*publishView)
	if pv.form.Get("remove").Hidden {
		t.Fatal("a message a nack-requeue pane left in its queue can be removed")
	}
}

func TestPublishSummaries(t *testing.T) {
	for _, tc := range []struct {
		m       publishedMsg
		want    string
		wantBad bool
	}{
		{publishedMsg{res: ops.PublishResult{Outcome: ops.InDoubt}, err: context.DeadlineExceeded, target: "queue q"}, "in doubt", true},
		{publishedMsg{err: errors.New("no such vhost")}, "not published: no such vhost", true},
		{publishedMsg{res: ops.PublishResult{Outcome: ops.Nacked}}, "nacked", true},
		{publishedMsg{res: ops.PublishResult{Outcome: ops.Refused, Err: errors.New("AMQP access refused: access to exchange 'x' refused")}},
			"refused by the broker: no queue got it (AMQP access refused: access to exchange 'x' refused)", true},
		{publishedMsg{res: ops.PublishResult{Outcome: ops.Confirmed}, removed: &ops.RemoveResult{}, remErr: errors.New("link lost"), fromQ: "dlq"}, "may or may not have been removed", true},
		{publishedMsg{res: ops.PublishResult{Outcome: ops.Confirmed}, removed: &ops.RemoveResult{}, fromQ: "dlq"}, "not found in dlq", true},
		{publishedMsg{res: ops.PublishResult{Outcome: ops.Confirmed}, removed: &ops.RemoveResult{Removed: 1}, fromQ: "dlq"}, "removed from dlq", false},
		{publishedMsg{res: ops.PublishResult{Outcome: ops.Confirmed}, removed: &ops.RemoveResult{Removed: 1, Requeued: 30, ToTail: 2}, fromQ: "dlq"},
			"removed from dlq; 30 other messages were taken on the way and requeued (on a quorum queue each one's delivery count rose by 1); 2 others taken on the way were at the delivery limit, so they were copied to the tail of dlq instead", false},
	} {
		got, bad := tc.m.summary()
		if !strings.Contains(got, tc.want) || bad != tc.wantBad {
			t.Errorf("%+v: %q (bad %v), want %q (bad %v)", tc.m, got, bad, tc.want, tc.wantBad)
		}
	}
}

// A body too large (or not text) to edit is kept byte for byte.
func TestRepublishKeepsALargeBodyAsIs(t *testing.T) {
	a, pub, _, _, _ := writeApp(t, false)
	big := deadLetter(1, strings.Repeat("x", maxEditableBody+1))
	settle(t, a, republishMsg{msg: big})
	pv := a.top().(*publishView)
	if !pv.form.Get("body").Hidden || !strings.Contains(screen(a), "large body (1.0 MiB) kept as is") {
		t.Fatalf("a large body should be kept, not edited:\n%s", screen(a))
	}
	settle(t, a, press("ctrl+s"))
	if len(pub.sent) != 1 || len(pub.sent[0].msg.Body) != maxEditableBody+1 {
		t.Fatal("the large body should be sent unchanged")
	}
}

// Dialogs take every key: nothing opens over a question, and f1 still
// shows help.
func TestDialogsTakeTheKeyboard(t *testing.T) {
	a, _, adm, _, _ := writeApp(t, false)
	settle(t, a, press("ctrl+n"))
	settle(t, a, typed("x")...)
	settle(t, a, press("ctrl+s"), press("P"), press("q"))
	if _, ok := a.top().(*declareView); !ok || len(adm.calls) != 0 {
		t.Fatalf("keys during y/n must not act elsewhere: top %T, calls %v", a.top(), adm.calls)
	}
	settle(t, a, press("f1"))
	if a.mode != modeHelp || !strings.Contains(screen(a), "ctrl+s") {
		t.Fatal("f1 should open help in a form")
	}
	settle(t, a, press("f1"), press("esc"), press("esc")) // the form holds its edit once
	selectQueue(t, a, "demo.orders.dlq")
	settle(t, a, press("ctrl+p"), press("q"))
	if _, ok := a.top().(*confirmView); !ok {
		t.Fatalf("q in the purge question must neither quit nor purge: top %T", a.top())
	}
}

func TestEditedOneLineFieldKeepsOneLine(t *testing.T) {
	a, pub, _, _, _ := writeApp(t, false)
	selectQueue(t, a, "demo.orders.created")
	settle(t, a, press("P"))
	pv := a.top().(*publishView)
	settle(t, a, editedMsg{view: pv.id(), field: "routing_key", text: "demo.orders.created\r\n"})
	settle(t, a, press("ctrl+s"))
	if len(pub.sent) != 1 || pub.sent[0].key != "demo.orders.created" {
		t.Fatalf("routing key sent %q", pub.sent[0].key)
	}
}

// esc on an edited, unsent form asks once; a second esc discards.
func TestEscAsksBeforeDiscardingEdits(t *testing.T) {
	a, _, _, _, _ := writeApp(t, false)
	selectQueue(t, a, "demo.orders.created")
	settle(t, a, press("P"), press("esc"))
	if _, ok := a.top().(*publishView); ok {
		t.Fatal("an untouched form closes at once")
	}
	settle(t, a, press("P"))
	settle(t, a, typed("{}")...)
	settle(t, a, press("esc"))
	if _, ok := a.top().(*publishView); !ok || !strings.Contains(screen(a), "esc again discards") {
		t.Fatalf("the first esc should ask: top %T", a.top())
	}
	settle(t, a, press("esc"))
	if _, ok := a.top().(*publishView); ok {
		t.Fatal("the second esc should close the form")
	}
}

// A file prepared for $EDITOR is removed when its form closed meanwhile.
func TestEditorFileRemovedWhenFormClosed(t *testing.T) {
	a, _, _, _, _ := writeApp(t, false)
	path := filepath.Join(t.TempDir(), "warren-edit.txt")
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	settle(t, a, execEditorMsg{view: 999999, field: "body", path: path})
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("the orphaned editor file is still there: %v", err)
	}
}

// blockingMover runs until its move is cancelled, then says what it did.
type blockingMover struct{ fakeMover }

func (f *blockingMover) Move(ctx context.Context, req ops.MoveRequest, progress func(ops.MoveProgress)) (ops.MoveResult, error) {
	progress(ops.MoveProgress{Total: 1000, Taken: 300, Moved: 256})
	if req.OnBlocked != nil { // as a memory alarm does
		req.OnBlocked(true, "low on memory")
	}
	<-ctx.Done()
	return ops.MoveResult{Moved: 256, ReturnedToSource: 44, DuplicateRisk: 3}, ctx.Err()
}

// spawn runs cmd (and a batch's commands) off the test's thread, sending
// what they return to out, as Bubble Tea would.
func spawn(cmd tea.Cmd, out chan<- tea.Msg) {
	if cmd == nil {
		return
	}
	go func() {
		switch m := cmd().(type) {
		case nil:
		case tea.BatchMsg:
			for _, c := range m {
				spawn(c, out)
			}
		default:
			out <- m
		}
	}()
}

// q during a move asks first; the second q stops the move and quits only
// once it has put back what it held, leaving its summary for the shell.
func TestQuitDuringAMoveAsksThenStopsItSafely(t *testing.T) {
	mv := &blockingMover{}
	a := newTestApp(demoFake(), Target{Mover: mv, Peeker: &fakePeeker{}})
	settle(t, a, a.Init(), size())
	selectQueue(t, a, "demo.orders.dlq")
	settle(t, a, press("m"))
	out := make(chan tea.Msg, 16)
	settle(t, a, press("enter"))   // return to origin: it asks first
	_, cmd := a.Update(press("y")) // the move starts
	spawn(cmd, out)
	if a.runningMove() == nil {
		t.Fatal("the move should be running")
	}
	_, cmd = a.Update(press("q"))
	spawn(cmd, out)
	if !strings.Contains(a.status, "a move is running: q again stops it") || a.quitting {
		t.Fatalf("the first q should ask: %q", a.status)
	}
	a.Update(press("j")) // another key: the move goes on
	if a.quitAsked {
		t.Fatal("another key should have taken the question back")
	}
	a.Update(press("q"))
	a.Update(press("q"))
	if !a.quitting {
		t.Fatal("the second q should stop the move to quit")
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case m := <-out:
			done, ok := m.(moveDoneMsg)
			if !ok {
				continue
			}
			_, cmd := a.Update(done)
			if !strings.Contains(a.ExitNote(), "moved 256") || !strings.Contains(a.ExitNote(), "returned to the source 44") {
				t.Fatalf("exit note %q", a.ExitNote())
			}
			if !quits(cmd) {
				t.Fatal("warren should quit once the move has stopped")
			}
			return
		case <-deadline:
			t.Fatal("the move never reported after it was stopped")
		}
	}
}

// quits says whether running cmd (and its batches and sequences) ends
// the program.
func quits(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	switch m := cmd().(type) {
	case tea.QuitMsg:
		return true
	case tea.BatchMsg:
		for _, c := range m {
			if quits(c) {
				return true
			}
		}
	default:
		if rv := reflect.ValueOf(m); rv.Kind() == reflect.Slice && rv.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
			for i := 0; i < rv.Len(); i++ {
				if quits(rv.Index(i).Interface().(tea.Cmd)) {
					return true
				}
			}
		}
	}
	return false
}

// A move that the broker blocks (an alarm) says so while it waits.
func TestMoveSaysWhenTheBrokerBlocksIt(t *testing.T) {
	mv := &blockingMover{}
	a := newTestApp(demoFake(), Target{Mover: mv, Peeker: &fakePeeker{}})
	settle(t, a, a.Init(), size())
	selectQueue(t, a, "demo.orders.dlq")
	settle(t, a, press("m"), press("enter"))
	out := make(chan tea.Msg, 16)
	_, cmd := a.Update(press("y"))
	spawn(cmd, out)
	v := a.runningMove()
	for deadline := time.Now().Add(5 * time.Second); v.state.blockedBy() == ""; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the move never heard the block")
		}
	}
	if got := flat(screen(a)); !strings.Contains(got, "blocked by the broker (low on memory): the move waits until the alarm clears") {
		t.Fatalf("a blocked move should say so:\n%s", got)
	}
	v.close()
}

// A move that ended on an error says plainly that its duplicate count is
// a floor if the broker crashed; a move stopped by the person does not.
func TestMoveSummarySaysWhatCannotBeCounted(t *testing.T) {
	r := ops.MoveResult{Moved: 10, DuplicateRisk: 2}
	if got := summaryText(moveDoneMsg{result: r, err: errors.New("AMQP: EOF")}); !strings.Contains(got, "may exist twice 2 (or more, if the broker itself crashed") {
		t.Fatalf("summary after a lost link: %q", got)
	}
	for _, err := range []error{nil, context.Canceled} {
		if got := summaryText(moveDoneMsg{result: r, err: err}); strings.Contains(got, "or more") {
			t.Fatalf("summary with %v: %q", err, got)
		}
	}
}

// poisonMover stops as a move does at a message it cannot decode.
type poisonMover struct{ fakeMover }

func (f *poisonMover) Move(ctx context.Context, req ops.MoveRequest, progress func(ops.MoveProgress)) (ops.MoveResult, error) {
	f.fakeMover.Move(ctx, req, progress)
	return ops.MoveResult{Moved: 2869, Reconciled: 309, Took: 2600 * time.Millisecond},
		&ops.UndecodableError{Vhost: req.Vhost, Queue: req.Queue, Reader: "move", Offset: -1}
}

// A move's summary and the reason it stopped wrap at 80 columns: neither
// is cut.
func TestMoveSummaryIsNeverCut(t *testing.T) {
	a := newTestApp(demoFake(), Target{Mover: &poisonMover{}, Peeker: &fakePeeker{}})
	settle(t, a, a.Init(), tea.WindowSizeMsg{Width: 80, Height: 40})
	selectQueue(t, a, "demo.orders.dlq")
	settle(t, a, press("m"))
	settle(t, a, press("enter"))
	settle(t, a, press("y")) // a whole queue: it asks once with the count
	got := flat(screen(a))
	for _, want := range []string{
		summaryText(moveDoneMsg{result: ops.MoveResult{Moved: 2869, Reconciled: 309, Took: 2600 * time.Millisecond},
			err: ops.ErrUndecodable}),
		(&ops.UndecodableError{Vhost: "/", Queue: "demo.orders.dlq", Reader: "move", Offset: -1}).Error(),
	} {
		if !strings.Contains(got, flat(want)) {
			t.Errorf("the screen lacks %q:\n%s", want, screen(a))
		}
	}
	for _, line := range strings.Split(screen(a), "\n") {
		if ansi.StringWidth(line) > 80 {
			t.Errorf("a line is wider than the screen: %q", line)
		}
	}
}
