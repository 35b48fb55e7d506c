package infer

import (
	"math"
	"testing"
)

// plainSpec normalises to pixel/255 in RGB order, so values are easy to
// read.
func plainSpec(h, w int) InputSpec {
	return InputSpec{Layout: "NCHW", Height: h, Width: w, Color: "RGB", Scale: 1.0 / 255, Mean: []float32{0, 0, 0}, Std: []float32{1, 1, 1}}
}

func solid(w, h int, r, g, b byte) Image {
	im := Image{Width: w, Height: h, Pix: make([]byte, 3*w*h)}
	for i := 0; i < len(im.Pix); i += 3 {
		im.Pix[i], im.Pix[i+1], im.Pix[i+2] = r, g, b
	}
	return im
}

func near(a, b float32) bool { return math.Abs(float64(a-b)) < 1e-5 }

func TestPreprocessFixed(t *testing.T) {
	// A 2×1 image, black then white, stretched to 4×2: pixel centres
	// give 0, 1/4, 3/4, 1 across each row.
	im := Image{Width: 2, Height: 1, Pix: []byte{0, 0, 0, 255, 255, 255}}
	x, reg, err := Preprocess(plainSpec(2, 4), im, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !sameDims(x.Shape, []int64{1, 3, 2, 4}) || reg.Width != 4 || reg.InputHeight != 2 || reg.ScaleX != 2 {
		t.Fatalf("shape %v region %+v", x.Shape, reg)
	}
	want := []float32{0, 0.25, 0.75, 1}
	for c := range 3 {
		for y := range 2 {
			for i, w := range want {
				if got := x.Data[c*8+y*4+i]; !near(got, w) {
					t.Errorf("c%d y%d x%d = %v, want %v", c, y, i, got, w)
				}
			}
		}
	}

	// Same size is an exact copy.
	im = Image{Width: 3, Height: 2, Pix: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}}
	x, _, err = Preprocess(plainSpec(2, 3), im, 0)
	if err != nil {
		t.Fatal(err)
	}
	for p := range 6 {
		for c := range 3 {
			if got, want := x.Data[c*6+p], float32(im.Pix[3*p+c])/255; !near(got, want) {
				t.Errorf("pixel %d channel %d = %v, want %v", p, c, got, want)
			}
		}
	}
}

func TestPreprocessNormalise(t *testing.T) {
	spec := InputSpec{Layout: "NCHW", Height: 1, Width: 1, Color: "BGR", Scale: 1.0 / 255,
		Mean: []float32{0.485, 0.456, 0.406}, Std: []float32{0.229, 0.224, 0.225}}
	x, _, err := Preprocess(spec, solid(5, 5, 255, 0, 51), 0)
	if err != nil {
		t.Fatal(err)
	}
	// BGR: channel 0 is blue (51), channel 2 red (255).
	want := []float32{(0.2 - 0.485) / 0.229, (0 - 0.456) / 0.224, (1 - 0.406) / 0.225}
	for c, w := range want {
		if !near(x.Data[c], w) {
			t.Errorf("channel %d = %v, want %v", c, x.Data[c], w)
		}
	}
}

func TestPreprocessDynamic(t *testing.T) {
	spec := InputSpec{Layout: "NCHW", MultipleOf: 32, LongSide: 640, Color: "RGB", Scale: 1.0 / 255, Mean: []float32{0, 0, 0}, Std: []float32{1, 1, 1}}
	tests := []struct {
		name           string
		w, h, longSide int
		want           Region
	}{
		{"portrait default side", 600, 800, 0, Region{Width: 480, Height: 640, InputWidth: 480, InputHeight: 640}},
		{"landscape on the ¾ canvas", 1000, 333, 320, Region{Width: 320, Height: 107, InputWidth: 320, InputHeight: 256}},
		{"letter on the ¾ canvas", 612, 792, 320, Region{Width: 247, Height: 320, InputWidth: 256, InputHeight: 320}},
		{"wider than ¾ fitted into it", 660, 792, 320, Region{Width: 256, Height: 307, InputWidth: 256, InputHeight: 320}},
		{"nearly square on the square canvas", 900, 1000, 320, Region{Width: 288, Height: 320, InputWidth: 320, InputHeight: 320}},
		{"upscale", 50, 40, 96, Region{Width: 96, Height: 77, InputWidth: 96, InputHeight: 96}},
		{"thin strip", 1000, 1, 320, Region{Width: 320, Height: 1, InputWidth: 320, InputHeight: 256}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, reg, err := Preprocess(spec, solid(tt.w, tt.h, 0, 0, 0), tt.longSide)
			if err != nil {
				t.Fatal(err)
			}
			reg.ScaleX, reg.ScaleY = 0, 0
			if reg != tt.want {
				t.Fatalf("region %+v, want %+v", reg, tt.want)
			}
			if !sameDims(x.Shape, []int64{1, 3, int64(reg.InputHeight), int64(reg.InputWidth)}) {
				t.Fatalf("shape %v", x.Shape)
			}
			// Black image, white padding.
			W := reg.InputWidth
			for y := range reg.InputHeight {
				for xx := range W {
					want := float32(0)
					if xx >= reg.Width || y >= reg.Height {
						want = 1
					}
					if got := x.Data[2*reg.InputHeight*W+y*W+xx]; got != want {
						t.Fatalf("(%d,%d) = %v, want %v", xx, y, got, want)
					}
				}
			}
		})
	}
}

