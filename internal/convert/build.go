package convert

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/dtypes/bfloat16"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"dataplus/internal/onnx"
)

// value is an ONNX value while a graph is built: known on the host
// (host set), or a graph node (node set). A host value that a graph op
// needs gets a constant node, kept in node for reuse.
type value struct {
	host *hostTensor
	node *graph.Node
}

func hostValue(t *hostTensor) *value { return &value{host: t} }
func nodeValue(n *graph.Node) *value { return &value{node: n} }

// isHost reports whether v is known on the host.
func (v *value) isHost() bool { return v.host != nil }

// dims returns the shape.
func (v *value) dims() []int {
	if v.host != nil {
		return v.host.dims
	}
	return v.node.Shape().Dimensions
}

func (v *value) rank() int { return len(v.dims()) }

// kind returns the element class.
func (v *value) kind() kind {
	if v.host != nil {
		return v.host.kind
	}
	return kindOfDType(v.node.DType())
}

func kindOfDType(dt dtypes.DType) kind {
	switch {
	case dt == dtypes.Bool:
		return kindBool
	case dt.IsFloat():
		return kindFloat
	default:
		return kindInt
	}
}

// builder turns the nodes of a plan into a GoMLX graph.
type builder struct {
	m     *Model
	g     *graph.Graph
	dtype dtypes.DType // compute type of float values
	opset int64
	vals  map[string]*value
}

// dtypeOf returns the graph dtype of a kind.
func (b *builder) dtypeOf(k kind) dtypes.DType {
	switch k {
	case kindFloat:
		return b.dtype
	case kindInt:
		return dtypes.Int64
	default:
		return dtypes.Bool
	}
}

// value returns the value called name.
func (b *builder) value(name string) (*value, error) {
	if v, ok := b.vals[name]; ok {
		return v, nil
	}
	if t, ok := b.m.consts[name]; ok && !b.m.weights[name] {
		h, err := hostFromONNX(t)
		if err != nil {
			return nil, err
		}
		v := hostValue(h)
		b.vals[name] = v
		return v, nil
	}
	return nil, fmt.Errorf("value %q is not computed", name)
}

// buildNode adds one ONNX node to the graph. GoMLX reports errors by
// panicking: they are recovered here and returned with the node's name.
func (b *builder) buildNode(n *onnx.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = fmt.Errorf("node %q (%s): %w", n.Name, n.OpType, e)
			} else {
				err = fmt.Errorf("node %q (%s): %v", n.Name, n.OpType, r)
			}
		}
	}()
	def, ok := opDefs[n.OpType]
	if !ok {
		return fmt.Errorf("node %q (%s): unsupported op", n.Name, n.OpType)
	}
	in := make([]*value, len(n.Inputs))
	for i, name := range n.Inputs {
		if name == "" {
			continue
		}
		if in[i], err = b.value(name); err != nil {
			return fmt.Errorf("node %q (%s): %w", n.Name, n.OpType, err)
		}
	}
	outs, err := def.build(b, n, in)
	if err != nil {
		return fmt.Errorf("node %q (%s): %w", n.Name, n.OpType, err)
	}
	for i, name := range n.Outputs {
		if name == "" {
			continue
		}
		if i >= len(outs) || outs[i] == nil {
			return fmt.Errorf("node %q (%s): output %d (%q) is not supported", n.Name, n.OpType, i, name)
		}
		b.vals[name] = outs[i]
	}
	return nil
}

// input returns input i, or nil when it is omitted.
func input(vs []*value, i int) *value {
	if i < len(vs) {
		return vs[i]
	}
	return nil
}

// errNotConst is returned when an op needs a value on the host that is
// computed by the graph.
var errNotConst = errors.New("must be a constant (known when the graph is built), but it is computed from the inputs")

// hostInput returns input i as a host tensor, or nil when it is omitted.
// A weight is decoded from the model.
func (b *builder) hostInput(n *onnx.Node, vs []*value, i int) (*hostTensor, error) {
	v := input(vs, i)
	if v == nil {
		return nil, nil
	}
	if v.host != nil {
		return v.host, nil
	}
	if t, ok := b.m.consts[n.Inputs[i]]; ok {
		return hostFromONNX(t)
	}
	return nil, fmt.Errorf("input %d (%q) %w", i, n.Inputs[i], errNotConst)
}

