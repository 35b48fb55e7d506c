package inspect

import (
	"math"
	"strings"
	"testing"

	"dataplus/internal/pdf"
)

func TestScanText(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    TextStats
	}{
		{"Tj", "BT /F1 12 Tf 72 700 Td (Hello World) Tj ET",
			TextStats{ShowOps: 1, Glyphs: 11, UnicodeGlyphs: 11, Chars: 10}},
		{"TJ with adjustments", "BT /F1 12 Tf 72 700 Td [(Hel) -250 (lo)] TJ ET",
			TextStats{ShowOps: 1, Glyphs: 5, UnicodeGlyphs: 5, Chars: 5}},
		{"quote operators", "BT /F1 12 Tf 14 TL 72 700 Td (ab) ' 1 2 (cd) \" ET",
			TextStats{ShowOps: 2, Glyphs: 4, UnicodeGlyphs: 4, Chars: 4}},
		{"invisible", "BT /F1 12 Tf 3 Tr 72 700 Td (abc) Tj 7 Tr (de) Tj 0 Tr (f) Tj ET",
			TextStats{ShowOps: 3, Glyphs: 6, InvisibleGlyphs: 5, UnicodeGlyphs: 6, Chars: 1, InvisibleChars: 5}},
		{"off the page", "BT /F1 12 Tf 1 0 0 1 -900 100 Tm (abc) Tj ET",
			TextStats{ShowOps: 1, Glyphs: 3, UnicodeGlyphs: 3}},
		{"moved onto the page by cm", "q 1 0 0 1 1000 0 cm BT /F1 12 Tf -900 100 Td (abc) Tj ET Q",
			TextStats{ShowOps: 1, Glyphs: 3, UnicodeGlyphs: 3, Chars: 3}},
		{"no font", "BT 72 700 Td (abc) Tj ET",
			TextStats{ShowOps: 1, Glyphs: 3, UnmappedGlyphs: 3}},
		{"missing font resource", "BT /F9 10 Tf 72 700 Td (abc) Tj ET",
			TextStats{ShowOps: 1, Glyphs: 3, UnmappedGlyphs: 3}},
		{"font survives Q only when set before q", "BT /F1 10 Tf q /F9 10 Tf Q 72 700 Td (ab) Tj ET",
			TextStats{ShowOps: 1, Glyphs: 2, UnicodeGlyphs: 2, Chars: 2}},
		{"undefined WinAnsi codes print nothing", "BT /F1 10 Tf 72 700 Td <0102> Tj ET",
			TextStats{ShowOps: 1, Glyphs: 2, UnmappedGlyphs: 2}},
		{"empty string", "BT /F1 10 Tf () Tj ET", TextStats{ShowOps: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := newMemDoc()
			pg := scan(t, doc, helvetica(doc), tt.content)
			if pg.Text != tt.want {
				t.Errorf("text = %+v\nwant   %+v", pg.Text, tt.want)
			}
			if pg.ScanError != "" {
				t.Errorf("scan error %q", pg.ScanError)
			}
		})
	}
}

func TestScanPathOps(t *testing.T) {
	doc := newMemDoc()
	pg := scan(t, doc, nil, "0 0 m 10 10 l 1 2 3 4 5 6 c 1 2 3 4 v 1 2 3 4 y h 0 0 10 10 re f S")
	if pg.PathOps != 7 {
		t.Errorf("path ops = %d, want 7", pg.PathOps)
	}
}

// imageResources returns resources with /Im0 an image XObject and /Fm0 a
// form XObject drawing it, with the given form dictionary entries.
func imageResources(doc *memDoc, form pdf.Dict, formContent string) pdf.Dict {
	img := doc.stream(pdf.Dict{"Subtype": pdf.Name("Image"), "Width": int64(10), "Height": int64(10)}, "")
	xobj := pdf.Dict{"Im0": img}
	if form != nil {
		form["Subtype"] = pdf.Name("Form")
		form["Resources"] = pdf.Dict{"XObject": pdf.Dict{"Im0": img}}
		xobj["Fm0"] = doc.stream(form, formContent)
	}
	return pdf.Dict{"XObject": xobj}
}

