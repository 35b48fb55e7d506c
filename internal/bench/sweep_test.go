package bench

import (
	"strings"
	"testing"
)

func point(v int, tput float64, render, inferShare, rss float64) SweepPoint {
	return SweepPoint{Value: v, Throughput: tput, Round: Round{
		StageShare: Stages{Render: render, Infer: inferShare},
		CPU:        CPU{Cores: 1.9},
		Memory:     Memory{PeakRSSMiB: rss},
	}}
}

func TestAnalyse(t *testing.T) {
	hw := Hardware{CPUs: 2, MemoryMiB: 1000}
	for _, tc := range []struct {
		name                    string
		points                  []SweepPoint
		best, recommended, stop int
		bound                   string
	}{
		{"render-bound", []SweepPoint{point(1, 1.0, 0.7, 0.3, 300), point(2, 1.85, 0.7, 0.3, 400), point(4, 1.9, 0.7, 0.3, 500)}, 4, 2, 2, "render-bound"},
		{"inference-bound", []SweepPoint{point(1, 2.0, 0.2, 0.8, 300), point(2, 2.1, 0.2, 0.8, 300), point(4, 1.9, 0.2, 0.8, 300)}, 2, 1, 1, "inference-bound"},
		{"memory-bound", []SweepPoint{point(1, 1.0, 0.6, 0.4, 500), point(2, 1.05, 0.6, 0.4, 900)}, 2, 1, 1, "memory-bound"},
		{"still scaling", []SweepPoint{point(1, 1.0, 0.6, 0.4, 300), point(2, 1.5, 0.6, 0.4, 300)}, 2, 2, 2, "render-bound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sw := Sweep{Param: "workers", Status: StatusOK}
			for i, p := range tc.points {
				if i > 0 {
					p.GainPct = round(100*(p.Throughput/tc.points[i-1].Throughput-1), 1)
				}
				sw.Points = append(sw.Points, p)
			}
			analyse(&sw, hw)
			if sw.Best != tc.best || sw.Recommended != tc.recommended || sw.StopsScalingAt != tc.stop || sw.Bound != tc.bound {
				t.Errorf("best %d recommended %d stops at %d %s, want %d %d %d %s (%s)",
					sw.Best, sw.Recommended, sw.StopsScalingAt, sw.Bound, tc.best, tc.recommended, tc.stop, tc.bound, sw.Why)
			}
			if !strings.Contains(sw.Why, "rendering took") {
				t.Errorf("why: %s", sw.Why)
			}
			rec := recommend([]Sweep{sw})
			if rec == nil || rec.Workers != tc.recommended || len(rec.Why) != 1 {
				t.Errorf("recommendation %+v", rec)
			}
		})
	}
}

func TestVerdict(t *testing.T) {
	samples := func(n int, rss func(i int) float64) []MemSample {
		var out []MemSample
		for i := range n {
			out = append(out, MemSample{T: float64(i) * 0.25, RSSMiB: rss(i), HeapMiB: 10})
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		samples []MemSample
		want    string
	}{
		// 240 samples over 60 s.
		{"flat with noise", samples(240, func(i int) float64 { return 200 + float64(i%3) }), "stable"},
		// Grows 1 MiB per 4 samples: 60 MiB/min on 200-260 MiB.
		{"leak", samples(240, func(i int) float64 { return 200 + float64(i)/4 }), "growing"},
		// Grows in the first half only (warming caches), flat after.
		{"warms then flat", samples(240, func(i int) float64 { return 100 + min(float64(i), 120) }), "stable"},
		{"too short", samples(6, func(int) float64 { return 100 }), "too_short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mp := &MemoryProfile{Samples: tc.samples}
			verdict(mp)
			if mp.Verdict != tc.want || mp.Why == "" {
				t.Errorf("verdict %s (%s), want %s", mp.Verdict, mp.Why, tc.want)
			}
		})
	}
}

// TestFindGPU: this build has no GPU backend, so no GPU is ever found,
// and the reason says so.
func TestFindGPU(t *testing.T) {
	g := FindGPU()
	if g.Found || !strings.Contains(g.Reason, "no GPU backend") {
		t.Fatalf("%+v", g)
	}
}
