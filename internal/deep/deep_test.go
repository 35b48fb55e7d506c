package deep

import (
	"context"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends/simplego"

	"dataplus/internal/accel"
	"dataplus/internal/features"
	"dataplus/internal/infer"
	"dataplus/internal/record"
	"dataplus/internal/testpdf"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.json from this run")

func norm(v []float32) float64 {
	s := 0.0
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func block(doc *features.Document, name string) []float32 {
	for _, b := range doc.Blocks {
		if b.Name == name {
			return doc.Vector[b.Offset : b.Offset+b.Dim]
		}
	}
	return nil
}

// TestFixtures runs every generated fixture through the pipeline with
// features: well-formed files get a unit vector of the extractor's
// layout with every block present; broken ones keep their error kind.
func TestFixtures(t *testing.T) {
	x := newExtractor(t, nil)
	p := processor(t, x, 2)
	for _, f := range testpdf.All() {
		t.Run(f.Name, func(t *testing.T) {
			rec := run(t, p, f)
			if f.Want.ErrKind != "" {
				if rec.Error == nil || string(rec.Error.Kind) != f.Want.ErrKind && rec.Engine != EnginePDFium {
					t.Fatalf("error %+v (engine %q), want kind %s", rec.Error, rec.Engine, f.Want.ErrKind)
				}
				return
			}
			if rec.Error != nil {
				// A hostile but well-formed file may still fail to render
				// (an absurd page size): the kind must say so, never internal.
				if rec.Error.Kind == record.KindInternal {
					t.Fatalf("internal error: %s", rec.Error.Message)
				}
				t.Logf("error kind %s: %s", rec.Error.Kind, rec.Error.Message)
				return
			}
			doc := rec.Features
			if doc == nil {
				t.Fatal("no features")
			}
			if doc.Error != nil {
				// The pure-Go reader repairs some files PDFium cannot
				// open: the metadata stands, the features say why not.
				if doc.Error.Kind == string(record.KindInternal) || doc.Pages != 0 {
					t.Fatalf("feature error %+v with %d pages", doc.Error, doc.Pages)
				}
				t.Logf("features failed: %s: %s", doc.Error.Kind, doc.Error.Message)
				return
			}
			if len(doc.Vector) != x.Dim() {
				t.Fatalf("vector has %d values, want %d", len(doc.Vector), x.Dim())
			}
			if n := norm(doc.Vector); math.Abs(n-1) > 1e-5 {
				t.Errorf("norm %v, want 1", n)
			}
			wantPages := min(rec.Metadata.Pages, x.cfg.Pages)
			if doc.Pages+doc.Skipped != wantPages {
				t.Errorf("pages %d + skipped %d, want %d", doc.Pages, doc.Skipped, wantPages)
			}
			off := 0
			for _, b := range doc.Blocks {
				if b.Offset != off {
					t.Errorf("block %s at %d, want %d", b.Name, b.Offset, off)
				}
				off += b.Dim
			}
			if off != len(doc.Vector) {
				t.Errorf("blocks cover %d of %d values", off, len(doc.Vector))
			}
			for _, name := range []string{features.BlockVisual, features.BlockLayout, features.BlockMeta} {
				if norm(block(doc, name)) == 0 {
					t.Errorf("block %s is all zeros", name)
				}
			}
			if rec.Timings.Render <= 0 || rec.Timings.Infer <= 0 {
				t.Errorf("timings %+v", rec.Timings)
			}
		})
	}
}

// TestTextBlock: a page with text has a text block; a scan without a
// text layer has none, and a page of text is far from a blank page.
func TestTextBlock(t *testing.T) {
	x := newExtractor(t, nil)
	p := processor(t, x, 1)
	text := run(t, p, fixture(t, "text"))
	scan := run(t, p, fixture(t, "scanned"))
	blank := run(t, p, fixture(t, "blank"))
	for _, r := range []record.Record{text, scan, blank} {
		if r.Error != nil || r.Features == nil {
			t.Fatalf("%s: %+v", r.Path, r.Error)
		}
	}
	if norm(block(text.Features, features.BlockText)) == 0 {
		t.Error("text fixture: empty text block")
	}
	if norm(block(scan.Features, features.BlockText)) != 0 {
		t.Error("scanned fixture: text block set without a text layer")
	}
	if c := features.Cosine(text.Features.Vector, blank.Features.Vector); c > 0.9 {
		t.Errorf("text vs blank cosine %.3f, want well below 1", c)
	}
}

// TestBatchIndependence: a document's vector does not depend on the
// batch size or on what shares its batches.
func TestBatchIndependence(t *testing.T) {
	alone := newExtractor(t, func(c *Config) { c.Batch = 1 })
	shared := newExtractor(t, func(c *Config) { c.Batch = 8; c.BatchWait = 50e6 })
	names := []string{"text", "mixed", "scanned", "rotated", "prior_ocr", "partial_image"}
	want := map[string][]float32{}
	p1 := processor(t, alone, 1)
	for _, n := range names {
		r := run(t, p1, fixture(t, n))
		if r.Features == nil {
			t.Fatalf("%s: no features: %+v", n, r.Error)
		}
		want[n] = r.Features.Vector
	}
	p8 := processor(t, shared, len(names))
	var wg sync.WaitGroup
	got := make([]record.Record, len(names))
	for i, n := range names {
		wg.Go(func() { got[i] = run(t, p8, fixture(t, n)) })
	}
	wg.Wait()
	for i, n := range names {
		if got[i].Features == nil {
			t.Fatalf("%s: no features: %+v", n, got[i].Error)
		}
		for j, v := range got[i].Features.Vector {
			if d := math.Abs(float64(v - want[n][j])); d > 1e-5 {
				t.Fatalf("%s: value %d is %v batched, %v alone", n, j, v, want[n][j])
			}
		}
	}
	var sizes []int64
	for _, s := range shared.BatchStats() {
		sizes = append(sizes, s.Items)
		if s.MeanBatch() > 1 {
			return // at least one batch really mixed pages
		}
	}
	t.Errorf("no batch held more than one page (items per shape %v): the test did not test batching", sizes)
}

// golden is what testdata/golden.json keeps per fixture: enough of the
// vector to notice a change of model, preprocessing or fusion.
type golden struct {
	Dim    int       `json:"dim"`
	Visual []float32 `json:"visual_head"` // first 24 values of the visual block
	Layout []float32 `json:"layout"`
	Meta   []float32 `json:"meta"`
}

// goldenTolerance allows for ONNX Runtime's kernels differing in the last
// bits between CPUs (vector instructions), nothing more.
const goldenTolerance = 2e-3

// TestGolden compares a few fixture pages with stored outputs of the real
// bundled detector. Regenerate with go test -run TestGolden -update.
func TestGolden(t *testing.T) {
	x := newExtractor(t, nil)
	p := processor(t, x, 1)
	path := filepath.Join("testdata", "golden.json")
	got := map[string]golden{}
	for _, n := range []string{"text", "scanned", "mixed", "rotated"} {
		r := run(t, p, fixture(t, n))
		if r.Features == nil {
			t.Fatalf("%s: no features: %+v", n, r.Error)
		}
		d := r.Features
		got[n] = golden{Dim: len(d.Vector), Visual: block(d, features.BlockVisual)[:24],
			Layout: block(d, features.BlockLayout), Meta: block(d, features.BlockMeta)}
	}
	if *update {
		data, _ := json.MarshalIndent(got, "", " ")
		if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]golden
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	for n, g := range got {
		w := want[n]
		if g.Dim != w.Dim {
			t.Errorf("%s: dim %d, want %d", n, g.Dim, w.Dim)
			continue
		}
		for _, part := range []struct {
			name      string
			got, want []float32
		}{{"visual", g.Visual, w.Visual}, {"layout", g.Layout, w.Layout}, {"meta", g.Meta, w.Meta}} {
			if len(part.got) != len(part.want) {
				t.Errorf("%s %s: %d values, want %d", n, part.name, len(part.got), len(part.want))
				continue
			}
			for i := range part.got {
				if math.Abs(float64(part.got[i]-part.want[i])) > goldenTolerance {
					t.Errorf("%s %s[%d] = %v, want %v", n, part.name, i, part.got[i], part.want[i])
					break
				}
			}
		}
	}
}

// TestFallback: a file the pure-Go reader gives up on is read by PDFium,
// routed, and gets features.
func TestFallback(t *testing.T) {
	data := corpusFile(t, "bad/pdfium-bug_782596.pdf")
	x := newExtractor(t, nil)
	p := processor(t, x, 1)
	r := p.Bytes(context.Background(), 0, "bug_782596.pdf", data)
	if r.Engine != EnginePDFium || r.Error != nil || r.Route == nil || r.Metadata.Pages < 1 {
		t.Fatalf("engine %q error %+v route %+v", r.Engine, r.Error, r.Route)
	}
	if r.Features == nil || r.Features.Pages < 1 {
		t.Fatalf("features %+v", r.Features)
	}
}

// TestCorpusBad: every hostile file still yields one record, with an
// error kind that is never internal, with features on.
func TestCorpusBad(t *testing.T) {
	dir, ok := testpdf.CorpusDir()
	if !ok {
		t.Skip("no shared corpus")
	}
	entries, err := os.ReadDir(filepath.Join(dir, "bad"))
	if err != nil {
		t.Fatal(err)
	}
	x := newExtractor(t, func(c *Config) { c.Pages = 2 })
	p := processor(t, x, 2)
	kinds := map[record.Kind]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for _, e := range entries {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			data, err := os.ReadFile(filepath.Join(dir, "bad", e.Name()))
			if err != nil {
				t.Error(err)
				return
			}
			r := p.Bytes(context.Background(), 0, e.Name(), data)
			mu.Lock()
			defer mu.Unlock()
			if f := r.Features; r.Error == nil && f != nil && f.Error != nil {
				kinds["features:"+record.Kind(f.Error.Kind)]++
				if f.Error.Kind == string(record.KindInternal) {
					t.Errorf("%s: internal feature error: %s", e.Name(), f.Error.Message)
				}
				return
			}
			if r.Error != nil {
				kinds[r.Error.Kind]++
				if r.Error.Kind == record.KindInternal {
					t.Errorf("%s: internal error: %s", e.Name(), r.Error.Message)
				}
				return
			}
			kinds["ok"]++
		})
	}
	wg.Wait()
	t.Logf("%d files: %v", len(entries), kinds)
}