func TestScanImages(t *testing.T) {
	full := 612.0 * 792
	tests := []struct {
		name          string
		form          pdf.Dict
		formContent   string
		content       string
		count, inline int
		coverage, max float64
	}{
		{"full page", nil, "", "q 612 0 0 792 0 0 cm /Im0 Do Q", 1, 0, 1, 1},
		{"quarter", nil, "", "q 306 0 0 396 0 0 cm /Im0 Do Q", 1, 0, 0.25, 0.25},
		{"flipped", nil, "", "q 306 0 0 -396 0 396 cm /Im0 Do Q", 1, 0, 0.25, 0.25},
		{"rotated", nil, "", "q 0 396 -306 0 306 0 cm /Im0 Do Q", 1, 0, 0.25, 0.25},
		{"clipped to the page", nil, "", "q 1224 0 0 792 -918 0 cm /Im0 Do Q", 1, 0, 0.5, 0.5},
		{"union of overlapping", nil, "",
			"q 306 0 0 792 0 0 cm /Im0 Do Q q 306 0 0 792 153 0 cm /Im0 Do Q", 2, 0, 0.75, 0.5},
		{"same image twice", nil, "",
			"q 306 0 0 396 0 0 cm /Im0 Do /Im0 Do Q", 2, 0, 0.25, 0.25},
		{"clip path", nil, "",
			"q 0 0 306 792 re W n 612 0 0 792 0 0 cm /Im0 Do Q", 1, 0, 0.5, 0.5},
		{"clip restored by Q", nil, "",
			"q 0 0 306 792 re W n Q q 612 0 0 792 0 0 cm /Im0 Do Q", 1, 0, 1, 1},
		{"form with matrix", pdf.Dict{"Matrix": pdf.Array{0.5, 0.0, 0.0, 0.5, 0.0, 0.0}},
			"612 0 0 792 0 0 cm /Im0 Do", "/Fm0 Do", 1, 0, 0.25, 0.25},
		{"form bbox clips", pdf.Dict{"BBox": pdf.Array{0.0, 0.0, 306.0, 792.0}},
			"612 0 0 792 0 0 cm /Im0 Do", "/Fm0 Do", 1, 0, 0.5, 0.5},
		{"form state does not leak", pdf.Dict{},
			"2 0 0 2 0 0 cm", "/Fm0 Do q 306 0 0 396 0 0 cm /Im0 Do Q", 1, 0, 0.25, 0.25},
		{"form that draws itself", pdf.Dict{}, "/Fm0 Do 612 0 0 792 0 0 cm /Im0 Do", "/Fm0 Do", 1, 0, 1, 1},
		{"inline image", nil, "",
			"q 612 0 0 396 0 0 cm BI /W 2 /H 2 /BPC 8 /CS /G ID \x00EI\x01 EI Q", 1, 1, 0.5, 0.5},
		{"missing image", nil, "", "/Nope Do", 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := newMemDoc()
			pg := scan(t, doc, imageResources(doc, tt.form, tt.formContent), tt.content)
			im := pg.Images
			if im.Count != tt.count || im.Inline != tt.inline {
				t.Errorf("count %d inline %d, want %d %d", im.Count, im.Inline, tt.count, tt.inline)
			}
			if math.Abs(im.Coverage-tt.coverage) > 1e-9 || math.Abs(im.MaxCoverage-tt.max) > 1e-9 {
				t.Errorf("coverage %v max %v, want %v %v (page area %v)", im.Coverage, im.MaxCoverage, tt.coverage, tt.max, full)
			}
		})
	}
}

func TestScanNestedFormsDepthLimited(t *testing.T) {
	doc := newMemDoc()
	img := doc.stream(pdf.Dict{"Subtype": pdf.Name("Image")}, "")
	// Twenty forms, each drawing the next; the last draws the image.
	inner := pdf.Dict{"Subtype": pdf.Name("Form"), "Resources": pdf.Dict{"XObject": pdf.Dict{"Im0": img}}}
	next := doc.stream(inner, "612 0 0 792 0 0 cm /Im0 Do")
	for range 19 {
		next = doc.stream(pdf.Dict{"Subtype": pdf.Name("Form"),
			"Resources": pdf.Dict{"XObject": pdf.Dict{"Fx": next}}}, "/Fx Do")
	}
	res := pdf.Dict{"XObject": pdf.Dict{"Fx": next}}
	if pg := scanWith(doc, res, "/Fx Do", Options{MaxFormDepth: 8}.withDefaults()); pg.Images.Count != 0 {
		t.Errorf("depth 8: images = %d, want 0", pg.Images.Count)
	}
	if pg := scanWith(doc, res, "/Fx Do", Options{MaxFormDepth: 20}.withDefaults()); pg.Images.Count != 1 {
		t.Errorf("depth 20: images = %d, want 1", pg.Images.Count)
	}
}

func TestScanFormUsesCallerResources(t *testing.T) {
	doc := newMemDoc()
	res := helvetica(doc)
	res["XObject"] = pdf.Dict{"Fm0": doc.stream(pdf.Dict{"Subtype": pdf.Name("Form")}, "BT /F1 10 Tf 72 72 Td (abc) Tj ET")}
	pg := scan(t, doc, res, "/Fm0 Do /Fm0 Do")
	if pg.Text.Chars != 6 {
		t.Errorf("chars = %d, want 6", pg.Text.Chars)
	}
	if want := int64(len("/Fm0 Do /Fm0 Do") + 2*len("BT /F1 10 Tf 72 72 Td (abc) Tj ET")); pg.ContentBytes != want {
		t.Errorf("content bytes = %d, want %d", pg.ContentBytes, want)
	}
}

