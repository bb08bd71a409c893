package ui

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/ui/widget"
)

// Tracer reads and sets the broker's firehose (tracing) per vhost;
// *mgmt.Client satisfies it.
type Tracer interface {
	// Tracing lists the vhosts whose firehose is on.
	Tracing(ctx context.Context) ([]string, error)
	SetTracing(ctx context.Context, vhost string, on bool) error
}

// traceCost is what the question says tracing costs.
const traceCost = "With tracing on, the broker publishes a copy of every message published in the vhost, " +
	"and of every delivery, to amq.rabbitmq.trace: about one more publish per message, for every " +
	"client of the vhost, for as long as it is on."

// traceAsk opens a trace pane for one vhost: it reads whether tracing is
// on, asks before turning it on (read-only never does), and then gives
// way to the pane.
type traceAsk struct {
	c       *common
	viewID  int
	vhost   string
	loading bool
	asking  bool // tracing is off: y turns it on
	busy    bool
	err     error
	// gone is set when the question closes (a quit) while y's request is
	// on its way: the request then turns tracing off again itself, and
	// done is closed once it has finished.
	gone *atomic.Bool
	done chan struct{}
}

// tracingMsg brings what traceAsk read or did.
type tracingMsg struct {
	view   int
	on     bool // tracing is on in the vhost now
	turned bool // warren turned it on just now
	err    error
}

func (m tracingMsg) viewID() int { return m.view }

func newTraceAsk(c *common, vhost string) *traceAsk {
	return &traceAsk{c: c, viewID: nextViewID(), vhost: vhost}
}

func (v *traceAsk) id() int                  { return v.viewID }
func (v *traceAsk) title() string            { return "trace vhost " + v.vhost + "?" }
func (v *traceAsk) setSize(w, h int) tea.Cmd { return nil }
func (v *traceAsk) typing() bool             { return true } // only y, n and esc

// holdClose keeps the question open while y's request is on its way, so
// no answer is lost with tracing left on.
func (v *traceAsk) holdClose() bool { return v.busy }

// close, at quit, makes y's request in flight turn tracing off again, and
// waits for it (within the quit's bound).
func (v *traceAsk) close() tea.Cmd {
	if !v.busy {
		return nil
	}
	v.gone.Store(true)
	done := v.done
	return func() tea.Msg { <-done; return nil }
}
func (v *traceAsk) status() string {
	switch {
	case v.loading:
		return "reading whether tracing is on…"
	case v.busy:
		return "turning tracing on…"
	}
	return "asks first"
}

// keys: while it asks, y turns tracing on (a write) and n cancels.
func (v *traceAsk) keys() keyScope {
	if !v.asking || v.busy {
		return keyScope{}
	}
	a := v.answers()
	return scopeOf("Trace", a.Yes, a.No)
}

func (v *traceAsk) answers() answerKeys {
	a := answers("turn tracing on and watch", "cancel")
	a.Yes = a.Yes.write()
	return a
}

func (v *traceAsk) load() tea.Cmd {
	if v.loading || v.asking || v.err != nil {
		return nil
	}
	v.loading = true
	tr, id, vhost, timeout := v.c.target.Tracer, v.viewID, v.vhost, v.c.opts.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		on, err := tr.Tracing(ctx)
		return tracingMsg{view: id, on: containsString(on, vhost), err: err}
	}
}

