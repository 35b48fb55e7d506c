package deep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"dataplus/internal/accel"
	"dataplus/internal/assets"
	"dataplus/internal/features"
	"dataplus/internal/infer"
	"dataplus/internal/record"
	"dataplus/internal/reduce"
	"dataplus/internal/render"
)

// Config says which model runs and how.
type Config struct {
	AssetsDir  string // "" means assets.Dir's default
	ModelsFile string // user manifest, "" for none
	Model      string // registry name; "" means the bundled detector
	// Scales are the detector's input long sides; the page is rendered
	// once at the largest. Fixed-size models ignore them.
	Scales    []int
	Pages     int           // pages per document; 0 means all
	Batch     int           // largest batch; 0: 1 on the CPU, the largest bucket on a GPU
	BatchWait time.Duration // longest a partial batch waits
	Threads   int           // ONNX Runtime intra-op threads; 0: one per core
	// Accel says where the model runs (device, plugin, GPU memory,
	// precision, buckets); its AssetsDir, Threads and Logger are filled
	// in from this Config.
	Accel accel.Options
	// Render configures the PDFium pool (its Instances should match the
	// pipeline's workers).
	Render render.Options
	// Bundle is a fitted model (dataplus fit): its text model builds the
	// text block and its PCA projects the document vector. nil: hashed
	// TF-IDF and no projection.
	Bundle  *reduce.Bundle
	Weights map[string]float32 // block weights; nil for the defaults
}

// Extractor computes features. It is safe for concurrent use; Close it
// when done.
type Extractor struct {
	cfg      Config
	log      *slog.Logger
	pool     *render.Pool
	backend  *accel.Opened
	model    *infer.Loaded
	batchers *infer.Batchers
	fuser    *features.Fuser
	fitID    string
	metrics  *Metrics
	models   []string // the registry's model names
	// renderLong is the long side pages are rendered at.
	renderLong int
	// inflight holds a token for each page rendered and not yet embedded,
	// so rendering (fast) cannot run ahead of the model (slow on a CPU)
	// and hold a long document's pages in memory all at once.
	inflight chan struct{}
}

