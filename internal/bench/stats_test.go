package bench

import (
	"math"
	"strconv"
	"testing"

	"dataplus/internal/ingest"
)

func TestStatOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []float64
		want Stat
	}{
		{"none", nil, Stat{}},
		{"one", []float64{4}, Stat{Median: 4, Min: 4, Max: 4, N: 1}},
		{"odd", []float64{10, 9, 12}, Stat{Median: 10, Min: 9, Max: 12, NoisePct: 20, N: 3}},
		{"even", []float64{1, 2, 3, 4}, Stat{Median: 2.5, Min: 1, Max: 4, NoisePct: 60, N: 4}},
		{"flat", []float64{5, 5, 5}, Stat{Median: 5, Min: 5, Max: 5, N: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := statOf(tc.in); got != tc.want {
				t.Errorf("statOf(%v) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestPercentiles(t *testing.T) {
	v := make([]float64, 100)
	for i := range v {
		v[i] = float64(100 - i) // 100 .. 1, unsorted
	}
	p := percentiles(v)
	if p != (Percentiles{Samples: 100, P50: 50, P90: 90, P99: 99, Max: 100}) {
		t.Errorf("percentiles: %+v", p)
	}
	if v[0] != 100 {
		t.Error("percentiles sorted its input")
	}
	if one := percentiles([]float64{7}); one.P50 != 7 || one.P99 != 7 {
		t.Errorf("one sample: %+v", one)
	}
}

func TestSlope(t *testing.T) {
	x := []float64{0, 1, 2, 3}
	if s := slope(x, []float64{1, 3, 5, 7}); math.Abs(s-2) > 1e-12 {
		t.Errorf("slope %v, want 2", s)
	}
	if s := slope([]float64{1, 1}, []float64{1, 2}); s != 0 {
		t.Errorf("vertical: %v", s)
	}
}

func TestSample(t *testing.T) {
	src := fixtureLikeSources(10)
	got := sample(src, 4)
	want := []string{"0", "2", "5", "7"}
	for i, s := range got {
		if s.Path != want[i] || s.Index != i {
			t.Errorf("sample[%d] = %+v, want path %s", i, s, want[i])
		}
	}
	if len(sample(src, 0)) != 10 || len(sample(src, 20)) != 10 {
		t.Error("0 or more than there are must take every file")
	}
}

func fixtureLikeSources(n int) []ingest.Source {
	out := make([]ingest.Source, n)
	for i := range out {
		out[i] = ingest.Source{Index: i, Path: strconv.Itoa(i)}
	}
	return out
}
