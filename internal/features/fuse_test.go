package features

import (
	"math"
	"slices"
	"testing"
)

// testPage is a page with every part: a visual vector, a two-column map
// and a sentence.
func testPage(visualDim int, seed float32) PageInput {
	vis := make([]float32, visualDim)
	for i := range vis {
		vis[i] = seed + float32(i%7)
	}
	p := page(60, 80)
	for i := range 6 {
		p.box(5, 5+i*10, 25, 9+i*10, 0.9)
		p.box(35, 5+i*10, 55, 9+i*10, 0.9)
	}
	return PageInput{Visual: vis, Prob: &p, Text: astronomy[int(seed)%len(astronomy)]}
}

func blockNorm(v []float32, b Block) float64 { return norm32(v[b.Offset : b.Offset+b.Dim]) }

func TestFuserBlocksAndDim(t *testing.T) {
	lsa, err := FitText(astronomy, TextFitOptions{LSADim: 4})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    Fuser
		want []Block
	}{
		{"detector", Fuser{VisualDim: 10, Detector: true}, []Block{
			{BlockVisual, 0, 10, 1}, {BlockLayout, 10, LayoutDim, 0.5},
			{BlockText, 10 + LayoutDim, TextDim, 1}, {BlockMeta, 10 + LayoutDim + TextDim, MetaDim, 0.1}}},
		{"no detector", Fuser{VisualDim: 2048}, []Block{
			{BlockVisual, 0, 2048, 1}, {BlockText, 2048, TextDim, 1}, {BlockMeta, 2048 + TextDim, MetaDim, 0.1}}},
		{"lsa and weights", Fuser{VisualDim: 6, Detector: true, Text: lsa, Weights: map[string]float32{BlockMeta: 0, BlockText: 2}}, []Block{
			{BlockVisual, 0, 6, 1}, {BlockLayout, 6, LayoutDim, 0.5},
			{BlockText, 6 + LayoutDim, 4, 2}, {BlockMeta, 10 + LayoutDim, MetaDim, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.f.Validate(); err != nil {
				t.Fatal(err)
			}
			if got := tt.f.Blocks(); !slices.Equal(got, tt.want) {
				t.Errorf("Blocks = %v, want %v", got, tt.want)
			}
			last := tt.want[len(tt.want)-1]
			if got := tt.f.Dim(); got != last.Offset+last.Dim {
				t.Errorf("Dim = %d, want %d", got, last.Offset+last.Dim)
			}
			pv, err := tt.f.Page(testPage(tt.f.VisualDim, 1))
			if err != nil {
				t.Fatal(err)
			}
			if len(pv) != tt.f.Dim()-MetaDim {
				t.Errorf("page vector has %d values, want %d", len(pv), tt.f.Dim()-MetaDim)
			}
		})
	}
}

func TestFuserPageBlockNorms(t *testing.T) {
	f := Fuser{VisualDim: 12, Detector: true, Weights: map[string]float32{BlockVisual: 0.8}}
	v, err := f.Page(testPage(12, 2))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range f.Blocks()[:3] {
		if n := blockNorm(v, b); math.Abs(n-float64(b.Weight)) > 1e-6 {
			t.Errorf("%s block norm %v, want its weight %v", b.Name, n, b.Weight)
		}
	}
	// Missing parts are zero blocks of their dimension.
	v, err = f.Page(PageInput{Text: "only some text here"})
	if err != nil {
		t.Fatal(err)
	}
	bs := f.Blocks()
	if len(v) != f.Dim()-MetaDim || blockNorm(v, bs[0]) != 0 || blockNorm(v, bs[1]) != 0 {
		t.Errorf("text-only page: len %d, visual norm %v, layout norm %v", len(v), blockNorm(v, bs[0]), blockNorm(v, bs[1]))
	}
	if n := blockNorm(v, bs[2]); math.Abs(n-1) > 1e-6 {
		t.Errorf("text block norm %v, want 1", n)
	}
	if _, err := f.Page(PageInput{Visual: make([]float32, 11)}); err == nil {
		t.Error("a visual vector of the wrong length was accepted")
	}
}

