package conformance

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"dataplus/internal/onnx"
)

// Catalog returns every op case the suite knows, for every operator,
// whether or not a given converter claims it. Names are unique; a case's
// model bytes are the same on every call (weights come from a generator
// seeded by the case name), only the inputs are drawn afresh per run.
func Catalog() []Case {
	var cs []Case
	cs = append(cs, unaryCases()...)
	cs = append(cs, activationCases()...)
	cs = append(cs, binaryCases()...)
	cs = append(cs, logicCases()...)
	cs = append(cs, matmulCases()...)
	cs = append(cs, convCases()...)
	cs = append(cs, poolCases()...)
	cs = append(cs, normCases()...)
	cs = append(cs, reduceCases()...)
	cs = append(cs, softmaxCases()...)
	cs = append(cs, shapeCases()...)
	cs = append(cs, sliceCases()...)
	cs = append(cs, gatherCases()...)
	cs = append(cs, padCases()...)
	cs = append(cs, resizeCases()...)
	cs = append(cs, generatorCases()...)
	cs = append(cs, miscCases()...)
	cs = append(cs, chainCases()...)
	cs = append(cs, edgeCases()...)
	return append(cs, dynamicCases(cs)...)
}

// dynamicVariants name the cases that are repeated with every input
// dimension declared symbolic, as exporters write batch and image sizes:
// a converter must then take shapes from the inputs, not the graph.
var dynamicVariants = []string{
	"Shape/chain_flatten",
	"Shape/chain_slice_cast",
	"Reshape/copy_and_infer",
	"Expand/chain_shape",
	"Range/chain_shape",
	"ConstantOfShape/chain_shape",
	"Conv/same_upper_s2",
	"MaxPool/ceil_mode",
	"Resize/nearest_asymmetric_floor_x2",
	"Resize/linear_half_pixel_sizes",
	"Slice/opset13_reverse",
	"Softmax/opset11_default",
	"MatMul/chain_attention",
	"GlobalAveragePool/chain_se",
}

// dynamicCases returns the dynamicVariants of cases, named with a
// "/dynamic" suffix.
func dynamicCases(cases []Case) []Case {
	var out []Case
	for _, name := range dynamicVariants {
		i := slices.IndexFunc(cases, func(c Case) bool { return c.Name == name })
		if i < 0 {
			panic("conformance: no case " + name + " for a dynamic variant")
		}
		c := cases[i]
		m, err := onnx.Decode(c.Model)
		if err != nil {
			panic(fmt.Sprintf("conformance: decode case %s: %v", name, err))
		}
		for j := range m.Graph.Inputs {
			in := &m.Graph.Inputs[j]
			for k := range in.Shape {
				in.Shape[k] = onnx.Dim{Param: fmt.Sprintf("%s_d%d", in.Name, k)}
			}
		}
		c.Name += "/dynamic"
		if c.Model, err = onnx.Encode(m); err != nil {
			panic(fmt.Sprintf("conformance: encode case %s: %v", c.Name, err))
		}
		out = append(out, c)
	}
	return out
}

// CatalogOps returns the operators that have at least one case as the op
// under test, sorted.
func CatalogOps() []string { return CaseOps(Catalog()) }

// CaseOps returns the distinct Op of the cases, sorted.
func CaseOps(cases []Case) []string {
	var ops []string
	for _, c := range cases {
		if !slices.Contains(ops, c.Op) {
			ops = append(ops, c.Op)
		}
	}
	sort.Strings(ops)
	return ops
}

// Claimed returns the cases every operator of which (Case.Ops) is in ops:
// the cases a converter that claims ops should pass.
func Claimed(cases []Case, ops []string) []Case {
	var out []Case
	for _, c := range cases {
		ok := true
		for _, op := range c.Ops {
			if !slices.Contains(ops, op) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, c)
		}
	}
	return out
}

// Uncovered returns the operators of ops that no case tests as its Op.
func Uncovered(cases []Case, ops []string) []string {
	have := CaseOps(cases)
	var out []string
	for _, op := range ops {
		if !slices.Contains(have, op) {
			out = append(out, op)
		}
	}
	return out
}

// Blocked returns, for each op of ops that has catalog cases none of
// which are Claimed because of another, unclaimed operator, those
// operators: a case for an op that cannot run for lack of a helper op
// (a Cast, a Shape) does not cover it.
func Blocked(cases []Case, ops []string) map[string][]string {
	claimed := CaseOps(Claimed(cases, ops))
	out := map[string][]string{}
	for _, c := range cases {
		if !slices.Contains(ops, c.Op) || slices.Contains(claimed, c.Op) {
			continue
		}
		for _, op := range c.Ops {
			if !slices.Contains(ops, op) && !slices.Contains(out[c.Op], op) {
				out[c.Op] = append(out[c.Op], op)
			}
		}
	}
	return out
}

const (
	int64Max = math.MaxInt64
	int64Min = math.MinInt64
)

// unary is one op on a [2,3,4,5] input.
func unary(name, op string, opset int64, dist Dist, attrs ...onnx.Attr) Case {
	g := newGraph(name, opset)
	x := g.input("x", dist, 2, 3, 4, 5)
	g.output(g.node(op, []string{x}, attrs...))
	return g.build(op)
}

func unaryCases() []Case {
	return []Case{
		unary("Abs", "Abs", 13, distWide),
		unary("Neg", "Neg", 13, distWide),
		unary("Exp", "Exp", 13, distWide),
		unary("Log", "Log", 13, Dist{Lo: 0.01, Hi: 10}),
		unary("Sqrt", "Sqrt", 13, Dist{Lo: 0.001, Hi: 10}),
		unary("Reciprocal", "Reciprocal", 13, distNonZero),
		unary("Floor", "Floor", 13, distWide),
		unary("Ceil", "Ceil", 13, distWide),
		unary("Round", "Round", 13, Dist{Lo: -4, Hi: 4}),
		unary("Sign", "Sign", 13, distWide),
		unary("Erf", "Erf", 13, distWide),
		unary("Sin", "Sin", 7, distWide),
		unary("Cos", "Cos", 7, distWide),
		unary("Tan", "Tan", 7, Dist{Lo: -1.2, Hi: 1.2}),
		unary("Atan", "Atan", 7, distWide),
		unary("Asin", "Asin", 7, Dist{Lo: -0.99, Hi: 0.99}),
		unary("Acos", "Acos", 7, Dist{Lo: -0.99, Hi: 0.99}),
		unary("Sinh", "Sinh", 9, distWide),
		unary("Cosh", "Cosh", 9, distWide),
		unary("Identity", "Identity", 13, distDefault),
		unary("Dropout/opset13", "Dropout", 13, distDefault),
		unary("Dropout/opset9_ratio", "Dropout", 9, distDefault, onnx.FloatAttr("ratio", 0.3)),
	}
}

func activationCases() []Case {
	return []Case{
		unary("Relu", "Relu", 13, distWide),
		unary("Sigmoid", "Sigmoid", 13, Dist{Lo: -8, Hi: 8}),
		unary("Tanh", "Tanh", 13, distWide),
		unary("Softplus", "Softplus", 13, distWide),
		unary("Softsign", "Softsign", 13, distWide),
		unary("Elu", "Elu", 13, distWide, onnx.FloatAttr("alpha", 0.5)),
		unary("Selu", "Selu", 13, distWide),
		unary("Celu", "Celu", 12, distWide, onnx.FloatAttr("alpha", 0.7)),
		unary("LeakyRelu/default", "LeakyRelu", 13, distWide),
		unary("LeakyRelu/alpha0.2", "LeakyRelu", 16, distWide, onnx.FloatAttr("alpha", 0.2)),
		unary("ThresholdedRelu", "ThresholdedRelu", 10, distWide, onnx.FloatAttr("alpha", 0.5)),
		unary("HardSigmoid/default", "HardSigmoid", 13, Dist{Lo: -5, Hi: 5}),
		// PaddleOCR's hard sigmoid: alpha 1/6, beta 0.5.
		unary("HardSigmoid/paddle", "HardSigmoid", 13, Dist{Lo: -5, Hi: 5},
			onnx.FloatAttr("alpha", 0.1666667), onnx.FloatAttr("beta", 0.5)),
		unary("HardSwish", "HardSwish", 14, Dist{Lo: -5, Hi: 5}),
		unary("Mish", "Mish", 18, distWide),
		unary("Gelu/exact", "Gelu", 20, distWide),
		unary("Gelu/tanh", "Gelu", 20, distWide, onnx.StringAttr("approximate", "tanh")),
		prelu("PRelu/channel", []int64{3, 1, 1}),
		prelu("PRelu/scalar", []int64{1}),
	}
}

func prelu(name string, slope []int64) Case {
	g := newGraph(name, 9)
	x := g.input("x", distWide, 2, 3, 4, 5)
	g.output(g.node("PRelu", []string{x, g.weight(0.5, slope...)}))
	return g.build("PRelu")
}

