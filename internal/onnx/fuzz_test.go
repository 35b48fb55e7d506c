package onnx

import "testing"

// FuzzDecode feeds hostile bytes to Decode and to everything that reads
// its result: none of it may panic or allocate beyond the input's size.
func FuzzDecode(f *testing.F) {
	valid, err := Encode(testModel())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte{})
	f.Add([]byte{0x3a, 0x00}) // an empty graph
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		m, err := Decode(data)
		if err != nil {
			return
		}
		_ = Summary(m)
		g := &m.Graph
		tensors := g.Initializers
		for _, n := range g.Nodes {
			for _, a := range n.Attrs {
				if a.T != nil {
					tensors = append(tensors, *a.T)
				}
			}
		}
		for i := range tensors {
			_, _ = tensors[i].Floats()
			_, _ = tensors[i].Int64s()
		}
		if out, err := Encode(m); err == nil {
			if _, err := Decode(out); err != nil {
				t.Fatalf("Decode(Encode(m)): %v", err)
			}
		}
		if len(g.Nodes) > 0 && len(g.Nodes[0].Outputs) > 0 {
			out, err := AddOutputs(data, g.Nodes[0].Outputs[0])
			if err != nil {
				t.Fatalf("AddOutputs of a node output: %v", err)
			}
			if _, err := Decode(out); err != nil {
				t.Fatalf("Decode after AddOutputs: %v", err)
			}
		}
	})
}
