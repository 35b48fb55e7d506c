package reduce

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"dataplus/internal/features"
)

// The file format. A file is one line of JSON (the header, fileHeader)
// ending in '\n', then the payload: the float32 arrays the header's
// "payload" list names, in that order, little-endian, nothing after.
//
// The header's id is the first 16 hex digits of the SHA-256 of the
// header without its id and created fields, followed by the payload. It
// names the content (two fits of the same data write the same id) and
// catches corruption: Load recomputes it and refuses a file where it
// differs. A file of another format or version is refused with a clear
// error; a reader of version 1 reads only version 1.
const (
	FileFormat  = "dataplus-reduce"
	FileVersion = 1

	maxHeaderBytes  = 64 << 20 // kept indices of a wide input can fill a few MB
	maxPayloadBytes = 4 << 30
)

// Payload array names.
const (
	arrayMean       = "pca.mean"       // mean of each kept dimension
	arrayComponents = "pca.components" // components × kept, row-major
	arrayIDF        = "text.idf"       // features.TextDim
	arrayLSA        = "text.lsa"       // features.TextDim × LSA dimension, row-major
)

type fileHeader struct {
	Format  string      `json:"format"`
	Version int         `json:"version"`
	Created time.Time   `json:"created,omitzero"`
	ID      string      `json:"id,omitempty"`
	PCA     *pcaHeader  `json:"pca,omitempty"`
	Text    *textHeader `json:"text,omitempty"`
	Payload []array     `json:"payload"`
}

type pcaHeader struct {
	InputDim               int       `json:"input_dim"`
	Kept                   []int     `json:"kept"`
	Components             int       `json:"components"`
	ExplainedVariance      []float64 `json:"explained_variance"`
	ExplainedVarianceRatio []float64 `json:"explained_variance_ratio"`
	Whiten                 bool      `json:"whiten"`
	Normalize              bool      `json:"normalize"`
}

type textHeader struct {
	Buckets int `json:"buckets"`
	Docs    int `json:"docs"`
	MinDF   int `json:"min_df"`
	LSADim  int `json:"lsa_dim"`
}

// array is one float32 array of the payload.
type array struct {
	Name string `json:"name"`
	Len  int    `json:"len"`
}

// Bundle is what a file holds: a PCA model, a text model, or both (what
// `dataplus fit` writes). Vectors projected by PCA depend on the text
// model that built their text block, so records should name the bundle's
// ID, not the PCA model's alone.
type Bundle struct {
	PCA  *Model
	Text *features.TextModel
	// Created is written to the file (the current time when zero) and
	// set by LoadBundle. It is not part of the ID.
	Created time.Time
}

// ID identifies the bundle's content: the id its file carries.
func (b *Bundle) ID() (string, error) {
	h, payload, err := encode(b)
	if err != nil {
		return "", err
	}
	return contentID(h, payload), nil
}

// Save writes the bundle in the file format described above.
func (b *Bundle) Save(w io.Writer) error {
	h, payload, err := encode(b)
	if err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	h.ID = contentID(h, payload)
	h.Created = b.Created
	if h.Created.IsZero() {
		h.Created = time.Now().UTC().Truncate(time.Second)
	}
	line, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("save model: header: %w", err)
	}
	bw := bufio.NewWriter(w)
	bw.Write(line)
	bw.WriteByte('\n')
	bw.Write(payload)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	return nil
}

// Save writes the model alone; see Bundle.Save.
func (m *Model) Save(w io.Writer) error {
	return (&Bundle{PCA: m}).Save(w)
}

// Load reads a file that holds a PCA model (and perhaps a text model,
// which it ignores; use LoadBundle for both).
func Load(r io.Reader) (*Model, error) {
	b, err := LoadBundle(r)
	if err != nil {
		return nil, err
	}
	if b.PCA == nil {
		return nil, errors.New("load model: the file holds no PCA model")
	}
	return b.PCA, nil
}

