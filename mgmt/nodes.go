package mgmt

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"
)

// NodeDetail is one node with what lives on it: the connections it
// serves and the queues it leads, plus the cluster's enabled feature
// flags (a cluster-wide setting the API reports once).
type NodeDetail struct {
	Node
	FeatureFlags []string // enabled, sorted
	Connections  []Connection
	Leaders      []Queue // quorum queues and streams it leads, classic queues on it
	// Replicas counts the quorum queues and streams with a member on the
	// node that another node leads.
	Replicas int
}

var nodeColumns = []string{"name", "type", "running", "uptime", "mem_used", "mem_limit", "mem_alarm",
	"disk_free", "disk_free_limit", "disk_free_alarm", "fd_used", "fd_total", "sockets_used", "sockets_total",
	"proc_used", "proc_total", "partitions", "applications", "enabled_plugins"}

// Nodes lists the cluster's nodes, sorted by name. A node that is down
// is listed with Running false and nothing else known.
func (c *Client) Nodes(ctx context.Context) ([]Node, error) {
	var js []nodeJSON
	q := url.Values{"columns": {strings.Join(nodeColumns, ",")}}
	if err := c.get(ctx, call{what: "nodes"}, "/api/nodes", q, &js); err != nil {
		return nil, err
	}
	nodes := make([]Node, 0, len(js))
	for _, j := range js {
		nodes = append(nodes, j.node())
	}
	slices.SortFunc(nodes, func(a, b Node) int { return strings.Compare(a.Name, b.Name) })
	return nodes, nil
}

// Node reads one node by the name Nodes gave it, with its connections,
// the queues it leads and the enabled feature flags. The API cannot list
// connections or queues by node, so this reads every connection and every
// queue (queues without stats, which is cheap for the broker) and keeps
// those on the node.
func (c *Client) Node(ctx context.Context, name string) (NodeDetail, error) {
	nodes, err := c.Nodes(ctx)
	if err != nil {
		return NodeDetail{}, err
	}
	i := slices.IndexFunc(nodes, func(n Node) bool { return n.Name == name })
	if i < 0 {
		return NodeDetail{}, &Error{API: c.apiRedacted, Kind: ErrNotFound, Status: 404,
			Msg: "node " + escaped(name) + " is not in the cluster"}
	}
	d := NodeDetail{Node: nodes[i]}
	if d.FeatureFlags, err = c.EnabledFeatureFlags(ctx); err != nil {
		return NodeDetail{}, err
	}
	var conns []connectionJSON
	q := url.Values{"columns": {strings.Join(connectionColumns, ",")}}
	if err := c.get(ctx, call{what: "connections"}, "/api/connections", q, &conns); err != nil {
		return NodeDetail{}, err
	}
	for _, j := range conns {
		if cn := j.connection(); cn.Node == name {
			d.Connections = append(d.Connections, cn)
		}
	}
	slices.SortFunc(d.Connections, connectionOrder(SortName))
	var queues []queueJSON
	q = url.Values{"columns": {strings.Join(queueTotalsColumns, ",")},
		"disable_stats": {"true"}, "enable_queue_totals": {"true"}}
	if err := c.get(ctx, call{what: "queues"}, "/api/queues", q, &queues); err != nil {
		return NodeDetail{}, err
	}
	all := make([]Queue, 0, len(queues))
	for _, j := range queues {
		all = append(all, j.queue(true))
	}
	if err := c.addQueueNodes(ctx, "/api/queues", all); err != nil {
		return NodeDetail{}, err
	}
	for _, qu := range all {
		switch {
		case qu.Node == name:
			d.Leaders = append(d.Leaders, qu)
		case slices.Contains(qu.Members, name):
			d.Replicas++
		}
	}
	slices.SortFunc(d.Leaders, queueOrder(SortName))
	return d, nil
}

