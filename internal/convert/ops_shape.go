package convert

import (
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"

	"dataplus/internal/onnx"
)

// hostFoldMax: ops that can make a large tensor from small inputs
// (ConstantOfShape, Expand, Tile) fold on the host only up to this many
// elements, and otherwise build a broadcast in the graph.
const hostFoldMax = 1 << 16

func opConstant(b *builder, n *onnx.Node, _ []*value) ([]*value, error) {
	a := n.Attrs
	var h *hostTensor
	var err error
	switch {
	case a.Tensor("value") != nil:
		h, err = hostFromONNX(a.Tensor("value"))
	case a.Has("value_float"):
		h = hostFloats([]int{}, a.Float("value_float", 0))
	case a.Has("value_floats"):
		h = hostFloats(nil, a.Floats("value_floats", nil)...)
	case a.Has("value_int"):
		h = hostInts([]int{}, a.Int("value_int", 0))
	case a.Has("value_ints"):
		h = hostInts(nil, a.Ints("value_ints", nil)...)
	default:
		err = fmt.Errorf("no supported value attribute")
	}
	if err != nil {
		return nil, err
	}
	return one(hostValue(h))
}

func opConstantOfShape(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	shape, err := b.hostInts(n, in, 0)
	if err != nil {
		return nil, err
	}
	dims := make([]int, len(shape))
	for i, d := range shape {
		dims[i] = int(d)
	}
	if err := checkDims(dims); err != nil {
		return nil, err
	}
	fill := hostFloats([]int{}, 0)
	if t := n.Attrs.Tensor("value"); t != nil {
		if fill, err = hostFromONNX(t); err != nil {
			return nil, err
		}
		if fill.size() != 1 {
			return nil, fmt.Errorf("value has %d elements, want 1", fill.size())
		}
		fill = fill.reshape([]int{})
	}
	if numel(dims) > hostFoldMax {
		return one(nodeValue(graph.BroadcastToDims(b.constNode(fill), dims...)))
	}
	return one(hostValue(hostExpand(fill, dims)))
}

func opShape(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	dims := in[0].dims()
	rank := int64(len(dims))
	start, end := int64(0), rank
	if b.opset >= 15 {
		start = n.Attrs.Int("start", 0)
		end = n.Attrs.Int("end", rank)
	}
	clampAxis := func(a int64) int64 {
		if a < 0 {
			a += rank
		}
		return min(max(a, 0), rank)
	}
	start, end = clampAxis(start), clampAxis(end)
	var out []int64
	for i := start; i < end; i++ {
		out = append(out, int64(dims[i]))
	}
	if out == nil {
		out = []int64{}
	}
	return one(hostValue(hostInts(nil, out...)))
}

func opSize(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	return one(hostValue(hostInts([]int{}, int64(numel(in[0].dims())))))
}

func opRange(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	var ts [3]*hostTensor
	for i := range ts {
		t, err := b.hostInput(n, in, i)
		if err != nil {
			return nil, err
		}
		if t == nil || t.size() != 1 {
			return nil, fmt.Errorf("input %d must be a scalar", i)
		}
		ts[i] = t
	}
	start, limit, delta := ts[0], ts[1], ts[2]
	if start.kind != limit.kind || start.kind != delta.kind {
		return nil, fmt.Errorf("inputs of kinds %s, %s, %s", start.kind, limit.kind, delta.kind)
	}
	switch start.kind {
	case kindInt:
		s, l, d := start.i[0], limit.i[0], delta.i[0]
		if d == 0 {
			return nil, fmt.Errorf("delta is 0")
		}
		count := int(max(math.Ceil(float64(l-s)/float64(d)), 0))
		if err := checkDims([]int{count}); err != nil {
			return nil, err
		}
		out := make([]int64, count)
		for i := range out {
			out[i] = s + int64(i)*d
		}
		return one(hostValue(hostInts(nil, out...)))
	case kindFloat:
		s, l, d := start.f[0], limit.f[0], delta.f[0]
		if d == 0 {
			return nil, fmt.Errorf("delta is 0")
		}
		count := int(max(math.Ceil(float64(l-s)/float64(d)), 0))
		if err := checkDims([]int{count}); err != nil {
			return nil, err
		}
		out := make([]float32, count)
		v := s
		for i := range out {
			out[i] = v
			v += d // as ONNX Runtime: accumulated, not multiplied
		}
		return one(hostValue(hostFloats(nil, out...)))
	default:
		return nil, fmt.Errorf("range of bool")
	}
}

