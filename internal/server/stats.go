package server

import (
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"dataplus/internal/record"
)

// stats keeps what /stats shows that Prometheus would need a query for:
// recent request latencies (a ring, for percentiles) and a sliding window
// of files and pages per second. Its counters move together with the
// matching Prometheus series, in the same calls, so the two agree.
type stats struct {
	start time.Time
	now   func() time.Time

	mu       sync.Mutex
	lat      [latencyRing]float64 // ms of recent /process requests
	latN     int                  // samples ever added
	window   [windowSeconds]slot
	files    map[string]int64 // by outcome
	pages    int64
	requests map[int]int64 // by status code
	rejected map[string]int64
}

const (
	latencyRing   = 2048
	windowSeconds = 60
)

type slot struct {
	sec          int64 // unix second this slot counts
	files, pages int64
}

func newStats(now func() time.Time) *stats {
	return &stats{start: now(), now: now, files: map[string]int64{}, requests: map[int]int64{}, rejected: map[string]int64{}}
}

func (s *stats) addRecord(r *record.Record) {
	pages := int64(0)
	if r.Route != nil {
		pages = int64(r.Route.Pages)
	}
	s.add(outcome(r), pages, s.now())
}

func (s *stats) add(outcome string, pages int64, at time.Time) {
	sec := at.Unix()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[outcome]++
	s.pages += pages
	sl := &s.window[sec%windowSeconds]
	if sl.sec != sec {
		*sl = slot{sec: sec}
	}
	sl.files++
	sl.pages += pages
}

func (s *stats) addRequest(code int) {
	s.mu.Lock()
	s.requests[code]++
	s.mu.Unlock()
}

func (s *stats) addRejection(reason string) {
	s.mu.Lock()
	s.rejected[reason]++
	s.mu.Unlock()
}

func (s *stats) addLatency(d time.Duration) {
	s.mu.Lock()
	s.lat[s.latN%latencyRing] = float64(d.Microseconds()) / 1000
	s.latN++
	s.mu.Unlock()
}

// statsSnapshot is the counting part of GET /stats.
type statsSnapshot struct {
	UptimeS    float64          `json:"uptime_s"`
	Requests   requestStats     `json:"requests"`
	Files      fileStats        `json:"files"`
	Throughput throughputStats  `json:"throughput"`
	LatencyMS  percentiles      `json:"latency_ms"`
	Rejected   map[string]int64 `json:"admission_rejections"`
}

type requestStats struct {
	Total  int64            `json:"total"`
	ByCode map[string]int64 `json:"by_code"`
}

type fileStats struct {
	Total     int64            `json:"total"`
	Pages     int64            `json:"pages"`
	ByOutcome map[string]int64 `json:"by_outcome"`
}

type throughputStats struct {
	LastMinute rate `json:"last_minute"`
	SinceStart rate `json:"since_start"`
}

type rate struct {
	FilesPerSecond float64 `json:"files_per_second"`
	PagesPerSecond float64 `json:"pages_per_second"`
}

// percentiles of a latency sample; Samples says how many it came from
// (the ring keeps the most recent ones).
type percentiles struct {
	Samples int     `json:"samples"`
	P50     float64 `json:"p50"`
	P90     float64 `json:"p90"`
	P99     float64 `json:"p99"`
	Max     float64 `json:"max"`
}

func percentilesOf(v []float64) percentiles {
	if len(v) == 0 {
		return percentiles{}
	}
	slices.Sort(v)
	at := func(q float64) float64 { return v[min(len(v)-1, int(q*float64(len(v))))] }
	return percentiles{Samples: len(v), P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: v[len(v)-1]}
}

func (s *stats) snapshot() statsSnapshot {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	up := now.Sub(s.start).Seconds()
	out := statsSnapshot{
		UptimeS:  up,
		Requests: requestStats{ByCode: map[string]int64{}},
		Files:    fileStats{Pages: s.pages, ByOutcome: maps.Clone(s.files)},
		Rejected: maps.Clone(s.rejected),
	}
	for code, n := range s.requests {
		out.Requests.ByCode[strconv.Itoa(code)] = n
		out.Requests.Total += n
	}
	for _, n := range s.files {
		out.Files.Total += n
	}
	var wf, wp int64
	sec := now.Unix()
	for _, sl := range s.window {
		// The current second is still filling; count the 60 before it
		// plus it, over the span they cover.
		if sl.sec > sec-windowSeconds && sl.sec <= sec {
			wf += sl.files
			wp += sl.pages
		}
	}
	span := min(float64(windowSeconds), max(up, 1))
	out.Throughput.LastMinute = rate{float64(wf) / span, float64(wp) / span}
	if up > 0 {
		out.Throughput.SinceStart = rate{float64(out.Files.Total) / up, float64(s.pages) / up}
	}
	n := min(s.latN, latencyRing)
	out.LatencyMS = percentilesOf(slices.Clone(s.lat[:n]))
	return out
}