func TestPreprocessErrors(t *testing.T) {
	tests := []struct {
		name string
		spec InputSpec
		img  Image
	}{
		{"short pixels", plainSpec(4, 4), Image{Width: 2, Height: 2, Pix: make([]byte, 5)}},
		{"empty image", plainSpec(4, 4), Image{}},
		{"bad colour", func() InputSpec { s := plainSpec(4, 4); s.Color = "RGBA"; return s }(), solid(2, 2, 0, 0, 0)},
		{"no long side", InputSpec{Layout: "NCHW", MultipleOf: 32, Color: "RGB", Scale: 1, Mean: []float32{0, 0, 0}, Std: []float32{1, 1, 1}}, solid(2, 2, 0, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := Preprocess(tt.spec, tt.img, 0); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestCropAndPool(t *testing.T) {
	// [1, 2, 4, 4] map: channel 0 holds 0..15, channel 1 holds 16..31.
	m := NewTensor(1, 2, 4, 4)
	for i := range m.Data {
		m.Data[i] = float32(i)
	}
	reg := Region{Width: 6, Height: 3, InputWidth: 8, InputHeight: 8}
	c, err := reg.Crop(m)
	if err != nil {
		t.Fatal(err)
	}
	if !sameDims(c.Shape, []int64{1, 2, 2, 3}) {
		t.Fatalf("crop shape %v", c.Shape)
	}
	want := []float32{0, 1, 2, 4, 5, 6, 16, 17, 18, 20, 21, 22}
	if _, ok := closeRel(c.Data, want, 0); !ok {
		t.Errorf("crop %v, want %v", c.Data, want)
	}
	p, err := Pool(c, PoolMeanMax)
	if err != nil {
		t.Fatal(err)
	}
	if wantP := []float32{3, 19, 6, 22}; !sameDims(p.Shape, []int64{1, 4}) || !func() bool { _, ok := closeRel(p.Data, wantP, 1e-6); return ok }() {
		t.Errorf("pool %v %v, want %v", p.Shape, p.Data, wantP)
	}
	flat, err := Pool(NewTensor(3, 5, 1, 1), PoolNone)
	if err != nil || !sameDims(flat.Shape, []int64{3, 5}) {
		t.Errorf("PoolNone %v, %v", flat.Shape, err)
	}
	if _, err := Pool(NewTensor(3, 5), PoolMeanMax); err == nil {
		t.Error("mean_max of vectors: no error")
	}
}

func BenchmarkPreprocess(b *testing.B) {
	spec := InputSpec{Layout: "NCHW", MultipleOf: 32, Color: "BGR", Scale: 1.0 / 255, Mean: imagenetMean, Std: imagenetStd}
	im, _ := textPage(1240, 1754) // A4 at 150 dpi
	for b.Loop() {
		if _, _, err := Preprocess(spec, im, 960); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

func TestCanvasesCoverPreprocess(t *testing.T) {
	spec := InputSpec{Layout: "NCHW", LongSide: 320, MultipleOf: 32, Mean: []float32{0.5, 0.5, 0.5}, Std: []float32{0.5, 0.5, 0.5}, Scale: 1.0 / 255, Color: "RGB"}
	want := map[[2]int]bool{}
	for _, c := range Canvases(spec, 512) {
		want[c] = true
	}
	if len(want) != 3 {
		t.Fatalf("Canvases = %v, want 3 distinct sizes", Canvases(spec, 512))
	}
	for _, wh := range [][2]int{{612, 792}, {792, 612}, {500, 510}, {100, 900}, {900, 100}, {595, 842}} {
		img := Image{Width: wh[0], Height: wh[1], Pix: make([]byte, 3*wh[0]*wh[1])}
		x, _, err := Preprocess(spec, img, 512)
		if err != nil {
			t.Fatal(err)
		}
		got := [2]int{int(x.Shape[3]), int(x.Shape[2])}
		if !want[got] {
			t.Errorf("page %v got canvas %v, not among Canvases %v", wh, got, Canvases(spec, 512))
		}
	}
}
