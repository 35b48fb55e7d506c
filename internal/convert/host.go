package convert

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"dataplus/internal/onnx"
)

// kind is the element class of a value. Every ONNX floating-point type is
// computed in the program's compute type, every integer type as int64.
type kind uint8

const (
	kindFloat kind = iota
	kindInt
	kindBool
)

func (k kind) String() string {
	switch k {
	case kindFloat:
		return "float"
	case kindInt:
		return "int"
	default:
		return "bool"
	}
}

// kindOf maps an ONNX element type to its kind.
func kindOf(t onnx.DataType) (kind, error) {
	switch t {
	case onnx.Float, onnx.Double, onnx.Float16, onnx.BFloat16:
		return kindFloat, nil
	case onnx.Int8, onnx.Int16, onnx.Int32, onnx.Int64, onnx.Uint8, onnx.Uint16, onnx.Uint32, onnx.Uint64:
		return kindInt, nil
	case onnx.Bool:
		return kindBool, nil
	default:
		return 0, fmt.Errorf("element type %s is not supported", t)
	}
}

// maxHostElements bounds a host tensor, so that a hostile shape cannot
// make constant folding allocate without limit.
const maxHostElements = 1 << 28

// hostTensor is a value known while the graph is built: an initializer, a
// Constant, or the result of folding an op whose inputs are all known. One
// of f, i and b holds the data, by kind, in row-major order.
type hostTensor struct {
	kind kind
	dims []int
	f    []float32
	i    []int64
	b    []bool
}

// numel returns the number of elements of a shape.
func numel(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}

// checkDims checks that dims are not negative and not too large.
func checkDims(dims []int) error {
	n := 1
	for _, d := range dims {
		if d < 0 {
			return fmt.Errorf("negative dimension in %v", dims)
		}
		if d > 0 && n > maxHostElements/d {
			return fmt.Errorf("shape %v is too large", dims)
		}
		n *= d
	}
	return nil
}

// newHost returns a zeroed tensor.
func newHost(k kind, dims []int) *hostTensor {
	t := &hostTensor{kind: k, dims: slices.Clone(dims)}
	n := numel(dims)
	switch k {
	case kindFloat:
		t.f = make([]float32, n)
	case kindInt:
		t.i = make([]int64, n)
	default:
		t.b = make([]bool, n)
	}
	return t
}

// hostInts returns an int tensor; dims nil makes a 1-D tensor.
func hostInts(dims []int, vs ...int64) *hostTensor {
	if dims == nil {
		dims = []int{len(vs)}
	}
	return &hostTensor{kind: kindInt, dims: dims, i: vs}
}

// hostFloats returns a float tensor; dims nil makes a 1-D tensor.
func hostFloats(dims []int, vs ...float32) *hostTensor {
	if dims == nil {
		dims = []int{len(vs)}
	}
	return &hostTensor{kind: kindFloat, dims: dims, f: vs}
}

func (t *hostTensor) size() int { return numel(t.dims) }

func (t *hostTensor) String() string {
	switch t.kind {
	case kindFloat:
		return fmt.Sprintf("float%v%v", t.dims, preview(t.f))
	case kindInt:
		return fmt.Sprintf("int%v%v", t.dims, preview(t.i))
	default:
		return fmt.Sprintf("bool%v%v", t.dims, preview(t.b))
	}
}

func preview[T any](vs []T) []T {
	if len(vs) > 8 {
		return vs[:8]
	}
	return vs
}

