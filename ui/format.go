package ui

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// count renders an integer with thousands separators: 1234567 -> 1,234,567.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// rate renders messages (or bytes) per second compactly; unknown is "-".
func rate(v float64, known bool) string {
	if !known {
		return "-"
	}
	switch {
	case v == 0:
		return "0"
	case v < 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v < 10000:
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	default:
		return strconv.FormatFloat(v/1000, 'f', 1, 64) + "k"
	}
}

// bytesIEC renders a size in binary units: 1536 -> "1.5 KiB".
func bytesIEC(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB"}
	v := float64(n)
	i := -1
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[i]
}

// age renders a duration the way people read uptimes: 3d4h, 5h12m, 42s.
func age(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
	}
}

// yesNo renders a flag as a compact mark.
func yesNo(b bool, mark string) string {
	if b {
		return mark
	}
	return ""
}

// exchangeName shows the default exchange's empty name readably. Like
// every name it is raw: escape it (safe) where it is drawn.
func exchangeName(s string) string {
	if s == "" {
		return "(default)"
	}
	return s
}

// vhostLabel shows "" (all vhosts) readably.
func vhostLabel(v string) string {
	if v == "" {
		return "all"
	}
	return v
}

// argValue renders an argument or policy value on one line, escaped for
// the terminal (safe).
func argValue(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return safe(t)
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1e15 {
			return strconv.FormatInt(int64(t), 10)
		}
		return strconv.FormatFloat(t, 'g', -1, 64)
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = argValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		return "{" + argsInline(t) + "}"
	default:
		return safe(fmt.Sprint(t))
	}
}

// argsInline renders a table of arguments sorted by key, "a=1 b=x",
// escaped for the terminal.
func argsInline(m map[string]any) string {
	keys := sortedKeys(m)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = safe(k) + "=" + argValue(m[k])
	}
	return strings.Join(parts, " ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
