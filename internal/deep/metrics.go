package deep

import (
	"github.com/prometheus/client_golang/prometheus"

	"dataplus/internal/infer"
	"dataplus/internal/record"
)

// Metrics are the feature stage's Prometheus metrics. A nil *Metrics
// records nothing.
type Metrics struct {
	stage       *prometheus.HistogramVec // seconds per document by stage
	pages       *prometheus.CounterVec   // pages by outcome
	batchSize   prometheus.Histogram
	batchTime   prometheus.Histogram
	batchErrors prometheus.Counter
	busy        prometheus.Counter // seconds the model ran
}

// NewMetrics registers the metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		stage: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dataplus_features_stage_seconds",
			Help:    "Time per document in each feature stage (render, infer, fuse).",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 14),
		}, []string{"stage"}),
		pages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dataplus_features_pages_total",
			Help: "Pages given features (embedded) or left out (skipped).",
		}, []string{"outcome"}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "dataplus_infer_batch_size",
			Help:    "Items per model run.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}),
		batchTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "dataplus_infer_batch_seconds",
			Help:    "Time per model run.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}),
		batchErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dataplus_infer_batch_errors_total",
			Help: "Model runs that failed.",
		}),
		busy: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dataplus_infer_busy_seconds_total",
			Help: "Seconds the visual model was running (device busy time).",
		}),
	}
	reg.MustRegister(m.stage, m.pages, m.batchSize, m.batchTime, m.batchErrors, m.busy)
	return m
}

func (m *Metrics) batch(b infer.BatchInfo) {
	if m == nil {
		return
	}
	m.batchSize.Observe(float64(b.Size))
	m.batchTime.Observe(b.Duration.Seconds())
	m.busy.Add(b.Duration.Seconds())
	if b.Err != nil {
		m.batchErrors.Inc()
	}
}

func (m *Metrics) document(rec *record.Record, embedded, skipped int) {
	if m == nil {
		return
	}
	m.stage.WithLabelValues("render").Observe(rec.Timings.Render / 1000)
	m.stage.WithLabelValues("infer").Observe(rec.Timings.Infer / 1000)
	m.stage.WithLabelValues("fuse").Observe(rec.Timings.Fuse / 1000)
	m.pages.WithLabelValues("embedded").Add(float64(embedded))
	m.pages.WithLabelValues("skipped").Add(float64(skipped))
}
