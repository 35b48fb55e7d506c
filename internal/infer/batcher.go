package infer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by a Batcher after Close.
var ErrClosed = errors.New("batcher closed")

// BatcherOptions configure a Batcher.
type BatcherOptions struct {
	MaxBatch  int           // items per Run; default 8
	MaxWait   time.Duration // how long the first item of a batch waits for company; default 5ms
	QueueSize int           // items waiting beyond the batch being formed; default 4×MaxBatch
	// Parallel is how many batches may run at once (default 1). A GPU
	// backend with several devices, or one that overlaps copies with
	// compute, wants more than one.
	Parallel int
	// OnBatch, when set, is called after each Run (for metrics), from the
	// goroutine that ran the batch (several at once when Parallel > 1):
	// keep it quick and safe for concurrent use.
	OnBatch func(BatchInfo)
	Logger  *slog.Logger
}

// BatchInfo describes one Run.
type BatchInfo struct {
	Size     int
	Duration time.Duration
	Err      error
}

// BatchStats are a Batcher's totals.
type BatchStats struct {
	Batches int64
	Items   int64
	Errors  int64         // batches whose Run failed
	Busy    time.Duration // total time in Run
	Sizes   []int64       // Sizes[n] is the number of batches of n items
}

// MeanBatch is the mean items per batch.
func (s BatchStats) MeanBatch() float64 {
	if s.Batches == 0 {
		return 0
	}
	return float64(s.Items) / float64(s.Batches)
}

// request is one caller's item waiting for its batch.
type request struct {
	item  Tensor
	state atomic.Int32 // pending, taken or abandoned
	done  chan result  // buffered: the batcher never blocks on a caller
}

const (
	pending   int32 = iota
	taken           // in a batch: the batcher will answer
	abandoned       // the caller gave up before the batch was formed
)

type result struct {
	out map[string]Tensor
	err error
}

// Batcher gathers single-item requests from every caller into batches of
// up to MaxBatch items, runs one Session.Run per batch and gives each
// caller its own slice of every output. It serves one model input of one
// shape; use a Batchers for a model whose input size varies.
type Batcher struct {
	sess  Session
	input string
	shape []int64 // the item shape, leading dimension 1
	opts  BatcherOptions
	log   *slog.Logger

	queue   chan *request
	slots   chan struct{}  // one per batch that may run at once
	running sync.WaitGroup // batches running in their own goroutine
	stop    chan struct{}  // closed by Close: drain and exit
	done    chan struct{}  // closed when the loop has exited

	mu     sync.RWMutex // Submit holds it shared while sending; Close exclusively
	closed bool

	statsMu sync.Mutex
	stats   BatchStats

	// bufs keeps stacked batch inputs (*[]float32) for the next batch:
	// the session is done with its input when Run returns (ONNX Runtime
	// ran it; XLA copied it to the device and waited for the copy), and
	// a fresh slice of up to a few hundred MB costs zeroing and page
	// faults on every batch.
	bufs sync.Pool
}

