package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"dataplus/internal/ingest"
	"dataplus/internal/record"
)

// maxCrashes is how many crash restarts in a row, with no file finishing
// between them, a job gets before it is failed: a file that kills the
// process must not crash-loop the server.
const maxCrashes = 3

// load prepares the store at Open: it creates the buckets, counts jobs
// by state, queues the live ones (running first, each group oldest
// first) and fails those that keep crashing the process.
func (m *Manager) load() error {
	var running, queued []string
	var failed []Job
	err := m.update(func(tx *bolt.Tx) error {
		if err := initBuckets(tx); err != nil {
			return err
		}
		clear(m.counts)
		var changed []jobRecord
		c := tx.Bucket(bucketJobs).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			jr, err := decodeJob(k, v)
			if err != nil {
				// Left in place for a person to look at; it cannot run.
				m.log.Error("unreadable job in the store; skipped", "job", string(k), "err", err)
				continue
			}
			switch jr.State {
			case StateRunning:
				if jr.Resume.Interrupted {
					jr.Resume.Interrupted = false
					m.log.Info("job resumes after a shutdown", "job", jr.ID, "done", jr.Done, "total", jr.Total)
				} else {
					if jr.Resume.Crashes > 0 && jr.Done == jr.Resume.LastDone {
						jr.Resume.Crashes++
					} else {
						jr.Resume.Crashes = 1
					}
					jr.Resume.LastDone = jr.Done
					m.log.Warn("job resumes after the process stopped without a shutdown", "job", jr.ID,
						"done", jr.Done, "total", jr.Total, "crashes", jr.Resume.Crashes)
				}
				if jr.Resume.Crashes >= maxCrashes {
					jr.State, jr.Finished = StateFailed, time.Now().UTC()
					jr.Error = fmt.Sprintf("the process stopped %d times while this job ran with no file finishing in between; %s may crash it",
						jr.Resume.Crashes, firstPending(tx, jr.ID))
					failed = append(failed, jr.Job)
				} else {
					running = append(running, jr.ID)
				}
				changed = append(changed, jr)
			case StateQueued:
				queued = append(queued, jr.ID)
			}
			m.counts[jr.State]++
		}
		for _, jr := range changed {
			if err := putJob(tx, jr); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, s := range States {
		m.metrics.jobs.WithLabelValues(string(s)).Set(float64(m.counts[s]))
	}
	for _, j := range failed {
		m.log.Error("job failed", "job", j.ID, "reason", j.Error)
	}
	m.queue = append(running, queued...)
	return nil
}

// firstPending names the first input of job id without a record.
func firstPending(tx *bolt.Tx, id string) string {
	in, recs := inputsOf(tx, id), recordsOf(tx, id)
	if in == nil {
		return "an input"
	}
	c := in.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if recs != nil && recs.Get(k) != nil {
			continue
		}
		var s storedInput
		_ = json.Unmarshal(v, &s)
		name := s.Name
		if name == "" {
			name = s.Path
		}
		i, _ := parseIndexKey(k)
		return fmt.Sprintf("input %d (%s)", i, name)
	}
	return "an input"
}

// schedule starts a runner for each queued job, Options.Workers at a time.
func (m *Manager) schedule() {
	slots := make(chan struct{}, m.opt.Workers)
	for {
		select {
		case slots <- struct{}{}:
		case <-m.quit:
			return
		}
		var id string
		for id == "" {
			select {
			case <-m.quit:
				return
			default:
			}
			if id = m.pop(); id == "" {
				select {
				case <-m.kick:
				case <-m.quit:
					return
				}
			}
		}
		m.wg.Go(func() {
			defer func() { <-slots }()
			m.run(id)
		})
	}
}

func (m *Manager) pop() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.queue) == 0 {
		return ""
	}
	id := m.queue[0]
	m.queue = slices.Delete(m.queue, 0, 1)
	return id
}

// item is one input on its way to a file worker.
type item struct {
	index int
	in    Input
}

// maxBatch bounds the records committed in one transaction: the records
// that finished while the previous commit was syncing.
const maxBatch = 256

type optionsKey struct{}

// OptionsOf returns the options (SubmitWith) of the job whose file a
// Processor is working on, from the context the Manager gives it; nil
// outside a job.
func OptionsOf(ctx context.Context) map[string]any {
	o, _ := ctx.Value(optionsKey{}).(map[string]any)
	return o
}

