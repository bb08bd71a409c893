package ui

import (
	"context"
	"regexp"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui/widget"
)

// The list kinds warren shows. Each is data: columns, a fetch, a pure row
// renderer, and where enter goes.

func queueSpec() listSpec[mgmt.Queue] {
	return listSpec[mgmt.Queue]{
		kind: kindQueues,
		cols: []widget.Column{
			{Title: "VHOST", Width: 6, Flex: 1},
			{Title: "NAME", Width: 18, Flex: 5, Sort: string(mgmt.SortName)},
			{Title: "TYPE", Width: 7},
			{Title: "STATE", Width: 7},
			{Title: "READY", Width: 9, Right: true},
			{Title: "UNACKED", Width: 8, Right: true},
			{Title: "TOTAL", Width: 9, Right: true, Sort: string(mgmt.SortMessages)},
			{Title: "CONS", Width: 5, Right: true, Sort: string(mgmt.SortConsumers)},
			{Title: "IN/s", Width: 7, Right: true, Sort: string(mgmt.SortRate)},
			{Title: "OUT/s", Width: 7, Right: true},
			{Title: "NODE", Width: 12, Flex: 1},
			{Title: "DEPTH", Width: 12, Flex: 1},
		},
		fetch: func(ctx context.Context, src Source, o mgmt.ListOptions) (mgmt.Page[mgmt.Queue], error) {
			return src.Queues(ctx, o)
		},
		row:        queueRow,
		key:        func(q mgmt.Queue) string { return histKey(q.Vhost, q.Name) },
		open:       func(q mgmt.Queue) tea.Cmd { return openCmd(kindQueue, q.Vhost, q.Name) },
		sorts:      []mgmt.SortKey{mgmt.SortName, mgmt.SortMessages, mgmt.SortConsumers, mgmt.SortRate},
		nodeFilter: true,
		observe: func(c *common, qs []mgmt.Queue) {
			now := c.now()
			for _, q := range qs {
				switch {
				case q.Unknown.Knows(mgmt.UnknownMessages):
					c.hist.addDepth(q.Vhost, q.Name, q.Messages, q.Unacked, now)
				case q.Unknown.Knows(mgmt.UnknownReady):
					c.hist.addDepth(q.Vhost, q.Name, q.Ready, 0, now) // by passive declare: ready is all there is
				}
			}
		},
		enrich: func(ctx context.Context, t Target, qs []mgmt.Queue) { fillExactDepths(ctx, t.Streamer, qs) },
	}
}

// queueRow is the pure renderer of one queue row. A count the broker did
// not report shows as "-", never as 0.
func queueRow(c *common, q mgmt.Queue) []string {
	ready, unacked, total, cons := queueCounts(q)
	return []string{
		q.Vhost, q.Name, q.Type, q.State,
		ready, unacked, total, cons,
		rate(q.PublishRate, q.RatesKnown()), rate(q.DeliverRate, q.RatesKnown()), orDash(q.Node),
		widget.Sparkline(c.hist.depthSeries(q.Vhost, q.Name), 16),
	}
}

func exchangeSpec() listSpec[mgmt.Exchange] {
	return listSpec[mgmt.Exchange]{
		kind: kindExchanges,
		cols: []widget.Column{
			{Title: "VHOST", Width: 6, Flex: 1},
			{Title: "NAME", Width: 20, Flex: 5, Sort: string(mgmt.SortName)},
			{Title: "TYPE", Width: 8},
			{Title: "DUR", Width: 3},
			{Title: "AUTO-DEL", Width: 8},
			{Title: "INTERNAL", Width: 8},
			{Title: "IN/s", Width: 8, Right: true, Sort: string(mgmt.SortRate)},
			{Title: "OUT/s", Width: 8, Right: true},
			{Title: "ARGUMENTS", Width: 10, Flex: 2},
		},
		fetch: func(ctx context.Context, src Source, o mgmt.ListOptions) (mgmt.Page[mgmt.Exchange], error) {
			return src.Exchanges(ctx, o)
		},
		row:   exchangeRow,
		key:   func(e mgmt.Exchange) string { return histKey(e.Vhost, e.Name) },
		open:  func(e mgmt.Exchange) tea.Cmd { return openCmd(kindExchange, e.Vhost, e.Name) },
		sorts: []mgmt.SortKey{mgmt.SortName, mgmt.SortRate},
	}
}

