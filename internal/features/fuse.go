package features

import (
	"fmt"
	"math"
)

// Default block weights: the visual and text blocks carry the content,
// the layout block refines the visual one, and the metadata block only
// tips the balance between otherwise similar documents.
const (
	DefaultVisualWeight = 1
	DefaultLayoutWeight = 0.5
	DefaultTextWeight   = 1
	DefaultMetaWeight   = 0.1
)

// Fuser builds page and document vectors. Every vector a Fuser makes has
// the same layout (Blocks), so that vectors of one run can be compared
// and fitted together.
type Fuser struct {
	Model     string // the visual model's name, copied to Document.Model
	VisualDim int    // length of the pooled visual vector (VisualBlock); a page without one gets zeros
	// Detector says that the visual model is the text detector, whose
	// probability map gives the layout block. Without a detector the
	// layout block is left out of every vector; with one, a page without
	// a map gets a zero layout block.
	Detector bool
	Text     *TextModel // fitted text model; nil for hashed TF with IDF 1
	// Weights by block name (BlockVisual, ...); a missing name gets its
	// default weight.
	Weights map[string]float32
}

// PageInput is what the pipeline knows about one page. Any part may be
// missing: nil Visual or Prob, empty Text.
type PageInput struct {
	Visual []float32 // pooled activations, VisualDim values
	Prob   *ProbMap  // the detector's text probability map
	Text   string    // the page's text
}

// Validate checks the configuration: known block names, weights finite
// and not negative, a visual dimension not negative, a valid text model.
func (f *Fuser) Validate() error {
	if f.VisualDim < 0 {
		return fmt.Errorf("fuser: negative visual dimension %d", f.VisualDim)
	}
	for name, w := range f.Weights {
		switch name {
		case BlockVisual, BlockLayout, BlockText, BlockMeta:
		default:
			return fmt.Errorf("fuser: unknown block %q", name)
		}
		if !finite(float64(w)) || w < 0 {
			return fmt.Errorf("fuser: weight of %s is %v, want a finite value >= 0", name, w)
		}
	}
	if f.Text != nil {
		if err := f.Text.Validate(); err != nil {
			return fmt.Errorf("fuser: %w", err)
		}
	}
	return nil
}

// Weight returns the weight of the named block.
func (f *Fuser) Weight(name string) float32 {
	if w, ok := f.Weights[name]; ok {
		return w
	}
	switch name {
	case BlockVisual:
		return DefaultVisualWeight
	case BlockLayout:
		return DefaultLayoutWeight
	case BlockText:
		return DefaultTextWeight
	case BlockMeta:
		return DefaultMetaWeight
	}
	return 0
}

// Blocks returns the layout of a document vector: visual, layout (with a
// detector only), text, meta. A page vector is the same without meta.
func (f *Fuser) Blocks() []Block {
	var bs []Block
	off := 0
	add := func(name string, dim int) {
		bs = append(bs, Block{Name: name, Offset: off, Dim: dim, Weight: f.Weight(name)})
		off += dim
	}
	add(BlockVisual, f.VisualDim)
	if f.Detector {
		add(BlockLayout, LayoutDim)
	}
	add(BlockText, f.Text.Dim())
	add(BlockMeta, MetaDim)
	return bs
}

// Dim is the length of a document vector; a page vector is MetaDim
// shorter.
func (f *Fuser) Dim() int {
	bs := f.Blocks()
	last := bs[len(bs)-1]
	return last.Offset + last.Dim
}

