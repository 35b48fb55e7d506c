package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scraper reads GET /metrics before, during and after the run: counters
// and histograms are reported as the change over the run, gauges (in
// flight, queue depth, RSS) as the largest value seen and the last one.
type scraper struct {
	client *http.Client
	url    string
	token  string

	mu       sync.Mutex
	first    map[string]series
	last     map[string]series
	peak     map[string]float64
	scrapes  int
	failures int
	lastErr  string
}

// series is one sample of a counter, gauge or histogram.
type series struct {
	name    string
	typ     dto.MetricType
	value   float64             // counter or gauge
	count   float64             // histogram
	sum     float64             // histogram
	buckets map[float64]float64 // histogram: upper bound -> cumulative count
}

// interesting says which families the report keeps: the server's own and
// the process's memory and goroutines.
func interesting(name string) bool {
	return strings.HasPrefix(name, "dataplus_") || name == "process_resident_memory_bytes" || name == "go_goroutines"
}

func (s *scraper) scrape(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := s.client.Do(req)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	var fams map[string]*dto.MetricFamily
	if err == nil {
		p := expfmt.NewTextParser(model.UTF8Validation)
		fams, err = p.TextToMetricFamilies(resp.Body)
	}
	if resp != nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scrapes++
	if err != nil {
		s.failures++
		s.lastErr = err.Error()
		return err
	}
	cur := flatten(fams)
	if s.first == nil {
		s.first = cur
		s.peak = map[string]float64{}
	}
	s.last = cur
	for k, v := range cur {
		if v.typ == dto.MetricType_GAUGE {
			if p, ok := s.peak[k]; !ok || v.value > p {
				s.peak[k] = v.value
			}
		}
	}
	return nil
}

// loop scrapes every interval until ctx ends.
func (s *scraper) loop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.scrape(ctx) // failures are counted and reported
		}
	}
}

func flatten(fams map[string]*dto.MetricFamily) map[string]series {
	out := map[string]series{}
	for name, f := range fams {
		if !interesting(name) {
			continue
		}
		for _, m := range f.GetMetric() {
			key := name + labelString(m.GetLabel())
			s := series{name: name, typ: f.GetType()}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				s.value = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				s.value = m.GetGauge().GetValue()
			case dto.MetricType_UNTYPED:
				s.typ, s.value = dto.MetricType_GAUGE, m.GetUntyped().GetValue()
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				s.count, s.sum = float64(h.GetSampleCount()), h.GetSampleSum()
				s.buckets = map[float64]float64{}
				for _, b := range h.GetBucket() {
					s.buckets[b.GetUpperBound()] = float64(b.GetCumulativeCount())
				}
			default:
				continue
			}
			out[key] = s
		}
	}
	return out
}