// LoadBundle reads a file written by Save. It refuses another format, a
// version other than FileVersion, a truncated or extended file, and any
// file whose content does not match its id.
func LoadBundle(r io.Reader) (*Bundle, error) {
	br := bufio.NewReader(r)
	line, err := readLine(br, maxHeaderBytes)
	if err != nil {
		return nil, fmt.Errorf("load model: header: %w", err)
	}
	// Format and version first, leniently: a newer version may have
	// fields this one does not know.
	var probe struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(line, &probe); err != nil {
		return nil, fmt.Errorf("load model: not a %s file: %w", FileFormat, err)
	}
	if probe.Format != FileFormat {
		return nil, fmt.Errorf("load model: format %q, want %q", probe.Format, FileFormat)
	}
	if probe.Version != FileVersion {
		return nil, fmt.Errorf("load model: unsupported version %d (this build reads version %d)", probe.Version, FileVersion)
	}
	var h fileHeader
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("load model: header: %w", err)
	}
	want, err := payloadArrays(h)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	if !slices.Equal(h.Payload, want) {
		return nil, fmt.Errorf("load model: payload arrays %v, want %v", h.Payload, want)
	}
	size := int64(0)
	for _, a := range want {
		size += 4 * int64(a.Len)
	}
	if size > maxPayloadBytes {
		return nil, fmt.Errorf("load model: payload of %d bytes is over the limit of %d", size, int64(maxPayloadBytes))
	}
	// Read at most one byte more than announced, so that trailing data
	// shows, and let the buffer grow with the data actually there rather
	// than trusting the header with a large allocation.
	payload, err := io.ReadAll(io.LimitReader(br, size+1))
	if err != nil {
		return nil, fmt.Errorf("load model: payload: %w", err)
	}
	switch {
	case int64(len(payload)) < size:
		return nil, fmt.Errorf("load model: payload truncated: %d of %d bytes", len(payload), size)
	case int64(len(payload)) > size:
		return nil, fmt.Errorf("load model: data after the %d-byte payload", size)
	}
	if id := contentID(h, payload); id != h.ID {
		return nil, fmt.Errorf("load model: content id %s does not match the header's %q: the file is corrupt", id, h.ID)
	}
	b, err := decode(h, payload)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	return b, nil
}

// readLine reads up to and without the first '\n', failing past limit
// bytes.
func readLine(br *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > limit {
			return nil, fmt.Errorf("no end of line in the first %d bytes", limit)
		}
		switch {
		case err == nil:
			return line[:len(line)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			return nil, errors.New("no end of line: truncated or not a model file")
		default:
			return nil, err
		}
	}
}

// encode builds the header (without id and created) and the payload.
func encode(b *Bundle) (fileHeader, []byte, error) {
	h := fileHeader{Format: FileFormat, Version: FileVersion}
	var data [][]float32
	if m := b.PCA; m != nil {
		h.PCA = &pcaHeader{
			InputDim:               m.inputDim,
			Kept:                   m.kept,
			Components:             m.Dim(),
			ExplainedVariance:      m.variance,
			ExplainedVarianceRatio: m.ratio,
			Whiten:                 m.whiten,
			Normalize:              m.Normalize,
		}
		data = append(data, m.mean, m.components)
	}
	if t := b.Text; t != nil {
		if err := t.Validate(); err != nil {
			return fileHeader{}, nil, fmt.Errorf("encode model: %w", err)
		}
		h.Text = &textHeader{Buckets: features.TextDim, Docs: t.Docs, MinDF: t.MinDF, LSADim: t.LSADim}
		data = append(data, t.IDF)
		if t.LSADim > 0 {
			data = append(data, t.LSA)
		}
	}
	if h.PCA == nil && h.Text == nil {
		return fileHeader{}, nil, errors.New("encode model: nothing to encode")
	}
	arrays, err := payloadArrays(h)
	if err != nil {
		return fileHeader{}, nil, fmt.Errorf("encode model: %w", err)
	}
	h.Payload = arrays
	n := 0
	for i, a := range arrays {
		if len(data[i]) != a.Len {
			return fileHeader{}, nil, fmt.Errorf("encode model: %s has %d values, want %d", a.Name, len(data[i]), a.Len)
		}
		n += a.Len
	}
	payload := make([]byte, 0, 4*n)
	for _, d := range data {
		for _, v := range d {
			payload = binary.LittleEndian.AppendUint32(payload, math.Float32bits(v))
		}
	}
	return h, payload, nil
}