// hostFromONNX decodes an initializer or tensor attribute.
func hostFromONNX(tp *onnx.Tensor) (*hostTensor, error) {
	k, err := kindOf(tp.DataType)
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %w", tp.Name, err)
	}
	dims := make([]int, len(tp.Dims))
	for i, d := range tp.Dims {
		dims[i] = int(d)
	}
	if err := checkDims(dims); err != nil {
		return nil, fmt.Errorf("tensor %q: %w", tp.Name, err)
	}
	t := &hostTensor{kind: k, dims: dims}
	switch k {
	case kindFloat:
		t.f, err = tp.Floats()
	case kindInt:
		t.i, err = tp.Int64s()
	default:
		var vs []int64
		vs, err = tp.Int64s()
		t.b = make([]bool, len(vs))
		for i, v := range vs {
			t.b[i] = v != 0
		}
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

// ints returns the data of an int tensor.
func (t *hostTensor) ints() ([]int64, error) {
	if t.kind != kindInt {
		return nil, fmt.Errorf("want an integer tensor, got %s", t.kind)
	}
	return t.i, nil
}

// floats returns the data as float32, converting ints and bools.
func (t *hostTensor) floats() []float32 {
	return t.cast(kindFloat).f
}

// scalarFloat returns the only element as float64.
func (t *hostTensor) scalarFloat() (float64, error) {
	if t.size() != 1 {
		return 0, fmt.Errorf("want one value, got shape %v", t.dims)
	}
	return float64(t.floats()[0]), nil
}

// cast converts to another kind. Floats become ints by truncation toward
// zero, as ONNX Cast does.
func (t *hostTensor) cast(k kind) *hostTensor {
	if t.kind == k {
		return t
	}
	out := newHost(k, t.dims)
	for j := range t.size() {
		switch k {
		case kindFloat:
			switch t.kind {
			case kindInt:
				out.f[j] = float32(t.i[j])
			default:
				out.f[j] = b2f(t.b[j])
			}
		case kindInt:
			switch t.kind {
			case kindFloat:
				out.i[j] = floatToInt(t.f[j])
			default:
				out.i[j] = int64(b2f(t.b[j]))
			}
		default:
			switch t.kind {
			case kindFloat:
				out.b[j] = t.f[j] != 0
			default:
				out.b[j] = t.i[j] != 0
			}
		}
	}
	return out
}

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

// floatToInt truncates toward zero, saturating out-of-range values and
// mapping NaN to the lowest int64 (as x86 conversion does).
func floatToInt(f float32) int64 {
	switch {
	case f != f:
		return math.MinInt64
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	default:
		return int64(f)
	}
}

// reshape returns the same data with other dims.
func (t *hostTensor) reshape(dims []int) *hostTensor {
	return &hostTensor{kind: t.kind, dims: slices.Clone(dims), f: t.f, i: t.i, b: t.b}
}

// set copies element s of t (of the same kind) to element j.
func (out *hostTensor) set(j int, t *hostTensor, s int) {
	switch out.kind {
	case kindFloat:
		out.f[j] = t.f[s]
	case kindInt:
		out.i[j] = t.i[s]
	default:
		out.b[j] = t.b[s]
	}
}

// take returns a tensor of the given dims whose element j is t's element
// src[j].
func (t *hostTensor) take(dims []int, src []int) *hostTensor {
	out := newHost(t.kind, dims)
	for j, s := range src {
		out.set(j, t, s)
	}
	return out
}

// allEqual reports whether every element equals the first.
func (t *hostTensor) allEqual() bool {
	switch t.kind {
	case kindFloat:
		for _, v := range t.f {
			if math.Float32bits(v) != math.Float32bits(t.f[0]) {
				return false
			}
		}
	case kindInt:
		for _, v := range t.i {
			if v != t.i[0] {
				return false
			}
		}
	default:
		for _, v := range t.b {
			if v != t.b[0] {
				return false
			}
		}
	}
	return true
}

// rowMajorStrides returns the element strides of a row-major shape.
func rowMajorStrides(dims []int) []int {
	s := make([]int, len(dims))
	acc := 1
	for i := len(dims) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= dims[i]
	}
	return s
}

// broadcastDims returns the numpy (multidirectional) broadcast of shapes.
func broadcastDims(shapes ...[]int) ([]int, error) {
	rank := 0
	for _, s := range shapes {
		rank = max(rank, len(s))
	}
	out := make([]int, rank)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := rank - len(s)
		for i, d := range s {
			switch {
			case d == out[off+i] || d == 1:
			case out[off+i] == 1:
				out[off+i] = d
			default:
				return nil, fmt.Errorf("shapes %v cannot be broadcast together", shapes)
			}
		}
	}
	return out, nil
}

