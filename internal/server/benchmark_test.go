package server

import (
	"context"
	"testing"

	"dataplus/internal/assets/assetstest"
	"dataplus/internal/bench"
	"dataplus/internal/deep"
	"dataplus/internal/render"
)

// newExtractor starts a small real feature extractor (one page per
// document, one scale), closed after the server that uses it. It skips
// without the bundled models, or fails when DATAPLUS_REQUIRE_MODELS=1.
func newExtractor(t *testing.T) *deep.Extractor {
	t.Helper()
	dir := assetstest.Dir(t)
	ro := render.DefaultOptions()
	ro.Instances = 2
	x, err := deep.New(context.Background(), deep.Config{AssetsDir: dir, Scales: []int{320}, Pages: 1, Batch: 2, Threads: 2, Render: ro}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := x.Close(); err != nil {
			t.Errorf("close extractor: %v", err)
		}
	})
	return x
}

// TestBenchmarkFeatures: CPU_Fallback over HTTP runs the server's real
// extractor through internal/bench, and reports what the model did.
func TestBenchmarkFeatures(t *testing.T) {
	x := newExtractor(t)
	ts := start(t, func(s *setup) { s.features = x })
	code, body := ts.postJSON("/benchmark", map[string]any{"config": bench.CPUFallback, "files": "sub"})
	if code != 200 {
		t.Fatalf("%d %s", code, truncate(body))
	}
	rep := decode[bench.Report](t, body)
	c := rep.Configs[0]
	if c.Status != bench.StatusOK || c.Files != 2 || len(c.Rounds) != bench.DefaultRounds || c.Summary.EmbeddedPagesPerSec == nil {
		t.Fatalf("CPU_Fallback: %s", truncate(body))
	}
	for i, rd := range c.Rounds {
		// Two one-page documents, one scale: two model inputs per round.
		if rd.EmbeddedPages != 2 || rd.Batches == nil || rd.Batches.Items != 2 || rd.StageMS.Render <= 0 || rd.StageMS.Infer <= 0 {
			t.Errorf("round %d: %+v", i+1, rd)
		}
	}
	if c.Summary.MeanBatch == nil || len(c.Summary.BatchSizes) == 0 || rep.Environment.Software.ONNXRuntime == "" || c.Backend == "" {
		t.Errorf("batches or backend not reported: %s", truncate(body))
	}
	// High_Concurrency doubles the workers on the same extractor.
	code, body = ts.postJSON("/benchmark", map[string]any{"config": bench.HighConcurrency, "files": "sub", "workers": 1})
	if rep := decode[bench.Report](t, body); code != 200 || rep.Configs[0].Status != bench.StatusOK || rep.Configs[0].Workers != 2 {
		t.Fatalf("High_Concurrency: %d %s", code, truncate(body))
	}
}
