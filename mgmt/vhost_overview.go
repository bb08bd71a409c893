package mgmt

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strings"
)

var vhostColumns = []string{"messages", "messages_ready", "messages_unacknowledged",
	"message_stats.publish_details.rate", "message_stats.deliver_get_details.rate"}

// VhostOverview is Overview with its totals and rates for one vhost: the
// vhost's own messages and rates, and, withCounts, its queues, exchanges,
// connections and consumers counted (else those are left 0: four more
// requests, which a caller polling often makes only now and then).
// Queues and exchanges are counted with a one-row page (queues without
// stats).
func (c *Client) VhostOverview(ctx context.Context, vhost string, withCounts bool) (Overview, error) {
	o, err := c.Overview(ctx)
	if err != nil {
		return Overview{}, err
	}
	var j struct {
		Messages     flexInt                  `json:"messages"`
		Ready        flexInt                  `json:"messages_ready"`
		Unacked      flexInt                  `json:"messages_unacknowledged"`
		MessageStats object[messageStatsJSON] `json:"message_stats"`
	}
	cl := call{what: "vhost " + vhost}
	q := url.Values{"columns": {strings.Join(vhostColumns, ",")}}
	var raw json.RawMessage
	if err := c.get(ctx, cl, "/api/vhosts/"+esc(vhost), q, &raw); err != nil {
		return Overview{}, err
	}
	// A vhost with none of the columns yet (no messages ever) is "[]".
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '{' {
		if err := json.Unmarshal(t, &j); err != nil {
			return Overview{}, c.unexpected(reply{}, err)
		}
	}
	o.Messages, o.Ready, o.Unacked = int64(j.Messages), int64(j.Ready), int64(j.Unacked)
	o.PublishRate, o.DeliverRate = j.MessageStats.V.Publish.Rate, j.MessageStats.V.DeliverGet.Rate
	o.Queues, o.Exchanges, o.Connections, o.Consumers, o.Channels = 0, 0, 0, 0, 0
	if !withCounts {
		return o, nil
	}
	one := url.Values{"page": {"1"}, "page_size": {"1"}, "columns": {"name"}}
	noStats := url.Values{"page": {"1"}, "page_size": {"1"}, "columns": {"name"}, "disable_stats": {"true"}}
	for _, n := range []struct {
		path string
		q    url.Values
		to   *int
	}{
		{"/api/queues/" + esc(vhost), noStats, &o.Queues},
		{"/api/exchanges/" + esc(vhost), one, &o.Exchanges},
		{"/api/vhosts/" + esc(vhost) + "/connections", url.Values{"columns": {"name"}}, &o.Connections},
		{"/api/consumers/" + esc(vhost), url.Values{"columns": {"consumer_tag"}}, &o.Consumers},
	} {
		var l listing[struct{}]
		if err := c.get(ctx, cl, n.path, n.q, &l); err != nil {
			return Overview{}, err
		}
		*n.to = len(l.Items)
		if l.Paged {
			*n.to = l.TotalCount
		}
	}
	return o, nil
}

// NodeAlarms lists each node's name and resource alarms only: what the
// header polls, a fraction of the full node listing for the broker to
// build and for warren to read. Other fields are left zero.
func (c *Client) NodeAlarms(ctx context.Context) ([]Node, error) {
	var j []struct {
		Name      flexString `json:"name"`
		MemAlarm  flexBool   `json:"mem_alarm"`
		DiskAlarm flexBool   `json:"disk_free_alarm"`
	}
	q := url.Values{"columns": {"name,mem_alarm,disk_free_alarm"}}
	if err := c.get(ctx, call{what: "nodes"}, "/api/nodes", q, &j); err != nil {
		return nil, err
	}
	nodes := make([]Node, 0, len(j))
	for _, n := range j {
		nodes = append(nodes, Node{Name: escaped(string(n.Name)), MemAlarm: bool(n.MemAlarm), DiskAlarm: bool(n.DiskAlarm)})
	}
	return nodes, nil
}
