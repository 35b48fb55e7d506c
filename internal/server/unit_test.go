package server

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestGate(t *testing.T) {
	g := newGate(2)
	if !g.TryStart() || !g.TryStart() || g.TryStart() {
		t.Fatal("a gate of 2 must take exactly 2")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := g.Start(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Start on a full gate: %v", err)
	}
	g.Done()
	if err := g.Start(context.Background()); err != nil || g.InUse() != 2 {
		t.Fatalf("Start after Done: %v, in use %d", err, g.InUse())
	}
}

func TestBudget(t *testing.T) {
	b := newBudget(10)
	if got, ok := b.TryAcquire(4); !ok || got != 4 {
		t.Fatalf("4 of 10: %d %v", got, ok)
	}
	if _, ok := b.TryAcquire(7); ok {
		t.Fatal("7 more fit in 6")
	}
	if got, ok := b.TryAcquire(0); !ok || got != 1 {
		t.Fatalf("a weightless request still costs 1: %d %v", got, ok)
	}
	b.Release(5)
	if got, ok := b.TryAcquire(1000); !ok || got != 10 {
		t.Fatalf("over-budget request on an idle budget: %d %v, want clamped to 10", got, ok)
	}
	if estimatePages(0) != 1 || estimatePages(pageBytes+1) != 2 {
		t.Fatal("estimatePages")
	}
}

func TestWithin(t *testing.T) {
	for _, tc := range []struct {
		path, dir string
		want      bool
	}{
		{"/data", "/data", true},
		{"/data/a.pdf", "/data", true},
		{"/data2/a.pdf", "/data", false},
		{"/dat", "/data", false},
		{"/a.pdf", "/", true},
	} {
		if got := within(tc.path, tc.dir); got != tc.want {
			t.Errorf("within(%q, %q) = %v", tc.path, tc.dir, got)
		}
	}
}

func TestStatusMapping(t *testing.T) {
	for kind, code := range map[string]int{
		kindBadRequest: 400, kindUnauthorized: 401, kindForbidden: 403, kindNotFound: 404,
		kindMethodNotAllowed: 405, kindTooLarge: 413, kindUnsupportedMedia: 415, kindUnavailable: 422,
		kindOverloaded: 429, kindShuttingDown: 503, kindTimeout: 504, kindCanceled: 499, kindInternal: 500,
		"something new": 500,
	} {
		if got := status(kind); got != code {
			t.Errorf("status(%s) = %d, want %d", kind, got, code)
		}
	}
	// A bug's text never reaches the client; a size limit is a 413.
	if e := asError(errors.New("nil map write")); e.Kind != kindInternal || e.Message == "nil map write" {
		t.Errorf("internal error shown as %+v", e)
	}
	if e := asError(&http.MaxBytesError{Limit: 10}); e.Kind != kindTooLarge {
		t.Errorf("MaxBytesError: %+v", e)
	}
}

func TestPercentiles(t *testing.T) {
	v := make([]float64, 100)
	for i := range v {
		v[i] = float64(100 - i)
	}
	p := percentilesOf(v)
	if p.Samples != 100 || p.P50 != 51 || p.P90 != 91 || p.P99 != 100 || p.Max != 100 {
		t.Fatalf("%+v", p)
	}
	if (percentilesOf(nil) != percentiles{}) {
		t.Fatal("empty sample")
	}
}

func TestStatsWindow(t *testing.T) {
	now := time.Unix(1000, 0)
	s := newStats(func() time.Time { return now })
	for range 30 {
		s.add("ok", 0, now)
	}
	now = now.Add(30 * time.Second)
	for range 30 {
		s.add("ok", 0, now)
	}
	if r := s.snapshot().Throughput.LastMinute.FilesPerSecond; r != 60.0/30 {
		t.Fatalf("after 30 s: %v files/s, want 2 (60 files over the 30 s so far)", r)
	}
	now = now.Add(45 * time.Second) // the first 30 slid out
	if r := s.snapshot().Throughput.LastMinute.FilesPerSecond; r != 30.0/60 {
		t.Fatalf("after 75 s: %v files/s, want 0.5", r)
	}
}