func (v *traceAsk) update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case tracingMsg:
		v.loading, v.busy, v.err = false, false, m.err
		switch {
		case m.err != nil:
			return nil
		case m.turned:
			v.c.traces[v.vhost]++
			return tea.Batch(v.open(true), func() tea.Msg {
				return tracingChangedMsg{status: "tracing turned on in vhost " + v.vhost + ": warren turns it off when the pane closes"}
			})
		case m.on && v.c.traces[v.vhost] > 0:
			v.c.traces[v.vhost]++ // another pane of warren's holds it on
			return v.open(true)
		case m.on:
			return tea.Batch(v.open(false), statusCmd("tracing was already on in vhost "+v.vhost+
				", turned on outside warren: warren leaves it on when the pane closes", false))
		}
		v.asking = true
	case tea.KeyPressMsg:
		if !v.asking || v.busy {
			return nil
		}
		switch a := v.answers(); {
		case matches(m, a.Yes): // read-only mode refused it before it came here
			v.busy, v.err = true, nil
			v.gone, v.done = &atomic.Bool{}, make(chan struct{})
			tr, id, vhost, timeout, gone, done := v.c.target.Tracer, v.viewID, v.vhost, v.c.opts.Timeout, v.gone, v.done
			return func() tea.Msg {
				defer close(done)
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				defer cancel()
				err := tr.SetTracing(ctx, vhost, true)
				if err != nil {
					// A slow broker may have done it all the same: then it
					// is warren's to turn off.
					rctx, rcancel := context.WithTimeout(context.Background(), timeout)
					defer rcancel()
					if on, rerr := tr.Tracing(rctx); rerr == nil && containsString(on, vhost) {
						err = nil
					}
				}
				if err == nil && gone.Load() {
					octx, ocancel := context.WithTimeout(context.Background(), traceOffWait)
					defer ocancel()
					if err := tr.SetTracing(octx, vhost, false); err != nil {
						return tracingChangedMsg{exit: true, err: true, status: "tracing may still be on in vhost " + vhost +
							" (" + err.Error() + "): rabbitmqctl trace_off -p " + vhost + " turns it off"}
					}
					return nil
				}
				return tracingMsg{view: id, on: err == nil, turned: err == nil, err: err}
			}
		case matches(m, a.No):
			return func() tea.Msg { return popMsg{view: v.viewID} }
		}
	}
	return nil
}

// open replaces the question with the pane: a tap of the firehose, every
// publish and delivery.
func (v *traceAsk) open(own bool) tea.Cmd {
	spec := liveSpec{kind: paneTrace, ownTrace: own,
		tap: ops.TapSpec{Vhost: v.vhost, Exchange: ops.FirehoseExchange, Kind: "topic", Key: "#"}}
	return func() tea.Msg { return liveOpenMsg{spec: spec} }
}

func (v *traceAsk) render(w, h int) string {
	th := v.c.th
	var b strings.Builder
	b.WriteString(th.Section.Render(safe("Trace vhost "+v.vhost)) + "\n\n")
	switch {
	case v.err != nil:
		b.WriteString(th.Error.Render(safe(v.err.Error())) + "\n")
	case v.loading:
		b.WriteString("reading whether tracing is on in the vhost…\n")
	case v.asking && v.c.refuses(v.answers().Yes.writes):
		b.WriteString(th.Warn.Render(safe("read-only: tracing is off in vhost "+v.vhost+", and warren does not turn it on "+
			"(turning it on is a change to the broker). With it on (rabbitmqctl trace_on -p "+v.vhost+"), :trace shows it.")) + "\n")
	case v.asking:
		b.WriteString(safe("Turn tracing (the firehose) on in vhost "+v.vhost+" and watch every publish and delivery?") + "\n\n")
		b.WriteString(th.Warn.Render(traceCost) + "\n\n")
		b.WriteString("warren turns it off again when the pane closes or warren quits.\n\n")
		b.WriteString(v.c.keyLine(v.keys().bindings()...) + "\n")
	}
	return ansi.Wordwrap(b.String(), max(w, 20), " ")
}

// tracingChangedMsg: warren turned tracing on or off; the header reads it
// again at once.
type tracingChangedMsg struct {
	status string
	err    bool
	exit   bool // at quit: a failure is said when warren exits
}

// traceOff turns tracing off once the last of warren's panes that turned
// it on closes.
func (c *common) traceOff(vhost string) tea.Cmd {
	if c.traces[vhost]--; c.traces[vhost] > 0 {
		return nil
	}
	delete(c.traces, vhost)
	tr, timeout := c.target.Tracer, c.opts.Timeout
	if tr == nil {
		return nil
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), min(timeout, 5*time.Second))
		defer cancel()
		if err := tr.SetTracing(ctx, vhost, false); err != nil {
			return tracingChangedMsg{status: "tracing is still on in vhost " + vhost + ": " + err.Error(), err: true}
		}
		return tracingChangedMsg{status: "tracing turned off in vhost " + vhost}
	}
}