// TestPartsMatchOneInstance renders a 14-page document on one PDFium
// instance and split over three: the document vectors must agree.
func TestPartsMatchOneInstance(t *testing.T) {
	data := corpusFile(t, "good/pdfjs-tracemonkey.pdf")
	vectors := map[int][]float32{}
	for _, instances := range []int{1, 3} {
		x := newExtractor(t, func(c *Config) {
			c.Pages = 0
			c.Scales = []int{320}
			c.Render.Instances = instances
		})
		rec := processor(t, x, 1).Bytes(context.Background(), 0, "tracemonkey.pdf", data)
		f := rec.Features
		if f == nil || f.Error != nil || f.Pages != 14 || f.Skipped != 0 {
			t.Fatalf("instances %d: features %+v", instances, f)
		}
		vectors[instances] = f.Vector
	}
	a, b := vectors[1], vectors[3]
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-5 {
			t.Fatalf("vector[%d]: one instance %v, three %v", i, a[i], b[i])
		}
	}
}

// TestGPUPathMatchesCPU runs the GPU code path (the converted model on a
// GoMLX backend: buckets, parallel batches, warm-up, several documents
// sharing batches) on GoMLX's pure-Go backend, at a small scale so it is
// quick, and compares the document vectors with ONNX Runtime's.
func TestGPUPathMatchesCPU(t *testing.T) {
	small := func(c *Config) { c.Scales = []int{64}; c.Pages = 2 }
	cpu := newExtractor(t, small)
	be, err := simplego.New("ops_sequential")
	if err != nil {
		t.Fatal(err)
	}
	gpu := newExtractor(t, func(c *Config) {
		small(c)
		c.Batch = 0 // the largest bucket
		c.BatchWait = 20e6
		c.Accel = accel.Options{GoMLX: be, Buckets: []int{1, 4}}
	})
	if gpu.Accel().GPU == nil || !strings.HasPrefix(gpu.Backend(), "gomlx-") {
		t.Fatalf("backend %q: not the GPU path", gpu.Backend())
	}
	names := []string{"text", "mixed", "scanned", "rotated"}
	pc, pg := processor(t, cpu, 1), processor(t, gpu, len(names))
	got := make([]record.Record, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Go(func() { got[i] = run(t, pg, fixture(t, n)) })
	}
	wg.Wait()
	for i, n := range names {
		want := run(t, pc, fixture(t, n))
		if want.Features == nil || got[i].Features == nil || got[i].Features.Error != nil {
			t.Fatalf("%s: features %+v (ORT) and %+v (GoMLX)", n, want.Features, got[i].Features)
		}
		for j, v := range got[i].Features.Vector {
			if d := math.Abs(float64(v - want.Features.Vector[j])); d > 1e-4 {
				t.Fatalf("%s: value %d is %v on the GPU path, %v with ONNX Runtime", n, j, v, want.Features.Vector[j])
			}
		}
	}
	var batches, items int64
	for _, s := range gpu.Accel().GPU.Stats() {
		batches += s.Batches
		items += s.Items
	}
	if batches == 0 || items < int64(len(names)) || gpu.Accel().GPU.Busy() <= 0 {
		t.Errorf("device stats: %d batches, %d items, busy %s", batches, items, gpu.Accel().GPU.Busy())
	}
}

