package message

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Lines is display-safe text split into lines by an index built once, so
// that a view of a huge body asks only for the lines it shows. Lines end at
// "\n"; a "\r" before it is dropped; a final newline does not start an
// empty line. Tabs are kept (expanding them is the UI's call).
type Lines struct {
	text   string
	starts []int // byte offset where each line starts
}

// NewLines escapes control characters in text (see escapeDisplay) and
// indexes its lines in one pass.
func NewLines(text string) *Lines {
	text = escapeDisplay(text, true)
	l := &Lines{text: text}
	if text == "" {
		return l
	}
	l.starts = make([]int, 1, strings.Count(text, "\n")+1)
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' && i+1 < len(text) {
			l.starts = append(l.starts, i+1)
		}
	}
	return l
}

// Len is the number of lines.
func (l *Lines) Len() int {
	if l == nil {
		return 0
	}
	return len(l.starts)
}

// Line returns line i without its line end, or "" when i is out of range.
func (l *Lines) Line(i int) string {
	if l == nil || i < 0 || i >= len(l.starts) {
		return ""
	}
	start, end := l.bounds(i)
	return l.text[start:end]
}

func (l *Lines) bounds(i int) (start, end int) {
	start = l.starts[i]
	if i+1 < len(l.starts) {
		end = l.starts[i+1] - 1
	} else {
		end = len(l.text)
		if end > start && l.text[end-1] == '\n' {
			end--
		}
	}
	if end > start && l.text[end-1] == '\r' {
		end--
	}
	return start, end
}

// Slice returns up to n lines starting at from, clamped to what exists
// (n <= 0 gives none).
// The strings share memory with the text: no copy of the body is made.
func (l *Lines) Slice(from, n int) []string {
	from, to := clampRange(from, n, l.Len())
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, l.Line(i))
	}
	return out
}

// Text is the whole display text.
func (l *Lines) Text() string {
	if l == nil {
		return ""
	}
	return l.text
}

// lineAt is the index of the line containing byte offset off.
func (l *Lines) lineAt(off int) int {
	return sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > off }) - 1
}

// Search returns, in order, the index of every line that contains query,
// ignoring case. An empty query matches nothing.
func (l *Lines) Search(query string) []int {
	if l == nil || query == "" {
		return nil
	}
	if isASCII(query) {
		return l.searchASCII(asciiLower(query))
	}
	q := strings.ToLower(query)
	var hits []int
	for i := range l.starts {
		if strings.Contains(strings.ToLower(l.Line(i)), q) {
			hits = append(hits, i)
		}
	}
	return hits
}

// searchASCII lowers the text once (byte for byte, so offsets still match
// the index) and scans it, jumping to the next line after each hit.
func (l *Lines) searchASCII(q string) []int {
	text := asciiLower(l.text)
	var hits []int
	for pos := 0; pos < len(text); {
		i := strings.Index(text[pos:], q)
		if i < 0 {
			break
		}
		line := l.lineAt(pos + i)
		if start, end := l.bounds(line); pos+i+len(q) > end || pos+i < start {
			// The match crosses a line end (a query with "\n"): not a hit.
			pos += i + 1
			continue
		}
		hits = append(hits, line)
		if line+1 >= len(l.starts) {
			break
		}
		pos = l.starts[line+1]
	}
	return hits
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// clampRange turns (from, n) into a valid [from, to) within [0, total).
func clampRange(from, n, total int) (int, int) {
	if from < 0 {
		from = 0
	}
	if from > total {
		from = total
	}
	if n < 0 {
		n = 0
	}
	to := total
	if n < total-from {
		to = from + n
	}
	return from, to
}

// Spans returns up to n lines from line from, each as one SpanPlain span,
// so that raw text renders through the same path as Styled.
func (l *Lines) Spans(from, n int) []Line {
	lines := l.Slice(from, n)
	out := make([]Line, len(lines))
	for i, s := range lines {
		out[i] = Line{{Text: s, Class: SpanPlain}}
	}
	return out
}
