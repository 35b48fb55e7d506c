// Package features turns what the pipeline knows about a page (the
// visual model's activations, the text detector's probability map, the
// page text) and about its document (the metadata record) into fixed-size
// vectors: one block per kind of evidence, each L2-normalised and
// weighted, concatenated per page and pooled per document.
//
// The blocks, in vector order:
//
//   - visual: PoolActivation (per-channel mean and max) of each scale's
//     activation map, joined by VisualBlock, or a user model's pooled
//     vector; Fuser.VisualDim values;
//   - layout: Layout of the detector's probability map, LayoutDim
//     values (grid density, lines, columns, margins, text share); present
//     only when Fuser.Detector is set;
//   - text: TextModel.Vector, signed hashed sublinear TF-IDF in TextDim
//     buckets, or its LSA projection when the model was fitted with LSA
//     (FitText);
//   - meta: MetaOf, MetaDim facts from the metadata record, the route
//     rollup and the page geometry (document vectors only).
//
// Fuser.Page builds a page vector, Fuser.Document pools page vectors and
// appends the metadata block; every vector a Fuser makes has the layout
// Fuser.Blocks returns, whatever parts a page lacks (missing parts are
// zero blocks, never NaN). Everything here is deterministic: the same
// inputs give the same bits.
//
// Files: pool.go (visual), layout.go, text.go (tokens, hashing, the text
// model), lsa.go (FitText, randomised truncated SVD), meta.go, fuse.go
// (Fuser, Cosine), document.go (the record types).
//
// The package imports inspect and route for their types only. It must
// not import the pipeline, the inference backends or internal/reduce
// (reduce imports features: PCA files bundle a TextModel).
package features
