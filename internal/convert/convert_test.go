package convert

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"dataplus/internal/infer"
	"dataplus/internal/onnx"
)

func TestLoadUnsupported(t *testing.T) {
	m := graphModel(13, []onnx.Node{
		{Name: "x", OpType: "Foo", Inputs: []string{"in"}, Outputs: []string{"a"}},
		{Name: "y", OpType: "Resize", Inputs: []string{"a", "", "scales"}, Outputs: []string{"b"},
			Attrs: attrs(onnx.StringAttr("mode", "cubic"))},
		{Name: "z", OpType: "Foo", Inputs: []string{"b"}, Outputs: []string{"c"}},
		{Name: "w", OpType: "Pad", Inputs: []string{"c", "pads"}, Outputs: []string{"d"},
			Attrs: attrs(onnx.StringAttr("mode", "mirror"))},
		{Name: "v", OpType: "Relu", Domain: "com.microsoft", Inputs: []string{"d"}, Outputs: []string{"out"}},
	}, []onnx.Tensor{onnx.FloatTensor("scales", []int64{4}, 1, 1, 2, 2), onnx.Int64Tensor("pads", []int64{8}, 0, 0, 0, 0, 0, 0, 0, 0)},
		[]onnx.ValueInfo{fvi("in", 1, 1, 2, 2)}, "out")
	_, err := Load(encode(t, m))
	if err == nil {
		t.Fatal("Load succeeded")
	}
	var ue *UnsupportedError
	if !errors.As(err, &ue) {
		t.Fatalf("error %v is not an *UnsupportedError", err)
	}
	for _, want := range []string{
		`unsupported ONNX ops: Foo (node "x" and 1 more, opset 13)`,
		`Resize mode "cubic" (node "y")`,
		`Pad mode "mirror" (node "w")`,
		`Relu (node "v", domain "com.microsoft")`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}

	// An op newer than the model's opset is unsupported too.
	m = graphModel(11, []onnx.Node{{Name: "g", OpType: "Gelu", Inputs: []string{"in"}, Outputs: []string{"out"}}},
		nil, []onnx.ValueInfo{fvi("in", 2)}, "out")
	if _, err := Load(encode(t, m)); err == nil || !strings.Contains(err.Error(), `Gelu (node "g", opset 11)`) {
		t.Errorf("Gelu at opset 11: %v", err)
	}
}

func TestOpsSorted(t *testing.T) {
	ops := Ops()
	if !slices.IsSorted(ops) || len(ops) < 80 {
		t.Fatalf("Ops() = %v", ops)
	}
	for _, want := range []string{"Conv", "Resize", "Upsample", "Gelu", "LayerNormalization"} {
		if !slices.Contains(ops, want) {
			t.Errorf("Ops() lacks %s", want)
		}
	}
}

