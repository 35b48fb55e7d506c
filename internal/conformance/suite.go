package conformance

import (
	"context"
	"fmt"
	"math"
	"runtime/debug"
	"slices"
	"sort"
	"time"

	"dataplus/internal/infer"
)

// Case outcomes.
const (
	StatusPass = "pass"
	StatusFail = "fail"
	StatusSkip = "skip"
)

// Options configure Run.
type Options struct {
	// Tol is the largest relative error that passes (1e-4 for float32 on
	// the CPU, 1e-2 on a GPU with TF32 or bfloat16). Zero means 1e-4.
	Tol float64
	// Seed draws the inputs; zero means a seed from the clock. The report
	// carries it, so a failure can be rerun with the same inputs.
	Seed uint64
	// Logf, when set, is told about each case as it finishes.
	Logf func(format string, args ...any)
}

// DefaultTol is the tolerance when Options.Tol is zero.
const DefaultTol = 1e-4

// Report is the outcome of Run.
type Report struct {
	Reference string    `json:"reference"`
	Candidate string    `json:"candidate"`
	Tol       float64   `json:"tol"`
	Seed      uint64    `json:"seed"`
	Start     time.Time `json:"start"`
	Elapsed   Duration  `json:"elapsed"`
	Results   []Result  `json:"results"`
}

// Result is one case's outcome.
type Result struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Op     string `json:"op"`
	Opset  int64  `json:"opset"`
	Status string `json:"status"`
	// RelErr is the largest relative error over the outputs:
	// max|cand−ref| / max(max|ref|, 1e-6). Zero when nothing was
	// compared.
	RelErr float64 `json:"rel_err"`
	Tol    float64 `json:"tol"`
	// Err says why the case failed or was skipped.
	Err string `json:"error,omitempty"`
	// RefTime and CandTime are the wall times of each runner's Run,
	// model loading (and compiling) included.
	RefTime  Duration       `json:"ref_time"`
	CandTime Duration       `json:"cand_time"`
	Outputs  []OutputResult `json:"outputs,omitempty"`
}

// OutputResult compares one output.
type OutputResult struct {
	Name   string  `json:"name"`
	Shape  []int64 `json:"shape"`
	RelErr float64 `json:"rel_err"`
	// MaxAbsRef is max|ref|, the error's scale.
	MaxAbsRef float64 `json:"max_abs_ref"`
	Err       string  `json:"error,omitempty"`
}

// Duration is a time.Duration that reads as seconds in JSON.
type Duration time.Duration

// MarshalJSON writes the duration in seconds.
func (d Duration) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, "%.6f", time.Duration(d).Seconds()), nil
}

// UnmarshalJSON reads seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s float64
	if _, err := fmt.Sscan(string(b), &s); err != nil {
		return fmt.Errorf("duration %s: %w", b, err)
	}
	*d = Duration(s * float64(time.Second))
	return nil
}

// Run runs every case on ref and on cand with the same inputs and
// compares the outputs. A case fails on any error of either runner, on a
// missing output, a shape mismatch, a NaN or Inf where the reference is
// finite, or a relative error above the tolerance. Run stops early only
// when ctx is cancelled; the cases not run are then failed with the
// context's error.
func Run(ctx context.Context, ref, cand Runner, cases []Case, opts Options) Report {
	if opts.Tol == 0 {
		opts.Tol = DefaultTol
	}
	if opts.Seed == 0 {
		opts.Seed = uint64(time.Now().UnixNano())
	}
	rep := Report{
		Reference: ref.Name(),
		Candidate: cand.Name(),
		Tol:       opts.Tol,
		Seed:      opts.Seed,
		Start:     time.Now(),
	}
	for i := range cases {
		res := runCase(ctx, ref, cand, &cases[i], opts)
		rep.Results = append(rep.Results, res)
		if opts.Logf != nil {
			opts.Logf("%s %s rel_err=%.3g cand=%s %s", res.Status, res.Name, res.RelErr,
				time.Duration(res.CandTime).Round(time.Millisecond), res.Err)
		}
	}
	rep.Elapsed = Duration(time.Since(rep.Start))
	return rep
}

