package ui

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui/widget"
)

// listSpec says what a list view lists and how; listView does the rest.
type listSpec[T any] struct {
	kind  viewKind // kindQueues, ...; its String is the title
	cols  []widget.Column
	fetch func(ctx context.Context, src Source, o mgmt.ListOptions) (mgmt.Page[T], error)
	row   func(c *common, item T) []string
	key   func(item T) string
	open  func(item T) tea.Cmd // nil: rows have no detail
	sorts []mgmt.SortKey       // allowed sorts; the first is the default
	// observe sees every page that arrives (e.g. to record depth history).
	observe func(c *common, items []T)
	// enrich completes a fetched page inside the fetch, off the UI's
	// goroutine (queues: exact depths where the broker gave none).
	enrich func(ctx context.Context, t Target, items []T)
	// nodeFilter: the filter may start with node:NAME (queues).
	nodeFilter bool
}

// listView is a server-paged, server-sorted, filtered table of one kind.
// A page is as tall as the screen, so stats are fetched only for what is
// visible.
type listView[T any] struct {
	c     *common
	spec  listSpec[T]
	opts  mgmt.ListOptions
	page  mgmt.Page[T]
	items []T
	tbl   widget.Table
	poll  poller
	// landing says where the cursor goes when a page change arrives.
	landing int // 0 keep, -1 last row, +1 first row
	keepKey string
	typed   string // the filter as typed, node:NAME included
	loaded  bool
}

func newListView[T any](c *common, spec listSpec[T]) *listView[T] {
	v := &listView[T]{c: c, spec: spec}
	v.poll.viewID = nextViewID()
	v.opts = mgmt.ListOptions{Vhost: c.target.Vhost, Page: 1, Sort: spec.sorts[0]}
	v.tbl.Cols = spec.cols
	return v
}

func (v *listView[T]) id() int       { return v.poll.viewID }
func (v *listView[T]) title() string { return v.spec.kind.String() }

func (v *listView[T]) fetcher() func(ctx context.Context) (any, error) {
	src, opts, fetch, enrich, target := v.c.target.Source, v.opts, v.spec.fetch, v.spec.enrich, v.c.target
	return func(ctx context.Context) (any, error) {
		p, err := fetch(ctx, src, opts)
		if err == nil && enrich != nil {
			enrich(ctx, target, p.Items)
		}
		return p, err
	}
}

func (v *listView[T]) load() tea.Cmd {
	if v.tbl.Height <= 0 {
		return nil // not sized yet; setSize loads
	}
	v.opts.PageSize = min(v.tbl.Height, mgmt.MaxPageSize)
	return v.poll.start(v.c.opts.Timeout, v.fetcher())
}

func (v *listView[T]) status() string {
	var parts []string
	if v.loaded {
		n := v.page.FilteredCount
		kind := v.spec.kind.String()
		if n == 1 {
			kind = strings.TrimSuffix(kind, "s")
		}
		s := fmt.Sprintf("%s %s", count(int64(n)), kind)
		if v.opts.Filter != "" && v.page.TotalCount != n {
			s += fmt.Sprintf(" of %s", count(int64(v.page.TotalCount)))
		}
		parts = append(parts, s)
		if v.page.PageCount > 1 {
			parts = append(parts, fmt.Sprintf("page %d/%d", v.page.Page, v.page.PageCount))
		}
	} else {
		parts = append(parts, "loading…")
	}
	dir := "↑"
	if v.opts.Reverse {
		dir = "↓"
	}
	parts = append(parts, "sort "+string(v.opts.Sort)+dir)
	if v.opts.Filter != "" {
		parts = append(parts, "filter /"+v.opts.Filter+"/")
	}
	if v.opts.Node != "" {
		parts = append(parts, "node "+v.opts.Node)
	}
	return strings.Join(parts, " · ")
}

func (v *listView[T]) filter() string { return v.typed }

// filterErrPrefix starts every status that says a filter is wrong, so a
// valid filter typed after it clears it.
const filterErrPrefix = "filter: "

// validFilter says whether expr compiles as a list filter.
func validFilter(expr string) bool {
	_, err := regexp.Compile(expr)
	return err == nil
}

func (v *listView[T]) setFilter(expr string) tea.Cmd {
	if expr == v.typed {
		return nil
	}
	re, node := expr, ""
	if v.spec.nodeFilter {
		re, node = splitNodeFilter(expr)
	}
	if _, err := regexp.Compile(re); err != nil {
		return statusCmd(filterErrPrefix+"not a valid regular expression: "+err.Error(), true)
	}
	v.typed, v.opts.Filter, v.opts.Node = expr, re, node
	v.opts.Page = 1
	v.landing = 1
	return v.load()
}

