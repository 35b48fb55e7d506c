package features

import (
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Two topics, astronomy and baking, in plain sentences of the kind a page
// holds. The topics share only function words.
var (
	astronomy = []string{
		"The telescope observed a distant galaxy whose light left its stars billions of years ago.",
		"Planets orbit their star on elliptical paths, and the orbit of each planet is set by gravity.",
		"Astronomers measured the redshift of the galaxy to estimate how fast it moves away from us.",
		"A comet is a small icy body that develops a glowing tail when its orbit brings it near the star.",
		"The space telescope recorded infrared light from dust clouds where new stars and planets form.",
		"Gravity from the black hole bends the light of stars behind it, an effect astronomers call lensing.",
	}
	baking = []string{
		"Mix the flour, sugar and butter, then knead the dough until it is smooth and elastic.",
		"Bake the bread in a hot oven for forty minutes, until the crust is brown and the loaf sounds hollow.",
		"Whisk the eggs with sugar, fold in the flour, and pour the batter into a buttered cake tin.",
		"Let the dough rise in a warm kitchen for an hour before you shape the loaves and bake them.",
		"The recipe asks for cold butter rubbed into the flour so that the pastry bakes light and flaky.",
		"Preheat the oven, grease the tin with butter, and bake the cake until a skewer comes out clean.",
	}
)

func TestFitTextLSATopics(t *testing.T) {
	docs := slices.Concat(astronomy, baking)
	m, err := FitText(docs, TextFitOptions{LSADim: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if m.Dim() != 2 || len(m.LSA) != 2*TextDim {
		t.Fatalf("dim %d, %d LSA values", m.Dim(), len(m.LSA))
	}
	vecs := make([][]float32, len(docs))
	for i, d := range docs {
		vecs[i] = m.Vector(d)
		if n := norm32(vecs[i]); math.Abs(n-1) > 1e-6 {
			t.Fatalf("doc %d: norm %v, want 1", i, n)
		}
	}
	// Every document is nearer every document of its own topic than any
	// document of the other topic.
	topic := func(i int) int { return i / len(astronomy) }
	for i := range docs {
		worstSame, bestOther := float32(2), float32(-2)
		for j := range docs {
			if i == j {
				continue
			}
			c := Cosine(vecs[i], vecs[j])
			if topic(i) == topic(j) {
				worstSame = min(worstSame, c)
			} else {
				bestOther = max(bestOther, c)
			}
		}
		if worstSame <= bestOther {
			t.Errorf("doc %d: least similar of its topic %.3f <= most similar of the other %.3f", i, worstSame, bestOther)
		}
	}
	// Unseen texts land with their topic.
	a := m.Vector("Light from the star and its planets reached the telescope.")
	b := m.Vector("Rub the butter into the flour and bake the dough in the oven.")
	if ca, cb := Cosine(a, vecs[0]), Cosine(b, vecs[0]); ca <= cb {
		t.Errorf("astronomy query vs astronomy doc %.3f, baking query %.3f", ca, cb)
	}
	if ca, cb := Cosine(a, vecs[len(astronomy)]), Cosine(b, vecs[len(astronomy)]); cb <= ca {
		t.Errorf("baking query vs baking doc %.3f, astronomy query %.3f", cb, ca)
	}
	// Fitting again gives the same model, bit for bit.
	again, err := FitText(docs, TextFitOptions{LSADim: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.LSA, again.LSA) || !slices.Equal(m.IDF, again.IDF) {
		t.Error("two fits on the same documents differ")
	}
}

// TestTruncatedSVDMatchesDense checks the randomised SVD against a dense
// SVD where the sketch (k+10 columns) is narrower than the corpus, so the
// result rests on the power iterations.
func TestTruncatedSVDMatchesDense(t *testing.T) {
	var docs []string
	for i, a := range astronomy {
		for j, b := range baking {
			if (i+j)%2 == 0 {
				docs = append(docs, a+" "+b)
			}
		}
		docs = append(docs, a)
	}
	docs = append(docs, baking...)
	const k = 3
	m, err := FitText(docs, TextFitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows := make([][]entry, len(docs))
	dense := mat.NewDense(len(docs), TextDim, nil)
	for i, d := range docs {
		rows[i] = m.weigh(hashedTF(d))
		for _, e := range rows[i] {
			dense.Set(i, e.bucket, e.w)
		}
	}
	if len(docs) <= k+lsaOversample {
		t.Fatalf("%d documents: the sketch would be exact", len(docs))
	}
	got, err := truncatedSVD(rows, k)
	if err != nil {
		t.Fatal(err)
	}
	var svd mat.SVD
	if !svd.Factorize(dense, mat.SVDThinV) {
		t.Fatal("dense SVD failed")
	}
	var v mat.Dense
	svd.VTo(&v)
	vals := svd.Values(nil)
	for j := range k {
		if vals[j]-vals[j+1] < 0.01*vals[0] {
			t.Fatalf("singular values %v: component %d is not well separated", vals[:k+1], j)
		}
		var d float64
		for i := range TextDim {
			d += float64(got[i*k+j]) * v.At(i, j)
		}
		if math.Abs(math.Abs(d)-1) > 1e-4 {
			t.Errorf("component %d: |cos| with the dense SVD = %.6f, want 1", j, math.Abs(d))
		}
	}
}

func TestFitTextErrors(t *testing.T) {
	tests := []struct {
		name string
		docs []string
		opts TextFitOptions
	}{
		{"no documents", nil, TextFitOptions{}},
		{"negative lsa", astronomy, TextFitOptions{LSADim: -1}},
		{"negative min df", astronomy, TextFitOptions{MinDF: -2}},
		{"lsa above documents", astronomy, TextFitOptions{LSADim: len(astronomy) + 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := FitText(tt.docs, tt.opts); err == nil {
				t.Error("FitText accepted it")
			}
		})
	}
}

func norm32(v []float32) float64 {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	return math.Sqrt(ss)
}
