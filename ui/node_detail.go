package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/warren-tui/warren/mgmt"
	"github.com/warren-tui/warren/ui/widget"
)

// maxNodeRows bounds the connections and queues a node detail lists; the
// counts say how many there are.
const maxNodeRows = 200

// nodeDetail shows one cluster node: whether it runs, its resources
// against their limits, alarms and partitions, plugins, the cluster's
// feature flags, and what lives on it: its connections and the queues it
// leads (enter opens either).
type nodeDetail struct {
	detailPage[mgmt.NodeDetail]
	n mgmt.NodeDetail
}

func newNodeDetail(c *common, name string) *nodeDetail {
	v := &nodeDetail{detailPage: newDetailPage(c, "", name,
		func(ctx context.Context, src Source, _, name string) (mgmt.NodeDetail, error) {
			return nodeDetailOf(ctx, src, name)
		})}
	v.arrived = func(n mgmt.NodeDetail) {
		v.n = n
		v.rebuild()
	}
	return v
}

func (v *nodeDetail) title() string { return "node " + v.name }

func (v *nodeDetail) status() string {
	if !v.loaded {
		return "loading…"
	}
	if !v.n.Running {
		return "down"
	}
	return fmt.Sprintf("running · %d %s · leads %d %s", len(v.n.Connections), plural(len(v.n.Connections), "connection", "connections"),
		len(v.n.Leaders), plural(len(v.n.Leaders), "queue", "queues"))
}

// kvLine renders label/value pairs on one line; values are escaped.
func kvLine(c *common, pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if i > 0 {
			b.WriteString("   ")
		}
		b.WriteString(c.th.Label.Render(pairs[i]+" ") + c.th.HeaderValue.Render(safe(pairs[i+1])))
	}
	return b.String()
}

// ofLimit renders used against a limit with the share used: "40 / 1,024 (4%)".
func ofLimit(used, limit int64, unit func(int64) string) string {
	if limit <= 0 {
		return unit(used) + " / -"
	}
	return fmt.Sprintf("%s / %s (%d%%)", unit(used), unit(limit), used*100/limit)
}

// nodeStatsKnown: a node that has just started (or joined) reports no
// figures until its first stats emission; zeros then mean unknown.
func nodeStatsKnown(n mgmt.Node) bool { return n.Running && n.MemLimit > 0 }