// selectFirst puts the cursor on the first row (after / enter).
func (v *listView[T]) selectFirst() { v.tbl.Top() }

func (v *listView[T]) selected() (T, bool) {
	var zero T
	if v.tbl.Cursor < 0 || v.tbl.Cursor >= len(v.items) {
		return zero, false
	}
	return v.items[v.tbl.Cursor], true
}

func (v *listView[T]) update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case fetchedMsg:
		return v.arrived(m)
	case pollMsg:
		return v.poll.tick(m, v.c, v.fetcher())
	case tea.KeyPressMsg:
		return v.key(m)
	}
	return nil
}

func (v *listView[T]) arrived(m fetchedMsg) tea.Cmd {
	ok, next := v.poll.done(m, v.c, v.fetcher())
	if !ok {
		return nil
	}
	if m.err != nil {
		return next // the App shows the error; keep the last good page
	}
	page := m.data.(mgmt.Page[T])
	if sel, ok := v.selected(); ok && v.landing == 0 {
		v.keepKey = v.spec.key(sel)
	}
	v.page, v.items, v.loaded = page, page.Items, true
	// A page past the end (the list shrank): go to the last one.
	if len(page.Items) == 0 && page.Page > 1 && page.PageCount >= 1 && v.opts.Page > page.PageCount {
		v.opts.Page = page.PageCount
		return v.load()
	}
	if v.spec.observe != nil {
		v.spec.observe(v.c, page.Items)
	}
	v.renderRows()
	switch v.landing {
	case 1:
		v.tbl.Top()
	case -1:
		v.tbl.Bottom()
	default:
		for i, it := range v.items {
			if v.spec.key(it) == v.keepKey {
				v.tbl.Cursor = i
				v.tbl.Clamp()
				break
			}
		}
	}
	v.landing = 0
	return next
}

func (v *listView[T]) renderRows() {
	rows := make([][]string, len(v.items))
	for i, it := range v.items {
		rows[i] = v.spec.row(v.c, it)
	}
	v.tbl.SetRows(rows)
}

func (v *listView[T]) goPage(p, landing int) tea.Cmd {
	if p < 1 || (v.page.PageCount > 0 && p > v.page.PageCount) {
		return nil
	}
	v.opts.Page = p
	v.landing = landing
	return v.load()
}

func (v *listView[T]) sortBy(s mgmt.SortKey) tea.Cmd {
	allowed := false
	for _, a := range v.spec.sorts {
		allowed = allowed || a == s
	}
	if !allowed {
		return statusCmd(fmt.Sprintf("%s cannot be sorted by %s", v.spec.kind, s), true)
	}
	if v.c.statsOff && sortNeedsStats(s) {
		return statusCmd(fmt.Sprintf("%s cannot be sorted by %s here: the broker's statistics are off, and only they hold it for every row; sort by name or messages", v.spec.kind, s), true)
	}
	if v.opts.Sort == s {
		v.opts.Reverse = !v.opts.Reverse
	} else {
		// Names read best A→Z; numbers most useful biggest first.
		v.opts.Sort, v.opts.Reverse = s, s != mgmt.SortName
	}
	v.opts.Page = 1
	v.landing = 1
	return v.load()
}

func (v *listView[T]) key(m tea.KeyPressMsg) tea.Cmd {
	tk := v.c.keys.Table
	for _, s := range v.spec.sorts { // only the sorts this list offers
		if b, ok := v.c.keys.Sort.of(s); ok && matches(m, b) {
			return v.sortBy(s)
		}
	}
	switch {
	case key.Matches(m, tk.Up):
		if v.tbl.AtTop() && v.opts.Page > 1 {
			return v.goPage(v.opts.Page-1, -1)
		}
		v.tbl.Move(-1)
	case key.Matches(m, tk.Down):
		if v.tbl.AtBottom() && v.opts.Page < v.page.PageCount {
			return v.goPage(v.opts.Page+1, 1)
		}
		v.tbl.Move(1)
	case key.Matches(m, tk.PageUp):
		if v.opts.Page > 1 {
			return v.goPage(v.opts.Page-1, 1)
		}
		v.tbl.Top()
	case key.Matches(m, tk.PageDown):
		if v.opts.Page < v.page.PageCount {
			return v.goPage(v.opts.Page+1, 1)
		}
		v.tbl.Bottom()
	case key.Matches(m, tk.Top):
		if v.opts.Page > 1 {
			return v.goPage(1, 1)
		}
		v.tbl.Top()
	case key.Matches(m, tk.Bottom):
		if v.page.PageCount > 1 && v.opts.Page < v.page.PageCount {
			return v.goPage(v.page.PageCount, -1)
		}
		v.tbl.Bottom()
	case key.Matches(m, tk.Open):
		if it, ok := v.selected(); ok && v.spec.open != nil {
			return v.spec.open(it)
		}
	}
	return nil
}

