package features

import "math"

// Layout descriptor, LayoutDim values, in this order:
//
//	index  count  component
//	0      64     text density on an 8×8 grid over the page, row-major from
//	              the top-left cell: the share of the cell's pixels whose
//	              text probability is at least TextThreshold
//	64     1      text lines: runs of text rows in the horizontal projection
//	              profile of the binarised map, counted in each column and
//	              summed, as log1p(lines)/log1p(100) (100 lines give 1)
//	65     4      columns, one-hot over 1, 2, 3 and 4 or more: runs of text
//	              in the vertical projection profile, split by gaps of at
//	              least 2% of the width (all zero on a page without text)
//	69     4      left, right, top and bottom margins: the share of the
//	              width (height) outside the bounding box of text pixels;
//	              0.5 each on a page without text
//	73     1      text fraction: the share of all pixels that are text
const (
	LayoutGrid    = 8     // cells per side of the density grid
	LayoutDim     = 74    // values in a layout vector
	TextThreshold = 0.3   // probability at which a pixel counts as text (PP-OCR's own binarisation threshold)
	lineScale     = 100.0 // line count that maps to 1
	columnGapFrac = 0.02  // narrowest gap between columns, as a share of the width
)

// Offsets of the layout components, see the table above.
const (
	layoutLines   = LayoutGrid * LayoutGrid
	layoutColumns = layoutLines + 1
	layoutMargins = layoutColumns + 4
	layoutText    = layoutMargins + 4
)

// ProbMap is a text detector's probability map for one page: H rows of W
// values in [0, 1], row 0 at the top, cropped to the page area.
type ProbMap struct {
	W, H int
	P    []float32
}

// LayoutStats are the measurements behind a layout vector.
type LayoutStats struct {
	Lines   int // runs of text rows, summed over columns
	Columns int // runs of text columns split by wide gaps

	// Margins as shares of the width (Left, Right) or height (Top,
	// Bottom); 0.5 each when there is no text.
	Left, Right, Top, Bottom float64

	TextFraction float64                          // share of pixels that are text
	Density      [LayoutGrid * LayoutGrid]float64 // share of text pixels per cell, row-major
}

// Layout returns the layout vector of p (see the table above).
func Layout(p ProbMap) []float32 {
	return MeasureLayout(p).Vector()
}

// MeasureLayout binarises p at TextThreshold and measures it. A map with
// no pixels, or fewer values than W*H, measures as an empty page. NaN
// probabilities count as background.
func MeasureLayout(p ProbMap) LayoutStats {
	s := LayoutStats{Left: 0.5, Right: 0.5, Top: 0.5, Bottom: 0.5}
	if p.W <= 0 || p.H <= 0 || len(p.P) < p.W*p.H {
		return s
	}
	const g = LayoutGrid
	rows := make([]int, p.H) // text pixels per row
	cols := make([]int, p.W) // text pixels per column
	var cellText [g * g]int
	var cellRows, cellCols [g]int // rows (columns) of the map in each grid row (column)
	for y := range p.H {
		cellRows[y*g/p.H]++
	}
	for x := range p.W {
		cellCols[x*g/p.W]++
	}
	total := 0
	for y := range p.H {
		line := p.P[y*p.W : (y+1)*p.W]
		cy := y * g / p.H
		for x, v := range line {
			if v >= TextThreshold { // false for NaN
				rows[y]++
				cols[x]++
				cellText[cy*g+x*g/p.W]++
				total++
			}
		}
	}
	for cy := range g {
		for cx := range g {
			if n := cellRows[cy] * cellCols[cx]; n > 0 {
				s.Density[cy*g+cx] = float64(cellText[cy*g+cx]) / float64(n)
			}
		}
	}
	if total == 0 {
		return s
	}
	s.TextFraction = float64(total) / float64(p.W*p.H)
	// Lines are counted per column, so that the lines of two columns
	// that do not share a baseline are not merged into one tall run.
	spans := runs(cols, max(2, int(math.Ceil(columnGapFrac*float64(p.W)))))
	s.Columns = len(spans)
	colRows := make([]int, p.H)
	for _, sp := range spans {
		clear(colRows)
		for y := range p.H {
			for _, v := range p.P[y*p.W+sp[0] : y*p.W+sp[1]] {
				if v >= TextThreshold {
					colRows[y]++
				}
			}
		}
		s.Lines += len(runs(colRows, 1))
	}
	first, last := extent(cols)
	s.Left = float64(first) / float64(p.W)
	s.Right = float64(p.W-1-last) / float64(p.W)
	first, last = extent(rows)
	s.Top = float64(first) / float64(p.H)
	s.Bottom = float64(p.H-1-last) / float64(p.H)
	return s
}

// Vector lays the measurements out as described in the table above.
func (s LayoutStats) Vector() []float32 {
	v := make([]float32, LayoutDim)
	for i, d := range s.Density {
		v[i] = float32(d)
	}
	v[layoutLines] = float32(math.Log1p(float64(s.Lines)) / math.Log1p(lineScale))
	if s.Columns > 0 {
		v[layoutColumns+min(s.Columns, 4)-1] = 1
	}
	v[layoutMargins+0] = float32(s.Left)
	v[layoutMargins+1] = float32(s.Right)
	v[layoutMargins+2] = float32(s.Top)
	v[layoutMargins+3] = float32(s.Bottom)
	v[layoutText] = float32(s.TextFraction)
	return v
}

// runs returns the [start, end) spans of non-zero counts; spans
// separated by fewer than minGap zeros are one span.
func runs(counts []int, minGap int) [][2]int {
	var out [][2]int
	start, gap := -1, 0
	for i, c := range counts {
		switch {
		case c > 0 && start < 0:
			if len(out) > 0 && gap < minGap {
				start = out[len(out)-1][0] // continue the span before the gap
				out = out[:len(out)-1]
			} else {
				start = i
			}
		case c == 0 && start >= 0:
			out = append(out, [2]int{start, i})
			start, gap = -1, 1
		case c == 0:
			gap++
		}
	}
	if start >= 0 {
		out = append(out, [2]int{start, len(counts)})
	}
	return out
}

// extent returns the first and last index with a non-zero count; the
// caller has made sure there is one.
func extent(counts []int) (first, last int) {
	first, last = -1, -1
	for i, c := range counts {
		if c > 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	return first, last
}