func exchangeRow(_ *common, e mgmt.Exchange) []string {
	return []string{
		e.Vhost, exchangeName(e.Name), e.Type, yesNo(e.Durable, "D"), yesNo(e.AutoDelete, "AD"),
		yesNo(e.Internal, "I"), rate(e.PublishIn, e.HasStats), rate(e.PublishOut, e.HasStats),
		argsInline(e.Arguments),
	}
}

func bindingSpec() listSpec[mgmt.Binding] {
	return listSpec[mgmt.Binding]{
		kind: kindBindings,
		cols: []widget.Column{
			{Title: "VHOST", Width: 6, Flex: 1},
			{Title: "SOURCE", Width: 16, Flex: 3, Sort: string(mgmt.SortName)},
			{Title: "DESTINATION", Width: 16, Flex: 3},
			{Title: "KIND", Width: 8},
			{Title: "ROUTING KEY", Width: 12, Flex: 2},
			{Title: "ARGUMENTS", Width: 10, Flex: 2},
		},
		fetch: func(ctx context.Context, src Source, o mgmt.ListOptions) (mgmt.Page[mgmt.Binding], error) {
			return src.Bindings(ctx, o)
		},
		row: bindingRow,
		key: func(b mgmt.Binding) string {
			return strings.Join([]string{b.Vhost, b.Source, b.DestinationType, b.Destination, b.PropertiesKey}, "\x00")
		},
		open:  openBindingDestination,
		sorts: []mgmt.SortKey{mgmt.SortName},
	}
}

func bindingRow(_ *common, b mgmt.Binding) []string {
	return []string{b.Vhost, exchangeName(b.Source), b.Destination, b.DestinationType, b.RoutingKey, argsInline(b.Arguments)}
}

func openBindingDestination(b mgmt.Binding) tea.Cmd {
	if b.DestinationType == "exchange" {
		return openCmd(kindExchange, b.Vhost, b.Destination)
	}
	return openCmd(kindQueue, b.Vhost, b.Destination)
}

func connectionSpec() listSpec[mgmt.Connection] {
	return listSpec[mgmt.Connection]{
		kind: kindConnections,
		cols: []widget.Column{
			{Title: "NAME", Width: 20, Flex: 4, Sort: string(mgmt.SortName)},
			{Title: "CLIENT NAME", Width: 12, Flex: 2},
			{Title: "NODE", Width: 12, Flex: 1},
			{Title: "USER", Width: 8},
			{Title: "VHOST", Width: 6},
			{Title: "STATE", Width: 8},
			{Title: "PROTOCOL", Width: 10},
			{Title: "CH", Width: 3, Right: true},
			{Title: "CLIENT", Width: 12, Flex: 2},
			{Title: "RECV/s", Width: 8, Right: true, Sort: string(mgmt.SortRate)},
			{Title: "SEND/s", Width: 8, Right: true},
			{Title: "SINCE", Width: 8, Right: true},
		},
		fetch: func(ctx context.Context, src Source, o mgmt.ListOptions) (mgmt.Page[mgmt.Connection], error) {
			return src.Connections(ctx, o)
		},
		row:   connectionRow,
		key:   func(c mgmt.Connection) string { return c.Name },
		open:  func(c mgmt.Connection) tea.Cmd { return openCmd(kindConnection, "", c.Name) },
		sorts: []mgmt.SortKey{mgmt.SortName, mgmt.SortRate},
	}
}

func connectionRow(c *common, k mgmt.Connection) []string {
	since := "-"
	if !k.ConnectedAt.IsZero() {
		since = age(c.now().Sub(k.ConnectedAt))
	}
	if k.StatsUnknown { // the broker's statistics are off
		return []string{k.Name, unknownMark, orDash(k.Node), k.User, k.Vhost, unknownMark, unknownMark, unknownMark, unknownMark, unknownMark, unknownMark, since}
	}
	return []string{
		k.Name, k.ClientName, k.Node, k.User, k.Vhost, k.State, k.Protocol, count(int64(k.Channels)), k.Client,
		bytesIEC(int64(k.RecvRate)), bytesIEC(int64(k.SendRate)), since,
	}
}