func (v *listView[T]) setSize(w, h int) tea.Cmd {
	old := v.tbl.Height
	v.tbl.SetSize(w, h-1) // one line for the column header
	if v.tbl.Height != old {
		// Keep the first visible item in view: same offset into the list.
		first := (v.opts.Page-1)*max(v.opts.PageSize, 1) + v.tbl.Cursor
		v.opts.Page = first/v.tbl.Height + 1
		return v.load()
	}
	return nil
}

func (v *listView[T]) render(w, h int) string {
	if v.poll.err != nil && !v.loaded {
		return v.c.th.Error.Render("cannot list "+v.spec.kind.String()+": "+safe(v.poll.err.Error())) +
			"\n" + v.c.th.Faint.Render("retrying every "+v.c.opts.Refresh.String()+"…")
	}
	if v.loaded && len(v.items) == 0 {
		msg := "no " + v.spec.kind.String()
		if v.opts.Filter != "" {
			msg += " match /" + safe(v.opts.Filter) + "/"
		}
		if v.opts.Node != "" {
			msg += " on node " + safe(v.opts.Node)
		}
		if v.typed != "" {
			msg += " (esc clears the filter)"
		}
		if v.opts.Vhost != "" {
			msg += " in vhost " + safe(v.opts.Vhost)
		}
		// In the first row's place: below the padded table it would be cut.
		lines := strings.Split(v.tbl.Render(v.c.th, string(v.opts.Sort), v.opts.Reverse), "\n")
		if len(lines) < 2 {
			lines = append(lines, "")
		}
		lines[1] = v.c.th.Faint.Render(msg)
		return strings.Join(lines, "\n")
	}
	return v.tbl.Render(v.c.th, string(v.opts.Sort), v.opts.Reverse)
}

func (v *listView[T]) keys() keyScope {
	tk := v.c.keys.Table
	move := tk.moves()
	if v.spec.open != nil {
		move = append(move, tk.open(listOpens[v.spec.kind]))
	}
	var sorts []binding
	for _, s := range v.spec.sorts {
		if b, ok := v.c.keys.Sort.of(s); ok {
			sorts = append(sorts, b)
		}
	}
	s := scopeOf("Move", append(move, v.c.keys.Global.Back.about("clear the filter, or back"))...).with("Sort (on the server)", sorts...)
	var acts []binding
	switch v.spec.kind {
	case kindQueues:
		acts = v.c.queueActions()
	case kindExchanges:
		acts = v.c.exchangeActions()
	}
	return s.with("The selected "+strings.TrimSuffix(v.spec.kind.String(), "s"), acts...)
}

// listOpens says what enter opens in each list.
var listOpens = map[viewKind]string{
	kindQueues:      "open the queue's detail",
	kindExchanges:   "open the exchange's detail",
	kindBindings:    "open the binding's destination",
	kindConnections: "open the connection's detail",
	kindNodes:       "open the node's detail",
}

// selectedQueue makes a queue list a queueSelector.
func (v *listView[T]) selectedQueue() (string, string, string, bool) {
	it, ok := v.selected()
	if !ok {
		return "", "", "", false
	}
	q, ok := any(it).(mgmt.Queue)
	return q.Vhost, q.Name, q.Type, ok
}

// selectedExchange makes an exchange list an exchangeSelector.
func (v *listView[T]) selectedExchange() (string, string, string, bool) {
	it, ok := v.selected()
	if !ok {
		return "", "", "", false
	}
	x, ok := any(it).(mgmt.Exchange)
	return x.Vhost, x.Name, x.Type, ok
}

// stale says the rows on screen are not yet those of the current filter,
// sort or page: acting on the selection now could hit the wrong queue.
func (v *listView[T]) stale() bool { return v.landing != 0 && v.poll.inflight }

// listKind is the kind of list (kindQueues, kindExchanges, ...), for ctrl+n.
func (v *listView[T]) listKind() viewKind { return v.spec.kind }

// splitNodeFilter takes a leading node:NAME off a queue filter: "node:w2
// orders" keeps the queues on node w2 (or w2@host) whose name matches
// "orders".
func splitNodeFilter(expr string) (re, node string) {
	rest, ok := strings.CutPrefix(expr, "node:")
	if !ok {
		return expr, ""
	}
	node, re, _ = strings.Cut(rest, " ")
	return re, node
}

// newQueuesOnNode is the queue list filtered to one node's queues.
func newQueuesOnNode(c *common, node string) *listView[mgmt.Queue] {
	v := newListView(c, queueSpec())
	v.typed, v.opts.Node = "node:"+node, node
	return v
}
