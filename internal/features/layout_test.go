package features

import (
	"math"
	"slices"
	"testing"
)

// page is a blank probability map to draw text boxes on.
func page(w, h int) ProbMap { return ProbMap{W: w, H: h, P: make([]float32, w*h)} }

// box sets the probability of the pixels x0 <= x < x1, y0 <= y < y1.
func (p ProbMap) box(x0, y0, x1, y1 int, v float32) {
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			p.P[y*p.W+x] = v
		}
	}
}

func TestMeasureLayout(t *testing.T) {
	// Two columns of ten lines each (20 lines), five rows high with
	// five-row gaps, like a two-column paper; lines of both columns on the
	// same rows.
	twoColumns := page(100, 120)
	for i := range 10 {
		y := 10 + i*10
		twoColumns.box(10, y, 45, y+5, 0.9)
		twoColumns.box(56, y, 90, y+5, 0.8)
	}
	// One column of seven lines whose word gaps fall at different places on
	// each line: the gaps must not read as column gutters.
	words := page(200, 100)
	for i := range 7 {
		y := 20 + i*8
		x := 30
		for j := range 6 {
			n := 12 + (i*7+j*5)%9 // word widths 12..20
			words.box(x, y, x+n, y+4, 0.95)
			x += n + 3 + (i+j)%3
		}
	}
	// Three columns whose lines do not share baselines: counted per column.
	three := page(300, 200)
	for i := range 12 {
		three.box(10, 10+i*12, 90, 16+i*12, 1)
	}
	for i := range 5 {
		three.box(110, 40+i*20, 190, 50+i*20, 1)
	}
	three.box(210, 100, 290, 160, 1) // a picture-sized text block

	tests := []struct {
		name                     string
		p                        ProbMap
		lines, columns           int
		left, right, top, bottom float64
		text                     float64
	}{
		{"two columns", twoColumns, 20, 2, 0.10, 0.10, 10.0 / 120, 15.0 / 120, (35 + 34) * 5 * 10 / 12000.0},
		{"one column with word gaps", words, 7, 1, 0.15, -1, 0.20, (100 - 1 - 71) / 100.0, -1},
		{"three columns", three, 12 + 5 + 1, 3, 10.0 / 300, 10.0 / 300, 0.05, (200 - 1 - 159) / 200.0, -1},
		{"empty page", page(64, 80), 0, 0, 0.5, 0.5, 0.5, 0.5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := MeasureLayout(tt.p)
			if s.Lines != tt.lines || s.Columns != tt.columns {
				t.Errorf("lines, columns = %d, %d, want %d, %d", s.Lines, s.Columns, tt.lines, tt.columns)
			}
			check := func(what string, got, want float64) {
				if want >= 0 && math.Abs(got-want) > 1e-12 {
					t.Errorf("%s = %v, want %v", what, got, want)
				}
			}
			check("left", s.Left, tt.left)
			check("right", s.Right, tt.right)
			check("top", s.Top, tt.top)
			check("bottom", s.Bottom, tt.bottom)
			check("text fraction", s.TextFraction, tt.text)
		})
	}
}

