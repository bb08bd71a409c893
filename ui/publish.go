package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/internal/boundedfile"
	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/ui/widget"
)

// Publisher publishes one message with a confirm and removes messages
// from a queue by fingerprint; *broker.Session satisfies it.
type Publisher interface {
	PublishMessage(ctx context.Context, vhost, exchange, key string, m message.Message) (ops.PublishResult, error)
	Remove(ctx context.Context, req ops.RemoveRequest) (ops.RemoveResult, error)
}

// publishTimeout bounds one publish and its confirm; a broker alarm that
// blocks publishing ends it with an error rather than a hung form.
const publishTimeout = 20 * time.Second

// removeTimeout bounds the removal of a republished original.
const removeTimeout = 2 * time.Minute

// maxEditableBody is the largest body the form edits as text; a larger
// one is kept as is (a file or $EDITOR replaces it), so the form stays
// quick whatever the message's size.
const maxEditableBody = 1 << 20

var deliveryModes = []string{"persistent", "transient", "unset"}

// publishView is the P form, and the r form prefilled from a message.
type publishView struct {
	c      *common
	viewID int
	form   *widget.Form
	// orig is the message being republished; nil for P.
	orig *message.Message
	// rawBody keeps a binary body as is: it cannot be edited as text.
	rawBody []byte
	sending bool
	outcome string
	bad     bool
	sent    int
}

// publishedMsg brings a publish's outcome back to its form.
type publishedMsg struct {
	view    int
	res     ops.PublishResult
	removed *ops.RemoveResult // set when the original's removal ran
	remErr  error
	err     error
	target  string
	fromQ   string
}

func newPublishView(c *common, vhost, exchange, routingKey string) *publishView {
	v := &publishView{c: c, viewID: nextViewID()}
	v.form = publishForm(vhost, exchange, routingKey, message.Message{Properties: message.Properties{ContentType: "application/json", DeliveryMode: 2}}, "")
	v.form.Get("remove").Hidden = true
	v.form.MarkClean()
	// Aimed at a queue, the body is what is left to write; else the key.
	if exchange == "" && routingKey != "" {
		v.form.FocusOn("body")
	} else {
		v.form.FocusOn("routing_key")
	}
	return v
}

// newRepublishView prefills the form from m, aimed at its origin: the
// queue it died in (through the default exchange) for a dead letter, else
// the exchange and routing key it was published with. removable says the
// original sits in a queue it can be removed from after the copy is
// confirmed.
func newRepublishView(c *common, m message.Message, removable bool) *publishView {
	v := &publishView{c: c, viewID: nextViewID(), orig: &m}
	exchange, rk := m.Exchange, m.RoutingKey
	if q, _, _, ok := message.Origin(m); ok {
		exchange, rk = "", q
	}
	body := string(m.Body)
	if len(m.Body) > maxEditableBody || !editableBody(m.Body) {
		v.rawBody, body = m.Body, ""
	}
	v.form = publishForm(m.Vhost, exchange, rk, m, body)
	rm := v.form.Get("remove")
	rm.Hidden = !removable
	rm.Hint = "after the copy is confirmed, delete it from " + m.Queue + " (messages ahead are put back in order; on a quorum queue that raises their delivery count)"
	if v.rawBody != nil {
		v.form.Get("body").Hidden = true
		kind := "binary"
		if len(m.Body) > maxEditableBody {
			kind = "large"
		}
		v.form.Get("file").Hint = fmt.Sprintf("%s body (%s) kept as is; a file path replaces it", kind, bytesIEC(int64(len(m.Body))))
	}
	v.form.FocusOn("routing_key")
	v.form.MarkClean()
	return v
}

// holdClose keeps an edited, unsent form open on the first esc.
func (v *publishView) holdClose() bool {
	if !v.form.HoldEsc() {
		return false
	}
	v.outcome, v.bad = "unsent edits: esc again discards them (ctrl+s sends)", true
	return true
}

// holdQuit keeps warren open on the first ctrl+c over unsent edits.
func (v *publishView) holdQuit() bool {
	if !v.form.HoldEsc() {
		return false
	}
	v.outcome, v.bad = "unsent edits: ctrl+c again quits and discards them (ctrl+s sends)", true
	return true
}