// reshapeTo applies a shape to a value, on the host or in the graph.
func (b *builder) reshapeTo(v *value, dims []int) *value {
	if slices.Equal(v.dims(), dims) {
		return v
	}
	if v.isHost() {
		return hostValue(v.host.reshape(dims))
	}
	return nodeValue(graph.Reshape(v.node, dims...))
}

func opReshape(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x := in[0]
	var shape []int64
	var err error
	if b.opset < 5 {
		shape = n.Attrs.Ints("shape", nil)
	} else if shape, err = b.hostInts(n, in, 1); err != nil {
		return nil, err
	}
	allowZero := n.Attrs.Int("allowzero", 0) != 0
	xd := x.dims()
	dims := make([]int, len(shape))
	infer := -1
	known := 1
	for i, s := range shape {
		switch {
		case s == 0 && !allowZero:
			if i >= len(xd) {
				return nil, fmt.Errorf("shape %v copies dim %d of a rank-%d input", shape, i, len(xd))
			}
			dims[i] = xd[i]
		case s == -1:
			if infer >= 0 {
				return nil, fmt.Errorf("shape %v has two -1", shape)
			}
			infer = i
			continue
		case s < 0:
			return nil, fmt.Errorf("shape %v has a negative dim", shape)
		default:
			dims[i] = int(s)
		}
		known *= dims[i]
	}
	total := numel(xd)
	if infer >= 0 {
		if known == 0 || total%known != 0 {
			return nil, fmt.Errorf("cannot reshape %v to %v", xd, shape)
		}
		dims[infer] = total / known
	} else if known != total {
		return nil, fmt.Errorf("cannot reshape %v to %v", xd, shape)
	}
	return one(b.reshapeTo(x, dims))
}

func opFlatten(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x := in[0]
	d := x.dims()
	axis := int(n.Attrs.Int("axis", 1))
	if axis < 0 {
		axis += len(d)
	}
	if axis < 0 || axis > len(d) {
		return nil, fmt.Errorf("axis %d for rank %d", n.Attrs.Int("axis", 1), len(d))
	}
	return one(b.reshapeTo(x, []int{numel(d[:axis]), numel(d[axis:])}))
}

func opTranspose(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x := in[0]
	rank := x.rank()
	perm := make([]int, rank)
	if p := n.Attrs.Ints("perm", nil); p != nil {
		if len(p) != rank {
			return nil, fmt.Errorf("perm %v for rank %d", p, rank)
		}
		seen := make([]bool, rank)
		for i, a := range p {
			if a < 0 || int(a) >= rank || seen[a] {
				return nil, fmt.Errorf("perm %v is not a permutation", p)
			}
			seen[a] = true
			perm[i] = int(a)
		}
	} else {
		for i := range perm {
			perm[i] = rank - 1 - i
		}
	}
	if x.isHost() {
		return one(hostValue(hostTranspose(x.host, perm)))
	}
	return one(nodeValue(graph.TransposeAllAxes(x.node, perm...)))
}

// axesArg returns the axes of Squeeze, Unsqueeze and the reductions: an
// attribute before opset from, input 1 since.
func (b *builder) axesArg(n *onnx.Node, in []*value, from int64) ([]int64, error) {
	if b.opset < from {
		return n.Attrs.Ints("axes", nil), nil
	}
	return b.hostInts(n, in, 1)
}

func opSqueeze(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x := in[0]
	d := x.dims()
	axes, err := b.axesArg(n, in, 13)
	if err != nil {
		return nil, err
	}
	drop := make([]bool, len(d))
	if len(axes) == 0 {
		for a, v := range d {
			drop[a] = v == 1
		}
	} else {
		as, err := normAxes(axes, len(d))
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			if d[a] != 1 {
				return nil, fmt.Errorf("cannot squeeze axis %d of shape %v", a, d)
			}
			drop[a] = true
		}
	}
	dims := []int{}
	for a, v := range d {
		if !drop[a] {
			dims = append(dims, v)
		}
	}
	return one(b.reshapeTo(x, dims))
}