// The shape arithmetic of exported models folds on the host: Shape ->
// Gather -> Unsqueeze -> Concat -> Reshape flattens x to [N, -1].
func TestConstantFoldingReshapeChain(t *testing.T) {
	nodes := []onnx.Node{
		{Name: "shape", OpType: "Shape", Inputs: []string{"x"}, Outputs: []string{"s"}},
		{Name: "n", OpType: "Gather", Inputs: []string{"s", "zero"}, Outputs: []string{"n"}, Attrs: attrs(onnx.IntAttr("axis", 0))},
		{Name: "un", OpType: "Unsqueeze", Inputs: []string{"n", "axes0"}, Outputs: []string{"n1"}},
		{Name: "cat", OpType: "Concat", Inputs: []string{"n1", "minus1"}, Outputs: []string{"target"}, Attrs: attrs(onnx.IntAttr("axis", 0))},
		{Name: "reshape", OpType: "Reshape", Inputs: []string{"x", "target"}, Outputs: []string{"flat"}},
		{Name: "relu", OpType: "Relu", Inputs: []string{"flat"}, Outputs: []string{"y"}},
	}
	inits := []onnx.Tensor{
		onnx.Int64Tensor("zero", nil, 0),
		onnx.Int64Tensor("axes0", []int64{1}, 0),
		onnx.Int64Tensor("minus1", []int64{1}, -1),
	}
	m := graphModel(13, nodes, inits, []onnx.ValueInfo{fvi("x", 2, 3, 4)}, "y")
	data := encode(t, m)
	rng := rand.New(rand.NewPCG(1, 2))
	x := randInput(rng, 2, 3, 4)
	out := runGo(t, data, Options{Outputs: []string{"y", "target"}}, map[string]infer.Tensor{"x": x})
	if got := out["target"]; !slices.Equal(got.Data, []float32{2, -1}) {
		t.Errorf("target = %v, want [2 -1]", got)
	}
	y := out["y"]
	if !slices.Equal(y.Shape, []int64{2, 12}) {
		t.Fatalf("y shape %v", y.Shape)
	}
	for i, v := range x.Data {
		if y.Data[i] != max(v, 0) {
			t.Fatalf("y[%d] = %v, want %v", i, y.Data[i], max(v, 0))
		}
	}

	// The folded values never reach the graph: the builder sees them on
	// the host.
	lm, _ := compileGo(t, data, Options{})
	b := &builder{m: lm, dtype: dtypes.Float32, opset: 13, vals: map[string]*value{}}
	b.vals["x"] = &value{host: newHost(kindFloat, []int{2, 3, 4})} // only its shape matters
	for i := range lm.graph.Nodes[:4] {
		if err := b.buildNode(&lm.graph.Nodes[i]); err != nil {
			t.Fatal(err)
		}
	}
	if v := b.vals["target"]; !v.isHost() || !slices.Equal(v.host.i, []int64{2, -1}) {
		t.Errorf("target folded to %+v", v)
	}
}

func TestClipOldAndNewOpsets(t *testing.T) {
	x := infer.Tensor{Shape: []int64{5}, Data: []float32{-3, -1, 0, 1, 3}}
	tests := []struct {
		name  string
		opset int64
		node  onnx.Node
		inits []onnx.Tensor
		want  []float32
	}{
		{"attrs", 9, onnx.Node{OpType: "Clip", Inputs: []string{"x"}, Outputs: []string{"y"},
			Attrs: attrs(onnx.FloatAttr("min", -1), onnx.FloatAttr("max", 2))}, nil, []float32{-1, -1, 0, 1, 2}},
		{"attr min only", 6 + 3, onnx.Node{OpType: "Clip", Inputs: []string{"x"}, Outputs: []string{"y"},
			Attrs: attrs(onnx.FloatAttr("min", 0))}, nil, []float32{0, 0, 0, 1, 3}},
		{"no bounds", 9, onnx.Node{OpType: "Clip", Inputs: []string{"x"}, Outputs: []string{"y"}}, nil, []float32{-3, -1, 0, 1, 3}},
		{"inputs", 11, onnx.Node{OpType: "Clip", Inputs: []string{"x", "lo", "hi"}, Outputs: []string{"y"}},
			[]onnx.Tensor{onnx.FloatTensor("lo", nil, -2), onnx.FloatTensor("hi", nil, 0.5)}, []float32{-2, -1, 0, 0.5, 0.5}},
		{"max input only", 13, onnx.Node{OpType: "Clip", Inputs: []string{"x", "", "hi"}, Outputs: []string{"y"}},
			[]onnx.Tensor{onnx.FloatTensor("hi", nil, 0)}, []float32{-3, -1, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := graphModel(tt.opset, []onnx.Node{tt.node}, tt.inits, []onnx.ValueInfo{fvi("x", 5)}, "y")
			out := runGo(t, encode(t, m), Options{}, map[string]infer.Tensor{"x": x})
			if !slices.Equal(out["y"].Data, tt.want) {
				t.Errorf("y = %v, want %v", out["y"].Data, tt.want)
			}
		})
	}
}

