package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"dataplus/internal/ingest"
	"dataplus/internal/pipeline"
	"dataplus/internal/record"
)

// Input is one file of a job: a data-root file or a spooled upload.
type Input struct {
	// Name is what the record's path says (the client's name for the
	// file); empty means Path.
	Name string `json:"name,omitempty"`
	// Path is the file on disk that is processed.
	Path string `json:"path"`
}

// State is where a job is in its life.
type State string

// The job states. queued and running are live; the others are final.
const (
	StateQueued    State = "queued"
	StateRunning   State = "running"
	StateSucceeded State = "succeeded" // every input has a record (some may be error records)
	StateFailed    State = "failed"    // the job could not make progress; Job.Error says why
	StateCanceled  State = "canceled"
)

// States lists every state, for gauges and counts.
var States = []State{StateQueued, StateRunning, StateSucceeded, StateFailed, StateCanceled}

// Final reports whether s is a state a job never leaves.
func (s State) Final() bool {
	return s == StateSucceeded || s == StateFailed || s == StateCanceled
}

// Job is a job's state and progress, as stored and as the API shows it.
type Job struct {
	ID       string    `json:"id"`
	State    State     `json:"state"`
	Created  time.Time `json:"created"`
	Started  time.Time `json:"started,omitzero"`  // first start; kept across resumes
	Finished time.Time `json:"finished,omitzero"` // when it reached a final state
	Total    int       `json:"total"`             // inputs
	Done     int       `json:"done"`              // inputs with a stored record
	Errors   int       `json:"errors"`            // stored records with an error kind
	Error    string    `json:"error,omitempty"`   // why a failed job failed
	// Options are the caller's request options (SubmitWith), stored and
	// returned verbatim but not interpreted here. After a round trip
	// through the store, numbers are float64 (encoding/json).
	Options map[string]any `json:"options,omitempty"`
}

// Processor turns one input into one record; *pipeline.Processor is one.
// It must always return a record, and return promptly once ctx is done.
type Processor interface {
	File(ctx context.Context, src ingest.Source) record.Record
}

// Options configure a Manager. The zero value of every field but Dir is
// usable.
type Options struct {
	// Dir holds jobs.db and the uploads/ spool; it is created if missing.
	Dir string
	// Workers is how many jobs run at once (<= 0: 1).
	Workers int
	// FileWorkers is how many files of one job are processed at once
	// (<= 0: the Processor's pipeline workers when it is a
	// *pipeline.Processor, else 1).
	FileWorkers int
	// Retention is how long a finished job and its uploads are kept
	// after it finished (<= 0: DefaultRetention).
	Retention time.Duration
}

// DefaultRetention is the retention when Options.Retention is not set.
const DefaultRetention = 24 * time.Hour

// DefaultListLimit is how many jobs List returns when asked for <= 0.
const DefaultListLimit = 100

// Errors the server maps to status codes.
var (
	ErrNotFound = errors.New("job not found")
	ErrClosed   = errors.New("job manager is shut down")
	ErrNoInputs = errors.New("job has no inputs")
)

// lockTimeout bounds the wait for the store's file lock, so a second
// process on the same Dir fails with a message instead of hanging.
const lockTimeout = 3 * time.Second

// Manager owns the store and the goroutines that run jobs. It is safe for
// concurrent use.
type Manager struct {
	opt         Options
	fileWorkers int
	proc        Processor
	log         *slog.Logger
	metrics     *metrics
	db          *bolt.DB
	uploads     string // Dir/uploads

	// hard is the parent of every running job's context; it is cancelled
	// when Shutdown's context ends, abandoning the files in flight.
	hard       context.Context
	hardCancel context.CancelFunc
	quit       chan struct{} // closed when Shutdown starts: start nothing new
	kick       chan struct{} // a job was queued
	closed     chan struct{} // closed when Shutdown has finished
	wg         sync.WaitGroup

	// states is held across a state change's store write and its count
	// update, and by Counts, so Counts never lags behind what Get shows
	// (a client that saw its job start must not be refused as queued).
	states sync.Mutex

	mu       sync.Mutex
	closing  bool
	queue    []string                      // queued job ids, oldest first
	running  map[string]context.CancelFunc // running jobs in this process
	counts   map[State]int                 // jobs in the store by state
	spooling map[string]time.Time          // uploads spooled but not yet submitted
}

