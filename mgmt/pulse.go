package mgmt

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/warren-tui/warren/pulse"
)

// PulseLimit is how many queues, exchanges, consumers or connections the
// pulse reads whole. Past it, it reads a bounded sample and says so in
// the snapshot: a broker with 50,000 queues answers in bounded time.
const PulseLimit = 5000

// pulseSample is how many queues a sampled snapshot holds: one page of
// the broker's default (name) order with stats, the next page each read
// (see pulseQueues for what other ways cost).
const pulseSample = 500

// pulseLimits are PulseLimit and pulseSample, smaller in tests.
func (c *Client) pulseLimits() (limit, sample int) {
	if c.pulseLimit > 0 {
		return c.pulseLimit, min(pulseSample, c.pulseLimit)
	}
	return PulseLimit, pulseSample
}

// Pulse gathers a snapshot for the pulse rules, for one vhost ("" for
// all), with the cheapest listings that hold what the rules read: only
// the columns they need, queue totals without stats, and nothing per
// object. A part the user may not read (nodes without the monitoring
// tag) is left out and named in Unread; only a failed queue listing
// fails the whole.
func (c *Client) Pulse(ctx context.Context, vhost string) (pulse.Snapshot, error) {
	s := pulse.Snapshot{At: time.Now()}
	var ov struct {
		Version flexString `json:"rabbitmq_version"`
		Objects struct {
			Queues, Exchanges, Consumers, Connections flexInt
		} `json:"object_totals"`
		Stats object[struct {
			Drop   rateJSON `json:"drop_unroutable_details"`
			Return rateJSON `json:"return_unroutable_details"`
		}] `json:"message_stats"`
	}
	q := url.Values{"columns": {"rabbitmq_version,object_totals,message_stats.drop_unroutable_details,message_stats.return_unroutable_details"}}
	if err := c.get(ctx, call{what: "overview"}, "/api/overview", q, &ov); err != nil {
		return s, err
	}
	s.Version = string(ov.Version)
	if ov.Stats.Set && vhost == "" { // the broker counts these for all vhosts together
		s.Unroutable = &pulse.Unroutable{DropRate: ov.Stats.V.Drop.Rate, ReturnRate: ov.Stats.V.Return.Rate}
	}

	policies, polErr := c.pulsePolicies(ctx, vhost)
	s.Policies, s.Have.Policies = policies, polErr == nil
	if polErr != nil {
		s.Unread = append(s.Unread, "policies ("+polErr.Error()+")")
	}

	limit, sample := c.pulseLimits()
	queues, exchanges := int(ov.Objects.Queues), int(ov.Objects.Exchanges)
	// The overview counts every vhost; only past the limit is it worth a
	// request to count this vhost's own.
	if vhost != "" && queues > limit {
		queues = c.pulseCount(ctx, "/api/queues/"+esc(vhost), queues)
	}
	if vhost != "" && exchanges > limit {
		exchanges = c.pulseCount(ctx, "/api/exchanges/"+esc(vhost), exchanges)
	}
	sampled := queues > limit
	s.QueuesSampled = sampled
	first, err := c.pulseQueues(ctx, vhost, sampled, sample, &s)
	if err != nil {
		return s, err
	}
	if sampled {
		counted := "with their message and consumer counts"
		if uncounted := countNoCounts(s.Queues); uncounted > 0 {
			counted += fmt.Sprintf(" (%d without: no stats yet)", uncounted)
		}
		counted += "; the growth rules, which need a queue read three times within minutes, are silent, as the sample moves on each read"
		s.Sampled = append(s.Sampled, fmt.Sprintf("queue rules read queues %d–%d of %d in name order (the next %d each read, all of them every %d reads), %s; "+
			"dead-letter routing, dead-letter cycles and exchanges without bindings were not checked (bindings are not read past %d queues)",
			first, first+len(s.Queues)-1, queues, sample, (queues+sample-1)/sample, counted, limit))
	}
	// Whether an exchange exists can only be told from all of them.
	if exchanges <= limit {
		c.pulseExchanges(ctx, vhost, &s)
	} else {
		s.Sampled = append(s.Sampled, fmt.Sprintf("exchange rules (missing dead-letter and alternate exchanges, exchanges without bindings) were not checked: %d exchanges is past %d", exchanges, limit))
	}
	if !sampled {
		c.pulseBindings(ctx, vhost, &s)
	}
	if int(ov.Objects.Consumers) <= limit {
		c.pulseConsumers(ctx, vhost, &s)
	} else {
		s.Sampled = append(s.Sampled, fmt.Sprintf("consumer rules (no consumers, saturated prefetch, blocked connections) were not checked: %d consumers is past %d", ov.Objects.Consumers, limit))
	}
	c.pulseConnections(ctx, vhost, int(ov.Objects.Connections) > limit, sample, &s)
	c.pulseNodes(ctx, &s)
	return s, nil
}