func TestSliceForms(t *testing.T) {
	x := infer.NewTensor(3, 4)
	for i := range x.Data {
		x.Data[i] = float32(i)
	}
	tests := []struct {
		name  string
		opset int64
		node  onnx.Node
		inits []onnx.Tensor
		shape []int64
		want  []float32
	}{
		{"opset 9 attrs, negative and out-of-range", 9, onnx.Node{OpType: "Slice", Inputs: []string{"x"}, Outputs: []string{"y"},
			Attrs: attrs(onnx.IntsAttr("starts", 1, -3), onnx.IntsAttr("ends", 1000, -1), onnx.IntsAttr("axes", 0, 1))},
			nil, []int64{2, 2}, []float32{5, 6, 9, 10}},
		{"opset 9 attrs without axes", 9, onnx.Node{OpType: "Slice", Inputs: []string{"x"}, Outputs: []string{"y"},
			Attrs: attrs(onnx.IntsAttr("starts", -100), onnx.IntsAttr("ends", 1))},
			nil, []int64{1, 4}, []float32{0, 1, 2, 3}},
		{"opset 13 negative step", 13, onnx.Node{OpType: "Slice", Inputs: []string{"x", "s", "e", "a", "st"}, Outputs: []string{"y"}},
			[]onnx.Tensor{onnx.Int64Tensor("s", []int64{1}, -1), onnx.Int64Tensor("e", []int64{1}, -1000), onnx.Int64Tensor("a", []int64{1}, 1), onnx.Int64Tensor("st", []int64{1}, -2)},
			[]int64{3, 2}, []float32{3, 1, 7, 5, 11, 9}},
		{"opset 13 step and huge end", 13, onnx.Node{OpType: "Slice", Inputs: []string{"x", "s", "e", "a", "st"}, Outputs: []string{"y"}},
			[]onnx.Tensor{onnx.Int64Tensor("s", []int64{1}, 0), onnx.Int64Tensor("e", []int64{1}, 1<<62), onnx.Int64Tensor("a", []int64{1}, -2), onnx.Int64Tensor("st", []int64{1}, 2)},
			[]int64{2, 4}, []float32{0, 1, 2, 3, 8, 9, 10, 11}},
		{"empty", 13, onnx.Node{OpType: "Slice", Inputs: []string{"x", "s", "e"}, Outputs: []string{"y"}},
			[]onnx.Tensor{onnx.Int64Tensor("s", []int64{2}, 2, 3), onnx.Int64Tensor("e", []int64{2}, 1, 4)},
			[]int64{0, 1}, []float32{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.want) == 0 {
				t.Skip("zero-size results are not supported by the backends")
			}
			m := graphModel(tt.opset, []onnx.Node{tt.node}, tt.inits, []onnx.ValueInfo{fvi("x", 3, 4)}, "y")
			out := runGo(t, encode(t, m), Options{}, map[string]infer.Tensor{"x": x})
			if !slices.Equal(out["y"].Shape, tt.shape) || !slices.Equal(out["y"].Data, tt.want) {
				t.Errorf("y = %v, want %v %v", out["y"], tt.shape, tt.want)
			}
		})
	}
}

func TestSliceIndices(t *testing.T) {
	tests := []struct {
		start, end, step int64
		dim              int
		want             []int
	}{
		{0, 5, 1, 5, []int{0, 1, 2, 3, 4}},
		{-2, 1 << 62, 1, 5, []int{3, 4}},
		{-1, -1 << 62, -1, 4, []int{3, 2, 1, 0}},
		{10, -10, -3, 4, []int{3, 0}},
		{1, 3, 1 << 62, 5, []int{1}},
		{3, 0, -(1 << 62), 5, []int{3}},
		{2, 2, 1, 5, []int{}},
	}
	for _, tt := range tests {
		got, err := sliceIndices(tt.start, tt.end, tt.step, tt.dim)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("sliceIndices(%d, %d, %d, %d) = %v, %v; want %v", tt.start, tt.end, tt.step, tt.dim, got, err, tt.want)
		}
	}
}

