package mgmt

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Channel is one channel of a connection.
type Channel struct {
	Number         int
	Name           string // shown only
	State          string
	Prefetch       int // per consumer (basic.qos global=false)
	GlobalPrefetch int // per channel (global=true); 0 is none
	Unacked        int64
	Unconfirmed    int64
	Consumers      int
	Confirm        bool
	Transactional  bool
}

// ConnectionDetail is a connection with its channels and the facts the
// list leaves out.
type ConnectionDetail struct {
	Connection
	AuthMechanism string
	Heartbeat     int // seconds; 0 is off
	FrameMax      int
	ChannelMax    int
	TLS           bool
	ChannelList   []Channel // by number
}

var connectionDetailColumns = append(slices.Clone(connectionColumns),
	"auth_mechanism", "timeout", "frame_max", "channel_max", "ssl")

var channelColumns = []string{"name", "number", "state", "prefetch_count", "global_prefetch_count",
	"messages_unacknowledged", "messages_unconfirmed", "consumer_count", "confirm", "transactional"}

// ConnectionDetail reads one connection (by its name, as listed) and its
// channels.
func (c *Client) ConnectionDetail(ctx context.Context, name string) (ConnectionDetail, error) {
	cl := call{what: fmt.Sprintf("connection %q", name)}
	path := "/api/connections/" + esc(name)
	var j struct {
		connectionJSON
		AuthMechanism flexString `json:"auth_mechanism"`
		Timeout       flexInt    `json:"timeout"`
		FrameMax      flexInt    `json:"frame_max"`
		ChannelMax    flexInt    `json:"channel_max"`
		SSL           flexBool   `json:"ssl"`
	}
	q := url.Values{"columns": {strings.Join(connectionDetailColumns, ",")}}
	if err := c.get(ctx, cl, path, q, &j); err != nil {
		return ConnectionDetail{}, err
	}
	d := ConnectionDetail{Connection: j.connection(), AuthMechanism: escaped(string(j.AuthMechanism)),
		Heartbeat: int(j.Timeout), FrameMax: int(j.FrameMax), ChannelMax: int(j.ChannelMax), TLS: bool(j.SSL)}
	var chans flexList[channelJSON]
	q = url.Values{"columns": {strings.Join(channelColumns, ",")}}
	if err := c.get(ctx, cl, path+"/channels", q, &chans); err != nil {
		return ConnectionDetail{}, err
	}
	for _, cj := range chans {
		d.ChannelList = append(d.ChannelList, cj.channel())
	}
	slices.SortFunc(d.ChannelList, func(a, b Channel) int { return cmp.Compare(a.Number, b.Number) })
	return d, nil
}

type channelJSON struct {
	Name           flexString `json:"name"`
	Number         flexInt    `json:"number"`
	State          flexString `json:"state"`
	Prefetch       flexInt    `json:"prefetch_count"`
	GlobalPrefetch flexInt    `json:"global_prefetch_count"`
	Unacked        flexInt    `json:"messages_unacknowledged"`
	Unconfirmed    flexInt    `json:"messages_unconfirmed"`
	Consumers      flexInt    `json:"consumer_count"`
	Confirm        flexBool   `json:"confirm"`
	Transactional  flexBool   `json:"transactional"`
}

func (j channelJSON) channel() Channel {
	return Channel{Number: int(j.Number), Name: escaped(string(j.Name)), State: escaped(string(j.State)),
		Prefetch: int(j.Prefetch), GlobalPrefetch: int(j.GlobalPrefetch), Unacked: int64(j.Unacked),
		Unconfirmed: int64(j.Unconfirmed), Consumers: int(j.Consumers),
		Confirm: bool(j.Confirm), Transactional: bool(j.Transactional)}
}
