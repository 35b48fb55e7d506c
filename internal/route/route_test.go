package route

import (
	"context"
	"math"
	"testing"

	"dataplus/internal/inspect"
	"dataplus/internal/pdf"
	"dataplus/internal/testpdf"
)

func page(chars, invisible, unicode, unmapped, repl int, cov float64, paths int) inspect.Page {
	return inspect.Page{
		Number: 1,
		Text: inspect.TextStats{
			Glyphs: unicode + unmapped, Chars: chars, InvisibleGlyphs: invisible,
			UnicodeGlyphs: unicode, UnmappedGlyphs: unmapped, ReplacementChars: repl,
		},
		Images:  inspect.ImageStats{Coverage: cov, MaxCoverage: cov},
		PathOps: paths,
	}
}

func TestPage(t *testing.T) {
	c := DefaultConfig()
	tests := []struct {
		name   string
		page   inspect.Page
		want   Route
		raster bool
		reason string
	}{
		{"plain text", page(1200, 0, 1200, 0, 0, 0, 10), Text, false, ReasonText},
		{"blank", page(0, 0, 0, 0, 0, 0, 0), Empty, false, ReasonNothing},
		{"a few rules", page(0, 0, 0, 0, 0, 0, 12), Empty, false, ReasonNothing},
		{"small logo only", page(3, 0, 3, 0, 0, 0.02, 0), Empty, false, ReasonNothing},
		{"full page scan", page(0, 0, 0, 0, 0, 0.99, 0), OCR, true, ReasonImageCoverage},
		{"scan with page number", page(4, 0, 4, 0, 0, 0.95, 0), OCR, true, ReasonImageCoverage},
		{"half page image no text", page(0, 0, 0, 0, 0, 0.4, 0), OCRRegions, true, ReasonImageRegions},
		{"tiny image no text", page(0, 0, 0, 0, 0, 0.1, 0), OCRRegions, false, ReasonImageRegions},
		{"ocr layer over scan", page(0, 800, 800, 0, 0, 1, 0), PriorOCR, false, ReasonInvisibleText},
		{"invisible text alone", page(0, 800, 800, 0, 0, 0, 0), PriorOCR, false, ReasonInvisibleText},
		{"text beside a figure", page(900, 0, 900, 0, 0, 0.3, 0), OCRRegions, false, ReasonImageRegions},
		{"text beside a small logo", page(900, 0, 900, 0, 0, 0.01, 0), Text, false, ReasonText},
		{"identity-h without tounicode", page(500, 0, 0, 500, 0, 0, 0), OCR, false, ReasonUnmappedGlyphs},
		{"a few unmapped symbols", page(500, 0, 495, 5, 0, 0, 0), Text, false, ReasonText},
		{"mostly replacement chars", page(500, 0, 500, 0, 400, 0, 0), OCR, false, ReasonReplacement},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := c.Page(tc.page)
			if d.Route != tc.want || d.Raster != tc.raster {
				t.Fatalf("route %s raster %v, want %s raster %v (reasons %v)", d.Route, d.Raster, tc.want, tc.raster, d.Reasons)
			}
			if !hasReason(d.Reasons, tc.reason) {
				t.Fatalf("reasons %v lack %q", d.Reasons, tc.reason)
			}
		})
	}
}

func TestVectorOnlyRule(t *testing.T) {
	c := DefaultConfig()
	p := page(0, 0, 0, 0, 0, 0, 5000)
	if got := c.Page(p).Route; got != Empty {
		t.Fatalf("rule off by default: got %s", got)
	}
	c.VectorTextPathOps = 2000
	d := c.Page(p)
	if d.Route != OCR || !hasReason(d.Reasons, ReasonVectorOnly) {
		t.Fatalf("rule on: got %s %v", d.Route, d.Reasons)
	}
}

func TestScanErrorIsAReason(t *testing.T) {
	p := page(1200, 0, 1200, 0, 0, 0, 0)
	p.ScanError = "content stream: unexpected EOF"
	d := DefaultConfig().Page(p)
	if !hasReason(d.Reasons, ReasonScanIncomplete) {
		t.Fatalf("reasons %v lack %s", d.Reasons, ReasonScanIncomplete)
	}
}

