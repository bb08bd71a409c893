package mgmt

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	rabbithole "github.com/michaelklishin/rabbit-hole/v3"
)

// Columns asked of the broker, to keep answers small.
var (
	queueRowColumns = []string{"name", "vhost", "type", "state", "durable", "auto_delete", "exclusive",
		"node", "leader", "messages", "messages_ready", "messages_unacknowledged", "consumers",
		"memory", "policy", "arguments", "message_stats.publish_details.rate",
		"message_stats.deliver_get_details.rate", "message_stats.ack_details.rate"}
	// What a stats-free (queue totals) listing can hold.
	queueTotalsColumns = []string{"name", "vhost", "type", "state", "durable", "auto_delete", "exclusive",
		"node", "leader", "members", "messages", "messages_ready", "messages_unacknowledged", "policy", "arguments"}
	// What the second, per-page request adds to a totals listing.
	queueStatsColumns = []string{"name", "vhost", "consumers", "memory", "policy",
		"messages", "messages_ready", "messages_unacknowledged",
		"message_stats.publish_details.rate", "message_stats.deliver_get_details.rate",
		"message_stats.ack_details.rate"}
	queueDetailColumns = append(slices.Clone(queueRowColumns), "effective_policy_definition", "consumer_details",
		"members", "online", "slave_nodes", "synchronised_slave_nodes")
)

// maxRegexQuery bounds the escaped exact-name regex of one stats request;
// the broker's HTTP server refuses request lines past about 8 kB.
const maxRegexQuery = 3000

// Queues lists one page of queues.
//
// How each sort is served, chosen by measuring a 3.10 broker (see
// BenchmarkQueuesPage and mgmt/README.md):
//   - SortName: one request in the broker's default order; the broker
//     pages first and computes stats for the visible page only.
//   - SortMessages: an order of every queue by its live count (a totals
//     listing without stats, each stream asked for its count), sorted and
//     paged here, kept and read again less often the longer it takes;
//     then the page's rows by their exact names (queue_order.go).
//   - SortConsumers, SortRate: a stats-ful sort; only stats hold these, so
//     the broker computes stats for every queue. The costliest order.
//
// Rows without stats (a queue created seconds ago, or a failed second
// request) have HasStats false.
func (c *Client) Queues(ctx context.Context, o ListOptions) (Page[Queue], error) {
	lq, err := c.prepare(o)
	if err != nil {
		return Page[Queue]{}, err
	}
	path := vhostPath("/api/queues", lq.Vhost)
	c.learnStats(ctx)
	if lq.Node != "" {
		return c.queuesOnNode(ctx, lq, path)
	}
	if c.statsDisabled.Load() {
		return c.queuesStatsOff(ctx, lq, path)
	}
	switch lq.Sort {
	case SortMessages:
		return c.queuesByMessages(ctx, lq, path)
	case SortConsumers:
		return c.queuesWithStats(ctx, lq, path, "consumers")
	case SortRate:
		return c.queuesWithStats(ctx, lq, path, "message_stats.publish_details.rate")
	}
	return c.queuesWithStats(ctx, lq, path, "")
}

// queuesWithStats is one stats-ful page request.
func (c *Client) queuesWithStats(ctx context.Context, lq listQuery, path, sortColumn string) (Page[Queue], error) {
	l, err := fetchPage[queueJSON](ctx, c, listingCall(lq), path, pageQuery(lq, sortColumn, queueRowColumns))
	if err != nil {
		return Page[Queue]{}, err
	}
	return c.queuePage(l, lq), nil
}

// queuesStatsOff serves a broker whose statistics are off: its stats-ful
// listing has no counts at all, but a totals listing still asks each
// queue of the page for its live counts. Consumers stay unknown (the UI
// reads them by passive declare); rates come from rabbitmq_prometheus
// when it answers. Only stats can order by consumers or rate.
func (c *Client) queuesStatsOff(ctx context.Context, lq listQuery, path string) (Page[Queue], error) {
	var sortColumn string
	switch lq.Sort {
	case SortMessages:
		sortColumn = "messages"
	case SortConsumers, SortRate:
		return Page[Queue]{}, &StatsOffError{Sort: lq.Sort}
	}
	q := pageQuery(lq, sortColumn, queueTotalsColumns)
	q.Set("disable_stats", "true")
	q.Set("enable_queue_totals", "true")
	l, err := fetchPage[queueJSON](ctx, c, listingCall(lq), path, q)
	if err != nil {
		return Page[Queue]{}, err
	}
	page := c.queuePage(l, lq)
	c.addPrometheusRates(ctx, page.Items)
	return page, nil
}

// ErrStatsOff is what a *StatsOffError matches with errors.Is.
var ErrStatsOff = errors.New("the broker's statistics are off")

