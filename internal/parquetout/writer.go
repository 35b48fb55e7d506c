package parquetout

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/parquet-go/parquet-go"

	"dataplus/internal/features"
	"dataplus/internal/record"
	"dataplus/internal/route"
)

// DefaultRowGroupSize is the number of rows buffered per row group when
// Options.RowGroupSize is zero: memory stays bounded by one row group.
const DefaultRowGroupSize = 10_000

// Keys of the file's key-value metadata.
const (
	KeyVersion      = "dataplus.version"
	KeyEmbeddingDim = "dataplus.embedding_dim"           // length of embedding; "0" when no row has features
	KeyProjectedDim = "dataplus.embedding_projected_dim" // length of embedding_projected; "0" when none
	KeyBlocks       = "dataplus.blocks"                  // JSON of features.Document.Blocks: the layout of embedding
	KeyModel        = "dataplus.model"                   // the visual model that made the visual block
	KeyFit          = "dataplus.fit"                     // the fitted projection's id, when embedding_projected is set
)

// Options configure a Writer.
type Options struct {
	RowGroupSize int    // rows per row group; 0 means DefaultRowGroupSize
	Version      string // the dataplus version recorded in the file; "" means "dev"
}

// row is one document's row. Pointers and nil slices are nulls: a fact
// the record does not have (an unreadable file has no metadata).
type row struct {
	Index        int64   `parquet:"index"`
	Path         string  `parquet:"path"`
	Size         int64   `parquet:"size"`
	SHA256       *string `parquet:"sha256,optional"`
	Engine       *string `parquet:"engine,optional"`
	ErrorKind    *string `parquet:"error_kind,optional"`
	ErrorMessage *string `parquet:"error_message,optional"`

	PDFVersion *string `parquet:"pdf_version,optional"`
	Pages      *int64  `parquet:"pages,optional"`
	Label      *string `parquet:"label,optional"`

	// Pages per route, from the route rollup.
	PagesText       *int64 `parquet:"pages_text,optional"`
	PagesOCR        *int64 `parquet:"pages_ocr,optional"`
	PagesOCRRegions *int64 `parquet:"pages_ocr_regions,optional"`
	PagesPriorOCR   *int64 `parquet:"pages_prior_ocr,optional"`
	PagesEmpty      *int64 `parquet:"pages_empty,optional"`

	Title     *string `parquet:"title,optional"`
	Producer  *string `parquet:"producer,optional"`
	Creator   *string `parquet:"creator,optional"`
	Encrypted *bool   `parquet:"encrypted,optional"`
	Tagged    *bool   `parquet:"tagged,optional"`
	PDFA      *string `parquet:"pdfa,optional"` // part and conformance, "2B"; null when not PDF/A
	// inspect.Metadata as JSON text. A STRING column, not the JSON
	// logical type: parquet-go v0.32.0 writes an optional JSON *string as
	// null and panics on an optional JSON []byte.
	Metadata *string `parquet:"metadata,optional"`

	Embedding          []float32 `parquet:"embedding,optional,list"`
	EmbeddingProjected []float32 `parquet:"embedding_projected,optional,list"`
}

// layout is what the file's first row with features fixes for every
// later one.
type layout struct {
	dim, projected int
	blocks         []features.Block
	model, fit     string
}

// Writer writes records as Parquet rows. It is not safe for concurrent
// use.
type Writer struct {
	pw      *parquet.GenericWriter[row]
	version string
	layout  *layout // nil until a row has features
	closed  bool
}

// NewWriter starts a Parquet file on w. Close must be called to write the
// footer; it does not close w.
func NewWriter(w io.Writer, opts Options) *Writer {
	size := opts.RowGroupSize
	if size <= 0 {
		size = DefaultRowGroupSize
	}
	version := opts.Version
	if version == "" {
		version = "dev"
	}
	pw := parquet.NewGenericWriter[row](w,
		parquet.MaxRowsPerRowGroup(int64(size)),
		parquet.Compression(&parquet.Zstd),
		parquet.CreatedBy("dataplus", version, ""),
	)
	return &Writer{pw: pw, version: version}
}

// Write adds one record. A record whose features do not match the file's
// layout (the vector dimensions, blocks, model and fit set by the first
// record with features) is an error and is not written; the writer stays
// usable.
func (w *Writer) Write(r record.Record) error {
	if w.closed {
		return errors.New("write parquet row: writer is closed")
	}
	if err := w.checkLayout(r.Features); err != nil {
		return fmt.Errorf("write parquet row %d (%s): %w", r.Index, r.Path, err)
	}
	rw, err := newRow(&r)
	if err != nil {
		return fmt.Errorf("write parquet row %d (%s): %w", r.Index, r.Path, err)
	}
	if _, err := w.pw.Write([]row{rw}); err != nil {
		return fmt.Errorf("write parquet row %d (%s): %w", r.Index, r.Path, err)
	}
	return nil
}