func TestGatherNegativeIndex(t *testing.T) {
	x := infer.NewTensor(2, 4)
	for i := range x.Data {
		x.Data[i] = float32(i)
	}
	for _, tt := range []struct {
		name  string
		idx   onnx.Tensor
		shape []int64
		want  []float32
	}{
		{"scalar drops the axis", onnx.Int64Tensor("i", nil, -1), []int64{2}, []float32{3, 7}},
		{"vector", onnx.Int64Tensor("i", []int64{3}, -4, 2, -1), []int64{2, 3}, []float32{0, 2, 3, 4, 6, 7}},
		{"matrix", onnx.Int64Tensor("i", []int64{2, 2}, -1, 0, 1, -2), []int64{2, 2, 2}, []float32{3, 0, 1, 2, 7, 4, 5, 6}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := graphModel(13, []onnx.Node{{OpType: "Gather", Inputs: []string{"x", "i"}, Outputs: []string{"y"}, Attrs: attrs(onnx.IntAttr("axis", -1))}},
				[]onnx.Tensor{tt.idx}, []onnx.ValueInfo{fvi("x", 2, 4)}, "y")
			out := runGo(t, encode(t, m), Options{}, map[string]infer.Tensor{"x": x})
			if !slices.Equal(out["y"].Shape, tt.shape) || !slices.Equal(out["y"].Data, tt.want) {
				t.Errorf("y = %v, want %v %v", out["y"], tt.shape, tt.want)
			}
		})
	}

	// Indices computed in the graph wrap too.
	nodes := []onnx.Node{
		{OpType: "Cast", Inputs: []string{"k"}, Outputs: []string{"ki"}, Attrs: attrs(onnx.IntAttr("to", int64(onnx.Int64)))},
		{OpType: "Gather", Inputs: []string{"x", "ki"}, Outputs: []string{"y"}, Attrs: attrs(onnx.IntAttr("axis", 1))},
	}
	m := graphModel(13, nodes, nil, []onnx.ValueInfo{fvi("x", 2, 4), fvi("k", 2)}, "y")
	k := infer.Tensor{Shape: []int64{2}, Data: []float32{-1, 1}}
	out := runGo(t, encode(t, m), Options{}, map[string]infer.Tensor{"x": x, "k": k})
	if want := []float32{3, 1, 7, 5}; !slices.Equal(out["y"].Data, want) {
		t.Errorf("graph indices: y = %v, want %v", out["y"], want)
	}
}

func TestGlobalAveragePoolKeepsDims(t *testing.T) {
	m := graphModel(11, []onnx.Node{{OpType: "GlobalAveragePool", Inputs: []string{"x"}, Outputs: []string{"y"}}},
		nil, []onnx.ValueInfo{fvi("x", 1, 2, 3, 3)}, "y")
	x := infer.NewTensor(1, 2, 3, 3)
	for i := range x.Data {
		x.Data[i] = float32(i)
	}
	out := runGo(t, encode(t, m), Options{}, map[string]infer.Tensor{"x": x})
	if y := out["y"]; !slices.Equal(y.Shape, []int64{1, 2, 1, 1}) || !slices.Equal(y.Data, []float32{4, 13}) {
		t.Errorf("y = %v, want [1 2 1 1] [4 13]", y)
	}
}

// MaxPool with dilations, pads and strides against a hand computation.
func TestMaxPoolDilations(t *testing.T) {
	m := graphModel(12, []onnx.Node{{OpType: "MaxPool", Inputs: []string{"x"}, Outputs: []string{"y"},
		Attrs: attrs(onnx.IntsAttr("kernel_shape", 2, 2), onnx.IntsAttr("dilations", 2, 2), onnx.IntsAttr("strides", 1, 2), onnx.IntsAttr("pads", 1, 0, 0, 1))}},
		nil, []onnx.ValueInfo{fvi("x", 1, 1, 4, 5)}, "y")
	x := infer.NewTensor(1, 1, 4, 5)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range x.Data {
		x.Data[i] = float32(rng.IntN(100))
	}
	// Padded input: 1 row on top, 1 column on the right; the window taps
	// rows r-1+{0,2} and columns c+{0,2}.
	h, w := 4, 5
	oh := (h+1-3)/1 + 1
	ow := (w+1-3)/2 + 1
	var want []float32
	for r := range oh {
		for c := range ow {
			best := float32(-1)
			for _, dr := range []int{0, 2} {
				for _, dc := range []int{0, 2} {
					rr, cc := r*1-1+dr, c*2+dc
					if rr >= 0 && rr < h && cc >= 0 && cc < w {
						best = max(best, x.Data[rr*w+cc])
					}
				}
			}
			want = append(want, best)
		}
	}
	out := runGo(t, encode(t, m), Options{}, map[string]infer.Tensor{"x": x})
	if y := out["y"]; !slices.Equal(y.Shape, []int64{1, 1, int64(oh), int64(ow)}) || !slices.Equal(y.Data, want) {
		t.Errorf("y = %v, want [1 1 %d %d] %v", y, oh, ow, want)
	}
}