// New loads the ONNX Runtime library and the model and starts the PDFium
// pool. Missing assets give an error wrapping record.ErrUnavailable that
// says how to install them. metrics may be nil.
func New(ctx context.Context, cfg Config, log *slog.Logger, metrics *Metrics) (*Extractor, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir, _ := assets.Dir(cfg.AssetsDir)
	reg, err := infer.NewRegistry(dir, cfg.ModelsFile)
	if err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	name := cfg.Model
	if name == "" {
		name = infer.DetectorName
	}
	m, err := reg.Model(name)
	if err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	if m.Embedding.Dims <= 0 {
		return nil, fmt.Errorf("features: model %s has no embedding (task %s); choose one with an embedding (dataplus models)", m.Name, m.Task)
	}
	e := &Extractor{cfg: cfg, log: log, metrics: metrics}
	for _, rm := range reg.Models() {
		e.models = append(e.models, rm.Name)
	}
	ok := false
	defer func() {
		if !ok {
			e.Close()
		}
	}()
	ao := cfg.Accel
	ao.AssetsDir, ao.Threads, ao.Logger = dir, cfg.Threads, log
	if e.backend, err = accel.Open(ctx, ao); err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	if e.model, err = infer.Load(ctx, e.backend.Backend, m); err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	parallel := 1
	if g := e.backend.GPU; g != nil {
		// Two batches per device: one computing while the next is copied.
		parallel = 2 * len(g.Devices())
		if cfg.Batch <= 0 {
			b := g.Buckets()
			cfg.Batch = b[len(b)-1]
		}
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 1 // on 2-4 cores batches are slower than single images (docs/decisions.md)
	}
	// Enough pages to fill every batch that may run and keep each render
	// instance a few pages ahead.
	e.inflight = make(chan struct{}, max(4*max(1, cfg.Render.Instances), 4*cfg.Batch*parallel))
	e.batchers = infer.NewBatchers(e.model.Session, e.model.Input, infer.BatcherOptions{
		MaxBatch: cfg.Batch, MaxWait: cfg.BatchWait, Parallel: parallel, Logger: log, OnBatch: metrics.batch,
	})
	detector := m.Task == infer.TaskDetector
	scales := 1
	if detector {
		if len(cfg.Scales) == 0 {
			cfg.Scales = []int{m.Input.LongSide}
		}
		scales = len(cfg.Scales)
		for _, s := range cfg.Scales {
			e.renderLong = max(e.renderLong, s)
		}
	} else {
		e.renderLong = max(m.Input.Height, m.Input.Width)
	}
	e.cfg = cfg
	e.fuser = &features.Fuser{
		Model:     m.Name,
		VisualDim: m.Embedding.Dims * scales,
		Detector:  detector,
		Weights:   cfg.Weights,
	}
	if b := cfg.Bundle; b != nil {
		e.fuser.Text = b.Text
		if e.fitID, err = b.ID(); err != nil {
			return nil, fmt.Errorf("features: fitted model: %w", err)
		}
		if b.PCA != nil && b.PCA.InputDim() != e.fuser.Dim() {
			return nil, fmt.Errorf("features: the fitted model projects %d-value vectors, but model %s with scales %v makes %d; fit again with the same --model and --scales",
				b.PCA.InputDim(), m.Name, cfg.Scales, e.fuser.Dim())
		}
	}
	if err := e.fuser.Validate(); err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	if e.backend.GPU != nil {
		t := time.Now()
		if err := e.warm(ctx, m); err != nil {
			return nil, fmt.Errorf("features: %w", err)
		}
		log.Info("model compiled for the GPU", "model", m.Name, "took", time.Since(t).Round(time.Millisecond))
	}
	if e.pool, err = render.New(ctx, cfg.Render, log); err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	log.Info("features ready", "model", m.Name, "backend", e.Backend(), "device", e.backend.Device,
		"batch", cfg.Batch, "scales", cfg.Scales, "dim", e.fuser.Dim(), "fit", e.fitID)
	ok = true
	return e, nil
}

// Close stops the batchers, the model and the render pool.
func (e *Extractor) Close() error {
	var errs []error
	if e.batchers != nil {
		errs = append(errs, e.batchers.Close())
	}
	if e.model != nil {
		errs = append(errs, e.model.Close())
	}
	if e.backend != nil {
		errs = append(errs, e.backend.Close())
	}
	if e.pool != nil {
		errs = append(errs, e.pool.Close())
	}
	return errors.Join(errs...)
}

// SetText replaces the text model (dataplus fit sets the one it just
// fitted). Call it before the first Document.
func (e *Extractor) SetText(t *features.TextModel) { e.fuser.Text = t }

// Dim is the length of the document vectors (before projection).
func (e *Extractor) Dim() int { return e.fuser.Dim() }

// Blocks is the layout of the document vectors.
func (e *Extractor) Blocks() []features.Block { return e.fuser.Blocks() }

// Backend names the inference backend and its version.
func (e *Extractor) Backend() string { return e.backend.Version() }

// Accel is the backend chosen: its GPU (nil on the CPU) has per-device
// stats, and Fallback says why "auto" runs on the CPU.
func (e *Extractor) Accel() *accel.Opened { return e.backend }

// warm compiles the model for every input shape pages will have, so no
// request waits for a compile.
func (e *Extractor) warm(ctx context.Context, m infer.Model) error {
	w, ok := e.model.Session.(accel.Warmer)
	if !ok {
		return nil
	}
	var shapes [][]int64
	if e.fuser.Detector {
		for _, s := range e.cfg.Scales {
			for _, c := range infer.Canvases(m.Input, s) {
				shapes = append(shapes, []int64{1, 3, int64(c[1]), int64(c[0])})
			}
		}
	} else {
		shapes = append(shapes, []int64{1, 3, int64(m.Input.Height), int64(m.Input.Width)})
	}
	for _, sh := range shapes {
		if err := w.Warm(ctx, sh); err != nil {
			return err
		}
	}
	return nil
}

