package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/broker/ops"
	"github.com/warren-tui/warren/mgmt"
)

// headerState is what the two header lines show; the App keeps it.
type headerState struct {
	overview mgmt.Overview
	haveOV   bool
	httpErr  error
	httpOK   bool // at least one answer since the last error
	link     LinkMsg
	haveLink bool
	// alarms are the resource alarms in force, e.g. "memory on rabbit@a":
	// the broker blocks every publishing connection while one lasts.
	alarms []string
	// tracing lists the vhosts whose firehose is on; traceSeen: it was
	// read once, and a tracing warren did not start was reported.
	tracing   []string
	traceSeen bool
	// countedAt is when the object counts were last read (see countEvery).
	countedAt time.Time
}

// renderHeader draws the header: who and where on the first line, the
// broker's totals and rates on the second. Pure; tested with goldens.
func renderHeader(c *common, h headerState, width int) string {
	th := c.th
	kv := func(k, v string) string { return th.HeaderKey.Render(k+" ") + th.HeaderValue.Render(safe(v)) }
	o := h.overview
	cluster, versions, user := "?", "RabbitMQ ? · Erlang ?", "?"
	if h.haveOV {
		cluster = o.ClusterName
		versions = "RabbitMQ " + o.RabbitMQVersion + " · Erlang " + o.ErlangVersion
		user = o.User
	}
	// Link states come first so a narrow screen never cuts them off.
	parts := []string{th.Brand.Render("warren"), linkAMQP(c, h), linkHTTP(c, h)}
	if len(h.alarms) > 0 {
		parts = append(parts, th.LinkDown.Render("ALARM "+safe(strings.Join(h.alarms, ", "))+": publishing blocked"))
	}
	if len(h.tracing) > 0 {
		parts = append(parts, th.LinkWarn.Render("TRACING "+safe(strings.Join(h.tracing, ", "))))
	}
	if badge := pulseBadge(c); badge != "" {
		parts = append(parts, badge)
	}
	if c.target.ReadOnly {
		parts = append(parts, th.Badge.Render("READ-ONLY"))
	}
	if c.target.Insecure {
		parts = append(parts, th.Badge.Render("TLS UNVERIFIED"))
	}
	if c.target.Context != "" {
		parts = append(parts, kv("ctx", c.target.Context))
	}
	parts = append(parts, kv("vhost", vhostLabel(c.target.Vhost)), kv("user", user), kv("cluster", cluster), th.HeaderKey.Render(safe(versions)))
	line1 := strings.Join(parts, "  ")

	var line2 string
	if h.haveOV {
		u := o.Unknown
		messages := kv("messages", countIf(o.Messages, u.Knows(mgmt.UnknownMessages)))
		if u.Knows(mgmt.UnknownReady | mgmt.UnknownUnacked) {
			messages += th.HeaderKey.Render(fmt.Sprintf(" (ready %s, unacked %s)", count(o.Ready), count(o.Unacked)))
		}
		fields := []string{
			kv("queues", count(int64(o.Queues))), kv("exchanges", count(int64(o.Exchanges))),
			kv("connections", count(int64(o.Connections))), kv("consumers", countIf(int64(o.Consumers), u.Knows(mgmt.UnknownConsumers))),
			messages,
			kv("publish", rate(o.PublishRate, u.Knows(mgmt.UnknownRates))+"/s"), kv("deliver", rate(o.DeliverRate, u.Knows(mgmt.UnknownRates))+"/s"),
		}
		if o.StatsOff {
			fields = append(fields, th.Badge.Render(statsOffBadge(o)))
		}
		line2 = strings.Join(fields, "  ")
	} else {
		line2 = th.Faint.Render("reading the broker overview from " + safe(c.target.API) + "…")
	}
	return ansi.Truncate(line1, width, "…") + "\n" + ansi.Truncate(line2, width, "…")
}

func linkHTTP(c *common, h headerState) string {
	th := c.th
	switch {
	case h.httpErr != nil:
		return th.HeaderKey.Render("HTTP ") + th.LinkDown.Render("● down")
	case h.httpOK:
		return th.HeaderKey.Render("HTTP ") + th.LinkUp.Render("● up") + where(c, h.overview.Endpoint, h.overview.FailedOver, c.target.APIs)
	default:
		return th.HeaderKey.Render("HTTP ") + th.LinkWarn.Render("○ connecting")
	}
}

// where names the endpoint a link is on, and says when warren moved there
// from the first one listed.
// where names the endpoint in use when warren was given several (the
// target lists them, comma-separated), and says when it failed over; with
// one endpoint the header keeps its room for what changes.
func where(c *common, endpoint string, failedOver bool, listed string) string {
	switch {
	case endpoint == "":
		return ""
	case failedOver:
		return c.th.LinkWarn.Render(" failed over to " + safe(endpoint))
	case !strings.Contains(listed, ","):
		return ""
	}
	return c.th.HeaderKey.Render(" " + safe(endpoint))
}

func linkAMQP(c *common, h headerState) string {
	th := c.th
	label := th.HeaderKey.Render("AMQP ")
	if !h.haveLink {
		return label + th.LinkWarn.Render("○ connecting")
	}
	switch h.link.State {
	case ops.LinkUp:
		return label + th.LinkUp.Render("● up") + where(c, h.link.Endpoint, h.link.FailedOver, c.target.AMQP)
	case ops.LinkReconnecting:
		return label + th.LinkWarn.Render("◌ reconnecting")
	case ops.LinkConnecting:
		return label + th.LinkWarn.Render("○ connecting")
	case ops.LinkClosed:
		return label + th.Faint.Render("○ closed")
	default:
		down := label + th.LinkDown.Render("● down")
		if h.link.Err != nil { // why, right beside it: link states come first
			down += th.LinkDown.Render(" (" + safe(strings.TrimPrefix(h.link.Err.Error(), "AMQP ")) + ")")
		}
		return down
	}
}