// tracesOff turns off, at quit, the tracing warren turned on: one command
// for all, each vhost bounded by traceOffWait, before the panes close.
func (a *App) tracesOff() tea.Cmd {
	var vhosts []string
	for vh := range a.c.traces {
		vhosts = append(vhosts, vh)
	}
	for _, v := range a.stack {
		if lv, ok := v.(*liveView); ok {
			lv.spec.ownTrace = false // done here, not by the pane's close
		}
	}
	a.c.traces = map[string]int{}
	tr := a.c.target.Tracer
	if len(vhosts) == 0 || tr == nil {
		return nil
	}
	return func() tea.Msg {
		var failed []string
		for _, vh := range vhosts {
			ctx, cancel := context.WithTimeout(context.Background(), traceOffWait)
			if err := tr.SetTracing(ctx, vh, false); err != nil {
				failed = append(failed, vh+" ("+err.Error()+")")
			}
			cancel()
		}
		if len(failed) == 0 {
			return nil
		}
		return tracingChangedMsg{exit: true, err: true, status: "tracing may still be on in vhost " + strings.Join(failed, ", ") +
			": rabbitmqctl trace_off -p VHOST turns it off"}
	}
}

// traceOffWait bounds turning tracing off at quit.
const traceOffWait = 5 * time.Second

// traceColumns are a trace pane's: one row per publish or delivery.
func traceColumns() []widget.Column {
	return []widget.Column{
		{Title: "TIME", Width: 12},
		{Title: "EVENT", Width: 7},
		{Title: "EXCHANGE", Width: 10, Flex: 1},
		{Title: "ROUTING KEY", Width: 12, Flex: 2},
		{Title: "QUEUES", Width: 12, Flex: 2},
		{Title: "CONNECTION", Width: 12, Flex: 2, Drop: 2},
		{Title: "USER", Width: 8, Drop: 1},
		{Title: "BODY", Width: 16, Flex: 3},
	}
}

// traceRow reads one firehose message: its routing key says publish.X or
// deliver.Q, its headers what the broker knew of it.
func traceRow(at time.Time, m message.Message) []string {
	event, rest, _ := strings.Cut(m.RoutingKey, ".")
	h := m.Headers
	queues := traceList(h["routed_queues"])
	switch {
	case event == "deliver":
		queues = rest
	case event == "publish" && queues == "":
		queues = "unroutable: dropped (or returned)"
	}
	return []string{
		at.Format("15:04:05.000"), event, exchangeName(traceString(h["exchange_name"])), traceList(h["routing_keys"]),
		queues, traceString(h["connection"]), traceString(h["user"]), message.Preview(m, 80),
	}
}

func traceString(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return message.FormatValue(v)
}

func traceList(v any) string {
	items, ok := v.([]any)
	if !ok {
		return traceString(v)
	}
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = traceString(it)
	}
	return strings.Join(parts, ",")
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// startTrace is :trace [VHOST]: the vhost named, else the one the lists
// show.
func (a *App) startTrace(arg string) tea.Cmd {
	vhost := strings.TrimSpace(arg)
	if vhost == "" {
		vhost = a.c.target.Vhost
	}
	switch {
	case a.c.target.Tracer == nil:
		return statusCmd("no management API client: :trace needs it to see and set tracing", true)
	case a.c.target.Streamer == nil:
		return statusCmd("no AMQP session: a trace pane needs the AMQP connection", true)
	case vhost == "":
		return statusCmd(":trace VHOST, or pick a vhost with :vhost first: tracing is turned on per vhost", true)
	}
	return a.push(newTraceAsk(a.c, vhost))
}

// tracingRead takes the header's read of which vhosts are traced. The
// first time, it says so of a tracing warren did not turn on: it costs
// the broker, and warren leaves it as it is.
func (a *App) tracingRead(on []string) {
	a.header.tracing = on
	if a.header.traceSeen {
		return
	}
	a.header.traceSeen = true
	var others []string
	for _, vh := range on {
		if a.c.traces[vh] == 0 {
			others = append(others, vh)
		}
	}
	if len(others) > 0 {
		a.setStatus("tracing (the firehose) is on in vhost "+strings.Join(others, ", ")+
			": the broker publishes a copy of every message there; warren leaves it as it is (:trace watches it)", false)
	}
}