// NewBatcher starts a batcher for items of the given shape (leading
// dimension 1) on the named input. Close stops it.
func NewBatcher(sess Session, input string, itemShape []int64, opts BatcherOptions) (*Batcher, error) {
	if len(itemShape) == 0 || itemShape[0] != 1 {
		return nil, fmt.Errorf("new batcher: item shape %v must start with 1", itemShape)
	}
	if len(sess.Inputs()) != 1 || sess.Inputs()[0].Name != input {
		return nil, fmt.Errorf("new batcher: session inputs %v, want exactly %q", sess.Inputs(), input)
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 8
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = 5 * time.Millisecond
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 4 * opts.MaxBatch
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 1
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := &Batcher{
		sess: sess, input: input, shape: slices.Clone(itemShape), opts: opts, log: log,
		queue: make(chan *request, opts.QueueSize),
		slots: make(chan struct{}, opts.Parallel),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
		stats: BatchStats{Sizes: make([]int64, opts.MaxBatch+1)},
	}
	go b.loop()
	return b, nil
}

// Do runs one item ([1, ...] of the batcher's shape) and returns its
// outputs, each with a leading dimension of 1. It blocks while the queue
// is full (backpressure). When ctx ends before the item joins a batch,
// the item is dropped; after that, Do returns at once and the batch runs
// without waiting for this caller.
func (b *Batcher) Do(ctx context.Context, item Tensor) (map[string]Tensor, error) {
	if !sameDims(item.Shape, b.shape) {
		return nil, fmt.Errorf("batch item: shape %v, batcher takes %v", item.Shape, b.shape)
	}
	if err := item.Check(); err != nil {
		return nil, fmt.Errorf("batch item: %w", err)
	}
	req := &request{item: item, done: make(chan result, 1)}
	if err := b.submit(ctx, req); err != nil {
		return nil, err
	}
	select {
	case r := <-req.done:
		return r.out, r.err
	case <-ctx.Done():
		req.state.CompareAndSwap(pending, abandoned)
		return nil, fmt.Errorf("batch item: %w", ctx.Err())
	}
}

func (b *Batcher) submit(ctx context.Context, req *request) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return ErrClosed
	}
	select {
	case b.queue <- req:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("batch item: queue full: %w", ctx.Err())
	}
}

// Stats returns the totals so far.
func (b *Batcher) Stats() BatchStats {
	b.statsMu.Lock()
	defer b.statsMu.Unlock()
	s := b.stats
	s.Sizes = slices.Clone(s.Sizes)
	return s
}

// Close stops accepting items, runs every item already queued, and waits
// for the batcher's goroutine. It does not close the session.
func (b *Batcher) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		<-b.done
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	close(b.stop)
	<-b.done
	return nil
}

// loop forms batches: it waits for a first live item, then gathers more
// until the batch is full or MaxWait has passed since that first item.
func (b *Batcher) loop() {
	defer close(b.done)
	defer b.running.Wait()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		batch := make([]*request, 0, b.opts.MaxBatch)
		var first *request
		select {
		case first = <-b.queue:
		case <-b.stop:
			b.drain()
			return
		}
		if !first.state.CompareAndSwap(pending, taken) {
			continue
		}
		batch = append(batch, first)
		timer.Reset(b.opts.MaxWait)
	gather:
		for len(batch) < b.opts.MaxBatch {
			select {
			case r := <-b.queue:
				if r.state.CompareAndSwap(pending, taken) {
					batch = append(batch, r)
				}
			case <-timer.C:
				break gather
			case <-b.stop:
				// Closing: stop waiting, but fill the batch from the queue.
				batch = b.fill(batch)
				break gather
			}
		}
		timer.Stop()
		b.start(batch)
	}
}

// start runs the batch: in the loop's goroutine when one batch runs at a
// time, else in its own once a slot is free (so the next batch can form
// meanwhile).
func (b *Batcher) start(batch []*request) {
	if b.opts.Parallel == 1 {
		b.run(batch)
		return
	}
	b.slots <- struct{}{}
	b.running.Add(1)
	go func() {
		defer b.running.Done()
		defer func() { <-b.slots }()
		b.run(batch)
	}()
}

// fill adds queued items to batch without waiting.
func (b *Batcher) fill(batch []*request) []*request {
	for len(batch) < b.opts.MaxBatch {
		select {
		case r := <-b.queue:
			if r.state.CompareAndSwap(pending, taken) {
				batch = append(batch, r)
			}
		default:
			return batch
		}
	}
	return batch
}

// drain runs everything still queued, in full batches. Submit cannot add
// more: Close set closed before closing stop.
func (b *Batcher) drain() {
	for {
		batch := b.fill(make([]*request, 0, b.opts.MaxBatch))
		if len(batch) == 0 {
			return
		}
		b.start(batch)
	}
}

