package render

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// ErrClosed is returned by Document after Close.
var ErrClosed = errors.New("render: pool closed")

// Pool is a fixed number of PDFium instances. It is safe for concurrent
// use; each Document call has an instance to itself.
type Pool struct {
	opts    Options
	log     *slog.Logger
	wasm    pdfium.Pool
	cache   wazero.CompilationCache // nil when running without one
	memOK   bool                    // wasmMemory works with this go-pdfium
	slots   chan struct{}           // one token per instance that may be checked out
	startup time.Duration

	abandoned sync.WaitGroup // goroutines waiting for abandoned calls (Uninterruptible)

	mu     sync.Mutex
	idle   []*instance
	closed bool
	nextID int64

	live, started, recycled, kills, docs, renders, texts atomic.Int64
	maxMemory                                            atomic.Int64
}

// Stats are the pool's counters since New, for metrics.
type Stats struct {
	InstancesLive int64 // instances started and not retired
	Started       int64 // instances started, replacements included
	Recycled      int64 // instances retired after MaxDocsPerInstance, MaxInstanceMemory or a trap
	Kills         int64 // calls given up (instance killed) because they ran past CallTimeout or their context ended
	Docs          int64 // documents checked out (opened or not)
	Renders       int64 // pages rendered
	Texts         int64 // pages whose text was extracted
	MaxMemory     int64 // largest wasm memory seen on one instance, bytes
	Startup       time.Duration
}

// instance is one PDFium instance. It is owned by one goroutine at a time
// (the pool's idle list, or the Document call that checked it out). A call
// runs on a goroutine of guard's while the owner waits for it; a call given
// up in the Uninterruptible mode goes on running alone, and then nothing
// but release's waiter touches the instance (not even its memory size).
type instance struct {
	id     int64
	pdf    pdfium.Pdfium
	docs   int
	broken bool // killed or trapped: retire on release
	killed bool // a call timed out or was canceled (counted in Stats.Kills)
	// pending, when set, receives the result of a call that was given up
	// but could not be stopped (Options.Uninterruptible).
	pending <-chan error

	killOnce sync.Once
	killErr  error
}

// kill stops the instance: it cancels the wazero module's context (with
// termination checks compiled in, a running call returns) and discards the
// worker. It is safe to call more than once; later callers wait for the
// first.
func (in *instance) kill() error {
	in.killOnce.Do(func() {
		in.killErr = safeCall(func() error { return in.pdf.Kill() })
	})
	return in.killErr
}

// New compiles PDFium (or loads it from the compilation cache) and starts
// opts.Instances instances. An empty opts.CacheDir means the default
// directory. ctx bounds the start-up of the instances; wazero's compile
// step itself cannot be interrupted, so ctx is checked before and after it.
func New(ctx context.Context, opts Options, log *slog.Logger) (*Pool, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("render: start: %w", err)
	}
	begin := time.Now()
	p := &Pool{
		opts:  opts,
		log:   log,
		slots: make(chan struct{}, opts.Instances),
	}
	p.cache = openCache(&p.opts, log)

	rc := wazero.NewRuntimeConfig().
		// The bundled PDFium lowers setjmp/longjmp to wasm exception
		// handling, as go-pdfium's default config notes.
		WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling).
		// Termination checks: Kill cancels the module's context and running
		// code stops at its next loop header. They cost a trip to Go per
		// loop iteration (renders several times slower), hence the option.
		WithCloseOnContextDone(!opts.Uninterruptible)
	if p.cache != nil {
		rc = rc.WithCompilationCache(p.cache)
	}
	wasm, err := webassembly.Init(webassembly.Config{
		// Workers live as long as the pool, not as long as New's caller.
		Context:       context.WithoutCancel(ctx),
		MinIdle:       0,
		MaxIdle:       opts.Instances,
		MaxTotal:      opts.Instances,
		RuntimeConfig: rc,
		// No file system: documents are passed as bytes.
		FSConfig: wazero.NewFSConfig(),
		Stdout:   io.Discard,
		Stderr:   logWriter{log},
	})
	if err != nil {
		p.closeCache()
		return nil, fmt.Errorf("render: start pdfium: %w", err)
	}
	p.wasm = wasm

	for range opts.Instances {
		in, err := p.start(ctx)
		if err != nil {
			_ = p.Close()
			return nil, err
		}
		if in.id == 1 {
			_, p.memOK = wasmMemory(in.pdf)
			if !p.memOK {
				log.Warn("render: cannot read wasm memory size; instances are retired by document count only")
			}
		}
		p.idle = append(p.idle, in)
		p.slots <- struct{}{}
	}
	p.startup = time.Since(begin)
	log.Info("render pool ready", "instances", opts.Instances, "cache_dir", p.opts.CacheDir,
		"interruptible", !opts.Uninterruptible, "seconds", p.startup.Seconds())
	return p, nil
}

