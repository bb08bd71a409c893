package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui/widget"
)

// hostile is what a producer or a broker can put in any string warren
// shows: an OSC 8 hyperlink hiding its target, an OSC 52 clipboard write,
// SGR (after "SGR", so a leak shows as "SGRRED"), an OSC 0 window title, a
// C1 CSI (U+009B), a C1 NEL, bidi override and isolate, and invalid UTF-8.
const hostile = "\x1b]8;;https://evil.example/\x1b\\LINK\x1b]8;;\x1b\\" +
	"\x1b]52;c;aGk=\x07SGR\x1b[31mRED\x1b]0;owned\x07\u009b2J\u0085\u202eRTL\u2066\xff!"

// hostileFake is a broker whose every name, argument, property and reason
// is hostile. Names come raw, as mgmt hands them to the UI; the other
// fields come raw too, as if they had skipped mgmt's escaping: the UI's own
// guard must hold on its own.
func hostileFake() *fakeSource {
	args := map[string]any{"x-note": "n" + hostile, hostile: []any{hostile, 3.0, map[string]any{hostile: hostile}}}
	f := &fakeSource{
		overview: mgmt.Overview{ClusterName: hostile, RabbitMQVersion: hostile, ErlangVersion: hostile, User: hostile, Queues: 1},
		policy:   args,
		consumers: []mgmt.Consumer{{Tag: hostile, ChannelName: hostile, ConnectionName: hostile,
			AckRequired: true, Prefetch: 10, Active: true}},
	}
	f.queues = []mgmt.Queue{{Vhost: "/", Name: hostile, Type: "classic", State: hostile, Node: hostile,
		Policy: hostile, Arguments: args, Ready: 2, Messages: 2, HasStats: true}}
	f.exchanges = []mgmt.Exchange{{Vhost: "/", Name: hostile, Type: hostile, Arguments: args, HasStats: true}}
	f.bindings = []mgmt.Binding{
		{Vhost: "/", Source: hostile, Destination: hostile, DestinationType: "queue", RoutingKey: hostile, Arguments: args, PropertiesKey: hostile},
		{Vhost: "/", Source: hostile, Destination: hostile, DestinationType: "exchange", RoutingKey: hostile, Arguments: args, PropertiesKey: hostile},
	}
	f.connections = []mgmt.Connection{{Name: hostile, Vhost: hostile, User: hostile, State: hostile, Protocol: hostile,
		Client: hostile, ClientName: hostile, PeerHost: hostile, ConnectedAt: fixedNow.Add(-time.Hour)}}
	f.nodes = []mgmt.Node{{Name: hostile, Type: hostile, Running: true, Partitions: []string{hostile}}}
	return f
}

// hostileMessage has every property, header key and value, x-death field
// and its body hostile: a text body (kind 0), a JSON body with C1 and bidi
// runes in its strings (1), or a body in a hostile charset and encoding,
// whose decoding notes quote them (2).
func hostileMessage(i, kind int) message.Message {
	text := strings.ReplaceAll(hostile, "\xff", "")
	m := message.Message{Vhost: hostile, Queue: hostile, Position: i, Offset: -1, Exchange: hostile, RoutingKey: hostile, Redelivered: true,
		Properties: message.Properties{ContentType: "text/plain", DeliveryMode: 2,
			MessageID: hostile, CorrelationID: hostile, ReplyTo: hostile, Expiration: hostile, Type: hostile,
			UserID: hostile, AppID: hostile, Timestamp: fixedTS},
		Headers: map[string]any{
			hostile: hostile,
			"x-death": []any{map[string]any{"reason": hostile, "queue": hostile, "exchange": hostile,
				"routing-keys": []any{hostile}, "count": int64(2), "time": fixedTS, "original-expiration": hostile}},
			"x-first-death-reason": hostile, "x-first-death-queue": hostile, "x-first-death-exchange": hostile,
			"nested": map[string]any{hostile: []any{hostile, []byte(hostile)}},
		},
		// Enough plain text that the body reads as text, not as binary; valid
		// UTF-8, or it would be shown as hex.
		Body: []byte("body " + text + strings.Repeat(" plain words", 20) + "\nsecond\tline " + text + strings.Repeat(" more", 30)),
	}
	switch kind {
	case 1:
		m.Properties.ContentType = "application/json"
		m.Body = []byte("{\"k\u202e\u009b\": \"v\u0085\u202e\u2066\", \"n\": [1, \"\u009b\"]}")
	case 2:
		m.Properties.ContentType, m.Properties.ContentEncoding = "text/plain; charset="+hostile, hostile
		m.Body = append(m.Body, hostile...)
	}
	return m
}

