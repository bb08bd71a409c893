package ui

import (
	"fmt"
	"slices"

	"github.com/warren-tui/warren/ui/widget"
)

// addMembers is the queue detail's cluster section: where the queue lives.
// A quorum queue has a leader and members, each online or not; a stream
// has a leader (its writer) and replicas; a mirrored classic queue has
// mirrors, each in sync or not; a plain classic queue lives on one node.
func (v *queueDetail) addMembers(d *widget.Page) {
	th := v.c.th
	q := v.q
	switch {
	case len(q.Members) > 0:
		role := "replica"
		title := "MEMBERS"
		if q.Type == "stream" {
			title = "REPLICAS"
		}
		online := 0
		for _, m := range q.Members {
			if slices.Contains(q.Online, m) {
				online++
			}
		}
		d.Add("")
		d.Add(th.Section.Render(fmt.Sprintf("%s (%d, %d online)", title, len(q.Members), online)) +
			th.Faint.Render("  the management API reports no replication lag"))
		// The leader first, then the rest in the broker's order.
		members := slices.Clone(q.Members)
		if i := slices.Index(members, q.Node); i > 0 {
			members = append(append([]string{members[i]}, members[:i]...), members[i+1:]...)
		}
		for _, m := range members {
			r := role
			if m == q.Node {
				r = "leader"
			}
			state, style := "online", th.OK
			if !slices.Contains(q.Online, m) {
				state, style = "offline", th.Error
			}
			line := fmt.Sprintf("  %-40s %-8s ", safe(m), r)
			d.AddLink(line+state, line+style.Render(state), openCmd(kindNode, "", m))
		}
		if q.Type == "quorum" && online*2 <= len(q.Members) {
			d.Add(th.Error.Render(fmt.Sprintf("  %d of %d members online: no majority, the queue is unavailable", online, len(q.Members))))
		}
	case len(q.Mirrors) > 0:
		d.Add("")
		d.Add(th.Section.Render(fmt.Sprintf("MIRRORS (%d, %d in sync)", len(q.Mirrors), len(q.SyncedMirrors))))
		if q.Node != "" {
			d.AddLink(fmt.Sprintf("  %-40s %-8s", safe(q.Node), "leader"),
				fmt.Sprintf("  %-40s %-8s", safe(q.Node), "leader"), openCmd(kindNode, "", q.Node))
		}
		for _, m := range q.Mirrors {
			state, style := "in sync", th.OK
			if !slices.Contains(q.SyncedMirrors, m) {
				state, style = "not in sync", th.Warn
			}
			line := fmt.Sprintf("  %-40s %-8s ", safe(m), "mirror")
			d.AddLink(line+state, line+style.Render(state), openCmd(kindNode, "", m))
		}
	}
}
