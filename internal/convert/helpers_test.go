package convert

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"

	"dataplus/internal/assets"
	"dataplus/internal/assets/assetstest"
	"dataplus/internal/infer"
	"dataplus/internal/onnx"
)

// The simplego backend, shared by the tests. Its ops run one at a time:
// its parallel op scheduler (the default when one graph runs alone) has
// data races of its own under the race detector (gomlx v0.26.0,
// backends/simplego/exec.go).
var (
	goBackendOnce sync.Once
	goBackend     backends.Backend
	goBackendErr  error
)

func testBackend(t testing.TB) backends.Backend {
	t.Helper()
	goBackendOnce.Do(func() { goBackend, goBackendErr = simplego.New("ops_sequential") })
	if goBackendErr != nil {
		t.Fatal(goBackendErr)
	}
	return goBackend
}

// Builders for small test graphs.

func randTensor(rng *rand.Rand, name string, scale float32, dims ...int64) onnx.Tensor {
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

func attrs(as ...onnx.Attr) onnx.Attrs {
	m := onnx.Attrs{}
	for _, a := range as {
		m[a.Name] = a
	}
	return m
}

func fvi(name string, dims ...int64) onnx.ValueInfo {
	v := onnx.ValueInfo{Name: name, ElemType: onnx.Float}
	if dims != nil {
		v.Shape = []onnx.Dim{}
		for _, d := range dims {
			v.Shape = append(v.Shape, onnx.Dim{Value: d})
		}
	}
	return v
}

// graphModel wraps nodes in a model with float inputs and outputs.
func graphModel(opset int64, nodes []onnx.Node, inits []onnx.Tensor, ins []onnx.ValueInfo, outs ...string) *onnx.Model {
	var ov []onnx.ValueInfo
	for _, o := range outs {
		ov = append(ov, onnx.ValueInfo{Name: o, ElemType: onnx.Float})
	}
	return &onnx.Model{
		IRVersion: 8, Producer: "convert-test", Opsets: map[string]int64{"": opset},
		Graph: onnx.Graph{Name: "test", Nodes: nodes, Initializers: inits, Inputs: ins, Outputs: ov},
	}
}

func encode(t testing.TB, m *onnx.Model) []byte {
	t.Helper()
	data, err := onnx.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// compileGo loads a model and compiles it on simplego; the program is
// closed when the test ends.
func compileGo(t testing.TB, data []byte, opts Options) (*Model, *Program) {
	t.Helper()
	m, err := Load(data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.Compile(testBackend(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return m, p
}

// runGo loads, compiles and runs a model on simplego.
func runGo(t testing.TB, data []byte, opts Options, inputs map[string]infer.Tensor) map[string]infer.Tensor {
	t.Helper()
	_, p := compileGo(t, data, opts)
	out, err := p.Run(inputs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func randInput(rng *rand.Rand, shape ...int64) infer.Tensor {
	x := infer.NewTensor(shape...)
	for i := range x.Data {
		x.Data[i] = rng.Float32()*2 - 1
	}
	return x
}

// relErr is max|a-b| / max(max|ref|, 1e-6).
func relErr(got, ref []float32) float64 {
	var diff, scale float64
	for i := range ref {
		diff = max(diff, math.Abs(float64(got[i])-float64(ref[i])))
		scale = max(scale, math.Abs(float64(ref[i])))
	}
	return diff / max(scale, 1e-6)
}

// checkClose fails unless got has want's shape and is within rel of it.
func checkClose(t testing.TB, what string, got, want infer.Tensor, rel float64) {
	t.Helper()
	if fmt.Sprint(got.Shape) != fmt.Sprint(want.Shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape, want.Shape)
	}
	if e := relErr(got.Data, want.Data); !(e <= rel) {
		t.Fatalf("%s: relative error %.3g > %.3g\ngot  %v\nwant %v", what, e, rel, preview(got.Data), preview(want.Data))
	}
}

// ONNX Runtime, the reference, when its library is installed.
var (
	ortOnce sync.Once
	ortBack *infer.ORT
	ortErr  error
)

func testORT(t testing.TB) *infer.ORT {
	t.Helper()
	dir, _ := assets.Dir("")
	if _, err := assets.Path(dir, assets.ORTLibrary); err != nil {
		assetstest.Missing(t, err)
	}
	ortOnce.Do(func() { ortBack, ortErr = infer.NewORT(infer.ORTOptions{AssetsDir: dir, IntraOpThreads: 1}) })
	if ortErr != nil {
		t.Fatal(ortErr)
	}
	return ortBack
}

// runORT runs a model in ONNX Runtime.
func runORT(t testing.TB, data []byte, outputs []string, inputs map[string]infer.Tensor) map[string]infer.Tensor {
	t.Helper()
	s, err := testORT(t).Load(context.Background(), infer.Spec{Name: "test", Data: data, Outputs: outputs})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out, err := s.Run(context.Background(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