// smallCNN is a conv net with the layer kinds of the bundled models, and
// weights large enough to be parameters.
func smallCNN(rng *rand.Rand) *onnx.Model {
	nodes := []onnx.Node{
		{Name: "conv1", OpType: "Conv", Inputs: []string{"x", "w1", "b1"}, Outputs: []string{"c1"},
			Attrs: attrs(onnx.IntsAttr("kernel_shape", 3, 3), onnx.IntsAttr("pads", 1, 1, 1, 1), onnx.IntsAttr("strides", 2, 2))},
		{Name: "bn", OpType: "BatchNormalization", Inputs: []string{"c1", "s", "bb", "mean", "var"}, Outputs: []string{"n1"}},
		{Name: "hs", OpType: "HardSwish", Inputs: []string{"n1"}, Outputs: []string{"a1"}},
		{Name: "dw", OpType: "Conv", Inputs: []string{"a1", "w2"}, Outputs: []string{"c2"},
			Attrs: attrs(onnx.IntsAttr("kernel_shape", 3, 3), onnx.IntAttr("group", 8), onnx.StringAttr("auto_pad", "SAME_UPPER"))},
		{Name: "relu", OpType: "Relu", Inputs: []string{"c2"}, Outputs: []string{"features"}},
		{Name: "gap", OpType: "GlobalAveragePool", Inputs: []string{"features"}, Outputs: []string{"pooled"}},
		{Name: "flat", OpType: "Flatten", Inputs: []string{"pooled"}, Outputs: []string{"f"}},
		{Name: "fc", OpType: "Gemm", Inputs: []string{"f", "fcw", "fcb"}, Outputs: []string{"logits"}, Attrs: attrs(onnx.IntAttr("transB", 1))},
		{Name: "sm", OpType: "Softmax", Inputs: []string{"logits"}, Outputs: []string{"probs"}},
	}
	inits := []onnx.Tensor{
		randTensor(rng, "w1", 0.3, 8, 3, 3, 3), randTensor(rng, "b1", 0.1, 8),
		randTensor(rng, "s", 0.5, 8), randTensor(rng, "bb", 0.1, 8), randTensor(rng, "mean", 0.1, 8),
		onnx.FloatTensor("var", []int64{8}, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2),
		randTensor(rng, "w2", 0.3, 8, 1, 3, 3),
		randTensor(rng, "fcw", 0.5, 10, 8), randTensor(rng, "fcb", 0.1, 10),
	}
	x := onnx.ValueInfo{Name: "x", ElemType: onnx.Float, Shape: []onnx.Dim{{Value: 1}, {Value: 3}, {Param: "h"}, {Param: "w"}}}
	return graphModel(14, nodes, inits, []onnx.ValueInfo{x}, "probs")
}

func TestBFloat16CloseToFloat32(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	data := encode(t, smallCNN(rng))
	x := randInput(rng, 1, 3, 16, 16)
	in := map[string]infer.Tensor{"x": x}
	opts := Options{Outputs: []string{"logits", "probs"}}
	f32 := runGo(t, data, opts, in)
	opts.DType = dtypes.BFloat16
	bf16 := runGo(t, data, opts, in)
	for _, name := range opts.Outputs {
		checkClose(t, "bf16 "+name, bf16[name], f32[name], 1e-2)
	}
}

