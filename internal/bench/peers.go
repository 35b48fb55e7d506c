package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"dataplus/internal/assets"
	"dataplus/internal/infer"
	"dataplus/internal/ingest"
	"dataplus/internal/render"
)

// Peer names.
const (
	peerPyMeta   = "pymupdf_metadata"
	peerPyRender = "pymupdf_render"
	peerORT      = "onnxruntime_alone"
)

// Peer is another program, or one part of dataplus alone, doing the same
// work as a configuration, measured in rounds of its own next to it.
type Peer struct {
	Name       string    `json:"name"`
	Beside     string    `json:"beside"` // the configuration it is compared with
	What       string    `json:"what"`
	Status     string    `json:"status"`
	Reason     string    `json:"reason,omitempty"`
	Version    string    `json:"version,omitempty"`
	Workers    int       `json:"workers,omitempty"`
	Files      int       `json:"files,omitempty"`
	Pages      int       `json:"pages,omitempty"` // pages (or model inputs) per round
	Unit       string    `json:"unit"`
	Rounds     []float64 `json:"rounds,omitempty"` // the peer's throughput per round, in Unit
	Throughput Stat      `json:"throughput"`
	Ours       *Stat     `json:"ours,omitempty"` // dataplus's figure in the same unit
	OursWhat   string    `json:"ours_what,omitempty"`
	// Ratio is ours / the peer's (medians): above 1 dataplus is faster.
	Ratio float64 `json:"ratio,omitempty"`
}

// peerRun is a peer being measured.
type peerRun interface {
	// interleaved peers run a round after each of the configuration's
	// rounds (they run in another process, so they cannot disturb its
	// memory figures); the others run their rounds after the
	// configuration's.
	interleaved() bool
	// round measures one round (interleaved) or all of them.
	round(ctx context.Context)
	result(cfg *ConfigResult) Peer
}

// peers sets up the peers of a configuration.
func (r *runner) peers(ctx context.Context, d def, files []ingest.Source, workers int) []peerRun {
	po := r.opt.Peers
	if po == nil {
		return nil
	}
	switch d.name {
	case Metadata:
		return []peerRun{newPyMeta(ctx, po, files, workers)}
	case CPUFallback:
		return []peerRun{newRenderPeer(ctx, po, files, workers, r.opt.Rounds), newORTPeer(po, files, r.opt.Rounds)}
	}
	return nil
}

// checkPython reports why the PyMuPDF peer script cannot run.
func checkPython(ctx context.Context, python, script string) error {
	if _, err := os.Stat(script); err != nil {
		return fmt.Errorf("peer script %s not found (run from the repository root or give --scripts): %w", script, err)
	}
	out, err := exec.CommandContext(ctx, python, "-c", "import fitz").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s cannot import fitz (Debian: apt-get install python3-fitz): %v: %s", python, err, firstLine(out))
	}
	return nil
}

func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:] // Python puts the exception last
	}
	return s
}

// runPy runs a peer script and decodes its one-line JSON summary.
func runPy(ctx context.Context, python string, args []string, v any) error {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", filepath.Base(args[0]), err, firstLine(stderr.Bytes()))
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), v); err != nil {
		return fmt.Errorf("%s: bad output %q: %w", filepath.Base(args[0]), firstLine(out), err)
	}
	return nil
}

func paths(files []ingest.Source) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Path
	}
	return out
}

// finish fills the peer's statistics and ratio.
func finish(p *Peer, rounds []float64, ours *Stat) Peer {
	if p.Status == "" {
		p.Status = StatusOK
	}
	p.Rounds = rounds
	p.Throughput = statOf(rounds)
	if ours != nil && ours.N > 0 {
		p.Ours = ours
		if p.Throughput.Median > 0 {
			p.Ratio = round(ours.Median/p.Throughput.Median, 2)
		}
	}
	if p.Status != StatusOK {
		p.Rounds, p.Throughput, p.Ours, p.Ratio = nil, Stat{}, nil, 0
	}
	return *p
}

// pyMeta is scripts/peer_pymupdf.py beside the metadata configuration.
type pyMeta struct {
	p      Peer
	python string
	args   []string
	rounds []float64
}

