package pdf

import (
	"context"
	"errors"
	"testing"
	"time"

	"dataplus/internal/testpdf"
)

// kindOf maps an error to the fixture generator's error kinds.
func kindOf(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.DeadlineExceeded):
		return testpdf.ErrTimeout
	case errors.Is(err, ErrEncrypted):
		return testpdf.ErrEncrypted
	case errors.Is(err, ErrLimit):
		return testpdf.ErrTooLarge
	case errors.Is(err, ErrUnsupported):
		return testpdf.ErrUnsupported
	}
	return testpdf.ErrInvalidPDF
}

// TestFixtures checks what this package is responsible for against every
// generated fixture: page count and geometry, encryption, cross-reference
// kind; and that nothing panics or hangs.
func TestFixtures(t *testing.T) {
	for _, fx := range testpdf.All() {
		t.Run(fx.Name, func(t *testing.T) {
			w := fx.Want
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			doc, err := Open(ctx, fx.Data, Options{Password: []byte(w.Password)})
			var pages []Page
			if err == nil {
				pages, err = doc.Pages()
			}
			if err != nil {
				// Failing is right only when the fixture says the document
				// fails; the kind must then agree (a timeout may also be a
				// limit: both stop hostile work).
				if w.ErrKind == "" {
					t.Fatalf("unexpected error: %v", err)
				}
				if k := kindOf(err); k != w.ErrKind && !(w.ErrKind == testpdf.ErrTimeout && k == testpdf.ErrTooLarge) {
					t.Errorf("error kind %s (%v), want %s", k, err, w.ErrKind)
				}
				return
			}
			if w.Pages >= 0 && w.ErrKind == "" && len(pages) != w.Pages {
				t.Errorf("pages %d, want %d", len(pages), w.Pages)
			}
			enc := doc.Encryption()
			if (enc != nil) != w.Encrypted {
				t.Errorf("encryption %+v, want encrypted %v", enc, w.Encrypted)
			}
			if enc != nil && w.Encrypted {
				if w.Method != "" && enc.Method != w.Method {
					t.Errorf("method %s, want %s", enc.Method, w.Method)
				}
				if w.Password == "" && enc.NeedsPassword != w.NeedsPassword {
					t.Errorf("needs password %v, want %v", enc.NeedsPassword, w.NeedsPassword)
				}
				if w.P != 0 && enc.P != w.P {
					t.Errorf("P %d, want %d", enc.P, w.P)
				}
			}
			if w.XRefKind != "" {
				info := doc.XRefInfo()
				if info.Kind != w.XRefKind || info.Repaired != w.Repaired {
					t.Errorf("xref %+v, want kind %s repaired %v", info, w.XRefKind, w.Repaired)
				}
				if w.XRefSections != 0 && info.Sections != w.XRefSections {
					t.Errorf("xref sections %d, want %d", info.Sections, w.XRefSections)
				}
			}
			if w.Geometry != nil && len(w.Geometry) == len(pages) {
				for i, g := range w.Geometry {
					p := pages[i]
					if p.MediaBox != Rect(g.MediaBox) || p.CropBox != Rect(g.CropBox) || p.Rotate != g.Rotate {
						t.Errorf("page %d: media %v crop %v rotate %d, want %v %v %d", i+1, p.MediaBox, p.CropBox, p.Rotate, g.MediaBox, g.CropBox, g.Rotate)
					}
				}
			}
		})
	}
}