func TestScanInlineImages(t *testing.T) {
	tests := []struct {
		name    string
		content string
		images  int
		after   int // show operators after the image(s)
	}{
		{"unfiltered by size", "BI /W 4 /H 1 /BPC 8 /CS /RGB ID " + strings.Repeat("EI Q", 3) + "\nEI BT (x) Tj ET", 1, 1},
		{"image mask", "BI /W 16 /H 2 /IM true ID \xffEI\xff EI (x) Tj", 1, 1},
		{"length given", "BI /W 100 /H 100 /F /DCT /L 6 ID a EI b\nEI (x) Tj", 1, 1},
		{"filtered, binary EI inside", "BI /W 10 /H 10 /F /Fl ID x\x9c EI \x01\x02\x03 q\x00 EI Q (x) Tj", 1, 1},
		{"filtered, EI then text operator", "BI /W 1 /H 1 /F [/AHx] ID 00> EI BT (x) Tj ET", 1, 1},
		{"two in a row", "BI /W 1 /H 1 /CS /G /BPC 8 ID \x00 EI BI /W 1 /H 1 /F /AHx ID ff> EI (x) Tj", 2, 1},
		{"no EI", "BI /W 1 /H 1 /F /Fl ID garbage (x) Tj", 1, 0},
		{"EI at end", "BI /W 1 /H 1 /F /Fl ID zz EI", 1, 0},
		{"wrong size falls back to search", "BI /W 100 /H 100 /BPC 8 /CS /G ID abc EI (x) Tj", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := newMemDoc()
			pg := scan(t, doc, helvetica(doc), tt.content)
			if pg.Images.Inline != tt.images || pg.Images.Count != tt.images {
				t.Errorf("inline images = %d/%d, want %d", pg.Images.Inline, pg.Images.Count, tt.images)
			}
			if pg.Text.ShowOps != tt.after {
				t.Errorf("show ops after = %d, want %d", pg.Text.ShowOps, tt.after)
			}
		})
	}
}

func TestScanContentLimit(t *testing.T) {
	doc := newMemDoc()
	content := strings.Repeat("0 0 m ", 1000)
	pg := scanWith(doc, nil, content, Options{MaxContentBytes: 600}.withDefaults())
	if pg.ScanError == "" || pg.ContentBytes != 600 {
		t.Errorf("scan error %q, content bytes %d", pg.ScanError, pg.ContentBytes)
	}
	if pg.PathOps != 100 {
		t.Errorf("path ops = %d, want 100 (those within the limit)", pg.PathOps)
	}
}

func TestScanGraphicsStackBounded(t *testing.T) {
	doc := newMemDoc()
	res := imageResources(doc, nil, "")
	content := strings.Repeat("q ", 10000) + "2 0 0 2 0 0 cm" + strings.Repeat(" Q", 10000) +
		" Q Q Q q 306 0 0 396 0 0 cm /Im0 Do Q"
	pg := scan(t, doc, res, content)
	if pg.Images.Coverage != 0.25 {
		t.Errorf("coverage = %v, want 0.25 (CTM restored)", pg.Images.Coverage)
	}
}

func TestScanGarbage(t *testing.T) {
	doc := newMemDoc()
	res := imageResources(doc, nil, "")
	for _, content := range []string{
		"", "Tj TJ ' \" Tf cm Do re m l c", "BT ] ] >> >> [ [ << (x) TJ ET",
		"BI", "BI ID", "BI /W ID", "1 2 3 4 5 cm", "/Im0", "(unterminated", "<abc",
		"q 1e308 0 0 1e308 0 0 cm /Im0 Do Q", "q NaN 0 0 1 0 0 cm /Im0 Do",
	} {
		pg := scan(t, doc, res, content)
		if pg.Images.Coverage < 0 || pg.Images.Coverage > 1 || math.IsNaN(pg.Images.Coverage) {
			t.Errorf("%q: coverage %v", content, pg.Images.Coverage)
		}
	}
}

func BenchmarkScanText(b *testing.B) {
	doc := newMemDoc()
	res := helvetica(doc)
	var sb strings.Builder
	sb.WriteString("BT /F1 10 Tf 72 720 Td 12 TL\n")
	for range 60 {
		sb.WriteString("[(The quick brown fox jumps) -250 (over the lazy dog.)] TJ T*\n")
		sb.WriteString("0.5 0 0 RG 72 100 m 540 100 l S\n")
	}
	sb.WriteString("ET")
	content := []byte(sb.String())
	s := newScanner(b.Context(), doc, Options{}.withDefaults())
	var pg Page
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	for b.Loop() {
		pg = Page{}
		s.beginPage(&pg, letter, letter, res)
		s.run(content)
		s.endPage()
	}
	if pg.Text.Glyphs == 0 {
		b.Fatal("no glyphs")
	}
}
