package conformance

import (
	"context"
	"fmt"
	"math"

	"dataplus/internal/infer"
	"dataplus/internal/onnx"
)

// Runner runs an ONNX model on one backend: ONNX Runtime as the
// reference, a converter as the candidate.
type Runner interface {
	// Name identifies the runner in reports and in Case.Skip
	// ("onnxruntime-cpu", "gomlx/go/float32").
	Name() string
	// Run loads model, feeds it inputs and returns the named outputs
	// (every graph output when outputs is empty). An output may be an
	// inner value of the graph.
	Run(ctx context.Context, model []byte, inputs map[string]infer.Tensor, outputs []string) (map[string]infer.Tensor, error)
}

// ORTRunner is the reference: ONNX Runtime on the CPU, through package
// infer. Each Run loads the model into a new session and closes it.
type ORTRunner struct {
	backend *infer.ORT
}

// NewORTRunner loads ONNX Runtime from the assets directory. threads is
// the intra-op threads per Run (0: one per core).
func NewORTRunner(assetsDir string, threads int) (*ORTRunner, error) {
	b, err := infer.NewORT(infer.ORTOptions{AssetsDir: assetsDir, IntraOpThreads: threads})
	if err != nil {
		return nil, fmt.Errorf("reference runner: %w", err)
	}
	return &ORTRunner{backend: b}, nil
}

// Name implements Runner.
func (r *ORTRunner) Name() string { return "onnxruntime-cpu" }

// Run implements Runner. Outputs that are not graph outputs are added to
// the graph first (onnx.AddOutputs).
func (r *ORTRunner) Run(ctx context.Context, model []byte, inputs map[string]infer.Tensor, outputs []string) (map[string]infer.Tensor, error) {
	if len(outputs) > 0 {
		var err error
		model, err = onnx.AddOutputs(model, outputs...)
		if err != nil {
			return nil, fmt.Errorf("onnxruntime: %w", err)
		}
	}
	sess, err := r.backend.Load(ctx, infer.Spec{Name: "conformance", Data: model, Outputs: outputs})
	if err != nil {
		return nil, fmt.Errorf("onnxruntime: %w", err)
	}
	defer sess.Close()
	out, err := sess.Run(ctx, inputs)
	if err != nil {
		return nil, fmt.Errorf("onnxruntime: %w", err)
	}
	return out, nil
}

// Close releases ONNX Runtime's sessions; the library stays loaded.
func (r *ORTRunner) Close() error { return r.backend.Close() }

// Perturbed wraps a runner and adds Rel times each output's largest
// magnitude (1 where that is zero) to every value of it: a deliberately
// wrong candidate with relative error Rel, to check that the suite can
// fail.
type Perturbed struct {
	Runner Runner
	Rel    float32
}

// Name implements Runner.
func (p Perturbed) Name() string { return p.Runner.Name() + "+perturbed" }

// Run implements Runner.
func (p Perturbed) Run(ctx context.Context, model []byte, inputs map[string]infer.Tensor, outputs []string) (map[string]infer.Tensor, error) {
	out, err := p.Runner.Run(ctx, model, inputs, outputs)
	if err != nil {
		return nil, err
	}
	for name, t := range out {
		// An offset, not a scale: scaling would leave outputs that are all
		// zero exact (a logic op whose random inputs all give false).
		var scale float32
		for _, v := range t.Data {
			if a := math.Abs(float64(v)); !math.IsInf(a, 0) && !math.IsNaN(a) {
				scale = max(scale, float32(a))
			}
		}
		if scale == 0 {
			scale = 1
		}
		data := make([]float32, len(t.Data))
		for i, v := range t.Data {
			data[i] = v + p.Rel*scale
		}
		out[name] = infer.Tensor{Shape: t.Shape, Data: data}
	}
	return out, nil
}
