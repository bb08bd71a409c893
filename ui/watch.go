package ui

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui/widget"
)

// pin is one queue on the watch board.
type pin struct{ vhost, name string }

// togglePin pins or unpins a queue; it says which it did.
func (c *common) togglePin(vhost, name string) bool {
	for i, p := range c.pins {
		if p.vhost == vhost && p.name == name {
			c.pins = append(c.pins[:i:i], c.pins[i+1:]...)
			return false
		}
	}
	c.pins = append(c.pins, pin{vhost, name})
	return true
}

// watchSample is one board refresh: exact depth from AMQP each second,
// and the management API's counts and rates when they were due.
type watchSample struct {
	exact map[pin][2]int // ready messages, consumers
	stats map[pin]mgmt.Queue
	errs  map[pin]error
}

// exactEvery is how often the board reads exact depths (passive declare):
// the management API's figures lag by up to its stats interval.
const exactEvery = time.Second

// watchView is a compact live board of pinned queues.
type watchView struct {
	c      *common
	poll   poller
	tick   int
	exact  map[pin][2]int
	stats  map[pin]mgmt.Queue
	errs   map[pin]error
	series map[pin]*widget.Ring
	tbl    widget.Table
}

func newWatchView(c *common) *watchView {
	v := &watchView{c: c, exact: map[pin][2]int{}, stats: map[pin]mgmt.Queue{}, errs: map[pin]error{}, series: map[pin]*widget.Ring{}}
	v.poll.viewID = nextViewID()
	v.tbl.Cols = []widget.Column{
		{Title: "VHOST", Width: 8, Flex: 1},
		{Title: "QUEUE", Width: 20, Flex: 4},
		{Title: "READY (exact)", Width: 13, Right: true},
		{Title: "CONS", Width: 5, Right: true},
		{Title: "UNACKED", Width: 8, Right: true},
		{Title: "IN/s", Width: 7, Right: true},
		{Title: "OUT/s", Width: 7, Right: true},
		{Title: "DEPTH, LAST MINUTE", Width: 20, Flex: 3},
		{Title: "NOTE", Width: 10, Flex: 2},
	}
	return v
}

func (v *watchView) id() int       { return v.poll.viewID }
func (v *watchView) title() string { return "watch" }
func (v *watchView) status() string {
	s := fmt.Sprintf("%d pinned · exact depth every %s, rates every %s", len(v.c.pins), exactEvery, v.c.opts.Refresh)
	if v.c.statsOff {
		s += " · broker statistics off: no unacked count"
	}
	return s
}

func (v *watchView) fetcher() func(ctx context.Context) (any, error) {
	pins := append([]pin(nil), v.c.pins...)
	src, st := v.c.target.Source, v.c.target.Streamer
	every := max(int(v.c.opts.Refresh/exactEvery), 1)
	withStats := v.tick%every == 0
	v.tick++
	return func(ctx context.Context) (any, error) {
		s := watchSample{exact: map[pin][2]int{}, stats: map[pin]mgmt.Queue{}, errs: map[pin]error{}}
		for _, p := range pins {
			if st != nil {
				n, cons, err := st.QueueDepth(ctx, p.vhost, p.name)
				if err != nil {
					s.errs[p] = err
				} else {
					s.exact[p] = [2]int{n, cons}
				}
			}
			if withStats || st == nil {
				if q, err := src.Queue(ctx, p.vhost, p.name); err == nil {
					s.stats[p] = q.Queue
				} else if s.errs[p] == nil {
					s.errs[p] = err
				}
			}
		}
		return s, nil
	}
}

func (v *watchView) load() tea.Cmd {
	v.renderRows() // pins may have changed while the board was hidden
	return v.poll.start(v.c.opts.Timeout, v.fetcher())
}

func (v *watchView) update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case fetchedMsg:
		if m.gen != v.poll.gen {
			return nil
		}
		v.poll.inflight = false
		if s, ok := m.data.(watchSample); ok {
			v.absorb(s)
		}
		id, gen := v.poll.viewID, v.poll.gen
		return v.c.pollCmd(id, gen, exactEvery)
	case pollMsg:
		return v.poll.tick(m, v.c, v.fetcher())
	case tea.KeyPressMsg:
		tk := v.c.keys.Table
		switch {
		case key.Matches(m, tk.Up):
			v.tbl.Move(-1)
		case key.Matches(m, tk.Down):
			v.tbl.Move(1)
		case matches(m, v.c.keys.Global.Pin):
			if i := v.tbl.Cursor; i >= 0 && i < len(v.c.pins) {
				p := v.c.pins[i]
				v.c.togglePin(p.vhost, p.name)
				v.renderRows()
				return statusCmd("unpinned "+p.name, false)
			}
		case key.Matches(m, tk.Open):
			if i := v.tbl.Cursor; i >= 0 && i < len(v.c.pins) {
				return openCmd(kindQueue, v.c.pins[i].vhost, v.c.pins[i].name)
			}
		}
	}
	return nil
}

func (v *watchView) absorb(s watchSample) {
	for p, e := range s.exact {
		v.exact[p] = e
		r, ok := v.series[p]
		if !ok {
			r = widget.NewRing(60)
			v.series[p] = r
		}
		r.Push(float64(e[0]))
	}
	for p, q := range s.stats {
		v.stats[p] = q
	}
	v.errs = s.errs
	v.renderRows()
}

func (v *watchView) renderRows() {
	rows := make([][]string, len(v.c.pins))
	for i, p := range v.c.pins {
		rows[i] = watchRow(p, v.exact, v.stats[p], v.series[p], v.errs[p])
	}
	v.tbl.SetRows(rows)
}

// watchRow is the pure renderer of one board row.
func watchRow(p pin, exact map[pin][2]int, q mgmt.Queue, series *widget.Ring, err error) []string {
	ready, cons := "…", "…"
	if e, ok := exact[p]; ok {
		ready, cons = count(int64(e[0])), count(int64(e[1]))
	}
	spark := ""
	if series != nil {
		spark = widget.Sparkline(series.Values(), 20)
	}
	note := ""
	if err != nil {
		note = err.Error()
	}
	// Unacked and rates come from the API, which has none for a broker
	// whose statistics are off (rates then from Prometheus, if it answers).
	unacked := countIf(q.Unacked, q.Unknown.Knows(mgmt.UnknownUnacked))
	return []string{p.vhost, p.name, ready, cons, unacked, rate(q.PublishRate, q.RatesKnown()), rate(q.DeliverRate, q.RatesKnown()), spark, note}
}

func (v *watchView) setSize(w, h int) tea.Cmd {
	v.tbl.SetSize(w, h-1)
	return nil
}

func (v *watchView) render(w, h int) string {
	if len(v.c.pins) == 0 {
		return v.c.th.Faint.Render("Nothing pinned yet: select a queue and press w, then :watch.")
	}
	return v.tbl.Render(v.c.th, "", false)
}

func (v *watchView) keys() keyScope {
	tk := v.c.keys.Table
	return scopeOf("Watch board", from(tk.Up), from(tk.Down), tk.open("open the queue"), v.c.keys.Global.Pin.about("unpin the selected queue").hint("unpin"))
}
