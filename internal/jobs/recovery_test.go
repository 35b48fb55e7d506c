package jobs

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dataplus/internal/ingest"
	"dataplus/internal/record"
)

// readStore opens a store file directly, as the next process would find
// it, and returns job id as stored.
func readStore(t *testing.T, dir, id string) jobRecord {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, dbFile), 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var jr jobRecord
	if err := db.View(func(tx *bolt.Tx) error {
		jr, err = getJob(tx, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return jr
}

// TestCrashRecovery kills a job mid-run: the first manager is never shut
// down; its store file, copied while the job has files in flight (one of
// them an early one, so the stored records have a gap), is what a killed
// process leaves. The reopened copy must run exactly the inputs without a
// record and end with one record per input.
func TestCrashRecovery(t *testing.T) {
	const n, k = 12, 7
	inputs := pdfs(t, n)
	dir := t.TempDir()
	stuck := func(i int) bool { return i == 2 || i >= k }
	g := &gate{inner: newProc(), block: stuck}
	m := open(t, Options{Dir: dir, FileWorkers: 3}, g)
	job, err := m.Submit(inputs)
	if err != nil {
		t.Fatal(err)
	}
	// Files 0, 1, 3..6 finish; 2, 7 and 8 hang in the three workers. The
	// store is quiet from then on: nothing commits until a file returns.
	waitFor(t, m, job.ID, "records around the stuck file", func(j Job) bool { return j.Done == k-1 && g.blocked.Load() == 3 })

	// While it runs, Results gives what is stored: around the gap.
	var stored []int
	for _, r := range results(t, m, job.ID) {
		stored = append(stored, r.Index)
	}
	if want := []int{0, 1, 3, 4, 5, 6}; !slices.Equal(stored, want) {
		t.Fatalf("records stored before the crash: %v, want %v", stored, want)
	}

	crashed := filepath.Join(t.TempDir(), "after-crash")
	copyFile(t, filepath.Join(dir, dbFile), filepath.Join(crashed, dbFile))
	if jr := readStore(t, crashed, job.ID); jr.State != StateRunning || jr.Done != k-1 || jr.Resume.Interrupted {
		t.Fatalf("crashed store holds %+v", jr)
	}

	g2 := &gate{inner: newProc()}
	m2 := open(t, Options{Dir: crashed, FileWorkers: 3}, g2)
	done := waitFinal(t, m2, job.ID)
	if done.State != StateSucceeded || done.Done != n || done.Total != n {
		t.Fatalf("resumed job %+v", done)
	}
	checkComplete(t, results(t, m2, job.ID), inputs)
	want := append([]int{2}, span(k, n)...)
	if got := g2.called(); !slices.Equal(got, want) {
		t.Fatalf("after the crash the processor ran %v, want exactly the inputs without a record %v", got, want)
	}
	if err := m2.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if jr := readStore(t, crashed, job.ID); jr.Resume.Crashes != 1 {
		t.Fatalf("crash count %d, want 1", jr.Resume.Crashes)
	}
}

// TestCrashLoopFails: a job during which the process dies again and again
// without a file finishing ends failed, naming the suspect input, instead
// of taking the server down forever.
func TestCrashLoopFails(t *testing.T) {
	inputs := pdfs(t, 2)
	dir := t.TempDir()
	hang := func(int) bool { return true }
	g := &gate{inner: newProc(), block: hang}
	m := open(t, Options{Dir: dir, FileWorkers: 1}, g)
	job, _ := m.Submit(inputs)
	waitUntil(t, "the file in flight", func() bool { return g.blocked.Load() == 1 })

	for crash := 1; crash <= maxCrashes; crash++ {
		next := filepath.Join(t.TempDir(), "crash")
		copyFile(t, filepath.Join(dir, dbFile), filepath.Join(next, dbFile))
		dir = next
		g = &gate{inner: newProc(), block: hang}
		m = open(t, Options{Dir: dir, FileWorkers: 1}, g)
		if crash < maxCrashes {
			waitUntil(t, "the resumed file in flight", func() bool { return g.blocked.Load() == 1 })
			continue
		}
		j, err := m.Get(job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.State != StateFailed || !strings.Contains(j.Error, "input 0 ("+inputs[0].Name+")") {
			t.Fatalf("after %d crashes: %+v", crash, j)
		}
		if len(g.called()) != 0 {
			t.Fatalf("a failed job ran files: %v", g.called())
		}
	}
}

// TestShutdownAbandonsThenResumes: Shutdown whose context ends while files
// hang abandons them; the job stays running in the store and the next
// Open runs exactly the inputs without a record.
func TestShutdownAbandonsThenResumes(t *testing.T) {
	const n, k = 8, 4
	inputs := pdfs(t, n)
	dir := t.TempDir()
	g := &gate{inner: newProc(), block: func(i int) bool { return i >= k }}
	m := open(t, Options{Dir: dir, FileWorkers: 2}, g)
	job, _ := m.Submit(inputs)
	waitFor(t, m, job.ID, "k records", func(j Job) bool { return j.Done == k && g.blocked.Load() == 2 })

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := m.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with hung files: %v", err)
	}
	if _, err := m.Submit(inputs); !errors.Is(err, ErrClosed) {
		t.Fatalf("Submit after Shutdown: %v", err)
	}
	if jr := readStore(t, dir, job.ID); jr.State != StateRunning || jr.Done != k || !jr.Resume.Interrupted {
		t.Fatalf("store after Shutdown: %+v", jr)
	}

	g2 := &gate{inner: newProc()}
	m2 := open(t, Options{Dir: dir, FileWorkers: 2}, g2)
	done := waitFinal(t, m2, job.ID)
	if done.State != StateSucceeded || done.Done != n {
		t.Fatalf("resumed job %+v", done)
	}
	checkComplete(t, results(t, m2, job.ID), inputs)
	if got := g2.called(); !slices.Equal(got, span(k, n)) {
		t.Fatalf("after restart the processor ran %v, want %v", got, span(k, n))
	}
	if jr := readStoreAfter(t, m2, job.ID); jr.Resume.Crashes != 0 {
		t.Fatalf("a shutdown was counted as a crash: %+v", jr.Resume)
	}
}

func readStoreAfter(t *testing.T, m *Manager, id string) jobRecord {
	t.Helper()
	var jr jobRecord
	if err := m.view(func(tx *bolt.Tx) error {
		var err error
		jr, err = getJob(tx, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return jr
}

// slow is the real Processor, slowed down so that Shutdown catches files
// in flight.
type slow struct{ g *gate }

func (s slow) File(ctx context.Context, src ingest.Source) record.Record {
	time.Sleep(100 * time.Millisecond)
	return s.g.File(ctx, src)
}

// TestGracefulShutdownResumes: a Shutdown with time to spare lets the
// files in flight finish and store their records, starts no more, and the
// next Open runs the rest: every input runs exactly once over both lives.
func TestGracefulShutdownResumes(t *testing.T) {
	const n = 6
	inputs := pdfs(t, n)
	dir := t.TempDir()
	g := &gate{inner: newProc()}
	m := open(t, Options{Dir: dir, FileWorkers: 2}, slow{g})
	job, _ := m.Submit(inputs)
	waitFor(t, m, job.ID, "a first record", func(j Job) bool { return j.Done >= 1 })
	if err := m.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	first := g.called()
	jr := readStore(t, dir, job.ID)
	if jr.State != StateRunning || !jr.Resume.Interrupted || jr.Done != len(first) || jr.Done >= n {
		t.Fatalf("store after a graceful Shutdown: %+v; first life ran %v", jr, first)
	}

	g2 := &gate{inner: newProc()}
	m2 := open(t, Options{Dir: dir, FileWorkers: 2}, g2)
	if done := waitFinal(t, m2, job.ID); done.State != StateSucceeded || done.Done != n {
		t.Fatalf("resumed job %+v", done)
	}
	checkComplete(t, results(t, m2, job.ID), inputs)
	if all := slices.Sorted(slices.Values(append(first, g2.called()...))); !slices.Equal(all, span(0, n)) {
		t.Fatalf("files run over both lives: %v", all)
	}
}

// TestResumeWithLostInputs restarts with jobs whose inputs are gone: an
// upload deleted from disk is a not_found record in a job that succeeds;
// an input list gone from the store fails its job with a reason.
func TestResumeWithLostInputs(t *testing.T) {
	good := pdfs(t, 1)
	data, _ := os.ReadFile(good[0].Path)
	dir := t.TempDir()
	g := &gate{inner: newProc(), block: func(int) bool { return true }}
	m := open(t, Options{Dir: dir, Workers: 1, FileWorkers: 1}, g)
	first, _ := m.Submit(good) // occupies the only runner
	waitUntil(t, "the first job's file in flight", func() bool { return g.blocked.Load() == 1 })
	up, err := m.SpoolUpload("upload.pdf", bytes.NewReader(data), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	withUpload, _ := m.Submit([]Input{up, good[0]})
	lostList, _ := m.Submit(good)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	m.Shutdown(ctx)

	if err := os.Remove(up.Path); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(dir, dbFile), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketInputs).DeleteBucket([]byte(lostList.ID)) }); err != nil {
		t.Fatal(err)
	}
	db.Close()

	m2 := open(t, Options{Dir: dir, Workers: 1, FileWorkers: 1}, newProc())
	if j := waitFinal(t, m2, first.ID); j.State != StateSucceeded {
		t.Fatalf("first job %+v", j)
	}
	j := waitFinal(t, m2, withUpload.ID)
	recs := results(t, m2, withUpload.ID)
	if j.State != StateSucceeded || j.Errors != 1 || len(recs) != 2 {
		t.Fatalf("job with a deleted upload: %+v, %d records", j, len(recs))
	}
	if recs[0].Path != "upload.pdf" || recs[0].Error == nil || recs[0].Error.Kind != record.KindNotFound || recs[1].Error != nil {
		t.Fatalf("records %+v %+v", recs[0], recs[1].Error)
	}
	if j := waitFinal(t, m2, lostList.ID); j.State != StateFailed || !strings.Contains(j.Error, "input list is missing") {
		t.Fatalf("job without its input list: %+v", j)
	}
}
