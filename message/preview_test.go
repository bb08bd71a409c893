package message

import (
	"strings"
	"testing"
)

func TestPreview(t *testing.T) {
	long := strings.Repeat("word ", 1000)
	gz := gzipBytes(t, []byte("  {\n  \"id\": 7,\n\t\"ok\": true }\n"))
	corrupt := append([]byte(nil), gz...)
	corrupt[12] ^= 0xff
	tests := []struct {
		name    string
		m       Message
		width   int
		want    string
		checkFn func(string) bool
	}{
		{name: "empty", m: msg("", "", nil), width: 20, want: "‹empty›"},
		{name: "collapse", m: msg("", "", []byte(" a\n\n b\t\tc \r\n")), width: 20, want: "a b c"},
		{name: "controls escaped", m: msg("", "", []byte("a\x1b[31mred and a lot more text to dilute")), width: 0,
			want: `a\x1b[31mred and a lot more text to dilute`},
		{name: "bidi escaped", m: msg("", "", []byte("abc\u202edef")), width: 20, want: `abc\u202edef`},
		{name: "gzip json", m: msg("application/json", "gzip", gz), width: 40, want: `{ "id": 7, "ok": true }`},
		{name: "sniffed gzip", m: msg("", "", gz), width: 40, want: `{ "id": 7, "ok": true }`},
		{name: "corrupt gzip", m: msg("", "gzip", corrupt), width: 40, checkFn: func(s string) bool {
			return strings.HasPrefix(s, "‹binary ")
		}},
		{name: "binary", m: msg("", "", make([]byte, 1229)), width: 40, want: "‹binary 1.2 KiB›"},
		{name: "binary type", m: msg("image/png", "", []byte("abc")), width: 40, want: "‹binary 3 B›"},
		{name: "invalid utf-8", m: msg("", "", []byte("ab\xffcd")), width: 40, want: "‹binary 5 B›"},
		{name: "latin1", m: msg("text/plain; charset=latin1", "", []byte("caf\xe9")), width: 40, want: "café"},
		{name: "truncated", m: msg("", "", []byte("hello world")), width: 8, want: "hello w…"},
		{name: "wide runes", m: msg("", "", []byte("日本語テキスト")), width: 7, want: "日本語…"},
		{name: "blank", m: msg("", "", []byte(" \n\t ")), width: 20, want: "‹blank›"},
		{name: "long body unlimited width is sampled", m: msg("", "", []byte(long)), width: 0, checkFn: func(s string) bool {
			return strings.HasSuffix(s, "…") && len(s) < 1100
		}},
		{name: "long body cut mid-rune", m: msg("", "", []byte(strings.Repeat("é", 3000))), width: 30, checkFn: func(s string) bool {
			return s == strings.Repeat("é", 29)+"…"
		}},
		{name: "narrow", m: msg("", "", []byte("hello")), width: 1, want: "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Preview(tt.m, tt.width)
			if tt.checkFn != nil {
				if !tt.checkFn(got) {
					t.Errorf("Preview = %q", got)
				}
				return
			}
			if got != tt.want {
				t.Errorf("Preview = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTruncateCells(t *testing.T) {
	for _, tt := range []struct {
		s     string
		cells int
		want  string
	}{
		{"abc", 3, "abc"}, {"abcd", 3, "ab…"}, {"ab cd", 4, "ab…"}, {"日本", 3, "日…"}, {"日本", 4, "日本"},
		{"e\u0301e\u0301", 2, "e\u0301e\u0301"}, {"abc", 0, "abc"}, {"abc", 1, "…"},
	} {
		if got := truncateCells(tt.s, tt.cells); got != tt.want {
			t.Errorf("truncateCells(%q, %d) = %q, want %q", tt.s, tt.cells, got, tt.want)
		}
	}
}
