package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"dataplus/internal/assets"
	"dataplus/internal/assets/assetstest"
	"dataplus/internal/infer"
	"dataplus/internal/onnx"
)

// The process has one ONNX Runtime; the tests share one runner.
var (
	refOnce   sync.Once
	refRunner *ORTRunner
	refErr    error
)

// reference returns the ONNX Runtime runner and the assets dir, skipping
// (or failing under DATAPLUS_REQUIRE_MODELS=1) without the assets.
func reference(t testing.TB) (*ORTRunner, string) {
	t.Helper()
	dir := assetstest.Dir(t)
	refOnce.Do(func() { refRunner, refErr = NewORTRunner(dir, 2) })
	if refErr != nil {
		t.Fatal(refErr)
	}
	return refRunner, dir
}

func TestCatalogWellFormed(t *testing.T) {
	cases := Catalog()
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.Name] {
			t.Errorf("duplicate case %s", c.Name)
		}
		seen[c.Name] = true
		if c.Kind != KindOp || c.Op == "" || c.Opset < 7 || !slices.Contains(c.Ops, c.Op) {
			t.Errorf("case %s: kind %q op %q opset %d ops %v", c.Name, c.Kind, c.Op, c.Opset, c.Ops)
		}
		if !strings.HasPrefix(c.Name, c.Op) {
			t.Errorf("case %s: name does not start with its op %s", c.Name, c.Op)
		}
		if len(c.Inputs) == 0 {
			t.Errorf("case %s: no data inputs", c.Name)
		}
		m, err := onnx.Decode(c.Model)
		if err != nil {
			t.Errorf("case %s: %v", c.Name, err)
			continue
		}
		for _, out := range m.Graph.Outputs {
			if p, ok := m.Graph.Producer(out.Name); ok && p.OpType != "Cast" && strings.Contains(p.OpType, "Arg") {
				t.Errorf("case %s: integer output %s is not cast to float", c.Name, out.Name)
			}
		}
	}
	// The model bytes are deterministic.
	again := Catalog()
	for i := range cases {
		if !bytes.Equal(cases[i].Model, again[i].Model) {
			t.Errorf("case %s: model bytes differ between calls", cases[i].Name)
		}
	}
	t.Logf("%d cases for %d ops", len(cases), len(CatalogOps()))
}

func TestMakeInputs(t *testing.T) {
	c := Catalog()[0]
	a, b := c.MakeInputs(7), c.MakeInputs(7)
	other := c.MakeInputs(8)
	for name, ta := range a {
		if !slices.Equal(ta.Data, b[name].Data) {
			t.Errorf("input %s: same seed, different values", name)
		}
		if slices.Equal(ta.Data, other[name].Data) {
			t.Errorf("input %s: different seeds, same values", name)
		}
		if err := ta.Check(); err != nil {
			t.Error(err)
		}
	}
	// Divisors stay away from zero; integer inputs are integers.
	rngCase := Case{Name: "dist", Inputs: []Input{
		{Name: "d", Shape: []int64{1000}, Dist: distNonZero},
		{Name: "i", Shape: []int64{1000}, Dist: distInts},
	}}
	in := rngCase.MakeInputs(1)
	for _, v := range in["d"].Data {
		if math.Abs(float64(v)) < 0.5 || math.Abs(float64(v)) > 2 {
			t.Fatalf("divisor %v outside ±[0.5, 2]", v)
		}
	}
	for _, v := range in["i"].Data {
		if v != float32(math.Round(float64(v))) {
			t.Fatalf("integer input %v", v)
		}
	}
}

// TestCatalogOnORT runs every catalog model on ONNX Runtime against
// itself: every case must load and run, and agree exactly.
func TestCatalogOnORT(t *testing.T) {
	ref, _ := reference(t)
	rep := Run(context.Background(), ref, ref, Catalog(), Options{})
	for _, res := range rep.Results {
		if res.Status != StatusPass || res.RelErr != 0 {
			t.Errorf("%s: %s rel_err %g: %s", res.Name, res.Status, res.RelErr, res.Err)
		}
	}
}

