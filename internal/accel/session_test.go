package accel

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/prometheus/client_golang/prometheus"

	"dataplus/internal/infer"
	"dataplus/internal/onnx"
)

// scaleModel is y = Relu(x * w) for x [N, 4, 8, 8] with a 256-value
// weight (a device parameter, not a constant).
func scaleModel(t *testing.T) ([]byte, []float32) {
	t.Helper()
	w := make([]float32, 4*8*8)
	for i := range w {
		w[i] = float32(i%7) - 3
	}
	dims := []onnx.Dim{{Param: "batch"}, {Value: 4}, {Value: 8}, {Value: 8}}
	m := &onnx.Model{
		IRVersion: 8, Producer: "dataplus-test", Opsets: map[string]int64{"": 13},
		Graph: onnx.Graph{
			Name: "scale",
			Nodes: []onnx.Node{
				{Name: "mul", OpType: "Mul", Inputs: []string{"x", "w"}, Outputs: []string{"xw"}},
				{Name: "relu", OpType: "Relu", Inputs: []string{"xw"}, Outputs: []string{"y"}},
			},
			Initializers: []onnx.Tensor{{Name: "w", Dims: []int64{1, 4, 8, 8}, DataType: onnx.Float, FloatData: w}},
			Inputs:       []onnx.ValueInfo{{Name: "x", ElemType: onnx.Float, Shape: dims}},
			Outputs:      []onnx.ValueInfo{{Name: "y", ElemType: onnx.Float, Shape: dims}},
		},
	}
	data, err := onnx.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return data, w
}

func newSimpleGo(t *testing.T, devices []backends.DeviceNum, buckets []int) *GoMLX {
	t.Helper()
	be, err := simplego.New("ops_sequential")
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewGoMLX(GoMLXOptions{Backend: be, Devices: devices, Buckets: buckets})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

func TestGoMLXBucketsPadAndSplit(t *testing.T) {
	data, w := scaleModel(t)
	// Two entries for the one SimpleGo device: the session treats them as
	// two devices, which exercises the least-loaded choice.
	g := newSimpleGo(t, []backends.DeviceNum{0, 0}, []int{1, 4})
	sess, err := g.Load(context.Background(), infer.Spec{Name: "scale", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if in := sess.Inputs(); len(in) != 1 || in[0].Name != "x" || in[0].Shape[0] != -1 {
		t.Fatalf("inputs %v", in)
	}
	if err := sess.(Warmer).Warm(context.Background(), []int64{1, 4, 8, 8}); err != nil {
		t.Fatal(err)
	}
	// 1 fits bucket 1, 3 pads to 4, 9 splits into 4+4+1.
	var wg sync.WaitGroup
	for _, n := range []int{1, 3, 9, 2, 5} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := infer.NewTensor(int64(n), 4, 8, 8)
			for i := range x.Data {
				x.Data[i] = float32(i%11) - 5
			}
			out, err := sess.Run(context.Background(), map[string]infer.Tensor{"x": x})
			if err != nil {
				t.Error(err)
				return
			}
			y := out["y"]
			if y.Shape[0] != int64(n) || len(y.Data) != len(x.Data) {
				t.Errorf("n=%d: output shape %v", n, y.Shape)
				return
			}
			for i, v := range x.Data {
				want := float32(math.Max(0, float64(v*w[i%len(w)])))
				if y.Data[i] != want {
					t.Errorf("n=%d: y[%d] = %v, want %v", n, i, y.Data[i], want)
					return
				}
			}
		}()
	}
	wg.Wait()
	var batches, items, padding int64
	for _, s := range g.Stats() {
		batches += s.Batches
		items += s.Items
		padding += s.Padding
	}
	// Batches: 1, 3→4, 9→4+4+1, 2→4, 5→4+1: 8; items 20; padding
	// 1 (3→4) + 2 (2→4) = 3.
	if batches != 8 || items != 20 || padding != 3 {
		t.Errorf("batches %d items %d padding %d; want 8, 20, 3", batches, items, padding)
	}
	if g.Busy() <= 0 {
		t.Error("no busy time counted")
	}
}

func TestGoMLXUnsupportedOpNamedAtLoad(t *testing.T) {
	m := &onnx.Model{
		IRVersion: 8, Opsets: map[string]int64{"": 13},
		Graph: onnx.Graph{
			Nodes:   []onnx.Node{{Name: "weird", OpType: "NonMaxSuppression", Inputs: []string{"x", "x"}, Outputs: []string{"y"}}},
			Inputs:  []onnx.ValueInfo{{Name: "x", ElemType: onnx.Float, Shape: []onnx.Dim{{Value: 1}, {Value: 4}}}},
			Outputs: []onnx.ValueInfo{{Name: "y", ElemType: onnx.Float}},
		},
	}
	data, err := onnx.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	g := newSimpleGo(t, nil, nil)
	_, err = g.Load(context.Background(), infer.Spec{Name: "weird", Data: data})
	if err == nil || !strings.Contains(err.Error(), "NonMaxSuppression") {
		t.Fatalf("Load = %v, want an error naming NonMaxSuppression", err)
	}
}

func TestOpenCPUAndMissingGPU(t *testing.T) {
	if _, err := Open(context.Background(), Options{Device: "tpu"}); err == nil {
		t.Error("device tpu accepted")
	}
	if _, err := Open(context.Background(), Options{Device: "cuda", MemoryFraction: 2}); err == nil {
		t.Error("memory fraction 2 accepted")
	}
	if GPUBuilt() {
		t.Skip("GPU build: the missing-backend message is for CPU builds")
	}
	_, err := Open(context.Background(), Options{Device: "cuda:0"})
	if err == nil || !strings.Contains(err.Error(), "make build-gpu") || !strings.Contains(err.Error(), "jax") {
		t.Errorf("cuda on a CPU build: %v", err)
	}
}

func TestRegisterMetrics(t *testing.T) {
	g := newSimpleGo(t, []backends.DeviceNum{0}, nil)
	reg := prometheus.NewRegistry()
	RegisterMetrics(reg, g)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	if len(names) != 4 || !strings.Contains(strings.Join(names, " "), "dataplus_gpu_busy_seconds_total") {
		t.Errorf("metrics %v", names)
	}
}
