package convert

import (
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/graph"

	"dataplus/internal/onnx"
)

// The Resize attribute values the converter implements.
var (
	resizeModes       = []string{"nearest", "linear"}
	resizeCoordModes  = []string{"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"}
	resizeNearestMode = []string{"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}
)

func checkResize(n *onnx.Node, opset int64) string {
	a := n.Attrs
	mode := a.String("mode", "nearest")
	if !slices.Contains(resizeModes, mode) {
		return fmt.Sprintf("Resize mode %q", mode)
	}
	if opset < 11 {
		return ""
	}
	if ctm := a.String("coordinate_transformation_mode", "half_pixel"); !slices.Contains(resizeCoordModes, ctm) {
		return fmt.Sprintf("Resize coordinate_transformation_mode %q", ctm)
	}
	if nm := a.String("nearest_mode", "round_prefer_floor"); mode == "nearest" && !slices.Contains(resizeNearestMode, nm) {
		return fmt.Sprintf("Resize nearest_mode %q", nm)
	}
	if mode != "nearest" && a.Int("antialias", 0) != 0 {
		return "Resize antialias=1"
	}
	if p := a.String("keep_aspect_ratio_policy", "stretch"); p != "stretch" {
		return fmt.Sprintf("Resize keep_aspect_ratio_policy %q", p)
	}
	return ""
}

func checkUpsample(n *onnx.Node, opset int64) string {
	if opset >= 10 {
		return fmt.Sprintf("Upsample (opset %d; deprecated, use Resize)", opset)
	}
	if mode := n.Attrs.String("mode", "nearest"); !slices.Contains(resizeModes, mode) {
		return fmt.Sprintf("Upsample mode %q", mode)
	}
	return ""
}

// resampling says how Resize maps output coordinates to input ones.
type resampling struct {
	mode    string // nearest or linear
	coord   string // coordinate_transformation_mode
	nearest string // nearest_mode, or "simple" for Upsample
	outDims []int
	scales  []float32 // per axis, output/input
}

func opResize(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x := in[0]
	d := x.dims()
	rank := len(d)
	r := &resampling{
		mode:    n.Attrs.String("mode", "nearest"),
		coord:   n.Attrs.String("coordinate_transformation_mode", "half_pixel"),
		nearest: n.Attrs.String("nearest_mode", "round_prefer_floor"),
		outDims: slices.Clone(d),
		scales:  make([]float32, rank),
	}
	for a := range r.scales {
		r.scales[a] = 1
	}
	axes := span(0, rank)
	if b.opset >= 18 {
		if as := n.Attrs.Ints("axes", nil); as != nil {
			var err error
			if axes, err = normAxesInOrder(as, rank); err != nil {
				return nil, err
			}
		}
	}
	scalesAt := 2
	if b.opset < 11 {
		// Resize-10: (X, scales), as Upsample.
		r.coord, r.nearest, scalesAt = "asymmetric", "simple", 1
	}
	scalesT, err := b.hostInput(n, in, scalesAt)
	if err != nil {
		return nil, err
	}
	var sizes []int64
	if b.opset >= 11 {
		if sizes, err = b.hostInts(n, in, 3); err != nil {
			return nil, err
		}
	}
	switch {
	case len(sizes) > 0:
		if len(sizes) != len(axes) {
			return nil, fmt.Errorf("%d sizes for %d axes", len(sizes), len(axes))
		}
		for i, a := range axes {
			if sizes[i] <= 0 {
				return nil, fmt.Errorf("sizes %v", sizes)
			}
			r.outDims[a] = int(sizes[i])
			r.scales[a] = float32(sizes[i]) / float32(d[a])
		}
	case scalesT != nil && scalesT.size() > 0:
		if scalesT.kind != kindFloat || scalesT.size() != len(axes) {
			return nil, fmt.Errorf("scales %v for %d axes", scalesT, len(axes))
		}
		for i, a := range axes {
			s := scalesT.f[i]
			if !(s > 0) {
				return nil, fmt.Errorf("scales %v", scalesT.f)
			}
			r.scales[a] = s
			r.outDims[a] = int(float32(d[a]) * s)
		}
	default:
		return nil, fmt.Errorf("neither scales nor sizes is given")
	}
	return r.apply(b, x)
}

func opUpsample(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x := in[0]
	d := x.dims()
	var scales []float32
	if b.opset < 9 {
		scales = n.Attrs.Floats("scales", nil)
	} else {
		t, err := b.hostInput(n, in, 1)
		if err != nil {
			return nil, err
		}
		if t == nil || t.kind != kindFloat {
			return nil, fmt.Errorf("scales must be a float tensor")
		}
		scales = t.f
	}
	if len(scales) != len(d) {
		return nil, fmt.Errorf("%d scales for rank %d", len(scales), len(d))
	}
	r := &resampling{
		mode:    n.Attrs.String("mode", "nearest"),
		coord:   "asymmetric",
		nearest: "simple",
		outDims: make([]int, len(d)),
		scales:  scales,
	}
	for a, s := range scales {
		if !(s > 0) {
			return nil, fmt.Errorf("scales %v", scales)
		}
		r.outDims[a] = int(float32(d[a]) * s)
	}
	return r.apply(b, x)
}

// apply resamples each axis whose size or scale changes, one axis at a
// time: ONNX linear resizing is separable (bilinear on H and W).
func (r *resampling) apply(b *builder, x *value) ([]*value, error) {
	if err := checkDims(r.outDims); err != nil {
		return nil, err
	}
	d := x.dims()
	xn := b.node(x)
	for a := range d {
		if r.outDims[a] == d[a] && r.scales[a] == 1 {
			continue
		}
		if r.outDims[a] == 0 || d[a] == 0 {
			return nil, fmt.Errorf("resize of axis %d from %d to %d", a, d[a], r.outDims[a])
		}
		if r.mode == "nearest" {
			idx := make([]int, r.outDims[a])
			for o := range idx {
				src := r.original(o, a, d[a])
				idx[o] = min(max(r.nearestIndex(src, r.scales[a] < 1), 0), d[a]-1)
			}
			xn = b.takeConst(xn, a, idx)
			continue
		}
		if xn.DType() != b.dtype {
			return nil, fmt.Errorf("linear resize of a %s tensor", xn.DType())
		}
		out := r.outDims[a]
		i1, i2 := make([]int, out), make([]int, out)
		w1, w2 := make([]float32, out), make([]float32, out)
		last := float32(d[a] - 1)
		for o := range out {
			src := min(max(r.original(o, a, d[a]), 0), last)
			x1 := min(int(src), d[a]-1)
			x2 := min(x1+1, d[a]-1)
			dx1 := float32(math.Abs(float64(src - float32(x1))))
			dx2 := float32(math.Abs(float64(src - float32(x2))))
			if x1 == x2 {
				dx1, dx2 = 0.5, 0.5
			}
			i1[o], i2[o] = x1, x2
			w1[o], w2[o] = dx2, dx1 // the weight of x1 is the distance to x2
		}
		wdims := make([]int, len(d))
		for i := range wdims {
			wdims[i] = 1
		}
		wdims[a] = out
		lo := graph.Mul(b.takeConst(xn, a, i1), b.constNode(hostFloats(wdims, w1...)))
		hi := graph.Mul(b.takeConst(xn, a, i2), b.constNode(hostFloats(wdims, w2...)))
		xn = graph.Add(lo, hi)
	}
	return one(nodeValue(xn))
}

// original maps output coordinate o of axis a (input size in) to an input
// coordinate, in float32 as ONNX Runtime computes it.
func (r *resampling) original(o, a, in int) float32 {
	xr := float32(o)
	s := r.scales[a]
	lr, lo := float32(r.outDims[a]), float32(in)
	switch r.coord {
	case "asymmetric":
		return xr / s
	case "pytorch_half_pixel":
		if lr > 1 {
			return (xr+0.5)/s - 0.5
		}
		return 0
	case "tf_half_pixel_for_nn":
		return (xr + 0.5) / s
	case "align_corners":
		if lr == 1 {
			return 0
		}
		return xr * (lo - 1) / (lr - 1)
	case "half_pixel_symmetric":
		adj := lr / (s * lo)
		center := lo / 2
		offset := center * (1 - adj)
		// ONNX Runtime adds the offset in double precision.
		return float32(float64(offset) + (float64(xr)+0.5)/float64(s) - 0.5)
	default: // half_pixel
		return (xr+0.5)/s - 0.5
	}
}

// nearestIndex rounds an input coordinate by the nearest mode.
func (r *resampling) nearestIndex(x float32, downsample bool) int {
	switch r.nearest {
	case "round_prefer_ceil":
		return int(math.Round(float64(x)))
	case "floor":
		return int(math.Floor(float64(x)))
	case "ceil":
		return int(math.Ceil(float64(x)))
	case "simple":
		if downsample {
			return int(math.Ceil(float64(x)))
		}
		return int(x)
	default: // round_prefer_floor
		if x == float32(int(x))+0.5 {
			return int(x)
		}
		return int(math.Round(float64(x)))
	}
}
