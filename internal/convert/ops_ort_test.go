package convert

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"dataplus/internal/infer"
	"dataplus/internal/onnx"
)

// opCase is a small graph compared with ONNX Runtime. Its inputs get
// random values; its output is "y" unless outs says otherwise.
type opCase struct {
	name   string
	opset  int64
	nodes  []onnx.Node
	inits  []onnx.Tensor
	inputs []onnx.ValueInfo
	outs   []string
	tol    float64
}

func nd(op string, ins, outs []string, as ...onnx.Attr) onnx.Node {
	return onnx.Node{Name: op + "_" + outs[0], OpType: op, Inputs: ins, Outputs: outs, Attrs: attrs(as...)}
}

// xy is a one-node graph from x to y.
func xy(op string, as ...onnx.Attr) []onnx.Node {
	return []onnx.Node{nd(op, []string{"x"}, []string{"y"}, as...)}
}

// toFloat appends a Cast of v to float as y (ONNX Runtime sessions here
// return float32 only).
func toFloat(v string) onnx.Node {
	return nd("Cast", []string{v}, []string{"y"}, onnx.IntAttr("to", int64(onnx.Float)))
}

func ins(vs ...onnx.ValueInfo) []onnx.ValueInfo { return vs }

func s(strs ...string) []string { return strs }

