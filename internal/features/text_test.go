package features

import (
	"math"
	"slices"
	"testing"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"punctuation and case", "Hello, World! a 42 x2", []string{"hello", "world", "42", "x2"}},
		{"unicode letters", "Größe naïve—TEST", []string{"größe", "naïve", "test"}},
		{"one-rune tokens dropped", "a b c I 7 é", nil},
		{"cjk", "中文 字", []string{"中文"}},
		{"digits and letters stay together", "ISO-32000-2 v1.7", []string{"iso", "32000", "v1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Tokenize(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("Tokenize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestHashGolden pins the hash: FNV-1a 32 (checked against the published
// value of "hello", 0x4f9f2cab), low 12 bits for the bucket, top bit for
// the sign. Changing it changes every stored text vector and fitted model.
func TestHashGolden(t *testing.T) {
	tests := []struct {
		tok    string
		bucket int
		sign   float64
	}{
		{"hello", 0x4f9f2cab & 4095, 1},
		{"world", 2195, 1},
		{"dataplus", 3925, 1},
		{"größe", 1178, -1},
		{"2024", 185, 1},
	}
	for _, tt := range tests {
		b, s := hashToken(tt.tok)
		if b != tt.bucket || s != tt.sign {
			t.Errorf("hashToken(%q) = %d, %v, want %d, %v", tt.tok, b, s, tt.bucket, tt.sign)
		}
	}
}

func TestTextVectorGolden(t *testing.T) {
	// hello twice (1+ln 2), world once (1), both with sign +1, then L2.
	v := (*TextModel)(nil).Vector("Hello world, HELLO.")
	if len(v) != TextDim {
		t.Fatalf("len = %d, want %d", len(v), TextDim)
	}
	h, w := 1+math.Ln2, 1.0
	n := math.Hypot(h, w)
	want := map[int]float32{3243: float32(h / n), 2195: float32(w / n)}
	for i, x := range v {
		if x != want[i] {
			t.Errorf("v[%d] = %v, want %v", i, x, want[i])
		}
	}
	// A negative-sign token lands negative.
	if v := (*TextModel)(nil).Vector("größe"); v[1178] != -1 {
		t.Errorf("größe: v[1178] = %v, want -1", v[1178])
	}
	if v := (*TextModel)(nil).Vector(" - , a "); slices.ContainsFunc(v, func(x float32) bool { return x != 0 }) {
		t.Error("text without tokens gave a non-zero vector")
	}
}

func TestFitTextIDF(t *testing.T) {
	docs := []string{"alpha beta", "alpha gamma", "alpha delta gamma", ""}
	bucket := func(tok string) int { b, _ := hashToken(tok); return b }
	for _, tok := range []string{"alpha", "beta", "gamma", "delta"} {
		for _, other := range []string{"alpha", "beta", "gamma", "delta"} {
			if tok != other && bucket(tok) == bucket(other) {
				t.Fatalf("%s and %s share a bucket; pick other words", tok, other)
			}
		}
	}
	tests := []struct {
		name  string
		minDF int
		want  map[string]float64 // ln((1+n)/(1+df)) + 1 with n = 4
	}{
		{"all", 0, map[string]float64{"alpha": math.Log(5.0/4) + 1, "beta": math.Log(5.0/2) + 1, "gamma": math.Log(5.0/3) + 1, "unseen": 0}},
		{"min df 2", 2, map[string]float64{"alpha": math.Log(5.0/4) + 1, "beta": 0, "gamma": math.Log(5.0/3) + 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := FitText(docs, TextFitOptions{MinDF: tt.minDF})
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
			if m.Docs != 4 || m.Dim() != TextDim || m.LSA != nil {
				t.Errorf("docs %d, dim %d, lsa %d values", m.Docs, m.Dim(), len(m.LSA))
			}
			for tok, want := range tt.want {
				if got := m.IDF[bucket(tok)]; got != float32(want) {
					t.Errorf("idf(%s) = %v, want %v", tok, got, want)
				}
			}
			// Vector weighs by IDF: "alpha beta" has alpha and beta in the
			// ratio of their IDFs (both tf 1), or beta dropped.
			v := m.Vector("alpha beta")
			a, b := math.Abs(float64(v[bucket("alpha")])), math.Abs(float64(v[bucket("beta")])) // signs come from the hash
			ia, ib := tt.want["alpha"], tt.want["beta"]
			if math.Abs(a*ib-b*ia) > 1e-6 || math.Abs(a*a+b*b-1) > 1e-6 {
				t.Errorf("vector alpha %v beta %v, want the ratio %v:%v and norm 1", a, b, ia, ib)
			}
		})
	}
}

func TestTextModelValidate(t *testing.T) {
	good := &TextModel{IDF: make([]float32, TextDim), LSADim: 2, LSA: make([]float32, 2*TextDim)}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid model: %v", err)
	}
	bad := []struct {
		name string
		m    TextModel
	}{
		{"short idf", TextModel{IDF: make([]float32, 10)}},
		{"lsa size", TextModel{IDF: make([]float32, TextDim), LSADim: 3, LSA: make([]float32, 2*TextDim)}},
		{"negative lsa", TextModel{IDF: make([]float32, TextDim), LSADim: -1}},
		{"nan idf", TextModel{IDF: append(make([]float32, TextDim-1), float32(math.NaN()))}},
	}
	for _, tt := range bad {
		if err := tt.m.Validate(); err == nil {
			t.Errorf("%s: Validate accepted it", tt.name)
		}
	}
}
