package bench

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dataplus/internal/assets/assetstest"
	"dataplus/internal/record"
	"dataplus/internal/render"
)

func checkPNG(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) || len(data) < 1000 {
		t.Errorf("%s is not a PNG chart (%d bytes)", path, len(data))
	}
}

// checkPeer accepts a peer that ran, or one skipped because PyMuPDF is
// not installed here; anything else fails.
func checkPeer(t *testing.T, rep *Report, name string, rounds int) *Peer {
	t.Helper()
	for i := range rep.Peers {
		p := &rep.Peers[i]
		if p.Name != name {
			continue
		}
		switch {
		case p.Status == StatusOK && p.Throughput.N == rounds && p.Ours != nil && p.Ratio > 0:
		case p.Status == StatusSkipped && strings.Contains(p.Reason, "fitz"):
			t.Logf("peer %s skipped: %s", name, p.Reason)
		default:
			t.Errorf("peer %s: %+v", name, *p)
		}
		return p
	}
	t.Errorf("no peer %s in %+v", name, rep.Peers)
	return nil
}

// TestRunMetadata runs the metadata configuration through the real
// pipeline over generated fixtures (good, encrypted and not-a-PDF), the
// GPU configurations without a GPU, a short memory profile and the
// PyMuPDF peer, then writes and reads back the report.
func TestRunMetadata(t *testing.T) {
	src := fixtureSources(t, "text", "scanned", "mixed", "rc4_128_userpw", "png_file", "blank")
	var progress bytes.Buffer
	var records atomic.Int64
	rep, err := Run(context.Background(), Options{
		Configs: []string{Metadata, GPUFull, GPUNoDeep}, Sources: src, FilesLabel: "fixtures",
		Rounds: 2, Build: testBuilder(""), Version: "test", Progress: &progress,
		OnRecord: func(*record.Record) { records.Add(1) },
		Memory:   time.Second,
		Peers:    &PeerOptions{Scripts: filepath.Join("..", "..", "scripts")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.SchemaVersion != SchemaVersion || rep.Settings.FilesFound != 6 || len(rep.Configs) != 3 || rep.Environment.Software.Dataplus != "test" {
		t.Fatalf("report: %+v", rep)
	}
	c := rep.Configs[0]
	if c.Status != StatusOK || c.Files != 6 || c.WarmupFiles != 6 || len(c.Rounds) != 2 || c.Summary.FilesPerSec.N != 2 {
		t.Fatalf("metadata: %+v", c)
	}
	for i, rd := range c.Rounds {
		if rd.Files != 6 || rd.Pages == 0 || rd.LatencyMS.Samples != 6 || rd.ErrorsByKind["encrypted"] != 1 || rd.ErrorsByKind["invalid_pdf"] != 1 ||
			rd.FilesPerSec <= 0 || rd.Memory.PeakRSSMiB <= 0 || rd.Memory.Samples < 2 || rd.Batches != nil {
			t.Errorf("round %d: %+v", i+1, rd)
		}
		if s := rd.StageShare.sum(); s < 0.999 || s > 1.001 {
			t.Errorf("round %d: stage shares sum to %v", i+1, s)
		}
	}
	for _, g := range rep.Configs[1:] {
		if g.Status != StatusSkipped || !strings.Contains(g.Reason, "no GPU found") || g.Summary != nil {
			t.Errorf("%s: %+v", g.Name, g)
		}
	}
	mp := rep.Memory
	if mp == nil || mp.Status != StatusOK || mp.Config != Metadata || len(mp.Samples) < 3 || mp.Verdict == "" || mp.Files < 6 {
		t.Fatalf("memory: %+v", mp)
	}
	// Warm-up, two rounds and the memory profile's warm-up and run.
	if n := records.Load(); n < 6+2*6+6+6 {
		t.Errorf("OnRecord saw %d records", n)
	}
	if p := progress.String(); !strings.Contains(p, "metadata: ready: built in") || !strings.Contains(p, "metadata round 2/2") {
		t.Errorf("progress: %s", p)
	}
	checkPeer(t, rep, peerPyMeta, 2)

	out := filepath.Join(t.TempDir(), "b", "report.json")
	files, err := Write(rep, out)
	if err != nil {
		t.Fatal(err)
	}
	base := strings.TrimSuffix(out, ".json")
	if !slices.Equal(files, []string{out, base + "-stages.png", base + "-memory.png", base + ".md"}) {
		t.Fatalf("wrote %v", files)
	}
	checkPNG(t, base+"-stages.png")
	checkPNG(t, base+"-memory.png")
	back, err := ReadJSON(out)
	if err != nil {
		t.Fatal(err)
	}
	if back.Configs[0].Summary.FilesPerSec != c.Summary.FilesPerSec || back.Memory.Verdict != mp.Verdict {
		t.Errorf("read back: %+v", back.Configs[0].Summary)
	}
	md, _ := os.ReadFile(base + ".md")
	for _, want := range []string{"## Results", "| metadata | ok |", "GPU_Full | skipped: no GPU found", "## Memory profile", "report-stages.png"} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

// TestRunDuration: a minimum duration repeats the files.
func TestRunDuration(t *testing.T) {
	src := fixtureSources(t, "text", "blank")
	rep, err := Run(context.Background(), Options{Configs: []string{Metadata}, Sources: src, Rounds: 1, Duration: 300 * time.Millisecond, Build: testBuilder("")})
	if err != nil {
		t.Fatal(err)
	}
	rd := rep.Configs[0].Rounds[0]
	if rd.Files <= 2 || rd.ElapsedMS < 300 {
		t.Fatalf("round: %d files in %.0f ms", rd.Files, rd.ElapsedMS)
	}
}

// TestRunOptions: mistakes in the options are errors, not reports.
func TestRunOptions(t *testing.T) {
	src := fixtureSources(t, "text")
	for _, tc := range []struct {
		name string
		opt  Options
		msg  string
	}{
		{"unknown config", Options{Configs: []string{"fast"}, Sources: src, Build: testBuilder("")}, `unknown configuration "fast"`},
		{"no files", Options{Configs: []string{Metadata}, Build: testBuilder("")}, "no files"},
		{"no builder", Options{Configs: []string{Metadata}, Sources: src}, "no engine builder"},
		{"bad sweep", Options{Configs: []string{Metadata}, Sources: src, Build: testBuilder(""), Sweeps: []string{"threads"}}, `unknown sweep "threads"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Run(context.Background(), tc.opt); err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err %v, want %q", err, tc.msg)
			}
		})
	}
}

// TestRunMissingPeer: a peer that is not installed is reported as
// skipped with the reason; the configuration still runs.
func TestRunMissingPeer(t *testing.T) {
	src := fixtureSources(t, "text")
	rep, err := Run(context.Background(), Options{Configs: []string{Metadata}, Sources: src, Rounds: 1, Build: testBuilder(""),
		Peers: &PeerOptions{Scripts: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Peers) != 1 || rep.Peers[0].Status != StatusSkipped || !strings.Contains(rep.Peers[0].Reason, "not found") || rep.Configs[0].Status != StatusOK {
		t.Fatalf("peers %+v", rep.Peers)
	}
}

// TestRunFeatures runs CPU_Fallback with a real extractor: rounds with
// batch statistics, both sweeps with a recommendation, and the peers
// (PDFium alone and PyMuPDF rendering, ONNX Runtime alone).
func TestRunFeatures(t *testing.T) {
	dir := assetstest.Dir(t)
	src := fixtureSources(t, "text", "scanned", "mixed")
	rep, err := Run(context.Background(), Options{
		Configs: []string{CPUFallback}, Sources: src, Rounds: 2, Workers: 2, Build: testBuilder(dir),
		Sweeps: []string{"workers", "batch"}, SweepWorkers: []int{1, 2}, SweepBatches: []int{1, 2},
		Peers: &PeerOptions{Scripts: filepath.Join("..", "..", "scripts"), AssetsDir: dir, Scales: []int{320}, Threads: 2, Pages: 1, Render: render.DefaultOptions()},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Configs[0]
	if c.Status != StatusOK || c.Summary.EmbeddedPagesPerSec == nil || c.Backend == "" || c.FeaturePages != 1 || c.WarmupFiles != DefaultFeatureWarmup {
		t.Fatalf("CPU_Fallback: %+v", c)
	}
	for i, rd := range c.Rounds {
		// Three documents, one page each, one scale: three model inputs.
		b := rd.Batches
		if rd.EmbeddedPages != 3 || b == nil || b.Items != 3 || b.Batches < 2 || b.BusyMS <= 0 || b.MSPerItem <= 0 || rd.StageMS.Render <= 0 || rd.StageMS.Infer <= 0 {
			t.Errorf("round %d: %+v batches %+v", i+1, rd, b)
		}
		var n int64
		for _, v := range b.Sizes {
			n += v
		}
		if n != b.Batches {
			t.Errorf("round %d: sizes %v for %d batches", i+1, b.Sizes, b.Batches)
		}
	}
	if len(rep.Sweeps) != 2 || rep.Recommendation == nil || len(rep.Recommendation.Why) != 2 {
		t.Fatalf("sweeps %+v recommendation %+v", rep.Sweeps, rep.Recommendation)
	}
	for _, sw := range rep.Sweeps {
		if sw.Status != StatusOK || len(sw.Points) != 2 || sw.Points[1].Value != 2 || sw.Bound == "" || (sw.Recommended != 1 && sw.Recommended != 2) {
			t.Errorf("sweep %s: %+v", sw.Param, sw)
		}
	}
	if p := checkPeer(t, rep, peerORT, 2); p != nil && p.Status == StatusOK && p.Pages != 3 {
		t.Errorf("onnxruntime alone ran %d inputs, want 3", p.Pages)
	}
	checkPeer(t, rep, peerPyRender, 2)

	out := filepath.Join(t.TempDir(), "report.json")
	files, err := Write(rep, out)
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"stages", "workers", "batch"} {
		p := strings.TrimSuffix(out, ".json") + "-" + kind + ".png"
		if !slices.Contains(files, p) {
			t.Errorf("no %s chart in %v", kind, files)
			continue
		}
		checkPNG(t, p)
	}
}
