package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/pulse"
	"github.com/warren-tui/warren/ui/widget"
)

// pulseKeys are the findings view's own keys.
type pulseKeys struct {
	Copy binding
}

func newPulseKeys() pulseKeys {
	return pulseKeys{
		Copy: bind("y", "copy the selected finding's fix command to the clipboard (OSC 52)", "y").hint("copy the fix"),
	}
}

// pulseDetailLines is how many lines under the table tell the selected
// finding's why and fix.
const pulseDetailLines = 8

// pulseView lists the pulse's findings, worst first, many of one rule as
// one group row that enter opens; the selected row's why and fix show
// below. It reads the App's background pulse and does no I/O of its own:
// ctrl+r and being shown ask the App for a fresh read.
type pulseView struct {
	c     *common
	vid   int
	pk    pulseKeys
	tbl   widget.Table
	items []pulseItem
	// open holds the groups whose members are listed, across reads.
	open map[pulseGroupKey]bool
	seq  int
}

func newPulseView(c *common) *pulseView {
	v := &pulseView{c: c, vid: nextViewID(), pk: newPulseKeys(), seq: -1, open: map[pulseGroupKey]bool{}}
	v.tbl.Cols = []widget.Column{
		{Title: "SEVERITY", Width: 10},
		{Title: "KIND", Width: 10},
		{Title: "VHOST", Width: 6, Flex: 1},
		{Title: "OBJECT", Width: 16, Flex: 3},
		{Title: "WHAT", Width: 20, Flex: 7},
	}
	v.sync()
	return v
}

func (v *pulseView) id() int       { return v.vid }
func (v *pulseView) title() string { return "pulse" }

func (v *pulseView) status() string {
	p := v.c.pulse
	if !p.known {
		if p.poll.err != nil {
			return "cannot read the pulse"
		}
		return "reading…"
	}
	crit, warn, info := pulse.Count(p.findings)
	s := fmt.Sprintf("%d critical · %d warning · %d info", crit, warn, info)
	if groups := len(pulse.Groups(p.findings)); groups < len(p.findings) {
		s += fmt.Sprintf(" (%d kinds)", groups)
	}
	if len(p.sampled) > 0 {
		s += " · sampled"
	}
	return s + " · read every " + p.every.Round(time.Second).String()
}

// sync takes the App's latest findings, keeping the cursor on the same
// finding where it is still there.
func (v *pulseView) sync() {
	p := v.c.pulse
	if p.seq == v.seq {
		return
	}
	v.seq = p.seq
	v.layout()
}

// layout lays the findings out as rows (groups open or closed), keeping
// the cursor on the row it was on where that row is still there.
func (v *pulseView) layout() {
	keep, had := v.selectedItem()
	v.items = pulseItems(v.c.pulse.findings, v.open)
	rows := make([][]string, len(v.items))
	for i, it := range v.items {
		rows[i] = pulseItemRow(it)
	}
	v.tbl.SetRows(rows)
	if had {
		for i, it := range v.items {
			if it.same(keep) {
				v.tbl.Cursor = i
				v.tbl.Clamp()
				break
			}
		}
	}
}

// pulseRow is the pure renderer of one finding's row. The row already
// names the object, so a What that starts by naming it again (the
// dead-letter words route shares) starts after it here.
func pulseRow(f pulse.Finding) []string {
	sev := map[pulse.Severity]string{pulse.Critical: "✖ critical", pulse.Warning: "▲ warning", pulse.Info: "· info"}[f.Severity]
	what := strings.TrimPrefix(f.What, string(f.Object.Kind)+" "+strconv.Quote(f.Object.Name)+" ")
	return []string{sev, string(f.Object.Kind), f.Object.Vhost, objectName(f.Object), what}
}

func objectName(o pulse.Object) string {
	if o.Kind == pulse.KindExchange && o.Name == "" {
		return "(default exchange)"
	}
	return o.Name
}

func (v *pulseView) selectedItem() (pulseItem, bool) {
	if v.tbl.Cursor < 0 || v.tbl.Cursor >= len(v.items) {
		return pulseItem{}, false
	}
	return v.items[v.tbl.Cursor], true
}

// selected is the finding on the cursor's row; a group's row is none.
func (v *pulseView) selected() (pulse.Finding, bool) {
	it, ok := v.selectedItem()
	if !ok || it.group != nil {
		return pulse.Finding{}, false
	}
	return it.finding, true
}

// toggle opens a closed group or closes an open one, the cursor staying
// on the group's row.
func (v *pulseView) toggle(g pulse.Group) {
	k := groupKey(g)
	if v.open[k] {
		delete(v.open, k)
	} else {
		v.open[k] = true
	}
	v.layout()
}

func (v *pulseView) load() tea.Cmd {
	v.sync()
	return func() tea.Msg { return pulseRefreshMsg{} }
}

func (v *pulseView) update(msg tea.Msg) tea.Cmd {
	m, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	tk := v.c.keys.Table
	switch {
	case v.tbl.Navigate(m, tk.nav()):
	case key.Matches(m, tk.Open):
		it, ok := v.selectedItem()
		switch {
		case ok && it.group != nil:
			v.toggle(*it.group)
		case ok:
			return openFinding(it.finding)
		}
	case matches(m, v.pk.Copy):
		it, ok := v.selectedItem()
		switch {
		case ok && it.group != nil:
			return statusCmd("each of these has a command of its own: enter lists them, y on one copies its command", false)
		case ok:
			return copyFix(it.finding)
		}
	}
	return nil
}

