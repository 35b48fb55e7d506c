package parquetout

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"dataplus/internal/features"
	"dataplus/internal/inspect"
	"dataplus/internal/pipeline"
	"dataplus/internal/record"
	"dataplus/internal/route"
)

var testBlocks = []features.Block{
	{Name: features.BlockVisual, Offset: 0, Dim: 4, Weight: 1},
	{Name: features.BlockMeta, Offset: 4, Dim: 2, Weight: 0.5},
}

// withFeatures gives r a 6-dimensional vector and a 2-dimensional
// projection, seeded by seed.
func withFeatures(r record.Record, seed float32) record.Record {
	r.Features = &features.Document{
		Model:     "ppocr-det",
		Pages:     1,
		Blocks:    testBlocks,
		Vector:    []float32{seed, 0.1, 0.2, 0.3, 0.4, -0.5},
		Projected: []float32{seed, -seed},
		Fit:       "fit-1",
	}
	return r
}

// testRecords processes sample PDFs with the real pipeline, and adds a
// damaged file and a hand-made record for the facts the samples lack
// (XMP-only title, PDF/A, a file that needs a password).
func testRecords(t *testing.T) []record.Record {
	t.Helper()
	proc := pipeline.NewProcessor(pipeline.DefaultConfig(), nil, nil)
	var recs []record.Record
	for i, name := range []string{"text.pdf", "mixed.pdf", "aes_256.pdf"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "samples", name))
		if err != nil {
			t.Fatal(err)
		}
		r := proc.Bytes(context.Background(), i, name, data)
		if r.Error != nil || r.Metadata == nil || r.Route == nil {
			t.Fatalf("%s: record %+v", name, r)
		}
		recs = append(recs, r)
	}
	recs[0] = withFeatures(recs[0], 1)
	recs[1] = withFeatures(recs[1], 2)
	broken := proc.Bytes(context.Background(), 3, "broken.pdf", []byte("not a pdf at all"))
	if broken.Error == nil {
		t.Fatal("broken.pdf has no error")
	}
	locked := record.Record{
		Index: 4, Path: "locked.pdf", Size: 1234, SHA256: "abc", Engine: record.EngineDataplus,
		Error: &record.Error{Kind: record.KindEncrypted, Message: "needs a password"},
	}
	xmpOnly := record.Record{
		Index: 5, Path: "xmp.pdf", Size: 99,
		Metadata: &inspect.Metadata{
			Version: "1.4", Pages: 1,
			Info: inspect.Info{Producer: "Info producer"},
			XMP:  &inspect.XMP{Title: "XMP title", Producer: "XMP producer", CreatorTool: "XMP tool", PDFAPart: 2, PDFAConformance: "B"},
		},
		Route: &route.Document{Label: route.Scanned, Pages: 1, Routes: map[route.Route]int{route.OCR: 1}},
	}
	return append(recs, broken, locked, xmpOnly)
}

// wantRow is what the file must hold for r, column by column, as the
// generic reader returns it.
func wantRow(t *testing.T, r record.Record) map[string]any {
	t.Helper()
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	floats := func(vs []float32) any {
		if vs == nil {
			return nil
		}
		out := make([]any, len(vs))
		for i, v := range vs {
			out[i] = v
		}
		return out
	}
	w := map[string]any{
		"index": int64(r.Index), "path": r.Path, "size": r.Size,
		"sha256": str(r.SHA256), "engine": str(r.Engine),
		"error_kind": nil, "error_message": nil,
		"pdf_version": nil, "pages": nil, "label": nil,
		"pages_text": nil, "pages_ocr": nil, "pages_ocr_regions": nil, "pages_prior_ocr": nil, "pages_empty": nil,
		"title": nil, "producer": nil, "creator": nil, "encrypted": nil, "tagged": nil, "pdfa": nil,
		"metadata": nil, "embedding": nil, "embedding_projected": nil,
	}
	if r.Error != nil {
		w["error_kind"], w["error_message"] = string(r.Error.Kind), r.Error.Message
		if r.Error.Kind == record.KindEncrypted {
			w["encrypted"] = true
		}
	}
	if m := r.Metadata; m != nil {
		meta, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		w["metadata"] = string(meta)
		w["pdf_version"], w["pages"] = m.Version, int64(m.Pages)
		w["encrypted"], w["tagged"] = m.Encryption != nil, m.Tagged
		w["title"], w["producer"], w["creator"] = str(m.Info.Title), str(m.Info.Producer), str(m.Info.Creator)
		if x := m.XMP; x != nil {
			if w["title"] == nil {
				w["title"] = str(x.Title)
			}
			if w["producer"] == nil {
				w["producer"] = str(x.Producer)
			}
			if w["creator"] == nil {
				w["creator"] = str(x.CreatorTool)
			}
			if x.PDFAPart > 0 {
				w["pdfa"] = strconv.Itoa(x.PDFAPart) + x.PDFAConformance
			}
		}
	}
	if d := r.Route; d != nil {
		w["label"] = string(d.Label)
		for _, rt := range route.Routes {
			w["pages_"+string(rt)] = int64(d.Routes[rt])
		}
	}
	if f := r.Features; f != nil {
		w["embedding"], w["embedding_projected"] = floats(f.Vector), floats(f.Projected)
	}
	return w
}