func newPyMeta(ctx context.Context, po *PeerOptions, files []ingest.Source, workers int) *pyMeta {
	script := filepath.Join(po.Scripts, "peer_pymupdf.py")
	m := &pyMeta{
		p: Peer{
			Name: peerPyMeta, Beside: Metadata, Unit: "files/s", Workers: workers, Files: len(files),
			What: "scripts/peer_pymupdf.py: the metadata job written with PyMuPDF (read, SHA-256, metadata, fonts, " +
				"per-page text and image coverage, routing with the same thresholds), a pool of as many processes as workers, " +
				"over the same files; Python's start-up is not timed",
			OursWhat: "the metadata configuration's files/s",
		},
		python: po.Python,
		args:   append([]string{script, "--workers", strconv.Itoa(workers)}, paths(files)...),
	}
	if err := checkPython(ctx, po.Python, script); err != nil {
		m.p.Status, m.p.Reason = StatusSkipped, err.Error()
	}
	return m
}

func (m *pyMeta) interleaved() bool { return true }

func (m *pyMeta) round(ctx context.Context) {
	if m.p.Status != "" {
		return
	}
	var out struct {
		Peer       string  `json:"peer"`
		Pages      int     `json:"pages"`
		FilesPerS  float64 `json:"files_per_s"`
		PagesPerS  float64 `json:"pages_per_s"`
		SecondsRun float64 `json:"seconds"`
	}
	if err := runPy(ctx, m.python, m.args, &out); err != nil {
		m.p.Status, m.p.Reason = StatusFailed, err.Error()
		return
	}
	m.p.Version, m.p.Pages = out.Peer, out.Pages
	m.rounds = append(m.rounds, out.FilesPerS)
}

func (m *pyMeta) result(cfg *ConfigResult) Peer {
	ours := cfg.Summary.FilesPerSec
	return finish(&m.p, m.rounds, &ours)
}

// renderPeer is PDFium alone (the pool dataplus renders with) against
// scripts/peer_pymupdf_render.py, on the pages the feature configuration
// embeds, at the size it renders them.
type renderPeer struct {
	p          Peer
	po         *PeerOptions
	files      []ingest.Source
	workers    int
	rounds     int
	longSide   int
	pages      int // per document; 0: all
	python     string
	args       []string
	ours, peer []float64
}

func newRenderPeer(ctx context.Context, po *PeerOptions, files []ingest.Source, workers, rounds int) *renderPeer {
	long := 512
	if len(po.Scales) > 0 {
		long = slicesMax(po.Scales)
	}
	script := filepath.Join(po.Scripts, "peer_pymupdf_render.py")
	rp := &renderPeer{
		p: Peer{
			Name: peerPyRender, Beside: CPUFallback, Unit: "pages/s", Workers: workers, Files: len(files),
			What: fmt.Sprintf("scripts/peer_pymupdf_render.py: PyMuPDF renders the same pages (up to %d per file) at a long side of %d px "+
				"with as many processes as workers", po.Pages, long),
			OursWhat: "dataplus's PDFium pool alone (as many instances as workers), the same pages at the same size, rounds alternating with the peer's",
		},
		po: po, files: files, workers: workers, rounds: rounds, longSide: long, pages: po.Pages, python: po.Python,
	}
	pagesArg := []string{"--pages", "all", "--max-pages", strconv.Itoa(po.Pages)}
	rp.args = append(append([]string{script, "--workers", strconv.Itoa(workers), "--long-side", strconv.Itoa(long)}, pagesArg...), paths(files)...)
	if err := checkPython(ctx, po.Python, script); err != nil {
		rp.p.Status, rp.p.Reason = StatusSkipped, err.Error()
	}
	return rp
}

func slicesMax(v []int) int {
	m := v[0]
	for _, x := range v[1:] {
		m = max(m, x)
	}
	return m
}

func (rp *renderPeer) interleaved() bool { return false }

