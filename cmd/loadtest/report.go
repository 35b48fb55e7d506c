package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// stats gathers results from every client.
type stats struct {
	mu        sync.Mutex
	latencies []time.Duration // every answered request (any status)
	ok        []time.Duration // 200s only
	status    map[int]int
	errKinds  map[string]int // non-200 answers by error kind
	recErrs   map[string]int // records with an error kind, inside 200s
	transport map[string]int
	files     int // records in 200s
	sent      int // files in requests answered 200
	pages     int
	short     int
	retry     time.Duration // the largest Retry-After seen
}

func newStats() *stats {
	return &stats{status: map[int]int{}, errKinds: map[string]int{}, recErrs: map[string]int{}, transport: map[string]int{}}
}

func (s *stats) add(r result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.transport != "" {
		s.transport[r.transport]++
		return
	}
	s.latencies = append(s.latencies, r.latency)
	s.status[r.status]++
	s.retry = max(s.retry, r.retryAfter)
	if r.errKind != "" {
		s.errKinds[r.errKind]++
	}
	if r.status == 200 {
		s.ok = append(s.ok, r.latency)
		s.files += r.files
		s.sent += r.sent
		s.pages += r.pages
		if r.short {
			s.short++
		}
		for k, n := range r.recordErrs {
			s.recErrs[k] += n
		}
	}
}

// Report is the load test's result, written with --json.
type Report struct {
	Config   ReportConfig   `json:"config"`
	Started  time.Time      `json:"started"`
	Elapsed  float64        `json:"elapsed_s"`
	Requests int            `json:"requests"` // sent: answered (any status) or failed in transport
	Docs     int            `json:"docs"`     // records in 200 answers
	Pages    int            `json:"pages"`
	DocsPerS float64        `json:"docs_per_second"`
	ReqPerS  float64        `json:"requests_per_second"`
	Latency  Latency        `json:"latency_ms"`    // every answered request
	LatOK    Latency        `json:"latency_ok_ms"` // 200s only
	Status   StatusCounts   `json:"status"`
	ErrKinds map[string]int `json:"error_kinds"`   // non-200 answers by error kind
	RecErrs  map[string]int `json:"record_errors"` // records with an error kind, inside 200s
	Short    int            `json:"short_answers"` // 200s with fewer records than files sent
	Trans    map[string]int `json:"transport_errors"`
	Errors   int            `json:"errors"` // transport errors + answers other than 200 and 429 + short answers
	RetryMax float64        `json:"retry_after_max_s,omitempty"`
	Server   *ServerMemory  `json:"server_memory,omitempty"`
	CPU      *CPUReport     `json:"cpu,omitempty"`
	// ShutdownS is how long a server started with --server-bin took to
	// exit after SIGTERM.
	ShutdownS float64        `json:"server_shutdown_s,omitempty"`
	Metrics   *MetricsReport `json:"metrics,omitempty"`
	Stats     any            `json:"server_stats,omitempty"` // GET /stats after the run, as the server wrote it
	Notes     []string       `json:"notes,omitempty"`
}

// ReportConfig echoes what was run.
type ReportConfig struct {
	Addr            string  `json:"addr"`
	Mode            string  `json:"mode"`
	Dir             string  `json:"dir"`
	Files           int     `json:"files"`
	FilesPerRequest int     `json:"files_per_request"`
	Deep            bool    `json:"extract_deep_features"`
	Clients         int     `json:"clients"`
	Loop            string  `json:"loop"` // closed or open
	Rate            float64 `json:"rate,omitempty"`
	MaxRequests     int64   `json:"max_requests,omitempty"`
	Duration        float64 `json:"duration_s"`
}

// Latency percentiles in milliseconds.
type Latency struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// StatusCounts splits the answers as the acceptance criteria do.
type StatusCounts struct {
	OK       int            `json:"200"`
	TooMany  int            `json:"429"`
	Other    int            `json:"other"`
	ByStatus map[string]int `json:"by_status"`
}

// ServerMemory is read from /proc/<pid>/status after the run.
type ServerMemory struct {
	PID     int     `json:"pid"`
	PeakRSS float64 `json:"peak_rss_mib"` // VmHWM: the high-water mark since the process started
	RSS     float64 `json:"rss_mib"`      // VmRSS at the end
}

func latency(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
	return Latency{N: len(s), Mean: ms(sum / time.Duration(len(s))), P50: ms(quantile(s, 0.5)),
		P90: ms(quantile(s, 0.9)), P99: ms(quantile(s, 0.99)), Max: ms(s[len(s)-1])}
}

