package widget

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/warren-tui/warren/ui/theme"
)

func TestSparkline(t *testing.T) {
	if got := Sparkline([]float64{0, 1, 2, 3, 4, 5, 6, 7}, 8); got != "▁▂▃▄▅▆▇█" {
		t.Errorf("ramp = %q", got)
	}
	if got := Sparkline([]float64{0, 0, 0}, 8); got != "▁▁▁" {
		t.Errorf("flat zero = %q", got)
	}
	if got := []rune(Sparkline(make([]float64, 100), 16)); len(got) != 16 {
		t.Errorf("width not respected: %d", len(got))
	}
}

func TestRingKeepsNewest(t *testing.T) {
	r := NewRing(3)
	for i := 1; i <= 5; i++ {
		r.Push(float64(i))
	}
	if got := r.Values(); !reflect.DeepEqual(got, []float64{3, 4, 5}) {
		t.Fatalf("ring = %v", got)
	}
}

func TestBrailleChartPlotsOnScale(t *testing.T) {
	rows, owner, top := BrailleChart([][]float64{{0, 10}, {5, 5}}, 2, 2)
	if top != 10 || len(rows) != 2 || len(rows[0]) != 2 {
		t.Fatalf("chart shape %dx%d top %v", len(rows), len(rows[0]), top)
	}
	// The series' last point (10, the max) is in the top row's right half.
	if rows[0][1] == ' ' || owner[0][1] != 0 {
		t.Fatalf("max point missing: %q owner %v", string(rows[0]), owner[0])
	}
}

func TestCellFitsAndEscapesControls(t *testing.T) {
	if got := Cell("abcdef", 4, false); got != "abc…" {
		t.Errorf("cut = %q", got)
	}
	if got := Cell("7", 3, true); got != "  7" {
		t.Errorf("right = %q", got)
	}
	if got, want := Cell("a\x1b[31mb\nc\u202e", 22, false), `a\x1b[31mb\nc\u202e   `; got != want {
		t.Errorf("cell = %q, want the controls escaped: %q", got, want)
	}
	if got, want := Cell("注文\u009b", 12, true), `  注文\u009b`; got != want {
		t.Errorf("cell = %q, want %q (wide runes keep their two columns)", got, want)
	}
}

// A narrow table drops columns by their Drop, highest first, keeping the
// ones without; a Fit column is as wide as its longest cell, up to Fit.
func TestTableDropsAndFits(t *testing.T) {
	tb := Table{Cols: []Column{
		{Title: "A", Width: 10},
		{Title: "TYPE", Width: 10, Drop: 2},
		{Title: "KEY", Width: 4, Fit: 12},
		{Title: "TIME", Width: 10, Drop: 1},
		{Title: "BODY", Width: 10, Flex: 1},
	}}
	tb.SetRows([][]string{{"a", "t", "order.created.eu", "12:00", "{}"}})
	for _, tc := range []struct {
		width int
		want  []int
	}{
		{80, []int{10, 10, 12, 10, 34}},
		{50, []int{10, 0, 12, 10, 15}}, // TYPE goes first
		{40, []int{10, 0, 12, 0, 16}},  // then TIME; BODY stays
	} {
		tb.SetSize(tc.width, 5)
		if got := tb.widths(); !slices.Equal(got, tc.want) {
			t.Errorf("width %d: columns %v, want %v", tc.width, got, tc.want)
		}
	}
}

// A change of 1 is one step of the sparkline, not a full-height jump; a
// deep queue's change of 1 does not show at all.
func TestSparklineScalesSmallChanges(t *testing.T) {
	for _, tc := range []struct {
		vals []float64
		want string
	}{
		{[]float64{0, 1}, "▁▂"},
		{[]float64{5, 6, 5}, "▁▂▁"},
		{[]float64{1000, 1001}, "▁▁"},
		{[]float64{0, 100}, "▁█"},
		{[]float64{10000, 10500, 11000}, "▁▄▇"},
	} {
		if got := Sparkline(tc.vals, 16); got != tc.want {
			t.Errorf("sparkline(%v) = %q, want %q", tc.vals, got, tc.want)
		}
	}
}

// A paste keeps every byte (control runes, invalid UTF-8) for the command,
// and the prompt shows them escaped, fitting the screen by display cells.
func TestPromptKeepsBytesAndFitsCells(t *testing.T) {
	raw := "a\x1b]8;;x\x07\xff注文\u202e\tb"
	l := NewLineInput("")
	l.Insert(raw)
	if got := l.Text(); got != raw {
		t.Fatalf("the prompt changed the pasted bytes: %q, want %q", got, raw)
	}
	shown := ansi.Strip(l.View(theme.Default(), 80))
	for _, want := range []string{`\x1b]8;;x\x07\xff注文\u202e\tb`} {
		if !strings.Contains(shown, want) {
			t.Fatalf("the prompt shows %q, want it to hold %q", shown, want)
		}
	}
	l.Set(strings.Repeat("注文", 30))
	for _, w := range []int{10, 21, 40} {
		if got := ansi.StringWidth(l.View(theme.Default(), w)); got > w {
			t.Errorf("a %d-cell prompt drew %d cells", w, got)
		}
		l.m.CursorStart()
		if got := ansi.StringWidth(l.View(theme.Default(), w)); got > w {
			t.Errorf("a %d-cell prompt, cursor at the start, drew %d cells", w, got)
		}
		l.m.CursorEnd()
	}
}

// A risk hint too long for its line wraps below the value: every word of
// it shows, no row passes the width, and a hostile byte in it is escaped.
func TestFormHintWrapsWhole(t *testing.T) {
	hint := "after the copy is confirmed, delete it from orders\x1b[2J.dlq (messages ahead are put back in order; on a quorum queue that raises their delivery count)"
	for _, w := range []int{50, 80, 120} {
		fm := NewForm(ToggleF("remove", "remove original", false, hint), ChoiceF("mode", "mode", []string{"a", "b"}, 0, hint))
		rows := fm.Render(theme.Default(), w, 0)
		raw := strings.Join(rows, "\n")
		if strings.Contains(raw, "\x1b[2J") {
			t.Fatalf("width %d: the hint's escape sequence reached the screen", w)
		}
		for _, r := range rows {
			if got := ansi.StringWidth(r); got > w {
				t.Errorf("width %d: row %q is %d cells", w, ansi.Strip(r), got)
			}
			if strings.HasSuffix(ansi.Strip(r), "…") {
				t.Errorf("width %d: row cut: %q", w, ansi.Strip(r))
			}
		}
		plain := strings.Join(strings.Fields(ansi.Strip(raw)), " ")
		if want := "raises their delivery count)"; strings.Count(plain, want) != 2 {
			t.Errorf("width %d: %q is not shown for both fields:\n%s", w, want, ansi.Strip(raw))
		}
	}
}
