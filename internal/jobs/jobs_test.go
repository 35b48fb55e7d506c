package jobs

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	bolt "go.etcd.io/bbolt"

	"dataplus/internal/ingest"
	"dataplus/internal/record"
)

// TestSubmitRunResults runs a job of real PDFs (good ones and ones that
// end in error records) and checks every stored record against what the
// Processor says for that file on its own.
func TestSubmitRunResults(t *testing.T) {
	inputs := pdfs(t, len(fixtureNames))
	proc := newProc()
	m := open(t, Options{Dir: t.TempDir(), Workers: 2, FileWorkers: 3}, proc)

	opts := map[string]any{"include_pages": false, "max_workers": 2}
	job, err := m.SubmitWith(inputs, opts)
	if err != nil {
		t.Fatal(err)
	}
	if job.State != StateQueued || job.Total != len(inputs) || job.ID == "" {
		t.Fatalf("submitted job %+v", job)
	}
	done := waitFinal(t, m, job.ID)
	recs := results(t, m, job.ID)
	checkComplete(t, recs, inputs)

	wantErrors := 0
	for i, r := range recs {
		want := proc.File(context.Background(), ingest.Source{Index: i, Path: inputs[i].Path})
		if (want.Error == nil) != (r.Error == nil) || (want.Error != nil && want.Error.Kind != r.Error.Kind) {
			t.Errorf("%s: error %+v, alone %+v", r.Path, r.Error, want.Error)
		}
		if want.Error != nil {
			wantErrors++
		}
		if r.SHA256 != want.SHA256 || r.Label() != want.Label() || len(r.Pages) != len(want.Pages) {
			t.Errorf("%s: sha %s label %q pages %d, alone %s %q %d", r.Path, r.SHA256, r.Label(), len(r.Pages), want.SHA256, want.Label(), len(want.Pages))
		}
	}
	if wantErrors == 0 || wantErrors == len(inputs) {
		t.Fatalf("fixture mix has %d error files of %d: pick a mix", wantErrors, len(inputs))
	}
	if done.State != StateSucceeded || done.Done != len(inputs) || done.Errors != wantErrors || done.Error != "" {
		t.Fatalf("finished job %+v, want succeeded with %d done and %d errors", done, len(inputs), wantErrors)
	}
	if done.Started.IsZero() || done.Finished.Before(done.Started) || done.Started.Before(done.Created) {
		t.Fatalf("times created %v started %v finished %v", done.Created, done.Started, done.Finished)
	}
	if done.Options["include_pages"] != false || done.Options["max_workers"] != 2.0 {
		t.Fatalf("options came back as %#v", done.Options)
	}
}

func TestUnknownJobs(t *testing.T) {
	m := open(t, Options{Dir: t.TempDir()}, newProc())
	if _, err := m.Get("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get: %v", err)
	}
	if _, err := m.Cancel("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Cancel: %v", err)
	}
	if err := m.Results(context.Background(), "nope", func([]byte) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Results: %v", err)
	}
	if _, err := m.Submit(nil); !errors.Is(err, ErrNoInputs) {
		t.Fatalf("Submit(nil): %v", err)
	}
}