// TestPagesInFlightBounded holds the model while a 14-page document goes
// through: rendering must stop at the in-flight limit (4 pages here)
// instead of rendering every page and keeping them all in memory, and go
// on when the model answers.
func TestPagesInFlightBounded(t *testing.T) {
	data := corpusFile(t, "good/pdfjs-tracemonkey.pdf")
	x := newExtractor(t, func(c *Config) {
		c.Pages = 0
		c.Scales = []int{320}
		c.Batch = 1
		c.Render.Instances = 1
	})
	limit := cap(x.inflight)
	if limit != 4 {
		t.Fatalf("in-flight limit %d, want 4 (4 per render instance, 4 per batch slot)", limit)
	}
	gate := make(chan struct{})
	x.batchers.Close()
	x.batchers = infer.NewBatchers(&gatedSession{Session: x.model.Session, gate: gate}, x.model.Input, infer.BatcherOptions{MaxBatch: 1})
	done := make(chan record.Record, 1)
	go func() { done <- processor(t, x, 1).Bytes(context.Background(), 0, "tracemonkey.pdf", data) }()

	deadline := time.Now().Add(30 * time.Second)
	for x.Pool().Stats().Renders < int64(limit) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // time enough to render the other 10 pages, were they let
	if r := x.Pool().Stats().Renders; r != int64(limit) {
		t.Errorf("%d pages rendered while the model was held, want the limit %d", r, limit)
	}
	close(gate)
	rec := <-done
	if f := rec.Features; f == nil || f.Error != nil || f.Pages != 14 || f.Skipped != 0 {
		t.Fatalf("features %+v", rec.Features)
	}
	if n := len(x.inflight); n != 0 {
		t.Errorf("%d in-flight tokens left after the document", n)
	}
}

// gatedSession runs the model only once gate is closed.
type gatedSession struct {
	infer.Session
	gate chan struct{}
}

func (s *gatedSession) Run(ctx context.Context, in map[string]infer.Tensor) (map[string]infer.Tensor, error) {
	select {
	case <-s.gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.Session.Run(ctx, in)
}
