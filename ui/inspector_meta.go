package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/message"
)

// buildMeta renders everything above the body: pure of the message and
// the decoded body, rebuilt when either changes.
func (v *inspector) buildMeta() {
	th := v.c.th
	m := v.msg
	var out []string
	kv := func(pairs ...string) string {
		var parts []string
		for i := 0; i+1 < len(pairs); i += 2 {
			if pairs[i+1] == "" {
				continue
			}
			parts = append(parts, th.Label.Render(pairs[i]+" ")+th.HeaderValue.Render(safe(pairs[i+1])))
		}
		return "  " + strings.Join(parts, "   ")
	}
	if m.Undecodable != "" {
		out = append(out, th.Error.Render("UNDECODABLE")+" "+th.Warn.Render(safe(m.Undecodable)), "")
	}
	if m.ViaAPI {
		out = append(out, th.Faint.Render("  read through the management API: header numbers show as long or double (its JSON keeps no AMQP types)"), "")
	}
	out = append(out, th.Section.Render("DELIVERY"))
	where := fmt.Sprintf("#%d in %s (vhost %s)", m.Position, m.Queue, m.Vhost) // kv escapes it
	if m.Offset >= 0 {
		where += fmt.Sprintf(" at offset %d", m.Offset)
	}
	out = append(out, kv("exchange", exchangeName(m.Exchange), "routing key", orDash(m.RoutingKey),
		"redelivered", fmt.Sprint(m.Redelivered), "from", where))

	if deaths := message.Deaths(m.Headers); len(deaths) > 0 {
		out = append(out, "", th.Section.Render("DEAD-LETTER HISTORY")+th.Faint.Render("  most recent first"))
		for i, d := range deaths {
			at := ""
			if !d.Time.IsZero() {
				at = " at " + d.Time.UTC().Format(time.RFC3339)
			}
			line := fmt.Sprintf("  %d. %s in queue %s, published to %s with %s, ×%d%s",
				i+1, th.Error.Render(safe(d.Reason)), th.HeaderValue.Render(safe(d.Queue)), safe(exchangeName(d.Exchange)),
				routingKeys(d.RoutingKeys), d.Count, at)
			if d.OriginalExpiration != "" {
				line += " (ttl " + safe(d.OriginalExpiration) + " ms)"
			}
			out = append(out, line)
		}
		if q, x, keys, ok := message.Origin(m); ok {
			out = append(out, th.Faint.Render(fmt.Sprintf("  origin: queue %s (exchange %s, %s)", safe(q), safe(exchangeName(x)), routingKeys(keys))))
		}
	}
	p := m.Properties
	out = append(out, "", th.Section.Render("PROPERTIES"))
	mode := ""
	switch p.DeliveryMode {
	case 1:
		mode = "1 (transient)"
	case 2:
		mode = "2 (persistent)"
	}
	ts := ""
	if !p.Timestamp.IsZero() {
		ts = p.Timestamp.UTC().Format(time.RFC3339)
	}
	prio := ""
	if p.Priority > 0 {
		prio = fmt.Sprint(p.Priority)
	}
	lines := []string{
		kv("content-type", p.ContentType, "content-encoding", p.ContentEncoding, "delivery-mode", mode, "priority", prio),
		kv("message-id", p.MessageID, "correlation-id", p.CorrelationID, "reply-to", p.ReplyTo),
		kv("timestamp", ts, "expiration", p.Expiration, "type", p.Type, "user-id", p.UserID, "app-id", p.AppID),
	}
	any := false
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
			any = true
		}
	}
	if !any {
		out = append(out, th.Faint.Render("  none set"))
	}

	tree := message.HeaderTree(m.Headers)
	out = append(out, "", th.Section.Render(fmt.Sprintf("HEADERS (%d)", len(m.Headers))))
	if len(tree) == 0 {
		out = append(out, th.Faint.Render("  none"))
	}
	for _, t := range tree {
		// HeaderTree escapes keys and values already; safe again costs a scan.
		out = append(out, "  "+strings.Repeat("  ", t.Depth)+th.Label.Render(safe(t.Key))+" "+th.Faint.Render(safe(t.Type))+" "+safe(t.Value))
	}

	if n, ok := message.DeliveryCount(m.Headers); ok {
		out = append(out, "", th.Label.Render("delivery count ")+th.HeaderValue.Render(fmt.Sprint(n)))
	}

	out = append(out, "")
	head := th.Section.Render("BODY") + th.Faint.Render(" "+bytesIEC(int64(m.Size())))
	if v.decoded {
		head += th.Faint.Render(fmt.Sprintf(" · %s · view %s (v switches)", v.body.Kind, viewName(v.mode)))
		for _, n := range v.body.Notes {
			head += th.Warn.Render(" · " + safe(n)) // notes quote the content type's charset
		}
	}
	out = append(out, head)
	v.meta, v.metaRows = out, nil
}

// wrapIndented wraps each line to width, breaking at spaces where it can,
// and indents a line's continued rows two cells past its own indent.
func wrapIndented(lines []string, width int) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if ansi.StringWidth(l) <= width {
			out = append(out, l)
			continue
		}
		plain := ansi.Strip(l)
		indent := min(len(plain)-len(strings.TrimLeft(plain, " "))+2, width/2)
		rows := strings.Split(ansi.Wrap(l, max(width-indent, 1), ""), "\n")
		out = append(out, rows[0])
		for _, r := range rows[1:] {
			out = append(out, strings.Repeat(" ", indent)+r)
		}
	}
	return out
}

// routingKeys lists a dead letter's routing keys, escaped for the terminal.
func routingKeys(keys []string) string {
	if len(keys) == 0 {
		return "no routing key"
	}
	return "key " + safe(strings.Join(keys, ", "))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