// openCache opens (creating) the compilation cache directory; on failure
// it logs a warning, clears opts.CacheDir and returns nil.
func openCache(opts *Options, log *slog.Logger) wazero.CompilationCache {
	if opts.CacheDir == "" {
		dir, err := defaultCacheDir()
		if err != nil {
			log.Warn("render: no compilation cache", "err", err)
			return nil
		}
		opts.CacheDir = dir
	}
	if err := os.MkdirAll(opts.CacheDir, 0o755); err != nil {
		log.Warn("render: no compilation cache", "dir", opts.CacheDir, "err", err)
		opts.CacheDir = ""
		return nil
	}
	cache, err := wazero.NewCompilationCacheWithDir(opts.CacheDir)
	if err != nil {
		log.Warn("render: no compilation cache", "dir", opts.CacheDir, "err", err)
		opts.CacheDir = ""
		return nil
	}
	return cache
}

func (p *Pool) closeCache() {
	if p.cache != nil {
		_ = p.cache.Close(context.Background())
		p.cache = nil
	}
}

// start creates one instance.
func (p *Pool) start(ctx context.Context) (*instance, error) {
	var pi pdfium.Pdfium
	err := safeCall(func() error {
		var err error
		pi, err = p.wasm.GetInstanceWithContext(ctx)
		return err
	})
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("render: start instance: %w", ctxErr)
		}
		return nil, fmt.Errorf("render: start instance: %w", err)
	}
	p.mu.Lock()
	p.nextID++
	id := p.nextID
	p.mu.Unlock()
	p.live.Add(1)
	p.started.Add(1)
	p.log.Debug("render: instance started", "instance", id)
	return &instance{id: id, pdf: pi}, nil
}

// Close waits for the documents in progress (and, with Uninterruptible,
// for abandoned calls to return), then stops every instance and the
// runtime. Document calls after Close fail with ErrClosed.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	n := len(p.idle) // New may fail before all slots exist
	p.mu.Unlock()

	if p.startup > 0 { // New finished: every slot exists
		n = p.opts.Instances
	}
	for range n {
		<-p.slots
	}
	p.abandoned.Wait()
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, in := range idle {
		_ = in.kill()
		p.live.Add(-1)
	}
	var err error
	if p.wasm != nil {
		err = safeCall(p.wasm.Close)
	}
	p.closeCache()
	if err != nil {
		return fmt.Errorf("render: close: %w", err)
	}
	return nil
}

// Stats returns the pool's counters.
func (p *Pool) Stats() Stats {
	return Stats{
		InstancesLive: p.live.Load(),
		Started:       p.started.Load(),
		Recycled:      p.recycled.Load(),
		Kills:         p.kills.Load(),
		Docs:          p.docs.Load(),
		Renders:       p.renders.Load(),
		Texts:         p.texts.Load(),
		MaxMemory:     p.maxMemory.Load(),
		Startup:       p.startup,
	}
}

// Document checks out an instance (waiting for one respects ctx), opens
// data on it (password may be empty), runs fn, closes the document and
// gives the instance back or retires it. fn must not keep the *Doc.
func (p *Pool) Document(ctx context.Context, data []byte, password string, fn func(*Doc) error) error {
	in, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	defer p.release(in)
	p.docs.Add(1)
	in.docs++

	d := &Doc{pool: p, inst: in}
	if err := d.open(ctx, data, password); err != nil {
		return err
	}
	defer d.close()
	return fn(d)
}

// acquire takes a slot, then an idle instance or a new one.
func (p *Pool) acquire(ctx context.Context) (*instance, error) {
	if p.isClosed() {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("render: wait for an instance: %w", err)
	}
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("render: wait for an instance: %w", ctx.Err())
	case <-p.slots:
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.slots <- struct{}{}
		return nil, ErrClosed
	}
	var in *instance
	if n := len(p.idle); n > 0 {
		in = p.idle[n-1]
		p.idle = p.idle[:n-1]
	}
	p.mu.Unlock()
	if in != nil {
		return in, nil
	}
	in, err := p.start(ctx)
	if err != nil {
		p.slots <- struct{}{}
		return nil, err
	}
	return in, nil
}

