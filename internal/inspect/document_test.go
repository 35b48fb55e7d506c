package inspect

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"dataplus/internal/pdf"
	"dataplus/internal/testpdf"
)

// errKind maps an error to the record layer's kinds, as the fixtures name
// them.
func errKind(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, pdf.ErrEncrypted):
		return testpdf.ErrEncrypted
	case errors.Is(err, pdf.ErrLimit):
		return testpdf.ErrTooLarge
	case errors.Is(err, pdf.ErrUnsupported):
		return testpdf.ErrUnsupported
	case errors.Is(err, context.DeadlineExceeded):
		return testpdf.ErrTimeout
	case errors.Is(err, pdf.ErrInvalid):
		return testpdf.ErrInvalidPDF
	}
	return "internal: " + err.Error()
}

// rasterPages counts pages as the fixtures do: no text (visible or an OCR
// layer) and images covering at least 30% of the page.
func rasterPages(res *Result) int {
	n := 0
	for _, p := range res.Pages {
		if p.Text.Chars+p.Text.InvisibleChars == 0 && p.Images.Coverage >= 0.3 {
			n++
		}
	}
	return n
}

// TestFixtures runs Document over every generated fixture and checks what
// the fixture asserts.
func TestFixtures(t *testing.T) {
	for _, fx := range testpdf.All() {
		t.Run(fx.Name, func(t *testing.T) {
			w := fx.Want
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			doc, err := pdf.Open(ctx, fx.Data, pdf.Options{})
			var res *Result
			if err == nil {
				res, err = Document(ctx, doc, Options{})
			}
			if got := errKind(err); got != w.ErrKind {
				t.Fatalf("error %v (kind %q), want kind %q", err, got, w.ErrKind)
			}
			if res == nil {
				if w.ErrKind == "" {
					t.Fatal("no result")
				}
				return
			}
			md := res.Metadata
			if w.Pages >= 0 && md.Pages != w.Pages {
				t.Errorf("pages = %d, want %d", md.Pages, w.Pages)
			}
			if w.Version != "" && md.Version != w.Version {
				t.Errorf("version = %q, want %q", md.Version, w.Version)
			}
			if (md.Encryption != nil) != w.Encrypted {
				t.Errorf("encryption = %+v, want encrypted %v", md.Encryption, w.Encrypted)
			} else if e := md.Encryption; e != nil && (e.Method != w.Method || e.NeedsPassword != w.NeedsPassword || e.P != w.P) {
				t.Errorf("encryption = %+v, want %s needs password %v P %d", e, w.Method, w.NeedsPassword, w.P)
			}
			if w.XRefKind != "" && (md.XRef.Kind != w.XRefKind || md.XRef.Repaired != w.Repaired) {
				t.Errorf("xref = %+v, want %s repaired %v", md.XRef, w.XRefKind, w.Repaired)
			}
			if w.XRefSections != 0 && md.XRef.Sections != w.XRefSections {
				t.Errorf("xref sections = %d, want %d", md.XRef.Sections, w.XRefSections)
			}
			if w.ErrKind == testpdf.ErrEncrypted {
				return // only what the page tree and trailer tell
			}
			for _, c := range []struct{ name, got, want string }{
				{"title", md.Info.Title, w.Title}, {"author", md.Info.Author, w.Author},
				{"creator", md.Info.Creator, w.Creator}, {"producer", md.Info.Producer, w.Producer},
				{"creation date", md.Info.CreationDate, w.CreationDate}, {"mod date", md.Info.ModDate, w.ModDate},
				{"language", md.Language, w.Language},
			} {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
				}
			}
			if x := md.XMP; w.PDFAPart != 0 && (x == nil || x.PDFAPart != w.PDFAPart || x.PDFAConformance != w.PDFAConformance) {
				t.Errorf("xmp = %+v, want PDF/A-%d%s", x, w.PDFAPart, w.PDFAConformance)
			}
			if md.Tagged != w.Tagged || md.HasOutline != w.HasOutline || md.FormFields != w.FormFields ||
				md.EmbeddedFiles != w.EmbeddedFiles {
				t.Errorf("tagged %v outline %v fields %d files %d, want %v %v %d %d", md.Tagged, md.HasOutline,
					md.FormFields, md.EmbeddedFiles, w.Tagged, w.HasOutline, w.FormFields, w.EmbeddedFiles)
			}
			if md.Images != w.Images {
				t.Errorf("images = %d, want %d", md.Images, w.Images)
			}
			if got := rasterPages(res); got != w.RasterPages {
				t.Errorf("raster pages = %d, want %d", got, w.RasterPages)
			}
			for i, g := range w.Geometry {
				if i >= len(res.Pages) {
					break
				}
				p := res.Pages[i]
				if p.MediaBox != g.MediaBox || p.CropBox != g.CropBox || p.Rotate != g.Rotate ||
					math.Abs(p.WidthPt-g.WidthPt) > 1e-9 || math.Abs(p.HeightPt-g.HeightPt) > 1e-9 {
					t.Errorf("page %d geometry = %v %v %d %vx%v, want %+v", i+1, p.MediaBox, p.CropBox, p.Rotate, p.WidthPt, p.HeightPt, g)
				}
			}
		})
	}
}

// TestFixturesWithPassword opens the password-protected fixtures with
// their password: everything is then readable.
func TestFixturesWithPassword(t *testing.T) {
	for _, fx := range testpdf.All() {
		if fx.Want.Password == "" {
			continue
		}
		t.Run(fx.Name, func(t *testing.T) {
			doc, err := pdf.Open(t.Context(), fx.Data, pdf.Options{Password: []byte(fx.Want.Password)})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Document(t.Context(), doc, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Metadata.Encryption.NeedsPassword || res.Metadata.Info.Title == "" || res.Pages[0].Text.Chars == 0 {
				t.Errorf("with the password: %+v, page 1 text %+v", res.Metadata, res.Pages[0].Text)
			}
		})
	}
}

func TestDocumentCanceled(t *testing.T) {
	fx := testpdf.All()[0]
	doc, err := pdf.Open(t.Context(), fx.Data, pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if res, err := Document(ctx, doc, Options{}); res != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v, %v", res, err)
	}
}
