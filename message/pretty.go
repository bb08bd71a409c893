package message

import (
	"sort"
	"strings"
)

// SpanClass says what a piece of pretty-printed JSON is, so that the UI can
// colour it from its theme.
type SpanClass uint8

const (
	SpanPlain  SpanClass = iota // indentation, spaces, raw text
	SpanKey                     // an object key, with its quotes
	SpanString                  // a string value, with its quotes
	SpanNumber                  // a number, exactly as sent
	SpanBool                    // true or false
	SpanNull                    // null
	SpanPunct                   // { } [ ] , :
)

func (c SpanClass) String() string {
	switch c {
	case SpanPlain:
		return "plain"
	case SpanKey:
		return "key"
	case SpanString:
		return "string"
	case SpanNumber:
		return "number"
	case SpanBool:
		return "bool"
	case SpanNull:
		return "null"
	case SpanPunct:
		return "punct"
	}
	return "span?"
}

// Span is a run of display-safe text of one class.
type Span struct {
	Text  string
	Class SpanClass
}

// Line is one display line as spans; their texts joined are the line.
type Line []Span

// String is the line's plain text.
func (l Line) String() string {
	var sb strings.Builder
	for _, s := range l {
		sb.WriteString(s.Text)
	}
	return sb.String()
}

// Styled is pretty-printed JSON: its plain text, indexed by line, plus the
// class of each token. Lines are built into spans only when asked for.
type Styled struct {
	plain *Lines
	runs  []classRun // non-plain tokens in text order; gaps are SpanPlain
}

type classRun struct {
	start, end uint32
	class      SpanClass
}

// Len is the number of lines.
func (s *Styled) Len() int {
	if s == nil {
		return 0
	}
	return s.plain.Len()
}

// Plain is the pretty text as Lines, for copying and searching.
func (s *Styled) Plain() *Lines {
	if s == nil {
		return nil
	}
	return s.plain
}

// Search returns the indexes of lines containing query, ignoring case.
func (s *Styled) Search(query string) []int { return s.Plain().Search(query) }

// Spans returns up to n lines from line from as classified spans.
func (s *Styled) Spans(from, n int) []Line {
	from, to := clampRange(from, n, s.Len())
	out := make([]Line, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, s.line(i))
	}
	return out
}

func (s *Styled) line(i int) Line {
	text := s.plain.text
	start, end := s.plain.bounds(i)
	k := sort.Search(len(s.runs), func(k int) bool { return int(s.runs[k].end) > start })
	var line Line
	pos := start
	for ; k < len(s.runs) && int(s.runs[k].start) < end; k++ {
		r := s.runs[k]
		if int(r.start) > pos {
			line = append(line, Span{text[pos:r.start], SpanPlain})
		}
		line = append(line, Span{text[r.start:r.end], r.class})
		pos = int(r.end)
	}
	if pos < end {
		line = append(line, Span{text[pos:end], SpanPlain})
	}
	return line
}

// prettyJSON re-lays out valid JSON text with a two-space indent. Tokens
// are copied as they are, so key order, number text and string escapes
// stay exactly as sent. It returns nil when the output would grow far past
// the input (deep nesting multiplies indentation).
func prettyJSON(s string) *Styled {
	limit := 16*len(s) + 1<<20
	var sb strings.Builder
	sb.Grow(2*len(s) + 64)
	// About one token per three input bytes in typical JSON; sizing up front
	// avoids most of the cost of growing the slice.
	runs := make([]classRun, 0, len(s)/3+16)
	emit := func(tok string, class SpanClass) {
		start := sb.Len()
		sb.WriteString(tok)
		runs = append(runs, classRun{uint32(start), uint32(sb.Len()), class})
	}
	depth := 0
	newline := func() {
		sb.WriteByte('\n')
		for j := 0; j < depth; j++ {
			sb.WriteString("  ")
		}
	}
	for i := 0; i < len(s); {
		if sb.Len() > limit {
			return nil
		}
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\r':
			i++
		case '{', '[':
			emit(s[i:i+1], SpanPunct)
			j := skipJSONSpace(s, i+1)
			if j < len(s) && (s[j] == '}' || s[j] == ']') {
				emit(s[j:j+1], SpanPunct) // {} and [] stay on one line
				i = j + 1
				continue
			}
			depth++
			newline()
			i++
		case '}', ']':
			depth--
			newline()
			emit(s[i:i+1], SpanPunct)
			i++
		case ',':
			emit(",", SpanPunct)
			newline()
			i++
		case ':':
			emit(":", SpanPunct)
			sb.WriteByte(' ')
			i++
		case '"':
			j := endOfJSONString(s, i)
			class := SpanString
			if k := skipJSONSpace(s, j); k < len(s) && s[k] == ':' {
				class = SpanKey
			}
			emit(escapeDisplay(s[i:j], false), class)
			i = j
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n,:]}", rune(s[j])) {
				j++
			}
			class := SpanNumber
			switch c {
			case 't', 'f':
				class = SpanBool
			case 'n':
				class = SpanNull
			}
			emit(s[i:j], class)
			i = j
		}
	}
	return &Styled{plain: NewLines(sb.String()), runs: runs}
}

func skipJSONSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// endOfJSONString returns the index just past the string starting at the
// quote at i.
func endOfJSONString(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(s)
}