// quantile of sorted values, nearest rank.
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func (s *stats) report(cfg ReportConfig, started time.Time, elapsed time.Duration) *Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &Report{Config: cfg, Started: started, Elapsed: round3(elapsed.Seconds()), Requests: len(s.latencies) + sum(s.transport),
		Docs: s.files, Pages: s.pages, Latency: latency(s.latencies), LatOK: latency(s.ok),
		ErrKinds: maps.Clone(s.errKinds), RecErrs: maps.Clone(s.recErrs), Trans: maps.Clone(s.transport),
		Short: s.short, RetryMax: s.retry.Seconds()}
	r.Status.ByStatus = map[string]int{}
	for code, n := range s.status {
		r.Status.ByStatus[strconv.Itoa(code)] = n
		switch code {
		case 200:
			r.Status.OK = n
		case 429:
			r.Status.TooMany = n
		default:
			r.Status.Other += n
		}
	}
	for _, n := range s.transport {
		r.Errors += n
	}
	r.Errors += r.Status.Other + s.short
	if sec := elapsed.Seconds(); sec > 0 {
		r.DocsPerS = round3(float64(s.files) / sec)
		r.ReqPerS = round3(float64(r.Requests) / sec)
	}
	return r
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// print writes the report as a table a person reads.
func (r *Report) print(w io.Writer) {
	c := r.Config
	loop := "closed loop"
	if c.Loop == "open" {
		loop = fmt.Sprintf("open loop at %g req/s", c.Rate)
	}
	fmt.Fprintf(w, "POST /process, %s mode, %d file(s)/request, deep=%v, %d clients, %s, %.2fs, %d files from %s\n\n",
		c.Mode, c.FilesPerRequest, c.Deep, c.Clients, loop, r.Elapsed, c.Files, c.Dir)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "docs\t%d\t%.1f docs/s\n", r.Docs, r.DocsPerS)
	fmt.Fprintf(tw, "requests\t%d\t%.1f req/s\n", r.Requests, r.ReqPerS)
	ok := r.LatOK.N != r.Latency.N && r.LatOK.N > 0
	for _, q := range []struct {
		name    string
		all, ok float64
	}{{"p50", r.Latency.P50, r.LatOK.P50}, {"p90", r.Latency.P90, r.LatOK.P90}, {"p99", r.Latency.P99, r.LatOK.P99},
		{"max", r.Latency.Max, r.LatOK.Max}, {"mean", r.Latency.Mean, r.LatOK.Mean}} {
		note := "ms, every answer"
		if ok {
			note = fmt.Sprintf("ms, every answer (%.1f ms for 200s)", q.ok)
		}
		fmt.Fprintf(tw, "latency %s\t%.1f\t%s\n", q.name, q.all, note)
	}
	fmt.Fprintf(tw, "status 200\t%d\t\n", r.Status.OK)
	retry := ""
	if r.Status.TooMany > 0 {
		retry = fmt.Sprintf("Retry-After up to %gs", r.RetryMax)
	}
	fmt.Fprintf(tw, "status 429\t%d\t%s\n", r.Status.TooMany, retry)
	fmt.Fprintf(tw, "status other\t%d\t%s\n", r.Status.Other, otherCodes(r.Status.ByStatus))
	fmt.Fprintf(tw, "transport errors\t%d\t%s\n", sum(r.Trans), counts(r.Trans))
	if r.Short > 0 {
		fmt.Fprintf(tw, "short answers\t%d\tfewer records than files sent\n", r.Short)
	}
	fmt.Fprintf(tw, "errors\t%d\ttransport + other statuses + short answers\n", r.Errors)
	fmt.Fprintf(tw, "answer error kinds\t%d\t%s\n", sum(r.ErrKinds), counts(r.ErrKinds))
	fmt.Fprintf(tw, "record error kinds\t%d\t%s\n", sum(r.RecErrs), counts(r.RecErrs))
	if m := r.Server; m != nil {
		fmt.Fprintf(tw, "server peak RSS\t%.1f MiB\tVmHWM of pid %d (now %.1f MiB)\n", m.PeakRSS, m.PID, m.RSS)
	}
	if r.ShutdownS > 0 {
		fmt.Fprintf(tw, "server shutdown\t%.2fs\tfrom SIGTERM to exit\n", r.ShutdownS)
	}
	if c := r.CPU; c != nil {
		srv := ""
		if c.Server > 0 {
			srv = fmt.Sprintf("server %.2f (%.2f ms CPU/doc), ", c.Server, c.ServerMsDoc)
		}
		fmt.Fprintf(tw, "CPU cores busy\t%.2f of %d\t%sloadtest %.2f, other processes %.2f\n", c.MachineBusy, c.Cores, srv, c.Loadtest, c.Other)
	}
	tw.Flush()
	if r.Metrics != nil {
		fmt.Fprintln(w)
		r.Metrics.print(w)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

func otherCodes(by map[string]int) string {
	m := maps.Clone(by)
	delete(m, "200")
	delete(m, "429")
	return counts(m)
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// counts writes "a 3, b 1", largest first.
func counts(m map[string]int) string {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b)) })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