// Page returns the page vector of p: its blocks in Blocks order (meta
// excluded), each L2-normalised and multiplied by its weight. A missing
// part gives a zero block of its dimension. A visual vector of another
// length than VisualDim is an error: it would shift every block after it.
func (f *Fuser) Page(p PageInput) ([]float32, error) {
	if len(p.Visual) != 0 && len(p.Visual) != f.VisualDim {
		return nil, fmt.Errorf("fuse page: visual vector has %d values, want %d", len(p.Visual), f.VisualDim)
	}
	bs := f.Blocks()
	out := make([]float32, f.Dim()-MetaDim)
	for _, b := range bs {
		var src []float32
		switch b.Name {
		case BlockVisual:
			src = p.Visual
		case BlockLayout:
			if p.Prob != nil {
				src = Layout(*p.Prob)
			}
		case BlockText:
			src = f.Text.Vector(p.Text)
		case BlockMeta:
			continue
		}
		if len(src) != 0 {
			scaleTo(out[b.Offset:b.Offset+b.Dim], src, b.Weight)
		}
	}
	return out, nil
}

// Document pools page vectors made by Page into a document vector: the
// mean over pages, each block brought back to norm Weight (the mean of
// unlike pages is shorter than its parts, and the blocks' balance should
// not depend on how alike the pages are), then the metadata block
// (MetaOf), L2-normalised and weighted, and finally the whole vector
// L2-normalised. Without pages the page blocks are zeros and only the
// metadata block is set; nil meta gives a zero metadata block.
func (f *Fuser) Document(pages [][]float32, meta []float32) (Document, error) {
	bs := f.Blocks()
	dim := f.Dim()
	pageDim := dim - MetaDim
	if len(meta) != 0 && len(meta) != MetaDim {
		return Document{}, fmt.Errorf("fuse document: metadata vector has %d values, want %d", len(meta), MetaDim)
	}
	sum := make([]float64, pageDim)
	for i, p := range pages {
		if len(p) != pageDim {
			return Document{}, fmt.Errorf("fuse document: page %d vector has %d values, want %d", i, len(p), pageDim)
		}
		for j, v := range p {
			sum[j] += float64(v)
		}
	}
	out := make([]float32, dim)
	for _, b := range bs {
		dst := out[b.Offset : b.Offset+b.Dim]
		if b.Name == BlockMeta {
			scaleTo(dst, meta, b.Weight)
			continue
		}
		// The mean's scale does not matter: the block is normalised.
		src := sum[b.Offset : b.Offset+b.Dim]
		if n := norm64(src); n > 0 && finite(n) {
			for j, v := range src {
				dst[j] = float32(v / n * float64(b.Weight))
			}
		}
	}
	normalize32(out)
	return Document{Model: f.Model, Pages: len(pages), Blocks: bs, Vector: out}, nil
}

// Cosine returns the cosine similarity of a and b, 0 when either is zero.
// Vectors of different lengths are not comparable; Cosine returns 0 for
// them.
func Cosine(a, b []float32) float32 {
	if len(a) != len(b) {
		return 0
	}
	var ab, aa, bb float64
	for i, x := range a {
		y := float64(b[i])
		ab += float64(x) * y
		aa += float64(x) * float64(x)
		bb += y * y
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return float32(ab / math.Sqrt(aa*bb))
}

// scaleTo writes src, L2-normalised and multiplied by w, to dst. A zero or
// non-finite src leaves dst zero.
func scaleTo(dst, src []float32, w float32) {
	var ss float64
	for _, v := range src {
		ss += float64(v) * float64(v)
	}
	n := math.Sqrt(ss)
	if n == 0 || !finite(n) {
		return
	}
	k := float64(w) / n
	for i, v := range src {
		dst[i] = float32(float64(v) * k)
	}
}

// normalize32 L2-normalises v in place; a zero or non-finite v becomes
// zero.
func normalize32(v []float32) {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	n := math.Sqrt(ss)
	if n == 0 || !finite(n) {
		clear(v)
		return
	}
	for i, x := range v {
		v[i] = float32(float64(x) / n)
	}
}

// normalize64 L2-normalises v in place; a zero or non-finite v becomes
// zero.
func normalize64(v []float64) {
	n := norm64(v)
	if n == 0 || !finite(n) {
		clear(v)
		return
	}
	for i := range v {
		v[i] /= n
	}
}

func norm64(v []float64) float64 { return math.Sqrt(dot(v, v)) }