// readFile opens a written file and reads every row with the generic
// reader.
func readFile(t *testing.T, data []byte) (*parquet.File, []map[string]any) {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	r := parquet.NewReader(f)
	defer r.Close()
	var rows []map[string]any
	for range f.NumRows() {
		row := map[string]any{}
		if err := r.Read(&row); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
	return f, rows
}

func TestWriteRead(t *testing.T) {
	recs := testRecords(t)
	var buf bytes.Buffer
	w := NewWriter(&buf, Options{RowGroupSize: 2, Version: "1.2.3"})
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := w.Write(recs[0]); err == nil {
		t.Error("Write after Close succeeded")
	}

	f, rows := readFile(t, buf.Bytes())
	if len(rows) != len(recs) {
		t.Fatalf("%d rows, want %d", len(rows), len(recs))
	}
	if n := len(f.RowGroups()); n != 3 {
		t.Errorf("%d row groups, want 3 (6 rows, 2 per group)", n)
	}
	for i, r := range recs {
		want := wantRow(t, r)
		if !reflect.DeepEqual(rows[i], want) {
			for k := range want {
				if !reflect.DeepEqual(rows[i][k], want[k]) {
					t.Errorf("row %d (%s) column %s = %#v, want %#v", i, r.Path, k, rows[i][k], want[k])
				}
			}
			if len(rows[i]) != len(want) {
				t.Errorf("row %d has %d columns, want %d", i, len(rows[i]), len(want))
			}
		}
	}

	// Spot checks against the samples' known facts, so that wantRow
	// cannot agree with the writer by repeating a mistake.
	if rows[0]["label"] != "born_digital" || rows[0]["pages"] != int64(3) || rows[0]["tagged"] != true || rows[0]["pdfa"] != "2B" ||
		rows[0]["title"] != "Quarterly Report — Données 東京" || rows[0]["pages_text"] != int64(3) {
		t.Errorf("text.pdf row = %v", rows[0])
	}
	if rows[1]["label"] != "mixed" || rows[1]["pages"] != int64(4) {
		t.Errorf("mixed.pdf row = %v", rows[1])
	}
	if rows[2]["encrypted"] != true || rows[2]["embedding"] != nil {
		t.Errorf("aes_256.pdf row = %v", rows[2])
	}
	if rows[3]["error_kind"] != "invalid_pdf" || rows[3]["metadata"] != nil || rows[3]["label"] != nil {
		t.Errorf("broken.pdf row = %v", rows[3])
	}
	if rows[4]["encrypted"] != true || rows[4]["error_kind"] != "encrypted" {
		t.Errorf("locked.pdf row = %v", rows[4])
	}
	// Info first, XMP when Info lacks the field.
	if rows[5]["title"] != "XMP title" || rows[5]["producer"] != "Info producer" || rows[5]["creator"] != "XMP tool" ||
		rows[5]["pdfa"] != "2B" || rows[5]["pages_ocr"] != int64(1) || rows[5]["pages_text"] != int64(0) {
		t.Errorf("xmp.pdf row = %v", rows[5])
	}
	var meta inspect.Metadata
	if err := json.Unmarshal([]byte(rows[0]["metadata"].(string)), &meta); err != nil || !reflect.DeepEqual(&meta, recs[0].Metadata) {
		t.Errorf("metadata column does not round-trip: %v", err)
	}

	blocks, _ := json.Marshal(testBlocks)
	for key, want := range map[string]string{
		KeyVersion: "1.2.3", KeyEmbeddingDim: "6", KeyProjectedDim: "2",
		KeyBlocks: string(blocks), KeyModel: "ppocr-det", KeyFit: "fit-1",
	} {
		if got, ok := f.Lookup(key); !ok || got != want {
			t.Errorf("metadata %s = %q (%v), want %q", key, got, ok, want)
		}
	}

	schema := f.Schema().String()
	for _, want := range []string{
		"optional group embedding (LIST)",
		"optional group embedding_projected (LIST)",
		"required float element",
		"optional binary metadata (STRING)",
		"required binary path (STRING)",
	} {
		if !strings.Contains(schema, want) {
			t.Errorf("schema lacks %q:\n%s", want, schema)
		}
	}
}

func TestNoFeatures(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, Options{})
	if err := w.Write(record.Record{Path: "a.pdf"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, rows := readFile(t, buf.Bytes())
	if len(rows) != 1 || rows[0]["embedding"] != nil {
		t.Fatalf("rows = %v", rows)
	}
	for key, want := range map[string]string{KeyVersion: "dev", KeyEmbeddingDim: "0", KeyProjectedDim: "0", KeyBlocks: "[]"} {
		if got, _ := f.Lookup(key); got != want {
			t.Errorf("metadata %s = %q, want %q", key, got, want)
		}
	}
}

func TestLayoutChange(t *testing.T) {
	first := withFeatures(record.Record{Index: 0, Path: "first.pdf"}, 1)
	tests := []struct {
		name   string
		change func(f *features.Document)
		want   string
	}{
		{"dimension", func(f *features.Document) { f.Vector = f.Vector[:5] }, "embedding dimension 5, but the file's is 6"},
		{"projected dimension", func(f *features.Document) { f.Projected = nil }, "embedding_projected dimension 0, but the file's is 2"},
		{"empty vector", func(f *features.Document) { f.Vector = nil }, "empty vector"},
		{"blocks", func(f *features.Document) {
			f.Blocks = []features.Block{{Name: features.BlockVisual, Dim: 6, Weight: 1}}
		}, "feature blocks"},
		{"model", func(f *features.Document) { f.Model = "resnet50" }, `model "resnet50"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewWriter(&buf, Options{})
			if err := w.Write(first); err != nil {
				t.Fatal(err)
			}
			bad := withFeatures(record.Record{Index: 1, Path: "bad.pdf"}, 2)
			tt.change(bad.Features)
			err := w.Write(bad)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "bad.pdf") {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			// The writer stays usable and the bad row is not in the file.
			if err := w.Write(withFeatures(record.Record{Index: 2, Path: "ok.pdf"}, 3)); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			f, rows := readFile(t, buf.Bytes())
			if len(rows) != 2 || rows[1]["path"] != "ok.pdf" {
				t.Errorf("rows = %v", rows)
			}
			if got, _ := f.Lookup(KeyEmbeddingDim); got != strconv.Itoa(len(first.Features.Vector)) {
				t.Errorf("embedding_dim = %q", got)
			}
		})
	}
}

// TestRowGroups checks that rows are flushed in row groups of the
// configured size, which is what bounds the writer's memory.
func TestRowGroups(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, Options{RowGroupSize: 100})
	for i := range 250 {
		if err := w.Write(withFeatures(record.Record{Index: i, Path: "f" + strconv.Itoa(i)}, float32(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, rows := readFile(t, buf.Bytes())
	var sizes []int64
	for _, g := range f.RowGroups() {
		sizes = append(sizes, g.NumRows())
	}
	if !reflect.DeepEqual(sizes, []int64{100, 100, 50}) {
		t.Errorf("row group sizes %v", sizes)
	}
	if len(rows) != 250 || rows[249]["embedding"].([]any)[0] != float32(249) {
		t.Errorf("last row = %v", rows[len(rows)-1])
	}
}
