package message

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Text from a broker or a producer goes to a terminal. Raw control
// characters could move the cursor, rewrite the screen, set the clipboard or
// plant a hyperlink (ESC, OSC, CSI, C1), and bidi overrides can make text
// read differently from what it is, so every such string is shown with
// them replaced by visible escapes: never dropped, since two different
// names must not look the same.

// Escape returns s made safe for one line of a terminal: C0 and C1
// controls, DEL, bidi embeddings, overrides and isolates become Go-style
// escapes (\x1b, \n, \u009b, \u202e) and each invalid UTF-8 byte becomes
// \xNN. Everything else, wide runes included, is kept as is, so clean text
// comes back unchanged (the same string, not a copy). The result holds only
// safe runes, so Escape(Escape(s)) == Escape(s).
func Escape(s string) string { return escapeDisplay(s, false) }

// EscapeText is Escape for text laid out on several lines (a message
// body): it keeps tabs, newlines and the CR of a CRLF.
func EscapeText(s string) string { return escapeDisplay(s, true) }

// Unsafe reports whether r must not reach the terminal as is; Escape
// escapes exactly these runes (and invalid UTF-8).
func Unsafe(r rune) bool { return unsafeRune(r) }

// unsafeRune reports whether r must not reach the terminal as is.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true // bidi embeddings, overrides and isolates
	}
	return false
}

// appendEscapedRune writes r as a Go-style escape: \x1b, \u202e.
func appendEscapedRune(b []byte, r rune) []byte {
	switch r {
	case '\t':
		return append(b, `\t`...)
	case '\n':
		return append(b, `\n`...)
	case '\r':
		return append(b, `\r`...)
	}
	if r < 0x80 {
		b = append(b, `\x`...)
		return appendHex(b, uint64(r), 2)
	}
	b = append(b, `\u`...)
	return appendHex(b, uint64(r), 4)
}

func appendHex(b []byte, v uint64, digits int) []byte {
	s := strconv.FormatUint(v, 16)
	for i := len(s); i < digits; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// escapeDisplay returns s with unsafe runes (and invalid UTF-8 bytes, as
// \xNN) escaped. keepLayout keeps tabs and newlines, for body text; header
// values escape them so that each stays on one line. It returns s itself,
// without copying, when nothing needs escaping.
func escapeDisplay(s string, keepLayout bool) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unsafeRune(r) && !(keepLayout && (r == '\t' || r == '\n')) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\x`...)
			b = appendHex(b, uint64(s[i]), 2)
		case keepLayout && (r == '\t' || r == '\n'):
			b = append(b, byte(r))
		case keepLayout && r == '\r' && i+1 < len(s) && s[i+1] == '\n':
			// CRLF line ends: the line index drops the CR.
			b = append(b, '\r')
		case unsafeRune(r):
			b = appendEscapedRune(b, r)
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// cellWidth is the number of terminal cells r occupies: 2 for East Asian
// wide and fullwidth runes, 0 for combining marks, 1 otherwise.
func cellWidth(r rune) int {
	if unicode.In(r, unicode.Mn, unicode.Me) || r == 0x200d {
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// truncateCells cuts s to at most cells terminal cells, ending with "…"
// when it had to cut. cells <= 0 means no limit.
func truncateCells(s string, cells int) string {
	if cells <= 0 {
		return s
	}
	used := 0
	for i, r := range s {
		w := cellWidth(r)
		if used+w > cells {
			return cutWithEllipsis(s[:i], cells)
		}
		used += w
	}
	return s
}

// cutWithEllipsis drops runes from the end of s until s + "…" fits.
func cutWithEllipsis(s string, cells int) string {
	used := 0
	for _, r := range s {
		used += cellWidth(r)
	}
	for used+1 > cells && s != "" {
		r, size := utf8.DecodeLastRuneInString(s)
		used -= cellWidth(r)
		s = s[:len(s)-size]
	}
	if cells < 1 {
		return ""
	}
	return strings.TrimRightFunc(s, unicode.IsSpace) + "…"
}
