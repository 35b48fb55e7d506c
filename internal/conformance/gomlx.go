package conformance

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"

	"dataplus/internal/convert"
	"dataplus/internal/infer"
)

// GoMLXRunner is a candidate: the model converted by package convert and
// run on a GoMLX backend. It keeps the last compiled program, so running
// the same model and outputs again (with inputs of any shape) does not
// convert it again; Close releases it. Use it through a pointer.
type GoMLXRunner struct {
	Backend backends.Backend
	// DType is the compute type: dtypes.Float32 (the default when zero)
	// or dtypes.BFloat16.
	DType  dtypes.DType
	Device backends.DeviceNum

	mu      sync.Mutex
	key     string
	program *convert.Program
}

// Name implements Runner: "gomlx/<backend>/<dtype>", with "/device<N>"
// for a device other than 0.
func (r *GoMLXRunner) Name() string {
	name := fmt.Sprintf("gomlx/%s/%s", r.Backend.String(), strings.ToLower(r.dtype().String()))
	if r.Device != 0 {
		name += fmt.Sprintf("/device%d", r.Device)
	}
	return name
}

func (r *GoMLXRunner) dtype() dtypes.DType {
	if r.DType == dtypes.InvalidDType {
		return dtypes.Float32
	}
	return r.DType
}

// Run implements Runner.
func (r *GoMLXRunner) Run(ctx context.Context, model []byte, inputs map[string]infer.Tensor, outputs []string) (map[string]infer.Tensor, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", r.Name(), err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	sum := sha256.Sum256(model)
	key := fmt.Sprintf("%x|%s", sum, strings.Join(outputs, "\x00"))
	if r.program == nil || r.key != key {
		if err := r.closeProgram(); err != nil {
			return nil, err
		}
		m, err := convert.Load(model)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.Name(), err)
		}
		p, err := m.Compile(r.Backend, convert.Options{Outputs: outputs, DType: r.dtype(), Device: r.Device})
		if err != nil {
			return nil, fmt.Errorf("%s: compile: %w", r.Name(), err)
		}
		r.program, r.key = p, key
	}
	out, err := r.program.Run(inputs)
	if err != nil {
		return nil, fmt.Errorf("%s: run: %w", r.Name(), err)
	}
	return out, nil
}

// Close releases the cached program. The backend stays open: it belongs
// to the caller.
func (r *GoMLXRunner) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closeProgram()
}

func (r *GoMLXRunner) closeProgram() error {
	if r.program == nil {
		return nil
	}
	p := r.program
	r.program, r.key = nil, ""
	if err := p.Close(); err != nil {
		return fmt.Errorf("%s: close program: %w", r.Name(), err)
	}
	return nil
}

// OpCases returns the catalog cases that package convert can run: those
// whose every operator is in convert.Ops().
func OpCases() []Case { return Claimed(Catalog(), convert.Ops()) }

// UncoveredOps returns the operators convert claims that no runnable case
// tests: a missing case, or cases that need an operator convert does not
// claim. Empty when the catalog covers the converter.
func UncoveredOps() []string {
	ops, cases := convert.Ops(), Catalog()
	out := Uncovered(cases, ops)
	for op := range Blocked(cases, ops) {
		out = append(out, op)
	}
	slices.Sort(out)
	return out
}