// binOp is op(a, b) on two data inputs of the given shapes.
func binOp(name, op string, opset int64, a, b []int64, da, db Dist, attrs ...onnx.Attr) Case {
	g := newGraph(name, opset)
	x := g.input("a", da, a...)
	y := g.input("b", db, b...)
	g.output(g.node(op, []string{x, y}, attrs...))
	return g.build(op)
}

// binOpConst is op(a, constant) with the constant an initializer.
func binOpConst(name, op string, opset int64, a []int64, da Dist, constant func(g *graph) string) Case {
	g := newGraph(name, opset)
	x := g.input("a", da, a...)
	g.output(g.node(op, []string{x, constant(g)}))
	return g.build(op)
}

func binaryCases() []Case {
	s := []int64{2, 3, 4, 5}
	cs := []Case{
		binOp("Add", "Add", 13, s, s, distDefault, distDefault),
		binOp("Add/broadcast", "Add", 13, []int64{2, 1, 4, 1}, []int64{3, 1, 5}, distDefault, distDefault),
		binOpConst("Add/bias", "Add", 13, s, distDefault, func(g *graph) string { return g.weight(1, 5) }),
		binOp("Sub", "Sub", 13, s, s, distDefault, distDefault),
		binOpConst("Sub/scalar", "Sub", 13, s, distDefault, func(g *graph) string { return g.f32Scalar(0.25) }),
		binOp("Mul", "Mul", 13, s, s, distDefault, distDefault),
		binOp("Mul/broadcast", "Mul", 13, []int64{2, 3, 1, 5}, []int64{1, 3, 4, 1}, distDefault, distDefault),
		binOp("Div", "Div", 13, s, s, distDefault, distNonZero),
		binOp("Div/broadcast", "Div", 13, s, []int64{3, 1, 1}, distDefault, distNonZero),
		binOpConst("Div/scalar", "Div", 13, s, distDefault, func(g *graph) string { return g.f32Scalar(6) }),
		binOp("Pow", "Pow", 13, s, s, distPositive, Dist{Lo: -2, Hi: 2}),
		// Paddle's and torch's decomposed norms square a signed base.
		binOpConst("Pow/square", "Pow", 13, s, distWide, func(g *graph) string { return g.f32Scalar(2) }),
		binOpConst("Pow/cube", "Pow", 9, s, distWide, func(g *graph) string { return g.f32([]int64{1}, 3) }),
		binOpConst("Pow/sqrt", "Pow", 13, s, distPositive, func(g *graph) string { return g.f32Scalar(0.5) }),
		binOp("Max", "Max", 13, s, []int64{5}, distDefault, distDefault),
		binOp("Min", "Min", 13, s, []int64{4, 1}, distDefault, distDefault),
		variadic("Max/three", "Max", 13),
		variadic("Min/three", "Min", 13),
		variadic("Sum", "Sum", 13),
		variadic("Mean", "Mean", 13),
		binOp("Mod/fmod1", "Mod", 13, s, s, distWide, distNonZero, onnx.IntAttr("fmod", 1)),
		modInt("Mod/fmod0_int", 0),
		modInt("Mod/fmod1_int", 1),
	}
	return cs
}

// variadic is op(a, b, c) with broadcasting.
func variadic(name, op string, opset int64) Case {
	g := newGraph(name, opset)
	a := g.input("a", distDefault, 2, 3, 4)
	b := g.input("b", distDefault, 3, 1)
	c := g.input("c", distDefault, 4)
	g.output(g.node(op, []string{a, b, c}))
	return g.build(op)
}

// modInt is Mod on int64 operands (fmod 0 is defined for integers only):
// the sign of the result follows the divisor for fmod 0, the dividend for
// fmod 1.
func modInt(name string, fmod int64) Case {
	g := newGraph(name, 13)
	a := g.input("a", Dist{Lo: -20, Hi: 20, Round: true}, 3, 4, 5)
	b := g.input("b", Dist{Lo: 1, Hi: 6, Signed: true, Round: true}, 3, 4, 5)
	ai := g.node("Cast", []string{a}, onnx.IntAttr("to", int64(onnx.Int64)))
	bi := g.node("Cast", []string{b}, onnx.IntAttr("to", int64(onnx.Int64)))
	m := g.node("Mod", []string{ai, bi}, onnx.IntAttr("fmod", fmod))
	g.output(g.toFloat(m))
	return g.build("Mod")
}

// compare is a comparison of two integer-valued inputs (so that equal
// values occur), cast back to float.
func compare(name, op string, opset int64) Case {
	g := newGraph(name, opset)
	a := g.input("a", distInts, 2, 3, 4)
	b := g.input("b", distInts, 3, 4)
	g.output(g.toFloat(g.node(op, []string{a, b})))
	return g.build(op)
}

// logic applies a boolean op to (a > 0) and (b > 0).
func logic(name, op string) Case {
	g := newGraph(name, 13)
	a := g.input("a", distDefault, 2, 3, 4)
	b := g.input("b", distDefault, 4)
	zero := g.f32Scalar(0)
	pa := g.node("Greater", []string{a, zero})
	pb := g.node("Greater", []string{b, zero})
	g.output(g.toFloat(g.node(op, []string{pa, pb})))
	return g.build(op)
}

func logicCases() []Case {
	not := func() Case {
		g := newGraph("Not", 13)
		a := g.input("a", distDefault, 2, 3, 4)
		p := g.node("Greater", []string{a, g.f32Scalar(0)})
		g.output(g.toFloat(g.node("Not", []string{p})))
		return g.build("Not")
	}
	where := func() Case {
		g := newGraph("Where", 13)
		c := g.input("c", distDefault, 2, 1, 4)
		x := g.input("x", distDefault, 2, 3, 4)
		cond := g.node("Greater", []string{c, g.f32Scalar(0)})
		g.output(g.node("Where", []string{cond, x, g.f32Scalar(-5)}))
		return g.build("Where")
	}
	return []Case{
		compare("Equal", "Equal", 13),
		compare("Greater", "Greater", 13),
		compare("Less", "Less", 13),
		compare("GreaterOrEqual", "GreaterOrEqual", 16),
		compare("LessOrEqual", "LessOrEqual", 16),
		logic("And", "And"),
		logic("Or", "Or"),
		logic("Xor", "Xor"),
		not(),
		where(),
	}
}

func matmulCases() []Case {
	weight := func(name string, a []int64, w []int64) Case {
		g := newGraph(name, 13)
		x := g.input("a", distDefault, a...)
		g.output(g.node("MatMul", []string{x, g.weight(0.5, w...)}))
		return g.build("MatMul")
	}
	gemm := func(name string, opset int64, a, b, c []int64, attrs ...onnx.Attr) Case {
		g := newGraph(name, opset)
		x := g.input("a", distDefault, a...)
		ins := []string{x, g.weight(0.5, b...)}
		if c != nil {
			ins = append(ins, g.weight(0.5, c...))
		}
		g.output(g.node("Gemm", ins, attrs...))
		return g.build("Gemm")
	}
	return []Case{
		binOp("MatMul/2d", "MatMul", 13, []int64{3, 4}, []int64{4, 5}, distDefault, distDefault),
		binOp("MatMul/batched", "MatMul", 13, []int64{2, 3, 4, 5}, []int64{2, 3, 5, 6}, distDefault, distDefault),
		binOp("MatMul/broadcast", "MatMul", 13, []int64{2, 1, 4, 5}, []int64{3, 5, 6}, distDefault, distDefault),
		binOp("MatMul/vector_rhs", "MatMul", 13, []int64{2, 3, 4}, []int64{4}, distDefault, distDefault),
		binOp("MatMul/vector_lhs", "MatMul", 13, []int64{4}, []int64{2, 4, 5}, distDefault, distDefault),
		weight("MatMul/weight", []int64{2, 7, 16}, []int64{16, 8}),
		gemm("Gemm/transB_alpha_beta", 13, []int64{3, 4}, []int64{5, 4}, []int64{5},
			onnx.IntAttr("transB", 1), onnx.FloatAttr("alpha", 0.5), onnx.FloatAttr("beta", 2)),
		gemm("Gemm/transA", 13, []int64{4, 3}, []int64{4, 5}, []int64{3, 5}, onnx.IntAttr("transA", 1)),
		gemm("Gemm/no_bias", 13, []int64{3, 4}, []int64{4, 5}, nil),
		gemm("Gemm/bias_column", 9, []int64{3, 4}, []int64{4, 5}, []int64{3, 1}),
	}
}

