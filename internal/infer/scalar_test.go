package infer

import (
	"context"
	"strings"
	"testing"

	"dataplus/internal/assets/assetstest"
	"dataplus/internal/onnx"
)

// TestScalarOutput: onnxruntime_go cannot return a rank-0 output; the run
// fails with an error that says so (it used to crash in Destroy).
func TestScalarOutput(t *testing.T) {
	dir := assetstest.Dir(t)
	m := &onnx.Model{
		IRVersion: 8, Producer: "dataplus-test", Opsets: map[string]int64{"": 13},
		Graph: onnx.Graph{
			Name: "sum",
			Nodes: []onnx.Node{{Name: "sum", OpType: "ReduceSum", Inputs: []string{"x"}, Outputs: []string{"y"},
				Attrs: onnx.Attrs{"keepdims": {Name: "keepdims", Type: onnx.AttrInt, I: 0}}}},
			Inputs:  []onnx.ValueInfo{{Name: "x", ElemType: onnx.Float, Shape: []onnx.Dim{{Value: 2}, {Value: 3}}}},
			Outputs: []onnx.ValueInfo{{Name: "y", ElemType: onnx.Float, Shape: []onnx.Dim{}}},
		},
	}
	data, err := onnx.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewORT(ORTOptions{AssetsDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s, err := b.Load(context.Background(), Spec{Name: "sum", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Run(context.Background(), map[string]Tensor{"x": {Shape: []int64{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}}})
	if err == nil || !strings.Contains(err.Error(), "scalar") {
		t.Errorf("Run = %v, want an error about the scalar output", err)
	}
}