// StatsOffError refuses what only the broker's statistics can answer.
type StatsOffError struct{ Sort SortKey }

func (e *StatsOffError) Error() string {
	return fmt.Sprintf("cannot sort by %s: the broker's statistics are off (management_agent.disable_metrics_collector = true), "+
		"and only they hold %s for every queue; sort by name or messages", e.Sort, e.Sort)
}

func (e *StatsOffError) Is(target error) bool { return target == ErrStatsOff }

// addQueueStats fills rates, consumers and memory (and message counts
// where noTotals says they are missing) into rows without stats, with
// stats-ful requests matching exactly their names: the broker then
// computes stats only for those queues. Best effort: rows it cannot fill
// keep HasStats false.
func (c *Client) addQueueStats(ctx context.Context, path string, rows []Queue, noTotals map[[2]string]bool) error {
	var names []string
	seen := map[string]bool{}
	index := map[[2]string]int{}
	for i, r := range rows {
		index[[2]string{r.Vhost, r.Name}] = i
		if !r.HasStats && !seen[r.Name] {
			seen[r.Name] = true
			names = append(names, r.Name)
		}
	}
	for _, re := range exactNames(names, maxRegexQuery) {
		q := url.Values{}
		q.Set("page", "1")
		q.Set("page_size", fmt.Sprint(MaxPageSize))
		q.Set("name", re)
		q.Set("use_regex", "true")
		q.Set("columns", strings.Join(queueStatsColumns, ","))
		l, err := fetchPage[queueJSON](ctx, c, call{what: "queues"}, path, q)
		if err != nil {
			return err
		}
		for _, j := range l.Items {
			key := [2]string{j.Vhost, j.Name}
			i, ok := index[key]
			if !ok || !j.hasStats() {
				continue
			}
			r := &rows[i]
			r.Consumers, r.Memory, r.HasStats = int(*j.Consumers), int64(j.Memory), !c.statsDisabled.Load()
			r.Unknown &^= UnknownConsumers
			if r.HasStats {
				r.Unknown &^= UnknownRates
			}
			if j.Policy != "" {
				r.Policy = string(j.Policy)
			}
			if noTotals[key] { // the totals are fresher; use these only when there were none
				r.Messages, r.Ready, r.Unacked = j.messages(), j.Ready.value(), j.Unacked.value()
				r.Unknown = r.Unknown&^UnknownCounts | j.unknownCounts()
			}
			setQueueRates(r, j)
		}
	}
	return nil
}

// queuesOnNode serves a node filter, which the API does not have: it
// lists every queue without stats, keeps
// those on the node, sorts and pages here, then fetches stats for the
// visible rows only, as a sort by messages does. Consumers and rate live
// only in stats, so those two sorts list every queue with stats.
func (c *Client) queuesOnNode(ctx context.Context, lq listQuery, path string) (Page[Queue], error) {
	// Without paging the broker ignores a name filter: it is applied here.
	q := url.Values{}
	withStats := lq.Sort == SortConsumers || lq.Sort == SortRate
	if withStats {
		q.Set("columns", strings.Join(queueRowColumns, ","))
	} else {
		q.Set("columns", strings.Join(queueTotalsColumns, ","))
		q.Set("disable_stats", "true")
		q.Set("enable_queue_totals", "true")
	}
	var all []queueJSON
	if err := c.get(ctx, listingCall(lq), path, q, &all); err != nil {
		return Page[Queue]{}, err
	}
	noTotals := map[[2]string]bool{}
	every := make([]Queue, 0, len(all))
	for _, j := range all {
		if !lq.matches(j.Name) {
			continue
		}
		if j.Messages == nil {
			noTotals[[2]string{j.Vhost, j.Name}] = true
		}
		every = append(every, j.queue(c.statsDisabled.Load()))
	}
	if err := c.addQueueNodes(ctx, path, every); err != nil {
		return Page[Queue]{}, err
	}
	rows := make([]Queue, 0, len(every))
	for _, qu := range every {
		if OnNode(qu.Node, lq.Node) {
			rows = append(rows, qu)
		}
	}
	if lq.Sort == SortMessages {
		// A totals listing counts no stream: ask each of the node's
		// streams, so they sort by their messages, not as empty.
		if err := c.countUntotalled(ctx, rows, noTotals); err != nil {
			return Page[Queue]{}, err
		}
	}
	page := pageLocally(rows, lq, func(Queue) bool { return true }, queueOrder(lq.Sort))
	page.TotalCount = len(all)
	if !withStats {
		if err := c.addQueueStats(ctx, path, page.Items, noTotals); err != nil && ctx.Err() != nil {
			return Page[Queue]{}, err
		}
	}
	return page, nil
}