// payloadArrays returns the arrays a header's models need, checking the
// sizes the header states.
func payloadArrays(h fileHeader) ([]array, error) {
	var out []array
	if p := h.PCA; p != nil {
		k := len(p.Kept)
		switch {
		case p.InputDim < 1 || p.InputDim > 1<<24:
			return nil, fmt.Errorf("pca input dimension %d out of range", p.InputDim)
		case k < 1 || k > p.InputDim:
			return nil, fmt.Errorf("pca keeps %d of %d dimensions", k, p.InputDim)
		case p.Components < 1 || p.Components > k:
			return nil, fmt.Errorf("pca has %d components for %d kept dimensions", p.Components, k)
		case len(p.ExplainedVariance) != p.Components || len(p.ExplainedVarianceRatio) != p.Components:
			return nil, fmt.Errorf("pca has %d components but %d variances and %d ratios",
				p.Components, len(p.ExplainedVariance), len(p.ExplainedVarianceRatio))
		}
		out = append(out, array{arrayMean, k}, array{arrayComponents, p.Components * k})
	}
	if t := h.Text; t != nil {
		switch {
		case t.Buckets != features.TextDim:
			return nil, fmt.Errorf("text model has %d buckets, this build uses %d", t.Buckets, features.TextDim)
		case t.LSADim < 0 || t.LSADim > features.TextDim:
			return nil, fmt.Errorf("text model LSA dimension %d out of range", t.LSADim)
		}
		out = append(out, array{arrayIDF, features.TextDim})
		if t.LSADim > 0 {
			out = append(out, array{arrayLSA, features.TextDim * t.LSADim})
		}
	}
	if len(out) == 0 {
		return nil, errors.New("the file holds no model")
	}
	return out, nil
}

// contentID hashes the header without id and created, then the payload.
func contentID(h fileHeader, payload []byte) string {
	h.ID, h.Created = "", time.Time{}
	line, err := json.Marshal(h)
	if err != nil {
		return "" // never matches a stored id
	}
	sum := sha256.New()
	sum.Write(line)
	sum.Write(payload)
	return hex.EncodeToString(sum.Sum(nil))[:16]
}

// decode builds the models from a header and payload whose sizes
// payloadArrays has checked, and validates their values.
func decode(h fileHeader, payload []byte) (*Bundle, error) {
	next := func(n int) []float32 {
		out := make([]float32, n)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(payload[4*i:]))
		}
		payload = payload[4*n:]
		return out
	}
	b := &Bundle{Created: h.Created}
	if p := h.PCA; p != nil {
		for i, j := range p.Kept {
			if j < 0 || j >= p.InputDim || (i > 0 && j <= p.Kept[i-1]) {
				return nil, fmt.Errorf("pca kept dimensions are not ascending indices below %d", p.InputDim)
			}
		}
		m := &Model{
			Normalize: p.Normalize,
			inputDim:  p.InputDim,
			kept:      p.Kept,
			variance:  p.ExplainedVariance,
			ratio:     p.ExplainedVarianceRatio,
			whiten:    p.Whiten,
		}
		m.mean = next(len(p.Kept))
		m.components = next(p.Components * len(p.Kept))
		for _, v := range slices.Concat(m.mean, m.components) {
			if !finite(float64(v)) {
				return nil, fmt.Errorf("pca value %v is not finite", v)
			}
		}
		for i, v := range m.variance {
			if !finite(v) || v < 0 || !finite(m.ratio[i]) {
				return nil, fmt.Errorf("pca component %d has variance %v, ratio %v", i, v, m.ratio[i])
			}
		}
		b.PCA = m
	}
	if t := h.Text; t != nil {
		tm := &features.TextModel{Docs: t.Docs, MinDF: t.MinDF, LSADim: t.LSADim, IDF: next(features.TextDim)}
		if t.LSADim > 0 {
			tm.LSA = next(features.TextDim * t.LSADim)
		}
		if err := tm.Validate(); err != nil {
			return nil, err
		}
		b.Text = tm
	}
	return b, nil
}
