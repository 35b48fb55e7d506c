package features

import (
	"math"
	"slices"
	"testing"

	"dataplus/internal/inspect"
	"dataplus/internal/pdf"
	"dataplus/internal/route"
	"dataplus/internal/testpdf"
)

func TestMetaSynthetic(t *testing.T) {
	m := &inspect.Metadata{
		Version:       "1.5",
		Pages:         9,
		Encryption:    &inspect.Encryption{Filter: "Standard", Method: "AES-128"},
		Info:          inspect.Info{Producer: "pdfTeX-1.40.25", Creator: "LaTeX with hyperref"},
		XMP:           &inspect.XMP{PDFAPart: 2},
		XRef:          inspect.XRef{Kind: "table", Sections: 2},
		Tagged:        true,
		HasOutline:    true,
		FormFields:    3,
		EmbeddedFiles: 1,
		Images:        99,
		Fonts:         []inspect.Font{{Embedded: true}, {Embedded: true}, {Embedded: true}, {}},
	}
	pages := []route.Decision{{Route: route.Text}, {Route: route.Text}, {Route: route.OCR}, {Route: route.Empty}}
	d := &route.Document{Label: route.Mixed, Pages: 4}
	geo := []inspect.Page{
		{WidthPt: 595.276, HeightPt: 841.89}, // A4 portrait
		{WidthPt: 841.89, HeightPt: 595.276}, // A4 landscape
		{WidthPt: 612, HeightPt: 792},        // letter portrait
		{WidthPt: 0, HeightPt: 792},          // unknown size: skipped
	}
	v := MetaOf(MetaInput{Metadata: m, Route: d, Decisions: pages, Pages: geo, FileSize: 999_999})
	if len(v) != MetaDim {
		t.Fatalf("len = %d, want %d", len(v), MetaDim)
	}
	want := make([]float64, MetaDim)
	want[0] = 1.0 / 3 // log10(10)/3
	want[1] = 6.0 / 9 // log10(1e6)/9
	want[2] = 0.5
	want[3] = 1 // encrypted; needs no password
	want[5], want[6], want[7], want[9], want[10] = 1, 1, 1, 1, 1
	want[13] = 1 // an XMP packet
	want[15] = math.Log10(5) / 2
	want[16] = 0.75
	want[17] = math.Log10(12) / 2 // log10(1+99/9)/2
	want[metaRoutes+0], want[metaRoutes+1], want[metaRoutes+4] = 0.5, 0.25, 0.25
	want[metaLabel+2] = 1
	want[metaGeometry+0] = (2*595.276*841.89 + 612*792) / 3 / (4 * areaA4)
	want[metaGeometry+1], want[metaGeometry+2] = 2.0/3, 1.0/3
	want[metaGeometry+3] = (595.276/841.89 + 841.89/595.276 + 612.0/792) / 3 / 2
	want[metaProducers+1] = 1 // latex
	for i := range want {
		if math.Abs(float64(v[i])-want[i]) > 1e-6 {
			t.Errorf("meta[%d] = %v, want %v", i, v[i], want[i])
		}
	}
}

func TestMetaNilInputs(t *testing.T) {
	v := Meta(nil, nil, nil)
	if len(v) != MetaDim || slices.ContainsFunc(v, func(x float32) bool { return x != 0 }) {
		t.Errorf("Meta(nil, nil, nil) = %v, want %d zeros", v, MetaDim)
	}
	// Only the rollup: shares come from its counts.
	d := &route.Document{Label: route.Scanned, Pages: 2, Routes: map[route.Route]int{route.OCR: 2}}
	v = Meta(nil, d, nil)
	for i, x := range v {
		want := float32(0)
		if i == metaRoutes+1 || i == metaLabel+1 {
			want = 1
		}
		if x != want {
			t.Errorf("rollup only: meta[%d] = %v, want %v", i, x, want)
		}
	}
}

func TestProducerFamilies(t *testing.T) {
	tests := []struct {
		producer, creator, xmpTool string
		want                       string
	}{
		{"pdfTeX-1.40.21", "TeX", "", "latex"},
		{"Microsoft® Word for Microsoft 365", "Microsoft® Word for Microsoft 365", "", "microsoft"},
		{"Adobe PDF Library 15.0", "Acrobat PDFMaker 15 for Word", "", "adobe"},
		{"LibreOffice 7.4", "Writer", "", "libreoffice"},
		{"Acrobat Distiller 10.1.8 (Windows)", "", "", "adobe"},
		{"GPL Ghostscript 9.50", "dvips(k) 5.998", "", "latex"},
		{"GPL Ghostscript 10.0", "", "", "ghostscript"},
		{"macOS Version 13.4 (Build 22F66) Quartz PDFContext", "", "", "quartz"},
		{"Skia/PDF m119", "Mozilla/5.0 Chrome/119", "", "browser"},
		{"iText 2.1.7 by 1T3XT", "", "", "library"},
		{"Adobe PDF Library 17.0", "", "ABBYY FineReader 15", "scanner"},
		{"ocrmypdf 14.0.1 / Tesseract OCR-PDF 5.3.0", "", "", "scanner"},
		{"dataplus testpdf", "", "", "other"},
		{"", "", "", "none"},
	}
	for _, tt := range tests {
		m := &inspect.Metadata{Info: inspect.Info{Producer: tt.producer, Creator: tt.creator}}
		if tt.xmpTool != "" {
			m.XMP = &inspect.XMP{CreatorTool: tt.xmpTool}
		}
		if got := producers[producerIndex(m)].name; got != tt.want {
			t.Errorf("%q / %q / %q: family %s, want %s", tt.producer, tt.creator, tt.xmpTool, got, tt.want)
		}
	}
	if n := metaProducers + len(producers); n != MetaDim {
		t.Errorf("producer one-hot ends at %d, MetaDim is %d", n, MetaDim)
	}
}