func TestDocument(t *testing.T) {
	c := DefaultConfig()
	text := Decision{Route: Text}
	scan := Decision{Route: OCR, Raster: true}
	prior := Decision{Route: PriorOCR}
	repeat := func(d Decision, n int) []Decision {
		out := make([]Decision, n)
		for i := range out {
			out[i] = d
		}
		return out
	}
	tests := []struct {
		name     string
		pages    []Decision
		want     Label
		needsOCR bool
	}{
		{"no pages", nil, BornDigital, false},
		{"all text", repeat(text, 5), BornDigital, false},
		{"all scans", repeat(scan, 10), Scanned, true},
		{"ocrmypdf output has a text layer", repeat(prior, 3), BornDigital, false},
		{"nine of ten scanned", append(repeat(scan, 9), text), Scanned, true},
		{"half scanned", append(repeat(scan, 5), repeat(text, 5)...), Mixed, true},
		{"one of twenty scanned", append(repeat(scan, 1), repeat(text, 19)...), BornDigital, true},
		{"one of ten scanned", append(repeat(scan, 1), repeat(text, 9)...), Mixed, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := c.Document(tc.pages)
			if d.Label != tc.want || d.NeedsOCR != tc.needsOCR {
				t.Fatalf("label %s needs_ocr %v, want %s %v (reasons %v)", d.Label, d.NeedsOCR, tc.want, tc.needsOCR, d.Reasons)
			}
			sum := 0
			for _, n := range d.Routes {
				sum += n
			}
			if sum != len(tc.pages) || d.Pages != len(tc.pages) {
				t.Fatalf("routes %v add up to %d, want %d", d.Routes, sum, len(tc.pages))
			}
		})
	}
}

func TestValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	bad := []struct {
		name string
		mod  func(*Config)
	}{
		{"share above one", func(c *Config) { c.OCRImageCoverage = 1.5 }},
		{"negative min chars", func(c *Config) { c.MinChars = -1 }},
		{"region above ocr", func(c *Config) { c.RegionImageCoverage = 0.8 }},
		{"mixed above scanned", func(c *Config) { c.MixedShare = 0.95 }},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.mod(&c)
			if c.Validate() == nil {
				t.Fatal("Validate accepted it")
			}
		})
	}
}

// FuzzPage checks the router's invariants on arbitrary facts: it never
// panics, always picks a known route with at least one reason, and never
// emits NaN or infinite numbers into JSON.
func FuzzPage(f *testing.F) {
	f.Add(1200, 0, 1200, 0, 0, 0.0, 10)
	f.Add(0, 0, 0, 0, 0, 0.99, 0)
	f.Add(0, 800, 800, 0, 0, 1.0, 0)
	f.Add(500, 0, 0, 500, 0, 0.0, 0)
	f.Add(500, 0, 500, 0, 400, 0.3, 0)
	// Real facts: every page of every generated fixture.
	for _, fx := range testpdf.All() {
		doc, err := pdf.Open(context.Background(), fx.Data, pdf.Options{})
		if err != nil {
			continue
		}
		res, err := inspect.Document(context.Background(), doc, inspect.Options{})
		if err != nil || res == nil {
			continue
		}
		for _, p := range res.Pages {
			t := p.Text
			f.Add(t.Chars, t.InvisibleGlyphs, t.UnicodeGlyphs, t.UnmappedGlyphs, t.ReplacementChars, p.Images.Coverage, p.PathOps)
		}
	}
	f.Add(-5, -1, -3, -7, -2, math.Inf(1), -1)
	f.Add(0, 0, 0, 0, 0, math.NaN(), 5000)
	c := DefaultConfig()
	c.VectorTextPathOps = 2000
	f.Fuzz(func(t *testing.T, chars, invisible, unicode, unmapped, repl int, cov float64, paths int) {
		d := c.Page(page(chars, invisible, unicode, unmapped, repl, cov, paths))
		known := false
		for _, r := range Routes {
			known = known || d.Route == r
		}
		if !known {
			t.Fatalf("unknown route %q", d.Route)
		}
		if len(d.Reasons) == 0 {
			t.Fatal("decision without reasons")
		}
		for _, r := range d.Reasons {
			if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) {
				t.Fatalf("reason %v is not finite", r)
			}
		}
		doc := c.Document([]Decision{d, d})
		if doc.Label == "" || doc.Pages != 2 {
			t.Fatalf("rollup %+v", doc)
		}
	})
}

func hasReason(rs []Reason, code string) bool {
	for _, r := range rs {
		if r.Code == code {
			return true
		}
	}
	return false
}