// Open opens (or creates) the store in opt.Dir, deletes expired jobs,
// resumes jobs found running (from the inputs that have no stored record),
// queues the queued ones, and starts the runners. log may be nil; reg may
// be nil (metrics are then kept but not registered).
func Open(opt Options, proc Processor, log *slog.Logger, reg prometheus.Registerer) (*Manager, error) {
	if opt.Dir == "" {
		return nil, errors.New("jobs: open: Options.Dir is empty")
	}
	if proc == nil {
		return nil, errors.New("jobs: open: nil Processor")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opt.Workers <= 0 {
		opt.Workers = 1
	}
	if opt.Retention <= 0 {
		opt.Retention = DefaultRetention
	}
	fileWorkers := opt.FileWorkers
	if fileWorkers <= 0 {
		fileWorkers = 1
		if p, ok := proc.(interface{ Config() pipeline.Config }); ok && p.Config().Workers > 0 {
			fileWorkers = p.Config().Workers
		}
	}
	dir, err := filepath.Abs(opt.Dir)
	if err != nil {
		return nil, fmt.Errorf("jobs: open: %w", err)
	}
	opt.Dir = dir
	uploads := filepath.Join(dir, uploadsDir)
	if err := os.MkdirAll(uploads, 0o750); err != nil {
		return nil, fmt.Errorf("jobs: open: %w", err)
	}
	path := filepath.Join(opt.Dir, dbFile)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("jobs: open %s: locked by another process (another server on the same store?): %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: open %s: %w", path, err)
	}
	hard, hardCancel := context.WithCancel(context.Background())
	m := &Manager{
		opt:         opt,
		fileWorkers: fileWorkers,
		proc:        proc,
		log:         log,
		metrics:     newMetrics(reg),
		db:          db,
		uploads:     uploads,
		hard:        hard,
		hardCancel:  hardCancel,
		quit:        make(chan struct{}),
		kick:        make(chan struct{}, 1),
		closed:      make(chan struct{}),
		running:     map[string]context.CancelFunc{},
		counts:      map[State]int{},
		spooling:    map[string]time.Time{},
	}
	if err := m.load(); err != nil {
		hardCancel()
		db.Close()
		m.metrics.unregister(reg) // so that a retry can register them again
		return nil, fmt.Errorf("jobs: open: %w", err)
	}
	m.sweep(time.Now())
	m.wg.Go(m.schedule)
	m.wg.Go(m.janitor)
	return m, nil
}

// Submit stores a new queued job for inputs and returns it once it is on
// disk (fsync'd). The job runs when a runner is free.
func (m *Manager) Submit(inputs []Input) (Job, error) { return m.SubmitWith(inputs, nil) }

// SubmitWith is Submit with the caller's request options, which are
// stored with the job and returned in Job.Options.
func (m *Manager) SubmitWith(inputs []Input, options map[string]any) (Job, error) {
	if len(inputs) == 0 {
		return Job{}, fmt.Errorf("jobs: submit: %w", ErrNoInputs)
	}
	if m.quitting() {
		return Job{}, fmt.Errorf("jobs: submit: %w", ErrClosed)
	}
	stored, spooled := m.storedInputs(inputs)
	// Spooled uploads must be on disk before the job that names them
	// (SpoolUpload synced their contents; this syncs their names).
	if len(spooled) > 0 {
		if err := syncDir(m.uploads); err != nil {
			return Job{}, fmt.Errorf("jobs: submit: %w", err)
		}
	}
	now := time.Now() // one instant for both, so List's id order is creation order
	job := Job{
		ID:      newID(now),
		State:   StateQueued,
		Created: now.UTC(),
		Total:   len(inputs),
		Options: options,
	}
	m.states.Lock()
	if err := m.update(func(tx *bolt.Tx) error { return putNewJob(tx, job, stored) }); err != nil {
		m.states.Unlock()
		return Job{}, fmt.Errorf("jobs: submit: %w", err)
	}
	m.mu.Lock()
	for _, name := range spooled {
		delete(m.spooling, name) // the store refers to it now
	}
	m.queue = append(m.queue, job.ID)
	m.mu.Unlock()
	m.moved("", StateQueued, job)
	m.states.Unlock()
	m.poke()
	m.log.Info("job submitted", "job", job.ID, "inputs", len(inputs), "uploads", len(spooled))
	return job, nil
}

// Get returns the job with id, or ErrNotFound.
func (m *Manager) Get(id string) (Job, error) {
	var job Job
	err := m.view(func(tx *bolt.Tx) error {
		jr, err := getJob(tx, id)
		job = jr.Job
		return err
	})
	if err != nil {
		return Job{}, fmt.Errorf("jobs: get %s: %w", id, err)
	}
	return job, nil
}

// List returns up to limit jobs, newest first (limit <= 0:
// DefaultListLimit).
func (m *Manager) List(limit int) ([]Job, error) {
	if limit <= 0 {
		limit = DefaultListLimit
	}
	var out []Job
	err := m.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketJobs).Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			jr, err := decodeJob(k, v)
			if err != nil {
				m.log.Error("unreadable job in the store; not listed", "job", string(k), "err", err)
				continue
			}
			out = append(out, jr.Job)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: list: %w", err)
	}
	return out, nil
}

