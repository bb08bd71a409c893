package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/route"
	"github.com/warren-tui/warren/ui/widget"
)

// deadLetterState is the queue detail's dead-letter map: read with the
// vhost's topology when the detail opens (and on ctrl+r), not on every
// poll, as it lists every exchange, queue and binding of the vhost.
type deadLetterState struct {
	gen    int
	m      route.DeadLetterMap
	loaded bool
	err    error
}

// load fetches the queue and, once per showing, the vhost's topology.
func (v *queueDetail) load() tea.Cmd {
	v.dl.gen++
	return tea.Batch(v.detailPage.load(), topologyCmd(v.c, v.id(), v.dl.gen, v.vhost, nil, true))
}

func (v *queueDetail) update(msg tea.Msg) tea.Cmd {
	if m, ok := msg.(topologyMsg); ok {
		if m.gen != v.dl.gen {
			return nil
		}
		v.dl.err = m.err
		if m.err == nil {
			v.dl.m, v.dl.loaded = m.top.DeadLetterMap(v.name), true
		}
		if v.loaded {
			v.rebuild()
		}
		return nil
	}
	return v.detailPage.update(msg)
}

// addDeadLetterMap draws where the queue's dead letters go, hop by hop,
// the queues that dead-letter into it, and any dead end or cycle, in the
// words the pulse uses.
func (v *queueDetail) addDeadLetterMap(d *widget.Page) {
	th := v.c.th
	d.Add(th.Section.Render("DEAD LETTERS") + th.Faint.Render("  where rejected, expired and overflowed messages go"))
	switch {
	case v.dl.err != nil:
		d.Add(th.Error.Render("  cannot map: " + safe(v.dl.err.Error())))
		return
	case !v.dl.loaded:
		d.Add(th.Faint.Render("  reading the vhost's exchanges and bindings…"))
		return
	}
	m := v.dl.m
	if len(m.Chain) == 0 {
		if v.q.Type == "stream" {
			d.Add(th.Faint.Render("  a stream never dead-letters"))
		} else {
			d.Add(th.Faint.Render("  no dead-letter exchange: rejected, expired and overflowed messages are dropped"))
		}
	}
	for i, dl := range m.Chain {
		indent := "  "
		if i > 0 {
			indent = "    "
			line := fmt.Sprintf("  then %s dead-letters in turn:", safe(dl.Queue))
			d.AddLink(line, line, openCmd(kindQueue, v.vhost, dl.Queue))
		}
		key := "with the messages' own routing keys"
		if dl.RoutingKey.Set {
			key = fmt.Sprintf("with key %s (%s)", safe(strconv.Quote(dl.RoutingKey.Value)), safe(dl.RoutingKey.From))
		}
		d.Add(fmt.Sprintf("%s%s → exchange %s (%s) %s", indent, strings.Join(dl.Reasons, ", "),
			safe(exchangeName(dl.Exchange.Value)), safe(dl.Exchange.From), key))
		if dl.Missing {
			continue
		}
		for _, g := range groupRoutes(dl.Routes) {
			if !dl.RoutingKey.Set {
				d.Add(th.Label.Render(fmt.Sprintf("%s  %s:", indent, safe(g.keys))))
			}
			addHops(d, v.c, v.vhost, g.res.Hops, indent+"  ")
			if len(g.res.Queues) == 0 {
				d.Add(th.Warn.Render(indent + "    → no queue: dropped"))
			}
		}
	}
	for _, f := range m.Findings {
		d.Add(th.Warn.Render("  ⚠ " + safe(f.Text)))
	}
	if len(m.FedBy) > 0 {
		d.Add(th.Section.Render(fmt.Sprintf("DEAD LETTERS FROM (%d)", len(m.FedBy))) + th.Faint.Render("  queues whose dead letters land here"))
		for _, f := range m.FedBy {
			keys := make([]string, len(f.Keys))
			for i, k := range f.Keys {
				keys[i] = strconv.Quote(k)
			}
			how := "key " + strings.Join(keys, ", ")
			if f.OwnKey {
				how = "their own key " + strings.Join(keys, " or ")
			}
			line := fmt.Sprintf("  %s  via %s, %s", safe(f.Queue), safe(exchangeName(f.Exchange)), safe(how))
			d.AddLink(line, line, openCmd(kindQueue, v.vhost, f.Queue))
		}
	}
}

// routeGroup is the keys whose dead letters take the same path.
type routeGroup struct {
	keys string // `key "a"` or `keys "a", "b"`
	res  route.Result
}

// groupRoutes merges the routes of keys that take the same path (every
// key, through a fanout dead-letter exchange), keeping their order.
func groupRoutes(routes []route.KeyRoute) []routeGroup {
	var out []routeGroup
	var sigs []string
	var keys [][]string
	for _, r := range routes {
		sig := pathSignature(r.Result)
		i := slices.Index(sigs, sig)
		if i < 0 {
			sigs, keys = append(sigs, sig), append(keys, nil)
			out = append(out, routeGroup{res: r.Result})
			i = len(out) - 1
		}
		keys[i] = append(keys[i], strconv.Quote(r.Key))
	}
	for i := range out {
		word := "key "
		if len(keys[i]) > 1 {
			word = "keys "
		}
		out[i].keys = word + strings.Join(keys[i], ", ")
	}
	return out
}

// pathSignature identifies a path by its exchanges, the destinations
// they matched and the queues reached; the reasons (which quote the key)
// are left out.
func pathSignature(r route.Result) string {
	var b strings.Builder
	for _, h := range r.Hops {
		b.WriteString(h.Exchange + "\x00")
		for _, m := range h.Matched {
			b.WriteString(m.Binding.DestinationType + ":" + m.Binding.Destination + "\x00")
		}
		b.WriteString(h.Alternate.Value + "\x01")
	}
	b.WriteString(strings.Join(r.Queues, "\x00"))
	return b.String()
}
