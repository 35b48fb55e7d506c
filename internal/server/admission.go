package server

import (
	"context"
	"sync/atomic"
)

// gate bounds how many requests do work at once (after Prometheus's
// util/gate). The server only uses TryStart: a full gate means 429 now,
// not a queue that grows until clients time out.
type gate struct {
	ch chan struct{}
}

func newGate(n int) *gate { return &gate{ch: make(chan struct{}, n)} }

// TryStart takes a slot if one is free.
func (g *gate) TryStart() bool {
	select {
	case g.ch <- struct{}{}:
		return true
	default:
		return false
	}
}

// Start waits for a slot or for ctx.
func (g *gate) Start(ctx context.Context) error {
	select {
	case g.ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Done gives a slot back.
func (g *gate) Done() { <-g.ch }

// InUse is the number of slots taken.
func (g *gate) InUse() int { return len(g.ch) }

// Cap is the number of slots.
func (g *gate) Cap() int { return cap(g.ch) }

// budget is a weighted, non-blocking semaphore for estimated pages. A
// request heavier than the whole budget is clamped to it, so it can run
// when nothing else does instead of never.
type budget struct {
	size int64
	used atomic.Int64
}

func newBudget(n int) *budget { return &budget{size: int64(n)} }

// TryAcquire reserves n units if they are free and returns what it
// reserved (n clamped to the budget), or 0 and false.
func (b *budget) TryAcquire(n int64) (int64, bool) {
	n = min(max(n, 1), b.size)
	for {
		used := b.used.Load()
		if used+n > b.size {
			return 0, false
		}
		if b.used.CompareAndSwap(used, used+n) {
			return n, true
		}
	}
}

// Release returns n units taken by TryAcquire.
func (b *budget) Release(n int64) { b.used.Add(-n) }

// Used is the number of units reserved now.
func (b *budget) Used() int64 { return b.used.Load() }

// pageBytes is the input size counted as one page when estimating a
// request's pages before any file is parsed. Text PDFs run 5-50 KiB per
// page and scans 50 KiB-1 MiB, so this over-counts text and under-counts
// scans; what the budget really bounds is bytes being worked on.
const pageBytes = 64 << 10

// estimatePages is the page weight of a file of size bytes.
func estimatePages(size int64) int64 { return max(1, (size+pageBytes-1)/pageBytes) }