// pulseCount is how many objects a listing holds, from a one-row page
// without stats (the broker serialises one row); orElse when it cannot
// tell.
func (c *Client) pulseCount(ctx context.Context, path string, orElse int) int {
	var l listing[struct{}]
	q := url.Values{"page": {"1"}, "page_size": {"1"}, "columns": {"name"}, "disable_stats": {"true"}}
	if err := c.get(ctx, call{what: "count"}, path, q, &l); err != nil || !l.Paged {
		return orElse
	}
	return l.TotalCount
}

func countNoCounts(qs []pulse.Queue) int {
	n := 0
	for _, q := range qs {
		if q.NoCounts {
			n++
		}
	}
	return n
}

type pulseQueueJSON struct {
	Vhost      string     `json:"vhost"`
	Name       string     `json:"name"`
	Type       flexString `json:"type"`
	Durable    flexBool   `json:"durable"`
	Exclusive  flexBool   `json:"exclusive"`
	AutoDelete flexBool   `json:"auto_delete"`
	Messages   *flexInt   `json:"messages"`
	Ready      flexInt    `json:"messages_ready"`
	Unacked    flexInt    `json:"messages_unacknowledged"`
	Consumers  *flexInt   `json:"consumers"` // with stats only
	Policy     flexString `json:"policy"`
	Arguments  flexMap    `json:"arguments"`
}

// pulseQueues lists queues with their totals and no stats; sampled, the
// next page in name order (wrapping round) with stats, which the broker
// computes for that page alone: measured on 3.10 with 20,000 queues, such
// a page of 500 costs it about what one without stats does, where totals
// for a page, or stats for 500 names picked by regex, cost 5 to 8 s. It
// returns the position of the first queue read, from 1.
func (c *Client) pulseQueues(ctx context.Context, vhost string, sampled bool, sample int, s *pulse.Snapshot) (int, error) {
	q := url.Values{"disable_stats": {"true"}, "enable_queue_totals": {"true"},
		"columns": {"name,vhost,type,durable,exclusive,auto_delete,messages,messages_ready,messages_unacknowledged,policy,arguments"}}
	if sampled {
		c.pulseMu.Lock()
		page := max(c.pulsePage, 1)
		c.pulseMu.Unlock()
		q.Del("enable_queue_totals")
		q.Del("disable_stats")
		q.Set("columns", q.Get("columns")+",consumers")
		q.Set("page", strconv.Itoa(page))
		q.Set("page_size", strconv.Itoa(sample))
	}
	l, err := fetchPage[pulseQueueJSON](ctx, c, call{what: fmt.Sprintf("vhost %q", vhost)}, vhostPath("/api/queues", vhost), q)
	if err != nil {
		return 0, err
	}
	first := 1
	if sampled && l.Paged {
		first = (max(l.Page, 1)-1)*sample + 1
		next := l.Page + 1
		if next > l.PageCount {
			next = 1
		}
		c.pulseMu.Lock()
		c.pulsePage = next
		c.pulseMu.Unlock()
	}
	pols := policyIndex(s.Policies)
	for _, j := range l.Items {
		qu := pulse.Queue{Vhost: j.Vhost, Name: j.Name, Type: cmp.Or(string(j.Type), "classic"), Durable: bool(j.Durable),
			Exclusive: bool(j.Exclusive), AutoDelete: bool(j.AutoDelete),
			Ready: int64(j.Ready), Unacked: int64(j.Unacked), PolicyName: string(j.Policy), Arguments: j.Arguments}
		// A queue the broker has no figures for yet (just declared, or
		// without stats) is marked so, not read as empty: the rules would
		// take its zeros for the truth.
		if j.Messages != nil {
			qu.Messages = int64(*j.Messages)
		} else {
			qu.NoCounts = true
		}
		if sampled && j.Consumers == nil {
			qu.NoCounts = true
		} else if sampled {
			qu.Consumers = int(*j.Consumers)
		}
		qu.Policy = pols.forQueue(qu)
		s.Queues = append(s.Queues, qu)
	}
	s.Have.Queues = true
	if sampled {
		s.Have.ConsumerCounts = true // from the page's stats, for the queues that had them
	}
	return first, nil
}