// hostileStreamer's exact depth reads fail with a hostile reason.
type hostileStreamer struct{ fakeStreamer }

func (s *hostileStreamer) QueueDepth(context.Context, string, string) (int, int, error) {
	return 0, 0, errors.New(hostile)
}

// checkFrame fails unless every escape sequence in frame, the bytes warren
// hands to the terminal, is warren's own SGR styling (ESC [ params m), and
// no C0, C1 or bidi rune nor invalid UTF-8 is in it. shownIn says where
// the hostile text must be on screen, visibly escaped: "title" (the title
// bar), "body" (below it), "status" (the bottom line) or "" (nowhere).
func checkFrame(t *testing.T, where, frame, shownIn string) {
	t.Helper()
	lines := strings.Split(frame, "\n")
	for n, line := range lines {
		if bad, at := unsafeAt(line); bad != "" {
			t.Errorf("%s, line %d: %s: %q", where, n+1, bad, line[max(at-40, 0):min(at+40, len(line))])
		}
	}
	plain := ansi.Strip(frame)
	if strings.Contains(plain, "SGRRED") {
		t.Errorf("%s: hostile SGR reached the terminal as styling", where)
	}
	var region []string
	switch shownIn {
	case "body":
		region = lines[min(3, len(lines)):max(len(lines)-1, 3)]
	case "title":
		region = lines[2:3]
	case "status":
		region = lines[len(lines)-1:]
	}
	if shownIn != "" && !strings.Contains(ansi.Strip(strings.Join(region, "\n")), `\x1b]8;;`) {
		t.Errorf("%s: the hostile text is not shown escaped in the %s:\n%s", where, shownIn, plain)
	}
}

// unsafeAt finds the first byte of line that is not warren's styling or
// safe text, and says what it is.
func unsafeAt(line string) (string, int) {
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRuneInString(line[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return "invalid UTF-8", i
		case r == 0x1b:
			n := sgrLen(line[i:])
			if n == 0 {
				return "an escape sequence other than SGR", i
			}
			i += n
			continue
		case r < 0x20 || r == 0x7f:
			return "a C0 control", i
		case r >= 0x80 && r <= 0x9f:
			return "a C1 control", i
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return "a bidi control", i
		}
		i += size
	}
	return "", 0
}

// sgrLen is the length of the SGR sequence s starts with, or 0.
func sgrLen(s string) int {
	if !strings.HasPrefix(s, "\x1b[") {
		return 0
	}
	for j := 2; j < len(s); j++ {
		switch c := s[j]; {
		case c >= '0' && c <= '9' || c == ';' || c == ':':
		case c == 'm':
			return j + 1
		default:
			return 0
		}
	}
	return 0
}