// run stacks the batch, runs it and answers every caller in it.
func (b *Batcher) run(batch []*request) {
	items := make([]Tensor, len(batch))
	for i, r := range batch {
		items[i] = r.item
	}
	start := time.Now()
	outs, err := b.forward(items)
	dur := time.Since(start)

	b.statsMu.Lock()
	b.stats.Batches++
	b.stats.Items += int64(len(batch))
	b.stats.Busy += dur
	b.stats.Sizes[len(batch)]++
	if err != nil {
		b.stats.Errors++
	}
	b.statsMu.Unlock()
	if b.opts.OnBatch != nil {
		b.opts.OnBatch(BatchInfo{Size: len(batch), Duration: dur, Err: err})
	}
	if err != nil {
		b.log.Warn("batch failed", "items", len(batch), "err", err)
		for _, r := range batch {
			r.done <- result{err: err}
		}
		return
	}
	for i, r := range batch {
		out := make(map[string]Tensor, len(outs))
		for name, t := range outs {
			out[name] = t.Item(i)
		}
		r.done <- result{out: out}
	}
}

// forward runs one batch and checks that every output has one row per
// item. The batch's context is not any caller's: one caller leaving must
// not cancel its batch-mates' work.
func (b *Batcher) forward(items []Tensor) (map[string]Tensor, error) {
	var in Tensor
	var err error
	if len(items) == 1 {
		in, err = Stack(items)
	} else {
		var dst []float32
		if p, ok := b.bufs.Get().(*[]float32); ok {
			dst = *p
		}
		in, err = StackInto(dst, items)
		defer b.bufs.Put(&in.Data)
	}
	if err != nil {
		return nil, fmt.Errorf("run batch: %w", err)
	}
	outs, err := b.sess.Run(context.Background(), map[string]Tensor{b.input: in})
	if err != nil {
		return nil, fmt.Errorf("run batch of %d: %w", len(items), err)
	}
	for name, t := range outs {
		if len(t.Shape) == 0 || t.Shape[0] != int64(len(items)) {
			return nil, fmt.Errorf("run batch of %d: output %s has shape %v, not one row per item", len(items), name, t.Shape)
		}
	}
	return outs, nil
}

// Batchers keeps one Batcher per input shape of one model, created on
// first use, for models whose input size follows the image (the
// detector). Callers should bucket sizes (pad to a multiple of 32, a few
// long sides) so that few shapes exist.
type Batchers struct {
	sess  Session
	input string
	opts  BatcherOptions

	mu     sync.Mutex
	by     map[string]*Batcher
	closed bool
}

// NewBatchers returns an empty set of batchers for the session's input.
func NewBatchers(sess Session, input string, opts BatcherOptions) *Batchers {
	return &Batchers{sess: sess, input: input, opts: opts, by: map[string]*Batcher{}}
}

// Do runs one item on the batcher for its shape.
func (bs *Batchers) Do(ctx context.Context, item Tensor) (map[string]Tensor, error) {
	b, err := bs.get(item.Shape)
	if err != nil {
		return nil, err
	}
	return b.Do(ctx, item)
}

func (bs *Batchers) get(shape []int64) (*Batcher, error) {
	key := fmt.Sprint(shape)
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if bs.closed {
		return nil, ErrClosed
	}
	if b, ok := bs.by[key]; ok {
		return b, nil
	}
	b, err := NewBatcher(bs.sess, bs.input, shape, bs.opts)
	if err != nil {
		return nil, err
	}
	bs.by[key] = b
	return b, nil
}

// Stats returns each shape's totals, keyed by the item shape.
func (bs *Batchers) Stats() map[string]BatchStats {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	out := make(map[string]BatchStats, len(bs.by))
	for k, b := range bs.by {
		out[k] = b.Stats()
	}
	return out
}

// Close closes every batcher, draining their queues.
func (bs *Batchers) Close() error {
	bs.mu.Lock()
	bs.closed = true
	all := make([]*Batcher, 0, len(bs.by))
	for _, b := range bs.by {
		all = append(all, b)
	}
	bs.mu.Unlock()
	var errs []error
	for _, b := range all {
		errs = append(errs, b.Close())
	}
	return errors.Join(errs...)
}
