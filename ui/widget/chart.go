package widget

import (
	"math"
	"strings"
)

// Ring is a fixed-size history of samples, oldest first when read.
type Ring struct {
	buf  []float64
	next int
	full bool
}

func NewRing(n int) *Ring { return &Ring{buf: make([]float64, n)} }

func (r *Ring) Push(v float64) {
	r.buf[r.next] = v
	r.next = (r.next + 1) % len(r.buf)
	if r.next == 0 {
		r.full = true
	}
}

// Values returns the samples, oldest first.
func (r *Ring) Values() []float64 {
	if !r.full {
		return append([]float64(nil), r.buf[:r.next]...)
	}
	out := make([]float64, 0, len(r.buf))
	out = append(out, r.buf[r.next:]...)
	return append(out, r.buf[:r.next]...)
}

var sparkRunes = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws the last width samples as block characters from their
// own minimum up, so a change shows however deep the queue is; a flat
// series is a low line, not blank. The scale spans at least one step per
// message and a tenth of the depth, so a change of 1 is a step of one
// block, not a full-height jump.
func Sparkline(vals []float64, width int) string {
	if width <= 0 {
		return ""
	}
	if len(vals) > width {
		vals = vals[len(vals)-width:]
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	steps := float64(len(sparkRunes) - 1)
	span := math.Max(hi-lo, math.Max(steps, 0.1*math.Max(math.Abs(hi), math.Abs(lo))))
	var b strings.Builder
	for _, v := range vals {
		i := int(math.Round((v - lo) / span * steps))
		b.WriteRune(sparkRunes[min(max(i, 0), len(sparkRunes)-1)])
	}
	return b.String()
}

// BrailleChart plots series as lines of braille dots in a width x height
// cell grid, each cell 2 dots wide and 4 high, all series on one scale.
// It returns, per cell row, the runes and which series owns each cell, so
// the caller can colour them. The newest sample is at the right edge.
func BrailleChart(series [][]float64, width, height int) (rows [][]rune, owner [][]int, max float64) {
	if width <= 0 || height <= 0 {
		return nil, nil, 0
	}
	for _, s := range series {
		for _, v := range s {
			max = math.Max(max, v)
		}
	}
	dotsW, dotsH := width*2, height*4
	bits := make([][]uint8, height)
	owner = make([][]int, height)
	for y := range bits {
		bits[y] = make([]uint8, width)
		owner[y] = make([]int, width)
		for x := range owner[y] {
			owner[y][x] = -1
		}
	}
	// Braille dot bit for (column 0..1, row 0..3) within a cell.
	dotBit := [2][4]uint8{{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}}
	set := func(si, x, y int) {
		cx, cy := x/2, y/4
		if cx < 0 || cx >= width || cy < 0 || cy >= height {
			return
		}
		bits[cy][cx] |= dotBit[x%2][y%4]
		if owner[cy][cx] < 0 {
			owner[cy][cx] = si
		}
	}
	for si, s := range series {
		if len(s) > dotsW {
			s = s[len(s)-dotsW:]
		}
		start := dotsW - len(s)
		prev := -1
		for i, v := range s {
			y := dotsH - 1
			if max > 0 {
				y = dotsH - 1 - int(math.Round(v/max*float64(dotsH-1)))
			}
			x := start + i
			set(si, x, y)
			if prev >= 0 { // join to the previous point so steps read as lines
				lo, hi := prev, y
				if lo > hi {
					lo, hi = hi, lo
				}
				for yy := lo + 1; yy < hi; yy++ {
					set(si, x, yy)
				}
			}
			prev = y
		}
	}
	rows = make([][]rune, height)
	for y := range bits {
		rows[y] = make([]rune, width)
		for x, b := range bits[y] {
			if b == 0 {
				rows[y][x] = ' '
			} else {
				rows[y][x] = rune(0x2800 + int(b))
			}
		}
	}
	return rows, owner, max
}