func labelString(ls []*dto.LabelPair) string {
	if len(ls) == 0 {
		return ""
	}
	parts := make([]string, 0, len(ls))
	for _, l := range ls {
		parts = append(parts, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
	}
	slices.Sort(parts)
	return "{" + strings.Join(parts, ",") + "}"
}

// MetricsReport is the /metrics summary.
type MetricsReport struct {
	Scrapes    int              `json:"scrapes"`
	Failures   int              `json:"failures"`
	LastError  string           `json:"last_error,omitempty"`
	Counters   []CounterDelta   `json:"counters"`
	Histograms []HistogramDelta `json:"histograms"`
	Gauges     []GaugePeak      `json:"gauges"`
}

// CounterDelta is a counter's increase over the run.
type CounterDelta struct {
	Series string  `json:"series"`
	Delta  float64 `json:"delta"`
}

// HistogramDelta is what a histogram gained over the run; quantiles are
// estimated from the buckets as histogram_quantile does. Seconds are
// shown as milliseconds.
type HistogramDelta struct {
	Series string  `json:"series"`
	Count  float64 `json:"count"`
	Unit   string  `json:"unit"`
	Mean   float64 `json:"mean"`
	P50    float64 `json:"p50"`
	P99    float64 `json:"p99"`
}

// GaugePeak is a gauge's largest value during the run and its last.
type GaugePeak struct {
	Series string  `json:"series"`
	Max    float64 `json:"max"`
	Last   float64 `json:"last"`
}

func (s *scraper) summary() *MetricsReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &MetricsReport{Scrapes: s.scrapes, Failures: s.failures, LastError: s.lastErr}
	keys := make([]string, 0, len(s.last))
	for k := range s.last {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cur, was := s.last[k], s.first[k]
		switch cur.typ {
		case dto.MetricType_COUNTER:
			if d := cur.value - was.value; d != 0 {
				r.Counters = append(r.Counters, CounterDelta{Series: k, Delta: d})
			}
		case dto.MetricType_GAUGE:
			r.Gauges = append(r.Gauges, GaugePeak{Series: k, Max: s.peak[k], Last: cur.value})
		case dto.MetricType_HISTOGRAM:
			n := cur.count - was.count
			if n <= 0 {
				continue
			}
			scale, unit := 1.0, ""
			if strings.HasSuffix(cur.name, "_seconds") {
				scale, unit = 1000, "ms"
			}
			d := map[float64]float64{}
			for ub, c := range cur.buckets {
				d[ub] = c - was.buckets[ub]
			}
			r.Histograms = append(r.Histograms, HistogramDelta{Series: k, Count: n, Unit: unit,
				Mean: round3((cur.sum - was.sum) / n * scale), P50: round3(bucketQuantile(0.5, d) * scale),
				P99: round3(bucketQuantile(0.99, d) * scale)})
		}
	}
	return r
}

// bucketQuantile estimates a quantile from cumulative bucket counts by
// linear interpolation inside the bucket (Prometheus' histogram_quantile).
func bucketQuantile(q float64, buckets map[float64]float64) float64 {
	ubs := make([]float64, 0, len(buckets))
	for ub := range buckets {
		ubs = append(ubs, ub)
	}
	slices.Sort(ubs)
	if len(ubs) == 0 {
		return math.NaN()
	}
	total := buckets[ubs[len(ubs)-1]]
	if total == 0 {
		return 0
	}
	rank := q * total
	prevUB, prevCount := 0.0, 0.0
	for _, ub := range ubs {
		c := buckets[ub]
		if c >= rank {
			if math.IsInf(ub, 1) {
				return prevUB // beyond the last finite bucket: its bound is all we know
			}
			if c == prevCount {
				return ub
			}
			return prevUB + (ub-prevUB)*(rank-prevCount)/(c-prevCount)
		}
		prevUB, prevCount = ub, c
	}
	return ubs[len(ubs)-1]
}

func (m *MetricsReport) print(w io.Writer) {
	fmt.Fprintf(w, "GET /metrics: %d scrapes, %d failed", m.Scrapes, m.Failures)
	if m.LastError != "" {
		fmt.Fprintf(w, " (last: %s)", m.LastError)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(m.Histograms) > 0 {
		fmt.Fprintln(tw, "histogram (over the run)\tcount\tmean\tp50~\tp99~\t")
		for _, h := range m.Histograms {
			fmt.Fprintf(tw, "%s\t%.0f\t%.3g%s\t%.3g%s\t%.3g%s\t\n", h.Series, h.Count, h.Mean, h.Unit, h.P50, h.Unit, h.P99, h.Unit)
		}
	}
	if len(m.Counters) > 0 {
		fmt.Fprintln(tw, "counter (increase over the run)\tdelta\t\t\t\t")
		for _, c := range m.Counters {
			fmt.Fprintf(tw, "%s\t%g\t\t\t\t\n", c.Series, c.Delta)
		}
	}
	if len(m.Gauges) > 0 {
		fmt.Fprintln(tw, "gauge\tmax\tlast\t\t\t")
		for _, g := range m.Gauges {
			fmt.Fprintf(tw, "%s\t%g\t%g\t\t\t\n", g.Series, g.Max, g.Last)
		}
	}
	tw.Flush()
}
