package features

import (
	"fmt"
	"math"
	"strings"
	"unicode"
)

// TextDim is the number of hash buckets of the text block (a power of
// two, so that a bucket is the low bits of the hash).
const TextDim = 4096

// Tokenize splits s into lower-case tokens of Unicode letters and digits;
// everything else separates tokens. Tokens of one character are dropped:
// they are mostly initials, list markers and OCR noise.
func Tokenize(s string) []string {
	var toks []string
	var b strings.Builder
	n := 0 // runes in b
	flush := func() {
		if n > 1 {
			toks = append(toks, b.String())
		}
		b.Reset()
		n = 0
	}
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
			n++
			continue
		}
		flush()
	}
	flush()
	return toks
}

// hashToken maps a token to its bucket and sign: 32-bit FNV-1a of the
// token's UTF-8 bytes, the low bits pick the bucket and the top bit the
// sign. Signed hashing makes colliding tokens cancel on average instead
// of always adding up, which keeps inner products unbiased.
func hashToken(tok string) (bucket int, sign float64) {
	const (
		offset32 = 2166136261
		prime32  = 16777619
	)
	h := uint32(offset32)
	for i := 0; i < len(tok); i++ {
		h ^= uint32(tok[i])
		h *= prime32
	}
	sign = 1
	if h>>31 == 1 {
		sign = -1
	}
	return int(h & (TextDim - 1)), sign
}

// entry is one non-zero bucket of a hashed text vector.
type entry struct {
	bucket int
	w      float64
}

// hashedTF returns the hashed sublinear term frequencies of text: each
// distinct token adds sign×(1+ln tf) to its bucket. Entries come in
// ascending bucket order and tokens are summed in order of first
// appearance, so that the result does not depend on map order.
func hashedTF(text string) []entry {
	toks := Tokenize(text)
	if len(toks) == 0 {
		return nil
	}
	counts := make(map[string]int, len(toks))
	order := make([]string, 0, len(toks))
	for _, t := range toks {
		if counts[t] == 0 {
			order = append(order, t)
		}
		counts[t]++
	}
	acc := make([]float64, TextDim)
	for _, t := range order {
		b, sign := hashToken(t)
		acc[b] += sign * (1 + math.Log(float64(counts[t])))
	}
	var out []entry
	for b, w := range acc {
		if w != 0 {
			out = append(out, entry{b, w})
		}
	}
	return out
}

// TextModel is what FitText learns from a sample of page texts. A nil
// *TextModel is valid: every bucket then has IDF 1 and there is no LSA.
type TextModel struct {
	Docs   int       // documents the model was fitted on
	MinDF  int       // buckets seen in fewer documents have IDF 0
	IDF    []float32 // TextDim inverse document frequencies
	LSADim int       // LSA components; 0 without LSA
	// LSA holds the projection, TextDim rows of LSADim values: row b
	// is bucket b's loading on each component.
	LSA []float32
}

// Dim is the length of the vectors Vector returns.
func (m *TextModel) Dim() int {
	if m != nil && m.LSADim > 0 {
		return m.LSADim
	}
	return TextDim
}

// Validate checks that the model's slices have the sizes its fields say,
// as a model read from a file must.
func (m *TextModel) Validate() error {
	switch {
	case len(m.IDF) != TextDim:
		return fmt.Errorf("text model: %d IDF values, want %d", len(m.IDF), TextDim)
	case m.LSADim < 0 || m.LSADim > TextDim:
		return fmt.Errorf("text model: LSA dimension %d out of range", m.LSADim)
	case len(m.LSA) != TextDim*m.LSADim:
		return fmt.Errorf("text model: %d LSA values, want %d", len(m.LSA), TextDim*m.LSADim)
	}
	for _, v := range m.IDF {
		if !finite(float64(v)) {
			return fmt.Errorf("text model: IDF value %v is not finite", v)
		}
	}
	for _, v := range m.LSA {
		if !finite(float64(v)) {
			return fmt.Errorf("text model: LSA value %v is not finite", v)
		}
	}
	return nil
}

// Vector returns the text vector of text, L2-normalised: the hashed
// TF-IDF (TextDim values), or its LSA projection (LSADim values) when the
// model was fitted with LSA. Text without tokens gives zeros.
func (m *TextModel) Vector(text string) []float32 {
	out := make([]float32, m.Dim())
	es := m.weigh(hashedTF(text))
	if len(es) == 0 {
		return out
	}
	if m == nil || m.LSADim == 0 {
		for _, e := range es {
			out[e.bucket] = float32(e.w)
		}
		return out
	}
	k := m.LSADim
	proj := make([]float64, k)
	for _, e := range es {
		row := m.LSA[e.bucket*k : (e.bucket+1)*k]
		for j, l := range row {
			proj[j] += e.w * float64(l)
		}
	}
	normalize64(proj)
	for j, v := range proj {
		out[j] = float32(v)
	}
	return out
}

// weigh multiplies hashed term frequencies by the IDF, drops the buckets
// it zeroes and L2-normalises what is left (in place).
func (m *TextModel) weigh(es []entry) []entry {
	if m != nil {
		kept := es[:0]
		for _, e := range es {
			if idf := float64(m.IDF[e.bucket]); idf != 0 {
				kept = append(kept, entry{e.bucket, e.w * idf})
			}
		}
		es = kept
	}
	var ss float64
	for _, e := range es {
		ss += e.w * e.w
	}
	if ss == 0 {
		return nil
	}
	inv := 1 / math.Sqrt(ss)
	for i := range es {
		es[i].w *= inv
	}
	return es
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
