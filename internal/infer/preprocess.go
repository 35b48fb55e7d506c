package infer

import (
	"fmt"
	"math"
)

// Image is a packed 8-bit RGB image: 3 bytes per pixel, rows top to
// bottom, no row padding.
type Image struct {
	Width, Height int
	Pix           []byte
}

// Check reports whether the pixel buffer matches the size.
func (im Image) Check() error {
	if im.Width <= 0 || im.Height <= 0 {
		return fmt.Errorf("image %dx%d: empty", im.Width, im.Height)
	}
	if len(im.Pix) != 3*im.Width*im.Height {
		return fmt.Errorf("image %dx%d: %d bytes, want %d", im.Width, im.Height, len(im.Pix), 3*im.Width*im.Height)
	}
	return nil
}

// Region says where the image lies in a preprocessed input: the valid
// part is the top-left Width×Height of an InputWidth×InputHeight input,
// the rest is padding.
type Region struct {
	Width, Height           int
	InputWidth, InputHeight int
	// ScaleX and ScaleY are input pixels per source pixel.
	ScaleX, ScaleY float64
}

// Crop cuts the padding off a [N, C, h, w] map computed from the input
// (a probability map at input resolution, a feature map at a stride).
// The data is copied.
func (r Region) Crop(t Tensor) (Tensor, error) {
	if len(t.Shape) != 4 {
		return Tensor{}, fmt.Errorf("crop: shape %v, want [N C H W]", t.Shape)
	}
	if err := t.Check(); err != nil {
		return Tensor{}, fmt.Errorf("crop: %w", err)
	}
	n, c, h, w := int(t.Shape[0]), int(t.Shape[1]), int(t.Shape[2]), int(t.Shape[3])
	rows := min(h, ceilDiv(r.Height*h, r.InputHeight))
	cols := min(w, ceilDiv(r.Width*w, r.InputWidth))
	out := NewTensor(int64(n), int64(c), int64(rows), int64(cols))
	for p := range n * c {
		plane := t.Data[p*h*w : (p+1)*h*w]
		for y := range rows {
			copy(out.Data[(p*rows+y)*cols:(p*rows+y+1)*cols], plane[y*w:y*w+cols])
		}
	}
	return out, nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// Preprocess turns an image into a [1, 3, H, W] input for the model:
//
//   - fixed-size models: a bilinear resize to Height×Width (aspect ratio
//     not kept, as torchvision's Resize((h, w)));
//   - dynamic models (the detector): a bilinear resize keeping the aspect
//     ratio into one of three canvases for the long side L (longSide, or
//     the spec's LongSide when 0, rounded up to a multiple of MultipleOf):
//     portrait L×¾L, landscape ¾L×L, or square L×L for pages whose short
//     side is more than 0.85 of the long one. The image fills the canvas
//     along one side and is padded right or below with white, the page
//     background, which reads as "no text". Three shapes per long side
//     instead of one per page size let pages of different sizes share a
//     batch, and keep ONNX Runtime's per-shape memory bounded.
//
// Pixel values are scaled and normalised per channel in the model's
// colour order. The Region reports the valid part of the input.
func Preprocess(spec InputSpec, img Image, longSide int) (Tensor, Region, error) {
	if err := img.Check(); err != nil {
		return Tensor{}, Region{}, fmt.Errorf("preprocess: %w", err)
	}
	if err := spec.validate(); err != nil {
		return Tensor{}, Region{}, fmt.Errorf("preprocess: %w", err)
	}
	var r Region
	if spec.Dynamic() {
		if longSide <= 0 {
			longSide = spec.LongSide
		}
		if longSide <= 0 {
			return Tensor{}, Region{}, fmt.Errorf("preprocess: dynamic input needs a long side")
		}
		r.InputWidth, r.InputHeight = canvas(img.Width, img.Height, longSide, max(1, spec.MultipleOf))
		s := min(float64(r.InputWidth)/float64(img.Width), float64(r.InputHeight)/float64(img.Height))
		r.Width = min(r.InputWidth, max(1, int(math.Round(float64(img.Width)*s))))
		r.Height = min(r.InputHeight, max(1, int(math.Round(float64(img.Height)*s))))
	} else {
		r.Width, r.Height = spec.Width, spec.Height
		r.InputWidth, r.InputHeight = spec.Width, spec.Height
	}
	r.ScaleX = float64(r.Width) / float64(img.Width)
	r.ScaleY = float64(r.Height) / float64(img.Height)

	t := NewTensor(1, 3, int64(r.InputHeight), int64(r.InputWidth))
	resizeNormalize(img, r, spec, t.Data)
	return t, r, nil
}

// Canvases lists the input sizes (width, height) Preprocess can give a
// dynamic model at one long side: landscape, portrait and square. A
// fixed-size model has one.
func Canvases(spec InputSpec, longSide int) [][2]int {
	if !spec.Dynamic() {
		return [][2]int{{spec.Width, spec.Height}}
	}
	if longSide <= 0 {
		longSide = spec.LongSide
	}
	m := max(1, spec.MultipleOf)
	var out [][2]int
	for _, wh := range [][2]int{{4, 3}, {3, 4}, {1, 1}} {
		w, h := canvas(wh[0]*100, wh[1]*100, longSide, m)
		out = append(out, [2]int{w, h})
	}
	return out
}

// squareAspect is the short-to-long side ratio from which a page goes on
// a square canvas instead of a ¾ one.
const squareAspect = 0.85

// canvas returns the input size for a w×h image at long side L: L
// rounded up to a multiple of m, the short side ¾ of it (also a multiple
// of m) unless the image is nearly square.
func canvas(w, h, longSide, m int) (cw, ch int) {
	l := ceilDiv(longSide, m) * m
	short := max(m, ceilDiv(3*l/4, m)*m)
	if float64(min(w, h)) > squareAspect*float64(max(w, h)) {
		short = l
	}
	if w >= h {
		return l, short
	}
	return short, l
}

// resizeNormalize writes the bilinear resize of img to r.Width×r.Height
// into the three planes of dst (InputWidth×InputHeight each), normalised,
// and fills the padding with normalised white. Interpolation uses pixel
// centres (as OpenCV's INTER_LINEAR and PIL); the normalisation is affine,
// so interpolating raw values first gives the same result.
//
// It is separable: each source row is interpolated across once, into one
// float row per channel, and kept while the next output row needs it; the
// output rows then blend two of those. The arithmetic is the same per
// value as interpolating every output pixel from its four neighbours.
func resizeNormalize(img Image, r Region, spec InputSpec, dst []float32) {
	src, mul, add := spec.channels()
	xs := axisWeights(img.Width, r.Width)
	ys := axisWeights(img.Height, r.Height)
	plane := r.InputWidth * r.InputHeight
	stride := 3 * img.Width
	var rows [2]hrow
	for k := range rows {
		rows[k].src = -1
		for c := range 3 {
			rows[k].ch[c] = make([]float32, r.Width)
		}
	}
	// row returns source row i interpolated across, computing it into the
	// slot that does not hold source row keep.
	row := func(i, keep int) *[3][]float32 {
		for k := range rows {
			if rows[k].src == i {
				return &rows[k].ch
			}
		}
		k := 0
		if rows[0].src == keep {
			k = 1
		}
		rows[k].src = i
		across(img.Pix[i*stride:(i+1)*stride], xs, src, &rows[k].ch)
		return &rows[k].ch
	}
	for y, wy := range ys {
		h0 := row(wy.i0, -1)
		h1 := row(wy.i1, wy.i0)
		fy := wy.f
		out := y * r.InputWidth
		for c := range 3 {
			m, a := mul[c], add[c]
			top, bot := h0[c][:r.Width], h1[c][:r.Width]
			d := dst[c*plane+out : c*plane+out+r.Width]
			for x := range d {
				t := top[x]
				d[x] = (t+fy*(bot[x]-t))*m + a
			}
		}
	}
	if r.Width == r.InputWidth && r.Height == r.InputHeight {
		return
	}
	for c := range 3 {
		p := dst[c*plane : (c+1)*plane]
		white := 255*mul[c] + add[c]
		for y := range r.InputHeight {
			from := r.Width
			if y >= r.Height {
				from = 0
			}
			row := p[y*r.InputWidth : (y+1)*r.InputWidth]
			for x := from; x < len(row); x++ {
				row[x] = white
			}
		}
	}
}

// channels says how model channel c is made from a pixel: from byte src[c]
// of it, as value*mul[c] + add[c].
func (spec InputSpec) channels() (src [3]int, mul, add [3]float32) {
	src = [3]int{0, 1, 2}
	if spec.Color == "BGR" {
		src = [3]int{2, 1, 0}
	}
	for c := range 3 {
		mul[c] = spec.Scale / spec.Std[c]
		add[c] = -spec.Mean[c] / spec.Std[c]
	}
	return src, mul, add
}

// hrow is one source row interpolated across, a float row per model
// channel; src is the source row's index (-1: empty).
type hrow struct {
	src int
	ch  [3][]float32
}

// across interpolates one row of RGB bytes at the positions xs into out,
// channel c reading byte src[c] of each pixel.
func across(pix []byte, xs []weight, src [3]int, out *[3][]float32) {
	s0, s1, s2 := src[0], src[1], src[2]
	o0, o1, o2 := out[0][:len(xs)], out[1][:len(xs)], out[2][:len(xs)]
	for x, w := range xs {
		pa := pix[3*w.i0 : 3*w.i0+3 : 3*w.i0+3]
		pb := pix[3*w.i1 : 3*w.i1+3 : 3*w.i1+3]
		f := w.f
		a, b := float32(pa[s0]), float32(pb[s0])
		o0[x] = a + f*(b-a)
		a, b = float32(pa[s1]), float32(pb[s1])
		o1[x] = a + f*(b-a)
		a, b = float32(pa[s2]), float32(pb[s2])
		o2[x] = a + f*(b-a)
	}
}

// weight is one output coordinate's two source neighbours and the
// fraction of the second.
type weight struct {
	i0, i1 int
	f      float32
}

// axisWeights maps n output positions onto m source positions, pixel
// centre to pixel centre, clamped at the edges.
func axisWeights(m, n int) []weight {
	ws := make([]weight, n)
	scale := float64(m) / float64(n)
	for i := range ws {
		s := (float64(i)+0.5)*scale - 0.5
		if s < 0 {
			s = 0
		}
		i0 := int(s)
		if i0 > m-1 {
			i0 = m - 1
		}
		i1 := min(i0+1, m-1)
		ws[i] = weight{i0: i0, i1: i1, f: float32(s - float64(i0))}
	}
	return ws
}