// round runs all of the peer's rounds at once, alternating with PDFium
// alone, after the configuration's rounds: the pool lives only that long.
func (rp *renderPeer) round(ctx context.Context) {
	if rp.p.Status != "" {
		return
	}
	ro := rp.po.Render
	ro.Instances = rp.workers
	pool, err := render.New(ctx, ro, nil)
	if err != nil {
		rp.p.Status, rp.p.Reason = StatusFailed, err.Error()
		return
	}
	defer pool.Close()
	if _, _, err := renderAlone(ctx, pool, rp.files[:1], 1, rp.pages, rp.longSide); err != nil { // warm-up
		rp.p.Status, rp.p.Reason = StatusFailed, err.Error()
		return
	}
	for range rp.rounds {
		n, secs, err := renderAlone(ctx, pool, rp.files, rp.workers, rp.pages, rp.longSide)
		if err != nil {
			rp.p.Status, rp.p.Reason = StatusFailed, err.Error()
			return
		}
		rp.p.Pages = n
		rp.ours = append(rp.ours, round(float64(n)/secs, 2))
		var out struct {
			Engine string  `json:"engine"`
			PagesS float64 `json:"pages_per_s"`
		}
		if err := runPy(ctx, rp.python, rp.args, &out); err != nil {
			rp.p.Status, rp.p.Reason = StatusFailed, err.Error()
			return
		}
		rp.p.Version = out.Engine
		rp.peer = append(rp.peer, out.PagesS)
	}
}

func (rp *renderPeer) result(*ConfigResult) Peer {
	ours := statOf(rp.ours)
	return finish(&rp.p, rp.peer, &ours)
}

// renderAlone renders up to pages pages of each file at the long side
// with workers goroutines sharing pool, and returns the pages rendered
// and the seconds it took. Files or pages that fail are skipped, as the
// peer does.
func renderAlone(ctx context.Context, pool *render.Pool, files []ingest.Source, workers, pages, long int) (int, float64, error) {
	var n atomic.Int64
	work := make(chan ingest.Source)
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for f := range work {
				data, err := readSource(f)
				if err != nil {
					continue
				}
				_ = pool.Document(ctx, data, "", func(d *render.Doc) error {
					last := d.Pages()
					if pages > 0 {
						last = min(last, pages)
					}
					for i := range last {
						if _, err := d.Render(ctx, i, render.Size{LongSide: long, Unrotated: true}); err == nil {
							n.Add(1)
						}
					}
					return nil
				})
			}
		})
	}
