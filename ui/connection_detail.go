package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui/widget"
)

// connectionDetail shows one client connection: the name its client gave
// it, the node it is on, who and what it is, and its channels with their
// prefetch, unacknowledged messages and consumers.
type connectionDetail struct {
	detailPage[mgmt.ConnectionDetail]
	k mgmt.ConnectionDetail
}

func newConnectionDetail(c *common, name string) *connectionDetail {
	v := &connectionDetail{detailPage: newDetailPage(c, "", name,
		func(ctx context.Context, src Source, _, name string) (mgmt.ConnectionDetail, error) {
			return connectionDetailOf(ctx, src, name)
		})}
	v.arrived = func(k mgmt.ConnectionDetail) {
		v.k = k
		v.rebuild()
	}
	return v
}

func (v *connectionDetail) title() string { return "connection " + v.name }

func (v *connectionDetail) status() string {
	if !v.loaded {
		return "loading…"
	}
	return fmt.Sprintf("%s · %d channels", v.k.Node, len(v.k.ChannelList))
}

func (v *connectionDetail) rebuild() {
	th := v.c.th
	k := v.k
	var d widget.Page
	since := "-"
	if !k.ConnectedAt.IsZero() {
		since = age(v.c.now().Sub(k.ConnectedAt))
	}
	d.Add(kvLine(v.c, "client name", orDash(k.ClientName), "node", orDash(k.Node)))
	d.Add(kvLine(v.c, "user", k.User, "vhost", k.Vhost, "state", k.State, "connected", since))
	d.Add(kvLine(v.c, "client", orDash(k.Client), "peer", peer(k.Connection)))
	tls := "no"
	if k.TLS {
		tls = "yes"
	}
	heartbeat := "off"
	if k.Heartbeat > 0 {
		heartbeat = fmt.Sprintf("%ds", k.Heartbeat)
	}
	d.Add(kvLine(v.c, "protocol", k.Protocol, "auth", orDash(k.AuthMechanism), "TLS", tls, "heartbeat", heartbeat))
	d.Add(kvLine(v.c, "frame max", count(int64(k.FrameMax)), "channel max", count(int64(k.ChannelMax)),
		"recv", bytesIEC(int64(k.RecvRate))+"/s", "send", bytesIEC(int64(k.SendRate))+"/s"))
	d.Add("")
	d.Add(th.Section.Render(fmt.Sprintf("CHANNELS (%d)", len(k.ChannelList))))
	row := func(cols ...string) string {
		return fmt.Sprintf("  %5s %-9s %9s %9s %9s %11s %9s  %s", safeAll(cols)...)
	}
	d.Add(th.TableHeader.Render(row("#", "STATE", "PREFETCH", "GLOBAL", "UNACKED", "UNCONFIRMED", "CONSUMERS", "MODE")))
	if len(k.ChannelList) == 0 {
		d.Add(th.Faint.Render("  none"))
	}
	for _, ch := range k.ChannelList {
		var mode []string
		if ch.Confirm {
			mode = append(mode, "confirm")
		}
		if ch.Transactional {
			mode = append(mode, "tx")
		}
		prefetch := "none"
		if ch.Prefetch > 0 {
			prefetch = count(int64(ch.Prefetch))
		}
		global := "-"
		if ch.GlobalPrefetch > 0 {
			global = count(int64(ch.GlobalPrefetch))
		}
		line := row(fmt.Sprint(ch.Number), ch.State, prefetch, global, count(ch.Unacked), count(ch.Unconfirmed),
			count(int64(ch.Consumers)), strings.Join(mode, ","))
		if ch.Prefetch == 0 && ch.GlobalPrefetch == 0 && ch.Consumers > 0 {
			line += th.Warn.Render("  prefetch 0: no limit on unacked deliveries")
		}
		d.Add(line)
	}
	v.doc.Replace(d)
}

func safeAll(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = safe(s)
	}
	return out
}

func (v *connectionDetail) render(w, h int) string { return v.renderPage("connection "+v.name, w, h) }

func (v *connectionDetail) keys() keyScope {
	return scopeOf("Connection detail", v.c.keys.Table.moves()...)
}

func peer(k mgmt.Connection) string {
	if k.PeerHost == "" {
		return "-"
	}
	return fmt.Sprintf("%s:%d", k.PeerHost, k.PeerPort)
}