// TestPerturbedCandidateFails checks that the suite can fail: a candidate
// 1e-3 off in relative terms fails every case at tolerance 1e-4 and
// passes at 1e-2.
func TestPerturbedCandidateFails(t *testing.T) {
	ref, _ := reference(t)
	cases := Catalog()
	bad := Perturbed{Runner: ref, Rel: 1e-3}
	rep := Run(context.Background(), ref, bad, cases, Options{Tol: 1e-4})
	if rep.Passed() {
		t.Fatal("a perturbed candidate passed")
	}
	for _, res := range rep.Results {
		if res.Status == StatusPass {
			t.Errorf("%s passed with a 1e-3 perturbation (rel_err %g)", res.Name, res.RelErr)
		}
	}
	if s := rep.Summary(); s.OpCases.Failed != len(cases) || s.Ops.Passed != 0 {
		t.Errorf("summary %s", s)
	}
	loose := Run(context.Background(), ref, bad, cases[:5], Options{Tol: 1e-2})
	if !loose.Passed() {
		var b strings.Builder
		loose.Table(&b)
		t.Errorf("perturbed candidate failed at tol 1e-2:\n%s", b.String())
	}
}

// failing is a candidate that errors, panics or returns bad tensors.
type failing struct{ mode string }

func (f failing) Name() string { return "failing/" + f.mode }

func (f failing) Run(ctx context.Context, model []byte, inputs map[string]infer.Tensor, outputs []string) (map[string]infer.Tensor, error) {
	switch f.mode {
	case "panic":
		panic("boom")
	case "error":
		return nil, context.DeadlineExceeded
	}
	out := map[string]infer.Tensor{}
	m, _ := onnx.Decode(model)
	for _, o := range m.Graph.Outputs {
		switch f.mode {
		case "missing":
		case "shape":
			out[o.Name] = infer.Tensor{Shape: []int64{1}, Data: []float32{0}}
		case "nan":
			out[o.Name] = infer.Tensor{Shape: []int64{2, 3, 4, 5}, Data: slices.Repeat([]float32{float32(math.NaN())}, 120)}
		}
	}
	return out, nil
}

func TestFailureModes(t *testing.T) {
	ref, _ := reference(t)
	var relu []Case
	for _, c := range Catalog() {
		if c.Name == "Relu" {
			relu = append(relu, c)
		}
	}
	for mode, want := range map[string]string{
		"panic":   "panic: boom",
		"error":   "deadline exceeded",
		"missing": "missing output",
		"shape":   "shape [1], want [2 3 4 5]",
		"nan":     "is NaN",
	} {
		rep := Run(context.Background(), ref, failing{mode}, relu, Options{Seed: 42})
		res := rep.Results[0]
		if res.Status != StatusFail || !strings.Contains(res.Err, want) {
			t.Errorf("%s: status %s, error %q, want one with %q", mode, res.Status, res.Err, want)
		}
	}
	skip := relu[0]
	skip.Skip = map[string]string{"failing/": "too slow"}
	rep := Run(context.Background(), ref, failing{"panic"}, []Case{skip}, Options{})
	if res := rep.Results[0]; res.Status != StatusSkip || res.Err != "too slow" {
		t.Errorf("skip: %+v", res)
	}
}

