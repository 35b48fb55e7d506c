package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"dataplus/internal/deep"
	"dataplus/internal/ingest"
	"dataplus/internal/pipeline"
	"dataplus/internal/record"
	"dataplus/internal/render"
	"dataplus/internal/testpdf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fixtureSources writes the named generated fixtures to a directory and
// returns them as sources, in name order.
func fixtureSources(t *testing.T, names ...string) []ingest.Source {
	t.Helper()
	dir := t.TempDir()
	byName := map[string][]byte{}
	for _, f := range testpdf.All() {
		byName[f.Name] = f.Data
	}
	var out []ingest.Source
	for i, n := range names {
		data, ok := byName[n]
		if !ok {
			t.Fatalf("no fixture %q", n)
		}
		p := filepath.Join(dir, fmt.Sprintf("%02d-%s.pdf", i, n))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, ingest.Source{Index: i, Path: p})
	}
	return out
}

// testBuilder builds real engines: the pipeline with the PDFium fallback,
// and with features a small real extractor (one page per document, one
// scale). GPU configurations are unavailable, as in this build.
func testBuilder(assetsDir string) Builder {
	return func(ctx context.Context, p Params) (*Engine, error) {
		if p.Device == DeviceGPU {
			return nil, fmt.Errorf("%w: no GPU backend", record.ErrUnavailable)
		}
		cfg := pipeline.DefaultConfig()
		cfg.Workers = p.Workers
		cfg.Timeout = 20 * time.Second
		ro := render.DefaultOptions()
		ro.Instances = p.Workers
		fb := deep.NewFallback(ro, cfg.Route, nil)
		cfg.Fallback = fb
		eng := &Engine{Pipeline: cfg, Close: fb.Close}
		if !p.Features {
			return eng, nil
		}
		batch := max(p.Batch, 1)
		x, err := deep.New(ctx, deep.Config{AssetsDir: assetsDir, Scales: []int{320}, Pages: 1, Batch: batch, Threads: 2, Render: ro}, nil, nil)
		if err != nil {
			fb.Close()
			return nil, err
		}
		fb.UsePool(x.Pool())
		cfg.Features = x
		eng.Pipeline = cfg
		eng.Close = func() error { return errors.Join(x.Close(), fb.Close()) }
		eng.Batches, eng.Backend, eng.Model, eng.Batch, eng.FeaturePages, eng.Scales = x.BatchStats, x.Backend(), x.Model(), batch, 1, []int{320}
		return eng, nil
	}
}
