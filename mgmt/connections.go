package mgmt

import (
	"cmp"
	"context"
	"strings"
	"time"
)

var connectionColumns = []string{"name", "vhost", "user", "state", "protocol", "channels",
	"client_properties.product", "client_properties.version", "client_properties.connection_name",
	"user_provided_name", "peer_host", "peer_port", "recv_oct_details.rate", "send_oct_details.rate",
	"connected_at", "node"}

// Connections lists one page of client connections. Across all vhosts the
// broker pages, filters and sorts; for one vhost the API cannot page, so
// that vhost's connections are paged here. SortRate orders by bytes
// received per second; other keys order by name.
func (c *Client) Connections(ctx context.Context, o ListOptions) (Page[Connection], error) {
	lq, err := c.prepare(o)
	if err != nil {
		return Page[Connection]{}, err
	}
	sortColumn := ""
	if lq.Sort == SortRate {
		sortColumn = "recv_oct_details.rate"
	}
	q := pageQuery(lq, sortColumn, connectionColumns)
	path := "/api/connections"
	if lq.Vhost != "" {
		path = "/api/vhosts/" + esc(lq.Vhost) + "/connections"
		for _, k := range []string{"page", "page_size", "name", "use_regex", "sort", "sort_reverse"} {
			q.Del(k)
		}
	}
	l, err := fetchPage[connectionJSON](ctx, c, listingCall(lq), path, q)
	if err != nil {
		return Page[Connection]{}, err
	}
	if l.Paged {
		return serverPage(l, lq.PageSize, connectionJSON.connection), nil
	}
	all := make([]Connection, 0, len(l.Items))
	for _, j := range l.Items {
		all = append(all, j.connection())
	}
	keep := func(cn Connection) bool { return lq.matches(cn.Name) }
	return pageLocally(all, lq, keep, connectionOrder(lq.Sort)), nil
}

func connectionOrder(key SortKey) func(a, b Connection) int {
	return func(a, b Connection) int {
		if key == SortRate {
			if c := cmp.Compare(a.RecvRate, b.RecvRate); c != 0 {
				return c
			}
		}
		return compareStrings(a.Vhost, b.Vhost, a.Name, b.Name)
	}
}

// connectionJSON is a connection as the API reports it.
type connectionJSON struct {
	Name             string     `json:"name"`
	Vhost            string     `json:"vhost"`
	User             flexString `json:"user"`
	State            flexString `json:"state"`
	Protocol         flexString `json:"protocol"`
	Channels         flexInt    `json:"channels"`
	UserProvidedName flexString `json:"user_provided_name"`
	ClientProperties struct {
		Product        flexString `json:"product"`
		Version        flexString `json:"version"`
		ConnectionName flexString `json:"connection_name"`
	} `json:"client_properties"`
	PeerHost    flexString `json:"peer_host"`
	PeerPort    flexInt    `json:"peer_port"`
	Recv        rateJSON   `json:"recv_oct_details"`
	Send        rateJSON   `json:"send_oct_details"`
	ConnectedAt flexInt    `json:"connected_at"` // ms since the epoch
	Node        flexString `json:"node"`
}

func (j connectionJSON) connection() Connection {
	cn := Connection{Name: j.Name, Vhost: j.Vhost, User: escaped(string(j.User)), State: escaped(string(j.State)),
		Protocol: escaped(string(j.Protocol)), Channels: int(j.Channels),
		Client:     escaped(strings.TrimSpace(string(j.ClientProperties.Product) + " " + string(j.ClientProperties.Version))),
		ClientName: escaped(cmp.Or(string(j.UserProvidedName), string(j.ClientProperties.ConnectionName))),
		PeerHost:   escaped(string(j.PeerHost)), PeerPort: int(j.PeerPort),
		RecvRate: j.Recv.Rate, SendRate: j.Send.Rate, Node: escaped(string(j.Node))}
	if j.ConnectedAt > 0 {
		cn.ConnectedAt = time.UnixMilli(int64(j.ConnectedAt))
	}
	return cn
}
