package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"dataplus/internal/accel"
	"dataplus/internal/config"
	"dataplus/internal/deep"
	"dataplus/internal/pipeline"
	"dataplus/internal/record"
	"dataplus/internal/reduce"
	"dataplus/internal/render"
	"dataplus/internal/server"
)

// engines are the optional parts of a pipeline: the PDFium fallback
// reader (always there, started on first use) and the feature extractor
// (with --features).
type engines struct {
	fallback  *deep.Fallback
	extractor *deep.Extractor // nil without --features
}

// renderOptions sizes the PDFium pool for the configuration: one instance
// per worker unless set.
func renderOptions(cfg config.Config) render.Options {
	o := render.DefaultOptions()
	o.Instances = cfg.Workers
	if n := cfg.Features.RenderInstances; n > 0 {
		o.Instances = n
	}
	o.CallTimeout = min(o.CallTimeout, time.Duration(cfg.Timeout))
	o.Uninterruptible = cfg.Features.RenderFast
	return o
}

// newEngines starts what cfg asks for; withFeatures overrides
// cfg.Features.Enabled (serve loads the extractor whenever it can).
func newEngines(ctx context.Context, cfg config.Config, withFeatures bool, log *slog.Logger, reg prometheus.Registerer) (*engines, error) {
	ro := renderOptions(cfg)
	e := &engines{fallback: deep.NewFallback(ro, cfg.Route, log.With("component", "fallback"))}
	if !withFeatures {
		return e, nil
	}
	if os.Getenv("GOGC") == "" {
		// PDFium's WebAssembly memory lives in the Go heap, so the
		// metadata path's GOGC=400 would let the heap grow to five times
		// the instances' pages: 650 MB peak RSS instead of 500 MB on 80
		// corpus files, for no measurable speed (docs/performance.md).
		debug.SetGCPercent(100)
	}
	f := cfg.Features
	dc := deep.Config{
		AssetsDir:  f.AssetsDir,
		ModelsFile: f.ModelsFile,
		Model:      f.Model,
		Scales:     f.Scales,
		Pages:      f.Pages,
		Batch:      f.Batch,
		BatchWait:  time.Duration(f.BatchWait),
		Threads:    f.Threads,
		Render:     ro,
		Accel: accel.Options{
			Device:         f.Device,
			Plugin:         f.PJRTPlugin,
			MemoryFraction: f.GPUMemoryFraction,
			Precision:      f.Precision,
			Buckets:        f.GPUBuckets,
		},
	}
	if f.PCA != "" {
		b, err := loadBundle(f.PCA)
		if err != nil {
			return nil, err
		}
		dc.Bundle = b
	}
	var m *deep.Metrics
	if reg != nil {
		m = deep.NewMetrics(reg)
	}
	x, err := deep.New(ctx, dc, log.With("component", "features"), m)
	if err != nil {
		return nil, err
	}
	e.extractor = x
	e.fallback.UsePool(x.Pool())
	if g := x.Accel().GPU; g != nil && reg != nil {
		accel.RegisterMetrics(reg, g)
	}
	return e, nil
}

// gpu is the GPU backend the features run on; nil on the CPU.
func (e *engines) gpu() *accel.GoMLX {
	if e.extractor == nil {
		return nil
	}
	return e.extractor.Accel().GPU
}

// pipeline returns p with the engines plugged in.
func (e *engines) pipeline(p pipeline.Config) pipeline.Config {
	p.Fallback = e.fallback
	if e.extractor != nil {
		p.Features = e.extractor
	}
	return p
}

// featurizer is the extractor as a pipeline.Featurizer, nil without one
// (a nil *deep.Extractor in an interface would not be nil).
func (e *engines) featurizer() pipeline.Featurizer {
	if e.extractor == nil {
		return nil
	}
	return e.extractor
}

// serveEngines loads the feature extractor when it can: missing assets
// leave the server without deep features (requests that ask get 422 with
// the reason), any other failure stops it.
func serveEngines(ctx context.Context, cfg config.Config, log *slog.Logger, reg prometheus.Registerer) (*engines, server.FeaturesInfo, error) {
	e, err := newEngines(ctx, cfg, true, log, reg)
	if errors.Is(err, record.ErrUnavailable) && !cfg.Features.Enabled {
		log.Warn("serving without deep features", "reason", err)
		e, err2 := newEngines(ctx, cfg, false, log, reg)
		if err2 != nil {
			return nil, server.FeaturesInfo{}, err2
		}
		return e, server.FeaturesInfo{Message: err.Error()}, nil
	}
	if err != nil {
		return nil, server.FeaturesInfo{}, err
	}
	x := e.extractor
	info := server.FeaturesInfo{
		Message: fmt.Sprintf("%s on %s, %d values per document", x.Model(), x.Backend(), x.Dim()),
		Model:   x.Model(),
		Dim:     x.Dim(),
		Backend: x.Backend(),
		Models:  x.Models(),
	}
	return e, info, nil
}

func (e *engines) Close() error {
	var errs []error
	if e.extractor != nil {
		errs = append(errs, e.extractor.Close())
	}
	errs = append(errs, e.fallback.Close())
	return errors.Join(errs...)
}

func loadBundle(path string) (*reduce.Bundle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fitted model: %w", err)
	}
	defer f.Close()
	b, err := reduce.LoadBundle(f)
	if err != nil {
		return nil, fmt.Errorf("fitted model %s: %w", path, err)
	}
	return b, nil
}
