package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"dataplus/internal/ingest"
	"dataplus/internal/inspect"
	"dataplus/internal/pdf"
	"dataplus/internal/record"
	"dataplus/internal/route"
)

// Config is the pipeline's part of the dataplus configuration.
type Config struct {
	Workers      int             `json:"workers"`        // files processed at once
	Timeout      time.Duration   `json:"timeout"`        // per file, read to route
	MaxFileBytes int64           `json:"max_file_bytes"` // larger files are too_large without being read
	Password     string          `json:"-"`              // tried on encrypted files after the empty one
	Limits       pdf.Limits      `json:"limits"`
	Inspect      inspect.Options `json:"inspect"`
	Route        route.Config    `json:"route"`

	// Fallback, when set, reads files the pure-Go reader cannot open
	// (invalid or unsupported), and the record names the engine that
	// answered.
	Fallback Reader `json:"-"`
	// Features, when set, computes deep features after routing, within
	// FeatureTimeout more than Timeout.
	Features       Featurizer    `json:"-"`
	FeatureTimeout time.Duration `json:"feature_timeout"`
}

// Reader is a second engine for files the pure-Go reader cannot open. On
// success it fills the record (metadata, pages, routes, engine) and
// clears its error.
type Reader interface {
	Read(ctx context.Context, data []byte, password string, rec *record.Record) error
}

// Featurizer computes a routed record's deep features and records them,
// or why they failed, in rec.Features.
type Featurizer interface {
	Document(ctx context.Context, data []byte, password string, rec *record.Record) error
}

// DefaultConfig returns the defaults: one worker per core is set by the
// command, which knows the machine.
func DefaultConfig() Config {
	return Config{
		Workers:        2,
		Timeout:        30 * time.Second,
		FeatureTimeout: 5 * time.Minute,
		MaxFileBytes:   512 << 20,
		Limits:         pdf.DefaultLimits(),
		Route:          route.DefaultConfig(),
	}
}

// Validate checks the values a user can get wrong.
func (c Config) Validate() error {
	switch {
	case c.Workers < 1:
		return fmt.Errorf("pipeline: workers must be at least 1, got %d", c.Workers)
	case c.Timeout <= 0:
		return fmt.Errorf("pipeline: timeout must be positive, got %s", c.Timeout)
	case c.Features != nil && c.FeatureTimeout <= 0:
		return fmt.Errorf("pipeline: feature timeout must be positive, got %s", c.FeatureTimeout)
	case c.MaxFileBytes <= 0:
		return fmt.Errorf("pipeline: max_file_bytes must be positive, got %d", c.MaxFileBytes)
	}
	return c.Route.Validate()
}

// abandonGrace is how long past its deadline a file's work may run before
// the worker stops waiting for it and records a timeout. The reader checks
// its context often, so this only matters for a stuck call.
const abandonGrace = 2 * time.Second

// Processor turns one source into one record. It is safe for concurrent use.
type Processor struct {
	cfg     Config
	log     *slog.Logger
	metrics *Metrics
	// slots bounds the files worked on at once across every caller of this
	// Processor (the CLI's workers, concurrent HTTP requests, jobs): a file
	// waits for a free core instead of sharing two cores fifteen ways. With
	// 32 concurrent clients that took the server's p99 from about 480 ms to
	// about 220 ms at the same throughput (docs/performance.md).
	slots chan struct{}
}

// NewProcessor returns a Processor; cfg must have passed Validate. log and
// metrics may be nil.
func NewProcessor(cfg Config, log *slog.Logger, metrics *Metrics) *Processor {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Processor{cfg: cfg, log: log, metrics: metrics, slots: make(chan struct{}, max(cfg.Workers, 1))}
}

// acquire waits for a free slot, in arrival order; it fails only when ctx
// ends first.
func (p *Processor) acquire(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	default:
	}
	p.metrics.wait(1)
	defer p.metrics.wait(-1)
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for a worker: %w", ctx.Err())
	}
}

func (p *Processor) release() { <-p.slots }

// Config returns the configuration the Processor runs with.
func (p *Processor) Config() Config { return p.cfg }

// File reads and processes the file src names. It always returns a record.
func (p *Processor) File(ctx context.Context, src ingest.Source) record.Record {
	var pre error
	if src.Err != nil {
		pre = fmt.Errorf("open %s: %w: %w", src.Path, record.ErrNotFound, src.Err)
	}
	return p.work(ctx, record.Record{Index: src.Index, Path: src.Path}, pre, func(rec *record.Record) {
		start := time.Now()
		data, err := p.read(src, rec)
		rec.Timings.Read = ms(time.Since(start))
		if err != nil {
			rec.Error = record.NewError(err)
			return
		}
		p.bytes(ctx, data, rec)
	})
}

// Bytes processes a file already in memory (an upload). name is what the
// record's path says.
func (p *Processor) Bytes(ctx context.Context, index int, name string, data []byte) record.Record {
	var pre error
	if int64(len(data)) > p.cfg.MaxFileBytes {
		pre = fmt.Errorf("%s is %d bytes, limit %d: %w", name, len(data), p.cfg.MaxFileBytes, record.ErrTooLarge)
	}
	return p.work(ctx, record.Record{Index: index, Path: name, Size: int64(len(data))}, pre, func(rec *record.Record) {
		start := time.Now()
		sum := sha256.Sum256(data)
		rec.SHA256 = hex.EncodeToString(sum[:])
		rec.Timings.Read = ms(time.Since(start))
		p.bytes(ctx, data, rec)
	})
}