func (p *Pool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// release gives in back to the idle list, or retires it.
func (p *Pool) release(in *instance) {
	if in.pending != nil {
		// A call that could not be stopped is still running: the slot stays
		// taken until it returns, so abandoned calls never use more CPUs
		// than Options.Instances.
		p.log.Warn("render: waiting for an abandoned call before retiring its instance", "instance", in.id)
		p.abandoned.Go(func() {
			<-in.pending
			_ = in.kill()
			p.live.Add(-1)
			p.log.Info("render: abandoned call returned; instance retired", "instance", in.id)
			p.slots <- struct{}{}
		})
		return
	}
	mem, _ := p.memory(in)
	reason := ""
	switch {
	case in.broken:
		reason = "broken"
	case in.docs >= p.opts.MaxDocsPerInstance:
		reason = "max_docs"
	case mem > p.opts.MaxInstanceMemory:
		reason = "memory"
	}
	if reason != "" {
		_ = in.kill()
		p.live.Add(-1)
		if !in.killed {
			p.recycled.Add(1)
		}
		p.log.Debug("render: instance retired", "instance", in.id, "reason", reason,
			"docs", in.docs, "wasm_memory", formatBytes(mem))
	} else {
		p.mu.Lock()
		p.idle = append(p.idle, in)
		p.mu.Unlock()
	}
	p.slots <- struct{}{}
}

// memory reads in's wasm memory size and records the maximum.
func (p *Pool) memory(in *instance) (int64, bool) {
	if !p.memOK {
		return 0, false
	}
	mem, ok := wasmMemory(in.pdf)
	if !ok {
		return 0, false
	}
	for {
		cur := p.maxMemory.Load()
		if mem <= cur || p.maxMemory.CompareAndSwap(cur, mem) {
			break
		}
	}
	return mem, true
}

// guard runs fn on in, watched by the call timeout and ctx. fn runs on its
// own goroutine so that guard can give up on it; fn must therefore not
// write anything its caller reads after guard returns an error.
//
// When the timeout or ctx fires first, the call is given up (Stats.Kills)
// and in is marked broken. Interruptible (the default): the instance is
// killed, which stops the running wasm code at its next loop header, and
// guard waits for that, at most killGrace (code in the host, outside the
// wasm, is not stopped; the call is then left as below). Uninterruptible:
// the code cannot be stopped, so guard returns at once and leaves the call
// running; release retires the instance, and frees its slot, only when the
// call has returned.
func (p *Pool) guard(ctx context.Context, in *instance, fn func(pdfium.Pdfium) error) error {
	done := make(chan error, 1)
	go func() { done <- safeCall(func() error { return fn(in.pdf) }) }()
	timer := time.NewTimer(p.opts.CallTimeout)
	defer timer.Stop()

	var err error
	select {
	case err := <-done:
		if err != nil && trapped(err) {
			in.broken = true
		}
		return err
	case <-timer.C:
		err = fmt.Errorf("call ran past %s: %w", p.opts.CallTimeout, context.DeadlineExceeded)
		p.log.Warn("render: call ran past the timeout; giving up on it", "instance", in.id,
			"timeout", p.opts.CallTimeout, "interruptible", !p.opts.Uninterruptible)
	case <-ctx.Done():
		err = ctx.Err()
	}
	p.kills.Add(1)
	in.broken = true
	in.killed = true
	if p.opts.Uninterruptible {
		in.pending = done
		return err
	}
	// Kill can itself take seconds on a loaded machine: it runs beside
	// the wait, which is bounded from the timeout on.
	go func() {
		if kerr := in.kill(); kerr != nil {
			p.log.Warn("render: kill instance", "instance", in.id, "err", kerr)
		}
	}()
	select {
	case <-done: // usually prompt: the module was closed under it
	case <-time.After(killGrace):
		// Stuck in host code that the termination checks do not reach
		// (a long decode): leave it as an uninterruptible call is left.
		in.pending = done
	}
	return err
}

// killGrace is how long guard waits for a killed call to stop before it
// leaves it running and returns the timeout to the caller.
const killGrace = time.Second

// safeCall runs fn, turning a panic into an error wrapping errPanic.
func safeCall(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errPanic, r)
		}
	}()
	return fn()
}

// logWriter sends PDFium's stderr to the logger at debug level.
type logWriter struct{ log *slog.Logger }

func (w logWriter) Write(b []byte) (int, error) {
	if s := strings.TrimSpace(string(b)); s != "" {
		w.log.Debug("pdfium stderr", "text", s)
	}
	return len(b), nil
}