// conv is a Conv with random weights of shape w (and a bias when bias).
func conv(name string, opset int64, x, w []int64, bias bool, attrs ...onnx.Attr) Case {
	g := newGraph(name, opset)
	in := g.input("x", distDefault, x...)
	ins := []string{in, g.weight(0.5, w...)}
	if bias {
		ins = append(ins, g.weight(0.5, w[0]))
	}
	g.output(g.node("Conv", ins, attrs...))
	return g.build("Conv")
}

// convT is a ConvTranspose; its weights are [C_in, C_out/group, k...].
func convT(name string, x, w []int64, outChannels int64, attrs ...onnx.Attr) Case {
	g := newGraph(name, 11)
	in := g.input("x", distDefault, x...)
	ins := []string{in, g.weight(0.5, w...)}
	if outChannels > 0 {
		ins = append(ins, g.weight(0.5, outChannels))
	}
	g.output(g.node("ConvTranspose", ins, attrs...))
	return g.build("ConvTranspose")
}

func convCases() []Case {
	pads1 := onnx.IntsAttr("pads", 1, 1, 1, 1)
	return []Case{
		conv("Conv/3x3_pad1", 11, []int64{1, 4, 9, 9}, []int64{6, 4, 3, 3}, true, onnx.IntsAttr("kernel_shape", 3, 3), pads1),
		conv("Conv/batch2_no_bias", 11, []int64{2, 3, 7, 6}, []int64{5, 3, 3, 3}, false),
		conv("Conv/1x1", 11, []int64{1, 16, 5, 7}, []int64{8, 16, 1, 1}, true),
		conv("Conv/group2", 11, []int64{1, 4, 8, 8}, []int64{6, 2, 3, 3}, true, onnx.IntAttr("group", 2), pads1),
		conv("Conv/depthwise_s2", 11, []int64{1, 8, 9, 9}, []int64{8, 1, 3, 3}, true,
			onnx.IntAttr("group", 8), onnx.IntsAttr("strides", 2, 2), pads1),
		// PaddleOCR's recogniser: depthwise 5×5 with strides [2,1].
		conv("Conv/depthwise_5x5_s21", 11, []int64{1, 8, 12, 10}, []int64{8, 1, 5, 5}, false,
			onnx.IntAttr("group", 8), onnx.IntsAttr("strides", 2, 1), onnx.IntsAttr("pads", 2, 2, 2, 2)),
		conv("Conv/1x3_pad", 11, []int64{1, 6, 1, 10}, []int64{4, 6, 1, 3}, false,
			onnx.IntsAttr("kernel_shape", 1, 3), onnx.IntsAttr("pads", 0, 1, 0, 1)),
		conv("Conv/s2_asymmetric_pads", 11, []int64{1, 3, 8, 9}, []int64{4, 3, 3, 3}, true,
			onnx.IntsAttr("strides", 2, 2), onnx.IntsAttr("pads", 0, 1, 1, 0)),
		conv("Conv/dilation2", 11, []int64{1, 3, 10, 9}, []int64{4, 3, 3, 3}, true,
			onnx.IntsAttr("dilations", 2, 2), onnx.IntsAttr("pads", 2, 2, 2, 2)),
		conv("Conv/same_upper_s2", 11, []int64{1, 3, 9, 8}, []int64{4, 3, 3, 3}, true,
			onnx.StringAttr("auto_pad", "SAME_UPPER"), onnx.IntsAttr("strides", 2, 2)),
		conv("Conv/same_lower", 11, []int64{1, 3, 7, 8}, []int64{4, 3, 2, 2}, false,
			onnx.StringAttr("auto_pad", "SAME_LOWER")),
		conv("Conv/valid_s3", 11, []int64{1, 3, 11, 10}, []int64{4, 3, 3, 3}, true,
			onnx.StringAttr("auto_pad", "VALID"), onnx.IntsAttr("strides", 3, 3)),
		conv("Conv/1d", 11, []int64{2, 3, 12}, []int64{4, 3, 3}, true, onnx.IntsAttr("pads", 1, 1), onnx.IntsAttr("strides", 2)),
		// Paddle stores weights as Constant nodes.
		func() Case {
			g := newGraph("Conv/constant_weights", 11)
			in := g.input("x", distDefault, 1, 3, 6, 6)
			w := g.constant(onnx.FloatTensor("w", []int64{2, 3, 3, 3}, g.random(0.5, []int64{2, 3, 3, 3})...))
			b := g.constant(onnx.FloatTensor("b", []int64{2}, 0.25, -0.5))
			g.output(g.node("Conv", []string{in, w, b}, pads1))
			return g.build("Conv")
		}(),

		// PaddleOCR's detector: kernel 2, stride 2.
		convT("ConvTranspose/k2s2", []int64{1, 4, 5, 5}, []int64{4, 3, 2, 2}, 0, onnx.IntsAttr("strides", 2, 2)),
		convT("ConvTranspose/k2s2_one_channel", []int64{1, 4, 5, 6}, []int64{4, 1, 2, 2}, 1,
			onnx.IntsAttr("kernel_shape", 2, 2), onnx.IntsAttr("strides", 2, 2)),
		convT("ConvTranspose/k3s1_pad1", []int64{1, 3, 5, 5}, []int64{3, 4, 3, 3}, 4, pads1),
		convT("ConvTranspose/k3s2_pad1_outpad1", []int64{1, 3, 5, 4}, []int64{3, 4, 3, 3}, 4,
			onnx.IntsAttr("strides", 2, 2), pads1, onnx.IntsAttr("output_padding", 1, 1)),
		convT("ConvTranspose/group2", []int64{1, 4, 5, 5}, []int64{4, 3, 3, 3}, 6,
			onnx.IntAttr("group", 2), onnx.IntsAttr("strides", 2, 2), pads1),
		convT("ConvTranspose/asymmetric_pads", []int64{1, 2, 4, 4}, []int64{2, 3, 4, 4}, 3,
			onnx.IntsAttr("strides", 2, 2), onnx.IntsAttr("pads", 1, 2, 2, 1)),
		convT("ConvTranspose/dilation2", []int64{1, 2, 4, 5}, []int64{2, 3, 3, 3}, 0, onnx.IntsAttr("dilations", 2, 2)),
	}
}

// pool is a pooling op on a data input.
func pool(name, op string, opset int64, x []int64, attrs ...onnx.Attr) Case {
	g := newGraph(name, opset)
	in := g.input("x", distWide, x...)
	g.output(g.node(op, []string{in}, attrs...))
	return g.build(op)
}

func poolCases() []Case {
	k := func(vs ...int64) onnx.Attr { return onnx.IntsAttr("kernel_shape", vs...) }
	s := func(vs ...int64) onnx.Attr { return onnx.IntsAttr("strides", vs...) }
	p := func(vs ...int64) onnx.Attr { return onnx.IntsAttr("pads", vs...) }
	return []Case{
		pool("MaxPool/k2s2", "MaxPool", 9, []int64{1, 3, 8, 8}, k(2, 2), s(2, 2)),
		pool("MaxPool/k3s2_pad1", "MaxPool", 11, []int64{2, 3, 9, 9}, k(3, 3), s(2, 2), p(1, 1, 1, 1)),
		pool("MaxPool/ceil_mode", "MaxPool", 11, []int64{1, 3, 8, 9}, k(3, 3), s(2, 2), onnx.IntAttr("ceil_mode", 1)),
		pool("MaxPool/dilation2", "MaxPool", 11, []int64{1, 3, 9, 9}, k(2, 2), onnx.IntsAttr("dilations", 2, 2)),
		pool("MaxPool/same_upper", "MaxPool", 11, []int64{1, 2, 7, 8}, k(3, 3), s(2, 2), onnx.StringAttr("auto_pad", "SAME_UPPER")),
		pool("MaxPool/1d", "MaxPool", 11, []int64{2, 3, 11}, k(3), s(2)),
		pool("AveragePool/exclude_pad", "AveragePool", 11, []int64{1, 3, 9, 9}, k(3, 3), s(2, 2), p(1, 1, 1, 1)),
		pool("AveragePool/include_pad", "AveragePool", 11, []int64{1, 3, 9, 9}, k(3, 3), s(2, 2), p(1, 1, 1, 1),
			onnx.IntAttr("count_include_pad", 1)),
		// PaddleOCR's recogniser.
		pool("AveragePool/k32_s32", "AveragePool", 9, []int64{1, 4, 6, 8}, k(3, 2), s(3, 2), p(0, 0, 0, 0),
			onnx.IntAttr("count_include_pad", 0)),
		pool("AveragePool/ceil_mode", "AveragePool", 11, []int64{1, 2, 8, 7}, k(3, 3), s(2, 2), onnx.IntAttr("ceil_mode", 1)),
		pool("AveragePool/asymmetric_pads", "AveragePool", 11, []int64{1, 2, 6, 6}, k(2, 2), s(2, 2), p(0, 1, 1, 0)),
		pool("GlobalAveragePool", "GlobalAveragePool", 13, []int64{2, 3, 5, 7}),
		pool("GlobalAveragePool/1x1", "GlobalAveragePool", 13, []int64{1, 8, 1, 1}),
		pool("GlobalMaxPool", "GlobalMaxPool", 13, []int64{2, 3, 5, 7}),
	}
}