// broadcastSrc returns, for every element of a tensor of dims out, the
// flat index of the element of a tensor of dims in that numpy
// broadcasting reads.
func broadcastSrc(in, out []int) []int {
	off := len(out) - len(in)
	inStrides := rowMajorStrides(in)
	src := make([]int, numel(out))
	idx := make([]int, len(out))
	for j := range src {
		s := 0
		for a := off; a < len(out); a++ {
			if in[a-off] != 1 {
				s += idx[a] * inStrides[a-off]
			}
		}
		src[j] = s
		incIndex(idx, out)
	}
	return src
}

// incIndex advances a row-major multi-index.
func incIndex(idx, dims []int) {
	for a := len(dims) - 1; a >= 0; a-- {
		idx[a]++
		if idx[a] < dims[a] {
			return
		}
		idx[a] = 0
	}
}

// hostExpand broadcasts t to dims.
func hostExpand(t *hostTensor, dims []int) *hostTensor {
	return t.take(dims, broadcastSrc(t.dims, dims))
}

var errDivZero = errors.New("integer division by zero")

// hostBinary applies a binary op with numpy broadcasting. Arithmetic
// keeps the kind of the inputs (which must agree); comparisons return bool.
func hostBinary(op string, a, b *hostTensor, fmod bool) (*hostTensor, error) {
	if a.kind != b.kind {
		return nil, fmt.Errorf("%s of %s and %s", op, a.kind, b.kind)
	}
	dims, err := broadcastDims(a.dims, b.dims)
	if err != nil {
		return nil, err
	}
	if err := checkDims(dims); err != nil {
		return nil, err
	}
	sa, sb := broadcastSrc(a.dims, dims), broadcastSrc(b.dims, dims)
	outKind := a.kind
	switch op {
	case "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual":
		outKind = kindBool
	}
	out := newHost(outKind, dims)
	for j := range sa {
		switch a.kind {
		case kindFloat:
			x, y := a.f[sa[j]], b.f[sb[j]]
			if outKind == kindBool {
				out.b[j] = compare(op, x, y)
				continue
			}
			v, err := floatBinary(op, x, y, fmod)
			if err != nil {
				return nil, err
			}
			out.f[j] = v
		case kindInt:
			x, y := a.i[sa[j]], b.i[sb[j]]
			if outKind == kindBool {
				out.b[j] = compare(op, x, y)
				continue
			}
			v, err := intBinary(op, x, y, fmod)
			if err != nil {
				return nil, err
			}
			out.i[j] = v
		default:
			x, y := a.b[sa[j]], b.b[sb[j]]
			switch op {
			case "And":
				out.b[j] = x && y
			case "Or":
				out.b[j] = x || y
			case "Xor":
				out.b[j] = x != y
			case "Equal":
				out.b[j] = x == y
			default:
				return nil, fmt.Errorf("%s of bool tensors", op)
			}
		}
	}
	return out, nil
}

// compare applies a comparison op (Equal, Less, Greater, LessOrEqual,
// GreaterOrEqual) to two values.
func compare[T cmp.Ordered](op string, x, y T) bool {
	switch op {
	case "Equal":
		return x == y
	case "Less":
		return x < y
	case "Greater":
		return x > y
	case "LessOrEqual":
		return x <= y
	default:
		return x >= y
	}
}

func floatBinary(op string, x, y float32, fmod bool) (float32, error) {
	switch op {
	case "Add", "Sum":
		return x + y, nil
	case "Sub":
		return x - y, nil
	case "Mul":
		return x * y, nil
	case "Div":
		return x / y, nil
	case "Pow":
		return float32(math.Pow(float64(x), float64(y))), nil
	case "Max":
		if x != x || y != y {
			return float32(math.NaN()), nil
		}
		return max(x, y), nil
	case "Min":
		if x != x || y != y {
			return float32(math.NaN()), nil
		}
		return min(x, y), nil
	case "Mod":
		r := float32(math.Mod(float64(x), float64(y)))
		if !fmod && r != 0 && (r < 0) != (y < 0) {
			r += y
		}
		return r, nil
	default:
		return 0, fmt.Errorf("%s of float tensors", op)
	}
}