func TestCompare(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	tensor := func(vs ...float32) infer.Tensor { return infer.Tensor{Shape: []int64{int64(len(vs))}, Data: vs} }
	for _, tc := range []struct {
		want, got infer.Tensor
		rel       float64
		err       string
	}{
		{tensor(1, -2, 4), tensor(1, -2, 4), 0, ""},
		{tensor(1, -2, 4), tensor(1, -2, 4.004), 0.001, ""},
		{tensor(0, 0), tensor(0, 1e-7), 0.1, ""},
		{tensor(1, 2), tensor(1, 2, 3), 0, "shape"},
		{tensor(1, 2), tensor(1, nan), 0, "NaN"},
		{tensor(1, 2), tensor(inf, 2), 0, "+Inf"},
		{tensor(nan, 2), tensor(nan, 2), 0, ""},
		{tensor(inf, 2), tensor(inf, 2), 0, ""},
		{tensor(inf, 2), tensor(1, 2), 0, "want +Inf"},
	} {
		rel, _, err := Compare(tc.want, tc.got)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Compare(%v, %v) = %v, want error with %q", tc.want.Data, tc.got.Data, err, tc.err)
			}
			continue
		}
		if err != nil || math.Abs(rel-tc.rel) > 1e-6*max(1, tc.rel) {
			t.Errorf("Compare(%v, %v) = %g, %v; want %g", tc.want.Data, tc.got.Data, rel, err, tc.rel)
		}
	}
}