// hostInts returns input i as int64s, or nil when it is omitted.
func (b *builder) hostInts(n *onnx.Node, vs []*value, i int) ([]int64, error) {
	t, err := b.hostInput(n, vs, i)
	if err != nil || t == nil {
		return nil, err
	}
	vals, err := t.ints()
	if err != nil {
		return nil, fmt.Errorf("input %d (%q): %w", i, n.Inputs[i], err)
	}
	return vals, nil
}

// allHost reports whether every given (non-omitted) value is on the host.
func allHost(vs ...*value) bool {
	for _, v := range vs {
		if v != nil && v.host == nil {
			return false
		}
	}
	return true
}

// node returns v as a graph node, making a constant of a host value.
func (b *builder) node(v *value) *graph.Node {
	if v.node == nil {
		v.node = b.constNode(v.host)
	}
	return v.node
}

// uniformConstMin: a host tensor this large whose elements are all equal
// becomes a broadcast scalar instead of a full constant.
const uniformConstMin = 16

// constNode embeds a host tensor in the graph, in the graph dtype of its
// kind.
func (b *builder) constNode(t *hostTensor) *graph.Node {
	if t.size() >= uniformConstMin && t.allEqual() {
		one := t.take(nil, []int{0})
		return graph.BroadcastToDims(b.constNode(one), t.dims...)
	}
	var tt *tensors.Tensor
	switch t.kind {
	case kindFloat:
		if b.dtype == dtypes.BFloat16 {
			tt = tensors.FromFlatDataAndDimensions(toBF16s(t.f), t.dims...)
		} else {
			tt = tensors.FromFlatDataAndDimensions(t.f, t.dims...)
		}
	case kindInt:
		tt = tensors.FromFlatDataAndDimensions(t.i, t.dims...)
	default:
		tt = tensors.FromFlatDataAndDimensions(t.b, t.dims...)
	}
	return graph.ConstTensor(b.g, tt)
}

// toBF16s converts float32s to bfloat16, rounding to nearest even.
func toBF16s(fs []float32) []bfloat16.BFloat16 {
	out := make([]bfloat16.BFloat16, len(fs))
	for i, f := range fs {
		out[i] = toBF16(f)
	}
	return out
}

func toBF16(f float32) bfloat16.BFloat16 {
	bits := math.Float32bits(f)
	if f != f {
		return bfloat16.BFloat16(bits>>16 | 0x40) // a quiet NaN
	}
	bits += 0x7fff + (bits>>16)&1
	return bfloat16.BFloat16(bits >> 16)
}

// scalar returns a constant scalar of x's dtype.
func scalar(x *graph.Node, v float64) *graph.Node {
	return graph.Scalar(x.Graph(), x.DType(), v)
}

// toKind converts a node to the graph dtype of kind k.
func (b *builder) toKind(x *graph.Node, k kind) *graph.Node {
	dt := b.dtypeOf(k)
	if x.DType() == dt {
		return x
	}
	switch {
	case dt == dtypes.Bool:
		return graph.NotEqual(x, scalar(x, 0))
	case x.DType() == dtypes.Bool:
		return graph.Where(x, graph.Scalar(x.Graph(), dt, 1), graph.Scalar(x.Graph(), dt, 0))
	default:
		return graph.ConvertDType(x, dt)
	}
}

// sameRank prepends axes of size 1 so all nodes have the same rank; the
// backends broadcast axes of size 1 in elementwise ops.
func sameRank(xs ...*graph.Node) []*graph.Node {
	r := 0
	for _, x := range xs {
		r = max(r, x.Rank())
	}
	out := make([]*graph.Node, len(xs))
	for i, x := range xs {
		out[i] = graph.ExpandLeftToRank(x, r)
	}
	return out
}

// broadcastTo broadcasts x (numpy rules) to dims.
func broadcastTo(x *graph.Node, dims []int) *graph.Node {
	x = graph.ExpandLeftToRank(x, len(dims))
	if slices.Equal(x.Shape().Dimensions, dims) {
		return x
	}
	return graph.BroadcastToDims(x, dims...)
}

// normAxis maps a possibly negative axis into [0, rank).
func normAxis(axis int64, rank int) (int, error) {
	a := int(axis)
	if a < 0 {
		a += rank
	}
	if a < 0 || a >= rank {
		return 0, fmt.Errorf("axis %d is out of range for rank %d", axis, rank)
	}
	return a, nil
}