// TestMetaSamples builds metadata vectors from the project's sample PDFs
// through the real reader, scanner and router.
func TestMetaSamples(t *testing.T) {
	tests := []struct {
		file  string
		label int       // index in the label one-hot
		route []float32 // shares, route.Routes order
		set   []int     // flags that must be set
		unset []int     // flags that must not be
	}{
		{"text.pdf", 0, []float32{1, 0, 0, 0, 0}, []int{5, 6}, []int{3, 4}},
		{"mixed.pdf", 2, []float32{0.5, 0.5, 0, 0, 0}, nil, []int{3, 5, 6}},
		{"scanned.pdf", 1, []float32{0, 1, 0, 0, 0}, nil, []int{3}},
		{"aes_128.pdf", 0, []float32{1, 0, 0, 0, 0}, []int{3}, []int{4}},
		{"prior_ocr.pdf", 0, []float32{0, 0, 0, 1, 0}, nil, nil},
	}
	cfg := route.DefaultConfig()
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var data []byte
			for _, f := range testpdf.Samples() {
				if f.Name+".pdf" == tt.file {
					data = f.Data
				}
			}
			if data == nil {
				t.Fatalf("no sample %s", tt.file)
			}
			doc, err := pdf.Open(t.Context(), data, pdf.Options{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := inspect.Document(t.Context(), doc, inspect.Options{})
			if err != nil {
				t.Fatal(err)
			}
			decisions := make([]route.Decision, len(res.Pages))
			for i, p := range res.Pages {
				decisions[i] = cfg.Page(p)
			}
			rollup := cfg.Document(decisions)
			v := MetaOf(MetaInput{Metadata: &res.Metadata, Route: &rollup, Decisions: decisions, Pages: res.Pages, FileSize: int64(len(data))})
			if want := float32(math.Log10(1+float64(res.Metadata.Pages)) / 3); v[0] != want || want == 0 {
				t.Errorf("pages = %v, want %v", v[0], want)
			}
			if want := float32(math.Log10(1+float64(len(data))) / 9); v[1] != want {
				t.Errorf("size = %v, want %v", v[1], want)
			}
			if v[2] <= 0 {
				t.Errorf("version = %v for %q", v[2], res.Metadata.Version)
			}
			if got := v[metaRoutes : metaRoutes+5]; !slices.Equal(got, tt.route) {
				t.Errorf("route shares = %v, want %v", got, tt.route)
			}
			if v[metaLabel+tt.label] != 1 {
				t.Errorf("label one-hot = %v, want slot %d", v[metaLabel:metaLabel+3], tt.label)
			}
			for _, i := range tt.set {
				if v[i] != 1 {
					t.Errorf("meta[%d] = %v, want 1", i, v[i])
				}
			}
			for _, i := range tt.unset {
				if v[i] != 0 {
					t.Errorf("meta[%d] = %v, want 0", i, v[i])
				}
			}
			if v[metaGeometry] <= 0 || v[metaGeometry+1]+v[metaGeometry+2] > 1 {
				t.Errorf("geometry = %v", v[metaGeometry:metaGeometry+4])
			}
			if v[metaProducers+len(producers)-2] != 1 { // "dataplus testpdf" is no known family
				t.Errorf("producer one-hot = %v, want other", v[metaProducers:])
			}
		})
	}
}

// TestMetaGeometryUnrotated: a portrait page turned by /Rotate counts as
// portrait, as the visual block sees it.
func TestMetaGeometryUnrotated(t *testing.T) {
	shown := []inspect.Page{{WidthPt: 841.89, HeightPt: 595.276, Rotate: 90}}
	upright := []inspect.Page{{WidthPt: 595.276, HeightPt: 841.89}}
	a, b := MetaOf(MetaInput{Pages: shown}), MetaOf(MetaInput{Pages: upright})
	if !slices.Equal(a, b) || a[metaGeometry+1] != 1 {
		t.Errorf("turned page %v, upright page %v", a[metaGeometry:metaGeometry+4], b[metaGeometry:metaGeometry+4])
	}
}
