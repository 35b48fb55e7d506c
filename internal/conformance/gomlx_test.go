package conformance

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"

	"dataplus/internal/assets"
	"dataplus/internal/convert"
	"dataplus/internal/onnx"
)

// EnvSeed names the variable that fixes the inputs' seed, to rerun a
// failure with the inputs it printed.
const EnvSeed = "DATAPLUS_CONFORMANCE_SEED"

func testSeed(t *testing.T) uint64 {
	t.Helper()
	s := os.Getenv(EnvSeed)
	if s == "" {
		return 0
	}
	seed, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", EnvSeed, s, err)
	}
	return seed
}

// simpleGo returns GoMLX's pure-Go backend, finalized with the test.
func simpleGo(t *testing.T) backends.Backend {
	t.Helper()
	b, err := simplego.New("ops_sequential")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Finalize)
	return b
}

// report logs the table and fails the test for each failed case.
func report(t *testing.T, rep Report) {
	t.Helper()
	var b strings.Builder
	if err := rep.Table(&b); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
	for _, res := range rep.Failed() {
		t.Errorf("%s: %s", res.Name, res.Err)
	}
}

// TestOpsCovered: every operator the converter claims has a case that
// can run on it.
func TestOpsCovered(t *testing.T) {
	if u := UncoveredOps(); len(u) > 0 {
		t.Errorf("convert.Ops() without a runnable conformance case: %v (blocked by unclaimed ops: %v)",
			u, Blocked(Catalog(), convert.Ops()))
	}
	cases := OpCases()
	if len(cases) == 0 || len(CaseOps(cases)) != len(convert.Ops()) {
		t.Errorf("%d op cases for %d ops; convert claims %d", len(cases), len(CaseOps(cases)), len(convert.Ops()))
	}
}

func TestOpsSimpleGo(t *testing.T) {
	ref, _ := reference(t)
	cand := &GoMLXRunner{Backend: simpleGo(t)}
	defer cand.Close()
	rep := Run(context.Background(), ref, cand, OpCases(), Options{Tol: 1e-4, Seed: testSeed(t)})
	report(t, rep)
}

// TestModelsSimpleGo runs the bundled PaddleOCR models at CPU sizes.
func TestModelsSimpleGo(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	ref, dir := reference(t)
	var cases []Case
	for _, f := range []string{assets.OCRDirection, assets.OCRRecognize, assets.OCRDetector} {
		c, err := ModelCase(dir+"/"+f, CPUSizes())
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	cand := &GoMLXRunner{Backend: simpleGo(t)}
	defer cand.Close()
	start := time.Now()
	rep := Run(context.Background(), ref, cand, cases, Options{Tol: 1e-4, Seed: testSeed(t)})
	report(t, rep)
	t.Logf("models: %s", time.Since(start).Round(time.Millisecond))
}

// TestModelCasesExtraFiles: a user's model beside the bundled ones gets a
// case with its dynamic batch filled in; a model with an integer input
// is skipped everywhere, and says why.
func TestModelCasesExtraFiles(t *testing.T) {
	ref, _ := reference(t)
	dir := t.TempDir()
	g := newGraph("tiny_cnn", 13)
	g.inputs = append(g.inputs, onnx.ValueInfo{Name: "input", ElemType: onnx.Float,
		Shape: []onnx.Dim{{Param: "batch"}, {Value: 3}, {Value: 16}, {Value: 16}}})
	c := g.node("Conv", []string{"input", g.weight(0.5, 4, 3, 3, 3), g.weight(0.5, 4)}, onnx.IntsAttr("strides", 2, 2))
	p := g.node("GlobalAveragePool", []string{g.node("Relu", []string{c})})
	f := g.node("Flatten", []string{p})
	g.output(g.node("Gemm", []string{f, g.weight(0.5, 5, 4), g.weight(0.5, 5)}, onnx.IntAttr("transB", 1)))
	writeCase(t, dir, "tiny_cnn.onnx", g)

	h := newGraph("tokens", 13)
	h.inputs = append(h.inputs, onnx.ValueInfo{Name: "ids", ElemType: onnx.Int64,
		Shape: []onnx.Dim{{Param: "batch"}, {Value: 8}}})
	h.output(h.node("Cast", []string{"ids"}, onnx.IntAttr("to", int64(onnx.Float))))
	writeCase(t, dir, "tokens.onnx", h)

	cases, err := ModelCases(dir, Sizes{Batch: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 2 || cases[0].Name != "model/tiny_cnn" || cases[1].Name != "model/tokens" {
		t.Fatalf("cases %+v", cases)
	}
	if in := cases[0].Inputs; len(in) != 1 || !slices.Equal(in[0].Shape, []int64{3, 3, 16, 16}) {
		t.Errorf("tiny_cnn inputs %+v", in)
	}
	if r := cases[1].SkipReason("anything"); !strings.Contains(r, "int64") {
		t.Errorf("tokens skip reason %q", r)
	}
	cand := &GoMLXRunner{Backend: simpleGo(t)}
	defer cand.Close()
	rep := Run(context.Background(), ref, cand, cases, Options{})
	if s := rep.Summary(); s.Models != (Counts{Passed: 1, Skipped: 1}) {
		report(t, rep)
		t.Errorf("summary %s", s)
	}
}

func writeCase(t *testing.T, dir, file string, g *graph) {
	t.Helper()
	data, err := onnx.Encode(&onnx.Model{IRVersion: 8, Opsets: map[string]int64{"": g.opset},
		Graph: onnx.Graph{Name: g.name, Nodes: g.nodes, Initializers: g.inits, Inputs: g.inputs, Outputs: g.outputs}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
		t.Fatal(err)
	}
}
