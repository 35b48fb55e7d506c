package main

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"dataplus/internal/record"
	"dataplus/internal/route"
)

// summary counts what the records say, for the table at the end and the
// progress line. add is called from one goroutine; the progress line reads
// the atomics from another.
type summary struct {
	start      time.Time
	files      atomic.Int64
	pages      atomic.Int64
	errors     atomic.Int64
	discovered atomic.Bool

	mu     sync.Mutex
	labels map[route.Label]int
	routes map[route.Route]int
	kinds  map[record.Kind]int
}

func newSummary(start time.Time) *summary {
	return &summary{
		start:  start,
		labels: map[route.Label]int{},
		routes: map[route.Route]int{},
		kinds:  map[record.Kind]int{},
	}
}

func (s *summary) discoveryDone() { s.discovered.Store(true) }

func (s *summary) add(r *record.Record) {
	s.files.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Error != nil {
		s.errors.Add(1)
		s.kinds[r.Error.Kind]++
	}
	if r.Route != nil {
		s.labels[r.Route.Label]++
		s.pages.Add(int64(r.Route.Pages))
		for k, n := range r.Route.Routes {
			s.routes[k] += n
		}
	}
}

func (s *summary) print(w io.Writer, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	el := now.Sub(s.start).Seconds()
	files, pages := s.files.Load(), s.pages.Load()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\nfiles\t%d\t%.1f files/s\n", files, float64(files)/el)
	fmt.Fprintf(tw, "pages\t%d\t%.1f pages/s\n", pages, float64(pages)/el)
	fmt.Fprintf(tw, "elapsed\t%.2fs\t\n", el)
	for _, l := range []route.Label{route.BornDigital, route.Scanned, route.Mixed} {
		fmt.Fprintf(tw, "documents %s\t%d\t\n", l, s.labels[l])
	}
	for _, r := range route.Routes {
		fmt.Fprintf(tw, "pages %s\t%d\t\n", r, s.routes[r])
	}
	fmt.Fprintf(tw, "errors\t%d\t\n", s.errors.Load())
	kinds := make([]record.Kind, 0, len(s.kinds))
	for k := range s.kinds {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		fmt.Fprintf(tw, "  %s\t%d\t\n", k, s.kinds[k])
	}
	tw.Flush()
}