type pulseExchangeJSON struct {
	Vhost     string     `json:"vhost"`
	Name      string     `json:"name"`
	Type      flexString `json:"type"`
	Internal  flexBool   `json:"internal"`
	Policy    flexString `json:"policy"`
	Arguments flexMap    `json:"arguments"`
	Stats     object[struct {
		PublishIn flexInt  `json:"publish_in"`
		Rate      rateJSON `json:"publish_in_details"`
	}] `json:"message_stats"`
}

func (c *Client) pulseExchanges(ctx context.Context, vhost string, s *pulse.Snapshot) {
	q := url.Values{"columns": {"name,vhost,type,internal,policy,arguments,message_stats.publish_in,message_stats.publish_in_details.rate"}}
	l, err := fetchPage[pulseExchangeJSON](ctx, c, call{what: "exchanges"}, vhostPath("/api/exchanges", vhost), q)
	if err != nil {
		s.Unread = append(s.Unread, "exchanges ("+err.Error()+")")
		return
	}
	pols := policyIndex(s.Policies)
	for _, j := range l.Items {
		x := pulse.Exchange{Vhost: j.Vhost, Name: j.Name, Type: string(j.Type), Internal: bool(j.Internal), Arguments: j.Arguments,
			PolicyName: string(j.Policy), PublishIn: int64(j.Stats.V.PublishIn), PublishInRate: j.Stats.V.Rate.Rate}
		if p, ok := pols.byName[[2]string{j.Vhost, string(j.Policy)}]; ok {
			x.Policy = p.Definition
		}
		s.Exchanges = append(s.Exchanges, x)
	}
	s.Have.Exchanges = true
}

type pulseBindingJSON struct {
	Vhost           string  `json:"vhost"`
	Source          string  `json:"source"`
	Destination     string  `json:"destination"`
	DestinationType string  `json:"destination_type"`
	RoutingKey      string  `json:"routing_key"`
	Arguments       flexMap `json:"arguments"`
}

func (c *Client) pulseBindings(ctx context.Context, vhost string, s *pulse.Snapshot) {
	var l listing[pulseBindingJSON]
	q := url.Values{"columns": {"vhost,source,destination,destination_type,routing_key,arguments"}}
	if err := c.get(ctx, call{what: "bindings"}, vhostPath("/api/bindings", vhost), q, &l); err != nil {
		s.Unread = append(s.Unread, "bindings ("+err.Error()+")")
		return
	}
	for _, j := range l.Items {
		s.Bindings = append(s.Bindings, pulse.Binding{Vhost: j.Vhost, Source: j.Source, Destination: j.Destination,
			DestinationType: j.DestinationType, RoutingKey: j.RoutingKey, Arguments: j.Arguments})
	}
	s.Have.Bindings = true
}