func opUnsqueeze(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x := in[0]
	d := x.dims()
	axes, err := b.axesArg(n, in, 13)
	if err != nil {
		return nil, err
	}
	as, err := normAxes(axes, len(d)+len(axes))
	if err != nil {
		return nil, err
	}
	dims := make([]int, 0, len(d)+len(as))
	k := 0
	for a := range len(d) + len(as) {
		if slices.Contains(as, a) {
			dims = append(dims, 1)
			continue
		}
		dims = append(dims, d[k])
		k++
	}
	return one(b.reshapeTo(x, dims))
}

func opConcat(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	var vs []*value
	for _, v := range in {
		if v != nil {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("no inputs")
	}
	axis, err := normAxis(n.Attrs.Int("axis", 0), vs[0].rank())
	if err != nil {
		return nil, err
	}
	for _, v := range vs[1:] {
		if v.kind() != vs[0].kind() {
			return nil, fmt.Errorf("concat of %s and %s values", vs[0].kind(), v.kind())
		}
	}
	if allHost(vs...) {
		hs := make([]*hostTensor, len(vs))
		for i, v := range vs {
			hs[i] = v.host
		}
		h, err := hostConcat(hs, axis)
		if err != nil {
			return nil, err
		}
		return one(hostValue(h))
	}
	var nodes []*graph.Node
	for _, v := range vs {
		if v.dims()[axis] > 0 {
			nodes = append(nodes, b.node(v))
		}
	}
	if len(nodes) == 1 {
		return one(nodeValue(nodes[0]))
	}
	return one(nodeValue(graph.Concatenate(nodes, axis)))
}

// hostSelect takes, on each axis, the indices in sel (nil: all).
func hostSelect(t *hostTensor, sel [][]int) *hostTensor {
	dims := make([]int, len(t.dims))
	for a := range dims {
		if sel[a] == nil {
			dims[a] = t.dims[a]
		} else {
			dims[a] = len(sel[a])
		}
	}
	strides := rowMajorStrides(t.dims)
	src := make([]int, numel(dims))
	idx := make([]int, len(dims))
	for j := range src {
		s := 0
		for a := range dims {
			k := idx[a]
			if sel[a] != nil {
				k = sel[a][k]
			}
			s += k * strides[a]
		}
		src[j] = s
		incIndex(idx, dims)
	}
	return t.take(dims, src)
}

// selectAxes takes, on each axis, the indices in sel (nil: all), on the
// host or in the graph.
func (b *builder) selectAxes(v *value, sel [][]int) *value {
	if v.isHost() {
		return hostValue(hostSelect(v.host, sel))
	}
	x := v.node
	for a, idx := range sel {
		if idx != nil {
			x = b.takeConst(x, a, idx)
		}
	}
	return nodeValue(x)
}

// span returns the indices [start, end).
func span(start, end int) []int {
	out := make([]int, 0, max(end-start, 0))
	for i := start; i < end; i++ {
		out = append(out, i)
	}
	return out
}

func opSplit(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x := in[0]
	d := x.dims()
	axis, err := normAxis(n.Attrs.Int("axis", 0), len(d))
	if err != nil {
		return nil, err
	}
	dim := d[axis]
	var sizes []int64
	if b.opset < 13 {
		sizes = n.Attrs.Ints("split", nil)
	} else if sizes, err = b.hostInts(n, in, 1); err != nil {
		return nil, err
	}
	nOut := len(n.Outputs)
	if len(sizes) == 0 {
		if b.opset >= 18 && n.Attrs.Has("num_outputs") {
			k := int(n.Attrs.Int("num_outputs", 0))
			if k <= 0 {
				return nil, fmt.Errorf("num_outputs %d", k)
			}
			chunk := (dim + k - 1) / k
			for i := range k {
				sizes = append(sizes, int64(max(min(chunk, dim-i*chunk), 0)))
			}
		} else {
			if nOut == 0 || dim%nOut != 0 {
				return nil, fmt.Errorf("cannot split dim %d into %d equal parts", dim, nOut)
			}
			for range nOut {
				sizes = append(sizes, int64(dim/nOut))
			}
		}
	}
	if len(sizes) != nOut {
		return nil, fmt.Errorf("%d split sizes for %d outputs", len(sizes), nOut)
	}
	var outs []*value
	off := 0
	for _, s := range sizes {
		if s < 0 {
			return nil, fmt.Errorf("negative split size in %v", sizes)
		}
		sel := make([][]int, len(d))
		sel[axis] = span(off, off+int(s))
		off += int(s)
		if off > dim {
			break
		}
		outs = append(outs, b.selectAxes(x, sel))
	}
	if off != dim {
		return nil, fmt.Errorf("split sizes %v do not add up to dim %d", sizes, dim)
	}
	return outs, nil
}

func opSlice(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x := in[0]
	d := x.dims()
	var starts, ends, axes, steps []int64
	if b.opset < 10 {
		starts = n.Attrs.Ints("starts", nil)
		ends = n.Attrs.Ints("ends", nil)
		axes = n.Attrs.Ints("axes", nil)
	} else {
		var err error
		for i, dst := range []*[]int64{&starts, &ends, &axes, &steps} {
			if *dst, err = b.hostInts(n, in, i+1); err != nil {
				return nil, err
			}
		}
	}
	if len(starts) != len(ends) {
		return nil, fmt.Errorf("%d starts and %d ends", len(starts), len(ends))
	}
	if axes == nil {
		for i := range starts {
			axes = append(axes, int64(i))
		}
	}
	if steps == nil {
		for range starts {
			steps = append(steps, 1)
		}
	}
	if len(axes) != len(starts) || len(steps) != len(starts) {
		return nil, fmt.Errorf("%d starts, %d axes and %d steps", len(starts), len(axes), len(steps))
	}
	sel := make([][]int, len(d))
	for i := range starts {
		a, err := normAxis(axes[i], len(d))
		if err != nil {
			return nil, err
		}
		if sel[a] != nil {
			return nil, fmt.Errorf("axis %d sliced twice", a)
		}
		idx, err := sliceIndices(starts[i], ends[i], steps[i], d[a])
		if err != nil {
			return nil, err
		}
		sel[a] = idx
	}
	return one(b.selectAxes(x, sel))
}

// sliceIndices returns the indices that an ONNX Slice of [start, end)
// with step takes from an axis of size dim: negative values count from
// the end, and out-of-range ones are clamped as the spec says.
func sliceIndices(start, end, step int64, dim int) ([]int, error) {
	n := int64(dim)
	if step == 0 {
		return nil, fmt.Errorf("slice step 0")
	}
	// A step longer than the axis takes one element, whatever its size.
	step = min(max(step, -(n+1)), n+1)
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	var count int64
	if step > 0 {
		start, end = min(max(start, 0), n), min(max(end, 0), n)
		if end > start {
			count = (end - start + step - 1) / step
		}
	} else {
		start, end = min(max(start, 0), n-1), min(max(end, -1), n-1)
		if start > end {
			count = (start - end - step - 1) / -step
		}
	}
	idx := make([]int, count)
	for k := range idx {
		idx[k] = int(start + int64(k)*step)
	}
	return idx, nil
}

func opGather(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x, iv := in[0], in[1]
	d := x.dims()
	axis, err := normAxis(n.Attrs.Int("axis", 0), len(d))
	if err != nil {
		return nil, err
	}
	dim := d[axis]
	if iv.kind() != kindInt {
		return nil, fmt.Errorf("indices are %s", iv.kind())
	}
	if !iv.isHost() {
		idx := iv.node
		idx = graph.Where(graph.LessThan(idx, scalar(idx, 0)), graph.Add(idx, scalar(idx, float64(dim))), idx)
		return one(nodeValue(takeAlongAxis(b.node(x), axis, idx)))
	}
	ids := make([]int, iv.host.size())
	for j, v := range iv.host.i {
		if v < 0 {
			v += int64(dim)
		}
		if v < 0 || v >= int64(dim) {
			return nil, fmt.Errorf("index %d out of range for axis %d of size %d", iv.host.i[j], axis, dim)
		}
		ids[j] = int(v)
	}
	idxDims := iv.dims()
	if x.isHost() {
		outDims, src := axisIndexSrc(d, axis, ids, idxDims)
		return one(hostValue(x.host.take(outDims, src)))
	}
	outDims := slices.Concat(d[:axis], idxDims, d[axis+1:])
	y := b.takeConst(x.node, axis, ids)
	return one(nodeValue(graph.Reshape(y, outDims...)))
}

func opExpand(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x := in[0]
	shape, err := b.hostInts(n, in, 1)
	if err != nil {
		return nil, err
	}
	target := make([]int, len(shape))
	for i, s := range shape {
		target[i] = int(s)
	}
	dims, err := broadcastDims(x.dims(), target)
	if err != nil {
		return nil, err
	}
	if err := checkDims(dims); err != nil {
		return nil, err
	}
	if x.isHost() && numel(dims) <= hostFoldMax {
		return one(hostValue(hostExpand(x.host, dims)))
	}
	return one(nodeValue(broadcastTo(b.node(x), dims)))
}

func opTile(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x := in[0]
	d := x.dims()
	reps, err := b.hostInts(n, in, 1)
	if err != nil {
		return nil, err
	}
	if len(reps) != len(d) {
		return nil, fmt.Errorf("%d repeats for rank %d", len(reps), len(d))
	}
	out := make([]int, len(d))
	for a := range d {
		if reps[a] < 0 {
			return nil, fmt.Errorf("negative repeat in %v", reps)
		}
		out[a] = d[a] * int(reps[a])
	}
	if err := checkDims(out); err != nil {
		return nil, err
	}
	if x.isHost() && numel(out) <= hostFoldMax {
		sel := make([][]int, len(d))
		for a := range d {
			sel[a] = make([]int, out[a])
			for i := range sel[a] {
				sel[a][i] = i % d[a]
			}
		}
		return one(hostValue(hostSelect(x.host, sel)))
	}
	// [d0, d1] -> [1, d0, 1, d1] -> [r0, d0, r1, d1] -> [r0*d0, r1*d1]
	var split, bcast []int
	for a := range d {
		split = append(split, 1, d[a])
		bcast = append(bcast, int(reps[a]), d[a])
	}
	y := graph.BroadcastToDims(graph.Reshape(b.node(x), split...), bcast...)
	return one(nodeValue(graph.Reshape(y, out...)))
}

func opPad(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x := in[0]
	rank := x.rank()
	mode := n.Attrs.String("mode", "constant")
	var pads []int64
	var fill *graph.Node
	var axes []int
	xn := b.node(x)
	if b.opset < 11 {
		pads = n.Attrs.Ints("pads", nil)
		fill = b.constNode(hostFloats([]int{}, n.Attrs.Float("value", 0)).cast(x.kind()))
	} else {
		var err error
		if pads, err = b.hostInts(n, in, 1); err != nil {
			return nil, err
		}
		if cv := input(in, 2); cv != nil {
			if cv.kind() != x.kind() {
				return nil, fmt.Errorf("constant_value is %s, data %s", cv.kind(), x.kind())
			}
			fill = graph.Reshape(b.node(cv))
		}
		axs, err := b.hostInts(n, in, 3)
		if err != nil {
			return nil, err
		}
		if axs != nil {
			if axes, err = normAxesInOrder(axs, rank); err != nil {
				return nil, err
			}
		}
	}
	if fill == nil {
		fill = graph.Scalar(b.g, xn.DType(), 0)
	}
	if axes == nil {
		axes = span(0, rank)
	}
	if len(pads) != 2*len(axes) {
		return nil, fmt.Errorf("%d pads for %d axes", len(pads), len(axes))
	}
	for i, a := range axes {
		pb, pe := int(pads[i]), int(pads[i+len(axes)])
		dim := xn.Shape().Dimensions[a]
		if pb < 0 || pe < 0 {
			start, end := max(-pb, 0), dim-max(-pe, 0)
			if start > end {
				return nil, fmt.Errorf("pads %v crop more than axis %d holds", pads, a)
			}
			xn = sliceAxis(xn, a, start, end, 1)
			pb, pe, dim = max(pb, 0), max(pe, 0), end-start
		}
		if pb == 0 && pe == 0 {
			continue
		}
		if mode == "constant" || dim == 0 {
			parts := []*graph.Node{}
			for _, p := range []int{pb, -1, pe} {
				if p == -1 {
					parts = append(parts, xn)
					continue
				}
				if p > 0 {
					fd := slices.Clone(xn.Shape().Dimensions)
					fd[a] = p
					parts = append(parts, graph.BroadcastToDims(fill, fd...))
				}
			}
			xn = graph.Concatenate(parts, a)
			continue
		}
		idx := make([]int, pb+dim+pe)
		for k := range idx {
			idx[k] = padIndex(mode, k-pb, dim)
		}
		xn = b.takeConst(xn, a, idx)
	}
	return one(nodeValue(xn))
}

// padIndex maps a position j (possibly outside [0, n)) of a padded axis
// to the element of the axis that mode copies there.
func padIndex(mode string, j, n int) int {
	switch mode {
	case "edge":
		return min(max(j, 0), n-1)
	case "wrap":
		return ((j % n) + n) % n
	default: // reflect
		if n == 1 {
			return 0
		}
		period := 2 * (n - 1)
		j = ((j % period) + period) % period
		if j >= n {
			j = period - j
		}
		return j
	}
}

// upcast converts a bfloat16 node to float32, so that sums and
// normalisations accumulate in float32.
func upcast(x *graph.Node) *graph.Node {
	if x.DType() == dtypes.BFloat16 {
		return graph.ConvertDType(x, dtypes.Float32)
	}
	return x
}

// downcast converts a float result back to the compute type.
func (b *builder) downcast(x *graph.Node) *graph.Node {
	if x.DType().IsFloat() && x.DType() != b.dtype {
		return graph.ConvertDType(x, b.dtype)
	}
	return x
}

// reduceOp builds the Reduce* ops.
func reduceOp(op string) buildFunc {
	return func(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
		x := in[0]
		d := x.dims()
		from := int64(18)
		if op == "Sum" {
			from = 13
		}
		axes, err := b.axesArg(n, in, from)
		if err != nil {
			return nil, err
		}
		keep := n.Attrs.Int("keepdims", 1) != 0
		if len(axes) == 0 {
			if b.opset >= from && n.Attrs.Int("noop_with_empty_axes", 0) != 0 {
				return one(x)
			}
			for a := range d {
				axes = append(axes, int64(a))
			}
		}
		as, err := normAxes(axes, len(d))
		if err != nil {
			return nil, err
		}
		if x.kind() == kindBool {
			return nil, fmt.Errorf("reduction of a bool tensor")
		}
		if x.isHost() {
			switch op {
			case "Sum", "Mean", "Prod", "Max", "Min":
				h, err := hostReduce(op, x.host, as, keep)
				if err != nil {
					return nil, err
				}
				return one(hostValue(h))
			}
		}
		kept := slices.Clone(d)
		count := 1
		for _, a := range as {
			count *= d[a]
			kept[a] = 1
		}
		xn := b.node(x)
		var y *graph.Node
		switch op {
		case "Max":
			y = graph.ReduceMax(xn, as...)
		case "Min":
			y = graph.ReduceMin(xn, as...)
		case "Prod":
			y = graph.ReduceMultiply(xn, as...)
		default:
			xf := upcast(xn)
			switch op {
			case "Sum":
				y = graph.ReduceSum(xf, as...)
			case "Mean":
				y = graph.Div(graph.ReduceSum(xf, as...), scalar(xf, float64(count)))
			case "L1":
				y = graph.ReduceSum(graph.Abs(xf), as...)
			case "L2":
				y = graph.Sqrt(graph.ReduceSum(graph.Mul(xf, xf), as...))
			case "SumSquare":
				y = graph.ReduceSum(graph.Mul(xf, xf), as...)
			case "LogSumExp":
				m := graph.ReduceMax(xf, as...)
				s := graph.ReduceSum(graph.Exp(graph.Sub(xf, graph.Reshape(m, kept...))), as...)
				y = graph.Add(graph.Log(s), m)
			default:
				return nil, fmt.Errorf("reduce %s", op)
			}
			y = b.downcast(y)
		}
		if keep {
			y = graph.Reshape(y, kept...)
		}
		return one(nodeValue(y))
	}
}

// argOp builds ArgMax and ArgMin.
func argOp(isMin bool) buildFunc {
	return func(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
		x := in[0]
		d := x.dims()
		axis, err := normAxis(n.Attrs.Int("axis", 0), len(d))
		if err != nil {
			return nil, err
		}
		var y *graph.Node
		if isMin {
			y = graph.ArgMin(b.node(x), axis, dtypes.Int64)
		} else {
			y = graph.ArgMax(b.node(x), axis, dtypes.Int64)
		}
		if n.Attrs.Int("keepdims", 1) != 0 {
			kept := slices.Clone(d)
			kept[axis] = 1
			y = graph.Reshape(y, kept...)
		}
		return one(nodeValue(y))
	}
}
