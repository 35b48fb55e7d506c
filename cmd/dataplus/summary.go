package main

import (
	"fmt"
	"io"
	"maps"
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

	// With --features: documents with a vector, pages embedded, feature
	// failures by kind, and the stage times summed over documents (ms).
	featDocs, featPages, featSkipped int
	featKinds                        map[string]int
	render, infer, fuse              float64
}

func newSummary(start time.Time) *summary {
	return &summary{
		start:  start,
		labels: map[route.Label]int{},
		routes: map[route.Route]int{},
		kinds:  map[record.Kind]int{},

		featKinds: map[string]int{},
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
	if f := r.Features; f != nil {
		if f.Error != nil {
			s.featKinds[f.Error.Kind]++
		} else {
			s.featDocs++
		}
		s.featPages += f.Pages
		s.featSkipped += f.Skipped
		s.render += r.Timings.Render
		s.infer += r.Timings.Infer
		s.fuse += r.Timings.Fuse
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
	if s.featDocs > 0 || len(s.featKinds) > 0 {
		fmt.Fprintf(tw, "features: documents\t%d\t\n", s.featDocs)
		fmt.Fprintf(tw, "features: pages embedded\t%d\t%.1f pages/s (%d skipped)\n", s.featPages, float64(s.featPages)/el, s.featSkipped)
		fmt.Fprintf(tw, "features: render / infer / fuse\t%.1fs / %.1fs / %.1fs\tsummed over documents\n", s.render/1000, s.infer/1000, s.fuse/1000)
		for _, k := range slices.Sorted(maps.Keys(s.featKinds)) {
			fmt.Fprintf(tw, "  features failed: %s\t%d\t\n", k, s.featKinds[k])
		}
	}
	tw.Flush()
}