// Close records the layout in the file's metadata and writes the footer.
// Closing twice is a no-op.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	l := layout{}
	if w.layout != nil {
		l = *w.layout
	}
	blocks, err := json.Marshal(l.blocks)
	if err != nil {
		return fmt.Errorf("close parquet file: blocks: %w", err)
	}
	if l.blocks == nil {
		blocks = []byte("[]")
	}
	w.pw.SetKeyValueMetadata(KeyVersion, w.version)
	w.pw.SetKeyValueMetadata(KeyEmbeddingDim, strconv.Itoa(l.dim))
	w.pw.SetKeyValueMetadata(KeyProjectedDim, strconv.Itoa(l.projected))
	w.pw.SetKeyValueMetadata(KeyBlocks, string(blocks))
	w.pw.SetKeyValueMetadata(KeyModel, l.model)
	w.pw.SetKeyValueMetadata(KeyFit, l.fit)
	if err := w.pw.Close(); err != nil {
		return fmt.Errorf("close parquet file: %w", err)
	}
	return nil
}

// checkLayout fixes the layout at the first record with features and
// checks every later one against it.
func (w *Writer) checkLayout(f *features.Document) error {
	if f == nil {
		return nil
	}
	if len(f.Vector) == 0 {
		return errors.New("features with an empty vector")
	}
	l := layout{dim: len(f.Vector), projected: len(f.Projected), blocks: f.Blocks, model: f.Model, fit: f.Fit}
	if w.layout == nil {
		l.blocks = slices.Clone(l.blocks)
		w.layout = &l
		return nil
	}
	want := w.layout
	switch {
	case l.dim != want.dim:
		return fmt.Errorf("embedding dimension %d, but the file's is %d (set by its first row with features)", l.dim, want.dim)
	case l.projected != want.projected:
		return fmt.Errorf("embedding_projected dimension %d, but the file's is %d (set by its first row with features)", l.projected, want.projected)
	case !slices.Equal(l.blocks, want.blocks):
		return fmt.Errorf("feature blocks %v differ from the file's %v", l.blocks, want.blocks)
	case l.model != want.model || l.fit != want.fit:
		return fmt.Errorf("features from model %q fit %q, but the file's are from model %q fit %q", l.model, l.fit, want.model, want.fit)
	}
	return nil
}

// newRow flattens a record into its row.
func newRow(r *record.Record) (row, error) {
	out := row{
		Index:  int64(r.Index),
		Path:   r.Path,
		Size:   r.Size,
		SHA256: optString(r.SHA256),
		Engine: optString(r.Engine),
	}
	if r.Error != nil {
		out.ErrorKind = optString(string(r.Error.Kind))
		out.ErrorMessage = optString(r.Error.Message)
		if r.Error.Kind == record.KindEncrypted {
			out.Encrypted = ptr(true)
		}
	}
	if m := r.Metadata; m != nil {
		meta, err := json.Marshal(m)
		if err != nil {
			return row{}, fmt.Errorf("metadata: %w", err)
		}
		out.Metadata = ptr(string(meta))
		out.PDFVersion = optString(m.Version)
		out.Pages = ptr(int64(m.Pages))
		out.Encrypted = ptr(m.Encryption != nil)
		out.Tagged = ptr(m.Tagged)
		// The Info dictionary first, as PDF readers show it; XMP when
		// the dictionary lacks the field.
		title, producer, creator := m.Info.Title, m.Info.Producer, m.Info.Creator
		if x := m.XMP; x != nil {
			title = cmp.Or(title, x.Title)
			producer = cmp.Or(producer, x.Producer)
			creator = cmp.Or(creator, x.CreatorTool)
			if x.PDFAPart > 0 {
				out.PDFA = ptr(strconv.Itoa(x.PDFAPart) + x.PDFAConformance)
			}
		}
		out.Title, out.Producer, out.Creator = optString(title), optString(producer), optString(creator)
	}
	if d := r.Route; d != nil {
		out.Label = optString(string(d.Label))
		count := func(rt route.Route) *int64 { return ptr(int64(d.Routes[rt])) }
		out.PagesText = count(route.Text)
		out.PagesOCR = count(route.OCR)
		out.PagesOCRRegions = count(route.OCRRegions)
		out.PagesPriorOCR = count(route.PriorOCR)
		out.PagesEmpty = count(route.Empty)
	}
	if f := r.Features; f != nil {
		out.Embedding = f.Vector
		out.EmbeddingProjected = f.Projected
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }

// optString is nil for "": an absent fact is a null, not an empty string.
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
