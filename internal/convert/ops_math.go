package convert

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/x448/float16"

	"dataplus/internal/onnx"
)

// unaryOp builds an elementwise op of one input, folded on the host when
// the input is known there and the op has a host form.
func unaryOp(op string) buildFunc {
	return func(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
		x := in[0]
		if op == "Identity" {
			return one(x)
		}
		if x.isHost() {
			if h, ok := hostUnary(op, x.host); ok {
				return one(hostValue(h))
			}
		}
		xn := b.node(x)
		if x.kind() == kindInt {
			switch op {
			case "Floor", "Ceil", "Round":
				return one(nodeValue(xn))
			}
		}
		var y *graph.Node
		switch op {
		case "Abs":
			y = graph.Abs(xn)
		case "Ceil":
			y = graph.Ceil(xn)
		case "Cos":
			y = graph.Cos(xn)
		case "Erf":
			y = graph.Erf(xn)
		case "Exp":
			y = graph.Exp(xn)
		case "Floor":
			y = graph.Floor(xn)
		case "Log":
			y = graph.Log(xn)
		case "Neg":
			y = graph.Neg(xn)
		case "Not":
			y = graph.LogicalNot(xn)
		case "Reciprocal":
			y = graph.Div(scalar(xn, 1), xn)
		case "Relu":
			y = graph.Max(xn, scalar(xn, 0))
		case "Round":
			y = roundHalfEven(xn)
		case "Sigmoid":
			y = graph.Logistic(xn)
		case "Sign":
			y = graph.Sign(xn)
		case "Sin":
			y = graph.Sin(xn)
		case "Softplus":
			// log(1+e^x), written so that neither exp overflows.
			y = graph.Add(graph.Max(xn, scalar(xn, 0)), graph.Log1p(graph.Exp(graph.Neg(graph.Abs(xn)))))
		case "Softsign":
			y = graph.Div(xn, graph.Add(scalar(xn, 1), graph.Abs(xn)))
		case "Sqrt":
			y = graph.Sqrt(xn)
		case "Tanh":
			y = graph.Tanh(xn)
		default:
			return nil, fmt.Errorf("unary op %s", op)
		}
		return one(nodeValue(y))
	}
}

// binaryOp builds an elementwise op of two inputs.
func binaryOp(op string) buildFunc {
	return func(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
		if len(in) != 2 || in[0] == nil || in[1] == nil {
			return nil, fmt.Errorf("%s takes two inputs", op)
		}
		v, err := b.binary(op, in[0], in[1], false)
		if err != nil {
			return nil, err
		}
		return one(v)
	}
}

func opMod(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	v, err := b.binary("Mod", in[0], in[1], n.Attrs.Int("fmod", 0) != 0)
	if err != nil {
		return nil, err
	}
	return one(v)
}