func (v *nodeDetail) rebuild() {
	th := v.c.th
	n := v.n
	var d widget.Page
	state := th.OK.Render("running")
	if !n.Running {
		state = th.Error.Render("down")
	}
	d.Add(th.Label.Render("state ") + state + "   " + kvLine(v.c, "type", n.Type, "uptime", age(n.Uptime),
		"RabbitMQ", orDash(n.Version)))
	if !n.Running {
		d.Add(th.Faint.Render("The cluster cannot reach this node: it reports nothing else. " +
			"Queues it led have elected new leaders where they could."))
	}
	if n.Running && !nodeStatsKnown(n.Node) {
		d.Add(th.Faint.Render("No figures yet: the node has not emitted its first stats."))
	}
	if nodeStatsKnown(n.Node) {
		d.Add("")
		d.Add(th.Section.Render("RESOURCES"))
		d.Add("  " + kvLine(v.c, "memory", ofLimit(n.MemUsed, n.MemLimit, bytesIEC)))
		d.Add("  " + kvLine(v.c, "disk free", bytesIEC(n.DiskFree)+" (alarm below "+bytesIEC(n.DiskLimit)+")"))
		d.Add("  " + kvLine(v.c, "file descriptors", ofLimit(int64(n.FDUsed), int64(n.FDTotal), count),
			"sockets", ofLimit(int64(n.Sockets), int64(n.SockTotal), count)))
		d.Add("  " + kvLine(v.c, "Erlang processes", ofLimit(int64(n.Processes), int64(n.ProcTotal), count)))
	}
	d.Add("")
	d.Add(th.Section.Render("ALARMS AND PARTITIONS"))
	var alarms []string
	if n.MemAlarm {
		alarms = append(alarms, "memory alarm: publishers are blocked")
	}
	if n.DiskAlarm {
		alarms = append(alarms, "disk alarm: publishers are blocked")
	}
	for _, p := range n.Partitions {
		alarms = append(alarms, "partitioned from "+p)
	}
	if len(alarms) == 0 {
		d.Add(th.Faint.Render("  none"))
	}
	for _, a := range alarms {
		d.Add("  " + th.Error.Render(safe(a)))
	}
	d.Add("")
	d.Add(th.Section.Render(fmt.Sprintf("PLUGINS (%d)", len(n.Plugins))))
	addNames(&d, v.c, n.Plugins)
	d.Add(th.Section.Render(fmt.Sprintf("ENABLED FEATURE FLAGS (%d, cluster-wide)", len(n.FeatureFlags))))
	if n.FeatureFlagsHidden {
		d.Add(th.Faint.Render("  only an administrator may read them"))
	} else {
		addNames(&d, v.c, n.FeatureFlags)
	}
	d.Add("")
	d.Add(th.Section.Render(fmt.Sprintf("CONNECTIONS ON THIS NODE (%d)", len(n.Connections))) +
		th.Faint.Render("  enter opens one"))
	row := func(a, b, c, e string) string {
		return fmt.Sprintf("  %-40s %-24s %-10s %s", safe(a), safe(b), safe(c), safe(e))
	}
	d.Add(th.TableHeader.Render(row("NAME", "CLIENT NAME", "USER", "VHOST")))
	if len(n.Connections) == 0 {
		d.Add(th.Faint.Render("  none"))
	}
	for i, c := range n.Connections {
		if i == maxNodeRows {
			d.Add(th.Faint.Render(fmt.Sprintf("  … and %d more (:connections lists them all)", len(n.Connections)-i)))
			break
		}
		line := row(c.Name, c.ClientName, c.User, c.Vhost)
		d.AddLink(line, line, openCmd(kindConnection, "", c.Name))
	}
	d.Add("")
	title := fmt.Sprintf("QUEUES THIS NODE LEADS (%d)", len(n.Leaders))
	if n.Replicas > 0 {
		title += fmt.Sprintf(", and a replica of %d more", n.Replicas)
	}
	d.Add(th.Section.Render(title) + th.Faint.Render("  enter opens one"))
	all := "  → every queue on this node, in the queue list (/node:" + safe(n.Name) + ")"
	d.AddLink(all, th.Accent.Render(all), openCmd(kindQueuesOnNode, "", n.Name))
	d.Add(th.TableHeader.Render(fmt.Sprintf("  %-12s %-40s %-8s %12s", "VHOST", "NAME", "TYPE", "MESSAGES")))
	if len(n.Leaders) == 0 {
		d.Add(th.Faint.Render("  none"))
	}
	for i, q := range n.Leaders {
		if i == maxNodeRows {
			d.Add(th.Faint.Render(fmt.Sprintf("  … and %d more", len(n.Leaders)-i)))
			break
		}
		line := fmt.Sprintf("  %-12s %-40s %-8s %12s", safe(q.Vhost), safe(q.Name), safe(q.Type), count(q.Messages))
		d.AddLink(line, line, openCmd(kindQueue, q.Vhost, q.Name))
	}
	v.doc.Replace(d)
}

// addNames lists names two-space indented, as many to a line as fit 76
// columns, or "none".
func addNames(d *widget.Page, c *common, names []string) {
	if len(names) == 0 {
		d.Add(c.th.Faint.Render("  none"))
		return
	}
	line := ""
	for _, n := range names {
		n = safe(n)
		if line != "" && len(line)+2+len(n) > 76 {
			d.Add("  " + line)
			line = ""
		}
		if line != "" {
			line += "  "
		}
		line += n
	}
	d.Add("  " + line)
}

func (v *nodeDetail) render(w, h int) string { return v.renderPage("node "+v.name, w, h) }

func (v *nodeDetail) keys() keyScope {
	return scopeOf("Node detail", append(v.c.keys.Table.moves(), v.c.keys.Table.open("open the selected connection, queue or the node's queue list"))...)
}
