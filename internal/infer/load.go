package infer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"dataplus/internal/assets"
	"dataplus/internal/onnx"
	"dataplus/internal/record"
)

// Loaded is a registry model with its session.
type Loaded struct {
	Model   Model
	Session Session
	// Input is the image input's name.
	Input string
	// Embedding is the embedding tensor's name, "" when the model has
	// none; it is one of the session's outputs.
	Embedding string
}

// Close closes the session.
func (l *Loaded) Close() error { return l.Session.Close() }

// Load checks the model's file, finds its input and embedding tensors,
// exposes an inner embedding tensor as a graph output, and loads the
// result on the backend. A missing or damaged file is an error wrapping
// record.ErrUnavailable that says how to get it.
func Load(ctx context.Context, b Backend, m Model) (*Loaded, error) {
	if err := checkFile(m); err != nil {
		return nil, fmt.Errorf("load model %s: %w: %w", m.Name, record.ErrUnavailable, err)
	}
	data, err := os.ReadFile(m.Path)
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", m.Name, err)
	}
	g, err := onnx.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", m.Name, err)
	}
	input, err := imageInput(&g.Graph, m.Input.Name)
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", m.Name, err)
	}

	emb := m.Embedding.Tensor
	if emb == "" && m.Embedding.Find == FindLastLinear {
		if emb, err = FindEmbedding(&g.Graph); err != nil {
			return nil, fmt.Errorf("load model %s: %w", m.Name, err)
		}
	}
	outputs := slices.Clone(m.Outputs)
	if len(outputs) == 0 {
		for _, o := range g.Graph.Outputs {
			outputs = append(outputs, o.Name)
		}
	}
	spec := Spec{Name: m.Name, File: m.Path}
	if emb != "" {
		if _, ok := g.Graph.Producer(emb); !ok && !isGraphOutput(&g.Graph, emb) {
			return nil, fmt.Errorf("load model %s: no tensor %q in the graph", m.Name, emb)
		}
		if !isGraphOutput(&g.Graph, emb) {
			if spec.Data, err = onnx.AddOutputs(data, emb); err != nil {
				return nil, fmt.Errorf("load model %s: expose %s: %w", m.Name, emb, err)
			}
			spec.File = ""
		}
		if !slices.Contains(outputs, emb) {
			outputs = append(outputs, emb)
		}
	}
	spec.Outputs = outputs
	s, err := b.Load(ctx, spec)
	if err != nil {
		return nil, err
	}
	return &Loaded{Model: m, Session: s, Input: input, Embedding: emb}, nil
}

// checkFile reports a missing file or a hash mismatch.
func checkFile(m Model) error {
	if _, err := os.Stat(m.Path); err != nil {
		if m.Bundled {
			return &assets.MissingError{Dir: filepath.Dir(m.Path), Missing: []string{m.File}}
		}
		return fmt.Errorf("model file %s not found: %w", m.Path, err)
	}
	if m.SHA256 == "" {
		return nil
	}
	sum, err := assets.FileSHA256(m.Path)
	if err != nil {
		return err
	}
	if sum != m.SHA256 {
		if m.Bundled {
			return &assets.MissingError{Dir: filepath.Dir(m.Path), Damaged: []string{m.File}}
		}
		return fmt.Errorf("model file %s: SHA-256 %s, manifest says %s", m.Path, sum, m.SHA256)
	}
	return nil
}

// imageInput returns the named input, or the graph's only real input
// (old exporters also list initializers as inputs).
func imageInput(g *onnx.Graph, name string) (string, error) {
	var real []string
	for _, in := range g.Inputs {
		if _, ok := g.Initializer(in.Name); !ok {
			real = append(real, in.Name)
		}
	}
	if name != "" {
		if !slices.Contains(real, name) {
			return "", fmt.Errorf("no input %q (inputs: %v)", name, real)
		}
		return name, nil
	}
	if len(real) != 1 {
		return "", fmt.Errorf("model has %d inputs %v; name the image input", len(real), real)
	}
	return real[0], nil
}