// work runs fn on rec in a worker slot, with the metrics around it. A
// record that failed before it needed a slot (pre), or whose context ended
// while it waited for one, is counted and returned as it is.
func (p *Processor) work(ctx context.Context, rec record.Record, pre error, fn func(*record.Record)) record.Record {
	if pre == nil {
		if pre = p.acquire(ctx); pre == nil {
			defer p.release()
		}
	}
	if pre != nil {
		rec.Error = record.NewError(pre)
		p.metrics.skipped(&rec)
		return rec
	}
	p.metrics.begin()
	start := time.Now()
	fn(&rec)
	rec.Timings.Total = ms(time.Since(start))
	p.metrics.observe(&rec)
	return rec
}

func (p *Processor) read(src ingest.Source, rec *record.Record) ([]byte, error) {
	path := src.Path
	open := src.Open
	if open == nil {
		open = func() (*os.File, error) { return os.Open(path) }
	}
	f, err := open()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w: %w", path, record.ErrNotFound, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w: %w", path, record.ErrNotFound, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file: %w", path, record.ErrNotFound)
	}
	rec.Size = info.Size()
	if info.Size() > p.cfg.MaxFileBytes {
		return nil, fmt.Errorf("%s is %d bytes, limit %d: %w", path, info.Size(), p.cfg.MaxFileBytes, record.ErrTooLarge)
	}
	// Read exactly what Stat promised (plus one byte to notice growth), so
	// a file that grows while we read it cannot blow the limit.
	data := make([]byte, info.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, fmt.Errorf("read %s: %w: %w", path, record.ErrNotFound, err)
	}
	sum := sha256.Sum256(data)
	rec.SHA256 = hex.EncodeToString(sum[:])
	return data, nil
}

// bytes runs parse, scan and route under the per-file deadline. If the
// work overruns the deadline by more than abandonGrace, the record says
// timeout and the work is left to notice its cancelled context on its own.
func (p *Processor) bytes(ctx context.Context, data []byte, rec *record.Record) {
	timeout := p.cfg.Timeout
	if p.cfg.Features != nil {
		timeout += p.cfg.FeatureTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan record.Record, 1)
	work := *rec
	go func() {
		defer func() {
			if v := recover(); v != nil {
				p.log.Error("panic while processing a file", "doc", work.Path, "panic", v, "stack", string(debug.Stack()))
				work.Error = record.NewError(fmt.Errorf("panic: %v: %w", v, record.ErrInternal))
				done <- work
			}
		}()
		p.analyse(ctx, data, &work)
		done <- work
	}()
	select {
	case r := <-done:
		*rec = r
	case <-ctx.Done():
		select {
		case r := <-done:
			*rec = r
		case <-time.After(abandonGrace):
			p.log.Warn("file work did not stop at its deadline; abandoned", "doc", rec.Path, "timeout", timeout)
			rec.Error = record.NewError(fmt.Errorf("process %s: %w", rec.Path, ctx.Err()))
		}
	}
}

func (p *Processor) analyse(ctx context.Context, data []byte, rec *record.Record) {
	read, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	p.readAndRoute(read, data, rec)
	if rec.Error != nil || p.cfg.Features == nil {
		return
	}
	// A feature failure is the featurizer's to record (in rec.Features):
	// the metadata and routes stand. Only a featurizer that recorded
	// nothing leaves its error on the record.
	if err := p.cfg.Features.Document(ctx, data, p.cfg.Password, rec); err != nil {
		p.log.Debug("features failed", "doc", rec.Path, "err", err)
		if rec.Features == nil {
			rec.Error = record.NewError(err)
		}
	}
}

// readAndRoute reads the file with the pure-Go reader, or with the fallback
// engine when the reader cannot open it, and routes its pages.
func (p *Processor) readAndRoute(ctx context.Context, data []byte, rec *record.Record) {
	t0 := time.Now()
	doc, err := pdf.Open(ctx, data, pdf.Options{Limits: p.cfg.Limits, Password: []byte(p.cfg.Password)})
	rec.Timings.Parse = ms(time.Since(t0))
	if err != nil {
		rec.Error = record.NewError(fmt.Errorf("open pdf: %w", err))
		if p.cfg.Fallback != nil && (errors.Is(err, pdf.ErrInvalid) || errors.Is(err, pdf.ErrUnsupported)) {
			if ferr := p.cfg.Fallback.Read(ctx, data, p.cfg.Password, rec); ferr != nil {
				p.log.Debug("fallback reader failed too", "doc", rec.Path, "err", ferr)
			}
			rec.Timings.Parse = ms(time.Since(t0))
		}
		return
	}
	rec.Engine = record.EngineDataplus
	t1 := time.Now()
	res, err := inspect.Document(ctx, doc, p.cfg.Inspect)
	rec.Timings.Scan = ms(time.Since(t1))
	if err != nil {
		rec.Error = record.NewError(fmt.Errorf("inspect pdf: %w", err))
	}
	if res == nil {
		return
	}
	rec.Metadata = &res.Metadata
	if rec.Error != nil {
		// Pages of a document we could not read fully (one that needs a
		// password, say) have no facts to route; the metadata says what
		// could be known.
		return
	}
	t2 := time.Now()
	rec.Pages = make([]record.Page, len(res.Pages))
	decisions := make([]route.Decision, len(res.Pages))
	for i, pg := range res.Pages {
		decisions[i] = p.cfg.Route.Page(pg)
		rec.Pages[i] = record.Page{Page: pg, Route: decisions[i]}
	}
	rollup := p.cfg.Route.Document(decisions)
	rec.Route = &rollup
	rec.Timings.Route = ms(time.Since(t2))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
