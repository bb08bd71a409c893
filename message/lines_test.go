package message

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestLines(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"a\n", []string{"a"}},
		{"a\nb", []string{"a", "b"}},
		{"a\r\nb\r\n", []string{"a", "b"}},
		{"\n", []string{""}},
		{"\n\n", []string{"", ""}},
		{"a\n\nb", []string{"a", "", "b"}},
		{"tab\there", []string{"tab\there"}},
		{"bell\a", []string{`bell\x07`}},
		{"x\ry", []string{`x\ry`}},
		{"bad \xff utf8", []string{`bad \xff utf8`}},
	}
	for _, tt := range tests {
		l := NewLines(tt.text)
		if l.Len() != len(tt.want) {
			t.Errorf("%q: Len = %d, want %d", tt.text, l.Len(), len(tt.want))
			continue
		}
		if got := l.Slice(0, 100); !reflect.DeepEqual(got, append([]string{}, tt.want...)) {
			t.Errorf("%q: Slice = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestLinesSliceClamps(t *testing.T) {
	l := NewLines("0\n1\n2\n3\n4")
	for _, tt := range []struct {
		from, n int
		want    string
	}{
		{0, 2, "0,1"}, {3, 10, "3,4"}, {5, 1, ""}, {9, 1, ""}, {-3, 2, "0,1"}, {2, 0, ""}, {2, -1, ""},
	} {
		if got := strings.Join(l.Slice(tt.from, tt.n), ","); got != tt.want {
			t.Errorf("Slice(%d, %d) = %q, want %q", tt.from, tt.n, got, tt.want)
		}
	}
	if l.Line(-1) != "" || l.Line(5) != "" {
		t.Error("Line out of range is not empty")
	}
	var nilLines *Lines
	if nilLines.Len() != 0 || nilLines.Slice(0, 3) == nil || len(nilLines.Search("x")) != 0 {
		t.Error("nil Lines misbehaves")
	}
	if got := l.Spans(1, 1); len(got) != 1 || got[0][0] != (Span{"1", SpanPlain}) {
		t.Errorf("Spans = %v", got)
	}
}

func TestSearch(t *testing.T) {
	l := NewLines("Alpha beta\nGAMMA\r\nalphabet\n\nÉcole élève\nΣίσυφος\nend alpha")
	tests := []struct {
		q    string
		want []int
	}{
		{"alpha", []int{0, 2, 6}},
		{"ALPHA", []int{0, 2, 6}},
		{"gamma", []int{1}},
		{"a\nb", nil}, // never across lines
		{"a\r", nil},
		{"école", []int{4}},
		{"ÉLÈVE", []int{4}},
		{"σίσυφος", []int{5}},
		{"", nil},
		{"zzz", nil},
		{"a", []int{0, 1, 2, 6}},
	}
	for _, tt := range tests {
		if got := l.Search(tt.q); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Search(%q) = %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestStyledSearch(t *testing.T) {
	b := Decode(msg("application/json", "", []byte(`{"Name":"warren","list":[1,2]}`)))
	if got := b.Pretty.Search("name"); !reflect.DeepEqual(got, []int{1}) {
		t.Errorf("Search = %v", got)
	}
}

// bigText is about 1 MiB of log-like lines.
func bigText() string {
	var sb strings.Builder
	for i := 0; sb.Len() < 1<<20; i++ {
		fmt.Fprintf(&sb, "%08d 2024-05-01T10:00:00Z INFO order processed id=%d status=ok\n", i, i*7)
	}
	return sb.String()
}

func TestBigBodyPages(t *testing.T) {
	text := bigText()
	b := Decode(msg("text/plain", "", []byte(text)))
	n := b.Raw.Len()
	if n != strings.Count(text, "\n") {
		t.Fatalf("Len = %d", n)
	}
	last := b.Raw.Slice(n-1, 40)
	if len(last) != 1 || !strings.HasPrefix(last[0], fmt.Sprintf("%08d", n-1)) {
		t.Fatalf("last line %q", last)
	}
	if hits := b.Raw.Search(fmt.Sprintf("id=%d ", (n-1)*7)); len(hits) != 1 || hits[0] != n-1 {
		t.Fatalf("search hits %v", hits)
	}
	hex := HexLines(b.Data, 0, HexLineCount(len(b.Data), 0)-1, 40)
	if len(hex) != 1 {
		t.Fatalf("last hex lines %q", hex)
	}
}

func BenchmarkDecodeText1MiB(b *testing.B) {
	m := msg("text/plain", "", []byte(bigText()))
	b.SetBytes(int64(len(m.Body)))
	for b.Loop() {
		Decode(m)
	}
}

func BenchmarkDecodeJSON1MiB(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("[")
	for i := 0; sb.Len() < 1<<20; i++ {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"id":%d,"name":"item %d","price":%d.99,"tags":["a","b"],"ok":true,"none":null}`, i, i, i)
	}
	sb.WriteString("]")
	m := msg("application/json", "", []byte(sb.String()))
	b.SetBytes(int64(len(m.Body)))
	for b.Loop() {
		Decode(m)
	}
}

// The paging calls must cost the same wherever the window is in a 1 MiB
// body: these report ns/op for a 50-line window at its end.
func BenchmarkLinesSlice1MiB(b *testing.B) {
	l := NewLines(bigText())
	from := l.Len() - 50
	for b.Loop() {
		l.Slice(from, 50)
	}
}

func BenchmarkStyledSpans1MiB(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("[")
	for i := 0; sb.Len() < 1<<20; i++ {
		fmt.Fprintf(&sb, `{"id":%d,"name":"item"},`, i)
	}
	sb.WriteString("0]")
	p := prettyJSON(sb.String())
	from := p.Len() - 50
	for b.Loop() {
		p.Spans(from, 50)
	}
}

func BenchmarkHexLines1MiB(b *testing.B) {
	data := []byte(bigText())
	from := HexLineCount(len(data), 0) - 50
	for b.Loop() {
		HexLines(data, 0, from, 50)
	}
}

func BenchmarkSearch1MiB(b *testing.B) {
	l := NewLines(bigText())
	for b.Loop() {
		l.Search("ID=7000")
	}
}