// Models lists the registry's models (what --model may name).
func (e *Extractor) Models() []string { return e.models }

// Model is the visual model's name.
func (e *Extractor) Model() string { return e.model.Model.Name }

// Pool is the render pool (for its stats, and for Fallback).
func (e *Extractor) Pool() *render.Pool { return e.pool }

// BatchStats are the batchers' totals by input shape.
func (e *Extractor) BatchStats() map[string]infer.BatchStats { return e.batchers.Stats() }

// page is what one page contributes.
type page struct {
	index  int
	vector []float32
	err    error
}

// Document computes rec's features from the file's bytes and sets
// rec.Features and the render, infer and fuse timings. A page that cannot
// be rendered or embedded is left out (Features.Skipped counts it). When
// the file does not open or no page could be embedded, rec.Features holds
// the metadata block and an Error with the kind, and that error is
// returned; rec.Error is left alone (the metadata and routes stand).
func (e *Extractor) Document(ctx context.Context, data []byte, password string, rec *record.Record) error {
	var (
		pages []page
		rt    atomic.Int64   // nanoseconds rendering, summed over the parts
		wg    sync.WaitGroup // the pages' model runs
	)
	// The first part's instance opens the document and learns its pages;
	// the rest go to other instances at the same time, so a long document
	// is not rendered by one core while the others (and the GPU) wait.
	instances := max(1, e.cfg.Render.Instances)
	part := pagesPerPart
	err := e.pool.Document(ctx, data, password, func(d *render.Doc) error {
		n := d.Pages()
		if e.cfg.Pages > 0 {
			n = min(n, e.cfg.Pages)
		}
		pages = make([]page, n)
		for i := range pages {
			pages[i].index = i
		}
		// Parts big enough that each instance opens the file about once.
		part = max(pagesPerPart, (n+instances-1)/instances)
		e.renderPart(ctx, d, pages, 0, min(n, part), &rt, &wg)
		return nil
	})
	if err == nil && len(pages) > part {
		var g errgroup.Group
		g.SetLimit(instances)
		for start := part; start < len(pages); start += part {
			end := min(len(pages), start+part)
			g.Go(func() error {
				ran := false
				perr := e.pool.Document(ctx, data, password, func(d *render.Doc) error {
					ran = true
					e.renderPart(ctx, d, pages, start, end, &rt, &wg)
					return nil
				})
				if perr != nil && !ran { // the part never rendered: its pages say why
					for j := start; j < end; j++ {
						pages[j].err = fmt.Errorf("page %d: %w", j+1, perr)
					}
				}
				return nil
			})
		}
		g.Wait()
	}
	t0 := time.Now()
	wg.Wait()
	inferWall := time.Since(t0)
	renderTime := time.Duration(rt.Load())
	rec.Timings.Render = ms(renderTime)
	rec.Timings.Infer = ms(inferWall)
	t := time.Now()

	var vectors [][]float32
	var first error
	skipped := 0
	for _, p := range pages {
		if p.err != nil {
			skipped++
			if first == nil {
				first = p.err
			}
			continue
		}
		vectors = append(vectors, p.vector)
	}
	meta := features.MetaOf(metaInput(rec))
	doc, ferr := e.fuser.Document(vectors, meta)
	if ferr != nil {
		return fmt.Errorf("features: %w", ferr)
	}
	doc.Skipped = skipped
	if first != nil {
		doc.SkipReason = first.Error()
	}
	if b := e.cfg.Bundle; b != nil && b.PCA != nil {
		if doc.Projected, ferr = b.PCA.Project(doc.Vector); ferr != nil {
			return fmt.Errorf("features: project: %w", ferr)
		}
		doc.Fit = e.fitID
	}
	switch {
	case err != nil: // the document did not open, or the pool is closed
		err = fmt.Errorf("features: %w", err)
	case len(vectors) == 0 && first != nil:
		err = fmt.Errorf("features: no page could be embedded: %w", first)
	}
	if err != nil {
		doc.Error = &features.Error{Kind: string(record.KindOf(err)), Message: err.Error()}
	}
	rec.Features = &doc
	rec.Timings.Fuse = ms(time.Since(t))
	e.metrics.document(rec, len(vectors), skipped)
	return err
}