func intBinary(op string, x, y int64, fmod bool) (int64, error) {
	switch op {
	case "Add", "Sum":
		return x + y, nil
	case "Sub":
		return x - y, nil
	case "Mul":
		return x * y, nil
	case "Div":
		if y == 0 {
			return 0, errDivZero
		}
		return x / y, nil
	case "Pow":
		return int64(math.Pow(float64(x), float64(y))), nil
	case "Max":
		return max(x, y), nil
	case "Min":
		return min(x, y), nil
	case "Mod":
		if y == 0 {
			return 0, errDivZero
		}
		r := x % y
		if !fmod && r != 0 && (r < 0) != (y < 0) {
			r += y
		}
		return r, nil
	default:
		return 0, fmt.Errorf("%s of int tensors", op)
	}
}

// hostUnary applies an elementwise op; ok is false when the op has no
// host form for the kind (the caller then builds it in the graph).
func hostUnary(op string, t *hostTensor) (*hostTensor, bool) {
	out := newHost(t.kind, t.dims)
	switch t.kind {
	case kindFloat:
		var fn func(float64) float64
		switch op {
		case "Neg":
			fn = func(x float64) float64 { return -x }
		case "Abs":
			fn = math.Abs
		case "Floor":
			fn = math.Floor
		case "Ceil":
			fn = math.Ceil
		case "Round":
			fn = math.RoundToEven
		case "Sqrt":
			fn = math.Sqrt
		case "Reciprocal":
			fn = func(x float64) float64 { return 1 / x }
		case "Relu":
			fn = func(x float64) float64 { return max(x, 0) }
		case "Sign":
			fn = func(x float64) float64 {
				switch {
				case x > 0:
					return 1
				case x < 0:
					return -1
				}
				return x
			}
		default:
			return nil, false
		}
		for j, v := range t.f {
			out.f[j] = float32(fn(float64(v)))
		}
	case kindInt:
		var fn func(int64) int64
		switch op {
		case "Neg":
			fn = func(x int64) int64 { return -x }
		case "Abs":
			fn = func(x int64) int64 { return max(x, -x) }
		case "Relu":
			fn = func(x int64) int64 { return max(x, 0) }
		case "Sign":
			fn = func(x int64) int64 {
				switch {
				case x > 0:
					return 1
				case x < 0:
					return -1
				}
				return 0
			}
		case "Identity", "Floor", "Ceil", "Round":
			fn = func(x int64) int64 { return x }
		default:
			return nil, false
		}
		for j, v := range t.i {
			out.i[j] = fn(v)
		}
	default:
		if op != "Not" {
			return nil, false
		}
		for j, v := range t.b {
			out.b[j] = !v
		}
	}
	return out, true
}

// hostTranspose permutes the axes.
func hostTranspose(t *hostTensor, perm []int) *hostTensor {
	dims := make([]int, len(perm))
	for i, p := range perm {
		dims[i] = t.dims[p]
	}
	inStrides := rowMajorStrides(t.dims)
	src := make([]int, numel(dims))
	idx := make([]int, len(dims))
	for j := range src {
		s := 0
		for a, p := range perm {
			s += idx[a] * inStrides[p]
		}
		src[j] = s
		incIndex(idx, dims)
	}
	return t.take(dims, src)
}

// axisIndexSrc returns the source indices for taking, along axis, the
// elements idx (each in range) from a tensor of dims: the output has dims
// with dims[axis] replaced by idxDims.
func axisIndexSrc(dims []int, axis int, idx []int, idxDims []int) ([]int, []int) {
	outer := numel(dims[:axis])
	inner := numel(dims[axis+1:])
	n := dims[axis]
	out := slices.Concat(dims[:axis], idxDims, dims[axis+1:])
	src := make([]int, 0, outer*len(idx)*inner)
	for o := range outer {
		for _, k := range idx {
			base := (o*n + k) * inner
			for i := range inner {
				src = append(src, base+i)
			}
		}
	}
	return out, src
}

