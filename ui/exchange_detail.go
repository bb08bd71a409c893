package ui

import (
	"context"
	"fmt"

	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui/widget"
)

// exchangeDetail shows one exchange with its bindings out and in.
type exchangeDetail struct {
	detailPage[mgmt.ExchangeDetail]
	x mgmt.ExchangeDetail
}

func newExchangeDetail(c *common, vhost, name string) *exchangeDetail {
	v := &exchangeDetail{detailPage: newDetailPage(c, vhost, name,
		func(ctx context.Context, src Source, vhost, name string) (mgmt.ExchangeDetail, error) {
			return src.Exchange(ctx, vhost, name)
		})}
	v.arrived = func(x mgmt.ExchangeDetail) {
		v.x = x
		v.rebuild()
	}
	return v
}

func (v *exchangeDetail) title() string { return "exchange " + exchangeName(v.name) }

func (v *exchangeDetail) status() string {
	if !v.loaded {
		return "vhost " + v.vhost + " · loading…"
	}
	return fmt.Sprintf("vhost %s · %s · %d out, %d in", v.vhost, v.x.Type, len(v.x.Outgoing), len(v.x.Incoming))
}

func (v *exchangeDetail) rebuild() {
	th := v.c.th
	x := v.x
	var d widget.Page
	flags := fmt.Sprintf("durable %v   auto-delete %v   internal %v", x.Durable, x.AutoDelete, x.Internal)
	d.Add(th.Label.Render("type ") + th.HeaderValue.Render(safe(x.Type)) + "   " + th.Label.Render(flags))
	d.Add(th.Label.Render("in ") + th.HeaderValue.Render(rate(x.PublishIn, x.HasStats)+"/s") + "   " +
		th.Label.Render("out ") + th.HeaderValue.Render(rate(x.PublishOut, x.HasStats)+"/s"))
	if x.Name == "" {
		d.Add(th.Faint.Render("The default exchange routes to the queue named by the routing key; it has no explicit bindings."))
	}
	d.Add("")
	d.Add(th.Section.Render("ARGUMENTS"))
	if len(x.Arguments) == 0 {
		d.Add(th.Faint.Render("  none"))
	}
	for _, k := range sortedKeys(x.Arguments) {
		d.Add("  " + th.Label.Render(safe(k)+" = ") + argValue(x.Arguments[k]))
	}
	d.Add("")
	row := func(a, b, c string) string {
		return fmt.Sprintf("  %-36s %-10s %-28s %s", safe(a), safe(b), safe(c), "")
	}
	d.Add(th.Section.Render(fmt.Sprintf("BINDINGS FROM THIS EXCHANGE (%d)", len(x.Outgoing))) + th.Faint.Render("  enter opens the destination"))
	d.Add(th.TableHeader.Render(row("DESTINATION", "KIND", "ROUTING KEY") + "ARGUMENTS"))
	if len(x.Outgoing) == 0 {
		d.Add(th.Faint.Render("  none"))
	}
	for _, b := range x.Outgoing {
		line := row(b.Destination, b.DestinationType, b.RoutingKey) + argsInline(b.Arguments)
		d.AddLink(line, line, openBindingDestination(b))
	}
	d.Add("")
	d.Add(th.Section.Render(fmt.Sprintf("BINDINGS INTO THIS EXCHANGE (%d)", len(x.Incoming))) + th.Faint.Render("  enter opens the source"))
	d.Add(th.TableHeader.Render(row("SOURCE", "", "ROUTING KEY") + "ARGUMENTS"))
	if len(x.Incoming) == 0 {
		d.Add(th.Faint.Render("  none"))
	}
	for _, b := range x.Incoming {
		line := row(exchangeName(b.Source), "exchange", b.RoutingKey) + argsInline(b.Arguments)
		d.AddLink(line, line, openCmd(kindExchange, b.Vhost, b.Source))
	}
	v.doc.Replace(d)
}

func (v *exchangeDetail) render(w, h int) string {
	return v.renderPage("exchange "+exchangeName(v.name), w, h)
}

func (v *exchangeDetail) keys() keyScope {
	return scopeOf("Exchange detail", append(v.c.keys.Table.moves(), v.c.keys.Table.open("open the other end of the selected binding"))...).
		with("This exchange", v.c.exchangeActions()...)
}

func (v *exchangeDetail) selectedExchange() (string, string, string, bool) {
	return v.vhost, v.name, v.x.Type, v.loaded
}