// pagesPerPart is the fewest pages one render instance takes from a
// document; longer documents are split over the instances.
const pagesPerPart = 8

// renderPart renders pages [start, end) of d with their text and starts
// each page's model run (wg counts them); rt sums the render time. It waits
// before each page while too many pages are in flight (Extractor.inflight).
// A page that fails keeps its error; once ctx ends the rest of the part is
// marked with it.
func (e *Extractor) renderPart(ctx context.Context, d *render.Doc, pages []page, start, end int, rt *atomic.Int64, wg *sync.WaitGroup) {
	for i := start; i < end; i++ {
		select {
		case e.inflight <- struct{}{}:
		case <-ctx.Done():
			for j := i; j < end; j++ {
				pages[j].err = fmt.Errorf("page %d: %w", j+1, ctx.Err())
			}
			return
		}
		t0 := time.Now()
		img, err := d.Render(ctx, i, render.Size{LongSide: e.renderLong, Unrotated: true})
		var text string
		if err == nil {
			text, err = d.Text(ctx, i)
		}
		rt.Add(int64(time.Since(t0)))
		if err != nil {
			<-e.inflight
			pages[i].err = fmt.Errorf("page %d: %w", i+1, err)
			if ctx.Err() != nil {
				for j := i + 1; j < end; j++ {
					pages[j].err = fmt.Errorf("page %d: %w", j+1, ctx.Err())
				}
				return
			}
			continue
		}
		wg.Add(1)
		go func(p *page) {
			defer wg.Done()
			defer func() { <-e.inflight }()
			p.vector, p.err = e.page(ctx, img, text)
			if p.err != nil {
				p.err = fmt.Errorf("page %d: %w", p.index+1, p.err)
			}
		}(&pages[i])
	}
}

// page runs the visual model on one rendered page and fuses its blocks.
func (e *Extractor) page(ctx context.Context, img render.Image, text string) ([]float32, error) {
	im := infer.Image{Width: img.Width, Height: img.Height, Pix: img.Pix}
	spec := e.model.Model.Input
	in := features.PageInput{Text: text}
	if !e.fuser.Detector {
		x, _, err := infer.Preprocess(spec, im, 0)
		if err != nil {
			return nil, err
		}
		out, err := e.batchers.Do(ctx, x)
		if err != nil {
			return nil, err
		}
		v, err := infer.Pool(out[e.model.Embedding], e.model.Model.Embedding.Pool)
		if err != nil {
			return nil, err
		}
		in.Visual = v.Data
		return e.fuser.Page(in)
	}
	scales := make([][]float32, len(e.cfg.Scales))
	for i, s := range e.cfg.Scales {
		x, region, err := infer.Preprocess(spec, im, s)
		if err != nil {
			return nil, err
		}
		out, err := e.batchers.Do(ctx, x)
		if err != nil {
			return nil, err
		}
		fm, err := region.Crop(out[e.model.Embedding])
		if err != nil {
			return nil, err
		}
		c, h, w := int(fm.Shape[1]), int(fm.Shape[2]), int(fm.Shape[3])
		scales[i] = features.PoolActivation(fm.Data, c, h, w)
		if s == e.renderLong {
			pm, err := region.Crop(out[infer.DetectorMap])
			if err != nil {
				return nil, err
			}
			in.Prob = &features.ProbMap{W: int(pm.Shape[3]), H: int(pm.Shape[2]), P: pm.Data}
		}
	}
	in.Visual = features.VisualBlock(scales)
	return e.fuser.Page(in)
}

// metaInput gathers what the metadata block needs from the record.
func metaInput(rec *record.Record) features.MetaInput {
	in := features.MetaInput{Metadata: rec.Metadata, Route: rec.Route, FileSize: rec.Size}
	for _, p := range rec.Pages {
		in.Decisions = append(in.Decisions, p.Route)
		in.Pages = append(in.Pages, p.Page)
	}
	return in
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