// hostConcat joins tensors of one kind along axis.
func hostConcat(ts []*hostTensor, axis int) (*hostTensor, error) {
	first := ts[0]
	dims := slices.Clone(first.dims)
	dims[axis] = 0
	for _, t := range ts {
		if t.kind != first.kind || len(t.dims) != len(first.dims) {
			return nil, fmt.Errorf("concat of %v and %v", first, t)
		}
		for a := range dims {
			if a != axis && t.dims[a] != first.dims[a] {
				return nil, fmt.Errorf("concat of shapes %v and %v on axis %d", first.dims, t.dims, axis)
			}
		}
		dims[axis] += t.dims[axis]
	}
	out := &hostTensor{kind: first.kind, dims: dims}
	outer := numel(dims[:axis])
	for o := range outer {
		for _, t := range ts {
			block := numel(t.dims[axis:])
			lo, hi := o*block, (o+1)*block
			out.f = append(out.f, sliceOrNil(t.f, lo, hi)...)
			out.i = append(out.i, sliceOrNil(t.i, lo, hi)...)
			out.b = append(out.b, sliceOrNil(t.b, lo, hi)...)
		}
	}
	// Keep the unused fields nil and the used one non-nil, even when empty.
	switch first.kind {
	case kindFloat:
		out.f = append(make([]float32, 0, len(out.f)), out.f...)
	case kindInt:
		out.i = append(make([]int64, 0, len(out.i)), out.i...)
	default:
		out.b = append(make([]bool, 0, len(out.b)), out.b...)
	}
	return out, nil
}

func sliceOrNil[T any](vs []T, lo, hi int) []T {
	if vs == nil {
		return nil
	}
	return vs[lo:hi]
}

// hostReduce reduces over axes (sorted, distinct) with one of Sum, Mean,
// Prod, Max, Min.
func hostReduce(op string, t *hostTensor, axes []int, keep bool) (*hostTensor, error) {
	if t.kind == kindBool {
		return nil, fmt.Errorf("%s of a bool tensor", op)
	}
	reduced := make([]bool, len(t.dims))
	for _, a := range axes {
		reduced[a] = true
	}
	var outDims, keptDims []int
	for a, d := range t.dims {
		if reduced[a] {
			keptDims = append(keptDims, 1)
			continue
		}
		outDims = append(outDims, d)
		keptDims = append(keptDims, d)
	}
	n := numel(keptDims)
	acc := make([]float64, n)
	count := make([]int, n)
	outStrides := rowMajorStrides(keptDims)
	idx := make([]int, len(t.dims))
	vals := t.floats64()
	for _, v := range vals {
		o := 0
		for a := range idx {
			if !reduced[a] {
				o += idx[a] * outStrides[a]
			}
		}
		if count[o] == 0 {
			acc[o] = v
		} else {
			switch op {
			case "Sum", "Mean":
				acc[o] += v
			case "Prod":
				acc[o] *= v
			case "Max":
				acc[o] = max(acc[o], v)
			case "Min":
				acc[o] = min(acc[o], v)
			default:
				return nil, fmt.Errorf("reduce %s on the host", op)
			}
		}
		count[o]++
		incIndex(idx, t.dims)
	}
	if keep {
		outDims = keptDims
	}
	out := newHost(t.kind, outDims)
	for o := range acc {
		v := acc[o]
		switch {
		case count[o] == 0:
			switch op {
			case "Prod":
				v = 1
			case "Max":
				v = math.Inf(-1)
			case "Min":
				v = math.Inf(1)
			case "Mean":
				v = math.NaN()
			}
		case op == "Mean":
			v /= float64(count[o])
		}
		if t.kind == kindFloat {
			out.f[o] = float32(v)
		} else {
			out.i[o] = int64(v)
		}
	}
	return out, nil
}

// floats64 returns a float or int tensor's data as float64 (exact for
// the integers shape arithmetic uses).
func (t *hostTensor) floats64() []float64 {
	out := make([]float64, t.size())
	for j := range out {
		if t.kind == kindFloat {
			out[j] = float64(t.f[j])
		} else {
			out[j] = float64(t.i[j])
		}
	}
	return out
}
