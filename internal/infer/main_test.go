package infer

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"dataplus/internal/assets"
	"dataplus/internal/assets/assetstest"
	"dataplus/internal/onnx"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testAssets returns the assets dir when it holds the ONNX Runtime
// library and the bundled detector. It skips the test when they are
// missing, unless DATAPLUS_REQUIRE_MODELS=1, where it fails.
func testAssets(t testing.TB) string {
	t.Helper()
	dir, src := assets.Dir("")
	for _, name := range []string{assets.ORTLibrary, assets.OCRDetector, assets.OCRDirection} {
		if _, err := assets.Path(dir, name); err != nil {
			assetstest.Missing(t, fmt.Errorf("assets (%s): %w", src, err))
		}
	}
	return dir
}

// testBackend returns an ORT backend with two threads per Run, closed
// with the test.
func testBackend(t testing.TB) (*ORT, string) {
	t.Helper()
	dir := testAssets(t)
	b, err := NewORT(ORTOptions{AssetsDir: dir, IntraOpThreads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, dir
}

// loadDetector loads the bundled detector.
func loadDetector(t testing.TB, b Backend, dir string) *Loaded {
	t.Helper()
	r, err := NewRegistry(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	m, err := r.Model(DetectorName)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Load(context.Background(), b, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// The builders below make small models with torchvision's structure and
// random weights (DESIGN.md decision 6: the project ships no ImageNet
// weights). Dims match the real models where the presets care.

func floatInit(rng *rand.Rand, name string, scale float32, dims ...int64) onnx.Tensor {
	n := 1
	for _, d := range dims {
		n *= int(d)
	}
	vs := make([]float32, n)
	for i := range vs {
		vs[i] = (rng.Float32()*2 - 1) * scale
	}
	return onnx.FloatTensor(name, dims, vs...)
}

// imageIO is the usual image input and logits output, batch dynamic.
func imageIO(size, classes int64) ([]onnx.ValueInfo, []onnx.ValueInfo) {
	in := []onnx.ValueInfo{{Name: "input", ElemType: onnx.Float, Shape: []onnx.Dim{{Param: "batch"}, {Value: 3}, {Value: size}, {Value: size}}}}
	out := []onnx.ValueInfo{{Name: "logits", ElemType: onnx.Float, Shape: []onnx.Dim{{Param: "batch"}, {Value: classes}}}}
	return in, out
}

// cnnModel is torchvision's CNN head: Conv → act → GlobalAveragePool →
// Flatten → Gemm(transB). With silu it is EfficientNet-like (x·sigmoid x).
func cnnModel(rng *rand.Rand, size, channels, classes int64, silu bool) *onnx.Model {
	in, out := imageIO(size, classes)
	nodes := []onnx.Node{
		{Name: "stem", OpType: "Conv", Inputs: []string{"input", "conv.w", "conv.b"}, Outputs: []string{"c"},
			Attrs: onnx.Attrs{"kernel_shape": onnx.IntsAttr("kernel_shape", 4, 4), "strides": onnx.IntsAttr("strides", 16, 16)}},
	}
	if silu {
		nodes = append(nodes,
			onnx.Node{Name: "sig", OpType: "Sigmoid", Inputs: []string{"c"}, Outputs: []string{"s"}},
			onnx.Node{Name: "silu", OpType: "Mul", Inputs: []string{"c", "s"}, Outputs: []string{"a"}})
	} else {
		nodes = append(nodes, onnx.Node{Name: "relu", OpType: "Relu", Inputs: []string{"c"}, Outputs: []string{"a"}})
	}
	nodes = append(nodes,
		onnx.Node{Name: "avgpool", OpType: "GlobalAveragePool", Inputs: []string{"a"}, Outputs: []string{"pooled"}},
		onnx.Node{Name: "flatten", OpType: "Flatten", Inputs: []string{"pooled"}, Outputs: []string{"features"},
			Attrs: onnx.Attrs{"axis": onnx.IntAttr("axis", 1)}},
		onnx.Node{Name: "fc", OpType: "Gemm", Inputs: []string{"features", "fc.w", "fc.b"}, Outputs: []string{"logits"},
			Attrs: onnx.Attrs{"transB": onnx.IntAttr("transB", 1)}},
	)
	return &onnx.Model{
		IRVersion: 8, Producer: "dataplus-test", Opsets: map[string]int64{"": 13},
		Graph: onnx.Graph{
			Name:  "cnn",
			Nodes: nodes,
			Initializers: []onnx.Tensor{
				floatInit(rng, "conv.w", 0.1, channels, 3, 4, 4),
				floatInit(rng, "conv.b", 0.1, channels),
				floatInit(rng, "fc.w", 0.05, classes, channels),
				floatInit(rng, "fc.b", 0.05, classes),
			},
			Inputs: in, Outputs: out,
		},
	}
}

// vitModel is ViT's structure cut down to its ends: a 16×16 patch
// embedding, tokens [N, 196, D], the class token (token 0, by Gather) and
// a MatMul + Add head, as newer exporters write Linear.
func vitModel(rng *rand.Rand, size, dim, classes int64) *onnx.Model {
	in, out := imageIO(size, classes)
	return &onnx.Model{
		IRVersion: 8, Producer: "dataplus-test", Opsets: map[string]int64{"": 13},
		Graph: onnx.Graph{
			Name: "vit",
			Nodes: []onnx.Node{
				{Name: "conv_proj", OpType: "Conv", Inputs: []string{"input", "proj.w", "proj.b"}, Outputs: []string{"patches"},
					Attrs: onnx.Attrs{"kernel_shape": onnx.IntsAttr("kernel_shape", 16, 16), "strides": onnx.IntsAttr("strides", 16, 16)}},
				{Name: "reshape", OpType: "Reshape", Inputs: []string{"patches", "shape"}, Outputs: []string{"flat"}},
				{Name: "transpose", OpType: "Transpose", Inputs: []string{"flat"}, Outputs: []string{"tokens"},
					Attrs: onnx.Attrs{"perm": onnx.IntsAttr("perm", 0, 2, 1)}},
				{Name: "norm", OpType: "Tanh", Inputs: []string{"tokens"}, Outputs: []string{"encoded"}},
				{Name: "cls", OpType: "Gather", Inputs: []string{"encoded", "zero"}, Outputs: []string{"class_token"},
					Attrs: onnx.Attrs{"axis": onnx.IntAttr("axis", 1)}},
				{Name: "head", OpType: "MatMul", Inputs: []string{"class_token", "head.w"}, Outputs: []string{"head_mm"}},
				{Name: "head_bias", OpType: "Add", Inputs: []string{"head_mm", "head.b"}, Outputs: []string{"logits"}},
			},
			Initializers: []onnx.Tensor{
				floatInit(rng, "proj.w", 0.05, dim, 3, 16, 16),
				floatInit(rng, "proj.b", 0.05, dim),
				onnx.Int64Tensor("shape", []int64{3}, 0, dim, -1),
				onnx.Int64Tensor("zero", nil, 0),
				floatInit(rng, "head.w", 0.05, dim, classes),
				floatInit(rng, "head.b", 0.05, classes),
			},
			Inputs: in, Outputs: out,
		},
	}
}

// writeModel encodes m into dir/name.
func writeModel(t testing.TB, dir, name string, m *onnx.Model) string {
	t.Helper()
	data, err := onnx.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// closeRel reports whether a and b agree within rel relative tolerance
// (with an absolute floor of rel for values near zero).
func closeRel(a, b []float32, rel float64) (int, bool) {
	if len(a) != len(b) {
		return -1, false
	}
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		scale := max(math.Abs(float64(a[i])), math.Abs(float64(b[i])), 1)
		if d > rel*scale {
			return i, false
		}
	}
	return 0, true
}