// TestConcurrentSubmitters has many goroutines submit at once; every job
// is stored, runs and is counted once.
func TestConcurrentSubmitters(t *testing.T) {
	const submitters, each = 8, 4
	inputs := pdfs(t, 2)
	reg := prometheus.NewRegistry()
	m, err := Open(Options{Dir: t.TempDir(), Workers: 2, FileWorkers: 1}, newProc(), testLog(t), reg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(context.Background())

	var (
		mu  sync.Mutex
		ids []string
		wg  sync.WaitGroup
	)
	for range submitters {
		wg.Go(func() {
			for range each {
				j, err := m.Submit(inputs)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				ids = append(ids, j.ID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(ids) != submitters*each || len(slices.Compact(slices.Sorted(slices.Values(ids)))) != len(ids) {
		t.Fatalf("%d ids, unique %v", len(ids), ids)
	}
	for _, id := range ids {
		if j := waitFinal(t, m, id); j.State != StateSucceeded || j.Done != len(inputs) {
			t.Fatalf("job %+v", j)
		}
		checkComplete(t, results(t, m, id), inputs)
	}
	list, err := m.List(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(ids) {
		t.Fatalf("List: %d jobs, want %d", len(list), len(ids))
	}
	for i := 1; i < len(list); i++ {
		if list[i].ID >= list[i-1].ID || list[i].Created.After(list[i-1].Created) {
			t.Fatalf("List is not newest first at %d: %s then %s", i, list[i-1].ID, list[i].ID)
		}
	}
	if short, _ := m.List(3); len(short) != 3 || short[0].ID != list[0].ID {
		t.Fatalf("List(3) = %d jobs", len(short))
	}
	if c := m.Counts(); c[StateSucceeded] != len(ids) || c[StateQueued]+c[StateRunning]+c[StateFailed]+c[StateCanceled] != 0 {
		t.Fatalf("Counts %v", c)
	}
	// The metrics say the same.
	if got := testutil.ToFloat64(m.metrics.jobs.WithLabelValues(string(StateSucceeded))); int(got) != len(ids) {
		t.Fatalf("dataplus_jobs{state=succeeded} = %v", got)
	}
	if got := testutil.ToFloat64(m.metrics.records); int(got) != len(ids)*len(inputs) {
		t.Fatalf("records stored %v, want %d", got, len(ids)*len(inputs))
	}
	if n, err := testutil.GatherAndCount(reg, "dataplus_jobs", "dataplus_jobs_duration_seconds", "dataplus_jobs_records_stored_total", "dataplus_jobs_commit_seconds"); err != nil || n != len(States)+3+1+1 {
		t.Fatalf("%d series gathered (%v)", n, err)
	}
}

// TestCancelMidRun cancels a job with files in flight: it is canceled at
// once, its blocked files stop, and the records stored before stay.
func TestCancelMidRun(t *testing.T) {
	const n, k = 8, 3
	inputs := pdfs(t, n)
	g := &gate{inner: newProc(), block: func(i int) bool { return i >= k }}
	m := open(t, Options{Dir: t.TempDir(), FileWorkers: 2}, g)
	job, err := m.Submit(inputs)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, m, job.ID, "k records", func(j Job) bool { return j.Done == k && g.blocked.Load() == 2 })

	// Results works while the job runs: what is stored so far.
	if got := results(t, m, job.ID); len(got) != k {
		t.Fatalf("%d records while running, want %d", len(got), k)
	} else {
		checkComplete(t, got, inputs[:k])
	}

	start := time.Now()
	c, err := m.Cancel(job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.State != StateCanceled || c.Finished.IsZero() || c.Done != k {
		t.Fatalf("Cancel returned %+v", c)
	}
	waitUntil(t, "blocked files released", func() bool { return g.blocked.Load() == 0 })
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("cancel took %v to stop the files", d)
	}
	waitUntil(t, "runner gone", func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		return len(m.running) == 0
	})
	after, _ := m.Get(job.ID)
	if after.State != StateCanceled || after.Done != k {
		t.Fatalf("after cancel: %+v", after)
	}
	checkComplete(t, results(t, m, job.ID), inputs[:k])
	if again, err := m.Cancel(job.ID); err != nil || again.State != StateCanceled || !again.Finished.Equal(c.Finished) {
		t.Fatalf("second Cancel: %+v, %v", again, err)
	}
	if got := m.Counts(); got[StateCanceled] != 1 || got[StateRunning] != 0 {
		t.Fatalf("Counts %v", got)
	}
}

// TestCancelQueued cancels a job waiting for a runner: it never starts.
func TestCancelQueued(t *testing.T) {
	a, b := pdfs(t, 1), pdfs(t, 2)
	g := &gate{inner: newProc(), block: func(int) bool { return true }}
	m := open(t, Options{Dir: t.TempDir(), Workers: 1, FileWorkers: 1}, g)
	ja, _ := m.Submit(a)
	waitUntil(t, "job a blocked", func() bool { return g.blocked.Load() == 1 })
	jb, _ := m.Submit(b)
	if c, err := m.Cancel(jb.ID); err != nil || c.State != StateCanceled {
		t.Fatalf("Cancel queued: %+v %v", c, err)
	}
	if _, err := m.Cancel(ja.ID); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "runners gone", func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		return len(m.running) == 0 && len(m.queue) == 0
	})
	if got := g.called(); len(got) != 1 {
		t.Fatalf("processor called for %v; the canceled queued job must not run", got)
	}
	if j, _ := m.Get(jb.ID); j.State != StateCanceled || !j.Started.IsZero() || j.Done != 0 {
		t.Fatalf("queued job after cancel: %+v", j)
	}
}

// TestMissingInputs: a data file that is not there is an error record,
// not a failed job.
func TestMissingInputs(t *testing.T) {
	good := pdfs(t, 1)
	inputs := []Input{{Name: "gone.pdf", Path: filepath.Join(t.TempDir(), "gone.pdf")}, good[0], {Path: filepath.Join(t.TempDir(), "nameless.pdf")}}
	m := open(t, Options{Dir: t.TempDir()}, newProc())
	job, _ := m.Submit(inputs)
	done := waitFinal(t, m, job.ID)
	if done.State != StateSucceeded || done.Done != 3 || done.Errors != 2 {
		t.Fatalf("job %+v", done)
	}
	recs := results(t, m, job.ID)
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	for _, i := range []int{0, 2} {
		if recs[i].Error == nil || recs[i].Error.Kind != record.KindNotFound {
			t.Fatalf("record %d: %+v, want not_found", i, recs[i].Error)
		}
	}
	if recs[1].Error != nil || recs[1].Path != good[0].Name {
		t.Fatalf("record 1: %+v", recs[1])
	}
	if recs[2].Path != inputs[2].Path {
		t.Fatalf("an input without a name is recorded by its path, got %q", recs[2].Path)
	}
}

func TestSpoolUpload(t *testing.T) {
	body := bytes.Repeat([]byte("%PDF-"), 20) // 100 bytes
	tests := []struct {
		name    string
		r       func() *bytes.Reader
		max     int64
		wantErr error
	}{
		{"under the limit", func() *bytes.Reader { return bytes.NewReader(body) }, 1000, nil},
		{"exactly the limit", func() *bytes.Reader { return bytes.NewReader(body) }, 100, nil},
		{"no limit", func() *bytes.Reader { return bytes.NewReader(body) }, 0, nil},
		{"one byte over", func() *bytes.Reader { return bytes.NewReader(body) }, 99, record.ErrTooLarge},
		{"empty", func() *bytes.Reader { return bytes.NewReader(nil) }, 10, nil},
	}
	dir := t.TempDir()
	m := open(t, Options{Dir: dir}, newProc())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := uploadFiles(t, dir)
			in, err := m.SpoolUpload("a.pdf", tc.r(), tc.max)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || record.KindOf(err) != record.KindTooLarge {
					t.Fatalf("err %v, want %v (kind too_large)", err, tc.wantErr)
				}
				if after := uploadFiles(t, dir); len(after) != len(before) {
					t.Fatalf("partial file left: %v", after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(in.Path)
			if err != nil {
				t.Fatal(err)
			}
			if in.Name != "a.pdf" || filepath.Dir(in.Path) != filepath.Join(m.opt.Dir, uploadsDir) || int64(len(got)) != int64(tc.r().Len()) {
				t.Fatalf("spooled %+v with %d bytes", in, len(got))
			}
			if fi, _ := os.Stat(in.Path); fi.Mode().Perm() != 0o600 {
				t.Fatalf("spooled file mode %v", fi.Mode())
			}
		})
	}
	t.Run("reader fails", func(t *testing.T) {
		before := uploadFiles(t, dir)
		broken := iotest.ErrReader(errors.New("client went away"))
		if _, err := m.SpoolUpload("b.pdf", broken, 100); err == nil || !strings.Contains(err.Error(), "client went away") {
			t.Fatalf("err %v", err)
		}
		if after := uploadFiles(t, dir); len(after) != len(before) {
			t.Fatalf("partial file left: %v", after)
		}
	})
}

// TestUploadsRun submits spooled uploads: records carry the client's file
// names, never the spool path; an upload not submitted can be discarded,
// a submitted one cannot.
func TestUploadsRun(t *testing.T) {
	good := pdfs(t, 1)
	data, _ := os.ReadFile(good[0].Path)
	dir := t.TempDir()
	m := open(t, Options{Dir: dir}, newProc())
	u1, err := m.SpoolUpload("report.pdf", bytes.NewReader(data), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	u2, err := m.SpoolUpload("notes.txt", strings.NewReader("not a pdf at all"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	u3, err := m.SpoolUpload("never.pdf", bytes.NewReader(data), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	job, err := m.Submit([]Input{u1, u2})
	if err != nil {
		t.Fatal(err)
	}
	waitFinal(t, m, job.ID)
	recs := results(t, m, job.ID)
	checkComplete(t, recs, []Input{u1, u2})
	if recs[0].Error != nil || recs[1].Error == nil || recs[1].Error.Kind != record.KindInvalidPDF {
		t.Fatalf("records %+v / %+v", recs[0].Error, recs[1].Error)
	}
	if strings.Contains(recs[1].Error.Message, dir) {
		t.Fatalf("error message shows the spool path: %s", recs[1].Error.Message)
	}
	if err := m.DiscardUpload(u1); err == nil {
		t.Fatal("discarded an upload that belongs to a job")
	}
	if err := m.DiscardUpload(u3); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(u3.Path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("discarded upload still there: %v", err)
	}
	if _, err := m.Submit([]Input{u1}); err == nil {
		t.Fatal("an upload was submitted with two jobs")
	}
}

// TestRetention: finished jobs older than the retention go, with their
// records and uploads; uploads nobody submitted go too; live jobs stay.
func TestRetention(t *testing.T) {
	good := pdfs(t, 1)
	data, _ := os.ReadFile(good[0].Path)
	dir := t.TempDir()
	g := &gate{inner: newProc(), block: func(i int) bool { return i == 1 }}
	m := open(t, Options{Dir: dir, Retention: time.Hour, Workers: 2}, g)
	up, _ := m.SpoolUpload("up.pdf", bytes.NewReader(data), 1<<20)
	pending, _ := m.SpoolUpload("pending.pdf", bytes.NewReader(data), 1<<20)
	done, _ := m.Submit([]Input{up})
	live, _ := m.Submit([]Input{good[0], good[0]}) // index 1 blocks: stays running
	waitFinal(t, m, done.ID)
	waitFor(t, m, live.ID, "running", func(j Job) bool { return j.State == StateRunning })

	m.sweep(time.Now())
	if _, err := m.Get(done.ID); err != nil {
		t.Fatalf("a fresh job was deleted: %v", err)
	}
	if got := uploadFiles(t, dir); len(got) != 2 {
		t.Fatalf("uploads %v, want the submitted and the pending one", got)
	}

	m.sweep(time.Now().Add(2 * time.Hour))
	if _, err := m.Get(done.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired job: %v", err)
	}
	if _, err := m.Get(live.ID); err != nil {
		t.Fatalf("a running job was deleted: %v", err)
	}
	if got := uploadFiles(t, dir); len(got) != 0 {
		t.Fatalf("uploads left: %v", got)
	}
	if _, err := os.Stat(pending.Path); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("an upload never submitted outlived the retention")
	}
	err := m.view(func(tx *bolt.Tx) error {
		if inputsOf(tx, done.ID) != nil || recordsOf(tx, done.ID) != nil || tx.Bucket(bucketUploads).Stats().KeyN != 0 {
			return errors.New("inputs, records or upload rows of the expired job are left")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Counts(); c[StateSucceeded] != 0 || c[StateRunning] != 1 {
		t.Fatalf("Counts %v", c)
	}
	if got := testutil.ToFloat64(m.metrics.jobs.WithLabelValues(string(StateSucceeded))); got != 0 {
		t.Fatalf("gauge succeeded %v after expiry", got)
	}
}

// TestRetentionAtOpenAndPeriodic: expiry runs when the store is opened
// (orphan uploads from before go too) and then on a timer.
func TestRetentionAtOpenAndPeriodic(t *testing.T) {
	good := pdfs(t, 1)
	data, _ := os.ReadFile(good[0].Path)
	dir := t.TempDir()

	m := open(t, Options{Dir: dir, Retention: time.Hour}, newProc())
	up, _ := m.SpoolUpload("up.pdf", bytes.NewReader(data), 1<<20)
	m.SpoolUpload("orphan.pdf", bytes.NewReader(data), 1<<20)
	old, _ := m.Submit([]Input{up})
	waitFinal(t, m, old.ID)
	if err := m.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	time.Sleep(20 * time.Millisecond)
	m2 := open(t, Options{Dir: dir, Retention: 10 * time.Millisecond}, newProc())
	if _, err := m2.Get(old.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired job at Open: %v", err)
	}
	if got := uploadFiles(t, dir); len(got) != 0 {
		t.Fatalf("uploads left at Open: %v", got)
	}

	// Periodic: a job finishing now is gone a little later.
	j, _ := m2.Submit(good)
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := m2.Get(j.ID)
		if errors.Is(err, ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job not expired by the janitor: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestClosed: after Shutdown every call says so.
func TestClosed(t *testing.T) {
	m := open(t, Options{Dir: t.TempDir()}, newProc())
	if err := m.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := m.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	checks := map[string]error{}
	_, checks["Submit"] = m.Submit([]Input{{Path: "x.pdf"}})
	_, checks["Get"] = m.Get("x")
	_, checks["List"] = m.List(1)
	_, checks["Cancel"] = m.Cancel("x")
	_, checks["SpoolUpload"] = m.SpoolUpload("x", strings.NewReader("x"), 10)
	checks["Results"] = m.Results(context.Background(), "x", func([]byte) error { return nil })
	for name, err := range checks {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Shutdown: %v, want ErrClosed", name, err)
		}
	}
}

// TestResultsStopsOnCallerError: a failing writer (a client gone) stops
// the stream with its error.
func TestResultsStopsOnCallerError(t *testing.T) {
	inputs := pdfs(t, 3)
	m := open(t, Options{Dir: t.TempDir()}, newProc())
	job, _ := m.Submit(inputs)
	waitFinal(t, m, job.ID)
	boom := errors.New("client gone")
	n := 0
	err := m.Results(context.Background(), job.ID, func([]byte) error { n++; return boom })
	if !errors.Is(err, boom) || n != 1 {
		t.Fatalf("err %v after %d lines", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Results(ctx, job.ID, func([]byte) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Results: %v", err)
	}
}

func TestOpenValidates(t *testing.T) {
	for name, tc := range map[string]struct {
		opt  Options
		proc Processor
	}{
		"no dir":       {Options{}, newProc()},
		"no processor": {Options{Dir: t.TempDir()}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			if m, err := Open(tc.opt, tc.proc, nil, nil); err == nil {
				m.Shutdown(context.Background())
				t.Fatal("Open accepted it")
			}
		})
	}
	m, err := Open(Options{Dir: t.TempDir()}, newProc(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown(context.Background())
	if m.fileWorkers != newProc().Config().Workers || m.opt.Workers != 1 || m.opt.Retention != DefaultRetention {
		t.Fatalf("defaults: file workers %d, workers %d, retention %v", m.fileWorkers, m.opt.Workers, m.opt.Retention)
	}
}

// panicky is the real Processor, except that it panics on one input.
type panicky struct{ at int }

func (p panicky) File(ctx context.Context, src ingest.Source) record.Record {
	if src.Index == p.at {
		panic("engine bug")
	}
	return newProc().File(ctx, src)
}

// TestProcessorPanicIsARecord: a panic in the engine is an internal-error
// record for that file; the job and the server go on.
func TestProcessorPanicIsARecord(t *testing.T) {
	inputs := pdfs(t, 3)
	m := open(t, Options{Dir: t.TempDir()}, panicky{at: 1})
	job, _ := m.Submit(inputs)
	done := waitFinal(t, m, job.ID)
	recs := results(t, m, job.ID)
	checkComplete(t, recs, inputs)
	if done.State != StateSucceeded || recs[1].Error == nil || recs[1].Error.Kind != record.KindInternal {
		t.Fatalf("job %+v, record 1 error %+v", done, recs[1].Error)
	}
}
