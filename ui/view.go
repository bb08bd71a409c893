package ui

import (
	"context"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/message"
	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui/theme"
)

// common is what every view shares: theme, keys, settings, the current
// target and the session's history. Views read it; only the App writes it.
type common struct {
	th     theme.Theme
	keys   keyMap
	opts   Options
	target Target
	hist   *history
	// rabbitVersion is the broker's version, once the overview said it.
	rabbitVersion string
	// statsOff: the overview says the broker collects no statistics, so
	// counts, consumers and rates may be unknown and only name and
	// messages can order a list. Views that judge from stats read it.
	statsOff bool
	// statsOffSaid: the notice about it was shown for this broker.
	statsOffSaid bool
	// pins are the queues on the watch board, in the order pinned.
	pins []pin
	// pulse is the background pulse (findings for :pulse and the badge).
	pulse *pulseState
	// tick makes every timer (tea.Tick); tests replace it to drive time.
	tick func(d time.Duration, f func(time.Time) tea.Msg) tea.Cmd
	// frame is how often live panes take their batch (frameEvery).
	frame time.Duration
	now   func() time.Time
	// traces counts, per vhost, the open trace panes for which warren
	// turned tracing on: the last one to close turns it off.
	traces map[string]int
}

// view is one screen on the App's stack. Views mutate themselves through
// pointer receivers; every I/O they need is returned as a tea.Cmd.
type view interface {
	id() int
	// title is the view's breadcrumb, e.g. "queues" or "queue orders".
	title() string
	// status is the right side of the title bar: counts, page, sort.
	status() string
	// load starts a fresh fetch (first show, back on top, ctrl+r).
	load() tea.Cmd
	// update handles keys while focused and the view's own data messages.
	update(msg tea.Msg) tea.Cmd
	// setSize gives the view its area; a list refetches when its page size changes.
	setSize(width, height int) tea.Cmd
	render(width, height int) string
	// keys is every key the view handles, with the App's actions that
	// apply to what it shows (see App.viewScope): footer, help and
	// read-only mode are read off it.
	keys() keyScope
}

// rereader views read again on ctrl+r in a way load does not: load runs
// each time the view comes back on top, reread only when asked.
type rereader interface {
	reread() tea.Cmd
}

// relinker views retry what failed while the AMQP link was down once it
// is back.
type relinker interface {
	relinked() tea.Cmd
}

// filterable views take the / prompt.
type filterable interface {
	filter() string
	setFilter(expr string) tea.Cmd
}

// queueSelector views have a queue selected, for p (peek) and t (live).
type queueSelector interface {
	selectedQueue() (vhost, name, qtype string, ok bool)
}

// exchangeSelector views have an exchange selected, for t (tap).
type exchangeSelector interface {
	selectedExchange() (vhost, name, kind string, ok bool)
}

// messageSelector views have a message selected, for r (republish).
// removable says the message still sits in a queue it can be removed from.
type messageSelector interface {
	selectedMessage() (m message.Message, removable bool, ok bool)
}

// objectShower views show one broker object (a queue's or an exchange's
// detail), so deleting the object closes them.
type objectShower interface {
	shows(kind viewKind, vhost, name string) bool
}

// listKinder views are a list of one kind, for ctrl+n (what to declare).
type listKinder interface {
	listKind() viewKind
}

// staleSelector views may show rows that are not yet those of the current
// filter, sort or page: keys that act on the selection wait meanwhile.
type staleSelector interface {
	stale() bool
}

// firstSelector views put the cursor on their first row when a / filter
// is kept (enter).
type firstSelector interface {
	selectFirst()
}

// closer views hold broker resources to release when they leave.
type closer interface {
	close() tea.Cmd
}

// typingView views take every key as text while typing() is true; only
// esc (close) and ctrl+c (quit) stay the App's.
type typingView interface {
	typing() bool
}

// closeHolder views may keep themselves open on esc once (a form with
// unsent edits, a question that goes back to its choices).
type closeHolder interface {
	holdClose() bool
}

// quitHolder views may keep warren open on ctrl+c once (a form with
// unsent edits).
type quitHolder interface {
	holdQuit() bool
}

// The views that have each capability, checked by the compiler: a method
// whose signature drifts from its interface fails here instead of
// silently dropping the capability.
var (
	_ rereader         = (*peekView)(nil)
	_ relinker         = (*peekView)(nil)
	_ relinker         = (*liveView)(nil)
	_ filterable       = (*listView[mgmt.Queue])(nil)
	_ filterable       = (*liveView)(nil)
	_ filterable       = (*inspector)(nil)
	_ queueSelector    = (*listView[mgmt.Queue])(nil)
	_ queueSelector    = (*queueDetail)(nil)
	_ exchangeSelector = (*listView[mgmt.Exchange])(nil)
	_ exchangeSelector = (*exchangeDetail)(nil)
	_ messageSelector  = (*peekView)(nil)
	_ messageSelector  = (*liveView)(nil)
	_ messageSelector  = (*inspector)(nil)
	_ objectShower     = (*queueDetail)(nil)
	_ objectShower     = (*exchangeDetail)(nil)
	_ listKinder       = (*listView[mgmt.Queue])(nil)
	_ staleSelector    = (*listView[mgmt.Queue])(nil)
	_ firstSelector    = (*listView[mgmt.Queue])(nil)
	_ closer           = (*liveView)(nil)
	_ closer           = (*moveView)(nil)
	_ closer           = (*traceAsk)(nil)
	_ typingView       = (*publishView)(nil)
	_ typingView       = (*declareView)(nil)
	_ typingView       = (*moveView)(nil)
	_ typingView       = (*confirmView)(nil)
	_ typingView       = (*traceAsk)(nil)
	_ closeHolder      = (*publishView)(nil)
	_ closeHolder      = (*declareView)(nil)
	_ closeHolder      = (*moveView)(nil)
	_ closeHolder      = (*traceAsk)(nil)
	_ quitHolder       = (*publishView)(nil)
	_ quitHolder       = (*declareView)(nil)
)

