package features

// Block names, in the order they appear in a fused vector.
const (
	BlockVisual = "visual" // pooled activations of the visual model
	BlockLayout = "layout" // text density and structure from the detector's probability map
	BlockText   = "text"   // hashed TF-IDF of the page text, or its LSA projection
	BlockMeta   = "meta"   // numeric and one-hot facts from the document's record
)

// Block is one part of a fused vector: Vector[Offset:Offset+Dim] holds
// the block, L2-normalised and then multiplied by Weight (in a document
// vector, before the whole vector is L2-normalised, so that each block's
// norm there is Weight over the root of the sum of squared weights of
// the non-zero blocks).
type Block struct {
	Name   string  `json:"name"`
	Offset int     `json:"offset"`
	Dim    int     `json:"dim"`
	Weight float32 `json:"weight"`
}

// Document is the feature part of a document's record: the fused page
// vectors pooled over its pages.
type Document struct {
	Model      string    `json:"model"`                   // the visual model that made the visual block
	Pages      int       `json:"pages"`                   // pages that contributed
	Skipped    int       `json:"pages_skipped,omitempty"` // pages that could not be rendered or embedded
	SkipReason string    `json:"skip_reason,omitempty"`   // why the first skipped page was
	Blocks     []Block   `json:"blocks"`                  // how Vector is laid out
	Vector     []float32 `json:"vector"`                  // fused and pooled, L2-normalised
	Projected  []float32 `json:"projected,omitempty"`     // Vector projected by a fitted model (process --pca)
	Fit        string    `json:"fit,omitempty"`           // the fitted model's id, when Projected is set
	// Error says why no page could be embedded (the file does not render,
	// or the feature deadline passed); Vector then holds the metadata
	// block only. Kind is one of the record's error kinds.
	Error *Error `json:"error,omitempty"`
}

// Error is a feature failure: the document's metadata and routes are
// still valid.
type Error struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}
