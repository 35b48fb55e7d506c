package features

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// TextFitOptions configure FitText.
type TextFitOptions struct {
	LSADim int // LSA components to keep; 0 fits the IDF only
	MinDF  int // buckets seen in fewer documents get IDF 0; 0 means 1
}

// Randomised SVD settings: extra dimensions sampled beyond LSADim and
// power iterations. Ten and five are the usual choices (Halko, Martinsson
// and Tropp 2011; scikit-learn uses the same); the seed makes a fit
// reproducible.
const (
	lsaOversample = 10
	lsaPowerIters = 5
	lsaSeed       = 0x64617461706c7573 // "dataplus"
)

// FitText fits a text model on a sample of page or document texts: the
// smoothed inverse document frequency of each bucket,
// idf = ln((1+n)/(1+df)) + 1, and, when opts.LSADim > 0, a truncated SVD
// of the documents × buckets TF-IDF matrix (rows L2-normalised, not
// centred, as in classic LSA) that keeps the top LSADim right singular
// vectors. Each component's sign is fixed so that its largest-magnitude
// loading is positive.
//
// The SVD is randomised (a Gaussian sketch, power iterations, then an
// exact SVD of the small projected matrix) and works on the sparse rows,
// so a fit on 5,000 pages takes seconds, not the minutes a dense SVD of
// a 5,000×4,096 matrix would. When LSADim+10 reaches the number of
// documents the sketch spans the whole row space and the result is the
// exact truncated SVD.
func FitText(docs []string, opts TextFitOptions) (*TextModel, error) {
	n := len(docs)
	switch {
	case n == 0:
		return nil, errors.New("fit text: no documents")
	case opts.LSADim < 0:
		return nil, fmt.Errorf("fit text: negative LSA dimension %d", opts.LSADim)
	case opts.MinDF < 0:
		return nil, fmt.Errorf("fit text: negative minimum document frequency %d", opts.MinDF)
	case opts.LSADim > min(n, TextDim):
		return nil, fmt.Errorf("fit text: LSA dimension %d exceeds min(documents %d, buckets %d)", opts.LSADim, n, TextDim)
	}
	m := &TextModel{Docs: n, MinDF: max(opts.MinDF, 1), IDF: make([]float32, TextDim), LSADim: opts.LSADim}
	rows := make([][]entry, n)
	df := make([]int, TextDim)
	for i, d := range docs {
		rows[i] = hashedTF(d)
		for _, e := range rows[i] {
			df[e.bucket]++
		}
	}
	for b, c := range df {
		if c >= m.MinDF {
			m.IDF[b] = float32(math.Log(float64(1+n)/float64(1+c)) + 1)
		}
	}
	if m.LSADim == 0 {
		return m, nil
	}
	for i := range rows {
		rows[i] = m.weigh(rows[i])
	}
	v, err := truncatedSVD(rows, m.LSADim)
	if err != nil {
		return nil, fmt.Errorf("fit text: %w", err)
	}
	m.LSA = v
	return m, nil
}

// truncatedSVD returns the top k right singular vectors of the sparse
// n×TextDim matrix rows, as TextDim rows of k values.
func truncatedSVD(rows [][]entry, k int) ([]float32, error) {
	n, d := len(rows), TextDim
	l := min(k+lsaOversample, n, d)
	rng := rand.New(rand.NewPCG(lsaSeed, lsaSeed))
	omega := make([]float64, d*l)
	for i := range omega {
		omega[i] = rng.NormFloat64()
	}
	// Y = X·Ω spans (almost) the range of X; each power iteration
	// Y = X·(Xᵀ·Y) sharpens the decay of the spectrum so that the top k
	// directions dominate the sketch.
	y := mulX(rows, omega, l)
	orthonormalize(y, n, l)
	for range lsaPowerIters {
		z := mulXT(rows, y, d, l)
		orthonormalize(z, d, l)
		y = mulX(rows, z, l)
		orthonormalize(y, n, l)
	}
	// Bᵀ = Xᵀ·Q is d×l and has the right singular vectors of X (within the
	// sketch) as its left singular vectors.
	bt := mat.NewDense(d, l, mulXT(rows, y, d, l))
	var svd mat.SVD
	if !svd.Factorize(bt, mat.SVDThinU) {
		return nil, errors.New("svd did not converge")
	}
	var u mat.Dense
	svd.UTo(&u)
	out := make([]float32, d*k)
	for j := range k {
		sign := signOfLargest(func(i int) float64 { return u.At(i, j) }, d)
		for i := range d {
			out[i*k+j] = float32(sign * u.At(i, j))
		}
	}
	return out, nil
}

// mulX returns X·B, n×l, for the sparse rows X and B with TextDim rows of
// l values.
func mulX(rows [][]entry, b []float64, l int) []float64 {
	out := make([]float64, len(rows)*l)
	for i, r := range rows {
		dst := out[i*l : (i+1)*l]
		for _, e := range r {
			src := b[e.bucket*l : (e.bucket+1)*l]
			for j, v := range src {
				dst[j] += e.w * v
			}
		}
	}
	return out
}

// mulXT returns Xᵀ·B, d×l, for the sparse rows X and B with one row of l
// values per row of X.
func mulXT(rows [][]entry, b []float64, d, l int) []float64 {
	out := make([]float64, d*l)
	for i, r := range rows {
		src := b[i*l : (i+1)*l]
		for _, e := range r {
			dst := out[e.bucket*l : (e.bucket+1)*l]
			for j, v := range src {
				dst[j] += e.w * v
			}
		}
	}
	return out
}

// orthonormalize makes the l columns of the row-major r×l matrix a
// orthonormal by modified Gram–Schmidt, applied twice for stability. A
// column that depends on the ones before it becomes zero: the matrix has
// lower rank than l, and the zero column adds nothing to the sketch.
func orthonormalize(a []float64, r, l int) {
	t := make([]float64, l*r) // columns of a as contiguous rows
	for i := range r {
		for j := range l {
			t[j*r+i] = a[i*l+j]
		}
	}
	for j := range l {
		cj := t[j*r : (j+1)*r]
		before := math.Sqrt(dot(cj, cj))
		for range 2 {
			for p := range j {
				cp := t[p*r : (p+1)*r]
				axpy(-dot(cj, cp), cp, cj)
			}
		}
		norm := math.Sqrt(dot(cj, cj))
		if before == 0 || norm <= 1e-10*before {
			clear(cj)
			continue
		}
		for i := range cj {
			cj[i] /= norm
		}
	}
	for i := range r {
		for j := range l {
			a[i*l+j] = t[j*r+i]
		}
	}
}

func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// axpy adds alpha·x to y.
func axpy(alpha float64, x, y []float64) {
	for i, v := range x {
		y[i] += alpha * v
	}
}

// signOfLargest returns the sign (+1 or -1) of the largest-magnitude value
// among at(0) … at(n-1); ties go to the first. Components of an SVD or an
// eigen-decomposition are defined up to sign; fixing it this way makes
// fits reproducible across libraries and runs.
func signOfLargest(at func(i int) float64, n int) float64 {
	best, idx := -1.0, 0
	for i := range n {
		if a := math.Abs(at(i)); a > best {
			best, idx = a, i
		}
	}
	if at(idx) < 0 {
		return -1
	}
	return 1
}