// binary applies op with numpy broadcasting, on the host when both inputs
// are known there.
func (b *builder) binary(op string, x, y *value, fmod bool) (*value, error) {
	if op == "Pow" && y.kind() != x.kind() {
		// The exponent may have another type; the result has the base's.
		if y.isHost() {
			y = hostValue(y.host.cast(x.kind()))
		} else {
			y = nodeValue(b.toKind(y.node, x.kind()))
		}
	}
	if x.kind() != y.kind() {
		return nil, fmt.Errorf("%s of %s and %s values", op, x.kind(), y.kind())
	}
	if x.isHost() && y.isHost() {
		h, err := hostBinary(op, x.host, y.host, fmod)
		if err != nil {
			return nil, err
		}
		return hostValue(h), nil
	}
	if _, err := broadcastDims(x.dims(), y.dims()); err != nil {
		return nil, err
	}
	if op == "Pow" && y.isHost() && y.host.size() == 1 && x.kind() == kindFloat {
		// As ONNX Runtime does: exact products for small integer powers.
		switch y.host.f[0] {
		case 1:
			return x, nil
		case 2:
			xn := b.node(x)
			return nodeValue(graph.Mul(xn, xn)), nil
		case 3:
			xn := b.node(x)
			return nodeValue(graph.Mul(graph.Mul(xn, xn), xn)), nil
		}
	}
	ns := sameRank(b.node(x), b.node(y))
	l, r := ns[0], ns[1]
	var out *graph.Node
	switch op {
	case "Add", "Sum":
		out = graph.Add(l, r)
	case "Sub":
		out = graph.Sub(l, r)
	case "Mul":
		out = graph.Mul(l, r)
	case "Div":
		out = graph.Div(l, r)
	case "Pow":
		out = graph.Pow(l, r)
	case "Max":
		out = graph.Max(l, r)
	case "Min":
		out = graph.Min(l, r)
	case "Mod":
		out = graph.Rem(l, r) // C fmod: the sign of the dividend
		if !fmod {
			// Python's %: the sign of the divisor.
			zero := scalar(out, 0)
			fix := graph.LogicalAnd(graph.NotEqual(out, zero),
				graph.LogicalXor(graph.LessThan(out, zero), graph.LessThan(r, zero)))
			out = graph.Where(fix, graph.Add(out, r), out)
		}
	case "Equal":
		if l.DType() == dtypes.Bool {
			out = graph.LogicalNot(graph.LogicalXor(l, r))
		} else {
			out = graph.Equal(l, r)
		}
	case "Less":
		out = graph.LessThan(l, r)
	case "Greater":
		out = graph.GreaterThan(l, r)
	case "LessOrEqual":
		out = graph.LessOrEqual(l, r)
	case "GreaterOrEqual":
		out = graph.GreaterOrEqual(l, r)
	case "And":
		out = graph.LogicalAnd(l, r)
	case "Or":
		out = graph.LogicalOr(l, r)
	case "Xor":
		out = graph.LogicalXor(l, r)
	default:
		return nil, fmt.Errorf("binary op %s", op)
	}
	return nodeValue(out), nil
}

// variadicOp builds Sum, Mean, Min and Max of one or more inputs.
func variadicOp(op string) buildFunc {
	return func(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
		if len(in) == 0 || in[0] == nil {
			return nil, fmt.Errorf("%s needs an input", op)
		}
		pair := op
		if op == "Mean" {
			pair = "Sum"
		}
		acc := in[0]
		for _, v := range in[1:] {
			if v == nil {
				continue
			}
			var err error
			if acc, err = b.binary(pair, acc, v, false); err != nil {
				return nil, err
			}
		}
		if op == "Mean" && len(in) > 1 {
			count := hostValue(hostFloats([]int{}, float32(len(in))).cast(acc.kind()))
			var err error
			if acc, err = b.binary("Div", acc, count, false); err != nil {
				return nil, err
			}
		}
		return one(acc)
	}
}

func opWhere(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	c, x, y := in[0], in[1], in[2]
	if c.kind() != kindBool || x.kind() != y.kind() {
		return nil, fmt.Errorf("Where of %s, %s and %s values", c.kind(), x.kind(), y.kind())
	}
	dims, err := broadcastDims(c.dims(), x.dims(), y.dims())
	if err != nil {
		return nil, err
	}
	if allHost(c, x, y) {
		if err := checkDims(dims); err != nil {
			return nil, err
		}
		cs, xs, ys := broadcastSrc(c.dims(), dims), broadcastSrc(x.dims(), dims), broadcastSrc(y.dims(), dims)
		out := newHost(x.kind(), dims)
		for j := range cs {
			if c.host.b[cs[j]] {
				out.set(j, x.host, xs[j])
			} else {
				out.set(j, y.host, ys[j])
			}
		}
		return one(hostValue(out))
	}
	cn := broadcastTo(b.node(c), dims)
	xn := broadcastTo(b.node(x), dims)
	yn := broadcastTo(b.node(y), dims)
	return one(nodeValue(graph.Where(cn, xn, yn)))
}

