package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"dataplus/internal/config"
	"dataplus/internal/features"
	"dataplus/internal/ingest"
	"dataplus/internal/pipeline"
	"dataplus/internal/record"
	"dataplus/internal/reduce"
	"dataplus/internal/render"
)

const fitUsage = `Usage: dataplus fit --pca N -o FILE [flags] [PATH|DIR|GLOB|-]...

Learns, from a sample of the documents named, the models that make feature
vectors smaller and better: the text model (IDF, and LSA with --lsa K) and a
PCA of the fused document vectors (after dropping dimensions whose variance
is below --min-variance). It writes them to one versioned file, which
"dataplus process --features --pca FILE" uses: records then carry the
projected vector ("projected") and the file's id ("fit").

Two passes: the first reads page text only (PDFium), to fit the text model;
the second computes features with it, to fit the PCA. Use the same --model
and --scales for fit and process.

Flags:
`

func fitCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	output := fs.String("o", "", "write the fitted model here (required)")
	fs.StringVar(output, "output", "", "same as -o")
	components := fs.Int("pca", 0, "principal components to keep (required)")
	lsa := fs.Int("lsa", 0, "LSA components for the text block (0: hashed TF-IDF with fitted IDF)")
	minDF := fs.Int("min-df", 2, "text buckets seen in fewer documents get no weight")
	minVar := fs.Float64("min-variance", 1e-8, "drop vector dimensions whose variance is below this before PCA")
	whiten := fs.Bool("whiten", false, "scale projected coordinates to unit variance")
	sample := fs.Int("sample", 2000, "documents sampled (uniformly, in one pass) for each fit")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), fitUsage)
		fs.PrintDefaults()
	}
	cfg, err := config.Load(fs, args, os.Getenv, runtime.GOMAXPROCS(0))
	if err != nil {
		return loadError("fit", stderr, err)
	}
	inputs := fs.Args()
	switch {
	case *output == "" || *components < 1 || len(inputs) == 0:
		fmt.Fprintln(stderr, "dataplus fit: give --pca N, -o FILE and at least one input (see dataplus help fit)")
		return errUsage
	case *sample < 2 || *lsa < 0:
		fmt.Fprintln(stderr, "dataplus fit: --sample must be at least 2 and --lsa not negative")
		return errUsage
	}
	log := newLogger(stderr, cfg.LogLevel)
	start := time.Now()
	// Both passes read the inputs, and a list on stdin can be read once:
	// keep it (a list of names is small) and give each pass its own copy.
	var list []byte
	if slices.Contains(inputs, "-") {
		if list, err = io.ReadAll(stdin); err != nil {
			return fmt.Errorf("fit: read the list on stdin: %w", err)
		}
	}

	// Pass 1: page text, for the text model.
	texts, err := sampleTexts(ctx, cfg, inputs, bytes.NewReader(list), *sample)
	if err != nil {
		return err
	}
	if len(texts) < 2 {
		return fmt.Errorf("fit: %d documents with text; need at least 2", len(texts))
	}
	text, err := features.FitText(texts, features.TextFitOptions{LSADim: min(*lsa, len(texts)), MinDF: *minDF})
	if err != nil {
		return fmt.Errorf("fit: %w", err)
	}
	fmt.Fprintf(stderr, "dataplus fit: text model from %d documents (LSA %d) in %s\n", len(texts), text.LSADim, time.Since(start).Round(time.Millisecond))

	// Pass 2: fused vectors with that text model, for the PCA.
	cfg.Features.PCA = ""
	eng, err := newEngines(ctx, cfg, true, log, nil)
	if err != nil {
		return err
	}
	defer eng.Close()
	eng.extractor.SetText(text)
	rows := newReservoir[[]float32](*sample)
	proc := pipeline.NewProcessor(eng.pipeline(cfg.Pipeline()), log, nil)
	failed := 0
	err = runInputs(ctx, proc, inputs, bytes.NewReader(list), func(r record.Record) error {
		if r.Features == nil || r.Features.Pages == 0 {
			failed++
			return nil
		}
		rows.add(r.Features.Vector)
		return nil
	})
	if err != nil {
		return err
	}
	if rows.len() <= *components {
		return fmt.Errorf("fit: %d documents with features (%d without); --pca %d needs more than %d", rows.len(), failed, *components, *components)
	}
	pca, err := reduce.Fit(rows.items, reduce.Options{Components: *components, MinVariance: *minVar, Whiten: *whiten})
	if err != nil {
		return fmt.Errorf("fit: %w", err)
	}
	pca.Normalize = true
	b := &reduce.Bundle{PCA: pca, Text: text}
	if err := saveBundle(*output, b); err != nil {
		return err
	}
	id, _ := b.ID()
	ratio := pca.ExplainedVarianceRatio()
	total := 0.0
	for _, r := range ratio {
		total += r
	}
	fmt.Fprintf(stdout, "dataplus fit: wrote %s (id %s): PCA %d -> %d from %d documents (%d kept dimensions), %.1f%% of the variance; %d documents had no features; %s\n",
		*output, id, pca.InputDim(), pca.Dim(), rows.len(), len(pca.Kept()), 100*total, failed, time.Since(start).Round(time.Millisecond))
	return nil
}

