package server

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"dataplus/internal/record"
)

// metrics are the server's Prometheus series (the pipeline registers its
// own). Labels are bounded: route is a registered pattern or "unmatched",
// code an HTTP status, reason one of the admission reasons, outcome "ok"
// or a record kind.
type metrics struct {
	requests      *prometheus.CounterVec   // route, code
	duration      *prometheus.HistogramVec // route, code
	inFlight      prometheus.Gauge         // admitted work requests
	pagesInFlight prometheus.Gauge         // estimated pages reserved by sync requests
	rejections    *prometheus.CounterVec   // reason
	files         *prometheus.CounterVec   // outcome, for every record the server produced
	pages         prometheus.Counter
}

// Admission rejection reasons (the "reason" label).
const (
	rejectRequests = "requests"      // every request slot taken
	rejectPages    = "pages"         // the page budget spent
	rejectJobs     = "jobs_queue"    // too many queued jobs
	rejectBench    = "benchmark"     // a benchmark is already running
	rejectShutdown = "shutting_down" // the server is stopping
)

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dataplus", Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests answered, by route pattern and status code (499: the client went away).",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "dataplus", Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time from request to the end of the answer, by route pattern and status code.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12), // 1ms .. 24s
		}, []string{"route", "code"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "dataplus", Subsystem: "http", Name: "requests_in_flight",
			Help: "Work requests (process, jobs submission, benchmark) admitted and not finished: the request queue depth.",
		}),
		pagesInFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "dataplus", Subsystem: "http", Name: "pages_in_flight",
			Help: "Estimated pages (one per 64KiB of input, at least one per file) reserved by sync requests now.",
		}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dataplus", Subsystem: "http", Name: "admission_rejections_total",
			Help: "Requests refused by admission control (429 or 503), by reason.",
		}, []string{"reason"}),
		files: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dataplus", Subsystem: "http", Name: "files_total",
			Help: "Records the server produced (sync requests, jobs and benchmarks), by outcome: ok or the error kind.",
		}, []string{"outcome"}),
		pages: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "dataplus", Subsystem: "http", Name: "pages_total",
			Help: "Pages routed in the records the server produced.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.inFlight, m.pagesInFlight, m.rejections, m.files, m.pages)
	for _, r := range []string{rejectRequests, rejectPages, rejectJobs, rejectBench, rejectShutdown} {
		m.rejections.WithLabelValues(r)
	}
	m.files.WithLabelValues("ok")
	for _, k := range record.Kinds {
		m.files.WithLabelValues(string(k))
	}
	return m
}

func (m *metrics) observeRequest(route string, code int, seconds float64) {
	c := strconv.Itoa(code)
	m.requests.WithLabelValues(route, c).Inc()
	m.duration.WithLabelValues(route, c).Observe(seconds)
}

// outcome is the files_total label of a record.
func outcome(r *record.Record) string {
	if r.Error != nil {
		return string(r.Error.Kind)
	}
	return "ok"
}
