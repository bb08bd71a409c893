package ui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/warren-tui/warren/pulse"
)

// pulseGroupAt is how many findings of one rule at one severity become a
// group: one row ("▸ 300 queues  ready messages and no consumers") that
// enter opens into its members. One or two stay rows of their own.
const pulseGroupAt = 3

// pulseGroupKey names a group across reads.
type pulseGroupKey struct {
	sev  pulse.Severity
	rule pulse.Rule
}

func groupKey(g pulse.Group) pulseGroupKey { return pulseGroupKey{g.Severity, g.Rule} }

// pulseItem is one row of the findings view: a finding of its own, a
// group's row, or a member of an open group.
type pulseItem struct {
	finding pulse.Finding // the finding; a group's first member on its row
	group   *pulse.Group  // set on a group's row
	member  bool          // a member listed under its open group
	open    bool          // on a group's row: its members are listed
}

// pulseItems lays findings (sorted) out as rows: groups of pulseGroupAt
// or more as one row, followed by their members where open says so.
// Pure; the view keeps which groups are open.
func pulseItems(fs []pulse.Finding, open map[pulseGroupKey]bool) []pulseItem {
	var out []pulseItem
	for _, g := range pulse.Groups(fs) {
		if len(g.Findings) < pulseGroupAt {
			for _, f := range g.Findings {
				out = append(out, pulseItem{finding: f})
			}
			continue
		}
		g := g
		isOpen := open[groupKey(g)]
		out = append(out, pulseItem{finding: g.Findings[0], group: &g, open: isOpen})
		if isOpen {
			for _, f := range g.Findings {
				out = append(out, pulseItem{finding: f, member: true})
			}
		}
	}
	return out
}

// same says whether two rows stand for the same thing, so the cursor
// stays on it across reads: the same group, or the same finding.
func (it pulseItem) same(o pulseItem) bool {
	if (it.group != nil) != (o.group != nil) {
		return false
	}
	if it.group != nil {
		return groupKey(*it.group) == groupKey(*o.group)
	}
	return it.member == o.member && it.finding.Rule == o.finding.Rule && it.finding.Object == o.finding.Object
}

// pulseItemRow is the pure renderer of one row: a finding's, a member's
// (indented under its group), or a group's, which counts its objects and
// says in the rule's words what they share.
func pulseItemRow(it pulseItem) []string {
	if it.group == nil {
		row := pulseRow(it.finding)
		if it.member { // its group's row above says severity and kind
			row[0], row[1], row[3] = "", "", "  "+row[3]
		}
		return row
	}
	g := *it.group
	mark := "▸ "
	if it.open {
		mark = "▾ "
	}
	row := pulseRow(g.Findings[0])
	row[2] = groupVhosts(g)
	row[3] = mark + countObjects(g)
	row[4] = g.Title()
	return row
}

// countObjects is "300 queues", or "3 objects" across kinds.
func countObjects(g pulse.Group) string {
	kind := g.Findings[0].Object.Kind
	for _, f := range g.Findings[1:] {
		if f.Object.Kind != kind {
			return strconv.Itoa(len(g.Findings)) + " objects"
		}
	}
	return strconv.Itoa(len(g.Findings)) + " " + kindPlural(kind)
}

func kindPlural(kind pulse.Kind) string {
	if kind == pulse.KindPolicy {
		return "policies"
	}
	return string(kind) + "s"
}

// groupVhosts is the vhost the group's objects share, or how many.
func groupVhosts(g pulse.Group) string {
	seen := map[string]bool{}
	for _, f := range g.Findings {
		seen[f.Object.Vhost] = true
	}
	if len(seen) == 1 {
		return g.Findings[0].Object.Vhost
	}
	return fmt.Sprintf("%d vhosts", len(seen))
}

// groupDetail is what the lines under the table say of a group: what its
// findings share, the first few objects, why it matters and the fix.
func groupDetail(g pulse.Group, open bool) (head, what string) {
	head = g.Severity.String() + " · " + countObjects(g) + ": " + g.Title()
	const named = 5
	var names []string
	for i, f := range g.Findings {
		if i == named {
			names = append(names, fmt.Sprintf("and %d more", len(g.Findings)-named))
			break
		}
		names = append(names, objectName(f.Object))
	}
	hint := " (enter lists them)"
	if open {
		hint = " (listed below; enter closes the list)"
	}
	return head, strings.Join(names, ", ") + hint
}
