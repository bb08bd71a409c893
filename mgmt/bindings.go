package mgmt

import (
	"context"

	rabbithole "github.com/michaelklishin/rabbit-hole/v3"
)

// Bindings lists one page of bindings. The API cannot page bindings, so
// this fetches the vhost's (or every) binding and filters, sorts and
// pages here. The filter matches source, destination or routing key
// (case-insensitive, like the broker's name filter). Every sort key orders
// by vhost, source, destination and routing key. The default exchange's
// implicit binding to each queue is included, as the API reports it.
func (c *Client) Bindings(ctx context.Context, o ListOptions) (Page[Binding], error) {
	lq, err := c.prepare(o)
	if err != nil {
		return Page[Binding]{}, err
	}
	infos, err := viaRabbitHole(ctx, c, listingCall(lq), func(rh *rabbithole.Client) ([]rabbithole.BindingInfo, error) {
		if lq.Vhost == "" {
			return rh.ListBindings()
		}
		return rh.ListBindingsIn(lq.Vhost)
	})
	if err != nil {
		return Page[Binding]{}, err
	}
	keep := func(b Binding) bool { return lq.matches(b.Source, b.Destination, b.RoutingKey) }
	return pageLocally(bindingsFrom(infos, lq.Vhost), lq, keep, bindingOrder), nil
}

func bindingOrder(a, b Binding) int {
	return compareStrings(a.Vhost, b.Vhost, a.Source, b.Source, a.DestinationType, b.DestinationType,
		a.Destination, b.Destination, a.RoutingKey, b.RoutingKey, a.PropertiesKey, b.PropertiesKey)
}

// bindingsFrom converts rabbit-hole's bindings; vhost fills in a missing one.
func bindingsFrom(infos []rabbithole.BindingInfo, vhost string) []Binding {
	out := make([]Binding, 0, len(infos))
	for _, in := range infos {
		b := Binding{Vhost: in.Vhost, Source: in.Source, Destination: in.Destination,
			DestinationType: escaped(in.DestinationType), RoutingKey: in.RoutingKey,
			Arguments: escapedTable(in.Arguments), PropertiesKey: in.PropertiesKey}
		if b.Vhost == "" {
			b.Vhost = vhost
		}
		out = append(out, b)
	}
	return out
}
