package deep

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"dataplus/internal/assets/assetstest"
	"dataplus/internal/pipeline"
	"dataplus/internal/record"
	"dataplus/internal/render"
	"dataplus/internal/testpdf"
)

// testConfig is the configuration the tests use: the defaults of
// dataplus process with one PDFium instance per test extractor.
func testConfig(dir string) Config {
	ro := render.DefaultOptions()
	ro.Instances = 2
	return Config{
		AssetsDir: dir,
		Scales:    []int{320, 512},
		Pages:     4,
		Batch:     2,
		Threads:   2,
		Render:    ro,
	}
}

// newExtractor starts an extractor closed at the end of the test.
func newExtractor(t testing.TB, edit func(*Config)) *Extractor {
	t.Helper()
	cfg := testConfig(assetstest.Dir(t))
	if edit != nil {
		edit(&cfg)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	x, err := New(context.Background(), cfg, log, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := x.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return x
}

// processor runs the real pipeline with x (and the PDFium fallback).
func processor(t testing.TB, x *Extractor, workers int) *pipeline.Processor {
	t.Helper()
	cfg := pipeline.DefaultConfig()
	cfg.Workers = workers
	cfg.Features = x
	fb := NewFallback(render.DefaultOptions(), cfg.Route, nil)
	fb.UsePool(x.Pool())
	cfg.Fallback = fb
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return pipeline.NewProcessor(cfg, nil, nil)
}

var fixtures = sync.OnceValue(func() map[string]testpdf.Fixture {
	m := map[string]testpdf.Fixture{}
	for _, f := range testpdf.All() {
		m[f.Name] = f
	}
	return m
})

func fixture(t testing.TB, name string) testpdf.Fixture {
	t.Helper()
	f, ok := fixtures()[name]
	if !ok {
		t.Fatalf("no fixture %q", name)
	}
	return f
}

// corpusFile reads a file of the shared corpus (../shared/corpus), or
// skips the test when there is none.
func corpusFile(t testing.TB, name string) []byte {
	t.Helper()
	dir, ok := testpdf.CorpusDir()
	if !ok {
		t.Skip("../shared/corpus not found")
	}
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		t.Skip(err)
	}
	return data
}

// run processes one fixture.
func run(t testing.TB, p *pipeline.Processor, f testpdf.Fixture) record.Record {
	t.Helper()
	return p.Bytes(context.Background(), 0, f.Name+".pdf", f.Data)
}