// resultsChunk bounds how many records Results copies out of one read
// transaction: the callback (a slow client, say) never runs inside one.
const resultsChunk = 64

// Results calls fn with the JSON of each stored record of job id, in
// input order. While the job runs it gives what is stored so far: files
// still in flight have no record yet (each line carries its "index").
// The slice is fn's to keep. It stops at fn's first error or when ctx is
// done, and returns that error.
func (m *Manager) Results(ctx context.Context, id string, fn func(line []byte) error) error {
	if err := m.view(func(tx *bolt.Tx) error { _, err := getJob(tx, id); return err }); err != nil {
		return fmt.Errorf("jobs: results %s: %w", id, err)
	}
	next := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var lines [][]byte
		err := m.view(func(tx *bolt.Tx) error {
			b := recordsOf(tx, id)
			if b == nil {
				return nil
			}
			c := b.Cursor()
			for k, v := c.Seek(indexKey(next)); k != nil && len(lines) < resultsChunk; k, v = c.Next() {
				lines = append(lines, append([]byte(nil), v...))
				i, err := parseIndexKey(k)
				if err != nil {
					return err
				}
				next = i + 1
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("jobs: results %s: %w", id, err)
		}
		for _, l := range lines {
			if err := fn(l); err != nil {
				return err
			}
		}
		if len(lines) < resultsChunk {
			return nil
		}
	}
}

// Cancel stops job id: a queued job never starts, a running one stops its
// files at once. The records stored so far are kept. Cancelling a
// finished job changes nothing and returns it as it is.
func (m *Manager) Cancel(id string) (Job, error) {
	var (
		job  Job
		from State
	)
	m.states.Lock()
	err := m.update(func(tx *bolt.Tx) error {
		jr, err := getJob(tx, id)
		if err != nil {
			return err
		}
		job, from = jr.Job, jr.State
		if from.Final() {
			return nil
		}
		jr.State, jr.Finished = StateCanceled, time.Now().UTC()
		job = jr.Job
		return putJob(tx, jr)
	})
	if err == nil && !from.Final() {
		m.moved(from, StateCanceled, job)
	}
	m.states.Unlock()
	if err != nil {
		return Job{}, fmt.Errorf("jobs: cancel %s: %w", id, err)
	}
	if from.Final() {
		return job, nil
	}
	m.mu.Lock()
	if stop := m.running[id]; stop != nil {
		stop()
	}
	m.mu.Unlock()
	m.log.Info("job canceled", "job", id, "done", job.Done, "total", job.Total)
	return job, nil
}

// Counts returns how many jobs the store holds in each state (every state
// is present).
func (m *Manager) Counts() map[State]int {
	m.states.Lock()
	defer m.states.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[State]int, len(States))
	for _, s := range States {
		out[s] = m.counts[s]
	}
	return out
}

// Shutdown stops starting jobs and files, lets the files in flight finish
// until ctx ends (then abandons them: they run again at the next Open),
// waits for every goroutine and closes the store. Unfinished jobs stay
// "running" or "queued" in the store. It returns an error wrapping ctx's
// when files had to be abandoned. Later calls wait for the first and
// return nil.
func (m *Manager) Shutdown(ctx context.Context) error {
	m.mu.Lock()
	if m.closing {
		m.mu.Unlock()
		<-m.closed
		return nil
	}
	m.closing = true
	close(m.quit)
	m.mu.Unlock()

	done := make(chan struct{})
	go func() { // owned here: Shutdown returns only after done is closed
		m.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		m.hardCancel()
		<-done
		err = fmt.Errorf("jobs: shutdown: files in flight abandoned (they run again at the next start): %w", ctx.Err())
	}
	m.hardCancel()
	if cerr := m.db.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("jobs: shutdown: close store: %w", cerr))
	}
	close(m.closed)
	m.log.Info("job manager shut down")
	return err
}

// poke wakes the scheduler without blocking.
func (m *Manager) poke() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// moved accounts for a committed state change of job (from "" for a new
// job, to "" for a deleted one) in the counts, the gauge and the
// duration histogram.
func (m *Manager) moved(from, to State, job Job) {
	m.mu.Lock()
	if from != "" {
		m.counts[from]--
	}
	if to != "" {
		m.counts[to]++
	}
	for _, s := range []State{from, to} {
		if s != "" {
			m.metrics.jobs.WithLabelValues(string(s)).Set(float64(m.counts[s]))
		}
	}
	m.mu.Unlock()
	if to.Final() && from != "" && !job.Finished.IsZero() {
		m.metrics.duration.WithLabelValues(string(to)).Observe(job.Finished.Sub(job.Created).Seconds())
	}
}

// quitting reports whether Shutdown has started.
func (m *Manager) quitting() bool {
	select {
	case <-m.quit:
		return true
	default:
		return false
	}
}