func normCases() []Case {
	bn := func(name string, opset int64, x []int64) Case {
		g := newGraph(name, opset)
		in := g.input("x", distWide, x...)
		c := x[1]
		g.output(g.node("BatchNormalization", []string{in,
			g.positive(0.5, 1.5, c), g.weight(0.5, c), g.weight(0.5, c), g.positive(0.1, 2, c)},
			onnx.FloatAttr("epsilon", 1e-5)))
		return g.build("BatchNormalization")
	}
	ln := func(name string, x []int64, axis int64, scale []int64, bias bool) Case {
		g := newGraph(name, 17)
		in := g.input("x", distWide, x...)
		ins := []string{in, g.positive(0.5, 1.5, scale...)}
		if bias {
			ins = append(ins, g.weight(0.5, scale...))
		}
		g.output(g.node("LayerNormalization", ins, onnx.IntAttr("axis", axis), onnx.FloatAttr("epsilon", 1e-5)))
		return g.build("LayerNormalization")
	}
	instance := func() Case {
		g := newGraph("InstanceNormalization", 13)
		in := g.input("x", distWide, 2, 3, 5, 6)
		g.output(g.node("InstanceNormalization", []string{in, g.positive(0.5, 1.5, 3), g.weight(0.5, 3)},
			onnx.FloatAttr("epsilon", 1e-5)))
		return g.build("InstanceNormalization")
	}
	group := func() Case {
		g := newGraph("GroupNormalization", 21)
		in := g.input("x", distWide, 2, 6, 4, 5)
		g.output(g.node("GroupNormalization", []string{in, g.positive(0.5, 1.5, 6), g.weight(0.5, 6)},
			onnx.IntAttr("num_groups", 3), onnx.FloatAttr("epsilon", 1e-5)))
		return g.build("GroupNormalization")
	}
	return []Case{
		bn("BatchNormalization/opset9", 9, []int64{2, 4, 5, 6}),
		bn("BatchNormalization/opset15", 15, []int64{2, 4, 5, 6}),
		bn("BatchNormalization/rank2", 15, []int64{3, 4}),
		ln("LayerNormalization/last", []int64{2, 5, 8}, -1, []int64{8}, true),
		ln("LayerNormalization/last_two", []int64{2, 5, 8}, -2, []int64{5, 8}, true),
		ln("LayerNormalization/no_bias", []int64{3, 16}, 1, []int64{16}, false),
		instance(),
		group(),
	}
}

// reduce is a reduction with axes as an attribute (axesInput false) or
// as an input (opset 13 ReduceSum, opset 18 for the others).
func reduce(name, op string, opset int64, dist Dist, axes []int64, axesInput bool, keepdims int64) Case {
	g := newGraph(name, opset)
	in := g.input("x", dist, 2, 3, 4, 5)
	ins := []string{in}
	attrs := []onnx.Attr{onnx.IntAttr("keepdims", keepdims)}
	switch {
	case axes == nil:
	case axesInput:
		ins = append(ins, g.i64(axes...))
	default:
		attrs = append(attrs, onnx.IntsAttr("axes", axes...))
	}
	y := g.node(op, ins, attrs...)
	if axes == nil && keepdims == 0 {
		y = g.lift(y) // a scalar
	}
	g.output(y)
	return g.build(op)
}

func argReduce(name, op string, axis, keepdims int64) Case {
	g := newGraph(name, 13)
	in := g.input("x", distDefault, 2, 3, 4, 5)
	g.output(g.toFloat(g.node(op, []string{in}, onnx.IntAttr("axis", axis), onnx.IntAttr("keepdims", keepdims))))
	return g.build(op)
}

func reduceCases() []Case {
	near1 := Dist{Lo: 0.7, Hi: 1.3}
	return []Case{
		reduce("ReduceMean/opset9_last", "ReduceMean", 9, distDefault, []int64{-1}, false, 1),
		reduce("ReduceMean/opset13_axes12", "ReduceMean", 13, distDefault, []int64{1, 2}, false, 0),
		reduce("ReduceMean/opset13_all", "ReduceMean", 13, distDefault, nil, false, 0),
		reduce("ReduceMean/opset18_input", "ReduceMean", 18, distDefault, []int64{1}, true, 1),
		reduce("ReduceSum/opset11_attr", "ReduceSum", 11, distDefault, []int64{0, 3}, false, 1),
		reduce("ReduceSum/opset13_input", "ReduceSum", 13, distDefault, []int64{-1}, true, 0),
		reduce("ReduceMax/opset13", "ReduceMax", 13, distDefault, []int64{2}, false, 1),
		reduce("ReduceMax/opset18_input", "ReduceMax", 18, distDefault, []int64{1, 3}, true, 0),
		reduce("ReduceMin/opset13", "ReduceMin", 13, distDefault, []int64{-2}, false, 0),
		reduce("ReduceProd", "ReduceProd", 13, near1, []int64{3}, false, 1),
		reduce("ReduceL1", "ReduceL1", 13, distDefault, []int64{1}, false, 1),
		reduce("ReduceL2", "ReduceL2", 13, distDefault, []int64{-1}, false, 0),
		reduce("ReduceSumSquare", "ReduceSumSquare", 13, distDefault, []int64{2, 3}, false, 1),
		reduce("ReduceLogSumExp", "ReduceLogSumExp", 13, distWide, []int64{1}, false, 1),
		reduce("ReduceLogSum", "ReduceLogSum", 13, distPositive, []int64{-1}, false, 1),
		argReduce("ArgMax/keepdims", "ArgMax", 1, 1),
		argReduce("ArgMax/last_no_keepdims", "ArgMax", -1, 0),
		argReduce("ArgMin", "ArgMin", 2, 1),
	}
}

func softmaxCases() []Case {
	sm := func(name, op string, opset int64, x []int64, attrs ...onnx.Attr) Case {
		g := newGraph(name, opset)
		in := g.input("x", distWide, x...)
		g.output(g.node(op, []string{in}, attrs...))
		return g.build(op)
	}
	return []Case{
		// Before opset 13, Softmax flattens the input to 2-D at axis
		// (default 1); from 13 it normalises along that one axis.
		sm("Softmax/opset11_default", "Softmax", 11, []int64{2, 3, 4}),
		sm("Softmax/opset11_axis2", "Softmax", 11, []int64{2, 3, 4, 5}, onnx.IntAttr("axis", 2)),
		sm("Softmax/opset9_last", "Softmax", 9, []int64{1, 2, 5, 6}, onnx.IntAttr("axis", 3)),
		sm("Softmax/opset13_default", "Softmax", 13, []int64{2, 3, 4}),
		sm("Softmax/opset13_axis1", "Softmax", 13, []int64{2, 3, 4}, onnx.IntAttr("axis", 1)),
		sm("LogSoftmax/opset11_default", "LogSoftmax", 11, []int64{2, 3, 4}),
		sm("LogSoftmax/opset13_axis1", "LogSoftmax", 13, []int64{2, 3, 4}, onnx.IntAttr("axis", 1)),
	}
}