// run runs job id until every input has a record, the job is cancelled,
// or Shutdown stops it. Its goroutines are a feeder, FileWorkers workers
// and this one, which stores records; it waits for all of them.
func (m *Manager) run(id string) {
	ctx, cancel := context.WithCancel(m.hard)
	defer cancel()
	m.mu.Lock()
	m.running[id] = cancel // before the start, so a Cancel from now on reaches it
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.running, id)
		m.mu.Unlock()
	}()

	job, ok := m.start(id)
	if !ok {
		return
	}
	ctx = context.WithValue(ctx, optionsKey{}, job.Options)
	begin := time.Now()

	work := make(chan item, m.fileWorkers)
	results := make(chan stored, m.fileWorkers)
	var feedErr error
	var wg, workers sync.WaitGroup
	wg.Go(func() {
		defer close(work)
		feedErr = m.feed(ctx, id, work)
	})
	for range m.fileWorkers {
		workers.Go(func() {
			for it := range work {
				if m.quitting() {
					continue // not started: it runs after the restart
				}
				if s, ok := m.process(ctx, id, it); ok {
					results <- s
				}
			}
		})
	}
	wg.Go(func() {
		workers.Wait()
		close(results)
	})

	// Store as files finish; whatever finished during one commit goes in
	// the next. After a stop, keep draining so the workers can exit.
	var storeErr error
	stopped := false
	batch := make([]stored, 0, maxBatch)
	for s := range results {
		batch = append(batch[:0], s)
	more:
		for len(batch) < maxBatch {
			select {
			case s, ok := <-results:
				if !ok {
					break more
				}
				batch = append(batch, s)
			default:
				break more
			}
		}
		if stopped || storeErr != nil {
			continue
		}
		switch err := m.store(id, batch); {
		case errors.Is(err, errNotRunning):
			stopped = true
			cancel()
		case err != nil:
			storeErr = err
			cancel()
		}
	}
	wg.Wait()

	switch {
	case stopped:
		m.log.Info("job stopped", "job", id, "elapsed", time.Since(begin))
	case storeErr != nil:
		m.fail(id, fmt.Sprintf("store results: %v", storeErr))
	case feedErr != nil:
		m.fail(id, feedErr.Error())
	default:
		m.complete(id, begin)
	}
}

// start moves a queued job to running (a running one is resumed as it
// is) and returns it. It reports false when the job is not there to run.
func (m *Manager) start(id string) (Job, bool) {
	var (
		jr   jobRecord
		from State
	)
	m.states.Lock()
	err := m.update(func(tx *bolt.Tx) error {
		var err error
		if jr, err = getJob(tx, id); err != nil {
			return err
		}
		switch from = jr.State; from {
		case StateQueued:
			jr.State, jr.Started = StateRunning, time.Now().UTC()
			return putJob(tx, jr)
		case StateRunning:
			return nil
		default:
			return errNotRunning
		}
	})
	if err == nil && from == StateQueued {
		m.moved(StateQueued, StateRunning, jr.Job)
	}
	m.states.Unlock()
	switch {
	case errors.Is(err, errNotRunning), errors.Is(err, ErrNotFound):
		return Job{}, false // cancelled while queued, or expired
	case err != nil:
		m.fail(id, fmt.Sprintf("start: %v", err))
		return Job{}, false
	}
	m.log.Info("job started", "job", id, "total", jr.Total, "done", jr.Done)
	return jr.Job, true
}

// feedChunk is how many pending inputs the feeder reads per transaction.
const feedChunk = 256

// feed sends the inputs of job id that have no record yet, in order, until
// they run out, ctx is done or Shutdown starts. Each chunk is read in its
// own short transaction.
func (m *Manager) feed(ctx context.Context, id string, out chan<- item) error {
	next := 0
	for {
		var chunk []item
		end := false
		err := m.view(func(tx *bolt.Tx) error {
			in := inputsOf(tx, id)
			if in == nil {
				return errors.New("the job's input list is missing from the store")
			}
			recs := recordsOf(tx, id)
			c := in.Cursor()
			k, v := c.Seek(indexKey(next))
			for ; k != nil && len(chunk) < feedChunk; k, v = c.Next() {
				i, err := parseIndexKey(k)
				if err != nil {
					return fmt.Errorf("input list: %w", err)
				}
				next = i + 1
				if recs != nil && recs.Get(k) != nil {
					continue // done before a restart
				}
				var s storedInput
				if err := json.Unmarshal(v, &s); err != nil {
					return fmt.Errorf("input %d is unreadable in the store: %w", i, err)
				}
				chunk = append(chunk, item{i, s.input(m.uploads)})
			}
			end = k == nil
			return nil
		})
		if err != nil {
			return err
		}
		for _, it := range chunk {
			select {
			case <-m.quit:
				return nil
			case <-ctx.Done():
				return nil
			default:
			}
			select {
			case out <- it:
			case <-m.quit:
				return nil
			case <-ctx.Done():
				return nil
			}
		}
		if end {
			return nil
		}
	}
}