// Every view, fed a broker where everything is hostile, writes only
// warren's own styling to the terminal and shows the hostile text escaped.
func TestHostileBrokerTextNeverReachesTheTerminal(t *testing.T) {
	f := hostileFake()
	pk := &fakePeeker{msgs: []message.Message{hostileMessage(1, 0), hostileMessage(2, 1), hostileMessage(3, 2)}}
	st := &hostileStreamer{fakeStreamer{feed: &fakeFeed{}}}
	a := newTestApp(f, Target{Peeker: pk, Streamer: st, Mover: &fakeMover{}, Publisher: &fakePublisher{outcome: ops.Confirmed},
		Admin: &fakeAdmin{}, Context: "ctx"})
	// keys sends each message on its own, letting the commands of one
	// settle before the next.
	keys := func(msgs ...tea.Msg) {
		t.Helper()
		for _, m := range msgs {
			settle(t, a, m)
		}
	}
	check := func(where string, top view, shownIn string) {
		t.Helper()
		if got, want := fmt.Sprintf("%T", a.top()), fmt.Sprintf("%T", top); got != want {
			t.Fatalf("%s: the top view is %s, want %s", where, got, want)
		}
		v := a.View()
		checkFrame(t, where, v.Content, shownIn)
		if v.WindowTitle != "warren" {
			t.Errorf("%s: window title %q", where, v.WindowTitle)
		}
		for n, l := range strings.Split(v.Content, "\n") {
			if w := ansi.StringWidth(l); w > 120 {
				t.Errorf("%s, line %d: %d columns on a 120-column screen", where, n+1, w)
			}
		}
	}
	command := func(c string) {
		t.Helper()
		keys(press(":"))
		keys(typed(c)...)
		keys(press("enter"))
	}
	var (
		list      *listView[mgmt.Queue]
		exchanges *listView[mgmt.Exchange]
		bindings  *listView[mgmt.Binding]
		conns     *listView[mgmt.Connection]
		nodes     *listView[mgmt.Node]
		detail    *queueDetail
		xdetail   *exchangeDetail
		peek      *peekView
		insp      *inspector
		pub       *publishView
		move      *moveView
		confirm   *confirmView
		consume   *consumeDialog
		live      *liveView
		watch     *watchView
	)
	settle(t, a, a.Init(), size())
	check("queue list and header", list, "body")

	keys(press("enter"))
	check("queue detail", detail, "body")
	keys(press("?"))
	check("help of the queue detail", detail, "body")
	keys(press("?"), press("esc"))

	keys(press("p"))
	check("peek list", peek, "body")
	var exported string
	a.top().(*peekView).exports = func(path string, _ []message.Message) error { exported = path; return nil }
	for i, body := range []string{"text", "JSON", "hostile charset and encoding"} {
		keys(press("enter"))
		check("inspector, "+body+" body", insp, "body")
		for _, view := range []string{"raw", "hex", "pretty"} {
			keys(press("v"))
			check("inspector, "+body+" body, "+view, insp, "body")
		}
		keys(press("esc"))
		if i < 2 {
			keys(press("down"))
		}
	}
	keys(press("up"), press("up"), press("enter"), press("/"), tea.PasteMsg{Content: hostile})
	check("inspector search prompt with a pasted hostile query", insp, "status")
	keys(press("enter"))
	check("inspector with the hostile query in its status", insp, "title")
	keys(press("r"))
	check("republish form prefilled from the message", pub, "body")
	keys(press("esc"), press("esc"), press("esc"), press("m")) // the form, the search, the inspector
	check("move dialog of the peeked queue", move, "body")
	keys(press("a"), tea.PasteMsg{Content: hostile})
	check("move target form with a pasted hostile name", move, "body")
	keys(press("esc"), press("e"))
	check("peek list after an export", peek, "body")
	if strings.ContainsFunc(exported, message.Unsafe) || !utf8.ValidString(exported) {
		t.Errorf("export file name %q holds control or bidi runes", exported)
	}

	keys(press("esc"), press("ctrl+p"))
	check("purge confirmation", confirm, "body")
	keys(press("esc"), press("ctrl+d"), tea.PasteMsg{Content: hostile})
	check("delete confirmation with the pasted name", confirm, "body")
	keys(press("esc"), press("P"))
	check("publish form aimed at the queue", pub, "body")
	keys(press("esc"), press("t"))
	check("consume dialog", consume, "body")
	keys(press("n"))
	st.feed.push(hostileMessage(4, 0), hostileMessage(5, 1))
	frame(t, a)
	check("consume pane below the queue list", live, "body")
	keys(press("f"))
	check("consume pane, full screen", live, "body")
	keys(press("esc"), press("w"))
	command("watch")
	wv := a.top().(*watchView)
	settle(t, a, pollMsg{view: wv.id(), gen: wv.poll.gen})
	check("watch board with a hostile depth error", watch, "body")

	command("exchanges")
	check("exchange list", exchanges, "body")
	keys(press("enter"))
	check("exchange detail", xdetail, "body")
	keys(press("esc"), press("t"))
	st.feed.push(hostileMessage(6, 2))
	frame(t, a)
	check("tap pane", live, "body")
	keys(press("esc"), press("P"))
	check("publish form aimed at the exchange", pub, "body")
	keys(press("esc"))

	command("bindings")
	check("binding list", bindings, "body")
	command("connections")
	check("connection list", conns, "body")
	command("nodes")
	check("node list", nodes, "body")

	keys(press(":"), tea.PasteMsg{Content: "import " + hostile})
	check("command prompt with a pasted hostile path", nodes, "status")
	keys(press("enter"))
	check("import of a hostile path, refused before any menu", nodes, "status")

	command("queues")
	f.setFail(errors.New("HTTP 400: " + hostile))
	keys(press("ctrl+r"))
	check("status bar with a hostile error reason", list, "status")
}

// The escaped form keeps wide runes' width: a CJK name still fills its
// column exactly.
func TestHostileCellsKeepTheirWidth(t *testing.T) {
	for _, s := range []string{hostile, "注文\u202e📦" + hostile} {
		for _, w := range []int{1, 5, 17, 200} {
			c := widget.Cell(s, w, false)
			if ansi.StringWidth(c) != w {
				t.Errorf("cell(%q, %d) is %d wide: %q", s, w, ansi.StringWidth(c), c)
			}
			checkFrame(t, "cell", c, "")
		}
	}
}