func TestTable(t *testing.T) {
	rep := Report{
		Reference: "onnxruntime-cpu", Candidate: "gomlx/go/float32", Tol: 1e-4, Seed: 12345,
		Elapsed: Duration(1500 * time.Millisecond),
		Results: []Result{
			{Name: "Conv/3x3_pad1", Kind: KindOp, Op: "Conv", Opset: 11, Status: StatusPass, RelErr: 2.5e-7,
				RefTime: Duration(time.Millisecond), CandTime: Duration(40 * time.Millisecond),
				Outputs: []OutputResult{{Name: "y", RelErr: 2.5e-7}}},
			{Name: "Resize/linear_half_pixel_x2", Kind: KindOp, Op: "Resize", Opset: 13, Status: StatusFail, RelErr: 0.25,
				Err: "y: rel_err 0.25 > tol 1e-4 (seed 12345)", Outputs: []OutputResult{{Name: "y", RelErr: 0.25}}},
			{Name: "Resize/nearest_default_x2", Kind: KindOp, Op: "Resize", Opset: 13, Status: StatusPass,
				Outputs: []OutputResult{{Name: "y"}}},
			{Name: "Gelu/exact", Kind: KindOp, Op: "Gelu", Opset: 20, Status: StatusSkip, Err: "too slow"},
			{Name: "model/det", Kind: KindModel, Op: "det.onnx", Opset: 11, Status: StatusPass, RelErr: 3e-6,
				CandTime: Duration(2 * time.Second), Outputs: []OutputResult{{Name: "map", RelErr: 3e-6}}},
		},
	}
	var b strings.Builder
	if err := rep.Table(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	t.Log("\n" + out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "reference onnxruntime-cpu, candidate gomlx/go/float32, tol 1e-04, seed 12345" {
		t.Errorf("header %q", lines[0])
	}
	// The columns line up: OP starts at the same offset on every row.
	col := strings.Index(lines[1], "OP ")
	for _, l := range lines[2:7] {
		if len(l) <= col || l[col-1] != ' ' || l[col] == ' ' {
			t.Errorf("row not aligned at %d: %q", col, l)
		}
	}
	for _, want := range []string{
		"FAIL    Resize/linear_half_pixel_x2",
		"skip    Gelu/exact",
		"2.50e-07",
		"failures (seed 12345):\n  Resize/linear_half_pixel_x2: y: rel_err 0.25 > tol 1e-4 (seed 12345)",
		"failed ops: Resize",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	summary := "ops: 1 passed, 1 failed, 1 skipped (4 cases: 2 passed, 1 failed, 1 skipped); models: 1 passed, 0 failed (1.5s)"
	if lines[len(lines)-1] != summary {
		t.Errorf("summary line %q, want %q", lines[len(lines)-1], summary)
	}

	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Report
		Summary Summary `json:"summary"`
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Results) != 5 || back.Results[0].CandTime != Duration(40*time.Millisecond) ||
		back.Summary.Ops.Failed != 1 || back.Seed != 12345 {
		t.Errorf("JSON round trip: %s", js.String())
	}
}

func TestModelCases(t *testing.T) {
	ref, dir := reference(t)
	cases, err := ModelCases(dir, CPUSizes())
	if err != nil {
		t.Fatal(err)
	}
	byFile := map[string]Case{}
	for _, c := range cases {
		byFile[c.Op] = c
	}
	for file, shape := range CPUSizes().Shapes {
		c, ok := byFile[file]
		if !ok {
			t.Fatalf("no case for %s", file)
		}
		if len(c.Inputs) != 1 || c.Inputs[0].Name != "x" || !slices.Equal(c.Inputs[0].Shape, shape) {
			t.Errorf("%s: inputs %+v", file, c.Inputs)
		}
	}
	det := byFile[assets.OCRDetector]
	if !slices.Equal(det.Outputs, []string{infer.DetectorMap, "p2o.Add.215"}) || det.Opset != 11 {
		t.Errorf("detector case %+v", det)
	}
	// The models run on the reference at these sizes, with the outputs
	// expected.
	rep := Run(context.Background(), ref, ref, cases, Options{})
	for _, res := range rep.Results {
		if res.Status != StatusPass {
			t.Errorf("%s: %s", res.Name, res.Err)
		}
	}
	for _, res := range rep.Results {
		if res.Name == det.Name {
			if len(res.Outputs) != 2 || !slices.Equal(res.Outputs[1].Shape, []int64{1, 384, 2, 2}) {
				t.Errorf("detector outputs %+v", res.Outputs)
			}
		}
	}
}

func TestInputShape(t *testing.T) {
	dims := func(ds ...onnx.Dim) onnx.ValueInfo { return onnx.ValueInfo{Name: "x", ElemType: onnx.Float, Shape: ds} }
	dyn := onnx.Dim{Param: "N"}
	v := func(n int64) onnx.Dim { return onnx.Dim{Value: n} }
	for _, tc := range []struct {
		in    onnx.ValueInfo
		sizes Sizes
		want  []int64
		err   string
	}{
		{dims(dyn, v(3), v(224), v(224)), Sizes{}, []int64{1, 3, 224, 224}, ""},
		{dims(dyn, v(3), dyn, dyn), Sizes{Batch: 4, Height: 32, Width: 64}, []int64{4, 3, 32, 64}, ""},
		{dims(dyn, v(3), dyn, dyn), Sizes{Shapes: map[string][]int64{"m.onnx": {2, 3, 8, 8}}}, []int64{2, 3, 8, 8}, ""},
		{dims(dyn, v(3), dyn, dyn), Sizes{Shapes: map[string][]int64{"m.onnx": {2, 4, 8, 8}}}, nil, "does not fit"},
		{dims(dyn, dyn, v(8)), Sizes{}, nil, "dimension 1"},
	} {
		got, err := inputShape("m.onnx", tc.in, 1, tc.sizes)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%v: %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestClaimedAndCoverage(t *testing.T) {
	cases := Catalog()
	ops := []string{"Relu", "Mod", "Equal", "Foo"}
	claimed := Claimed(cases, ops)
	for _, c := range claimed {
		for _, op := range c.Ops {
			if !slices.Contains(ops, op) {
				t.Errorf("case %s needs %s", c.Name, op)
			}
		}
	}
	if got := CaseOps(claimed); !slices.Equal(got, []string{"Mod", "Relu"}) {
		t.Errorf("claimed ops %v", got)
	}
	if got := Uncovered(cases, ops); !slices.Equal(got, []string{"Foo"}) {
		t.Errorf("uncovered %v", got)
	}
	// Equal's cases need Cast: a bool result is cast to float.
	blocked := Blocked(cases, ops)
	if len(blocked) != 1 || !slices.Equal(blocked["Equal"], []string{"Cast"}) {
		t.Errorf("blocked %v", blocked)
	}
}