type pulseConsumerJSON struct {
	Queue struct {
		Name  string `json:"name"`
		Vhost string `json:"vhost"`
	} `json:"queue"`
	Prefetch    flexInt  `json:"prefetch_count"`
	AckRequired flexBool `json:"ack_required"`
	Channel     object[struct {
		ConnectionName string `json:"connection_name"`
	}] `json:"channel_details"`
}

// pulseConsumers lists consumers, and counts each queue's from them (the
// queue listing without stats has no consumer count).
func (c *Client) pulseConsumers(ctx context.Context, vhost string, s *pulse.Snapshot) {
	var l listing[pulseConsumerJSON]
	q := url.Values{"columns": {"queue.name,queue.vhost,prefetch_count,ack_required,channel_details.connection_name"}}
	if err := c.get(ctx, call{what: "consumers"}, vhostPath("/api/consumers", vhost), q, &l); err != nil {
		s.Unread = append(s.Unread, "consumers ("+err.Error()+")")
		return
	}
	count := map[[2]string]int{}
	for _, j := range l.Items {
		s.Consumers = append(s.Consumers, pulse.Consumer{Vhost: j.Queue.Vhost, Queue: j.Queue.Name,
			Connection: j.Channel.V.ConnectionName, Prefetch: int(j.Prefetch), AckRequired: bool(j.AckRequired)})
		count[[2]string{j.Queue.Vhost, j.Queue.Name}]++
	}
	for i := range s.Queues {
		s.Queues[i].Consumers = count[[2]string{s.Queues[i].Vhost, s.Queues[i].Name}]
	}
	s.Have.Consumers, s.Have.ConsumerCounts = true, true
}

func (c *Client) pulseConnections(ctx context.Context, vhost string, sampled bool, sample int, s *pulse.Snapshot) {
	var l listing[struct {
		Name  string     `json:"name"`
		Vhost string     `json:"vhost"`
		User  flexString `json:"user"`
		State flexString `json:"state"`
	}]
	q := url.Values{"columns": {"name,vhost,user,state"}}
	path := "/api/connections"
	if vhost != "" {
		path = "/api/vhosts/" + esc(vhost) + "/connections"
	} else if sampled {
		q.Set("page", "1")
		q.Set("page_size", strconv.Itoa(sample))
	}
	if err := c.get(ctx, call{what: "connections"}, path, q, &l); err != nil {
		s.Unread = append(s.Unread, "connections ("+err.Error()+")")
		return
	}
	for _, j := range l.Items {
		s.Connections = append(s.Connections, pulse.Connection{Vhost: j.Vhost, Name: j.Name, User: string(j.User), State: string(j.State)})
	}
	s.Have.Connections = true
	if sampled && vhost == "" {
		s.Sampled = append(s.Sampled, fmt.Sprintf("blocked-connection rules read %d connections only", len(s.Connections)))
	}
}

func (c *Client) pulseNodes(ctx context.Context, s *pulse.Snapshot) {
	var nodes []struct {
		Name         string   `json:"name"`
		Running      flexBool `json:"running"`
		MemAlarm     flexBool `json:"mem_alarm"`
		DiskAlarm    flexBool `json:"disk_free_alarm"`
		FDUsed       flexInt  `json:"fd_used"`
		FDTotal      flexInt  `json:"fd_total"`
		SocketsUsed  flexInt  `json:"sockets_used"`
		SocketsTotal flexInt  `json:"sockets_total"`
		Partitions   []string `json:"partitions"`
	}
	q := url.Values{"columns": {"name,running,mem_alarm,disk_free_alarm,fd_used,fd_total,sockets_used,sockets_total,partitions"}}
	if err := c.get(ctx, call{what: "nodes"}, "/api/nodes", q, &nodes); err != nil {
		s.Unread = append(s.Unread, "nodes ("+err.Error()+")")
		return
	}
	for _, n := range nodes {
		s.Nodes = append(s.Nodes, pulse.Node{Name: n.Name, Running: bool(n.Running), MemAlarm: bool(n.MemAlarm),
			DiskAlarm: bool(n.DiskAlarm), FDUsed: int(n.FDUsed), FDTotal: int(n.FDTotal),
			SocketsUsed: int(n.SocketsUsed), SocketsTotal: int(n.SocketsTotal), Partitions: n.Partitions})
	}
	s.Have.Nodes = true
}

