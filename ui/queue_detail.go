package ui

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui/widget"
)

// queueDetail shows one queue: its facts, arguments, effective policy, a
// depth and rate chart over the session, consumers, and bindings into it.
type queueDetail struct {
	detailPage[mgmt.QueueDetail]
	q      mgmt.QueueDetail
	series *queueSeries
	width  int
	dl     deadLetterState
}

func newQueueDetail(c *common, vhost, name string) *queueDetail {
	st := c.target.Streamer
	v := &queueDetail{detailPage: newDetailPage(c, vhost, name,
		func(ctx context.Context, src Source, vhost, name string) (mgmt.QueueDetail, error) {
			d, err := src.Queue(ctx, vhost, name)
			if err == nil {
				rows := []mgmt.Queue{d.Queue}
				fillExactDepths(ctx, st, rows) // a broker without statistics gave no counts
				d.Queue = rows[0]
			}
			return d, err
		})}
	v.arrived = func(q mgmt.QueueDetail) {
		v.q = q
		v.series = v.c.hist.addDetail(v.vhost, v.name, q.Ready, q.Unacked, q.PublishRate, q.DeliverRate)
		v.rebuild()
	}
	return v
}

func (v *queueDetail) title() string { return "queue " + v.name }

func (v *queueDetail) status() string {
	if !v.loaded {
		return "vhost " + v.vhost + " · loading…"
	}
	if !v.q.Unknown.Knows(mgmt.UnknownMessages) {
		return fmt.Sprintf("vhost %s · %s", v.vhost, v.q.Type)
	}
	return fmt.Sprintf("vhost %s · %s · %s messages", v.vhost, v.q.Type, count(v.q.Messages))
}

func (v *queueDetail) rebuild() {
	th := v.c.th
	q := v.q
	var d widget.Page
	kv := func(pairs ...string) string {
		var b strings.Builder
		for i := 0; i+1 < len(pairs); i += 2 {
			if i > 0 {
				b.WriteString("   ")
			}
			b.WriteString(th.Label.Render(pairs[i]+" ") + th.HeaderValue.Render(safe(pairs[i+1])))
		}
		return b.String()
	}
	flags := []string{}
	for _, f := range []struct {
		on   bool
		name string
	}{{q.Durable, "durable"}, {q.AutoDelete, "auto-delete"}, {q.Exclusive, "exclusive"}} {
		if f.on {
			flags = append(flags, f.name)
		}
	}
	if len(flags) == 0 {
		flags = append(flags, "transient")
	}
	d.Add(kv("type", q.Type, "state", q.State, "node", q.Node, "flags", strings.Join(flags, ",")))
	ready, unacked, total, cons := queueCounts(q.Queue)
	d.Add(kv("ready", ready, "unacked", unacked, "total", total, "consumers", cons))
	memory := bytesIEC(q.Memory)
	if v.c.statsOff && !q.HasStats {
		memory = unknownMark
	}
	d.Add(kv("in", rate(q.PublishRate, q.RatesKnown())+"/s", "out", rate(q.DeliverRate, q.RatesKnown())+"/s",
		"ack", rate(q.AckRate, q.HasStats)+"/s", "memory", memory))
	if note := statsNote(q.Queue, v.c.statsOff); note != "" {
		d.Add(th.Faint.Render(note))
	}
	v.addMembers(&d)
	d.Add("")
	d.Add(th.Section.Render("ARGUMENTS"))
	v.addTable(&d, q.Arguments, "none")
	title := "EFFECTIVE POLICY"
	if q.Policy != "" {
		title += " (" + safe(q.Policy) + ")"
	}
	d.Add(th.Section.Render(title))
	v.addTable(&d, q.EffectivePolicy, "none")
	for _, line := range versionNotes(q, v.c.rabbitVersion) {
		d.Add(th.Warn.Render("  " + line))
	}
	d.Add("")
	v.addChart(&d)
	d.Add("")
	d.Add(th.Section.Render(fmt.Sprintf("CONSUMERS (%d)", len(q.ConsumerDetails))))
	if len(q.ConsumerDetails) == 0 {
		d.Add(th.Faint.Render("  none"))
	}
	for _, c := range q.ConsumerDetails {
		ack := "auto-ack"
		if c.AckRequired {
			ack = "manual ack"
		}
		active := "active"
		if !c.Active {
			active = "waiting"
		}
		d.Add(fmt.Sprintf("  %-24s %-40s %-10s prefetch %-5d %s", safe(c.Tag), safe(c.ChannelName), ack, c.Prefetch, active))
	}
	d.Add("")
	d.Add(th.Section.Render(fmt.Sprintf("BINDINGS INTO THIS QUEUE (%d)", len(q.Bindings))) + th.Faint.Render("  enter opens the source exchange"))
	d.Add(th.TableHeader.Render(fmt.Sprintf("  %-30s %-30s %s", "SOURCE", "ROUTING KEY", "ARGUMENTS")))
	for _, b := range q.Bindings {
		line := fmt.Sprintf("  %-30s %-30s %s", safe(exchangeName(b.Source)), safe(b.RoutingKey), argsInline(b.Arguments))
		d.AddLink(line, line, openCmd(kindExchange, b.Vhost, b.Source))
	}
	d.Add("")
	v.addDeadLetterMap(&d)
	v.doc.Replace(d)
}