// openFinding opens the view of a finding's object, where warren has one.
func openFinding(f pulse.Finding) tea.Cmd {
	o := f.Object
	switch o.Kind {
	case pulse.KindQueue:
		return openCmd(kindQueue, o.Vhost, o.Name)
	case pulse.KindExchange:
		return openCmd(kindExchange, o.Vhost, o.Name)
	case pulse.KindNode:
		return openCmd(kindNode, "", o.Name)
	case pulse.KindConnection:
		return openCmd(kindConnection, o.Vhost, o.Name)
	}
	return statusCmd("warren has no view of "+string(o.Kind)+"s: y copies the command that fixes this", false)
}

// copyFix puts the finding's command on the clipboard (OSC 52, through
// Bubble Tea) and says so.
func copyFix(f pulse.Finding) tea.Cmd {
	if f.Command == "" {
		return statusCmd("no command fixes this one: "+f.Fix, false)
	}
	return tea.Batch(tea.SetClipboard(f.Command), statusCmd("copied to the clipboard (OSC 52): "+f.Command, false))
}

func (v *pulseView) setSize(w, h int) tea.Cmd {
	v.tbl.SetSize(w, max(h-1-pulseDetailLines, 1))
	return nil
}

func (v *pulseView) render(w, h int) string {
	th, p := v.c.th, v.c.pulse
	if _, ok := v.c.target.Source.(PulseSource); !ok {
		return th.Faint.Render("this connection has no pulse")
	}
	if !p.known {
		if p.poll.err != nil {
			return th.Error.Render("cannot read the pulse: "+safe(p.poll.err.Error())) + "\n" + th.Faint.Render("trying again…")
		}
		return th.Faint.Render("reading the broker's pulse…")
	}
	var b strings.Builder
	b.WriteString(v.tbl.Render(th, "", false))
	b.WriteString("\n")
	it, ok := v.selectedItem()
	if !ok {
		b.WriteString(th.OK.Render("Nothing found: no silent loss, no stuck work, no broker trouble in what was read."))
		b.WriteString("\n" + v.notes(w))
		return b.String()
	}
	b.WriteString(v.detail(it, w))
	return b.String()
}

// detail is the selected finding told in full: why it matters, how to
// fix it, and the command y copies; for a group, what its findings share
// and the first of their objects. Broker text is escaped (safe).
func (v *pulseView) detail(it pulseItem, w int) string {
	f := it.finding
	th := v.c.th
	const label = 6
	textW := max(w-label, 20)
	var lines []string
	field := func(name, text string, style func(...string) string) {
		for i, part := range strings.Split(ansi.Wrap(safe(text), textW, " "), "\n") {
			lead := th.Label.Render(widget.Cell(name, label, false))
			if i > 0 {
				lead = strings.Repeat(" ", label)
			}
			lines = append(lines, lead+style(part))
		}
	}
	head := th.Section.Render(f.Severity.String()+" · "+string(f.Object.Kind)+" "+safe(objectName(f.Object))) + th.Faint.Render(" in vhost "+safe(f.Object.Vhost))
	if f.Object.Vhost == "" {
		head = th.Section.Render(f.Severity.String() + " · " + string(f.Object.Kind) + " " + safe(objectName(f.Object)))
	}
	what := f.What
	if it.group != nil {
		var h string
		h, what = groupDetail(*it.group, it.open)
		head = th.Section.Render(safe(h))
	}
	lines = append(lines, head)
	field("what", what, th.Row.Render)
	field("why", f.Why, th.Row.Render)
	field("fix", f.Fix, th.Row.Render)
	if f.Command != "" && it.group == nil {
		field("run", f.Command+"   (y copies)", th.Accent.Render)
	}
	lines = append(lines, v.notes(w))
	if len(lines) > pulseDetailLines {
		lines = append(lines[:pulseDetailLines-1], lines[len(lines)-1])
	}
	return strings.Join(lines, "\n")
}

// notes says what the last read left out, or when it was.
func (v *pulseView) notes(w int) string {
	p := v.c.pulse
	var parts []string
	parts = append(parts, p.sampled...)
	for _, u := range p.unread {
		parts = append(parts, "not read: "+u)
	}
	if p.poll.err != nil {
		parts = append(parts, "the last read failed: "+p.poll.err.Error())
	}
	if len(parts) == 0 {
		return v.c.th.Faint.Render(fmt.Sprintf("read at %s in %s", p.at.Format("15:04:05"), p.took.Round(1e6)))
	}
	return v.c.th.Warn.Render(ansi.Truncate(safe(strings.Join(parts, "; ")), w, "…"))
}

func (v *pulseView) keys() keyScope {
	tk := v.c.keys.Table
	return scopeOf("Move", append(tk.moves(), tk.open("open the finding's queue, exchange or node; on a group, list or hide its members"))...).
		with("Pulse", v.pk.Copy, v.c.keys.Global.Refresh.about("read the broker again").hint("read again"))
}
