package reduce

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Three orthonormal directions in the first six dimensions.
var directions = [][]float64{
	{1 / math.Sqrt(6), 1 / math.Sqrt(6), 1 / math.Sqrt(6), 1 / math.Sqrt(6), 1 / math.Sqrt(6), 1 / math.Sqrt(6)},
	{1 / math.Sqrt(6), -1 / math.Sqrt(6), 1 / math.Sqrt(6), -1 / math.Sqrt(6), 1 / math.Sqrt(6), -1 / math.Sqrt(6)},
	{0.5, 0.5, -0.5, -0.5, 0, 0},
}

// stddevs along the directions: variances 9, 4 and 1.
var stddevs = []float64{3, 2, 1}

// knownData returns n rows of dim values (dim >= 6, n a multiple of 8):
// an offset, plus along direction k the score stddev_k·w_k(i), where w_k
// is the Walsh function (−1)^(bit k of i), plus uniform noise of
// amplitude 1e-4. The Walsh scores have mean zero and are exactly
// uncorrelated, so the principal directions are the three above, with
// sample variances stddev²·n/(n−1), up to the noise.
func knownData(n, dim int) [][]float32 {
	rng := rand.New(rand.NewPCG(7, 11))
	rows := make([][]float32, n)
	for i := range rows {
		r := make([]float32, dim)
		for j := range r {
			v := 0.5*float64(j) - 1 + 1e-4*(2*rng.Float64()-1)
			for k, dir := range directions {
				if j < len(dir) {
					w := 1.0
					if i>>k&1 == 1 {
						w = -1
					}
					v += stddevs[k] * w * dir[j]
				}
			}
			r[j] = float32(v)
		}
		rows[i] = r
	}
	return rows
}

func TestFitKnownDecomposition(t *testing.T) {
	tests := []struct {
		name   string
		n, dim int
		cov    bool // the decomposition Fit is expected to choose
	}{
		{"covariance path, 6-D", 4096, 6, true},
		{"svd path, 40-D", 64, 40, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := knownData(tt.n, tt.dim)
			if got := 2*tt.dim <= tt.n; got != tt.cov {
				t.Fatalf("shape picks covariance=%v, test expects %v", got, tt.cov)
			}
			m, err := Fit(rows, Options{Components: 3})
			if err != nil {
				t.Fatal(err)
			}
			if m.Dim() != 3 || m.InputDim() != tt.dim || len(m.Kept()) != tt.dim {
				t.Fatalf("dim %d, input %d, kept %d", m.Dim(), m.InputDim(), len(m.Kept()))
			}
			p := len(m.kept)
			scale := float64(tt.n) / float64(tt.n-1)
			total := 14 * scale
			for k, dir := range directions {
				comp := m.components[k*p : (k+1)*p]
				var d float64
				for j, w := range comp {
					if j < len(dir) {
						d += float64(w) * dir[j]
					}
				}
				if math.Abs(math.Abs(d)-1) > 1e-3 {
					t.Errorf("component %d: |cos| with direction %d = %.6f, want 1", k, k, math.Abs(d))
				}
				// Sign convention: the largest-magnitude loading is positive.
				big := slices.MaxFunc(comp, func(a, b float32) int { return cmpAbs(a, b) })
				if big < 0 {
					t.Errorf("component %d: largest loading %v is negative", k, big)
				}
				want := stddevs[k] * stddevs[k] * scale
				if got := m.variance[k]; math.Abs(got-want) > 1e-3*want {
					t.Errorf("variance %d = %v, want %v", k, got, want)
				}
				if got := m.ExplainedVarianceRatio()[k]; math.Abs(got-want/total) > 1e-4 {
					t.Errorf("ratio %d = %v, want %v", k, got, want/total)
				}
			}

			// The mean projects to about zero; mean + 3·direction 0 to
			// about (±3, 0, 0).
			mean := make([]float32, tt.dim)
			shifted := make([]float32, tt.dim)
			for j := range mean {
				mean[j] = m.mean[j]
				shifted[j] = m.mean[j]
				if j < 6 {
					shifted[j] += float32(3 * directions[0][j])
				}
			}
			y, err := m.Project(mean)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range y {
				if math.Abs(float64(v)) > 1e-5 {
					t.Errorf("projection of the mean [%d] = %v, want 0", k, v)
				}
			}
			y, _ = m.Project(shifted)
			if math.Abs(math.Abs(float64(y[0]))-3) > 1e-3 || math.Abs(float64(y[1])) > 1e-3 || math.Abs(float64(y[2])) > 1e-3 {
				t.Errorf("projection of mean + 3·u1 = %v, want (±3, 0, 0)", y)
			}
		})
	}
}