type pulsePolicyJSON struct {
	Vhost      string     `json:"vhost"`
	Name       string     `json:"name"`
	Pattern    string     `json:"pattern"`
	ApplyTo    flexString `json:"apply-to"`
	Priority   flexInt    `json:"priority"`
	Definition flexMap    `json:"definition"`
}

// pulsePolicies reads policies and operator policies; a user who may not
// read operator policies still gets the others.
func (c *Client) pulsePolicies(ctx context.Context, vhost string) ([]pulse.Policy, error) {
	var out []pulse.Policy
	for _, op := range []bool{false, true} {
		base := "/api/policies"
		if op {
			base = "/api/operator-policies"
		}
		var l []pulsePolicyJSON
		if err := c.get(ctx, call{what: "policies"}, vhostPath(base, vhost), nil, &l); err != nil {
			if op {
				break
			}
			return nil, err
		}
		for _, j := range l {
			out = append(out, pulse.Policy{Vhost: j.Vhost, Name: j.Name, Pattern: j.Pattern, ApplyTo: string(j.ApplyTo),
				Priority: int(j.Priority), Definition: j.Definition, Operator: op})
		}
	}
	return out, nil
}

// policies finds the definition that applies to a queue: its policy by
// name (the listing says which), combined with the operator policy that
// matches it, where the lower of two limits wins as on the broker.
type policies struct {
	byName   map[[2]string]pulse.Policy
	operator []pulse.Policy
	patterns map[string]*regexp.Regexp
}

func policyIndex(ps []pulse.Policy) policies {
	ix := policies{byName: map[[2]string]pulse.Policy{}, patterns: map[string]*regexp.Regexp{}}
	for _, p := range ps {
		if p.Operator {
			ix.operator = append(ix.operator, p)
			if re, err := regexp.Compile(p.Pattern); err == nil {
				ix.patterns[p.Pattern] = re
			}
			continue
		}
		ix.byName[[2]string{p.Vhost, p.Name}] = p
	}
	return ix
}

func (ix policies) forQueue(q pulse.Queue) map[string]any {
	def := map[string]any{}
	if p, ok := ix.byName[[2]string{q.Vhost, q.PolicyName}]; ok && q.PolicyName != "" {
		for k, v := range p.Definition {
			def[k] = v
		}
	}
	var op *pulse.Policy
	for i, p := range ix.operator {
		re := ix.patterns[p.Pattern]
		if p.Vhost != q.Vhost || re == nil || !re.MatchString(q.Name) || !appliesToQueue(p.ApplyTo, q.Type) {
			continue
		}
		if op == nil || p.Priority > op.Priority {
			op = &ix.operator[i]
		}
	}
	if op != nil {
		for k, v := range op.Definition {
			n, isNum := v.(float64)
			old, hadNum := def[k].(float64)
			switch {
			case isNum && hadNum:
				def[k] = min(n, old)
			case def[k] == nil:
				def[k] = v
			}
		}
	}
	if len(def) == 0 {
		return nil
	}
	return def
}

func appliesToQueue(applyTo, qtype string) bool {
	switch applyTo {
	case "", "all", "queues":
		return true
	case "classic_queues", "quorum_queues", "streams":
		return strings.TrimSuffix(strings.TrimSuffix(applyTo, "_queues"), "s") == qtype
	}
	return false
}