func opClip(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x := in[0]
	var lo, hi *value
	if b.opset < 11 {
		if n.Attrs.Has("min") {
			lo = hostValue(hostFloats([]int{}, n.Attrs.Float("min", 0)))
		}
		if n.Attrs.Has("max") {
			hi = hostValue(hostFloats([]int{}, n.Attrs.Float("max", 0)))
		}
	} else {
		lo, hi = input(in, 1), input(in, 2)
	}
	var err error
	if lo != nil {
		if x, err = b.binary("Max", x, lo, false); err != nil {
			return nil, err
		}
	}
	if hi != nil {
		if x, err = b.binary("Min", x, hi, false); err != nil {
			return nil, err
		}
	}
	return one(x)
}

func opCast(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	to := onnx.DataType(n.Attrs.Int("to", 0))
	k, err := kindOf(to)
	if err != nil {
		return nil, err
	}
	x := in[0]
	if x.isHost() {
		h := x.host.cast(k)
		if to == onnx.Float16 {
			h = h.cast(kindFloat)
			for i, v := range h.f {
				h.f[i] = float16.Fromfloat32(v).Float32()
			}
		}
		return one(hostValue(h))
	}
	y := b.toKind(x.node, k)
	// Floats are computed in one type; a cast to a narrower one keeps
	// its rounding by going there and back.
	switch to {
	case onnx.Float16:
		y = roundToFloat16(y)
	case onnx.BFloat16:
		if y.DType() != dtypes.BFloat16 {
			y = graph.ConvertDType(graph.ConvertDType(y, dtypes.BFloat16), y.DType())
		}
	}
	return one(nodeValue(y))
}

// roundToFloat16 rounds each value to the nearest float16 (ties to even;
// beyond 65520 to infinity), in float32 arithmetic: the pure-Go backend
// cannot convert to float16.
func roundToFloat16(x *graph.Node) *graph.Node {
	ax := graph.Abs(x)
	two := scalar(x, 2)
	e := graph.Floor(graph.Div(graph.Log(ax), scalar(x, math.Ln2)))
	// Log's rounding can put e one off near powers of two: correct it.
	e = graph.Where(graph.LessThan(ax, graph.Pow(two, e)), graph.Sub(e, scalar(x, 1)), e)
	e = graph.Where(graph.GreaterOrEqual(ax, graph.Pow(two, graph.Add(e, scalar(x, 1)))), graph.Add(e, scalar(x, 1)), e)
	e = graph.Max(e, scalar(x, -14)) // subnormals: one quantum, 2^-24
	q := graph.Pow(two, graph.Sub(e, scalar(x, 10)))
	y := graph.Mul(roundHalfEven(graph.Div(x, q)), q)
	inf := graph.Mul(graph.Sign(x), scalar(x, math.Inf(1)))
	y = graph.Where(graph.GreaterOrEqual(ax, scalar(x, 65520)), inf, y)
	return graph.Where(graph.Equal(ax, scalar(x, 0)), x, y) // keeps zeros (and their sign)
}

// roundHalfEven rounds to the nearest integer, halves to even (ONNX
// Round). GoMLX's Round means the same, but its pure-Go backend rounds
// halves away from zero, so it is spelled out with Floor.
func roundHalfEven(x *graph.Node) *graph.Node {
	f := graph.Floor(x)
	d := graph.Sub(x, f)
	half := scalar(x, 0.5)
	odd := graph.Sub(f, graph.MulScalar(graph.Floor(graph.MulScalar(f, 0.5)), 2)) // 1 when f is odd
	return graph.Where(graph.GreaterThan(d, half), graph.Add(f, scalar(x, 1)),
		graph.Where(graph.LessThan(d, half), f, graph.Add(f, odd)))
}

func opDropout(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x := in[0]
	if mode := input(in, 2); mode != nil {
		t, err := b.hostInput(n, in, 2)
		if err != nil {
			return nil, err
		}
		if t.size() != 1 || t.cast(kindBool).b[0] {
			return nil, fmt.Errorf("training_mode %v is not supported (inference only)", t)
		}
	}
	outs := []*value{x}
	if len(n.Outputs) > 1 && n.Outputs[1] != "" {
		mask := graph.BroadcastToDims(graph.Const(b.g, true), x.dims()...)
		outs = append(outs, nodeValue(mask))
	}
	return outs, nil
}

