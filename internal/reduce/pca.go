package reduce

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Options configure Fit.
type Options struct {
	Components int // principal components to keep, at least 1
	// MinVariance drops input dimensions whose sample variance is below
	// it before PCA (constant and near-constant columns carry nothing and
	// would only slow the decomposition); 0 keeps every dimension.
	MinVariance float64
	// Whiten divides each projected coordinate by the square root of its
	// component's variance, so that every coordinate has unit variance on
	// the fitting sample.
	Whiten bool
}

// Model is a fitted PCA. Project maps an input vector to its coordinates
// on the components.
type Model struct {
	// Normalize L2-normalises Project's output, for cosine search on the
	// projected vectors. It is stored in the model's file.
	Normalize bool

	inputDim   int
	kept       []int     // input dimensions used, ascending
	mean       []float32 // mean of each kept dimension
	components []float32 // Dim() rows of len(kept) values, unit length, by decreasing variance
	variance   []float64 // sample variance along each component
	ratio      []float64 // variance over the total variance of the kept dimensions
	whiten     bool
}

// Fit centres rows, keeps the dimensions whose variance reaches
// opts.MinVariance and finds their opts.Components principal components.
// The decomposition is chosen by shape: an eigen-decomposition of the
// covariance matrix when there are at least twice as many rows as kept
// dimensions (the covariance is then the smaller matrix), else a thin
// SVD of the centred data. Components come by decreasing explained
// variance, each with its largest-magnitude loading positive, so that a
// fit is reproducible.
//
// Fit fails on fewer than two rows, rows of different lengths, NaN or
// infinite values, and more components than min(rows-1, kept dimensions).
func Fit(rows [][]float32, opts Options) (*Model, error) {
	n := len(rows)
	switch {
	case n < 2:
		return nil, fmt.Errorf("pca fit: need at least 2 rows, got %d", n)
	case len(rows[0]) == 0:
		return nil, errors.New("pca fit: rows are empty")
	case opts.Components < 1:
		return nil, fmt.Errorf("pca fit: components must be at least 1, got %d", opts.Components)
	case !(opts.MinVariance >= 0) || math.IsInf(opts.MinVariance, 0):
		return nil, fmt.Errorf("pca fit: minimum variance %v, want a finite value >= 0", opts.MinVariance)
	}
	d := len(rows[0])
	for i, r := range rows {
		if len(r) != d {
			return nil, fmt.Errorf("pca fit: row %d has %d values, want %d", i, len(r), d)
		}
		for j, v := range r {
			if !finite(float64(v)) {
				return nil, fmt.Errorf("pca fit: row %d value %d is %v", i, j, v)
			}
		}
	}

	mean := make([]float64, d)
	for _, r := range rows {
		for j, v := range r {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	variance := make([]float64, d)
	for _, r := range rows {
		for j, v := range r {
			c := float64(v) - mean[j]
			variance[j] += c * c
		}
	}
	var kept []int
	total := 0.0
	for j := range variance {
		variance[j] /= float64(n - 1)
		if opts.MinVariance == 0 || variance[j] >= opts.MinVariance {
			kept = append(kept, j)
			total += variance[j]
		}
	}
	p := len(kept)
	switch {
	case p == 0:
		return nil, fmt.Errorf("pca fit: no dimension has variance >= %g", opts.MinVariance)
	case opts.Components > min(n-1, p):
		return nil, fmt.Errorf("pca fit: %d components asked, at most min(rows-1, kept dimensions) = %d", opts.Components, min(n-1, p))
	case total == 0:
		return nil, errors.New("pca fit: the data has no variance")
	}

	x := mat.NewDense(n, p, nil)
	for i, r := range rows {
		for c, j := range kept {
			x.Set(i, c, float64(r[j])-mean[j])
		}
	}
	vecs, vars, err := decompose(x, opts.Components, 2*p <= n)
	if err != nil {
		return nil, fmt.Errorf("pca fit: %w", err)
	}

	m := &Model{
		inputDim:   d,
		kept:       kept,
		mean:       make([]float32, p),
		components: make([]float32, opts.Components*p),
		variance:   vars,
		ratio:      make([]float64, opts.Components),
		whiten:     opts.Whiten,
	}
	for c, j := range kept {
		m.mean[c] = float32(mean[j])
	}
	for i := range opts.Components {
		sign := signOfLargest(vecs, i)
		for c := range p {
			m.components[i*p+c] = float32(sign * vecs.At(c, i))
		}
		m.ratio[i] = vars[i] / total
	}
	return m, nil
}

// decompose returns the top k principal directions of the centred n×p
// data x as the columns of a p×k matrix, and the sample variance along
// each, in decreasing order of variance.
func decompose(x *mat.Dense, k int, covariance bool) (*mat.Dense, []float64, error) {
	n, p := x.Dims()
	vars := make([]float64, k)
	vecs := mat.NewDense(p, k, nil)
	if covariance {
		var cov mat.SymDense
		cov.SymOuterK(1/float64(n-1), x.T())
		var eig mat.EigenSym
		if !eig.Factorize(&cov, true) {
			return nil, nil, errors.New("eigen-decomposition did not converge")
		}
		vals := eig.Values(nil) // ascending
		var q mat.Dense
		eig.VectorsTo(&q)
		for i := range k {
			src := p - 1 - i
			vars[i] = max(vals[src], 0) // rounding can make a zero eigenvalue slightly negative
			for r := range p {
				vecs.Set(r, i, q.At(r, src))
			}
		}
		return vecs, vars, nil
	}
	var svd mat.SVD
	if !svd.Factorize(x, mat.SVDThinV) {
		return nil, nil, errors.New("SVD did not converge")
	}
	vals := svd.Values(nil) // descending
	var v mat.Dense
	svd.VTo(&v)
	for i := range k {
		vars[i] = vals[i] * vals[i] / float64(n-1)
		for r := range p {
			vecs.Set(r, i, v.At(r, i))
		}
	}
	return vecs, vars, nil
}

// signOfLargest returns the sign (+1 or -1) of the largest-magnitude
// value of column j; ties go to the first. Principal directions are
// defined up to sign; fixing it makes fits reproducible.
func signOfLargest(m *mat.Dense, j int) float64 {
	r, _ := m.Dims()
	best, idx := -1.0, 0
	for i := range r {
		if a := math.Abs(m.At(i, j)); a > best {
			best, idx = a, i
		}
	}
	if m.At(idx, j) < 0 {
		return -1
	}
	return 1
}

// Project returns the coordinates of v on the model's components:
// (v[kept] − mean) · component for each component, divided by the
// component's standard deviation when the model whitens, and
// L2-normalised when Normalize is set (a vector at the mean stays zero).
func (m *Model) Project(v []float32) ([]float32, error) {
	if len(v) != m.inputDim {
		return nil, fmt.Errorf("pca project: vector has %d values, want %d", len(v), m.inputDim)
	}
	p := len(m.kept)
	centred := make([]float64, p)
	for c, j := range m.kept {
		if !finite(float64(v[j])) {
			return nil, fmt.Errorf("pca project: value %d is %v", j, v[j])
		}
		centred[c] = float64(v[j]) - float64(m.mean[c])
	}
	out := make([]float64, m.Dim())
	for i := range out {
		row := m.components[i*p : (i+1)*p]
		var s float64
		for c, w := range row {
			s += centred[c] * float64(w)
		}
		if m.whiten && m.variance[i] > 0 {
			s /= math.Sqrt(m.variance[i])
		}
		out[i] = s
	}
	if m.Normalize {
		var ss float64
		for _, x := range out {
			ss += x * x
		}
		if ss > 0 {
			inv := 1 / math.Sqrt(ss)
			for i := range out {
				out[i] *= inv
			}
		}
	}
	res := make([]float32, len(out))
	for i, x := range out {
		res[i] = float32(x)
	}
	return res, nil
}

// Dim is the number of components: the length of Project's output.
func (m *Model) Dim() int { return len(m.variance) }

// InputDim is the length of the vectors Project takes.
func (m *Model) InputDim() int { return m.inputDim }

// Kept returns the input dimensions the model uses, ascending.
func (m *Model) Kept() []int { return slices.Clone(m.kept) }

// ExplainedVariance returns the sample variance along each component.
func (m *Model) ExplainedVariance() []float64 { return slices.Clone(m.variance) }

// ExplainedVarianceRatio returns each component's share of the total
// variance of the kept input dimensions, in decreasing order.
func (m *Model) ExplainedVarianceRatio() []float64 { return slices.Clone(m.ratio) }

// Whiten reports whether Project whitens.
func (m *Model) Whiten() bool { return m.whiten }

// ID identifies the model's content, Normalize included: the id that a
// file holding only this model carries (see Bundle), whenever it was
// written.
func (m *Model) ID() string {
	h, payload, err := encode(&Bundle{PCA: m})
	if err != nil {
		// Only non-finite values fail to encode, and Fit and Load
		// never produce them.
		return ""
	}
	return contentID(h, payload)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