func opCases() []opCase {
	x4 := ins(fvi("x", 1, 2, 5, 7))
	var cases []opCase
	add := func(c opCase) { cases = append(cases, c) }

	// Resize: every coordinate mode and nearest mode, up and down.
	for _, ctm := range resizeCoordModes {
		opset := int64(13)
		if ctm == "half_pixel_symmetric" {
			opset = 19
		}
		for _, nm := range resizeNearestMode {
			add(opCase{name: fmt.Sprintf("Resize nearest %s %s up", ctm, nm), opset: opset, inputs: x4,
				nodes: []onnx.Node{nd("Resize", s("x", "", "", "sizes"), s("y"), onnx.StringAttr("mode", "nearest"),
					onnx.StringAttr("coordinate_transformation_mode", ctm), onnx.StringAttr("nearest_mode", nm))},
				inits: []onnx.Tensor{onnx.Int64Tensor("sizes", []int64{4}, 1, 2, 8, 11)}})
			add(opCase{name: fmt.Sprintf("Resize nearest %s %s down", ctm, nm), opset: opset, inputs: x4,
				nodes: []onnx.Node{nd("Resize", s("x", "", "scales"), s("y"), onnx.StringAttr("mode", "nearest"),
					onnx.StringAttr("coordinate_transformation_mode", ctm), onnx.StringAttr("nearest_mode", nm))},
				inits: []onnx.Tensor{onnx.FloatTensor("scales", []int64{4}, 1, 1, 0.6, 0.45)}})
		}
		if ctm == "tf_half_pixel_for_nn" {
			continue
		}
		add(opCase{name: "Resize linear " + ctm + " up", opset: opset, inputs: x4,
			nodes: []onnx.Node{nd("Resize", s("x", "", "scales"), s("y"), onnx.StringAttr("mode", "linear"),
				onnx.StringAttr("coordinate_transformation_mode", ctm))},
			inits: []onnx.Tensor{onnx.FloatTensor("scales", []int64{4}, 1, 1, 2, 1.5)}})
		add(opCase{name: "Resize linear " + ctm + " sizes down", opset: opset, inputs: x4,
			nodes: []onnx.Node{nd("Resize", s("x", "", "", "sizes"), s("y"), onnx.StringAttr("mode", "linear"),
				onnx.StringAttr("coordinate_transformation_mode", ctm))},
			inits: []onnx.Tensor{onnx.Int64Tensor("sizes", []int64{4}, 1, 2, 3, 4)}})
	}
	add(opCase{name: "Resize opset 11 nearest x2 (PaddleOCR)", opset: 11, inputs: x4,
		nodes: []onnx.Node{nd("Resize", s("x", "roi", "scales"), s("y"), onnx.StringAttr("mode", "nearest"),
			onnx.StringAttr("coordinate_transformation_mode", "asymmetric"), onnx.StringAttr("nearest_mode", "floor"))},
		inits: []onnx.Tensor{onnx.FloatTensor("roi", []int64{0}), onnx.FloatTensor("scales", []int64{4}, 1, 1, 2, 2)}})
	for _, mode := range []string{"nearest", "linear"} {
		add(opCase{name: "Resize opset 10 " + mode, opset: 10, inputs: x4,
			nodes: []onnx.Node{nd("Resize", s("x", "scales"), s("y"), onnx.StringAttr("mode", mode))},
			inits: []onnx.Tensor{onnx.FloatTensor("scales", []int64{4}, 1, 1, 3, 0.6)}})
	}
	add(opCase{name: "Resize opset 18 axes", opset: 18, inputs: x4,
		nodes: []onnx.Node{nd("Resize", s("x", "", "scales"), s("y"), onnx.StringAttr("mode", "linear"), onnx.IntsAttr("axes", 3, 2))},
		inits: []onnx.Tensor{onnx.FloatTensor("scales", []int64{2}, 2, 0.5)}})

	// Upsample (opset 7 attribute, opset 9 input).
	for _, mode := range []string{"nearest", "linear"} {
		add(opCase{name: "Upsample opset 9 " + mode, opset: 9, inputs: x4,
			nodes: []onnx.Node{nd("Upsample", s("x", "scales"), s("y"), onnx.StringAttr("mode", mode))},
			inits: []onnx.Tensor{onnx.FloatTensor("scales", []int64{4}, 1, 1, 3, 1.5)}})
		add(opCase{name: "Upsample opset 7 " + mode, opset: 7, inputs: x4,
			nodes: []onnx.Node{nd("Upsample", s("x"), s("y"), onnx.StringAttr("mode", mode), onnx.FloatsAttr("scales", 1, 1, 2, 2))}})
	}

	// Convolutions.
	rng := rand.New(rand.NewPCG(21, 22))
	w := func(name string, dims ...int64) onnx.Tensor { return randTensor(rng, name, 0.5, dims...) }
	add(opCase{name: "Conv SAME_LOWER stride 2", opset: 11, inputs: ins(fvi("x", 1, 4, 9, 8)),
		nodes: []onnx.Node{nd("Conv", s("x", "w", "b"), s("y"), onnx.StringAttr("auto_pad", "SAME_LOWER"), onnx.IntsAttr("strides", 2, 2))},
		inits: []onnx.Tensor{w("w", 6, 4, 3, 2), w("b", 6)}})
	add(opCase{name: "Conv dilations pads", opset: 11, inputs: ins(fvi("x", 1, 4, 9, 8)),
		nodes: []onnx.Node{nd("Conv", s("x", "w", "b"), s("y"), onnx.IntsAttr("pads", 2, 0, 1, 1), onnx.IntsAttr("strides", 2, 1), onnx.IntsAttr("dilations", 2, 3))},
		inits: []onnx.Tensor{w("w", 6, 4, 3, 2), w("b", 6)}})
	add(opCase{name: "Conv group 2 pads", opset: 11, inputs: ins(fvi("x", 2, 4, 6, 6)),
		nodes: []onnx.Node{nd("Conv", s("x", "w"), s("y"), onnx.IntAttr("group", 2), onnx.IntsAttr("pads", 0, 1, 2, 1), onnx.IntsAttr("strides", 1, 2))},
		inits: []onnx.Tensor{w("w", 6, 2, 3, 3)}})
	add(opCase{name: "Conv 1-D VALID", opset: 11, inputs: ins(fvi("x", 1, 3, 10)),
		nodes: []onnx.Node{nd("Conv", s("x", "w", "b"), s("y"), onnx.StringAttr("auto_pad", "VALID"), onnx.IntsAttr("strides", 3))},
		inits: []onnx.Tensor{w("w", 2, 3, 4), w("b", 2)}})
	add(opCase{name: "Conv depthwise SAME_UPPER", opset: 11, inputs: ins(fvi("x", 1, 4, 7, 7)),
		nodes: []onnx.Node{nd("Conv", s("x", "w"), s("y"), onnx.IntAttr("group", 4), onnx.StringAttr("auto_pad", "SAME_UPPER"), onnx.IntsAttr("strides", 2, 2))},
		inits: []onnx.Tensor{w("w", 8, 1, 5, 5)}})
	add(opCase{name: "ConvTranspose stride 2 pads output_padding", opset: 11, inputs: ins(fvi("x", 1, 4, 5, 6)),
		nodes: []onnx.Node{nd("ConvTranspose", s("x", "w", "b"), s("y"), onnx.IntsAttr("strides", 2, 3), onnx.IntsAttr("pads", 1, 0, 0, 2), onnx.IntsAttr("output_padding", 1, 2))},
		inits: []onnx.Tensor{w("w", 4, 3, 3, 4), w("b", 3)}})
	add(opCase{name: "ConvTranspose group dilations", opset: 11, inputs: ins(fvi("x", 1, 4, 5, 5)),
		nodes: []onnx.Node{nd("ConvTranspose", s("x", "w"), s("y"), onnx.IntAttr("group", 2), onnx.IntsAttr("dilations", 2, 1), onnx.IntsAttr("strides", 2, 2))},
		inits: []onnx.Tensor{w("w", 4, 3, 3, 3)}})
	for _, os := range [][]int64{{9, 10}, {8, 7}} {
		for _, ap := range []string{"NOTSET", "SAME_UPPER", "SAME_LOWER"} {
			add(opCase{name: fmt.Sprintf("ConvTranspose output_shape %v %s", os, ap), opset: 11, inputs: ins(fvi("x", 1, 2, 4, 4)),
				nodes: []onnx.Node{nd("ConvTranspose", s("x", "w"), s("y"), onnx.IntsAttr("strides", 2, 2), onnx.IntsAttr("output_shape", os...), onnx.StringAttr("auto_pad", ap))},
				inits: []onnx.Tensor{w("w", 2, 2, 3, 3)}})
		}
	}
	for _, ap := range []string{"SAME_UPPER", "SAME_LOWER"} {
		add(opCase{name: "ConvTranspose " + ap, opset: 11, inputs: ins(fvi("x", 1, 2, 4, 5)),
			nodes: []onnx.Node{nd("ConvTranspose", s("x", "w"), s("y"), onnx.IntsAttr("strides", 2, 2), onnx.StringAttr("auto_pad", ap))},
			inits: []onnx.Tensor{w("w", 2, 2, 3, 4)}})
	}
	add(opCase{name: "ConvTranspose PaddleOCR 2x2 stride 2", opset: 11, inputs: ins(fvi("x", 1, 4, 6, 6)),
		nodes: []onnx.Node{nd("ConvTranspose", s("x", "w", "b"), s("y"), onnx.IntsAttr("strides", 2, 2), onnx.IntsAttr("kernel_shape", 2, 2), onnx.IntAttr("group", 1))},
		inits: []onnx.Tensor{w("w", 4, 4, 2, 2), w("b", 4)}})

	// Pooling.
	for _, ceil := range []int64{0, 1} {
		add(opCase{name: fmt.Sprintf("MaxPool ceil_mode=%d", ceil), opset: 12, inputs: ins(fvi("x", 1, 2, 8, 9)),
			nodes: xy("MaxPool", onnx.IntsAttr("kernel_shape", 3, 3), onnx.IntsAttr("strides", 2, 2), onnx.IntsAttr("pads", 1, 0, 1, 1), onnx.IntAttr("ceil_mode", ceil))})
		for _, inc := range []int64{0, 1} {
			add(opCase{name: fmt.Sprintf("AveragePool ceil_mode=%d count_include_pad=%d", ceil, inc), opset: 11, inputs: ins(fvi("x", 1, 2, 8, 9)),
				nodes: xy("AveragePool", onnx.IntsAttr("kernel_shape", 3, 2), onnx.IntsAttr("strides", 2, 2), onnx.IntsAttr("pads", 1, 1, 1, 0),
					onnx.IntAttr("ceil_mode", ceil), onnx.IntAttr("count_include_pad", inc))})
		}
	}
	add(opCase{name: "MaxPool SAME_UPPER", opset: 11, inputs: ins(fvi("x", 1, 2, 7, 8)),
		nodes: xy("MaxPool", onnx.IntsAttr("kernel_shape", 3, 3), onnx.IntsAttr("strides", 2, 2), onnx.StringAttr("auto_pad", "SAME_UPPER"))})
	add(opCase{name: "AveragePool SAME_LOWER", opset: 11, inputs: ins(fvi("x", 1, 2, 7, 8)),
		nodes: xy("AveragePool", onnx.IntsAttr("kernel_shape", 2, 3), onnx.IntsAttr("strides", 2, 2), onnx.StringAttr("auto_pad", "SAME_LOWER"))})
	add(opCase{name: "AveragePool opset 9 (PaddleOCR)", opset: 9, inputs: ins(fvi("x", 1, 3, 3, 16)),
		nodes: xy("AveragePool", onnx.IntsAttr("kernel_shape", 2, 2), onnx.IntsAttr("strides", 2, 2))})
	add(opCase{name: "GlobalMaxPool", opset: 11, inputs: ins(fvi("x", 1, 3, 4, 5)), nodes: xy("GlobalMaxPool")})

	// Pad.
	add(opCase{name: "Pad opset 9 attrs", opset: 9, inputs: ins(fvi("x", 2, 3, 4)),
		nodes: xy("Pad", onnx.IntsAttr("pads", 0, 1, 2, 1, 0, -1), onnx.FloatAttr("value", 1.5))})
	for _, mode := range []string{"constant", "reflect", "edge"} {
		add(opCase{name: "Pad opset 13 " + mode, opset: 13, inputs: ins(fvi("x", 1, 2, 4, 5)),
			nodes: []onnx.Node{nd("Pad", s("x", "pads", "cv"), s("y"), onnx.StringAttr("mode", mode))},
			inits: []onnx.Tensor{onnx.Int64Tensor("pads", []int64{8}, 0, 0, 2, 3, 0, 0, 3, 1), onnx.FloatTensor("cv", nil, -2)}})
	}
	add(opCase{name: "Pad opset 19 wrap axes", opset: 19, inputs: ins(fvi("x", 1, 2, 4, 5)),
		nodes: []onnx.Node{nd("Pad", s("x", "pads", "", "axes"), s("y"), onnx.StringAttr("mode", "wrap"))},
		inits: []onnx.Tensor{onnx.Int64Tensor("pads", []int64{4}, 2, 1, 3, 4), onnx.Int64Tensor("axes", []int64{2}, -1, 2)}})

	// Normalisation and softmax.
	add(opCase{name: "Softmax opset 11 axis 1", opset: 11, inputs: ins(fvi("x", 2, 3, 4)), nodes: xy("Softmax")})
	add(opCase{name: "Softmax opset 9 default", opset: 9, inputs: ins(fvi("x", 2, 3, 4)), nodes: xy("Softmax")})
	add(opCase{name: "Softmax opset 13 axis 1", opset: 13, inputs: ins(fvi("x", 2, 3, 4)), nodes: xy("Softmax", onnx.IntAttr("axis", 1))})
	add(opCase{name: "LogSoftmax opset 13", opset: 13, inputs: ins(fvi("x", 2, 3, 4)), nodes: xy("LogSoftmax")})
	add(opCase{name: "LogSoftmax opset 11 axis -2", opset: 11, inputs: ins(fvi("x", 2, 3, 4)), nodes: xy("LogSoftmax", onnx.IntAttr("axis", -2))})
	add(opCase{name: "LayerNormalization", opset: 17, inputs: ins(fvi("x", 2, 3, 4)),
		nodes: []onnx.Node{nd("LayerNormalization", s("x", "sc", "bi"), s("y"), onnx.IntAttr("axis", -2), onnx.FloatAttr("epsilon", 1e-3))},
		inits: []onnx.Tensor{w("sc", 3, 4), w("bi", 4)}})
	add(opCase{name: "InstanceNormalization", opset: 11, inputs: ins(fvi("x", 2, 3, 4, 2)),
		nodes: []onnx.Node{nd("InstanceNormalization", s("x", "sc", "bi"), s("y"))},
		inits: []onnx.Tensor{w("sc", 3), w("bi", 3)}})
	add(opCase{name: "BatchNormalization big C", opset: 15, inputs: ins(fvi("x", 1, 70, 2, 2)),
		nodes: []onnx.Node{nd("BatchNormalization", s("x", "sc", "bi", "mu", "va"), s("y"))},
		inits: []onnx.Tensor{w("sc", 70), w("bi", 70), w("mu", 70), onnx.FloatTensor("va", []int64{70}, make([]float32, 70)...)}})

	// Matrix products.
	add(opCase{name: "MatMul batched broadcast", opset: 13, inputs: ins(fvi("x", 2, 1, 3, 4), fvi("z", 3, 4, 5)),
		nodes: []onnx.Node{nd("MatMul", s("x", "z"), s("y"))}})
	add(opCase{name: "MatMul 1-D left", opset: 13, inputs: ins(fvi("x", 4), fvi("z", 2, 4, 5)),
		nodes: []onnx.Node{nd("MatMul", s("x", "z"), s("y"))}})
	add(opCase{name: "MatMul 1-D right", opset: 13, inputs: ins(fvi("x", 2, 3, 4), fvi("z", 4)),
		nodes: []onnx.Node{nd("MatMul", s("x", "z"), s("y"))}})
	add(opCase{name: "MatMul weights", opset: 13, inputs: ins(fvi("x", 2, 3, 16)),
		nodes: []onnx.Node{nd("MatMul", s("x", "w"), s("y"))}, inits: []onnx.Tensor{w("w", 16, 8)}})
	add(opCase{name: "Gemm trans alpha beta", opset: 13, inputs: ins(fvi("x", 4, 3)),
		nodes: []onnx.Node{nd("Gemm", s("x", "w", "c"), s("y"), onnx.IntAttr("transA", 1), onnx.IntAttr("transB", 1), onnx.FloatAttr("alpha", 0.5), onnx.FloatAttr("beta", 2))},
		inits: []onnx.Tensor{w("w", 5, 4), w("c", 1, 5)}})

	// Elementwise.
	for _, op := range []string{"Erf", "Round", "Sign", "Softplus", "Softsign", "Sigmoid", "Tanh", "Exp", "Abs", "Neg", "Floor", "Ceil", "Relu", "Sin", "Cos", "HardSwish"} {
		add(opCase{name: op, opset: 14, inputs: ins(fvi("x", 3, 7)), nodes: xy(op)})
	}
	for _, op := range []string{"Sqrt", "Log", "Reciprocal"} {
		add(opCase{name: op, opset: 13, inputs: ins(fvi("x", 3, 7)),
			nodes: []onnx.Node{nd("Abs", s("x"), s("a")), nd(op, s("a"), s("y"))}})
	}
	add(opCase{name: "HardSigmoid", opset: 13, inputs: ins(fvi("x", 3, 7)), nodes: xy("HardSigmoid", onnx.FloatAttr("alpha", 0.3), onnx.FloatAttr("beta", 0.6))})
	add(opCase{name: "LeakyRelu", opset: 13, inputs: ins(fvi("x", 3, 7)), nodes: xy("LeakyRelu", onnx.FloatAttr("alpha", 0.2))})
	add(opCase{name: "Elu", opset: 13, inputs: ins(fvi("x", 3, 7)), nodes: xy("Elu", onnx.FloatAttr("alpha", 0.7))})
	add(opCase{name: "Selu", opset: 13, inputs: ins(fvi("x", 3, 7)), nodes: xy("Selu")})
	add(opCase{name: "PRelu", opset: 13, inputs: ins(fvi("x", 2, 3, 4)),
		nodes: []onnx.Node{nd("PRelu", s("x", "sl"), s("y"))}, inits: []onnx.Tensor{w("sl", 3, 1)}})
	for _, approx := range []string{"none", "tanh"} {
		add(opCase{name: "Gelu " + approx, opset: 20, inputs: ins(fvi("x", 3, 7)), nodes: xy("Gelu", onnx.StringAttr("approximate", approx))})
	}
	add(opCase{name: "Pow broadcast", opset: 13, inputs: ins(fvi("x", 3, 4)),
		nodes: []onnx.Node{nd("Abs", s("x"), s("a")), nd("Pow", s("a", "e"), s("y"))}, inits: []onnx.Tensor{onnx.FloatTensor("e", []int64{4}, 2, 0.5, 3, -1.5)}})
	add(opCase{name: "Mod fmod=1", opset: 13, inputs: ins(fvi("x", 3, 4)),
		nodes: []onnx.Node{nd("Mod", s("x", "d"), s("y"), onnx.IntAttr("fmod", 1))}, inits: []onnx.Tensor{onnx.FloatTensor("d", []int64{4}, 0.3, -0.3, 0.7, -0.25)}})
	add(opCase{name: "Mod int fmod=0", opset: 13, inputs: ins(fvi("x", 3, 4)),
		nodes: []onnx.Node{
			nd("Mul", s("x", "ten"), s("x10")),
			nd("Cast", s("x10"), s("xi"), onnx.IntAttr("to", int64(onnx.Int64))),
			nd("Mod", s("xi", "d"), s("m")), toFloat("m")},
		inits: []onnx.Tensor{onnx.FloatTensor("ten", nil, 10), onnx.Int64Tensor("d", []int64{4}, 3, -3, 4, -2)}})
	add(opCase{name: "Min Max Sum Mean", opset: 13, inputs: ins(fvi("x", 3, 4), fvi("z", 4)),
		nodes: []onnx.Node{nd("Min", s("x", "z"), s("a")), nd("Max", s("x", "z", "a"), s("b")), nd("Sum", s("a", "b", "z"), s("c")),
			nd("Mean", s("a", "b", "c"), s("y"))}})
	add(opCase{name: "Where Equal Less Not And", opset: 13, inputs: ins(fvi("x", 3, 4), fvi("z", 4)),
		nodes: []onnx.Node{nd("Less", s("x", "z"), s("l")), nd("Round", s("x"), s("r")), nd("Equal", s("r", "zero"), s("e")),
			nd("Not", s("e"), s("ne")), nd("And", s("l", "ne"), s("c")), nd("Where", s("c", "x", "z"), s("y"))},
		inits: []onnx.Tensor{onnx.FloatTensor("zero", nil, 0)}})
	add(opCase{name: "Greater Or Xor GreaterOrEqual LessOrEqual", opset: 13, inputs: ins(fvi("x", 3, 4), fvi("z", 4)),
		nodes: []onnx.Node{nd("Greater", s("x", "z"), s("g")), nd("GreaterOrEqual", s("x", "zero"), s("ge")), nd("LessOrEqual", s("z", "zero"), s("le")),
			nd("Or", s("g", "ge"), s("o")), nd("Xor", s("o", "le"), s("c")), toFloat("c")},
		inits: []onnx.Tensor{onnx.FloatTensor("zero", nil, 0)}})
	add(opCase{name: "Dropout with mask", opset: 13, inputs: ins(fvi("x", 3, 4)),
		nodes: []onnx.Node{nd("Dropout", s("x"), s("d", "mask")), nd("Cast", s("mask"), s("mf"), onnx.IntAttr("to", int64(onnx.Float))), nd("Add", s("d", "mf"), s("y"))}})

	// Shapes and layout.
	add(opCase{name: "Split opset 18 num_outputs uneven", opset: 18, inputs: ins(fvi("x", 2, 7)),
		nodes: []onnx.Node{nd("Split", s("x"), s("a", "b", "c"), onnx.IntAttr("axis", 1), onnx.IntAttr("num_outputs", 3))}, outs: s("a", "b", "c")})
	add(opCase{name: "Split opset 13 input", opset: 13, inputs: ins(fvi("x", 2, 7)),
		nodes: []onnx.Node{nd("Split", s("x", "sp"), s("a", "b"), onnx.IntAttr("axis", -1))}, inits: []onnx.Tensor{onnx.Int64Tensor("sp", []int64{2}, 5, 2)}, outs: s("a", "b")})
	add(opCase{name: "Split opset 11 attr and even", opset: 11, inputs: ins(fvi("x", 4, 3)),
		nodes: []onnx.Node{nd("Split", s("x"), s("a", "b"), onnx.IntsAttr("split", 1, 3)), nd("Split", s("x"), s("c", "d"))}, outs: s("a", "b", "c", "d")})
	add(opCase{name: "Tile", opset: 13, inputs: ins(fvi("x", 2, 3)),
		nodes: []onnx.Node{nd("Tile", s("x", "r"), s("y"))}, inits: []onnx.Tensor{onnx.Int64Tensor("r", []int64{2}, 3, 2)}})
	add(opCase{name: "Expand", opset: 13, inputs: ins(fvi("x", 3, 1)),
		nodes: []onnx.Node{nd("Expand", s("x", "sh"), s("y"))}, inits: []onnx.Tensor{onnx.Int64Tensor("sh", []int64{3}, 2, 1, 4)}})
	add(opCase{name: "Squeeze Unsqueeze Flatten Transpose opset 11", opset: 11, inputs: ins(fvi("x", 2, 1, 3, 1)),
		nodes: []onnx.Node{nd("Squeeze", s("x"), s("a"), onnx.IntsAttr("axes", 1)), nd("Unsqueeze", s("a"), s("b"), onnx.IntsAttr("axes", 0, -1)),
			nd("Transpose", s("b"), s("c")), nd("Flatten", s("c"), s("y"), onnx.IntAttr("axis", -2))}})
	add(opCase{name: "Squeeze all Unsqueeze opset 13", opset: 13, inputs: ins(fvi("x", 2, 1, 3, 1)),
		nodes: []onnx.Node{nd("Squeeze", s("x"), s("a")), nd("Unsqueeze", s("a", "ax"), s("b")), nd("Transpose", s("b"), s("y"), onnx.IntsAttr("perm", 2, 0, 1))},
		inits: []onnx.Tensor{onnx.Int64Tensor("ax", []int64{1}, 1)}})
	add(opCase{name: "Shape arithmetic", opset: 15, inputs: ins(fvi("x", 2, 3, 4)),
		nodes: []onnx.Node{
			nd("Shape", s("x"), s("sh"), onnx.IntAttr("start", -2)),
			nd("ReduceProd", s("sh"), s("p"), onnx.IntAttr("keepdims", 1)),
			nd("Shape", s("x"), s("first"), onnx.IntAttr("end", 1)),
			nd("Concat", s("first", "p"), s("target"), onnx.IntAttr("axis", 0)),
			nd("Reshape", s("x", "target"), s("r")),
			nd("Size", s("x"), s("n")),
			nd("Cast", s("n"), s("nf"), onnx.IntAttr("to", int64(onnx.Float))),
			nd("Div", s("r", "nf"), s("q")),
			nd("Range", s("zero", "p0", "one"), s("rg")),
			nd("Cast", s("rg"), s("rgf"), onnx.IntAttr("to", int64(onnx.Float))),
			nd("ConstantOfShape", s("target"), s("ones"), onnx.Attr{Name: "value", Type: onnx.AttrTensor, T: ptr(onnx.FloatTensor("", []int64{1}, 1))}),
			nd("Add", s("q", "rgf"), s("q2")),
			nd("Add", s("q2", "ones"), s("y"))},
		inits: []onnx.Tensor{onnx.Int64Tensor("zero", nil, 0), onnx.Int64Tensor("p0", nil, 12), onnx.Int64Tensor("one", nil, 1)}})
	add(opCase{name: "Gather axis 1 2-D indices", opset: 13, inputs: ins(fvi("x", 2, 5, 3)),
		nodes: []onnx.Node{nd("Gather", s("x", "i"), s("y"), onnx.IntAttr("axis", 1))}, inits: []onnx.Tensor{onnx.Int64Tensor("i", []int64{2, 3}, 4, -1, 0, 2, 2, -5)}})
	add(opCase{name: "Slice opset 10 negative step", opset: 10, inputs: ins(fvi("x", 4, 6)),
		nodes: []onnx.Node{nd("Slice", s("x", "st", "en", "ax", "sp"), s("y"))},
		inits: []onnx.Tensor{onnx.Int64Tensor("st", []int64{2}, 100, 1), onnx.Int64Tensor("en", []int64{2}, -100, 5), onnx.Int64Tensor("ax", []int64{2}, 1, 0), onnx.Int64Tensor("sp", []int64{2}, -2, 3)}})

	// Exporter patterns: torch's cls_token.expand(n, -1, -1) and attention.
	add(opCase{name: "class token expand", opset: 13, inputs: ins(fvi("x", 2, 5, 8)),
		nodes: []onnx.Node{
			nd("Shape", s("x"), s("sh")),
			nd("Gather", s("sh", "zero"), s("n")),
			nd("Unsqueeze", s("n", "ax0"), s("n1")),
			nd("Concat", s("n1", "m1", "m1"), s("target"), onnx.IntAttr("axis", 0)),
			nd("ConstantOfShape", s("three"), s("ones"), onnx.Attr{Name: "value", Type: onnx.AttrTensor, T: ptr(onnx.Int64Tensor("", []int64{1}, 1))}),
			nd("Mul", s("ones", "m1"), s("neg")),
			nd("Equal", s("target", "neg"), s("eq")),
			nd("Where", s("eq", "ones", "target"), s("shape2")),
			nd("Expand", s("cls", "shape2"), s("e")),
			nd("Concat", s("e", "x"), s("y"), onnx.IntAttr("axis", 1))},
		inits: []onnx.Tensor{onnx.Int64Tensor("zero", nil, 0), onnx.Int64Tensor("ax0", []int64{1}, 0), onnx.Int64Tensor("m1", []int64{1}, -1),
			onnx.Int64Tensor("three", []int64{1}, 3), w("cls", 1, 1, 8)}})
	add(opCase{name: "attention", opset: 13, inputs: ins(fvi("x", 2, 5, 8)),
		nodes: []onnx.Node{
			nd("MatMul", s("x", "wq"), s("q0")), nd("MatMul", s("x", "wk"), s("k0")), nd("MatMul", s("x", "wv"), s("v0")),
			nd("Reshape", s("q0", "heads"), s("q1")), nd("Reshape", s("k0", "heads"), s("k1")), nd("Reshape", s("v0", "heads"), s("v1")),
			nd("Transpose", s("q1"), s("q"), onnx.IntsAttr("perm", 0, 2, 1, 3)),
			nd("Transpose", s("k1"), s("kt"), onnx.IntsAttr("perm", 0, 2, 3, 1)),
			nd("Transpose", s("v1"), s("v"), onnx.IntsAttr("perm", 0, 2, 1, 3)),
			nd("MatMul", s("q", "kt"), s("att0")), nd("Div", s("att0", "scale"), s("att1")),
			nd("Softmax", s("att1"), s("att"), onnx.IntAttr("axis", -1)),
			nd("MatMul", s("att", "v"), s("o0")), nd("Transpose", s("o0"), s("o1"), onnx.IntsAttr("perm", 0, 2, 1, 3)),
			nd("Reshape", s("o1", "flat"), s("y"))},
		inits: []onnx.Tensor{w("wq", 8, 8), w("wk", 8, 8), w("wv", 8, 8), onnx.Int64Tensor("heads", []int64{4}, 0, 0, 2, 4),
			onnx.FloatTensor("scale", nil, 2), onnx.Int64Tensor("flat", []int64{3}, 0, 0, -1)}})

	// Reductions.
	for _, op := range []string{"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSumExp"} {
		add(opCase{name: op + " opset 13 attrs", opset: 13, inputs: ins(fvi("x", 2, 3, 4)),
			nodes: xy(op, onnx.IntsAttr("axes", -1, 0), onnx.IntAttr("keepdims", 0))})
		if op == "ReduceSum" {
			cases[len(cases)-1].nodes = []onnx.Node{nd(op, s("x", "ax"), s("y"), onnx.IntAttr("keepdims", 0))}
			cases[len(cases)-1].inits = []onnx.Tensor{onnx.Int64Tensor("ax", []int64{2}, -1, 0)}
		}
		add(opCase{name: op + " opset 18 input", opset: 18, inputs: ins(fvi("x", 2, 3, 4)),
			nodes: []onnx.Node{nd(op, s("x", "ax"), s("y"))}, inits: []onnx.Tensor{onnx.Int64Tensor("ax", []int64{1}, 1)}})
		add(opCase{name: op + " opset 18 all", opset: 18, inputs: ins(fvi("x", 2, 3, 4)), nodes: xy(op)})
	}
	add(opCase{name: "ReduceMean noop_with_empty_axes", opset: 18, inputs: ins(fvi("x", 2, 3)), nodes: xy("ReduceMean", onnx.IntAttr("noop_with_empty_axes", 1))})
	add(opCase{name: "ArgMax ArgMin", opset: 13, inputs: ins(fvi("x", 3, 5)),
		nodes: []onnx.Node{nd("ArgMax", s("x"), s("a"), onnx.IntAttr("axis", 1)), nd("ArgMin", s("x"), s("b"), onnx.IntAttr("keepdims", 0)),
			nd("Cast", s("a"), s("af"), onnx.IntAttr("to", int64(onnx.Float))), nd("Cast", s("b"), s("bf"), onnx.IntAttr("to", int64(onnx.Float))),
			nd("Add", s("af", "bf"), s("y"))}})
	return cases
}

func ptr[T any](v T) *T { return &v }

func TestOpsAgainstORT(t *testing.T) {
	testORT(t)
	for _, c := range opCases() {
		t.Run(c.name, func(t *testing.T) {
			outs := c.outs
			if outs == nil {
				outs = []string{"y"}
			}
			m := graphModel(c.opset, c.nodes, c.inits, c.inputs, outs...)
			data := encode(t, m)
			rng := rand.New(rand.NewPCG(31, 32))
			in := map[string]infer.Tensor{}
			for _, v := range c.inputs {
				shape := make([]int64, len(v.Shape))
				for i, d := range v.Shape {
					shape[i] = d.Value
				}
				x := randInput(rng, shape...)
				for i := range x.Data {
					x.Data[i] *= 3
				}
				in[v.Name] = x
			}
			want := runORT(t, data, outs, in)
			got := runGo(t, data, Options{}, in)
			tol := c.tol
			if tol == 0 {
				tol = 1e-5
			}
			for _, o := range outs {
				checkClose(t, o, got[o], want[o], tol)
			}
		})
	}
}