// floatNode returns a float input as a node, checking its kind.
func (b *builder) floatNode(v *value) (*graph.Node, error) {
	if v.kind() != kindFloat {
		return nil, fmt.Errorf("want a float input, got %s", v.kind())
	}
	return b.node(v), nil
}

func opLeakyRelu(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x, err := b.floatNode(in[0])
	if err != nil {
		return nil, err
	}
	alpha := float64(n.Attrs.Float("alpha", 0.01))
	y := graph.Where(graph.GreaterOrEqual(x, scalar(x, 0)), x, graph.Mul(x, scalar(x, alpha)))
	return one(nodeValue(y))
}

func opPRelu(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x, err := b.floatNode(in[0])
	if err != nil {
		return nil, err
	}
	slope := b.node(in[1])
	dims, err := broadcastDims(x.Shape().Dimensions, slope.Shape().Dimensions)
	if err != nil {
		return nil, err
	}
	x = broadcastTo(x, dims)
	slope = broadcastTo(slope, dims)
	y := graph.Where(graph.LessThan(x, scalar(x, 0)), graph.Mul(x, slope), x)
	return one(nodeValue(y))
}

func opElu(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x, err := b.floatNode(in[0])
	if err != nil {
		return nil, err
	}
	alpha := float64(n.Attrs.Float("alpha", 1))
	y := graph.Where(graph.GreaterOrEqual(x, scalar(x, 0)), x, graph.Mul(graph.Expm1(x), scalar(x, alpha)))
	return one(nodeValue(y))
}

func opSelu(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x, err := b.floatNode(in[0])
	if err != nil {
		return nil, err
	}
	alpha := float64(n.Attrs.Float("alpha", 1.67326319217681884765625))
	gamma := float64(n.Attrs.Float("gamma", 1.05070102214813232421875))
	neg := graph.Mul(graph.Sub(graph.Exp(x), scalar(x, 1)), scalar(x, alpha))
	y := graph.Mul(graph.Where(graph.GreaterThan(x, scalar(x, 0)), x, neg), scalar(x, gamma))
	return one(nodeValue(y))
}

func opHardSigmoid(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x, err := b.floatNode(in[0])
	if err != nil {
		return nil, err
	}
	alpha := float64(n.Attrs.Float("alpha", 0.2))
	beta := float64(n.Attrs.Float("beta", 0.5))
	return one(nodeValue(hardSigmoid(x, alpha, beta)))
}

// hardSigmoid is max(0, min(1, alpha*x + beta)).
func hardSigmoid(x *graph.Node, alpha, beta float64) *graph.Node {
	y := graph.Add(graph.Mul(x, scalar(x, alpha)), scalar(x, beta))
	return graph.Min(graph.Max(y, scalar(x, 0)), scalar(x, 1))
}

func opHardSwish(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x, err := b.floatNode(in[0])
	if err != nil {
		return nil, err
	}
	return one(nodeValue(graph.Mul(x, hardSigmoid(x, float64(float32(1.0/6)), 0.5))))
}

func opGelu(b *builder, n *onnx.Node, in []*value) ([]*value, error) {
	x, err := b.floatNode(in[0])
	if err != nil {
		return nil, err
	}
	var y *graph.Node
	if n.Attrs.String("approximate", "none") == "tanh" {
		// 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3)))
		inner := graph.Add(x, graph.Mul(graph.Mul(graph.Mul(x, x), x), scalar(x, 0.044715)))
		t := graph.Tanh(graph.Mul(inner, scalar(x, math.Sqrt(2/math.Pi))))
		y = graph.Mul(graph.Mul(x, scalar(x, 0.5)), graph.Add(t, scalar(x, 1)))
	} else {
		// 0.5x(1 + erf(x/sqrt 2))
		e := graph.Erf(graph.Mul(x, scalar(x, 1/math.Sqrt2)))
		y = graph.Mul(graph.Mul(x, scalar(x, 0.5)), graph.Add(e, scalar(x, 1)))
	}
	return one(nodeValue(y))
}
