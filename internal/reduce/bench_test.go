package reduce

import (
	"math/rand/v2"
	"testing"
)

// benchRows returns n random rows of dim values with a decaying spectrum,
// like fused feature vectors.
func benchRows(n, dim int) [][]float32 {
	rng := rand.New(rand.NewPCG(1, 2))
	rows := make([][]float32, n)
	for i := range rows {
		r := make([]float32, dim)
		for j := range r {
			r[j] = float32(rng.NormFloat64() / float64(1+j%50))
		}
		rows[i] = r
	}
	return rows
}

// BenchmarkFit fits 64 components on 2,000 rows of 256 values (the
// covariance path).
func BenchmarkFit(b *testing.B) {
	rows := benchRows(2000, 256)
	for b.Loop() {
		if _, err := Fit(rows, Options{Components: 64}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rows)*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkProject projects a 4,200-value vector (visual, layout, hashed
// text, meta) on 128 components.
func BenchmarkProject(b *testing.B) {
	rows := benchRows(300, 4200)
	m, err := Fit(rows, Options{Components: 128})
	if err != nil {
		b.Fatal(err)
	}
	v := rows[0]
	for b.Loop() {
		if _, err := m.Project(v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "vectors/s")
}
