package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/route"
	"github.com/warren-tui/warren/ui/widget"
)

// TopologySource loads what the route tracer and the dead-letter map need
// about one vhost; *mgmt.Client satisfies it. A Source without it gets a
// line saying the tracer is unavailable.
type TopologySource interface {
	// RouteTopology loads the vhost's exchanges and queues, and the
	// bindings that traces from the from exchanges (and, with
	// deadLetters, every queue's dead letters) can meet.
	RouteTopology(ctx context.Context, vhost string, from []string, deadLetters bool) (*route.Topology, error)
}

// errNoTopology is what a Source that cannot list a topology gets.
var errNoTopology = errors.New("this connection cannot list the vhost's bindings")

// topologyCmd loads a vhost's topology off the UI thread.
func topologyCmd(c *common, viewID, gen int, vhost string, from []string, deadLetters bool) tea.Cmd {
	ts, ok := c.target.Source.(TopologySource)
	timeout := c.opts.Timeout
	return func() tea.Msg {
		if !ok {
			return topologyMsg{view: viewID, gen: gen, err: errNoTopology}
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		t, err := ts.RouteTopology(ctx, vhost, from, deadLetters)
		return topologyMsg{view: viewID, gen: gen, top: t, err: err}
	}
}

// topologyMsg brings a vhost's topology to the view that asked.
type topologyMsg struct {
	view, gen int
	top       *route.Topology
	err       error
}

func (m topologyMsg) viewID() int { return m.view }

// routeView shows where a message would go (:route, or ctrl+t in the
// publish form): each exchange on the way, the bindings it matches and
// why, alternate exchanges, and the queues it lands in. Nothing is
// published: it is worked out from the vhost's bindings.
type routeView struct {
	c      *common
	viewID int
	gen    int
	vhost  string
	pub    route.Publish
	res    route.Result
	notes  []string
	loaded bool
	err    error
	doc    widget.Page
}

func newRouteView(c *common, vhost string, p route.Publish) *routeView {
	if vhost == "" {
		vhost = "/"
	}
	return &routeView{c: c, viewID: nextViewID(), vhost: vhost, pub: p}
}

// routeVhost is the vhost :route traces in: the one the lists show, or,
// when they show every vhost, the selected row's (else "/").
func (a *App) routeVhost() string {
	if vh := a.c.target.Vhost; vh != "" {
		return vh
	}
	if s, ok := a.top().(exchangeSelector); ok {
		if vh, _, _, ok := s.selectedExchange(); ok && vh != "" {
			return vh
		}
	}
	if s, ok := a.top().(queueSelector); ok {
		if vh, _, _, ok := s.selectedQueue(); ok && vh != "" {
			return vh
		}
	}
	return "/"
}

// routeViewOf traces the exchange, routing key and headers of m.
func routeViewOf(c *common, vhost string, m message.Message) *routeView {
	return newRouteView(c, vhost, route.Publish{Exchange: m.Exchange, RoutingKey: m.RoutingKey, Headers: m.Headers})
}

func (v *routeView) id() int { return v.viewID }

func (v *routeView) title() string {
	return "route " + exchangeName(v.pub.Exchange) + " " + v.pub.RoutingKey
}

func (v *routeView) status() string {
	if !v.loaded {
		return "vhost " + v.vhost + " · tracing…"
	}
	return "vhost " + v.vhost + " · nothing was published"
}

func (v *routeView) load() tea.Cmd {
	v.gen++
	return topologyCmd(v.c, v.viewID, v.gen, v.vhost, []string{v.pub.Exchange}, false)
}

func (v *routeView) update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case topologyMsg:
		if m.gen != v.gen {
			return nil
		}
		v.err = m.err
		if m.err != nil {
			return nil
		}
		v.res, v.notes, v.loaded = m.top.Trace(v.pub), m.top.Notes, true
		v.rebuild()
	case tea.KeyPressMsg:
		return v.doc.Key(m, v.c.keys.Table.nav())
	}
	return nil
}

func (v *routeView) rebuild() {
	th := v.c.th
	var d widget.Page
	d.Add(th.Label.Render("published to ") + th.HeaderValue.Render(safe(exchangeName(v.pub.Exchange))) +
		th.Label.Render("  key ") + th.HeaderValue.Render(safe(strconv.Quote(v.pub.RoutingKey))))
	if len(v.pub.Headers) > 0 {
		d.Add(th.Label.Render("headers ") + safe(headersInline(v.pub.Headers)))
	}
	d.Add("")
	if v.res.Refused != "" || v.res.Unroutable() {
		d.Add(th.Error.Render(safe(v.res.Summary())))
	} else {
		d.Add(th.Section.Render("→ " + safe(v.res.Summary())))
	}
	if v.res.Refused == "" {
		d.Add("")
		d.Add(th.Section.Render("PATH") + th.Faint.Render("  enter opens a queue or exchange"))
		addHops(&d, v.c, v.vhost, v.res.Hops, "  ")
	}
	if len(v.res.Queues) > 0 {
		d.Add("")
		d.Add(th.Section.Render(fmt.Sprintf("LANDS IN (%d)", len(v.res.Queues))))
		for _, q := range v.res.Queues {
			line := "  " + safe(q)
			d.AddLink(line, line, openCmd(kindQueue, v.vhost, q))
		}
	}
	d.Add("")
	for _, n := range v.notes {
		d.Add(th.Faint.Render(safe(n)))
	}
	d.Add(th.Faint.Render("Worked out from the vhost's exchanges and bindings: nothing was published."))
	v.doc.Replace(d)
}