func TestFuserDocument(t *testing.T) {
	f := Fuser{Model: "ppocr-v4-det", VisualDim: 8, Detector: true}
	var pages [][]float32
	for i := range 3 {
		v, err := f.Page(testPage(8, float32(i)))
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, v)
	}
	meta := Meta(nil, nil, nil)
	meta[0], meta[metaLabel] = 0.3, 1
	d, err := f.Document(pages, meta)
	if err != nil {
		t.Fatal(err)
	}
	if d.Model != "ppocr-v4-det" || d.Pages != 3 || len(d.Vector) != f.Dim() || !slices.Equal(d.Blocks, f.Blocks()) {
		t.Fatalf("document: model %q, pages %d, %d values, blocks %v", d.Model, d.Pages, len(d.Vector), d.Blocks)
	}
	if n := norm32(d.Vector); math.Abs(n-1) > 1e-6 {
		t.Errorf("norm %v, want 1", n)
	}
	// Before the final normalisation each block had norm Weight, so after
	// it each has norm Weight / sqrt(sum of squared weights).
	var ss float64
	for _, b := range d.Blocks {
		ss += float64(b.Weight) * float64(b.Weight)
	}
	for _, b := range d.Blocks {
		if n, want := blockNorm(d.Vector, b), float64(b.Weight)/math.Sqrt(ss); math.Abs(n-want) > 1e-6 {
			t.Errorf("%s block norm %v, want %v", b.Name, n, want)
		}
	}
	// One page: the document is the page plus meta, rescaled.
	one, err := f.Document(pages[:1], meta)
	if err != nil {
		t.Fatal(err)
	}
	scale := float32(1 / math.Sqrt(ss))
	for i, x := range pages[0] {
		if math.Abs(float64(one.Vector[i]-x*scale)) > 1e-6 {
			t.Fatalf("one-page document [%d] = %v, want %v", i, one.Vector[i], x*scale)
		}
	}
	if _, err := f.Document([][]float32{pages[0][1:]}, meta); err == nil {
		t.Error("a short page vector was accepted")
	}
	if _, err := f.Document(pages, meta[1:]); err == nil {
		t.Error("a short metadata vector was accepted")
	}
}

func TestFuserZeroPageDocument(t *testing.T) {
	f := Fuser{VisualDim: 16, Detector: true}
	meta := Meta(nil, nil, nil)
	meta[3], meta[5] = 1, 1
	d, err := f.Document(nil, meta)
	if err != nil {
		t.Fatal(err)
	}
	if d.Pages != 0 || len(d.Vector) != f.Dim() {
		t.Fatalf("pages %d, %d values, want 0 and %d", d.Pages, len(d.Vector), f.Dim())
	}
	for _, b := range d.Blocks {
		want := 0.0
		if b.Name == BlockMeta {
			want = 1
		}
		if n := blockNorm(d.Vector, b); math.Abs(n-want) > 1e-6 {
			t.Errorf("%s block norm %v, want %v", b.Name, n, want)
		}
	}
}

func TestFuserAllZeroInputs(t *testing.T) {
	for _, detector := range []bool{false, true} {
		f := Fuser{VisualDim: 5, Detector: detector}
		empty := page(0, 0)
		zero := page(32, 32)
		var pages [][]float32
		for _, in := range []PageInput{{}, {Visual: make([]float32, 5), Prob: &zero}, {Prob: &empty, Text: " . "}} {
			v, err := f.Page(in)
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, v)
		}
		for _, meta := range [][]float32{nil, make([]float32, MetaDim)} {
			d, err := f.Document(pages, meta)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Vector) != f.Dim() {
				t.Fatalf("%d values, want %d", len(d.Vector), f.Dim())
			}
			for i, x := range d.Vector {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					t.Fatalf("detector %v: v[%d] = %v", detector, i, x)
				}
			}
			// Without a detector nothing is set: the vector stays zero.
			// With one, the empty page's margins make a layout block.
			if n := norm32(d.Vector); (detector && math.Abs(n-1) > 1e-6) || (!detector && n != 0) {
				t.Errorf("detector %v: norm %v", detector, n)
			}
		}
	}
}

func TestFuserValidate(t *testing.T) {
	bad := []struct {
		name string
		f    Fuser
	}{
		{"unknown block", Fuser{Weights: map[string]float32{"colour": 1}}},
		{"negative weight", Fuser{Weights: map[string]float32{BlockText: -1}}},
		{"nan weight", Fuser{Weights: map[string]float32{BlockMeta: float32(math.NaN())}}},
		{"negative visual dim", Fuser{VisualDim: -1}},
		{"bad text model", Fuser{Text: &TextModel{}}},
	}
	for _, tt := range bad {
		if err := tt.f.Validate(); err == nil {
			t.Errorf("%s: Validate accepted it", tt.name)
		}
	}
}

func TestCosine(t *testing.T) {
	tests := []struct {
		name string
		a, b []float32
		want float32
	}{
		{"same", []float32{1, 2, 3}, []float32{2, 4, 6}, 1},
		{"opposite", []float32{1, 0}, []float32{-3, 0}, -1},
		{"orthogonal", []float32{1, 0}, []float32{0, 5}, 0},
		{"zero", []float32{0, 0}, []float32{1, 1}, 0},
		{"lengths differ", []float32{1}, []float32{1, 1}, 0},
		{"45 degrees", []float32{1, 0}, []float32{1, 1}, float32(1 / math.Sqrt2)},
	}
	for _, tt := range tests {
		if got := Cosine(tt.a, tt.b); math.Abs(float64(got-tt.want)) > 1e-6 {
			t.Errorf("%s: Cosine = %v, want %v", tt.name, got, tt.want)
		}
	}
}