func shapeCases() []Case {
	one := func(name, op string, opset int64, x []int64, extra func(g *graph) []string, attrs ...onnx.Attr) Case {
		g := newGraph(name, opset)
		ins := []string{g.x(x...)}
		if extra != nil {
			ins = append(ins, extra(g)...)
		}
		g.output(g.node(op, ins, attrs...))
		return g.build(op)
	}
	ints := func(vs ...int64) func(g *graph) []string {
		return func(g *graph) []string { return []string{g.i64(vs...)} }
	}
	split := func(name string, opset int64, n int, extra func(g *graph) []string, attrs ...onnx.Attr) Case {
		g := newGraph(name, opset)
		ins := []string{g.x(2, 6, 7)}
		if extra != nil {
			ins = append(ins, extra(g)...)
		}
		g.output(g.nodeN("Split", ins, n, attrs...)...)
		return g.build("Split")
	}
	concat := func(name string, axis int64, shapes ...[]int64) Case {
		g := newGraph(name, 13)
		var ins []string
		for i, s := range shapes {
			ins = append(ins, g.input(string(rune('a'+i)), distDefault, s...))
		}
		g.output(g.node("Concat", ins, onnx.IntAttr("axis", axis)))
		return g.build("Concat")
	}
	return []Case{
		one("Reshape/copy_and_infer", "Reshape", 13, []int64{2, 3, 4, 5}, ints(0, -1, 5)),
		one("Reshape/flatten", "Reshape", 11, []int64{2, 3, 4}, ints(6, 4)),
		one("Flatten/default", "Flatten", 13, []int64{2, 3, 4, 5}, nil),
		one("Flatten/axis0", "Flatten", 13, []int64{2, 3, 4}, nil, onnx.IntAttr("axis", 0)),
		one("Flatten/axis2", "Flatten", 13, []int64{2, 3, 4, 5}, nil, onnx.IntAttr("axis", 2)),
		one("Flatten/axis_neg1", "Flatten", 13, []int64{2, 3, 4, 5}, nil, onnx.IntAttr("axis", -1)),
		one("Transpose/nhwc", "Transpose", 13, []int64{2, 3, 4, 5}, nil, onnx.IntsAttr("perm", 0, 2, 3, 1)),
		one("Transpose/default_reverse", "Transpose", 13, []int64{2, 3, 4}, nil),
		one("Transpose/rank5", "Transpose", 13, []int64{2, 3, 4, 5, 2}, nil, onnx.IntsAttr("perm", 2, 0, 3, 1, 4)),
		one("Squeeze/opset11_attr", "Squeeze", 11, []int64{1, 3, 1, 5}, nil, onnx.IntsAttr("axes", 0, 2)),
		one("Squeeze/opset13_input", "Squeeze", 13, []int64{2, 3, 1}, ints(-1)),
		one("Squeeze/all", "Squeeze", 13, []int64{1, 3, 1, 5}, nil),
		one("Unsqueeze/opset11_attr", "Unsqueeze", 11, []int64{3, 5}, nil, onnx.IntsAttr("axes", 0, 3)),
		one("Unsqueeze/opset13_input", "Unsqueeze", 13, []int64{3, 5}, ints(-1, 1)),
		concat("Concat/axis1", 1, []int64{2, 3, 4}, []int64{2, 1, 4}, []int64{2, 2, 4}),
		concat("Concat/axis_neg1", -1, []int64{2, 3}, []int64{2, 5}),
		concat("Concat/axis0", 0, []int64{1, 3, 2}, []int64{2, 3, 2}),
		split("Split/opset11_attr", 11, 3, nil, onnx.IntAttr("axis", 1), onnx.IntsAttr("split", 2, 3, 1)),
		split("Split/opset13_input", 13, 2, ints(4, 3), onnx.IntAttr("axis", -1)),
		split("Split/opset13_equal", 13, 3, nil, onnx.IntAttr("axis", 1)),
		split("Split/opset18_num_outputs", 18, 3, nil, onnx.IntAttr("axis", 2), onnx.IntAttr("num_outputs", 3)),
		one("Expand/broadcast", "Expand", 13, []int64{3, 1}, ints(2, 3, 4)),
		one("Expand/ones_in_shape", "Expand", 13, []int64{2, 3, 1}, ints(1, 1, 5)),
		one("Tile", "Tile", 13, []int64{2, 3, 2}, ints(2, 1, 3)),
		one("DepthToSpace/DCR", "DepthToSpace", 13, []int64{1, 8, 2, 3}, nil, onnx.IntAttr("blocksize", 2)),
		one("DepthToSpace/CRD", "DepthToSpace", 13, []int64{1, 8, 2, 3}, nil, onnx.IntAttr("blocksize", 2), onnx.StringAttr("mode", "CRD")),
		one("SpaceToDepth", "SpaceToDepth", 13, []int64{1, 2, 4, 6}, nil, onnx.IntAttr("blocksize", 2)),
	}
}

func sliceCases() []Case {
	attrForm := func(name string, x []int64, starts, ends, axes []int64) Case {
		g := newGraph(name, 9)
		attrs := []onnx.Attr{onnx.IntsAttr("starts", starts...), onnx.IntsAttr("ends", ends...)}
		if axes != nil {
			attrs = append(attrs, onnx.IntsAttr("axes", axes...))
		}
		g.output(g.node("Slice", []string{g.x(x...)}, attrs...))
		return g.build("Slice")
	}
	inputForm := func(name string, x []int64, starts, ends, axes, steps []int64) Case {
		g := newGraph(name, 13)
		ins := []string{g.x(x...), g.i64(starts...), g.i64(ends...)}
		if axes != nil || steps != nil {
			if axes != nil {
				ins = append(ins, g.i64(axes...))
			} else {
				ins = append(ins, "")
			}
		}
		if steps != nil {
			ins = append(ins, g.i64(steps...))
		}
		g.output(g.node("Slice", ins))
		return g.build("Slice")
	}
	x := []int64{4, 5, 6}
	return []Case{
		attrForm("Slice/opset9_attrs", x, []int64{1}, []int64{3}, []int64{1}),
		attrForm("Slice/opset9_negative_huge", x, []int64{-3, 1}, []int64{int64Max, -1}, []int64{0, 2}),
		attrForm("Slice/opset9_no_axes", x, []int64{0, 1, 2}, []int64{2, 4, 1000}, nil),
		inputForm("Slice/opset13_steps", x, []int64{1, 0}, []int64{-1, 1000}, []int64{1, 2}, []int64{1, 2}),
		inputForm("Slice/opset13_reverse", x, []int64{-1}, []int64{int64Min}, []int64{2}, []int64{-1}),
		inputForm("Slice/opset13_step_neg2", x, []int64{5}, []int64{0}, []int64{-1}, []int64{-2}),
		inputForm("Slice/opset13_huge_end", x, []int64{2}, []int64{int64Max}, []int64{0}, nil),
		inputForm("Slice/opset13_no_axes", x, []int64{0, 1, 2}, []int64{2, 4, 5}, nil, nil),
		inputForm("Slice/opset13_clamped_start", x, []int64{-100, 1}, []int64{2, 100}, []int64{0, 1}, nil),
	}
}

func gatherCases() []Case {
	gather := func(name string, x []int64, axis int64, indices func(g *graph) string) Case {
		g := newGraph(name, 13)
		g.output(g.node("Gather", []string{g.x(x...), indices(g)}, onnx.IntAttr("axis", axis)))
		return g.build("Gather")
	}
	elements := func() Case {
		g := newGraph("GatherElements", 13)
		idx := g.i64Shaped([]int64{2, 2, 3}, 0, 1, 2, 3, -1, 0, 2, 2, 1, 0, 0, -4)
		g.output(g.node("GatherElements", []string{g.x(2, 4, 3), idx}, onnx.IntAttr("axis", 1)))
		return g.build("GatherElements")
	}
	return []Case{
		gather("Gather/axis0_2d_indices", []int64{5, 4}, 0, func(g *graph) string {
			return g.i64Shaped([]int64{2, 2}, 0, 2, 4, -1)
		}),
		gather("Gather/axis1_negative", []int64{3, 5, 2}, 1, func(g *graph) string { return g.i64(-1, 0, -3, 2) }),
		gather("Gather/scalar_index", []int64{3, 5, 2}, 1, func(g *graph) string { return g.i64Scalar(2) }),
		gather("Gather/scalar_negative_last", []int64{3, 5, 2}, -1, func(g *graph) string { return g.i64Scalar(-1) }),
		elements(),
	}
}

func padCases() []Case {
	x := []int64{1, 2, 4, 5}
	attrForm := func(name, mode string, pads []int64) Case {
		g := newGraph(name, 9)
		attrs := []onnx.Attr{onnx.IntsAttr("pads", pads...), onnx.StringAttr("mode", mode)}
		if mode == "constant" {
			attrs = append(attrs, onnx.FloatAttr("value", 0.5))
		}
		g.output(g.node("Pad", []string{g.x(x...)}, attrs...))
		return g.build("Pad")
	}
	inputForm := func(name string, opset int64, mode string, pads []int64, axes []int64) Case {
		g := newGraph(name, opset)
		ins := []string{g.x(x...), g.i64(pads...)}
		if mode == "constant" {
			ins = append(ins, g.f32Scalar(-0.5))
		} else if axes != nil {
			ins = append(ins, "")
		}
		if axes != nil {
			ins = append(ins, g.i64(axes...))
		}
		g.output(g.node("Pad", ins, onnx.StringAttr("mode", mode)))
		return g.build("Pad")
	}
	p := []int64{0, 0, 1, 2, 0, 0, 2, 1}
	return []Case{
		attrForm("Pad/opset9_constant", "constant", p),
		attrForm("Pad/opset9_reflect", "reflect", p),
		inputForm("Pad/opset11_constant", 11, "constant", p, nil),
		inputForm("Pad/opset11_reflect", 11, "reflect", []int64{0, 0, 2, 1, 0, 0, 1, 2}, nil),
		inputForm("Pad/opset11_edge", 11, "edge", p, nil),
		inputForm("Pad/opset13_negative", 13, "constant", []int64{0, 0, -1, 1, 0, 0, 1, -2}, nil),
		inputForm("Pad/opset18_axes", 18, "constant", []int64{1, 2, 2, 1}, []int64{2, 3}),
		inputForm("Pad/opset18_axes_reflect", 18, "reflect", []int64{1, 1, 2, 2}, []int64{-2, -1}),
	}
}

