package message

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// expanded is a row as the UI shows it: tabs expanded from the row's own
// first column.
func expanded(s string) string {
	var b strings.Builder
	col := 0
	for _, r := range s {
		if r == '\t' {
			n := TabStop - col%TabStop
			b.WriteString(strings.Repeat(" ", n))
			col += n
			continue
		}
		b.WriteRune(r)
		col = ansi.StringWidth(b.String())
	}
	return b.String()
}

// checkWrap asserts that w's rows, joined per source line, are d's lines
// byte for byte, and that no row is wider than the width.
func checkWrap(t *testing.T, d Doc, w *Wrapped) {
	t.Helper()
	rows := w.Spans(0, w.Len())
	if len(rows) != w.Len() {
		t.Fatalf("Spans(0, Len) gave %d rows, Len is %d", len(rows), w.Len())
	}
	for i, l := range d.Spans(0, d.Len()) {
		var joined strings.Builder
		for r := w.first[i]; r < w.first[i+1]; r++ {
			row := rows[r].String()
			if got := ansi.StringWidth(expanded(row)); got > w.Width() {
				t.Errorf("line %d row %d %q is %d cells wide, past %d", i, r, row, got, w.Width())
			}
			joined.WriteString(row)
		}
		if joined.String() != l.String() {
			t.Errorf("line %d rows join to %q, want %q", i, joined.String(), l.String())
		}
	}
}

func TestWrapCutsLongLinesLosingNothing(t *testing.T) {
	cases := []struct {
		name  string
		text  string
		width int
		rows  []string
	}{
		{"ascii", "abcdefghij" + "klmnopqrst" + "uvw", 10, []string{"abcdefghij", "klmnopqrst", "uvw"}},
		{"short lines stay whole", "ab\ncd", 10, []string{"ab", "cd"}},
		{"empty line is one row", "ab\n\ncd", 10, []string{"ab", "", "cd"}},
		{"wide runes never split", "日本語のテキスト", 9, []string{"日本語の", "テキスト"}},
		{"combining mark stays with its letter", "abcdefghe\u0301f", 8, []string{"abcdefgh", "e\u0301f"}},
		{"tab past the row moves to the next row", "abcdefghij\tx", 12, []string{"abcdefghij", "\tx"}},
		{"tab to the next stop", "ab\tcd", 10, []string{"ab\tcd"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := NewLines(c.text)
			w := Wrap(d, c.width)
			var got []string
			for _, l := range w.Spans(0, w.Len()) {
				got = append(got, l.String())
			}
			if strings.Join(got, "|") != strings.Join(c.rows, "|") {
				t.Errorf("rows %q, want %q", got, c.rows)
			}
			checkWrap(t, d, w)
		})
	}
}

func TestWrapKeepsSpanClasses(t *testing.T) {
	b := Decode(Message{Body: []byte(`{"key":"` + strings.Repeat("v", 30) + `","n":12345}`), Properties: Properties{ContentType: "application/json"}})
	if b.Pretty == nil {
		t.Fatal("no pretty view of a JSON body")
	}
	w := Wrap(b.Pretty, 12)
	checkWrap(t, b.Pretty, w)
	for _, row := range w.Spans(0, w.Len()) {
		for _, s := range row {
			if strings.Contains(s.Text, "vvv") && s.Class != SpanString {
				t.Errorf("a cut of the string value is class %d, want SpanString", s.Class)
			}
			if s.Text == "12345" && s.Class != SpanNumber {
				t.Errorf("the number is class %d, want SpanNumber", s.Class)
			}
		}
	}
}

func TestWrapRandomTextLosesNothing(t *testing.T) {
	alphabet := []string{"a", "b", " ", "\t", "日", "é", "e\u0301", "👍", "\n", "xyz"}
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 300; n++ {
		var b strings.Builder
		for k := r.IntN(200); k > 0; k-- {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		d := NewLines(b.String())
		checkWrap(t, d, Wrap(d, TabStop+r.IntN(30)))
	}
}

func TestWrapSearchFindsTheRow(t *testing.T) {
	d := NewLines(strings.Repeat("x", 25) + "NEEDLE" + strings.Repeat("y", 25) + "\nneedle here")
	w := Wrap(d, 10)
	got := w.Search("needle")
	// Row 2 holds xxxxxNEEDL, row 3 Eyyyy…: the query spans the cut, so the
	// line's first row is the hit; the short second line is row 6.
	if len(got) != 2 || got[0] != 0 || got[1] != 6 {
		t.Errorf("Search = %v, want [0 6] (rows %q)", got, w.Spans(0, w.Len()))
	}
	d = NewLines(strings.Repeat("x", 20) + "needle" + strings.Repeat("y", 20))
	w = Wrap(d, 10)
	if got := w.Search("NEEDLE"); len(got) != 1 || got[0] != 2 {
		t.Errorf("Search = %v, want [2], the row holding it whole", got)
	}
}

func BenchmarkWrapOneLine4MiB(b *testing.B) {
	d := NewLines(strings.Repeat(`{"k":"value é 日本"},`, 4<<20/24))
	b.SetBytes(int64(len(d.Text())))
	for b.Loop() {
		w := Wrap(d, 157)
		_ = w.Spans(w.Len()/2, 45)
	}
}

func BenchmarkWrapOneLine4MiBASCII(b *testing.B) {
	d := NewLines(strings.Repeat(`{"key":"some value"},`, 4<<20/21))
	b.SetBytes(int64(len(d.Text())))
	for b.Loop() {
		w := Wrap(d, 157)
		_ = w.Spans(w.Len()/2, 45)
	}
}