func isGraphOutput(g *onnx.Graph, name string) bool {
	for _, o := range g.Outputs {
		if o.Name == name {
			return true
		}
	}
	return false
}

// FindEmbedding returns the input of the last linear layer: starting at
// the graph's first output (the logits), it steps back through ops that
// do not change what the vector means (Softmax, Identity, Dropout, a bias
// Add, Reshape, Flatten, Squeeze, Cast) to a Gemm or MatMul, and returns
// that node's data input. It works on graph structure, not on the names
// an exporter chose.
func FindEmbedding(g *onnx.Graph) (string, error) {
	if len(g.Outputs) == 0 {
		return "", fmt.Errorf("find embedding: graph has no outputs")
	}
	name := g.Outputs[0].Name
	for range 8 {
		n, ok := g.Producer(name)
		if !ok {
			break
		}
		switch n.OpType {
		case "Gemm", "MatMul":
			if len(n.Inputs) < 2 {
				return "", fmt.Errorf("find embedding: %s %q has %d inputs", n.OpType, n.Name, len(n.Inputs))
			}
			// The data input is the one that is not a weight.
			if isConst(g, n.Inputs[0]) && !isConst(g, n.Inputs[1]) {
				return n.Inputs[1], nil
			}
			return n.Inputs[0], nil
		case "Add":
			// A bias add: follow the operand that is computed, not stored.
			next := ""
			for _, in := range n.Inputs {
				if !isConst(g, in) {
					if next != "" {
						return "", fmt.Errorf("find embedding: %q adds two computed tensors; not a linear head", n.Name)
					}
					next = in
				}
			}
			if next == "" {
				return "", fmt.Errorf("find embedding: %q adds constants", n.Name)
			}
			name = next
		case "Softmax", "LogSoftmax", "Identity", "Dropout", "Reshape", "Flatten", "Squeeze", "Cast":
			name = n.Inputs[0]
		default:
			return "", fmt.Errorf("find embedding: output %s comes from %s %q, not a Gemm or MatMul head", g.Outputs[0].Name, n.OpType, n.Name)
		}
	}
	return "", fmt.Errorf("find embedding: no Gemm or MatMul head before output %s", g.Outputs[0].Name)
}

func isConst(g *onnx.Graph, name string) bool {
	_, ok := g.Constant(name)
	return ok
}

// Pool turns an embedding output into one vector per item, [N, D]:
// PoolNone flattens each item, PoolMeanMax concatenates the spatial mean
// and max of each channel of a [N, C, H, W] map.
func Pool(t Tensor, p Pooling) (Tensor, error) {
	if err := t.Check(); err != nil {
		return Tensor{}, fmt.Errorf("pool: %w", err)
	}
	if len(t.Shape) < 2 {
		return Tensor{}, fmt.Errorf("pool: shape %v, want a batch of vectors or maps", t.Shape)
	}
	n := int(t.Shape[0])
	switch p {
	case PoolNone:
		d := 1
		for _, s := range t.Shape[1:] {
			d *= int(s)
		}
		return Tensor{Shape: []int64{int64(n), int64(d)}, Data: t.Data}, nil
	case PoolMeanMax:
		if len(t.Shape) != 4 {
			return Tensor{}, fmt.Errorf("pool %s: shape %v, want [N C H W]", p, t.Shape)
		}
		c, hw := int(t.Shape[1]), int(t.Shape[2]*t.Shape[3])
		if hw == 0 {
			return Tensor{}, fmt.Errorf("pool %s: empty map %v", p, t.Shape)
		}
		out := NewTensor(int64(n), int64(2*c))
		for i := range n {
			for ch := range c {
				plane := t.Data[(i*c+ch)*hw : (i*c+ch+1)*hw]
				var sum float64
				mx := plane[0]
				for _, v := range plane {
					sum += float64(v)
					mx = max(mx, v)
				}
				out.Data[i*2*c+ch] = float32(sum / float64(hw))
				out.Data[i*2*c+c+ch] = mx
			}
		}
		return out, nil
	default:
		return Tensor{}, fmt.Errorf("pool: unknown pooling %q", p)
	}
}