func resizeCases() []Case {
	// Opset 11 takes roi and scales as inputs, empty when unused; opset
	// 13 allows them to be omitted.
	resize := func(name string, opset int64, x []int64, scales []float32, sizes []int64, attrs ...onnx.Attr) Case {
		g := newGraph(name, opset)
		ins := []string{g.x(x...)}
		if opset < 13 {
			ins = append(ins, g.f32([]int64{0}))
		} else {
			ins = append(ins, "")
		}
		switch {
		case scales != nil:
			ins = append(ins, g.f32([]int64{int64(len(scales))}, scales...))
		case opset < 13:
			ins = append(ins, g.f32([]int64{0}), g.i64(sizes...))
		default:
			ins = append(ins, "", g.i64(sizes...))
		}
		g.output(g.node("Resize", ins, attrs...))
		return g.build("Resize")
	}
	upsample := func() Case {
		g := newGraph("Upsample/nearest", 9)
		g.output(g.node("Upsample", []string{g.x(1, 2, 3, 4), g.f32([]int64{4}, 1, 1, 2, 3)}, onnx.StringAttr("mode", "nearest")))
		return g.build("Upsample")
	}
	mode := func(m string) onnx.Attr { return onnx.StringAttr("mode", m) }
	ctm := func(m string) onnx.Attr { return onnx.StringAttr("coordinate_transformation_mode", m) }
	nm := func(m string) onnx.Attr { return onnx.StringAttr("nearest_mode", m) }
	x := []int64{1, 3, 4, 5}
	return []Case{
		// PaddleOCR's detector.
		resize("Resize/nearest_asymmetric_floor_x2", 11, x, []float32{1, 1, 2, 2}, nil,
			mode("nearest"), ctm("asymmetric"), nm("floor")),
		resize("Resize/nearest_asymmetric_floor_x4", 11, []int64{1, 2, 3, 4}, []float32{1, 1, 4, 4}, nil,
			mode("nearest"), ctm("asymmetric"), nm("floor")),
		resize("Resize/nearest_half_pixel_prefer_floor_sizes", 13, x, nil, []int64{1, 3, 7, 9},
			mode("nearest"), ctm("half_pixel"), nm("round_prefer_floor")),
		resize("Resize/nearest_half_pixel_prefer_floor_down", 13, []int64{1, 3, 8, 7}, nil, []int64{1, 3, 3, 2},
			mode("nearest"), ctm("half_pixel"), nm("round_prefer_floor")),
		resize("Resize/nearest_default_x2", 13, x, []float32{1, 1, 2, 2}, nil),
		resize("Resize/linear_half_pixel_x2", 13, x, []float32{1, 1, 2, 2}, nil, mode("linear"), ctm("half_pixel")),
		resize("Resize/linear_half_pixel_x1.5", 13, x, []float32{1, 1, 1.5, 1.5}, nil, mode("linear"), ctm("half_pixel")),
		resize("Resize/linear_half_pixel_sizes", 11, x, nil, []int64{1, 3, 7, 9}, mode("linear"), ctm("half_pixel")),
		resize("Resize/linear_half_pixel_down", 13, []int64{1, 3, 8, 9}, nil, []int64{1, 3, 3, 4},
			mode("linear"), ctm("half_pixel")),
		resize("Resize/linear_align_corners_sizes", 13, x, nil, []int64{1, 3, 7, 9}, mode("linear"), ctm("align_corners")),
		resize("Resize/linear_align_corners_x2", 11, x, []float32{1, 1, 2, 2}, nil, mode("linear"), ctm("align_corners")),
		resize("Resize/linear_asymmetric_x2", 13, x, []float32{1, 1, 2, 2}, nil, mode("linear"), ctm("asymmetric")),
		resize("Resize/linear_pytorch_half_pixel_sizes", 13, x, nil, []int64{1, 3, 7, 1},
			mode("linear"), ctm("pytorch_half_pixel")),
		upsample(),
	}
}

// generatorCases are ops that make tensors from shapes and constants.
func generatorCases() []Case {
	rangeFloat := func() Case {
		g := newGraph("Range/float", 11)
		r := g.node("Range", []string{g.f32Scalar(1), g.f32Scalar(7.5), g.f32Scalar(1.5)})
		g.output(g.node("Add", []string{g.x(2, 5), r}))
		return g.build("Range")
	}
	rangeNegative := func() Case {
		g := newGraph("Range/int_negative_delta", 11)
		r := g.node("Range", []string{g.i64Scalar(10), g.i64Scalar(2), g.i64Scalar(-3)})
		g.output(g.node("Add", []string{g.x(3), g.toFloat(r)}))
		return g.build("Range")
	}
	constantOfShape := func(name string, value onnx.Tensor) Case {
		g := newGraph(name, 11)
		c := g.node("ConstantOfShape", []string{g.i64(2, 3)}, onnx.Attr{Name: "value", Type: onnx.AttrTensor, T: &value})
		if value.DataType != onnx.Float {
			c = g.toFloat(c)
		}
		g.output(g.node("Add", []string{g.x(2, 3), c}))
		return g.build("ConstantOfShape")
	}
	constant := func(name string, attr onnx.Attr, cast bool) Case {
		g := newGraph(name, 13)
		c := g.node("Constant", nil, attr)
		if cast {
			c = g.toFloat(c)
		}
		g.output(g.node("Mul", []string{g.x(2, 3), c}))
		return g.build("Constant")
	}
	tensor := onnx.FloatTensor("c", []int64{3}, 0.5, -2, 3)
	return []Case{
		rangeFloat(),
		rangeNegative(),
		constantOfShape("ConstantOfShape/float", onnx.FloatTensor("v", []int64{1}, 2.5)),
		constantOfShape("ConstantOfShape/int64", onnx.Int64Tensor("v", []int64{1}, 7)),
		constant("Constant/tensor", onnx.Attr{Name: "value", Type: onnx.AttrTensor, T: &tensor}, false),
		constant("Constant/value_float", onnx.FloatAttr("value_float", 1.5), false),
		constant("Constant/value_ints", onnx.IntsAttr("value_ints", 1, -2, 3), true),
	}
}

func miscCases() []Case {
	cast := func(name string, to onnx.DataType) Case {
		g := newGraph(name, 13)
		c := g.node("Cast", []string{g.input("x", Dist{Lo: -5, Hi: 5}, 3, 4)}, onnx.IntAttr("to", int64(to)))
		g.output(g.toFloat(c))
		return g.build("Cast")
	}
	shape := func(name string, opset int64, attrs ...onnx.Attr) Case {
		g := newGraph(name, opset)
		g.output(g.toFloat(g.node("Shape", []string{g.x(2, 3, 4, 5)}, attrs...)))
		return g.build("Shape")
	}
	size := func() Case {
		g := newGraph("Size", 13)
		g.output(g.lift(g.toFloat(g.node("Size", []string{g.x(2, 3, 4)}))))
		return g.build("Size")
	}
	clip := func(name string, opset int64, min, max string, attrs ...onnx.Attr) Case {
		g := newGraph(name, opset)
		ins := []string{g.input("x", distWide, 2, 3, 4, 5)}
		if min != "" || max != "" {
			var lo, hi string
			if min != "" {
				lo = g.f32Scalar(-0.5)
			}
			if max != "" {
				hi = g.f32Scalar(1.25)
			}
			ins = append(ins, lo)
			if hi != "" {
				ins = append(ins, hi)
			}
		}
		g.output(g.node("Clip", ins, attrs...))
		return g.build("Clip")
	}
	topk := func(name string, largest int64) Case {
		g := newGraph(name, 11)
		outs := g.nodeN("TopK", []string{g.x(2, 3, 7), g.i64(3)}, 2, onnx.IntAttr("axis", -1), onnx.IntAttr("largest", largest))
		g.output(outs[0], g.toFloat(outs[1]))
		return g.build("TopK")
	}
	cumsum := func(name string, attrs ...onnx.Attr) Case {
		g := newGraph(name, 14)
		g.output(g.node("CumSum", []string{g.x(2, 3, 4), g.i64Scalar(1)}, attrs...))
		return g.build("CumSum")
	}
	einsum := func() Case {
		g := newGraph("Einsum/batched_matmul", 12)
		a := g.input("a", distDefault, 2, 3, 4)
		b := g.input("b", distDefault, 2, 4, 5)
		g.output(g.node("Einsum", []string{a, b}, onnx.StringAttr("equation", "bij,bjk->bik")))
		return g.build("Einsum")
	}
	return []Case{
		cast("Cast/int64_truncates", onnx.Int64),
		cast("Cast/int32", onnx.Int32),
		cast("Cast/bool", onnx.Bool),
		shape("Shape", 13),
		shape("Shape/opset15_start_end", 15, onnx.IntAttr("start", 1), onnx.IntAttr("end", -1)),
		size(),
		clip("Clip/opset9_attr", 9, "", "", onnx.FloatAttr("min", 0), onnx.FloatAttr("max", 6)),
		clip("Clip/opset11_inputs", 11, "min", "max"),
		clip("Clip/opset13_max_only", 13, "", "max"),
		clip("Clip/opset13_min_only", 13, "min", ""),
		topk("TopK/largest", 1),
		topk("TopK/smallest", 0),
		cumsum("CumSum"),
		cumsum("CumSum/exclusive_reverse", onnx.IntAttr("exclusive", 1), onnx.IntAttr("reverse", 1)),
		einsum(),
	}
}

