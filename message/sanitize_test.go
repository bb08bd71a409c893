package message

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"orders.created", "orders.created"},
		{"注文キュー 📦", "注文キュー 📦"}, // wide runes stay, so their width does
		{"tab\there", `tab\there`},
		{"a\nb\r\n", `a\nb\r\n`},
		{"\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", `\x1b]8;;https://evil.example\x1b\click\x1b]8;;\x1b\`},
		{"n\x1b]52;c;aGk=\x07", `n\x1b]52;c;aGk=\x07`},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"csi\u009b2J", `csi\u009b2J`},
		{"nel\u0085", `nel\u0085`},
		{"abc\u202edef\u2066x\u2069", `abc\u202edef\u2066x\u2069`},
		{"del\x7f", `del\x7f`},
		{"bad\xff\xfeutf8", `bad\xff\xfeutf8`},
		{"cut\xe2\x82", `cut\xe2\x82`},
		{"\ufffd stays", "\ufffd stays"},
		{`back\slash`, `back\slash`},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestEscapeTextKeepsLayout(t *testing.T) {
	in := "line 1\r\n\tline 2\x1b[2J\rx\n\u202e"
	want := "line 1\r\n\tline 2\\x1b[2J\\rx\n\\u202e"
	if got := EscapeText(in); got != want {
		t.Errorf("EscapeText = %q, want %q", got, want)
	}
}

// terminalSafe reports whether s is valid UTF-8 without unsafe runes, but
// for the layout runes EscapeText keeps when layout is set.
func terminalSafe(s string, layout bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for i, r := range s {
		switch {
		case layout && (r == '\t' || r == '\n'):
		case layout && r == '\r' && strings.HasPrefix(s[i+1:], "\n"):
		case Unsafe(r):
			return false
		}
	}
	return true
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{
		"", "plain", "注文 📦", "\x1b]8;;http://x\x1b\\y\x1b]8;;\x1b\\", "\x1b]52;c;aGk=\x07",
		"\u009b31m", "\u202e\u2066", "\xff\xfe", "a\r\nb\rc\n", "\t\x00\x7f", "\ufffd", `\x1b`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, layout := range []bool{false, true} {
			esc := Escape
			if layout {
				esc = EscapeText
			}
			out := esc(s)
			if !terminalSafe(out, layout) {
				t.Fatalf("layout %v: %q escaped to %q, which is not terminal-safe", layout, s, out)
			}
			if terminalSafe(s, layout) && out != s {
				t.Fatalf("layout %v: clean %q changed to %q", layout, s, out)
			}
			if again := esc(out); again != out {
				t.Fatalf("layout %v: not idempotent: %q -> %q -> %q", layout, s, out, again)
			}
		}
		if strings.ContainsAny(Escape(s), "\t\n\r") {
			t.Fatalf("Escape(%q) is not one line", s)
		}
	})
}