// EnabledFeatureFlags lists the cluster's enabled feature flags, sorted.
func (c *Client) EnabledFeatureFlags(ctx context.Context) ([]string, error) {
	var js []struct {
		Name  flexString `json:"name"`
		State flexString `json:"state"`
	}
	if err := c.get(ctx, call{what: "feature flags"}, "/api/feature-flags", nil, &js); err != nil {
		return nil, err
	}
	var out []string
	for _, j := range js {
		if j.State == "enabled" {
			out = append(out, escaped(string(j.Name)))
		}
	}
	slices.Sort(out)
	return out, nil
}

// OnNode says whether node is the node want names: its full name, or the
// part before @ (w1 for w1@localhost).
func OnNode(node, want string) bool {
	if want == "" {
		return true
	}
	if node == want {
		return true
	}
	short, _, ok := strings.Cut(node, "@")
	return ok && !strings.Contains(want, "@") && short == want
}

type nodeJSON struct {
	Name       flexString  `json:"name"`
	Type       flexString  `json:"type"`
	Running    flexBool    `json:"running"`
	Uptime     flexInt     `json:"uptime"` // ms
	MemUsed    flexInt     `json:"mem_used"`
	MemLimit   flexInt     `json:"mem_limit"`
	MemAlarm   flexBool    `json:"mem_alarm"`
	DiskFree   flexInt     `json:"disk_free"`
	DiskLimit  flexInt     `json:"disk_free_limit"`
	DiskAlarm  flexBool    `json:"disk_free_alarm"`
	FDUsed     flexInt     `json:"fd_used"`
	FDTotal    flexInt     `json:"fd_total"`
	Sockets    flexInt     `json:"sockets_used"`
	SockTotal  flexInt     `json:"sockets_total"`
	ProcUsed   flexInt     `json:"proc_used"`
	ProcTotal  flexInt     `json:"proc_total"`
	Partitions flexStrings `json:"partitions"`
	Apps       flexList[struct {
		Name    flexString `json:"name"`
		Version flexString `json:"version"`
	}] `json:"applications"`
	Plugins flexStrings `json:"enabled_plugins"`
}

func (j nodeJSON) node() Node {
	n := Node{Name: escaped(string(j.Name)), Type: escaped(string(j.Type)), Running: bool(j.Running),
		Uptime:  time.Duration(j.Uptime) * time.Millisecond,
		MemUsed: int64(j.MemUsed), MemLimit: int64(j.MemLimit), MemAlarm: bool(j.MemAlarm),
		DiskFree: int64(j.DiskFree), DiskLimit: int64(j.DiskLimit), DiskAlarm: bool(j.DiskAlarm),
		FDUsed: int(j.FDUsed), FDTotal: int(j.FDTotal), Sockets: int(j.Sockets), SockTotal: int(j.SockTotal),
		Processes: int(j.ProcUsed), ProcTotal: int(j.ProcTotal),
		Partitions: escapedAll(j.Partitions), Plugins: escapedAll(j.Plugins)}
	for _, a := range j.Apps {
		if a.Name == "rabbit" {
			n.Version = escaped(string(a.Version))
		}
	}
	slices.Sort(n.Plugins)
	return n
}

// flexStrings reads an array of strings; anything else (null, [] for an
// empty proplist, a lone string, numbers) reads as what strings it holds.
type flexStrings []string

func (s *flexStrings) UnmarshalJSON(d []byte) error {
	var raw flexList[flexString]
	if err := raw.UnmarshalJSON(d); err != nil {
		return err
	}
	out := make([]string, 0, len(raw))
	for _, r := range raw {
		out = append(out, string(r))
	}
	if len(out) == 0 {
		out = nil
	}
	*s = out
	return nil
}

// flexList reads an array, skipping elements that do not decode as T;
// anything but an array reads as empty.
type flexList[T any] []T

func (l *flexList[T]) UnmarshalJSON(d []byte) error {
	*l = nil
	if len(d) == 0 || d[0] != '[' {
		return nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(d, &raws); err != nil {
		return err
	}
	for _, r := range raws {
		var v T
		if json.Unmarshal(r, &v) == nil {
			*l = append(*l, v)
		}
	}
	return nil
}