// addHops draws a trace's exchanges, each with the bindings it matched
// (links to their destinations), its alternate exchange and notes.
func addHops(d *widget.Page, c *common, vhost string, hops []route.Hop, indent string) {
	th := c.th
	for _, h := range hops {
		kind := h.Type
		if h.Internal {
			kind += ", internal"
		}
		head := fmt.Sprintf("%s● %s (%s)  %s", indent, safe(exchangeName(h.Exchange)), safe(kind), safe(h.ViaText()))
		d.AddLink(head, head, openCmd(kindExchange, vhost, h.Exchange))
		for _, m := range h.Matched {
			b := m.Binding
			what := "queue"
			open := openCmd(kindQueue, vhost, b.Destination)
			if b.DestinationType == route.ToExchange {
				what, open = "exchange", openCmd(kindExchange, vhost, b.Destination)
			}
			line := fmt.Sprintf("%s    → %s %s  %s", indent, what, safe(b.Destination), safe(m.Why))
			if m.Again {
				line += "  (already routed this message: stops here)"
			}
			d.AddLink(line, line, open)
		}
		if len(h.Matched) == 0 && !h.Unknown && h.Exchange != "" {
			if h.Alternate.Set {
				d.Add(th.Faint.Render(fmt.Sprintf("%s    no binding matched → alternate exchange %s (%s)", indent,
					safe(exchangeName(h.Alternate.Value)), safe(h.Alternate.From))))
			} else {
				d.Add(th.Faint.Render(indent + "    no binding matched"))
			}
		}
		for _, n := range h.Notes {
			d.Add(th.Faint.Render(indent + "    " + safe(n)))
		}
	}
}

func (v *routeView) setSize(w, h int) tea.Cmd {
	v.doc.Height = h
	v.doc.Clamp()
	return nil
}

func (v *routeView) render(w, h int) string {
	switch {
	case v.loaded:
		return v.doc.Render(v.c.th, w, h)
	case v.err != nil:
		return v.c.th.Error.Render("cannot trace in vhost " + safe(v.vhost) + ": " + safe(v.err.Error()))
	}
	return v.c.th.Faint.Render("loading the exchanges and bindings of vhost " + safe(v.vhost) + "…")
}

func (v *routeView) keys() keyScope {
	tk := v.c.keys.Table
	return scopeOf("Route", append(tk.moves(), tk.open("open the selected exchange or queue on the path"),
		v.c.keys.Global.Refresh.about("trace the route again").hint("trace again"))...)
}

// headersInline is a short name=value list, sorted by name.
func headersInline(h map[string]any) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, h[k])
	}
	return strings.Join(parts, " ")
}

// parseRoute reads :route's arguments: EXCHANGE KEY [h:name=value …].
// The default exchange is "" (or - or amq.default); a word may be quoted
// ("a b", "" for empty). h:name=value sets a string header;
// h:name:=JSON a typed one (h:n:=5 is a number, h:b:=true a boolean).
func parseRoute(arg string) (route.Publish, error) {
	words, err := splitQuoted(arg)
	if err != nil {
		return route.Publish{}, err
	}
	if len(words) == 0 {
		return route.Publish{}, errors.New(routeUsage)
	}
	p := route.Publish{Exchange: words[0]}
	switch p.Exchange {
	case "-", "amq.default", "(default)":
		p.Exchange = ""
	}
	rest := words[1:]
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "h:") {
		p.RoutingKey, rest = rest[0], rest[1:]
	}
	for _, w := range rest {
		h, ok := strings.CutPrefix(w, "h:")
		if !ok {
			return route.Publish{}, fmt.Errorf("%q: headers are h:name=value (or h:name:=JSON for a typed value); %s", w, routeUsage)
		}
		if p.Headers == nil {
			p.Headers = map[string]any{}
		}
		if name, raw, ok := strings.Cut(h, ":="); ok && name != "" {
			val, err := typedHeader(raw)
			if err != nil {
				return route.Publish{}, fmt.Errorf("header %s: %v", name, err)
			}
			p.Headers[name] = val
			continue
		}
		name, val, ok := strings.Cut(h, "=")
		if !ok || name == "" {
			return route.Publish{}, fmt.Errorf("%q: headers are h:name=value", w)
		}
		p.Headers[name] = val
	}
	return p, nil
}

const routeUsage = ":route EXCHANGE KEY [h:name=value …] (\"\" is the default exchange)"

// typedHeader reads a JSON header value: integers stay exact.
func typedHeader(raw string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%q is not JSON", raw)
	}
	return mgmt.ExactNumbers(v), nil
}

// splitQuoted splits on spaces; a word in double quotes may hold spaces
// and Go escapes, and "" is an empty word.
func splitQuoted(s string) ([]string, error) {
	var out []string
	s = strings.TrimSpace(s)
	for s != "" {
		if s[0] == '"' {
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return nil, fmt.Errorf("unclosed quote in %q", s)
			}
			w, _ := strconv.Unquote(q)
			out = append(out, w)
			s = strings.TrimLeft(s[len(q):], " ")
			continue
		}
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			i = len(s)
		}
		out = append(out, s[:i])
		s = strings.TrimLeft(s[i:], " ")
	}
	return out, nil
}

// trace opens the route of what the publish form holds now: its vhost,
// exchange, routing key and headers. Nothing is sent.
func (v *publishView) trace() tea.Cmd {
	f := v.form
	headers, err := message.ParseHeadersJSON(f.Get("headers").Value())
	if err != nil {
		f.FocusOn("headers")
		v.outcome, v.bad = err.Error(), true
		return nil
	}
	m := message.Message{Exchange: f.Text("exchange"), RoutingKey: f.Get("routing_key").Value(), Headers: headers}
	vhost := f.Text("vhost")
	return func() tea.Msg { return openMsg{kind: kindRoute, vhost: vhost, msg: &m} }
}
