package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"dataplus/internal/ingest"
	"dataplus/internal/record"
	"dataplus/internal/testpdf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// writeFixtures writes every generated fixture to a temp dir and returns
// the paths in fixture order.
func writeFixtures(t *testing.T) ([]string, []testpdf.Fixture) {
	t.Helper()
	dir := t.TempDir()
	fx := testpdf.All()
	paths := make([]string, len(fx))
	for i, f := range fx {
		paths[i] = filepath.Join(dir, f.Name+".pdf")
		if err := os.WriteFile(paths[i], f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return paths, fx
}

func sources(paths []string) <-chan ingest.Source {
	ch := make(chan ingest.Source, len(paths))
	for i, p := range paths {
		ch <- ingest.Source{Index: i, Path: p}
	}
	close(ch)
	return ch
}

func runAll(t *testing.T, ctx context.Context, cfg Config, paths []string) ([]record.Record, error) {
	t.Helper()
	var got []record.Record
	err := NewProcessor(cfg, nil, nil).Run(ctx, sources(paths), func(r record.Record) error {
		got = append(got, r)
		return nil
	})
	return got, err
}

// TestFixtures runs the whole per-file path on every generated fixture and
// checks the record against what the generator says a correct reader
// reports.
func TestFixtures(t *testing.T) {
	paths, fx := writeFixtures(t)
	cfg := DefaultConfig()
	cfg.Timeout = 20 * time.Second
	got, err := runAll(t, context.Background(), cfg, paths)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(got) != len(fx) {
		t.Fatalf("%d records for %d files", len(got), len(fx))
	}
	for i, f := range fx {
		r := got[i]
		t.Run(f.Name, func(t *testing.T) {
			if r.Index != i || r.Path != paths[i] {
				t.Fatalf("record %d is for index %d %s: order lost", i, r.Index, r.Path)
			}
			kind := ""
			if r.Error != nil {
				kind = string(r.Error.Kind)
			}
			if kind != f.Want.ErrKind {
				t.Fatalf("error kind %q (%v), want %q", kind, r.Error, f.Want.ErrKind)
			}
			if f.Want.Pages >= 0 && r.Metadata != nil && r.Metadata.Pages != f.Want.Pages {
				t.Errorf("pages %d, want %d", r.Metadata.Pages, f.Want.Pages)
			}
			if got := string(r.Label()); got != f.Want.Route {
				t.Errorf("document label %q, want %q", got, f.Want.Route)
			}
			if f.Want.PageRoutes != nil && f.Want.ErrKind == "" {
				var routes []string
				for _, p := range r.Pages {
					routes = append(routes, string(p.Route.Route))
				}
				if !slices.Equal(routes, f.Want.PageRoutes) {
					t.Errorf("page routes %v, want %v", routes, f.Want.PageRoutes)
				}
			}
			if r.Size != int64(len(f.Data)) || (len(f.Data) > 0 && len(r.SHA256) != 64) {
				t.Errorf("size %d sha %q", r.Size, r.SHA256)
			}
		})
	}
}

func TestMissingAndOversizeFilesAreRecords(t *testing.T) {
	paths, _ := writeFixtures(t)
	cfg := DefaultConfig()
	cfg.MaxFileBytes = 2000
	in := []string{filepath.Join(t.TempDir(), "missing.pdf"), paths[0]}
	got, err := runAll(t, context.Background(), cfg, in)
	if err != nil {
		t.Fatal(err)
	}
	want := []record.Kind{record.KindNotFound, record.KindTooLarge}
	for i, r := range got {
		if r.Error == nil || r.Error.Kind != want[i] {
			t.Fatalf("record %d: error %+v, want kind %s", i, r.Error, want[i])
		}
	}
}

// TestCancelFlushesEveryStartedFile cancels a run part-way: every file
// that was started must still get its record, in order, with no gaps.
func TestCancelFlushesEveryStartedFile(t *testing.T) {
	paths, _ := writeFixtures(t)
	var many []string
	for range 20 {
		many = append(many, paths...)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var got []record.Record
	err := NewProcessor(DefaultConfig(), nil, nil).Run(ctx, sources(many), func(r record.Record) error {
		got = append(got, r)
		if len(got) == 7 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
	if len(got) < 7 || len(got) == len(many) {
		t.Fatalf("%d records of %d after cancelling at 7", len(got), len(many))
	}
	for i, r := range got {
		if r.Index != i {
			t.Fatalf("record %d has index %d: a gap", i, r.Index)
		}
	}
}

func TestSinkErrorStopsTheRun(t *testing.T) {
	paths, _ := writeFixtures(t)
	boom := errors.New("disk full")
	n := 0
	err := NewProcessor(DefaultConfig(), nil, nil).Run(context.Background(), sources(paths), func(record.Record) error {
		n++
		return boom
	})
	if !errors.Is(err, boom) || n != 1 {
		t.Fatalf("err %v after %d emits, want %v after 1", err, n, boom)
	}
}

func TestTimeoutIsAKind(t *testing.T) {
	paths, _ := writeFixtures(t)
	cfg := DefaultConfig()
	cfg.Timeout = time.Nanosecond
	got, err := runAll(t, context.Background(), cfg, paths[:3])
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		if r.Error == nil || r.Error.Kind != record.KindTimeout {
			t.Fatalf("%s: error %+v, want timeout", r.Path, r.Error)
		}
	}
}

func TestMetricsCountEveryFile(t *testing.T) {
	paths, _ := writeFixtures(t)
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	err := NewProcessor(DefaultConfig(), nil, m).Run(context.Background(), sources(paths), func(record.Record) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for _, k := range append([]string{"ok"}, kinds()...) {
		total += testutil.ToFloat64(m.files.WithLabelValues(k))
	}
	if int(total) != len(paths) {
		t.Fatalf("files_total sums to %v, want %d", total, len(paths))
	}
	if got := testutil.ToFloat64(m.inFlight); got != 0 {
		t.Fatalf("files_in_flight %v after the run", got)
	}
	if n := testutil.CollectAndCount(m.stage); n != 5 {
		t.Fatalf("%d stage series, want 5", n)
	}
}

func kinds() []string {
	var out []string
	for _, k := range record.Kinds {
		out = append(out, string(k))
	}
	return out
}
