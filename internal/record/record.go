package record

import (
	"dataplus/internal/features"
	"dataplus/internal/inspect"
	"dataplus/internal/route"
)

// Engine names which engine produced a record's facts.
const EngineDataplus = "dataplus-pdf" // the pure-Go reader in internal/pdf

// Record is what dataplus writes for one input file: one JSON object per
// line. A file that cannot be read still gets a record, with Error set and
// every fact that could be found before the failure.
type Record struct {
	Index  int    `json:"index"` // position in the input, from 0
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"`
	Engine string `json:"engine,omitempty"`
	Error  *Error `json:"error,omitempty"`

	Metadata *inspect.Metadata  `json:"metadata,omitempty"`
	Route    *route.Document    `json:"route,omitempty"` // document rollup
	Pages    []Page             `json:"pages,omitempty"`
	Features *features.Document `json:"features,omitempty"` // with process --features
	Timings  Timings            `json:"timings_ms"`
}

// Page is one page's facts and its route.
type Page struct {
	inspect.Page
	Route route.Decision `json:"route"`
}

// Error is the error part of a record: a stable kind for machines and a
// message for people.
type Error struct {
	Kind    Kind   `json:"kind"`
	Message string `json:"message"`
}

// NewError builds the record error for err.
func NewError(err error) *Error {
	if err == nil {
		return nil
	}
	return &Error{Kind: KindOf(err), Message: err.Error()}
}

// Timings are the milliseconds spent in each stage for this file.
type Timings struct {
	Read  float64 `json:"read"`  // reading and hashing the bytes
	Parse float64 `json:"parse"` // opening the PDF: header, xref, trailer
	Scan  float64 `json:"scan"`  // metadata and content-stream scan
	Route float64 `json:"route"`
	// With --features: rendering pages and extracting their text, waiting for and running the
	// visual model (shared batches), and building the vectors.
	Render float64 `json:"render,omitempty"`
	Infer  float64 `json:"infer,omitempty"`
	Fuse   float64 `json:"fuse,omitempty"`
	Total  float64 `json:"total"`
}

// Label returns the document label, or "" when the file was unreadable.
func (r *Record) Label() route.Label {
	if r.Route == nil {
		return ""
	}
	return r.Route.Label
}