func TestIntermediateOutput(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	data := encode(t, smallCNN(rng))
	x := randInput(rng, 1, 3, 16, 16)
	in := map[string]infer.Tensor{"x": x}
	out := runGo(t, data, Options{Outputs: []string{"pooled", "features"}}, in)
	if p := out["pooled"]; !slices.Equal(p.Shape, []int64{1, 8, 1, 1}) {
		t.Fatalf("pooled shape %v", p.Shape)
	}
	f := out["features"]
	if !slices.Equal(f.Shape, []int64{1, 8, 8, 8}) {
		t.Fatalf("features shape %v", f.Shape)
	}
	// pooled is the mean of features.
	for c := range 8 {
		var sum float64
		for _, v := range f.Data[c*64 : (c+1)*64] {
			sum += float64(v)
		}
		if d := sum/64 - float64(out["pooled"].Data[c]); d > 1e-5 || d < -1e-5 {
			t.Errorf("pooled[%d] = %v, mean of features %v", c, out["pooled"].Data[c], sum/64)
		}
	}

	// Only what the outputs need is kept.
	m, p := compileGo(t, data, Options{Outputs: []string{"c1"}})
	if got := p.plan.weights; !slices.Equal(got, []string{"w1"}) {
		t.Errorf("weights for c1: %v", got) // b1 has 8 elements: a constant
	}
	if _, err := m.Compile(testBackend(t), Options{Outputs: []string{"nope"}}); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("Compile of an unknown output: %v", err)
	}
}

func TestConcurrentRun(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	data := encode(t, smallCNN(rng))
	_, p := compileGo(t, data, Options{})
	const n = 8
	inputs := make([]infer.Tensor, n)
	want := make([]infer.Tensor, n)
	for i := range n {
		// Two input sizes, so graphs compile concurrently too.
		size := int64(16 + 8*(i%2))
		inputs[i] = randInput(rng, 1, 3, size, size)
	}
	var wg sync.WaitGroup
	got := make([]infer.Tensor, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			out, err := p.Run(map[string]infer.Tensor{"x": inputs[i]})
			got[i], errs[i] = out["probs"], err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		out, err := p.Run(map[string]infer.Tensor{"x": inputs[i]})
		if err != nil {
			t.Fatal(err)
		}
		want[i] = out["probs"]
		if !slices.Equal(got[i].Data, want[i].Data) {
			t.Errorf("run %d: concurrent %v, alone %v", i, got[i].Data, want[i].Data)
		}
	}
}

// countingBackend counts host-to-device transfers.
type countingBackend struct {
	backends.Backend
	mu      sync.Mutex
	uploads []shapes.Shape
}

func (c *countingBackend) record(s shapes.Shape) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.uploads = append(c.uploads, s)
}

func (c *countingBackend) BufferFromFlatData(dev backends.DeviceNum, flat any, shape shapes.Shape) (backends.Buffer, error) {
	c.record(shape)
	return c.Backend.BufferFromFlatData(dev, flat, shape)
}

func (c *countingBackend) NewSharedBuffer(dev backends.DeviceNum, shape shapes.Shape) (backends.Buffer, any, error) {
	c.record(shape)
	return c.Backend.NewSharedBuffer(dev, shape)
}

func (c *countingBackend) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.uploads)
}

func TestWeightsUploadedOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	data := encode(t, smallCNN(rng))
	m, err := Load(data)
	if err != nil {
		t.Fatal(err)
	}
	cb := &countingBackend{Backend: testBackend(t)}
	p, err := m.Compile(cb, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// w1 (216), w2 (72) and fcw (80) are weights; the 8- and 10-element
	// vectors are constants.
	if !slices.Equal(p.plan.weights, []string{"w1", "w2", "fcw"}) {
		t.Fatalf("weights %v", p.plan.weights)
	}
	if got := cb.count(); got != 3 {
		t.Fatalf("%d uploads at Compile, want 3", got)
	}
	x := randInput(rng, 1, 3, 16, 16)
	if err := p.Warm(map[string][]int64{"x": {1, 3, 16, 16}}); err != nil {
		t.Fatal(err)
	}
	before := cb.count()
	for range 3 {
		if _, err := p.Run(map[string]infer.Tensor{"x": x}); err != nil {
			t.Fatal(err)
		}
	}
	if got := cb.count() - before; got != 3 {
		t.Errorf("%d uploads in 3 runs, want 3 (the inputs only): %v", got, cb.uploads[before:])
	}

	// The compiled graph takes the weights as parameters.
	args, err := p.args(map[string]infer.Tensor{"x": x}, false)
	if err != nil {
		t.Fatal(err)
	}
	exec, err := p.execFor(map[string]infer.Tensor{"x": x})
	if err != nil {
		t.Fatal(err)
	}
	_, g, err := exec.ExecWithGraph(args...)
	if err != nil {
		t.Fatal(err)
	}
	if g.NumParameters() != 4 {
		t.Errorf("graph has %d parameters, want 4 (3 weights and x)", g.NumParameters())
	}

	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(map[string]infer.Tensor{"x": x}); err == nil {
		t.Error("Run after Close succeeded")
	}
}

