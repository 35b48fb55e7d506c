package pipeline

import (
	"github.com/prometheus/client_golang/prometheus"

	"dataplus/internal/record"
)

// Metrics are the pipeline's Prometheus series. Labels are bounded: stage
// is one of a handful of names, kind one of record.Kinds.
type Metrics struct {
	stage    *prometheus.HistogramVec // seconds per stage per file
	files    *prometheus.CounterVec   // files by outcome (ok or an error kind)
	pages    prometheus.Counter
	inFlight prometheus.Gauge // files being processed now
	waiting  prometheus.Gauge // files waiting for a worker slot: the queue depth
}

// Stage names used as the "stage" label.
const (
	StageRead  = "read"
	StageParse = "parse"
	StageScan  = "scan"
	StageRoute = "route"
	StageTotal = "total"
)

// NewMetrics registers the pipeline's metrics with reg (only main uses the
// default registry; tests pass their own).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		stage: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "dataplus", Subsystem: "pipeline", Name: "stage_seconds",
			Help:    "Time spent per file in each pipeline stage.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10), // 100µs .. 26s
		}, []string{"stage"}),
		files: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dataplus", Subsystem: "pipeline", Name: "files_total",
			Help: "Files processed, by outcome: ok or the record's error kind.",
		}, []string{"outcome"}),
		pages: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "dataplus", Subsystem: "pipeline", Name: "pages_total",
			Help: "Pages scanned and routed.",
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "dataplus", Subsystem: "pipeline", Name: "files_in_flight",
			Help: "Files being processed right now.",
		}),
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "dataplus", Subsystem: "pipeline", Name: "files_waiting",
			Help: "Files waiting for a worker slot (the queue depth).",
		}),
	}
	reg.MustRegister(m.stage, m.files, m.pages, m.inFlight, m.waiting)
	// Zero series for every outcome, so rates exist before the first error.
	m.files.WithLabelValues("ok")
	for _, k := range record.Kinds {
		m.files.WithLabelValues(string(k))
	}
	for _, s := range []string{StageRead, StageParse, StageScan, StageRoute, StageTotal} {
		m.stage.WithLabelValues(s)
	}
	return m
}

func (m *Metrics) wait(delta float64) {
	if m != nil {
		m.waiting.Add(delta)
	}
}

// skipped counts a file that got a record without being worked on (a
// missing input, an oversize upload, a request that ended while it waited).
func (m *Metrics) skipped(r *record.Record) {
	if m != nil {
		m.inFlight.Inc()
		m.observe(r)
	}
}

func (m *Metrics) begin() {
	if m != nil {
		m.inFlight.Inc()
	}
}

// observe records one finished file.
func (m *Metrics) observe(r *record.Record) {
	if m == nil {
		return
	}
	m.inFlight.Dec()
	t := r.Timings
	for _, s := range []struct {
		name string
		ms   float64
	}{{StageRead, t.Read}, {StageParse, t.Parse}, {StageScan, t.Scan}, {StageRoute, t.Route}, {StageTotal, t.Total}} {
		if s.ms > 0 {
			m.stage.WithLabelValues(s.name).Observe(s.ms / 1000)
		}
	}
	outcome := "ok"
	if r.Error != nil {
		outcome = string(r.Error.Kind)
	}
	m.files.WithLabelValues(outcome).Inc()
	if r.Route != nil {
		m.pages.Add(float64(r.Route.Pages))
	}
}