// runInputs runs proc over the inputs, calling emit for every record.
func runInputs(ctx context.Context, proc *pipeline.Processor, inputs []string, stdin io.Reader, emit func(record.Record) error) error {
	sources := make(chan ingest.Source, proc.Config().Workers)
	var g errgroup.Group
	g.Go(func() error { return ingest.Discover(ctx, inputs, stdin, ingest.Options{}, sources) })
	runErr := proc.Run(ctx, sources, emit)
	return errors.Join(runErr, g.Wait())
}

// maxFitText bounds the text kept per document for the text fit.
const maxFitText = 64 << 10

// sampleTexts reads the text of the first pages (as many as features use)
// of each input with PDFium and keeps a uniform sample of documents.
func sampleTexts(ctx context.Context, cfg config.Config, inputs []string, stdin io.Reader, n int) ([]string, error) {
	pool, err := render.New(ctx, renderOptions(cfg), nil)
	if err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	defer pool.Close()
	sources := make(chan ingest.Source, cfg.Workers)
	var mu sync.Mutex
	res := newReservoir[string](n)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return ingest.Discover(gctx, inputs, stdin, ingest.Options{}, sources) })
	for range cfg.Workers {
		g.Go(func() error {
			for src := range sources {
				if src.Err != nil {
					continue
				}
				data, err := os.ReadFile(src.Path)
				if err != nil || int64(len(data)) > int64(cfg.MaxFileSize) {
					continue
				}
				var sb strings.Builder
				fctx, cancel := context.WithTimeout(gctx, time.Duration(cfg.Timeout))
				_ = pool.Document(fctx, data, cfg.Password, func(d *render.Doc) error {
					pages := d.Pages()
					if cfg.Features.Pages > 0 {
						pages = min(pages, cfg.Features.Pages)
					}
					for i := 0; i < pages && sb.Len() < maxFitText; i++ {
						t, err := d.Text(fctx, i)
						if err != nil {
							return err
						}
						sb.WriteString(t)
						sb.WriteByte('\n')
					}
					return nil
				})
				cancel()
				if strings.TrimSpace(sb.String()) == "" {
					continue
				}
				mu.Lock()
				res.add(sb.String())
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	return res.items, nil
}

func saveBundle(path string, b *reduce.Bundle) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("fit: %w", err)
	}
	if err := b.Save(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("fit: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("fit: write %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

// reservoir keeps a uniform sample of at most cap items of a stream
// (Vitter's algorithm R), with a fixed seed so fits are repeatable.
type reservoir[T any] struct {
	items []T
	seen  int
	cap   int
	rng   *rand.Rand
}

func newReservoir[T any](n int) *reservoir[T] {
	return &reservoir[T]{cap: n, rng: rand.New(rand.NewPCG(1, 2))}
}

func (r *reservoir[T]) add(v T) {
	r.seen++
	if len(r.items) < r.cap {
		r.items = append(r.items, v)
		return
	}
	if j := r.rng.IntN(r.seen); j < r.cap {
		r.items[j] = v
	}
}

func (r *reservoir[T]) len() int { return len(r.items) }