func runCase(ctx context.Context, ref, cand Runner, c *Case, opts Options) Result {
	res := Result{Name: c.Name, Kind: c.Kind, Op: c.Op, Opset: c.Opset, Tol: max(opts.Tol, c.Tol)}
	if res.Kind == "" {
		res.Kind = KindOp
	}
	fail := func(format string, args ...any) Result {
		res.Status = StatusFail
		res.Err = fmt.Sprintf(format, args...)
		return res
	}
	if reason := c.SkipReason(cand.Name()); reason != "" {
		res.Status = StatusSkip
		res.Err = reason
		return res
	}
	if err := ctx.Err(); err != nil {
		return fail("not run: %v", err)
	}
	model, err := c.Bytes()
	if err != nil {
		return fail("%v", err)
	}
	inputs := c.MakeInputs(opts.Seed)

	start := time.Now()
	want, err := safeRun(ctx, ref, model, inputs, c.Outputs)
	res.RefTime = Duration(time.Since(start))
	if err != nil {
		return fail("reference %s: %v", ref.Name(), err)
	}
	start = time.Now()
	got, err := safeRun(ctx, cand, model, inputs, c.Outputs)
	res.CandTime = Duration(time.Since(start))
	if err != nil {
		return fail("%v", err)
	}

	names := c.Outputs
	if len(names) == 0 {
		for name := range want {
			names = append(names, name)
		}
		sort.Strings(names)
	}
	var problems []string
	for _, name := range names {
		w, ok := want[name]
		if !ok {
			return fail("reference %s returned no output %q", ref.Name(), name)
		}
		o := OutputResult{Name: name, Shape: w.Shape}
		g, ok := got[name]
		if !ok {
			o.Err = "missing output"
		} else {
			o.RelErr, o.MaxAbsRef, err = Compare(w, g)
			if err != nil {
				o.Err = err.Error()
			} else if o.RelErr > res.Tol {
				o.Err = fmt.Sprintf("rel_err %.3g > tol %.3g", o.RelErr, res.Tol)
			}
		}
		res.RelErr = max(res.RelErr, o.RelErr)
		if o.Err != "" {
			problems = append(problems, name+": "+o.Err)
		}
		res.Outputs = append(res.Outputs, o)
	}
	if len(problems) > 0 {
		return fail("%s (seed %d)", joinProblems(problems), opts.Seed)
	}
	res.Status = StatusPass
	return res
}

func joinProblems(ps []string) string {
	const most = 3
	if len(ps) > most {
		ps = append(ps[:most:most], fmt.Sprintf("and %d more", len(ps)-most))
	}
	s := ps[0]
	for _, p := range ps[1:] {
		s += "; " + p
	}
	return s
}

// safeRun calls r.Run, turning a panic into an error (GoMLX reports many
// errors by panicking).
func safeRun(ctx context.Context, r Runner, model []byte, inputs map[string]infer.Tensor, outputs []string) (out map[string]infer.Tensor, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: panic: %v\n%s", r.Name(), p, firstLines(string(debug.Stack()), 12))
		}
	}()
	// Each runner gets its own copy of the inputs, so that one that
	// writes into them cannot change what the other sees.
	in := make(map[string]infer.Tensor, len(inputs))
	for name, t := range inputs {
		in[name] = infer.Tensor{Shape: slices.Clone(t.Shape), Data: slices.Clone(t.Data)}
	}
	return r.Run(ctx, model, in, outputs)
}

func firstLines(s string, n int) string {
	for i := range len(s) {
		if s[i] == '\n' {
			n--
			if n == 0 {
				return s[:i]
			}
		}
	}
	return s
}

// Compare returns the relative error of got against want,
// max|got−want| / max(max|want|, 1e-6), and max|want|. It is an error
// when the shapes differ, or got holds a NaN or Inf where want is finite
// (or differs from a non-finite want).
func Compare(want, got infer.Tensor) (relErr, maxAbsRef float64, err error) {
	if !slices.Equal(want.Shape, got.Shape) {
		return 0, 0, fmt.Errorf("shape %v, want %v", got.Shape, want.Shape)
	}
	if len(want.Data) != len(got.Data) {
		return 0, 0, fmt.Errorf("%d values, want %d", len(got.Data), len(want.Data))
	}
	var maxDiff float64
	for i, w := range want.Data {
		g := got.Data[i]
		wf, gf := float64(w), float64(g)
		if math.IsNaN(wf) || math.IsInf(wf, 0) {
			if !(math.IsNaN(wf) && math.IsNaN(gf)) && wf != gf {
				return 0, 0, fmt.Errorf("value %d is %v, want %v", i, g, w)
			}
			continue
		}
		if math.IsNaN(gf) || math.IsInf(gf, 0) {
			return 0, 0, fmt.Errorf("value %d is %v, want %v", i, g, w)
		}
		maxAbsRef = max(maxAbsRef, math.Abs(wf))
		maxDiff = max(maxDiff, math.Abs(gf-wf))
	}
	return maxDiff / max(maxAbsRef, 1e-6), maxAbsRef, nil
}