// process runs one input and encodes its record. It reports false for a
// file cut short because the job was cancelled or the manager is shutting
// down: that is not a result, and the file runs again on resume.
func (m *Manager) process(ctx context.Context, id string, it item) (stored, bool) {
	rec := m.file(ctx, id, it)
	if ctx.Err() != nil && rec.Error != nil && rec.Error.Kind == record.KindCanceled {
		return stored{}, false
	}
	line, err := json.Marshal(rec)
	if err != nil { // a NaN in some measurement, say: still one record per input
		m.log.Error("record does not encode", "job", id, "doc", rec.Path, "err", err)
		rec = record.Record{Index: rec.Index, Path: rec.Path, Size: rec.Size, SHA256: rec.SHA256,
			Error: record.NewError(fmt.Errorf("encode record: %v: %w", err, record.ErrInternal))}
		line, _ = json.Marshal(rec) // only strings and ints left
	}
	return stored{index: it.index, doc: rec.Path, line: line, err: rec.Error != nil}, true
}

// file runs the Processor on one input. A panic in the Processor is an
// internal-error record, not a dead server. The record is numbered by the
// input index and named by Input.Name, and its message does not show the
// spool path.
func (m *Manager) file(ctx context.Context, id string, it item) (rec record.Record) {
	defer func() {
		if v := recover(); v != nil {
			m.log.Error("panic while processing a file", "job", id, "doc", it.in.Path, "panic", v, "stack", string(debug.Stack()))
			rec = record.Record{Error: record.NewError(fmt.Errorf("panic: %v: %w", v, record.ErrInternal))}
		}
		rec.Index = it.index
		if name := it.in.Name; name != "" && name != it.in.Path {
			rec.Path = name
			if rec.Error != nil {
				rec.Error.Message = strings.ReplaceAll(rec.Error.Message, it.in.Path, name)
			}
		} else if rec.Path == "" {
			rec.Path = it.in.Path
		}
	}()
	return m.proc.File(ctx, ingest.Source{Index: it.index, Path: it.in.Path})
}

// store commits a batch of records of job id with its counters.
func (m *Manager) store(id string, batch []stored) error {
	start := time.Now()
	var added int
	err := m.update(func(tx *bolt.Tx) error {
		var err error
		_, added, err = putRecords(tx, id, batch)
		return err
	})
	if err != nil {
		return err
	}
	m.metrics.commit.Observe(time.Since(start).Seconds())
	m.metrics.records.Add(float64(added))
	if m.log.Enabled(context.Background(), slog.LevelDebug) { // no per-record cost otherwise
		for _, s := range batch {
			m.log.Debug("record stored", "job", id, "doc", s.doc, "index", s.index, "error", s.err)
		}
	}
	return nil
}

// complete ends a runner whose feeder ran out or stopped: succeeded when
// every input has a record; still running, to resume, when Shutdown cut
// it short.
func (m *Manager) complete(id string, begin time.Time) {
	shutting := m.quitting()
	var jr jobRecord
	var from State
	m.states.Lock()
	err := m.update(func(tx *bolt.Tx) error {
		var err error
		if jr, err = getJob(tx, id); err != nil {
			return err
		}
		if from = jr.State; from != StateRunning {
			return nil
		}
		switch {
		case jr.Done >= jr.Total:
			jr.State, jr.Finished = StateSucceeded, time.Now().UTC()
		case shutting:
			jr.Resume.Interrupted = true
		default:
			jr.State, jr.Finished = StateFailed, time.Now().UTC()
			jr.Error = fmt.Sprintf("%d of %d inputs have no record", jr.Total-jr.Done, jr.Total)
		}
		return putJob(tx, jr)
	})
	if err == nil && from == StateRunning && jr.State != StateRunning {
		m.moved(StateRunning, jr.State, jr.Job)
	}
	m.states.Unlock()
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			m.log.Error("job end not stored; it resumes at the next start", "job", id, "err", err)
		}
		return
	}
	if from != StateRunning {
		return
	}
	if jr.State == StateRunning {
		m.log.Info("job interrupted by shutdown; it resumes at the next start", "job", id, "done", jr.Done, "total", jr.Total)
		return
	}
	m.log.Info("job ended", "job", id, "state", jr.State, "done", jr.Done, "errors", jr.Errors,
		"total", jr.Total, "elapsed", time.Since(begin), "error", jr.Error)
}

// fail ends a live job as failed with reason.
func (m *Manager) fail(id, reason string) {
	var jr jobRecord
	var from State
	m.states.Lock()
	err := m.update(func(tx *bolt.Tx) error {
		var err error
		if jr, err = getJob(tx, id); err != nil {
			return err
		}
		if from = jr.State; from.Final() {
			return nil
		}
		jr.State, jr.Finished, jr.Error = StateFailed, time.Now().UTC(), reason
		return putJob(tx, jr)
	})
	if err == nil && !from.Final() {
		m.moved(from, StateFailed, jr.Job)
	}
	m.states.Unlock()
	if err != nil {
		m.log.Error("job failure not stored; it resumes at the next start", "job", id, "reason", reason, "err", err)
		return
	}
	if from.Final() {
		return
	}
	m.log.Error("job failed", "job", id, "reason", reason, "done", jr.Done, "total", jr.Total)
}
