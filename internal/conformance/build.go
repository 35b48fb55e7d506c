package conformance

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"

	"dataplus/internal/onnx"
)

// graph builds a small ONNX model in code. Weights come from a generator
// seeded by the case name, so a case's model bytes never change; only
// the data inputs are drawn afresh on each run.
type graph struct {
	name    string
	opset   int64
	rng     *rand.Rand
	nodes   []onnx.Node
	inits   []onnx.Tensor
	inputs  []onnx.ValueInfo
	outputs []onnx.ValueInfo
	ins     []Input
	count   int
}

func newGraph(name string, opset int64) *graph {
	h := fnv.New64a()
	h.Write([]byte(name))
	return &graph{name: name, opset: opset, rng: rand.New(rand.NewPCG(1, h.Sum64()))}
}

// fresh returns a new value name.
func (g *graph) fresh(prefix string) string {
	g.count++
	return fmt.Sprintf("%s_%d", prefix, g.count)
}

// input adds a float32 graph input of a static shape.
func (g *graph) input(name string, dist Dist, shape ...int64) string {
	vi := onnx.ValueInfo{Name: name, ElemType: onnx.Float, Shape: []onnx.Dim{}}
	for _, d := range shape {
		vi.Shape = append(vi.Shape, onnx.Dim{Value: d})
	}
	g.inputs = append(g.inputs, vi)
	g.ins = append(g.ins, Input{Name: name, Shape: slices.Clone(shape), Dist: dist})
	return name
}

// x adds the usual data input "x" with the default distribution.
func (g *graph) x(shape ...int64) string { return g.input("x", distDefault, shape...) }

// node adds a one-output node and returns its output name.
func (g *graph) node(op string, inputs []string, attrs ...onnx.Attr) string {
	return g.nodeN(op, inputs, 1, attrs...)[0]
}

// nodeN adds a node with n outputs.
func (g *graph) nodeN(op string, inputs []string, n int, attrs ...onnx.Attr) []string {
	outs := make([]string, n)
	for i := range outs {
		outs[i] = g.fresh(op)
	}
	nd := onnx.Node{Name: g.fresh("node_" + op), OpType: op, Inputs: inputs, Outputs: outs}
	if len(attrs) > 0 {
		nd.Attrs = onnx.Attrs{}
		for _, a := range attrs {
			nd.Attrs[a.Name] = a
		}
	}
	g.nodes = append(g.nodes, nd)
	return outs
}

// output makes name a float32 graph output.
func (g *graph) output(names ...string) {
	for _, n := range names {
		g.outputs = append(g.outputs, onnx.ValueInfo{Name: n, ElemType: onnx.Float})
	}
}

// toFloat casts a non-float value to float32 (the reference takes and
// returns float32 tensors only) and returns the cast's output.
func (g *graph) toFloat(name string) string {
	return g.node("Cast", []string{name}, onnx.IntAttr("to", int64(onnx.Float)))
}

// lift adds a [1] zero to a scalar, making it a [1] tensor: the
// reference cannot return rank-0 outputs (onnxruntime_go leaves a nil
// tensor behind).
func (g *graph) lift(name string) string {
	return g.node("Add", []string{name, g.f32([]int64{1}, 0)})
}

// i64 adds an int64 initializer of shape [len(vs)].
func (g *graph) i64(vs ...int64) string {
	return g.i64Shaped([]int64{int64(len(vs))}, vs...)
}

// i64Scalar adds a rank-0 int64 initializer.
func (g *graph) i64Scalar(v int64) string { return g.i64Shaped([]int64{}, v) }

func (g *graph) i64Shaped(dims []int64, vs ...int64) string {
	name := g.fresh("i64")
	g.inits = append(g.inits, onnx.Int64Tensor(name, dims, vs...))
	return name
}

// i32 adds an int32 initializer of shape [len(vs)].
func (g *graph) i32(vs ...int32) string {
	raw := make([]byte, 0, 4*len(vs))
	for _, v := range vs {
		raw = binary.LittleEndian.AppendUint32(raw, uint32(v))
	}
	name := g.fresh("i32")
	g.inits = append(g.inits, onnx.Tensor{Name: name, Dims: []int64{int64(len(vs))}, DataType: onnx.Int32, Raw: raw})
	return name
}

// f32 adds a float32 initializer with the given values.
func (g *graph) f32(dims []int64, vs ...float32) string {
	name := g.fresh("f32")
	g.inits = append(g.inits, onnx.FloatTensor(name, dims, vs...))
	return name
}

// f32Scalar adds a rank-0 float32 initializer.
func (g *graph) f32Scalar(v float32) string { return g.f32([]int64{}, v) }

// weight adds a float32 initializer of random values in [-scale, scale].
func (g *graph) weight(scale float32, dims ...int64) string {
	return g.f32(dims, g.random(scale, dims)...)
}

// positive adds a float32 initializer of random values in [lo, hi].
func (g *graph) positive(lo, hi float32, dims ...int64) string {
	vs := make([]float32, numElements(dims))
	for i := range vs {
		vs[i] = lo + (hi-lo)*g.rng.Float32()
	}
	return g.f32(dims, vs...)
}

func (g *graph) random(scale float32, dims []int64) []float32 {
	vs := make([]float32, numElements(dims))
	for i := range vs {
		vs[i] = (g.rng.Float32()*2 - 1) * scale
	}
	return vs
}

// constant adds a Constant node holding t and returns its output.
func (g *graph) constant(t onnx.Tensor) string {
	return g.node("Constant", nil, onnx.Attr{Name: "value", Type: onnx.AttrTensor, T: &t})
}

// build encodes the graph as case name, testing op.
func (g *graph) build(op string) Case {
	m := &onnx.Model{
		IRVersion: 8,
		Producer:  "dataplus-conformance",
		Opsets:    map[string]int64{"": g.opset},
		Graph: onnx.Graph{
			Name:         g.name,
			Nodes:        g.nodes,
			Initializers: g.inits,
			Inputs:       g.inputs,
			Outputs:      g.outputs,
		},
	}
	switch {
	case g.opset >= 21:
		m.IRVersion = 10
	case g.opset >= 19:
		m.IRVersion = 9
	}
	data, err := onnx.Encode(m)
	if err != nil {
		// The catalog is code: a model that does not encode is a bug.
		panic(fmt.Sprintf("conformance: encode case %s: %v", g.name, err))
	}
	var ops []string
	for _, n := range g.nodes {
		if !slices.Contains(ops, n.OpType) {
			ops = append(ops, n.OpType)
		}
	}
	if !slices.Contains(ops, op) {
		panic(fmt.Sprintf("conformance: case %s does not use its op %s", g.name, op))
	}
	return Case{
		Name:   g.name,
		Kind:   KindOp,
		Op:     op,
		Opset:  g.opset,
		Ops:    ops,
		Model:  data,
		Inputs: g.ins,
	}
}

func numElements(shape []int64) int {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	return n
}
