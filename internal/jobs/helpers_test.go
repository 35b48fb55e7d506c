package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"dataplus/internal/ingest"
	"dataplus/internal/pipeline"
	"dataplus/internal/record"
	"dataplus/internal/testpdf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fixtureNames are the testpdf fixtures the tests use: quick to process,
// and a mix of good files and files that end in error records. (The Flate
// bomb is left out: it takes seconds by design.)
var fixtureNames = []string{
	"text", "blank", "scanned", "mixed", "prior_ocr", "type0_tounicode", "xref_stream",
	"broken_xref", "rc4_128_userpw", "truncated_half", "text_file",
}

var (
	fixturesOnce sync.Once
	fixtures     map[string]testpdf.Fixture
)

// pdfs writes n fixture files (cycling through fixtureNames) into a fresh
// directory and returns them as inputs named "docN-NAME.pdf".
func pdfs(t testing.TB, n int) []Input {
	t.Helper()
	fixturesOnce.Do(func() {
		fixtures = map[string]testpdf.Fixture{}
		for _, f := range testpdf.All() {
			fixtures[f.Name] = f
		}
	})
	dir := t.TempDir()
	out := make([]Input, n)
	for i := range n {
		f, ok := fixtures[fixtureNames[i%len(fixtureNames)]]
		if !ok {
			t.Fatalf("fixture %s is gone from testpdf", fixtureNames[i%len(fixtureNames)])
		}
		path := filepath.Join(dir, fmt.Sprintf("%s-%03d.pdf", f.Name, i))
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		out[i] = Input{Name: fmt.Sprintf("doc%03d-%s.pdf", i, f.Name), Path: path}
	}
	return out
}

func newProc() *pipeline.Processor {
	cfg := pipeline.DefaultConfig()
	cfg.Timeout = 20 * time.Second
	return pipeline.NewProcessor(cfg, nil, nil)
}

// testLog shows the manager's log in the test's output.
func testLog(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p[:len(p)-1]))
	return len(p), nil
}

// open opens a Manager and shuts it down at the end of the test (a second
// Shutdown by the test itself is harmless).
func open(t testing.TB, opt Options, proc Processor) *Manager {
	t.Helper()
	m, err := Open(opt, proc, testLog(t), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		m.Shutdown(ctx) // files a test left blocked are abandoned here
	})
	return m
}

// waitFor polls job id until cond holds (or fails the test after 20s).
func waitFor(t testing.TB, m *Manager, id string, what string, cond func(Job) bool) Job {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		j, err := m.Get(id)
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if cond(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s: no %s after 20s: %+v", id, what, j)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitFinal(t testing.TB, m *Manager, id string) Job {
	t.Helper()
	return waitFor(t, m, id, "final state", func(j Job) bool { return j.State.Final() })
}

func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after 20s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// results decodes every stored record of job id.
func results(t testing.TB, m *Manager, id string) []record.Record {
	t.Helper()
	var out []record.Record
	err := m.Results(context.Background(), id, func(line []byte) error {
		var r record.Record
		if err := json.Unmarshal(line, &r); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkComplete asserts one record per input, in input order, each named
// after its input.
func checkComplete(t testing.TB, recs []record.Record, inputs []Input) {
	t.Helper()
	if len(recs) != len(inputs) {
		t.Fatalf("%d records for %d inputs", len(recs), len(inputs))
	}
	for i, r := range recs {
		if r.Index != i || r.Path != inputs[i].Name {
			t.Fatalf("record %d is index %d path %q, want %q: lost, duplicated or out of order", i, r.Index, r.Path, inputs[i].Name)
		}
	}
}

// gate wraps the real Processor: files for which block returns true wait
// until their context is done (then run, and so come back "canceled").
// It counts calls per index and the calls blocked right now.
type gate struct {
	inner   Processor
	block   func(index int) bool
	blocked atomic.Int32

	mu    sync.Mutex
	calls []int
}

func (g *gate) File(ctx context.Context, src ingest.Source) record.Record {
	g.mu.Lock()
	g.calls = append(g.calls, src.Index)
	g.mu.Unlock()
	if g.block != nil && g.block(src.Index) {
		g.blocked.Add(1)
		<-ctx.Done()
		g.blocked.Add(-1)
	}
	return g.inner.File(ctx, src)
}

// called returns the indexes the Processor was called for, sorted.
func (g *gate) called() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Sorted(slices.Values(g.calls))
}

func span(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

// copyFile copies a file, as a backup tool (or a crash) would see it.
func copyFile(t testing.TB, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := os.MkdirAll(filepath.Dir(to), 0o750); err != nil {
		t.Fatal(err)
	}
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

func uploadFiles(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, uploadsDir))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
