package onnx_test

import (
	"fmt"
	"log"

	"dataplus/internal/onnx"
)

// A one-op graph built in Go, written, read back and summarised.
func ExampleSummary() {
	m := &onnx.Model{
		IRVersion: 8,
		Producer:  "example",
		Opsets:    map[string]int64{"": 13},
		Graph: onnx.Graph{
			Name:    "relu",
			Nodes:   []onnx.Node{{Name: "relu", OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"y"}}},
			Inputs:  []onnx.ValueInfo{{Name: "x", ElemType: onnx.Float, Shape: []onnx.Dim{{Param: "N"}, {Value: 8}}}},
			Outputs: []onnx.ValueInfo{{Name: "y", ElemType: onnx.Float, Shape: []onnx.Dim{{Param: "N"}, {Value: 8}}}},
		},
	}
	data, err := onnx.Encode(m)
	if err != nil {
		log.Fatal(err)
	}
	back, err := onnx.Decode(data)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(onnx.Summary(back))
	// Output:
	// ir_version 8, producer "example"
	// opsets: ai.onnx 13
	// graph "relu": 1 nodes, 0 initializers, 0 constant values
	// inputs:
	//   x float32 [N,8]
	// outputs:
	//   y float32 [N,8]
	// ops (1 kinds):
	//   Relu                     1
}

// Exposing an inner tensor as an output, as dataplus does to read a
// backbone activation as an embedding.
func ExampleAddOutputs() {
	m := &onnx.Model{
		IRVersion: 8,
		Opsets:    map[string]int64{"": 13},
		Graph: onnx.Graph{
			Nodes: []onnx.Node{
				{OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"features"}},
				{OpType: "GlobalAveragePool", Inputs: []string{"features"}, Outputs: []string{"y"}},
			},
			Inputs:  []onnx.ValueInfo{{Name: "x", ElemType: onnx.Float}},
			Outputs: []onnx.ValueInfo{{Name: "y", ElemType: onnx.Float}},
		},
	}
	data, err := onnx.Encode(m)
	if err != nil {
		log.Fatal(err)
	}
	data, err = onnx.AddOutputs(data, "features")
	if err != nil {
		log.Fatal(err)
	}
	back, err := onnx.Decode(data)
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range back.Graph.Outputs {
		fmt.Println(o)
	}
	// Output:
	// y float32
	// features float32
}