// chainCases are the small multi-node patterns exporters write: shape
// arithmetic, decomposed norms and activations.
func chainCases() []Case {
	// torch's flatten: Shape → Gather → Unsqueeze → Concat → Reshape.
	flatten := func() Case {
		g := newGraph("Shape/chain_flatten", 13)
		x := g.x(2, 3, 4, 5)
		s := g.node("Shape", []string{x})
		b := g.node("Gather", []string{s, g.i64Scalar(0)}, onnx.IntAttr("axis", 0))
		u := g.node("Unsqueeze", []string{b, g.i64(0)})
		c := g.node("Concat", []string{u, g.i64(-1)}, onnx.IntAttr("axis", 0))
		g.output(g.node("Reshape", []string{x, c}))
		return g.build("Shape")
	}
	// Paddle's recogniser: Shape → Slice → Cast int32 → Cast int64 → Concat → Reshape.
	sliceShape := func() Case {
		g := newGraph("Shape/chain_slice_cast", 11)
		x := g.x(2, 3, 4, 5)
		s := g.node("Shape", []string{x})
		head := g.node("Slice", []string{s, g.i64(0), g.i64(2)})
		head = g.node("Cast", []string{head}, onnx.IntAttr("to", int64(onnx.Int32)))
		head = g.node("Cast", []string{head}, onnx.IntAttr("to", int64(onnx.Int64)))
		c := g.node("Concat", []string{head, g.i64(-1)}, onnx.IntAttr("axis", 0))
		g.output(g.node("Reshape", []string{x, c}))
		return g.build("Shape")
	}
	rangeShape := func() Case {
		g := newGraph("Range/chain_shape", 13)
		x := g.x(2, 3, 4)
		n := g.node("Gather", []string{g.node("Shape", []string{x}), g.i64Scalar(2)}, onnx.IntAttr("axis", 0))
		r := g.node("Range", []string{g.i64Scalar(0), n, g.i64Scalar(1)})
		g.output(g.node("Add", []string{x, g.toFloat(r)}))
		return g.build("Range")
	}
	constantOfShape := func() Case {
		g := newGraph("ConstantOfShape/chain_shape", 13)
		x := g.x(2, 3, 4)
		value := onnx.FloatTensor("v", []int64{1}, 1.5)
		c := g.node("ConstantOfShape", []string{g.node("Shape", []string{x})},
			onnx.Attr{Name: "value", Type: onnx.AttrTensor, T: &value})
		g.output(g.node("Mul", []string{x, c}))
		return g.build("ConstantOfShape")
	}
	expandShape := func() Case {
		g := newGraph("Expand/chain_shape", 13)
		x := g.x(2, 3, 5)
		y := g.input("y", distDefault, 1, 5)
		e := g.node("Expand", []string{y, g.node("Shape", []string{x})})
		g.output(g.node("Sub", []string{x, e}))
		return g.build("Expand")
	}
	whereEqual := func() Case {
		g := newGraph("Where/chain_equal", 13)
		x := g.input("x", distInts, 2, 3, 4)
		y := g.input("y", distDefault, 2, 3, 4)
		m := g.node("Equal", []string{x, g.f32Scalar(0)})
		g.output(g.node("Where", []string{m, y, x}))
		return g.build("Where")
	}
	// PaddleOCR's layer norm, opset 9: ReduceMean, Sub, Pow, Sqrt, Div.
	layerNorm := func() Case {
		g := newGraph("ReduceMean/chain_layer_norm", 9)
		x := g.input("x", distWide, 2, 5, 16)
		mean := g.node("ReduceMean", []string{x}, onnx.IntsAttr("axes", -1))
		d := g.node("Sub", []string{x, mean})
		v := g.node("ReduceMean", []string{g.node("Pow", []string{d, g.f32([]int64{1}, 2)})}, onnx.IntsAttr("axes", -1))
		std := g.node("Sqrt", []string{g.node("Add", []string{v, g.f32([]int64{1}, 1e-6)})})
		n := g.node("Div", []string{d, std})
		g.output(g.node("Add", []string{g.node("Mul", []string{n, g.positive(0.5, 1.5, 16)}), g.weight(0.5, 16)}))
		return g.build("ReduceMean")
	}
	// Paddle's hard swish: x · clip(x + 3, 0, 6) / 6.
	hardSwish := func() Case {
		g := newGraph("Clip/chain_hard_swish", 11)
		x := g.input("x", Dist{Lo: -6, Hi: 6}, 2, 3, 4, 5)
		c := g.node("Clip", []string{g.node("Add", []string{x, g.f32([]int64{1}, 3)}), g.f32Scalar(0), g.f32Scalar(6)})
		g.output(g.node("Div", []string{g.node("Mul", []string{x, c}), g.f32([]int64{1}, 6)}))
		return g.build("Clip")
	}
	// torch's exact GELU: x · 0.5 · (1 + erf(x / √2)).
	gelu := func() Case {
		g := newGraph("Erf/chain_gelu", 13)
		x := g.input("x", distWide, 2, 3, 8)
		e := g.node("Erf", []string{g.node("Div", []string{x, g.f32Scalar(1.4142135)})})
		h := g.node("Mul", []string{g.node("Add", []string{e, g.f32Scalar(1)}), g.f32Scalar(0.5)})
		g.output(g.node("Mul", []string{x, h}))
		return g.build("Erf")
	}
	// Attention: softmax(q·kᵀ·scale)·v, PaddleOCR's SVTR block.
	attention := func() Case {
		g := newGraph("MatMul/chain_attention", 9)
		q := g.input("q", distDefault, 1, 2, 6, 8)
		k := g.input("k", distDefault, 1, 2, 6, 8)
		v := g.input("v", distDefault, 1, 2, 6, 8)
		kt := g.node("Transpose", []string{k}, onnx.IntsAttr("perm", 0, 1, 3, 2))
		s := g.node("Mul", []string{g.node("MatMul", []string{q, kt}), g.f32([]int64{1}, 0.35355339)})
		p := g.node("Softmax", []string{s}, onnx.IntAttr("axis", 3))
		g.output(g.node("MatMul", []string{p, v}))
		return g.build("MatMul")
	}
	// Squeeze-and-excite: GlobalAveragePool → Conv → Relu → Conv →
	// HardSigmoid → Mul.
	squeezeExcite := func() Case {
		g := newGraph("GlobalAveragePool/chain_se", 11)
		x := g.input("x", distWide, 1, 8, 5, 6)
		p := g.node("GlobalAveragePool", []string{x})
		a := g.node("Relu", []string{g.node("Conv", []string{p, g.weight(0.5, 2, 8, 1, 1), g.weight(0.5, 2)})})
		b := g.node("Conv", []string{a, g.weight(0.5, 8, 2, 1, 1), g.weight(0.5, 8)})
		h := g.node("HardSigmoid", []string{b}, onnx.FloatAttr("alpha", 0.1666667), onnx.FloatAttr("beta", 0.5))
		g.output(g.node("Mul", []string{x, h}))
		return g.build("GlobalAveragePool")
	}
	return []Case{
		flatten(),
		sliceShape(),
		rangeShape(),
		constantOfShape(),
		expandShape(),
		whereEqual(),
		layerNorm(),
		hardSwish(),
		gelu(),
		attention(),
		squeezeExcite(),
	}
}