feed:
	for _, f := range files {
		select {
		case work <- f:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	secs := time.Since(start).Seconds()
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	if n.Load() == 0 {
		return 0, 0, errors.New("render alone: no page rendered")
	}
	return int(n.Load()), secs, nil
}

// readSource reads a source's bytes the way the pipeline does.
func readSource(s ingest.Source) ([]byte, error) {
	if s.Open == nil {
		return os.ReadFile(s.Path)
	}
	f, err := s.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// ortPeer is the visual model on ONNX Runtime alone: the same model,
// threads and scales, on pages of the sample preprocessed beforehand, one
// Session.Run per input.
type ortPeer struct {
	p      Peer
	po     *PeerOptions
	files  []ingest.Source
	n      int // rounds
	rounds []float64
}

// ortRoundTime is how long one round of the ONNX Runtime peer runs (at
// least one pass over its inputs).
const ortRoundTime = 1500 * time.Millisecond

func newORTPeer(po *PeerOptions, files []ingest.Source, rounds int) *ortPeer {
	return &ortPeer{
		p: Peer{
			Name: peerORT, Beside: CPUFallback, Unit: "inputs/s of model time",
			What: "the visual model on ONNX Runtime alone (internal/infer, no pipeline): first pages of up to 4 files of the sample, " +
				"rendered and preprocessed at each scale beforehand, one Session.Run per input with the pipeline's threads",
			OursWhat: "the pipeline's model inputs per second of model time (the batchers' inputs / busy time), which includes batching and contention with rendering",
		},
		po: po, files: files, n: rounds,
	}
}

func (op *ortPeer) interleaved() bool { return false }

// round runs every round of the peer: the model and inputs are set up
// once, after the configuration's rounds.
func (op *ortPeer) round(ctx context.Context) {
	if op.p.Status != "" {
		return
	}
	err := op.run(ctx)
	var skip *skipError
	switch {
	case errors.As(err, &skip):
		op.p.Status, op.p.Reason = StatusSkipped, skip.Error()
	case err != nil:
		op.p.Status, op.p.Reason = StatusFailed, err.Error()
	}
}

type skipError struct{ err error }

func (e *skipError) Error() string { return e.err.Error() }

func (op *ortPeer) run(ctx context.Context) error {
	po := op.po
	dir, _ := assets.Dir(po.AssetsDir)
	reg, err := infer.NewRegistry(dir, po.ModelsFile)
	if err != nil {
		return &skipError{err}
	}
	name := po.Model
	if name == "" {
		name = infer.DetectorName
	}
	m, err := reg.Model(name)
	if err != nil {
		return &skipError{err}
	}
	backend, err := infer.NewORT(infer.ORTOptions{AssetsDir: dir, IntraOpThreads: po.Threads, Sessions: 1})
	if err != nil {
		return &skipError{err}
	}
	defer backend.Close()
	loaded, err := infer.Load(ctx, backend, m)
	if err != nil {
		return &skipError{err}
	}
	defer loaded.Close()
	op.p.Version = backend.Name() + " " + infer.ORTVersion()

	long := max(m.Input.Height, m.Input.Width)
	scales := []int{0}
	if m.Input.Dynamic() {
		scales = po.Scales
		if len(scales) == 0 {
			scales = []int{m.Input.LongSide}
		}
		long = slicesMax(scales)
	}
	images, err := firstPages(ctx, po.Render, op.files, 4, long)
	if err != nil {
		return err
	}
	var inputs []infer.Tensor
	for _, img := range images {
		for _, s := range scales {
			x, _, err := infer.Preprocess(m.Input, img, s)
			if err != nil {
				return fmt.Errorf("onnxruntime alone: %w", err)
			}
			inputs = append(inputs, x)
		}
	}
	op.p.Pages = len(inputs)
	runOne := func(x infer.Tensor) error {
		_, err := loaded.Session.Run(ctx, map[string]infer.Tensor{loaded.Input: x})
		return err
	}
	for _, x := range inputs { // warm-up: one run per shape
		if err := runOne(x); err != nil {
			return fmt.Errorf("onnxruntime alone: %w", err)
		}
	}
	for range op.n {
		start := time.Now()
		n := 0
		for n < len(inputs) || time.Since(start) < ortRoundTime {
			if err := runOne(inputs[n%len(inputs)]); err != nil {
				return fmt.Errorf("onnxruntime alone: %w", err)
			}
			n++
		}
		op.rounds = append(op.rounds, round(float64(n)/time.Since(start).Seconds(), 2))
	}
	return nil
}

// firstPages renders the first page of up to n files at the long side.
func firstPages(ctx context.Context, ro render.Options, files []ingest.Source, n, long int) ([]infer.Image, error) {
	ro.Instances = 1
	pool, err := render.New(ctx, ro, nil)
	if err != nil {
		return nil, fmt.Errorf("onnxruntime alone: %w", err)
	}
	defer pool.Close()
	var out []infer.Image
	for _, f := range files {
		if len(out) == n {
			break
		}
		data, err := readSource(f)
		if err != nil {
			continue
		}
		_ = pool.Document(ctx, data, "", func(d *render.Doc) error {
			img, err := d.Render(ctx, 0, render.Size{LongSide: long, Unrotated: true})
			if err == nil {
				out = append(out, infer.Image{Width: img.Width, Height: img.Height, Pix: img.Pix})
			}
			return nil
		})
	}
	if len(out) == 0 {
		return nil, errors.New("onnxruntime alone: no page of the sample rendered")
	}
	return out, nil
}

func (op *ortPeer) result(cfg *ConfigResult) Peer {
	var v []float64
	for _, rd := range cfg.Rounds {
		if rd.Batches != nil && rd.Batches.MSPerItem > 0 {
			v = append(v, round(1000/rd.Batches.MSPerItem, 2))
		}
	}
	ours := statOf(v)
	return finish(&op.p, op.rounds, &ours)
}