func publishForm(vhost, exchange, rk string, m message.Message, body string) *widget.Form {
	if vhost == "" {
		vhost = "/"
	}
	p := m.Properties
	mode := 2
	switch p.DeliveryMode {
	case 2:
		mode = 0
	case 1:
		mode = 1
	}
	priority, ts := "", ""
	if p.Priority != 0 {
		priority = strconv.Itoa(int(p.Priority))
	}
	if !p.Timestamp.IsZero() {
		ts = p.Timestamp.UTC().Format(time.RFC3339)
	}
	headers, err := message.FormatHeadersJSON(m.Headers)
	if err != nil {
		// Never send a copy without headers it silently lost.
		headers = "headers cannot be edited (" + err.Error() + "); fix or replace them with {}"
	}
	return widget.NewForm(
		widget.TextF("vhost", "vhost", vhost, ""),
		widget.TextF("exchange", "exchange", exchange, "blank: the default exchange (routing key = queue name)"),
		widget.TextF("routing_key", "routing key", rk, ""),
		widget.TextF("content_type", "content type", p.ContentType, ""),
		widget.TextF("content_encoding", "content encoding", p.ContentEncoding, ""),
		widget.ChoiceF("delivery_mode", "delivery mode", deliveryModes, mode, ""),
		widget.TextF("priority", "priority", priority, "0–255, blank: none"),
		widget.TextF("message_id", "message id", p.MessageID, "blank: warren sets one (returns are matched on it)"),
		widget.TextF("correlation_id", "correlation id", p.CorrelationID, ""),
		widget.TextF("reply_to", "reply to", p.ReplyTo, ""),
		widget.TextF("expiration", "expiration", p.Expiration, "TTL in ms, blank: none"),
		widget.TextF("type", "type", p.Type, ""),
		widget.TextF("app_id", "app id", p.AppID, ""),
		widget.TextF("timestamp", "timestamp", ts, "blank, now, or RFC 3339"),
		widget.MultiF("headers", "headers (JSON)", headers, 6),
		widget.MultiF("body", "body", body, 8),
		widget.TextF("file", "body from file", "", "a path: read the body from this file instead"),
		widget.ToggleF("remove", "remove original", false, ""),
	)
}

// editableBody says whether a body can round-trip through a text field.
func editableBody(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if (r < 0x20 && r != '\n' && r != '\t' && r != '\r') || r == 0x7f {
			return false
		}
	}
	return true
}

func (v *publishView) id() int { return v.viewID }
func (v *publishView) title() string {
	if v.orig != nil {
		return "republish"
	}
	return "publish"
}
func (v *publishView) typing() bool             { return true }
func (v *publishView) load() tea.Cmd            { return nil }
func (v *publishView) setSize(w, h int) tea.Cmd { return nil }
func (v *publishView) status() string {
	if v.sending {
		return "publishing…"
	}
	return fmt.Sprintf("%d sent", v.sent)
}
func (v *publishView) keys() keyScope {
	k := v.c.keys.Form
	return v.c.formScope("Publish", from(k.Submit).about("publish the message").write().hint("publish"),
		from(k.Trace).hint("trace"), from(k.Editor).hint("$EDITOR"), from(k.Cancel).hint("close"))
}

func (v *publishView) update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tea.KeyPressMsg:
		v.form.KeyPressed()
		k := v.c.keys.Form
		switch {
		case key.Matches(m, k.Submit):
			return v.submit()
		case key.Matches(m, k.Trace):
			return v.trace()
		case key.Matches(m, k.Editor):
			f := v.form.Focused()
			if f.Kind != widget.MultiField && f.Kind != widget.TextField {
				return nil
			}
			suffix := ".txt"
			if f.Name == "headers" || strings.Contains(v.form.Text("content_type"), "json") {
				suffix = ".json"
			}
			return prepareEditor(v.viewID, f.Name, f.Value(), suffix)
		}
		v.form.Key(m, k.Next, k.Prev)
	case tea.PasteMsg:
		v.form.Paste(m.Content)
	case execEditorMsg:
		return runEditor(m, v.c.opts.Handoff)
	case editedMsg:
		if m.err != nil {
			v.outcome, v.bad = m.err.Error(), true
			return nil
		}
		f := v.form.Get(m.field)
		if f.Kind != widget.MultiField {
			m.text = strings.TrimSpace(m.text)
		}
		f.Ed.Set(m.text)
	case publishedMsg:
		v.sending = false
		v.outcome, v.bad = m.summary()
		if m.removed != nil {
			// Whatever became of the original, a second ctrl+s must not
			// try to remove it again: it sends just another copy.
			rm := v.form.Get("remove")
			rm.On, rm.Hidden = false, true
			v.outcome += " · ctrl+s again sends another copy"
		}
		if m.err == nil && m.res.Outcome == ops.Confirmed {
			v.sent++
			v.form.MarkClean() // after the removal's change: that is no edit of the person's
		}
	}
	return nil
}