func TestLayoutDensityAndThreshold(t *testing.T) {
	// 16×16: each grid cell is 2×2 pixels. The top-left cell is full, the
	// bottom-right cell half full; a pixel just under the threshold and a
	// NaN do not count.
	p := page(16, 16)
	p.box(0, 0, 2, 2, TextThreshold)
	p.box(14, 14, 16, 15, 1)
	p.P[5*16+5] = TextThreshold - 0.01
	p.P[9*16+9] = float32(math.NaN())
	v := Layout(p)
	if len(v) != LayoutDim {
		t.Fatalf("len = %d, want %d", len(v), LayoutDim)
	}
	for i := range LayoutGrid * LayoutGrid {
		want := float32(0)
		switch i {
		case 0:
			want = 1
		case LayoutGrid*LayoutGrid - 1:
			want = 0.5
		}
		if v[i] != want {
			t.Errorf("density[%d] = %v, want %v", i, v[i], want)
		}
	}
	if want := float32(6.0 / 256); v[layoutText] != want {
		t.Errorf("text fraction = %v, want %v", v[layoutText], want)
	}
	// Rows 0-1 and 14: two runs of rows.
	if want := float32(math.Log1p(2) / math.Log1p(100)); v[layoutLines] != want {
		t.Errorf("lines = %v, want %v", v[layoutLines], want)
	}
	// Columns 0-1 and 14-15: a 12-pixel gap, two columns.
	for i, want := range []float32{0, 1, 0, 0} {
		if v[layoutColumns+i] != want {
			t.Errorf("columns one-hot[%d] = %v, want %v", i, v[layoutColumns+i], want)
		}
	}
	for i, want := range []float32{0, 0, 0, 1.0 / 16} {
		if v[layoutMargins+i] != want {
			t.Errorf("margin[%d] = %v, want %v", i, v[layoutMargins+i], want)
		}
	}
}

func TestLayoutColumnsOneHotCaps(t *testing.T) {
	p := page(100, 10)
	for x := 0; x < 100; x += 10 { // ten narrow columns, gaps of 5
		p.box(x, 2, x+5, 8, 1)
	}
	s := MeasureLayout(p)
	if s.Columns != 10 {
		t.Fatalf("columns = %d, want 10", s.Columns)
	}
	v := s.Vector()
	if v[layoutColumns+3] != 1 {
		t.Errorf("columns one-hot = %v, want the 4+ slot set", v[layoutColumns:layoutColumns+4])
	}
}

func TestLayoutDegenerateMaps(t *testing.T) {
	nan := float32(math.NaN())
	tests := []struct {
		name string
		p    ProbMap
	}{
		{"zero size", ProbMap{}},
		{"short data", ProbMap{W: 10, H: 10, P: make([]float32, 50)}},
		{"negative size", ProbMap{W: -3, H: 2}},
		{"one pixel", ProbMap{W: 1, H: 1, P: []float32{1}}},
		{"one row", ProbMap{W: 5, H: 1, P: []float32{0, 1, 1, 0, 0}}},
		{"all NaN", ProbMap{W: 2, H: 2, P: []float32{nan, nan, nan, nan}}},
		{"all zero", page(640, 480)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Layout(tt.p)
			if len(v) != LayoutDim {
				t.Fatalf("len = %d, want %d", len(v), LayoutDim)
			}
			var ss float64
			for i, x := range v {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) || x < 0 || x > 1 {
					t.Fatalf("v[%d] = %v, want a value in [0, 1]", i, x)
				}
				ss += float64(x * x)
			}
			if ss == 0 {
				t.Error("vector is all zero; an empty page still has margins")
			}
		})
	}
	one := MeasureLayout(ProbMap{W: 1, H: 1, P: []float32{1}})
	if one.Lines != 1 || one.Columns != 1 || one.Left != 0 || one.Bottom != 0 || one.Density[0] != 1 || one.TextFraction != 1 {
		t.Errorf("one-pixel page = %+v", one)
	}
}

func TestRuns(t *testing.T) {
	tests := []struct {
		name   string
		counts []int
		minGap int
		want   [][2]int
	}{
		{"none", []int{0, 0, 0}, 1, nil},
		{"one", []int{0, 3, 2, 0}, 1, [][2]int{{1, 3}}},
		{"edges", []int{1, 0, 1}, 1, [][2]int{{0, 1}, {2, 3}}},
		{"narrow gap merges", []int{1, 0, 1, 0, 0, 1}, 2, [][2]int{{0, 3}, {5, 6}}},
		{"all", []int{1, 1}, 5, [][2]int{{0, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runs(tt.counts, tt.minGap); !slices.Equal(got, tt.want) {
				t.Errorf("runs = %v, want %v", got, tt.want)
			}
		})
	}
}