func nodeSpec() listSpec[mgmt.Node] {
	return listSpec[mgmt.Node]{
		kind: kindNodes,
		cols: []widget.Column{
			{Title: "NAME", Width: 18, Flex: 3, Sort: string(mgmt.SortName)},
			{Title: "STATE", Width: 7},
			{Title: "ALARMS", Width: 9, Flex: 1},
			{Title: "VERSION", Width: 7},
			{Title: "UPTIME", Width: 7, Right: true},
			{Title: "MEMORY", Width: 19, Right: true},
			{Title: "DISK FREE", Width: 19, Right: true},
			{Title: "FDS", Width: 11, Right: true},
			{Title: "SOCKETS", Width: 11, Right: true},
			{Title: "PROCS", Width: 15, Right: true},
			{Title: "TYPE", Width: 5},
		},
		fetch: func(ctx context.Context, src Source, o mgmt.ListOptions) (mgmt.Page[mgmt.Node], error) {
			nodes, err := src.Nodes(ctx)
			if err != nil {
				return mgmt.Page[mgmt.Node]{}, err
			}
			return pageLocally(nodes, o, func(n mgmt.Node) string { return n.Name })
		},
		row:   nodeRow,
		key:   func(n mgmt.Node) string { return n.Name },
		open:  func(n mgmt.Node) tea.Cmd { return openCmd(kindNode, "", n.Name) },
		sorts: []mgmt.SortKey{mgmt.SortName},
	}
}

func nodeRow(_ *common, n mgmt.Node) []string {
	var alarms []string
	if n.MemAlarm {
		alarms = append(alarms, "MEMORY")
	}
	if n.DiskAlarm {
		alarms = append(alarms, "DISK")
	}
	if len(n.Partitions) > 0 {
		alarms = append(alarms, "PARTITION")
	}
	state := "running"
	if !n.Running {
		state = "down"
	}
	if n.StatsUnknown { // the broker's statistics are off: no figure, and no alarm known
		return []string{n.Name, state, unknownMark, orDash(n.Version), unknownMark, unknownMark, unknownMark, unknownMark, unknownMark, unknownMark, n.Type}
	}
	if !nodeStatsKnown(n) { // down, or no stats emitted yet: nothing to show is not zero
		return []string{n.Name, state, strings.Join(alarms, " "), orDash(n.Version), "-", "-", "-", "-", "-", "-", n.Type}
	}
	return []string{
		n.Name, state, strings.Join(alarms, " "), orDash(n.Version), age(n.Uptime),
		bytesIEC(n.MemUsed) + " / " + bytesIEC(n.MemLimit),
		bytesIEC(n.DiskFree) + " > " + bytesIEC(n.DiskLimit),
		count(int64(n.FDUsed)) + "/" + count(int64(n.FDTotal)),
		count(int64(n.Sockets)) + "/" + count(int64(n.SockTotal)),
		count(int64(n.Processes)) + "/" + count(int64(n.ProcTotal)),
		n.Type,
	}
}

// pageLocally filters, sorts by name and pages a list the API does not
// page itself, yielding the same Page shape the server-paged lists use.
func pageLocally[T any](all []T, o mgmt.ListOptions, name func(T) string) (mgmt.Page[T], error) {
	var re *regexp.Regexp
	if o.Filter != "" {
		var err error
		if re, err = regexp.Compile(o.Filter); err != nil {
			return mgmt.Page[T]{}, err
		}
	}
	var kept []T
	for _, it := range all {
		if re == nil || re.MatchString(name(it)) {
			kept = append(kept, it)
		}
	}
	sort.SliceStable(kept, func(i, j int) bool {
		if o.Reverse {
			return name(kept[i]) > name(kept[j])
		}
		return name(kept[i]) < name(kept[j])
	})
	size := o.PageSize
	if size <= 0 {
		size = mgmt.DefaultPageSize
	}
	pages := (len(kept) + size - 1) / size
	p := max(o.Page, 1)
	lo := min((p-1)*size, len(kept))
	hi := min(lo+size, len(kept))
	return mgmt.Page[T]{Items: kept[lo:hi], Page: p, PageCount: pages, PageSize: size, FilteredCount: len(kept), TotalCount: len(all)}, nil
}
