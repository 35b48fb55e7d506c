package jobs

import "github.com/prometheus/client_golang/prometheus"

// metrics are the job manager's Prometheus series. Labels are bounded:
// state is one of States.
type metrics struct {
	jobs     *prometheus.GaugeVec     // jobs in the store by state
	duration *prometheus.HistogramVec // submit to final state, by final state
	records  prometheus.Counter       // records committed
	commit   prometheus.Histogram     // seconds per record commit (fsync included)
}

// newMetrics registers the metrics with reg; a nil reg keeps them
// unregistered (tests, tools).
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		jobs: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "dataplus", Name: "jobs",
			Help: "Jobs in the job store, by state.",
		}, []string{"state"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "dataplus", Subsystem: "jobs", Name: "duration_seconds",
			Help:    "Time from submission to the final state, by final state.",
			Buckets: prometheus.ExponentialBuckets(0.1, 4, 10), // 100ms .. 7h
		}, []string{"state"}),
		records: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "dataplus", Subsystem: "jobs", Name: "records_stored_total",
			Help: "Per-file records committed to the job store.",
		}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "dataplus", Subsystem: "jobs", Name: "commit_seconds",
			Help:    "Time to commit a batch of records, fsync included.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 9), // 100µs .. 6.5s
		}),
	}
	for _, s := range States {
		m.jobs.WithLabelValues(string(s))
		if s.Final() {
			m.duration.WithLabelValues(string(s))
		}
	}
	if reg != nil {
		reg.MustRegister(m.jobs, m.duration, m.records, m.commit)
	}
	return m
}

func (m *metrics) unregister(reg prometheus.Registerer) {
	if reg == nil {
		return
	}
	for _, c := range []prometheus.Collector{m.jobs, m.duration, m.records, m.commit} {
		reg.Unregister(c)
	}
}
