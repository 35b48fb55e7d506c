package pipeline

import (
	"context"
	"sync"

	"dataplus/internal/ingest"
	"dataplus/internal/record"
)

// Run processes every source from in with cfg.Workers workers and calls
// emit once per source, in the order the sources arrived.
//
// Memory is bounded: at most 4×workers records wait for a slow
// predecessor, and discovery blocks until there is room. When ctx is
// cancelled, no new source is started, the sources already started finish
// quickly with a "canceled" record, and every one of those records is
// still emitted before Run returns ctx's error. An error from emit stops
// the run and is returned.
func (p *Processor) Run(ctx context.Context, in <-chan ingest.Source, emit func(record.Record) error) error {
	workers := p.cfg.Workers
	window := workers * 4
	workCtx, stop := context.WithCancel(ctx)
	defer stop()

	type job struct {
		seq int // arrival order; independent of Source.Index, which is the caller's
		src ingest.Source
	}
	type result struct {
		seq int
		rec record.Record
	}
	jobs := make(chan job, workers)
	results := make(chan result, workers)
	slots := make(chan struct{}, window) // one per record not yet emitted

	var wg sync.WaitGroup
	// Dispatch: take a slot, then a source. It stops at the first sign of
	// cancellation, so the dispatched sequence numbers have no gaps.
	wg.Go(func() {
		defer close(jobs)
		for seq := 0; ; seq++ {
			select {
			case <-workCtx.Done():
				return
			case slots <- struct{}{}:
			}
			select {
			case <-workCtx.Done():
				return
			case src, ok := <-in:
				if !ok {
					return
				}
				jobs <- job{seq, src} // workers drain jobs until it closes
			}
		}
	})
	// Workers: each job yields exactly one record, also when cancelled.
	var workersWG sync.WaitGroup
	for range workers {
		workersWG.Go(func() {
			for j := range jobs {
				results <- result{j.seq, p.File(workCtx, j.src)}
			}
		})
	}
	wg.Go(func() {
		workersWG.Wait()
		close(results)
	})

	// Collect on this goroutine and emit in order.
	var emitErr error
	pending := make(map[int]record.Record, window)
	next := 0
	for r := range results {
		pending[r.seq] = r.rec
		for rec, ok := pending[next]; ok; rec, ok = pending[next] {
			delete(pending, next)
			next++
			<-slots
			if emitErr != nil {
				continue
			}
			if emitErr = emit(rec); emitErr != nil {
				stop()
			}
		}
	}
	wg.Wait()
	if emitErr != nil {
		return emitErr
	}
	return ctx.Err()
}