func TestRunErrors(t *testing.T) {
	m := graphModel(13, []onnx.Node{
		{Name: "mm", OpType: "MatMul", Inputs: []string{"x", "w"}, Outputs: []string{"y"}},
	}, []onnx.Tensor{onnx.FloatTensor("w", []int64{3, 2}, 1, 2, 3, 4, 5, 6)}, []onnx.ValueInfo{{Name: "x", ElemType: onnx.Float}}, "y")
	_, p := compileGo(t, encode(t, m), Options{})
	_, err := p.Run(map[string]infer.Tensor{"x": infer.NewTensor(2, 4)})
	if err == nil || !strings.Contains(err.Error(), `node "mm" (MatMul)`) {
		t.Errorf("bad shape: %v", err)
	}
	if _, err := p.Run(map[string]infer.Tensor{}); err == nil || !strings.Contains(err.Error(), `missing input "x"`) {
		t.Errorf("missing input: %v", err)
	}
	if _, err := p.Run(map[string]infer.Tensor{"x": infer.NewTensor(2, 3), "z": infer.NewTensor(1)}); err == nil {
		t.Error("unknown input accepted")
	}
	out, err := p.Run(map[string]infer.Tensor{"x": {Shape: []int64{1, 3}, Data: []float32{1, 1, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out["y"].Data, []float32{9, 12}) {
		t.Errorf("y = %v", out["y"])
	}
}

func TestCompileOptionsAndInputs(t *testing.T) {
	// An initializer listed among the inputs (IR < 4) is a constant.
	m := graphModel(9, []onnx.Node{{OpType: "Add", Inputs: []string{"x", "b"}, Outputs: []string{"y"}}},
		[]onnx.Tensor{onnx.FloatTensor("b", []int64{2}, 1, 2)}, []onnx.ValueInfo{fvi("x", 2), fvi("b", 2)}, "y")
	lm, err := Load(encode(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if in := lm.Inputs(); len(in) != 1 || in[0].Name != "x" {
		t.Errorf("Inputs() = %v, want only x", in)
	}
	be := testBackend(t)
	if _, err := lm.Compile(be, Options{DType: dtypes.Float16}); err == nil {
		t.Error("Compile accepted float16")
	}
	if _, err := lm.Compile(be, Options{Device: 7}); err == nil {
		t.Error("Compile accepted device 7")
	}
	p, err := lm.Compile(be, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Warm(map[string][]int64{"x": {2}}); err != nil {
		t.Fatal(err)
	}
	if err := p.Warm(map[string][]int64{"x": {3}}); err == nil {
		t.Error("Warm accepted a shape the model does not declare")
	}
	out, err := p.Run(map[string]infer.Tensor{"x": {Shape: []int64{2}, Data: []float32{10, 20}}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out["y"].Data, []float32{11, 22}) {
		t.Errorf("y = %v", out["y"])
	}

	// Upsample is deprecated from opset 10: reported, not guessed.
	m = graphModel(10, []onnx.Node{{Name: "up", OpType: "Upsample", Inputs: []string{"x", "s"}, Outputs: []string{"y"}}},
		[]onnx.Tensor{onnx.FloatTensor("s", []int64{1}, 2)}, []onnx.ValueInfo{fvi("x", 2)}, "y")
	if _, err := Load(encode(t, m)); err == nil || !strings.Contains(err.Error(), `(node "up")`) {
		t.Errorf("Upsample at opset 10: %v", err)
	}
	// So is an opset the converter has not checked.
	m.Opsets[""] = 30
	if _, err := Load(encode(t, m)); err == nil || !strings.Contains(err.Error(), "opset 30") {
		t.Errorf("opset 30: %v", err)
	}
}