// addQueueNodes fills the node and members of rows that have none: a
// listing without stats leaves them out for streams. It asks only for
// those queues, by exact name.
func (c *Client) addQueueNodes(ctx context.Context, path string, rows []Queue) error {
	var names []string
	seen := map[string]bool{}
	index := map[[2]string]int{}
	for i, r := range rows {
		if r.Node == "" && !seen[r.Name] {
			seen[r.Name] = true
			names = append(names, r.Name)
		}
		index[[2]string{r.Vhost, r.Name}] = i
	}
	for _, re := range exactNames(names, maxRegexQuery) {
		// The name filter works only on a paged request.
		for page, pages := 1, 1; page <= pages; page++ {
			q := url.Values{"name": {re}, "use_regex": {"true"}, "columns": {"name,vhost,node,leader,members"},
				"page": {strconv.Itoa(page)}, "page_size": {strconv.Itoa(MaxPageSize)}}
			var l listing[queueJSON]
			if err := c.get(ctx, call{what: "queues"}, path, q, &l); err != nil {
				return err
			}
			pages = l.PageCount
			for _, j := range l.Items {
				if i, ok := index[[2]string{j.Vhost, j.Name}]; ok && rows[i].Node == "" {
					rows[i].Node = escaped(cmp.Or(string(j.Node), string(j.Leader)))
					rows[i].Members = escapedAll(j.Members)
				}
			}
		}
	}
	return nil
}

// queuePage converts a broker answer; an unpaged answer (a broker without
// paging) is filtered, sorted and paged here.
func (c *Client) queuePage(l listing[queueJSON], lq listQuery) Page[Queue] {
	conv := func(j queueJSON) Queue { return j.queue(c.statsDisabled.Load()) }
	if l.Paged {
		return serverPage(l, lq.PageSize, conv)
	}
	all := make([]Queue, 0, len(l.Items))
	for _, j := range l.Items {
		all = append(all, conv(j))
	}
	return pageLocally(all, lq, func(q Queue) bool { return lq.matches(q.Name) }, queueOrder(lq.Sort))
}

// queueOrder is the broker's order for a sort key: the key, then vhost and name.
func queueOrder(key SortKey) func(a, b Queue) int {
	byName := func(a, b Queue) int { return compareStrings(a.Vhost, b.Vhost, a.Name, b.Name) }
	var first func(a, b Queue) int
	switch key {
	case SortMessages:
		first = func(a, b Queue) int { return cmp.Compare(a.Messages, b.Messages) }
	case SortConsumers:
		first = func(a, b Queue) int { return cmp.Compare(a.Consumers, b.Consumers) }
	case SortRate:
		first = func(a, b Queue) int { return cmp.Compare(a.PublishRate, b.PublishRate) }
	default:
		return byName
	}
	return func(a, b Queue) int { return cmp.Or(first(a, b), byName(a, b)) }
}

// Queue fetches one queue with its arguments, effective policy, consumers
// and the bindings into it.
func (c *Client) Queue(ctx context.Context, vhost, name string) (QueueDetail, error) {
	cl := call{what: fmt.Sprintf("queue %q in vhost %q", name, vhost)}
	var j queueJSON
	q := url.Values{"columns": {strings.Join(queueDetailColumns, ",")}}
	if err := c.get(ctx, cl, "/api/queues/"+esc(vhost)+"/"+esc(name), q, &j); err != nil {
		return QueueDetail{}, err
	}
	bindings, err := viaRabbitHole(ctx, c, cl, func(rh *rabbithole.Client) ([]rabbithole.BindingInfo, error) {
		return rh.ListQueueBindings(vhost, name)
	})
	if err != nil {
		return QueueDetail{}, err
	}
	d := QueueDetail{Queue: j.queue(c.statsDisabled.Load()), EffectivePolicy: escapedTable(j.EffectivePolicy),
		Bindings: bindingsFrom(bindings, vhost)}
	for _, cj := range j.ConsumerDetails {
		d.ConsumerDetails = append(d.ConsumerDetails, cj.consumer())
	}
	if c.statsDisabled.Load() && !d.HasStats {
		rows := []Queue{d.Queue}
		c.addPrometheusRates(ctx, rows)
		d.Queue = rows[0]
	}
	return d, nil
}

