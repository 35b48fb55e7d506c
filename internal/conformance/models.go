package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"dataplus/internal/assets"
	"dataplus/internal/onnx"
)

// Sizes choose the input shapes of model cases.
type Sizes struct {
	// Batch, Height and Width fill a model input's dynamic dimensions:
	// dimension 0 takes Batch, dimensions 2 and 3 of a rank-4 (NCHW)
	// input Height and Width. Zero means 1, 224 and 224.
	Batch, Height, Width int64
	// Shapes gives the whole shape of a one-input model by file name
	// ("ch_PP-OCRv4_det_infer.onnx"), overriding the rule above.
	Shapes map[string][]int64
}

// CPUSizes are small shapes that keep the PaddleOCR models fast on a
// pure-Go backend: the detector at 64×64, the direction classifier at
// its native 48×192, the recogniser at 48×64.
func CPUSizes() Sizes {
	return Sizes{
		Batch: 1, Height: 224, Width: 224,
		Shapes: map[string][]int64{
			assets.OCRDetector:  {1, 3, 64, 64},
			assets.OCRDirection: {1, 3, 48, 192},
			assets.OCRRecognize: {1, 3, 48, 64},
		},
	}
}

// GPUSizes are the shapes dataplus runs in production: the detector at
// its long side of 960, batches of 8 for the others.
func GPUSizes() Sizes {
	return Sizes{
		Batch: 8, Height: 224, Width: 224,
		Shapes: map[string][]int64{
			assets.OCRDetector:  {1, 3, 960, 736},
			assets.OCRDirection: {8, 3, 48, 192},
			assets.OCRRecognize: {8, 3, 48, 320},
		},
	}
}

// modelOutputs are inner tensors dataplus reads, compared with the
// model's outputs.
var modelOutputs = map[string][]string{
	// The detector's probability map and its backbone embedding
	// (infer.DetectorMap and the registry's detector embedding).
	assets.OCRDetector: {"sigmoid_0.tmp_0", "p2o.Add.215"},
}

// modelTols are tolerances of models whose float32 results are known to
// differ more than DefaultTol between two correct runtimes. The
// recogniser ends in a softmax over 6625 classes of logits up to about
// 30: float32 rounding differences of 1e-5 in the logits (ONNX Runtime
// fuses Conv and BatchNormalization, sums in another order) come out as
// 2e-5 to 9e-5 in the probabilities (measured against GoMLX's simplego
// backend, whose every op case agrees to 2e-7).
var modelTols = map[string]float64{
	assets.OCRRecognize: 5e-4,
}

// ModelCases returns a case for every *.onnx file in dir (the assets dir
// holds the bundled PaddleOCR models; exported torchvision models can sit
// beside them), in file name order. Input shapes come from the model,
// dynamic dimensions from sizes. A model with an input that is not
// float32 is a case skipped on every runner.
func ModelCases(dir string, sizes Sizes) ([]Case, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.onnx"))
	if err != nil {
		return nil, fmt.Errorf("model cases: %w", err)
	}
	sort.Strings(files)
	var cases []Case
	for _, f := range files {
		c, err := ModelCase(f, sizes)
		if err != nil {
			return nil, err
		}
		cases = append(cases, c)
	}
	return cases, nil
}

// ModelCase returns the case for one model file.
func ModelCase(path string, sizes Sizes) (Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Case{}, fmt.Errorf("model case: %w", err)
	}
	m, err := onnx.Decode(data)
	if err != nil {
		return Case{}, fmt.Errorf("model case %s: %w", path, err)
	}
	base := filepath.Base(path)
	c := Case{
		Name:    "model/" + strings.TrimSuffix(base, ".onnx"),
		Kind:    KindModel,
		Op:      base,
		Opset:   m.Opsets[""],
		File:    path,
		Outputs: slices.Clone(modelOutputs[base]),
		Tol:     modelTols[base],
	}
	if c.Opset == 0 {
		c.Opset = m.Opsets["ai.onnx"]
	}
	for _, n := range m.Graph.Nodes {
		if !slices.Contains(c.Ops, n.OpType) {
			c.Ops = append(c.Ops, n.OpType)
		}
	}
	sort.Strings(c.Ops)

	// Initializers may be listed as graph inputs (older exporters).
	var inputs []onnx.ValueInfo
	for _, in := range m.Graph.Inputs {
		if _, ok := m.Graph.Initializer(in.Name); !ok {
			inputs = append(inputs, in)
		}
	}
	for _, in := range inputs {
		if in.ElemType != onnx.Float {
			c.Skip = map[string]string{"": fmt.Sprintf("input %s is %s; the reference takes float32 only", in.Name, in.ElemType)}
			return c, nil
		}
	}
	for _, in := range inputs {
		shape, err := inputShape(base, in, len(inputs), sizes)
		if err != nil {
			return Case{}, fmt.Errorf("model case %s: %w", path, err)
		}
		dist := distImage
		if isOCR(base) {
			dist = Dist{Text: true}
		}
		c.Inputs = append(c.Inputs, Input{Name: in.Name, Shape: shape, Dist: dist})
	}
	return c, nil
}

// inputShape picks the shape of one model input.
func inputShape(file string, in onnx.ValueInfo, inputs int, sizes Sizes) ([]int64, error) {
	if s, ok := sizes.Shapes[file]; ok && inputs == 1 {
		if len(s) != len(in.Shape) {
			return nil, fmt.Errorf("input %s: size %v for a rank-%d input", in.Name, s, len(in.Shape))
		}
		for i, d := range in.Shape {
			if d.Value > 0 && d.Value != s[i] {
				return nil, fmt.Errorf("input %s: size %v does not fit the model's %v", in.Name, s, in)
			}
		}
		return slices.Clone(s), nil
	}
	if in.Shape == nil {
		return nil, fmt.Errorf("input %s has no shape; give one in Sizes.Shapes", in.Name)
	}
	batch, height, width := sizes.Batch, sizes.Height, sizes.Width
	if batch <= 0 {
		batch = 1
	}
	if height <= 0 {
		height = 224
	}
	if width <= 0 {
		width = 224
	}
	shape := make([]int64, len(in.Shape))
	for i, d := range in.Shape {
		switch {
		case d.Value > 0:
			shape[i] = d.Value
		case i == 0:
			shape[i] = batch
		case len(in.Shape) == 4 && i == 2:
			shape[i] = height
		case len(in.Shape) == 4 && i == 3:
			shape[i] = width
		default:
			return nil, fmt.Errorf("input %s: dimension %d of %v is dynamic; give the shape in Sizes.Shapes", in.Name, i, in)
		}
	}
	return shape, nil
}

// isOCR reports whether file is a bundled PaddleOCR model, fed pages of
// text rather than noise.
func isOCR(file string) bool {
	switch file {
	case assets.OCRDetector, assets.OCRDirection, assets.OCRRecognize:
		return true
	}
	return false
}