// normAxes maps axes into [0, rank), sorted, and checks they are
// distinct.
func normAxes(axes []int64, rank int) ([]int, error) {
	out, err := normAxesInOrder(axes, rank)
	if err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}

// normAxesInOrder maps axes into [0, rank), keeping their order (Pad's
// pads and Resize's scales follow it), and checks they are distinct.
func normAxesInOrder(axes []int64, rank int) ([]int, error) {
	out := make([]int, len(axes))
	for i, ax := range axes {
		a, err := normAxis(ax, rank)
		if err != nil {
			return nil, err
		}
		if slices.Contains(out[:i], a) {
			return nil, fmt.Errorf("axis %d repeated in %v", a, axes)
		}
		out[i] = a
	}
	return out, nil
}

// takeAlongAxis gathers, along axis, the elements at idx (an int node of
// any shape, values in range): the result has x's dims with dims[axis]
// replaced by idx's dims, as ONNX Gather.
func takeAlongAxis(x *graph.Node, axis int, idx *graph.Node) *graph.Node {
	rank := x.Rank()
	idxRank := idx.Rank()
	start := graph.Reshape(idx, append(slices.Clone(idx.Shape().Dimensions), 1)...)
	sliceSizes := slices.Clone(x.Shape().Dimensions)
	sliceSizes[axis] = 1
	var offsetAxes []int
	for a := range rank {
		switch {
		case a < axis:
			offsetAxes = append(offsetAxes, a)
		case a > axis:
			offsetAxes = append(offsetAxes, a-1+idxRank)
		}
	}
	return graph.BackendGather(x, start, idxRank, offsetAxes, []int{axis}, []int{axis}, sliceSizes, false)
}

// takeConst gathers, along axis, the elements at the host indices idx
// (in range). A contiguous or strided run becomes a slice; an index that
// repeats each element r times in order becomes a broadcast.
func (b *builder) takeConst(x *graph.Node, axis int, idx []int) *graph.Node {
	n := x.Shape().Dimensions[axis]
	if len(idx) == 0 {
		dims := slices.Clone(x.Shape().Dimensions)
		dims[axis] = 0
		return graph.Zeros(x.Graph(), shapes.Make(x.DType(), dims...))
	}
	if step, ok := arithmetic(idx); ok && step > 0 {
		if step == 1 && idx[0] == 0 && len(idx) == n {
			return x
		}
		return sliceAxis(x, axis, idx[0], idx[len(idx)-1]+1, step)
	}
	if r := len(idx) / max(n, 1); n > 0 && r > 1 && len(idx) == r*n && repeats(idx, r) {
		dims := x.Shape().Dimensions
		expanded := slices.Concat(dims[:axis+1], []int{1}, dims[axis+1:])
		bcast := slices.Concat(dims[:axis+1], []int{r}, dims[axis+1:])
		y := graph.BroadcastToDims(graph.Reshape(x, expanded...), bcast...)
		out := slices.Clone(dims)
		out[axis] *= r
		return graph.Reshape(y, out...)
	}
	ids := make([]int64, len(idx))
	for i, v := range idx {
		ids[i] = int64(v)
	}
	return takeAlongAxis(x, axis, b.constNode(hostInts(nil, ids...)))
}

// arithmetic reports whether idx is an arithmetic progression, and its
// step.
func arithmetic(idx []int) (int, bool) {
	if len(idx) == 1 {
		return 1, true
	}
	step := idx[1] - idx[0]
	for i := 2; i < len(idx); i++ {
		if idx[i]-idx[i-1] != step {
			return 0, false
		}
	}
	return step, true
}

// repeats reports whether idx is 0,0,..,1,1,..: each index r times.
func repeats(idx []int, r int) bool {
	for i, v := range idx {
		if v != i/r {
			return false
		}
	}
	return true
}

// sliceAxis takes [start, end) with a positive step along axis.
func sliceAxis(x *graph.Node, axis, start, end, step int) *graph.Node {
	specs := make([]graph.SliceAxisSpec, x.Rank())
	for a := range specs {
		specs[a] = graph.AxisRange()
	}
	specs[axis] = graph.AxisRange(start, end).Stride(step)
	return graph.Slice(x, specs...)
}