// publishRequest is what a submitted form sends.
type publishRequest struct {
	vhost, exchange, key string
	msg                  message.Message
	file                 string
	remove               *ops.RemoveRequest
	// queues looks up the original's queue for its delivery limit, which
	// Remove needs on a quorum queue; version is the broker's.
	queues  Source
	version string
}

// build checks the form and makes the message; an error names the field
// and moves the focus to it, losing nothing typed.
func (v *publishView) build() (publishRequest, error) {
	f := v.form
	fail := func(field, format string, args ...any) (publishRequest, error) {
		f.FocusOn(field)
		return publishRequest{}, fmt.Errorf(format, args...)
	}
	r := publishRequest{vhost: f.Text("vhost"), exchange: f.Text("exchange"), key: f.Get("routing_key").Value(), file: f.Text("file")}
	if r.vhost == "" {
		return fail("vhost", "vhost: give one (/ is the default)")
	}
	if r.exchange == "" && r.key == "" {
		return fail("routing_key", "routing key: the default exchange needs a queue name as the routing key")
	}
	p := message.Properties{
		ContentType: f.Text("content_type"), ContentEncoding: f.Text("content_encoding"),
		MessageID: f.Text("message_id"), CorrelationID: f.Text("correlation_id"), ReplyTo: f.Text("reply_to"),
		Expiration: f.Text("expiration"), Type: f.Text("type"), AppID: f.Text("app_id"),
	}
	switch f.Get("delivery_mode").Value() {
	case "persistent":
		p.DeliveryMode = 2
	case "transient":
		p.DeliveryMode = 1
	}
	if s := f.Text("priority"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 255 {
			return fail("priority", "priority: %q is not a number from 0 to 255", s)
		}
		p.Priority = uint8(n)
	}
	if p.Expiration != "" {
		if n, err := strconv.ParseUint(p.Expiration, 10, 32); err != nil || n == 0 && p.Expiration != "0" {
			return fail("expiration", "expiration: %q is not a TTL in milliseconds", p.Expiration)
		}
	}
	switch s := f.Text("timestamp"); {
	case s == "":
	case strings.EqualFold(s, "now"):
		p.Timestamp = v.c.now().UTC().Truncate(time.Second)
	default:
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return fail("timestamp", "timestamp: %q is not RFC 3339 (2026-11-26T10:00:00Z) or now", s)
		}
		p.Timestamp = t
	}
	headers, err := message.ParseHeadersJSON(f.Get("headers").Value())
	if err == nil {
		if err = message.CheckHeaders(headers); err != nil {
			err = fmt.Errorf("headers: %w", err)
		}
	}
	if err != nil {
		return fail("headers", "%v", err)
	}
	if v.orig != nil && v.orig.Properties.UserID != "" {
		// The broker refuses a user id other than the publishing user's, so
		// the copy goes without it.
		p.UserID = ""
	}
	body := []byte(f.Get("body").Value())
	if v.rawBody != nil {
		body = v.rawBody
	}
	r.msg = message.Message{Properties: p, Headers: headers, Body: body}
	if rm := f.Get("remove"); v.orig != nil && !rm.Hidden && rm.On {
		r.remove = &ops.RemoveRequest{Vhost: v.orig.Vhost, Queue: v.orig.Queue, Fingerprints: []string{message.Fingerprint(*v.orig)}}
	}
	return r, nil
}

func (v *publishView) submit() tea.Cmd {
	if v.sending {
		return nil
	}
	pub := v.c.target.Publisher
	if pub == nil {
		v.outcome, v.bad = "no AMQP session: publishing needs the AMQP connection", true
		return nil
	}
	req, err := v.build()
	if err != nil {
		v.outcome, v.bad = err.Error(), true
		return nil
	}
	v.sending, v.outcome, v.bad = true, "publishing…", false
	req.queues, req.version = v.c.target.Source, v.c.rabbitVersion
	return publishCmd(v.viewID, pub, req)
}