func cmpAbs(a, b float32) int {
	switch x, y := math.Abs(float64(a)), math.Abs(float64(b)); {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// TestDecomposePathsAgree runs both decompositions on the same data.
func TestDecomposePathsAgree(t *testing.T) {
	rows := knownData(64, 12)
	m, err := Fit(rows, Options{Components: 4})
	if err != nil {
		t.Fatal(err)
	}
	x := mat.NewDense(64, 12, nil)
	for i, r := range rows {
		for j, v := range r {
			x.Set(i, j, float64(v)-float64(m.mean[j]))
		}
	}
	vc, varc, err := decompose(x, 3, true)
	if err != nil {
		t.Fatal(err)
	}
	vs, vars, err := decompose(x, 3, false)
	if err != nil {
		t.Fatal(err)
	}
	for k := range 3 {
		if math.Abs(varc[k]-vars[k]) > 1e-9*vars[0] {
			t.Errorf("variance %d: covariance %v, svd %v", k, varc[k], vars[k])
		}
		d := mat.Dot(vc.ColView(k), vs.ColView(k))
		if math.Abs(math.Abs(d)-1) > 1e-6 {
			t.Errorf("component %d: |cos| between the paths = %v", k, math.Abs(d))
		}
	}
}

func TestWhitenAndNormalize(t *testing.T) {
	rows := knownData(512, 6)
	m, err := Fit(rows, Options{Components: 2, Whiten: true})
	if err != nil {
		t.Fatal(err)
	}
	// Whitened coordinates have unit sample variance on the fitting data.
	var ss [2]float64
	for _, r := range rows {
		y, err := m.Project(r)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range y {
			ss[k] += float64(v) * float64(v)
		}
	}
	for k, s := range ss {
		if v := s / float64(len(rows)-1); math.Abs(v-1) > 1e-4 {
			t.Errorf("whitened coordinate %d has variance %v, want 1", k, v)
		}
	}
	m.Normalize = true
	y, _ := m.Project(rows[3])
	if n := math.Hypot(float64(y[0]), float64(y[1])); math.Abs(n-1) > 1e-6 {
		t.Errorf("normalised projection has norm %v", n)
	}
	y, _ = m.Project(m.mean)
	if y[0] > 1e-6 || y[0] < -1e-6 {
		t.Errorf("normalised projection of the mean = %v, want about zero", y)
	}
}

func TestMinVarianceDropsConstantColumns(t *testing.T) {
	base := knownData(256, 6)
	rows := make([][]float32, len(base))
	for i, r := range base {
		// Columns 1 and 4 constant, column 6 nearly so.
		rows[i] = []float32{r[0], 5, r[1], r[2], -2, r[3], 1 + 1e-6*float32(i%2), r[4], r[5]}
	}
	m, err := Fit(rows, Options{Components: 3, MinVariance: 1e-6})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Kept(), []int{0, 2, 3, 5, 7, 8}; !slices.Equal(got, want) {
		t.Errorf("kept %v, want %v", got, want)
	}
	if m.InputDim() != 9 {
		t.Errorf("input dim %d, want 9", m.InputDim())
	}
	all, err := Fit(rows, Options{Components: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Kept()) != 9 {
		t.Errorf("MinVariance 0 kept %d dimensions, want all 9", len(all.Kept()))
	}
	// Dropped dimensions do not affect the projection.
	a, _ := m.Project(rows[10])
	moved := slices.Clone(rows[10])
	moved[1], moved[4], moved[6] = 1000, -1000, 7
	b, _ := m.Project(moved)
	if !slices.Equal(a, b) {
		t.Errorf("projection changed with dropped dimensions: %v vs %v", a, b)
	}
}

func TestFitErrors(t *testing.T) {
	good := knownData(16, 6)
	nan := slices.Clone(good)
	nan[3] = slices.Clone(nan[3])
	nan[3][2] = float32(math.NaN())
	constant := [][]float32{{1, 2}, {1, 2}, {1, 2}}
	tests := []struct {
		name string
		rows [][]float32
		opts Options
		want string
	}{
		{"no rows", nil, Options{Components: 1}, "at least 2 rows"},
		{"one row", good[:1], Options{Components: 1}, "at least 2 rows"},
		{"empty rows", [][]float32{{}, {}}, Options{Components: 1}, "empty"},
		{"ragged", append(slices.Clone(good[:4]), []float32{1}), Options{Components: 1}, "row 4 has 1 values"},
		{"nan", nan, Options{Components: 1}, "row 3 value 2 is NaN"},
		{"zero components", good, Options{}, "at least 1"},
		{"components over rows-1", good[:3], Options{Components: 3}, "at most"},
		{"components over dims", good, Options{Components: 7}, "at most"},
		{"components over kept", good, Options{Components: 5, MinVariance: 2.4}, "at most"}, // dims 4 and 5 have variance 2.31, the others 2.58
		{"nothing kept", good, Options{Components: 1, MinVariance: 1e6}, "no dimension"},
		{"negative min variance", good, Options{Components: 1, MinVariance: -1}, "minimum variance"},
		{"no variance", constant, Options{Components: 1}, "no variance"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Fit(tt.rows, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestProjectErrors(t *testing.T) {
	m, err := Fit(knownData(16, 6), Options{Components: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Project(make([]float32, 5)); err == nil {
		t.Error("a short vector was accepted")
	}
	v := make([]float32, 6)
	v[4] = float32(math.Inf(1))
	if _, err := m.Project(v); err == nil {
		t.Error("an infinite value was accepted")
	}
}
