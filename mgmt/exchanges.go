package mgmt

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"strings"

	rabbithole "github.com/michaelklishin/rabbit-hole/v3"
)

var exchangeColumns = []string{"name", "vhost", "type", "durable", "auto_delete", "internal", "arguments",
	"message_stats.publish_in_details.rate", "message_stats.publish_out_details.rate"}

// defaultExchangeSegment is how the API names the default exchange ("") in paths.
const defaultExchangeSegment = "amq.default"

// Exchanges lists one page of exchanges, paged, filtered and sorted by the
// broker. SortRate orders by publish rate in; SortMessages and
// SortConsumers mean nothing for exchanges and order by name.
func (c *Client) Exchanges(ctx context.Context, o ListOptions) (Page[Exchange], error) {
	lq, err := c.prepare(o)
	if err != nil {
		return Page[Exchange]{}, err
	}
	sortColumn := "" // the broker's default order computes stats for the visible page only
	if lq.Sort == SortRate {
		sortColumn = "message_stats.publish_in_details.rate"
	}
	path := vhostPath("/api/exchanges", lq.Vhost)
	l, err := fetchPage[exchangeJSON](ctx, c, listingCall(lq), path, pageQuery(lq, sortColumn, exchangeColumns))
	if err != nil {
		return Page[Exchange]{}, err
	}
	conv := func(j exchangeJSON) Exchange { return j.exchange(c.statsDisabled.Load()) }
	if l.Paged {
		return serverPage(l, lq.PageSize, conv), nil
	}
	all := make([]Exchange, 0, len(l.Items))
	for _, j := range l.Items {
		all = append(all, conv(j))
	}
	return pageLocally(all, lq, func(x Exchange) bool { return lq.matches(x.Name) }, exchangeOrder(lq.Sort)), nil
}

func exchangeOrder(key SortKey) func(a, b Exchange) int {
	return func(a, b Exchange) int {
		if key == SortRate {
			if c := cmp.Compare(a.PublishIn, b.PublishIn); c != 0 {
				return c
			}
		}
		return compareStrings(a.Vhost, b.Vhost, a.Name, b.Name)
	}
}

// Exchange fetches one exchange with the bindings out of it (it is the
// source) and into it (it is the destination of exchange-to-exchange
// bindings). name "" is the default exchange: it routes to every queue by
// name, so its implicit bindings are not listed (ImplicitBindings is set).
func (c *Client) Exchange(ctx context.Context, vhost, name string) (ExchangeDetail, error) {
	segment, shown := name, fmt.Sprintf("exchange %q", name)
	if name == "" {
		segment, shown = defaultExchangeSegment, "the default exchange"
	}
	cl := call{what: fmt.Sprintf("%s in vhost %q", shown, vhost)}
	var j exchangeJSON
	q := url.Values{"columns": {strings.Join(exchangeColumns, ",")}}
	if err := c.get(ctx, cl, "/api/exchanges/"+esc(vhost)+"/"+esc(segment), q, &j); err != nil {
		return ExchangeDetail{}, err
	}
	d := ExchangeDetail{Exchange: j.exchange(c.statsDisabled.Load())}
	d.Name, d.Vhost = name, vhost
	if name == "" {
		// Nothing can be bound to or from the default exchange explicitly.
		d.ImplicitBindings = true
		return d, nil
	}
	out, err := viaRabbitHole(ctx, c, cl, func(rh *rabbithole.Client) ([]rabbithole.BindingInfo, error) {
		return rh.ListExchangeBindingsWithSource(vhost, segment)
	})
	if err != nil {
		return ExchangeDetail{}, err
	}
	in, err := viaRabbitHole(ctx, c, cl, func(rh *rabbithole.Client) ([]rabbithole.BindingInfo, error) {
		return rh.ListExchangeBindingsWithDestination(vhost, segment)
	})
	if err != nil {
		return ExchangeDetail{}, err
	}
	d.Outgoing, d.Incoming = bindingsFrom(out, vhost), bindingsFrom(in, vhost)
	return d, nil
}

// exchangeJSON is an exchange as the API reports it.
type exchangeJSON struct {
	Vhost        string                   `json:"vhost"`
	Name         string                   `json:"name"`
	Type         flexString               `json:"type"`
	Durable      flexBool                 `json:"durable"`
	AutoDelete   flexBool                 `json:"auto_delete"`
	Internal     flexBool                 `json:"internal"`
	Arguments    flexMap                  `json:"arguments"`
	MessageStats object[messageStatsJSON] `json:"message_stats"`
}

func (j exchangeJSON) exchange(statsDisabled bool) Exchange {
	x := Exchange{Vhost: j.Vhost, Name: j.Name, Type: escaped(string(j.Type)), Durable: bool(j.Durable),
		AutoDelete: bool(j.AutoDelete), Internal: bool(j.Internal), Arguments: escapedTable(j.Arguments),
		HasStats: !statsDisabled} // an exchange without message_stats has seen no traffic: zero is right
	if ms := j.MessageStats.V; j.MessageStats.Set {
		x.PublishIn, x.PublishOut = ms.PublishIn.Rate, ms.PublishOut.Rate
	}
	return x
}