// edgeCases probe the corners of operator semantics where a converter
// built on another library's conventions is most likely to differ:
// integer division, ties, rounding, padding values, inferred shapes.
func edgeCases() []Case {
	intBinary := func(name, op string) Case {
		g := newGraph(name, 13)
		a := g.input("a", Dist{Lo: -20, Hi: 20, Round: true}, 3, 4, 5)
		b := g.input("b", Dist{Lo: 1, Hi: 6, Signed: true, Round: true}, 3, 4, 5)
		ai := g.node("Cast", []string{a}, onnx.IntAttr("to", int64(onnx.Int64)))
		bi := g.node("Cast", []string{b}, onnx.IntAttr("to", int64(onnx.Int64)))
		g.output(g.toFloat(g.node(op, []string{ai, bi})))
		return g.build(op)
	}
	// Round halves to even: x = k/2 for integers k.
	roundHalves := func() Case {
		g := newGraph("Round/halves_to_even", 13)
		x := g.input("x", Dist{Lo: -9, Hi: 9, Round: true}, 4, 5)
		g.output(g.node("Round", []string{g.node("Mul", []string{x, g.f32Scalar(0.5)})}))
		return g.build("Round")
	}
	cast := func(name string, to onnx.DataType, dist Dist) Case {
		g := newGraph(name, 13)
		c := g.node("Cast", []string{g.input("x", dist, 3, 4)}, onnx.IntAttr("to", int64(to)))
		g.output(g.toFloat(c))
		return g.build("Cast")
	}
	argTies := func() Case {
		g := newGraph("ArgMax/ties_first_index", 13)
		in := g.input("x", Dist{Lo: 0, Hi: 2, Round: true}, 3, 4, 6)
		g.output(g.toFloat(g.node("ArgMax", []string{in}, onnx.IntAttr("axis", -1))))
		return g.build("ArgMax")
	}
	gatherInt32 := func() Case {
		g := newGraph("Gather/int32_indices", 13)
		g.output(g.node("Gather", []string{g.x(5, 3), g.i32(4, -1, 0)}, onnx.IntAttr("axis", 0)))
		return g.build("Gather")
	}
	clipInverted := func() Case {
		g := newGraph("Clip/min_above_max", 13)
		x := g.input("x", distWide, 3, 4)
		g.output(g.node("Clip", []string{x, g.f32Scalar(1), g.f32Scalar(-1)}))
		return g.build("Clip")
	}
	reduceNoop := func() Case {
		g := newGraph("ReduceSum/noop_empty_axes", 13)
		g.output(g.node("ReduceSum", []string{g.x(2, 3, 4), g.i64Shaped([]int64{0})}, onnx.IntAttr("noop_with_empty_axes", 1)))
		return g.build("ReduceSum")
	}
	reduceEmptyAxes := func() Case {
		g := newGraph("ReduceSum/empty_axes_all", 13)
		y := g.node("ReduceSum", []string{g.x(2, 3, 4), g.i64Shaped([]int64{0})}, onnx.IntAttr("keepdims", 1))
		g.output(y)
		return g.build("ReduceSum")
	}
	expandSmaller := func() Case {
		g := newGraph("Expand/shape_of_lower_rank", 13)
		g.output(g.node("Expand", []string{g.x(2, 3, 1), g.i64(3, 4)}))
		return g.build("Expand")
	}
	constant := func(name string, attr onnx.Attr) Case {
		g := newGraph(name, 13)
		c := g.node("Constant", nil, attr)
		if attr.Type == onnx.AttrInt {
			c = g.toFloat(c)
		}
		g.output(g.node("Mul", []string{g.x(2, 3), c}))
		return g.build("Constant")
	}
	resize := func(name string, opset int64, x []int64, scales []float32, sizes []int64, axes []int64, attrs ...onnx.Attr) Case {
		g := newGraph(name, opset)
		ins := []string{g.x(x...), ""}
		if scales != nil {
			ins = append(ins, g.f32([]int64{int64(len(scales))}, scales...))
		} else {
			ins = append(ins, "", g.i64(sizes...))
		}
		if axes != nil {
			attrs = append(attrs, onnx.IntsAttr("axes", axes...))
		}
		g.output(g.node("Resize", ins, attrs...))
		return g.build("Resize")
	}
	upsample := func(name string, opset int64, attrs ...onnx.Attr) Case {
		g := newGraph(name, opset)
		ins := []string{g.x(1, 2, 3, 4)}
		if opset >= 9 {
			ins = append(ins, g.f32([]int64{4}, 1, 1, 2, 3))
		} else {
			attrs = append(attrs, onnx.FloatsAttr("scales", 1, 1, 2, 3))
		}
		g.output(g.node("Upsample", ins, attrs...))
		return g.build("Upsample")
	}
	pad := func(name string, opset int64, mode string) Case {
		g := newGraph(name, opset)
		g.output(g.node("Pad", []string{g.x(1, 2, 4, 5), g.i64(0, 0, 2, 3, 0, 0, 1, 2)}, onnx.StringAttr("mode", mode)))
		return g.build("Pad")
	}
	mode := func(m string) onnx.Attr { return onnx.StringAttr("mode", m) }
	ctm := func(m string) onnx.Attr { return onnx.StringAttr("coordinate_transformation_mode", m) }
	nm := func(m string) onnx.Attr { return onnx.StringAttr("nearest_mode", m) }
	k3 := onnx.IntsAttr("kernel_shape", 3, 3)
	s2 := onnx.IntsAttr("strides", 2, 2)
	return []Case{
		intBinary("Div/int_truncates", "Div"),
		intBinary("Mul/int", "Mul"),
		roundHalves(),
		cast("Cast/float16_rounds", onnx.Float16, distWide),
		cast("Cast/double", onnx.Double, distWide),
		cast("Cast/uint8", onnx.Uint8, Dist{Lo: 0, Hi: 250}),
		cast("Cast/int8", onnx.Int8, Dist{Lo: -100, Hi: 100}),
		argTies(),
		gatherInt32(),
		clipInverted(),
		reduceNoop(),
		reduceEmptyAxes(),
		expandSmaller(),
		constant("Constant/value_floats", onnx.FloatsAttr("value_floats", 0.5, -1, 2)),
		constant("Constant/value_int", onnx.IntAttr("value_int", 3)),
		pool("MaxPool/pad_negative_inputs", "MaxPool", 11, []int64{1, 2, 6, 6}, k3, s2, onnx.IntsAttr("pads", 1, 1, 1, 1)),
		pool("AveragePool/ceil_include_pad", "AveragePool", 11, []int64{1, 2, 7, 8}, k3, s2,
			onnx.IntsAttr("pads", 1, 1, 1, 1), onnx.IntAttr("ceil_mode", 1), onnx.IntAttr("count_include_pad", 1)),
		convT("ConvTranspose/same_upper_s2", []int64{1, 2, 4, 5}, []int64{2, 3, 3, 3}, 3,
			onnx.StringAttr("auto_pad", "SAME_UPPER"), s2),
		convT("ConvTranspose/output_shape", []int64{1, 2, 4, 4}, []int64{2, 3, 3, 3}, 0,
			s2, onnx.IntsAttr("output_shape", 9, 9)),
		func() Case {
			g := newGraph("Gemm/transA_transB", 13)
			x := g.input("a", distDefault, 4, 3)
			g.output(g.node("Gemm", []string{x, g.weight(0.5, 5, 4), g.weight(0.5, 1)},
				onnx.IntAttr("transA", 1), onnx.IntAttr("transB", 1)))
			return g.build("Gemm")
		}(),
		resize("Resize/nearest_round_prefer_ceil_sizes", 13, []int64{1, 2, 4, 5}, nil, []int64{1, 2, 7, 9}, nil,
			mode("nearest"), ctm("half_pixel"), nm("round_prefer_ceil")),
		resize("Resize/nearest_ceil_asymmetric_x1.5", 13, []int64{1, 2, 4, 6}, []float32{1, 1, 1.5, 1.5}, nil, nil,
			mode("nearest"), ctm("asymmetric"), nm("ceil")),
		resize("Resize/nearest_tf_half_pixel_for_nn", 13, []int64{1, 2, 4, 5}, nil, []int64{1, 2, 7, 3}, nil,
			mode("nearest"), ctm("tf_half_pixel_for_nn")),
		resize("Resize/linear_half_pixel_symmetric", 19, []int64{1, 2, 4, 5}, nil, []int64{1, 2, 7, 9}, nil,
			mode("linear"), ctm("half_pixel_symmetric")),
		resize("Resize/opset18_axes_scales", 18, []int64{1, 2, 4, 5}, []float32{2, 1.5}, nil, []int64{2, 3},
			mode("linear")),
		resize("Resize/linear_3d", 13, []int64{1, 3, 5}, nil, []int64{1, 3, 9}, nil, mode("linear")),
		upsample("Upsample/opset7_attr", 7, mode("nearest")),
		upsample("Upsample/linear", 9, mode("linear")),
		pad("Pad/opset19_wrap", 19, "wrap"),
		func() Case {
			g := newGraph("Shape/opset15_negative_start", 15)
			g.output(g.toFloat(g.node("Shape", []string{g.x(2, 3, 4, 5)}, onnx.IntAttr("start", -3))))
			return g.build("Shape")
		}(),
		func() Case {
			g := newGraph("BatchNormalization/rank3", 15)
			in := g.input("x", distWide, 2, 4, 7)
			g.output(g.node("BatchNormalization", []string{in,
				g.positive(0.5, 1.5, 4), g.weight(0.5, 4), g.weight(0.5, 4), g.positive(0.1, 2, 4)}))
			return g.build("BatchNormalization")
		}(),
	}
}
