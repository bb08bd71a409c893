package message

import (
	"bytes"
	"strings"
)

// HexWidth is the classic number of bytes per hex dump line.
const HexWidth = 16

// HexLineCount is the number of hex dump lines for size bytes at width
// bytes per line (width <= 0 means HexWidth).
func HexLineCount(size, width int) int {
	width = hexWidth(width)
	return (size + width - 1) / width
}

// HexDump formats all of b like `hexdump -C`:
//
//	00000000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 0a 00 01 02  |Hello, world....|
//
// width is the number of bytes per line (<= 0 means HexWidth; 8 suits a
// narrow pane). For big bodies use HexLines.
func HexDump(b []byte, width int) []string {
	return HexLines(b, width, 0, HexLineCount(len(b), width))
}

// HexLines formats only the dump lines [from, from+n), in time proportional
// to n whatever the size of b: what a paging view of a huge body needs.
func HexLines(b []byte, width, from, n int) []string {
	width = hexWidth(width)
	from, to := clampRange(from, n, HexLineCount(len(b), width))
	out := make([]string, 0, to-from)
	var sb strings.Builder
	for line := from; line < to; line++ {
		off := line * width
		chunk := b[off:min(off+width, len(b))]
		sb.Reset()
		sb.Grow(10 + 3*width + width/8 + width + 3)
		sb.Write(appendHex(nil, uint64(off), 8))
		sb.WriteString("  ")
		for i := 0; i < width; i++ {
			if i > 0 && i%8 == 0 {
				sb.WriteByte(' ')
			}
			if i < len(chunk) {
				sb.WriteByte(hexDigits[chunk[i]>>4])
				sb.WriteByte(hexDigits[chunk[i]&0x0f])
				sb.WriteByte(' ')
			} else {
				sb.WriteString("   ")
			}
		}
		sb.WriteString(" |")
		for _, c := range chunk {
			if c >= 0x20 && c < 0x7f {
				sb.WriteByte(c)
			} else {
				sb.WriteByte('.')
			}
		}
		sb.WriteByte('|')
		out = append(out, sb.String())
	}
	return out
}

const hexDigits = "0123456789abcdef"

func hexWidth(width int) int {
	if width <= 0 {
		return HexWidth
	}
	return width
}

// HexSearch returns the indexes of the dump lines (at width bytes per line)
// where query occurs in b, ASCII letters matched ignoring case. A match
// that spans two lines counts for the line it starts on.
func HexSearch(b []byte, query string, width int) []int {
	if query == "" || len(b) == 0 {
		return nil
	}
	width = hexWidth(width)
	q := []byte(asciiLower(query))
	data := bytes.Clone(b)
	for i, c := range data {
		if 'A' <= c && c <= 'Z' {
			data[i] = c + 'a' - 'A'
		}
	}
	var hits []int
	for pos := 0; pos < len(data); {
		i := bytes.Index(data[pos:], q)
		if i < 0 {
			break
		}
		line := (pos + i) / width
		hits = append(hits, line)
		pos = (line + 1) * width
	}
	return hits
}

// HexDoc pages a hex dump of data like Lines pages text.
type HexDoc struct {
	Data  []byte
	Width int // bytes per line; <= 0 means HexWidth
}

func (h HexDoc) Len() int                   { return HexLineCount(len(h.Data), h.Width) }
func (h HexDoc) Search(query string) []int  { return HexSearch(h.Data, query, h.Width) }
func (h HexDoc) Slice(from, n int) []string { return HexLines(h.Data, h.Width, from, n) }

// Spans returns dump lines as one SpanPlain span each.
func (h HexDoc) Spans(from, n int) []Line {
	lines := h.Slice(from, n)
	out := make([]Line, len(lines))
	for i, s := range lines {
		out[i] = Line{{Text: s, Class: SpanPlain}}
	}
	return out
}