// publishCmd publishes, and removes the original only once the copy is
// confirmed and routed.
func publishCmd(view int, pub Publisher, req publishRequest) tea.Cmd {
	return func() tea.Msg {
		out := publishedMsg{view: view, target: describeRoute(req.exchange, req.key)}
		if req.file != "" {
			b, _, err := boundedfile.ReadFile(req.file, maxBodyFile)
			if err != nil {
				out.err = fmt.Errorf("body file: %w", err)
				return out
			}
			req.msg.Body = b
		}
		ctx, cancel := context.WithTimeout(context.Background(), publishTimeout)
		defer cancel()
		out.res, out.err = pub.PublishMessage(ctx, req.vhost, req.exchange, req.key, req.msg)
		if out.err != nil || out.res.Outcome != ops.Confirmed || req.remove == nil {
			return out
		}
		out.fromQ = req.remove.Queue
		// The original may sit deep in its queue: its own, longer bound.
		rctx, rcancel := context.WithTimeout(context.Background(), removeTimeout)
		defer rcancel()
		rm := *req.remove
		rm.DeliveryLimit = 0 // unknown: the safe default
		if req.queues != nil {
			if q, err := req.queues.Queue(rctx, rm.Vhost, rm.Queue); err == nil {
				rm.DeliveryLimit, rm.QueueType = deliveryLimit(q, req.version), q.Type
			}
		}
		rr, err := pub.Remove(rctx, rm)
		out.removed, out.remErr = &rr, err
		return out
	}
}

func describeRoute(exchange, key string) string {
	if exchange == "" {
		return "queue " + key + " (default exchange)"
	}
	return "exchange " + exchange + " with key " + strconv.Quote(key)
}

// summary says what became of a publish, and of the original.
func (m publishedMsg) summary() (string, bool) {
	r := m.res
	if m.err != nil && r.Outcome != ops.InDoubt {
		return "not published: " + m.err.Error(), true
	}
	if m.err != nil && r.Err == nil {
		r.Err = m.err // why the confirm never came: a timeout, an alarm
	}
	var s string
	bad := true
	switch r.Outcome {
	case ops.Confirmed:
		s, bad = fmt.Sprintf("✓ confirmed and routed to %s (message id %s)", m.target, r.MessageID), false
	case ops.Returned:
		s = fmt.Sprintf("✗ returned as unroutable by %s: %d %s; no queue got it", m.target, r.ReplyCode, r.ReplyText)
	case ops.Nacked:
		s = "✗ nacked by the broker: not delivered (a queue full with overflow reject-publish?)"
	case ops.Refused:
		s = "✗ refused by the broker: no queue got it"
		if r.Err != nil {
			s += " (" + r.Err.Error() + ")"
		}
	default:
		s = "? in doubt: the link closed before the confirm; it may or may not have arrived"
		if r.Err != nil {
			s += " (" + r.Err.Error() + ")"
		}
	}
	switch {
	case m.remErr != nil && m.removed != nil && m.removed.Removed > 0:
		s += "; the original was removed from " + m.fromQ + ", but then: " + m.remErr.Error()
		bad = true
	case m.remErr != nil:
		s += "; the original may or may not have been removed (check " + m.fromQ + "): " + m.remErr.Error()
		bad = true
	case m.removed != nil && m.removed.Removed > 0:
		s += "; the original was removed from " + m.fromQ
	case m.removed != nil:
		s += "; the original was not found in " + m.fromQ + " (taken meanwhile?), so nothing was removed"
		bad = true
	}
	if r := m.removed; r != nil && r.Requeued > 0 {
		s += fmt.Sprintf("; %d other messages were taken on the way and requeued (on a quorum queue each one's delivery count rose by 1)", r.Requeued)
	}
	if r := m.removed; r != nil && r.ToTail > 0 {
		s += fmt.Sprintf("; %d others taken on the way were at the delivery limit, so they were copied to the tail of %s instead", r.ToTail, m.fromQ)
	}
	return s, bad
}

func (v *publishView) render(w, h int) string {
	th := v.c.th
	var head []string
	if v.orig != nil {
		from := v.orig.Queue
		if from == "" {
			from = v.orig.Exchange
		}
		head = append(head, th.Section.Render("Republish a message from "+safe(from))+th.Faint.Render("  · aimed at its origin; edit anything, then ctrl+s"))
	} else {
		head = append(head, th.Section.Render("Publish a message")+th.Faint.Render("  · mandatory, with a publisher confirm; ctrl+s sends"))
	}
	head = append(head, "")
	var foot []string
	if v.outcome != "" {
		style := th.OK
		if v.bad {
			style = th.Error
		}
		foot = append(foot, "") // wrapped: the outcome names queues and the broker's reasons
		for _, l := range strings.Split(ansi.Wrap(safe(v.outcome), max(w, 10), ""), "\n") {
			foot = append(foot, style.Render(l))
		}
	}
	lines := v.form.Render(th, w, h-len(head)-len(foot))
	return strings.Join(append(append(head, lines...), foot...), "\n")
}
