package infer

import (
	"math"
	"math/rand/v2"
	"testing"
)

// resizeNormalizeRef is the direct form of resizeNormalize: every output
// pixel interpolated from its four source neighbours. The separable form
// must give the same bits.
func resizeNormalizeRef(img Image, r Region, spec InputSpec, dst []float32) {
	src, mul, add := spec.channels()
	xs := axisWeights(img.Width, r.Width)
	ys := axisWeights(img.Height, r.Height)
	plane := r.InputWidth * r.InputHeight
	stride := 3 * img.Width
	for y := range r.Height {
		wy := ys[y]
		row0 := img.Pix[wy.i0*stride : wy.i0*stride+stride]
		row1 := img.Pix[wy.i1*stride : wy.i1*stride+stride]
		for x := range r.Width {
			wx := xs[x]
			a, b := 3*wx.i0, 3*wx.i1
			for c := range 3 {
				o := src[c]
				top := float32(row0[a+o]) + wx.f*(float32(row0[b+o])-float32(row0[a+o]))
				bot := float32(row1[a+o]) + wx.f*(float32(row1[b+o])-float32(row1[a+o]))
				dst[c*plane+y*r.InputWidth+x] = (top+wy.f*(bot-top))*mul[c] + add[c]
			}
		}
	}
	for c := range 3 {
		white := 255*mul[c] + add[c]
		for y := range r.InputHeight {
			for x := range r.InputWidth {
				if x >= r.Width || y >= r.Height {
					dst[c*plane+y*r.InputWidth+x] = white
				}
			}
		}
	}
}

func noise(rng *rand.Rand, w, h int) Image {
	im := Image{Width: w, Height: h, Pix: make([]byte, 3*w*h)}
	for i := range im.Pix {
		im.Pix[i] = byte(rng.IntN(256))
	}
	return im
}

// TestResizeMatchesDirect compares resizeNormalize with the direct form,
// bit for bit, when shrinking, enlarging, keeping the size, on canvases
// with and without padding, in both channel orders.
func TestResizeMatchesDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	spec := func(color string) InputSpec {
		return InputSpec{Layout: "NCHW", LongSide: 512, MultipleOf: 32, Color: color, Scale: 1.0 / 255,
			Mean: []float32{0.485, 0.456, 0.406}, Std: []float32{0.229, 0.224, 0.225}}
	}
	for _, tc := range []struct{ w, h, long int }{
		{396, 512, 512}, {396, 512, 320}, {362, 512, 512}, {512, 362, 320}, {512, 512, 512},
		{50, 70, 320}, {1, 1, 64}, {1240, 1754, 960}, {7, 300, 96},
	} {
		for _, color := range []string{"RGB", "BGR"} {
			sp := spec(color)
			img := noise(rng, tc.w, tc.h)
			got, r, err := Preprocess(sp, img, tc.long)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]float32, len(got.Data))
			resizeNormalizeRef(img, r, sp, want)
			for i := range want {
				if math.Float32bits(got.Data[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%dx%d at %d %s: value %d is %v, the direct form gives %v", tc.w, tc.h, tc.long, color, i, got.Data[i], want[i])
				}
			}
		}
	}
	// Fixed-size input (ResNet-style): stretch to 224×224.
	sp := InputSpec{Layout: "NCHW", Height: 224, Width: 224, Color: "RGB", Scale: 1.0 / 255, Mean: []float32{0.5, 0.5, 0.5}, Std: []float32{0.5, 0.5, 0.5}}
	img := noise(rng, 396, 512)
	got, r, err := Preprocess(sp, img, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float32, len(got.Data))
	resizeNormalizeRef(img, r, sp, want)
	for i := range want {
		if got.Data[i] != want[i] {
			t.Fatalf("224x224: value %d is %v, want %v", i, got.Data[i], want[i])
		}
	}
}

// BenchmarkResize measures the separable resize against the direct form,
// on what the pipeline does per page: a Letter page rendered at long side
// 512 (396×512) going to the detector's canvases at 320 and 512 px.
func BenchmarkResize(b *testing.B) {
	spec := InputSpec{Layout: "NCHW", LongSide: 512, MultipleOf: 32, Color: "BGR", Scale: 1.0 / 255, Mean: imagenetMean, Std: imagenetStd}
	img := noise(rand.New(rand.NewPCG(1, 2)), 396, 512)
	for _, long := range []int{320, 512} {
		t, r, err := Preprocess(spec, img, long)
		if err != nil {
			b.Fatal(err)
		}
		for _, impl := range []struct {
			name string
			fn   func(Image, Region, InputSpec, []float32)
		}{{"separable", resizeNormalize}, {"direct", resizeNormalizeRef}} {
			b.Run(impl.name+"/"+itoa(long), func(b *testing.B) {
				for b.Loop() {
					impl.fn(img, r, spec, t.Data)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
			})
		}
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for ; n > 0; n /= 10 {
		i--
		buf[i] = byte('0' + n%10)
	}
	return string(buf[i:])
}
