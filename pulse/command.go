package pulse

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// shellQuote quotes s as one word for a POSIX shell. Plain words stay as
// they are; anything with a control character, invalid UTF-8 or a
// non-ASCII space uses $'...' with escapes, so a name can never put a
// newline (and so a second command) into what is pasted.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-/:@%+=,", r)))
	}) < 0 {
		return s
	}
	plain := utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool {
		return !unicode.IsPrint(r) || r == '\''
	}) < 0
	if plain {
		return "'" + s + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r == '\'' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x80 && unicode.IsPrint(r):
			b.WriteRune(r)
		case r < 0x80:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			for _, c := range []byte(s[i : i+n]) { // bash reads the bytes back as UTF-8
				fmt.Fprintf(&b, "\\x%02x", c)
			}
		}
		i += n
	}
	b.WriteByte('\'')
	return b.String()
}

// vhostFlag is rabbitmqctl's --vhost for v.
func vhostFlag(v string) string { return "--vhost " + shellQuote(v) }

// admin is a rabbitmqadmin (v1) command in vhost v.
func admin(v string, args ...string) string {
	return "rabbitmqadmin --vhost=" + shellQuote(v) + " " + strings.Join(args, " ")
}

// kv is one rabbitmqadmin key=value argument, quoted as one word.
func kv(k, v string) string { return shellQuote(k + "=" + v) }

// exactPattern is a policy pattern matching exactly name.
func exactPattern(name string) string { return "^" + regexp.QuoteMeta(name) + "$" }

// setPolicy is a rabbitmqctl set_policy command.
func setPolicy(vhost, name, pattern, applyTo string, priority int, def map[string]any) string {
	js, _ := json.Marshal(def)
	return "rabbitmqctl set_policy " + vhostFlag(vhost) + " --apply-to " + applyTo + " --priority " + strconv.Itoa(priority) +
		" " + shellQuote(name) + " " + shellQuote(pattern) + " " + shellQuote(string(js))
}

// version is a broker version's major and minor; ok is false when unknown.
func version(v string) (major, minor int, ok bool) {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(strings.TrimFunc(parts[1], func(r rune) bool { return !unicode.IsDigit(r) }))
	return ma, mi, err1 == nil && err2 == nil
}

// atLeast says whether version v is at least major.minor.
func atLeast(v string, major, minor int) bool {
	ma, mi, ok := version(v)
	return ok && (ma > major || ma == major && mi >= minor)
}
