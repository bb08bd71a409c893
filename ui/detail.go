package ui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/ui/widget"
)

// detailPage is what the queue and exchange details share: one object,
// polled by vhost and name while on top, rendered into a scrollable doc.
type detailPage[T any] struct {
	c      *common
	vhost  string
	name   string
	poll   poller
	data   T
	loaded bool
	doc    widget.Page
	fetch  func(ctx context.Context, src Source, vhost, name string) (T, error)
	// arrived sees each good answer; it rebuilds the doc.
	arrived func(T)
}

func newDetailPage[T any](c *common, vhost, name string, fetch func(context.Context, Source, string, string) (T, error)) detailPage[T] {
	d := detailPage[T]{c: c, vhost: vhost, name: name, fetch: fetch}
	d.poll.viewID = nextViewID()
	return d
}

func (d *detailPage[T]) id() int { return d.poll.viewID }

func (d *detailPage[T]) fetcher() func(ctx context.Context) (any, error) {
	src, vh, name, fetch := d.c.target.Source, d.vhost, d.name, d.fetch
	return func(ctx context.Context) (any, error) { return fetch(ctx, src, vh, name) }
}

func (d *detailPage[T]) load() tea.Cmd { return d.poll.start(d.c.opts.Timeout, d.fetcher()) }

func (d *detailPage[T]) update(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case fetchedMsg:
		ok, next := d.poll.done(m, d.c, d.fetcher())
		if !ok || m.err != nil {
			return next // the App shows errors; the last good data stays
		}
		d.data, d.loaded = m.data.(T), true
		d.arrived(d.data)
		return next
	case pollMsg:
		return d.poll.tick(m, d.c, d.fetcher())
	case tea.KeyPressMsg:
		return d.doc.Key(m, d.c.keys.Table.nav())
	}
	return nil
}

func (d *detailPage[T]) setSize(w, h int) tea.Cmd {
	d.doc.Height = h
	d.doc.Clamp()
	return nil
}

// renderPage draws the doc, or what is happening while there is none.
func (d *detailPage[T]) renderPage(what string, w, h int) string {
	if d.loaded {
		return d.doc.Render(d.c.th, w, h)
	}
	if d.poll.err != nil {
		return d.c.th.Error.Render("cannot read " + safe(what) + ": " + safe(d.poll.err.Error()))
	}
	return d.c.th.Faint.Render("loading " + safe(what) + "…")
}