// queueJSON is a queue as the API reports it in any of its modes.
type queueJSON struct {
	Vhost           string                   `json:"vhost"`
	Name            string                   `json:"name"`
	Type            flexString               `json:"type"`
	State           flexString               `json:"state"`
	Durable         flexBool                 `json:"durable"`
	AutoDelete      flexBool                 `json:"auto_delete"`
	Exclusive       flexBool                 `json:"exclusive"`
	Node            flexString               `json:"node"`
	Leader          flexString               `json:"leader"`
	Members         flexStrings              `json:"members"`
	Online          flexStrings              `json:"online"`
	Mirrors         flexStrings              `json:"slave_nodes"`
	SyncedMirrors   flexStrings              `json:"synchronised_slave_nodes"`
	Messages        *flexInt                 `json:"messages"` // absent without totals or stats
	Ready           *flexInt                 `json:"messages_ready"`
	Unacked         *flexInt                 `json:"messages_unacknowledged"`
	Consumers       *flexInt                 `json:"consumers"` // present only with stats
	Memory          flexInt                  `json:"memory"`
	Policy          flexString               `json:"policy"`
	Arguments       flexMap                  `json:"arguments"`
	MessageStats    object[messageStatsJSON] `json:"message_stats"`
	EffectivePolicy flexMap                  `json:"effective_policy_definition"`
	ConsumerDetails []consumerJSON           `json:"consumer_details"`
}

func (j queueJSON) queue(statsDisabled bool) Queue {
	q := Queue{
		Vhost: j.Vhost, Name: j.Name, Type: escaped(string(j.Type)), State: escaped(string(j.State)),
		Durable: bool(j.Durable), AutoDelete: bool(j.AutoDelete), Exclusive: bool(j.Exclusive),
		Node: escaped(cmp.Or(string(j.Node), string(j.Leader))), Ready: j.Ready.value(), Unacked: j.Unacked.value(),
		Messages: j.messages(), Memory: int64(j.Memory), Policy: escaped(string(j.Policy)),
		Arguments: escapedTable(j.Arguments), Unknown: j.unknownCounts(),
		Members: escapedAll(j.Members), Online: escapedAll(j.Online),
		Mirrors: escapedAll(j.Mirrors), SyncedMirrors: escapedAll(j.SyncedMirrors),
	}
	if q.Type == "" { // brokers before 3.8 report no type
		q.Type = "classic"
		if t, ok := q.Arguments["x-queue-type"].(string); ok && t != "" {
			q.Type = t
		}
	}
	if j.hasStats() {
		q.Consumers = int(*j.Consumers)
		q.HasStats = !statsDisabled
	} else {
		q.Unknown |= UnknownConsumers
	}
	if !q.HasStats {
		q.Unknown |= UnknownRates
	}
	setQueueRates(&q, j)
	return q
}

// unknownCounts marks the counts the answer lacked: a broker without
// statistics lists queues without them, and a totals listing has none
// for streams.
func (j queueJSON) unknownCounts() Unknown {
	var u Unknown
	if j.Messages == nil {
		u |= UnknownMessages
	}
	if j.Ready == nil {
		u |= UnknownReady
	}
	if j.Unacked == nil {
		u |= UnknownUnacked
	}
	return u
}

// hasStats tells a stats-ful row: only stats report consumers.
func (j queueJSON) hasStats() bool { return j.Consumers != nil }

func (j queueJSON) messages() int64 {
	if j.Messages == nil {
		return 0
	}
	return int64(*j.Messages)
}

func setQueueRates(q *Queue, j queueJSON) {
	if ms := j.MessageStats.V; j.MessageStats.Set {
		q.PublishRate, q.DeliverRate, q.AckRate = ms.Publish.Rate, ms.DeliverGet.Rate, ms.Ack.Rate
	}
}

// consumerJSON is one entry of a queue's consumer_details.
type consumerJSON struct {
	Tag         string   `json:"consumer_tag"`
	AckRequired flexBool `json:"ack_required"`
	Prefetch    flexInt  `json:"prefetch_count"`
	Active      *bool    `json:"active"`
	// Channel is [] for a consumer whose channel is already gone: 3.10
	// keeps listing a stream's consumer for a while after it ended.
	Channel object[struct {
		Name           string `json:"name"`
		ConnectionName string `json:"connection_name"`
	}] `json:"channel_details"`
}

func (j consumerJSON) consumer() Consumer {
	return Consumer{Tag: escaped(j.Tag), ChannelName: escaped(j.Channel.V.Name), ConnectionName: escaped(j.Channel.V.ConnectionName),
		AckRequired: bool(j.AckRequired), Prefetch: int(j.Prefetch),
		Active: j.Active == nil || *j.Active} // brokers before 3.8 have no "active": all were
}

// QueueType asks one queue's type: classic, quorum or stream. It lets an
// AMQP session that meets a queue of unknown type (a move, a remove)
// learn it without probing the broker.
func (c *Client) QueueType(ctx context.Context, vhost, name string) (string, error) {
	var j queueJSON
	q := url.Values{"columns": {"name,type,arguments"}}
	if err := c.get(ctx, call{what: fmt.Sprintf("queue %q in vhost %q", name, vhost)}, "/api/queues/"+esc(vhost)+"/"+esc(name), q, &j); err != nil {
		return "", err
	}
	return j.queue(false).Type, nil
}