func (v *queueDetail) addTable(d *widget.Page, m map[string]any, none string) {
	if len(m) == 0 {
		d.Add(v.c.th.Faint.Render("  " + none))
		return
	}
	for _, k := range sortedKeys(m) {
		d.Add("  " + v.c.th.Label.Render(safe(k)+" = ") + argValue(m[k]))
	}
}

// addChart draws depth and rates over the session as braille lines.
func (v *queueDetail) addChart(d *widget.Page) {
	th := v.c.th
	w := max(v.width-14, 20)
	if v.series == nil || len(v.series.ready.Values()) < 2 {
		d.Add(th.Section.Render("DEPTH OVER THE SESSION") + th.Faint.Render("  (collecting: one sample per refresh)"))
		return
	}
	for _, ch := range []struct {
		title  string
		labels [2]string
		a, b   []float64
		unit   string
	}{
		{"DEPTH OVER THE SESSION", [2]string{"ready", "unacked"}, v.series.ready.Values(), v.series.unacked.Values(), ""},
		{"RATES OVER THE SESSION", [2]string{"in", "out"}, v.series.publish.Values(), v.series.deliver.Values(), "/s"},
	} {
		d.Add(th.Section.Render(ch.title) + "  " + th.ChartReady.Render("━ "+ch.labels[0]) + "  " + th.ChartUnack.Render("━ "+ch.labels[1]))
		rows, owner, top := widget.BrailleChart([][]float64{ch.a, ch.b}, w, 4)
		for y, r := range rows {
			var b strings.Builder
			label := ""
			switch y {
			case 0:
				label = rate(top, true) + ch.unit
			case len(rows) - 1:
				label = "0"
			}
			b.WriteString(th.ChartAxis.Render(fmt.Sprintf("%9s ┤", label)))
			for x, cr := range r {
				switch owner[y][x] {
				case 0:
					b.WriteString(th.ChartReady.Render(string(cr)))
				case 1:
					b.WriteString(th.ChartUnack.Render(string(cr)))
				default:
					b.WriteRune(cr)
				}
			}
			d.Add(b.String())
		}
	}
}

func (v *queueDetail) setSize(w, h int) tea.Cmd {
	if v.width != w {
		v.width = w
		if v.loaded {
			v.rebuild()
		}
	}
	return v.detailPage.setSize(w, h)
}

func (v *queueDetail) render(w, h int) string { return v.renderPage("queue "+v.name, w, h) }

func (v *queueDetail) keys() keyScope {
	return scopeOf("Queue detail", append(v.c.keys.Table.moves(), v.c.keys.Table.open("open the selected binding's source exchange"))...).
		with("This queue", v.c.queueActions()...)
}

func (v *queueDetail) selectedQueue() (string, string, string, bool) {
	return v.vhost, v.name, v.q.Type, v.loaded
}