var viewIDs atomic.Int64

func nextViewID() int { return int(viewIDs.Add(1)) }

// fetchedMsg carries a view's fetch result back, tagged with the view and
// the generation that asked, so a stale answer is dropped.
type fetchedMsg struct {
	view int
	gen  int
	data any
	err  error
	took time.Duration // how long the fetch ran
}

// pollMsg re-arms a view's poll; it fetches only if its generation is
// still current and the view is on top.
type pollMsg struct {
	view int
	gen  int
}

// fetchCmd runs f with a timeout off the UI thread. It captures only
// values, never the view.
func fetchCmd(viewID, gen int, timeout time.Duration, f func(ctx context.Context) (any, error)) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		start := time.Now()
		data, err := f(ctx)
		return fetchedMsg{view: viewID, gen: gen, data: data, err: err, took: time.Since(start)}
	}
}

// pollCmd schedules the next poll of a view.
func (c *common) pollCmd(viewID, gen int, every time.Duration) tea.Cmd {
	return c.tick(every, func(time.Time) tea.Msg { return pollMsg{view: viewID, gen: gen} })
}

// openMsg asks the App to push a view: navigation is itself a message.
type openMsg struct {
	kind  viewKind
	vhost string
	name  string
	msg   *message.Message // for kindMessage and kindRoute
	// removable: the message still sits in its queue (for r's removal).
	removable bool
}

func openCmd(kind viewKind, vhost, name string) tea.Cmd {
	return func() tea.Msg { return openMsg{kind: kind, vhost: vhost, name: name} }
}

// statusMsg puts a line in the status bar.
type statusMsg struct {
	text string
	err  bool
}

func statusCmd(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return statusMsg{text: text, err: isErr} }
}

// poller is the fetch/poll bookkeeping every polling view embeds: one
// chain of fetch -> result -> tick -> fetch per generation, so polls never
// overlap, and a new generation orphans the old chain.
type poller struct {
	viewID   int
	gen      int
	inflight bool
	again    bool // a refresh asked for while a fetch ran
	err      error
	lastOK   time.Time
	// slower polls every slower times the refresh (0 or 1: every refresh).
	slower int
}

// pollStretch: after a fetch that took d, the next poll waits at least
// pollStretch*d, so a broker slow to answer is asked less often rather
// than kept busy answering.
const pollStretch = 10

// headerSlower: the header's overview is polled every this many refreshes,
// less often than the visible list.
const headerSlower = 2

// pollEvery is the wait before the next poll after a fetch that took took.
func pollEvery(refresh time.Duration, slower int, took time.Duration) time.Duration {
	return max(refresh*time.Duration(max(slower, 1)), pollStretch*took)
}

// start begins a new generation and returns its first fetch.
func (p *poller) start(timeout time.Duration, f func(ctx context.Context) (any, error)) tea.Cmd {
	p.gen++
	p.inflight = true
	p.again = false
	return fetchCmd(p.viewID, p.gen, timeout, f)
}

// refresh fetches now unless a fetch of this generation is running, in
// which case one more fetch follows it (k9s: a running refresh skips).
func (p *poller) refresh(timeout time.Duration, f func(ctx context.Context) (any, error)) tea.Cmd {
	if p.inflight {
		p.again = true
		return nil
	}
	p.inflight = true
	return fetchCmd(p.viewID, p.gen, timeout, f)
}

// done accepts a result: false if stale. It returns the follow-up: an
// immediate fetch if one was asked for meanwhile, else the next poll.
func (p *poller) done(m fetchedMsg, c *common, f func(ctx context.Context) (any, error)) (bool, tea.Cmd) {
	if m.gen != p.gen {
		return false, nil
	}
	p.inflight = false
	p.err = m.err
	if m.err == nil {
		p.lastOK = c.now()
	}
	if p.again {
		p.again = false
		p.inflight = true
		return true, fetchCmd(p.viewID, p.gen, c.opts.Timeout, f)
	}
	return true, c.pollCmd(p.viewID, p.gen, pollEvery(c.opts.Refresh, p.slower, m.took))
}

// tick handles a poll: fetch if it belongs to the current generation.
func (p *poller) tick(m pollMsg, c *common, f func(ctx context.Context) (any, error)) tea.Cmd {
	if m.gen != p.gen || p.inflight {
		return nil
	}
	p.inflight = true
	return fetchCmd(p.viewID, p.gen, c.opts.Timeout, f)
}
