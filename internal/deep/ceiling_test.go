package deep

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dataplus/internal/infer"
	"dataplus/internal/testpdf"
)

// BenchmarkCPUCeiling measures how fast the pipeline goes when the model
// costs nothing: everything a page needs besides inference (reading,
// routing, rendering at the largest scale, text, preprocessing at every
// scale, batching, cropping, pooling, fusion) on real multi-page PDFs, all
// pages of each. The model's answers are real: ONNX Runtime computes one
// per input shape, and later batches of that shape get it again. On a GPU
// the model stage is far faster than these CPU stages, so this is the
// bound that end-to-end pages/s on a GPU machine meets, per core here.
//
// The files are the corpus's large_pages category (or DATAPLUS_CEILING_DIR,
// every PDF in it); one iteration processes all of them with one worker
// and one PDFium instance per core and batches of up to 64, as on a GPU:
//
//	go test -run '^$' -bench CPUCeiling -benchtime 2x ./internal/deep
func BenchmarkCPUCeiling(b *testing.B) {
	files := ceilingFiles(b)
	workers := runtime.GOMAXPROCS(0)
	x := newExtractor(b, func(c *Config) {
		c.Pages = 0
		c.Batch = 64
		c.Render.Instances = workers
		c.Render.Uninterruptible = true // --render-fast, as the GPU script runs
	})
	rs := &replaySession{Session: x.model.Session, input: x.model.Input, cache: map[string]map[string]infer.Tensor{}}
	old := x.batchers
	x.batchers = infer.NewBatchers(rs, x.model.Input, infer.BatcherOptions{MaxBatch: 64, MaxWait: 5 * time.Millisecond, Parallel: 2})
	b.Cleanup(func() { x.batchers.Close(); x.batchers = old })
	p := processor(b, x, workers)

	var pages, embedded int
	var render, wall time.Duration
	for b.Loop() {
		var mu sync.Mutex
		var wg sync.WaitGroup
		sem := make(chan struct{}, workers)
		t0 := time.Now()
		for _, f := range files {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				rec := p.Bytes(context.Background(), 0, f.name, f.data)
				if rec.Features == nil || rec.Features.Error != nil {
					b.Errorf("%s: features %+v, error %v", f.name, rec.Features, rec.Error)
					return
				}
				mu.Lock()
				pages += len(rec.Pages)
				embedded += rec.Features.Pages
				render += time.Duration(rec.Timings.Render * float64(time.Millisecond))
				mu.Unlock()
			})
		}
		wg.Wait()
		wall += time.Since(t0)
	}
	b.ReportMetric(float64(embedded)/wall.Seconds(), "pages/s")
	b.ReportMetric(float64(embedded)/wall.Seconds()/float64(workers), "pages/s/core")
	b.ReportMetric(render.Seconds()/(wall.Seconds()*float64(workers)), "render_share")
	b.ReportMetric(float64(rs.misses.Load()), "model_runs")
	if embedded == 0 || embedded > pages {
		b.Fatalf("%d pages embedded of %d", embedded, pages)
	}
}

// replaySession runs the real model once per input shape, on the first
// item, and answers every later batch of that shape with that item's
// outputs, one copy per item.
type replaySession struct {
	infer.Session
	input  string
	mu     sync.Mutex
	cache  map[string]map[string]infer.Tensor // item shape -> outputs for one item
	misses atomic.Int64
}

func (s *replaySession) Run(ctx context.Context, inputs map[string]infer.Tensor) (map[string]infer.Tensor, error) {
	x := inputs[s.input]
	n := int(x.Shape[0])
	key := fmt.Sprint(x.Shape[1:])
	s.mu.Lock()
	one, ok := s.cache[key]
	if !ok {
		item := len(x.Data) / n
		shape := slices.Clone(x.Shape)
		shape[0] = 1
		out, err := s.Session.Run(ctx, map[string]infer.Tensor{s.input: {Shape: shape, Data: x.Data[:item]}})
		if err != nil {
			s.mu.Unlock()
			return nil, err
		}
		one = out
		s.cache[key] = one
		s.misses.Add(1)
	}
	s.mu.Unlock()
	out := make(map[string]infer.Tensor, len(one))
	for name, t := range one {
		shape := slices.Clone(t.Shape)
		shape[0] = int64(n)
		data := make([]float32, 0, n*len(t.Data))
		for range n {
			data = append(data, t.Data...)
		}
		out[name] = infer.Tensor{Shape: shape, Data: data}
	}
	return out, nil
}

type namedFile struct {
	name string
	data []byte
}

// ceilingFiles reads DATAPLUS_CEILING_DIR's PDFs, or the corpus's
// large_pages files.
func ceilingFiles(b *testing.B) []namedFile {
	b.Helper()
	var paths []string
	if dir := os.Getenv("DATAPLUS_CEILING_DIR"); dir != "" {
		paths, _ = filepath.Glob(filepath.Join(dir, "*.pdf"))
	} else {
		corpus, ok := testpdf.CorpusDir()
		if !ok {
			b.Skip("no shared corpus (set DATAPLUS_CEILING_DIR to a folder of PDFs)")
		}
		f, err := os.Open(filepath.Join(corpus, "MANIFEST.tsv"))
		if err != nil {
			b.Skipf("no corpus manifest: %v", err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			col := strings.Split(sc.Text(), "\t")
			if len(col) >= 7 && strings.HasPrefix(col[0], "good/") && col[6] == "large_pages" {
				paths = append(paths, filepath.Join(corpus, col[0]))
			}
		}
	}
	if len(paths) == 0 {
		b.Skip("no PDFs for the ceiling benchmark")
	}
	var out []namedFile
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, namedFile{filepath.Base(p), data})
	}
	return out
}
