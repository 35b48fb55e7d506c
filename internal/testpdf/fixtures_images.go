package testpdf

import (
	"bytes"
	"fmt"
)

// imageFixtures are documents whose routing depends on images: scans, mixed
// documents, a partial image beside text, OCRed scans, inline images and an
// image reached through a form XObject.
func imageFixtures() []Fixture {
	return []Fixture{
		scannedFixture(),
		mixedFixture(),
		partialImageFixture(),
		priorOCRFixture(),
		inlineImageFixture(),
		formImageFixture(),
	}
}

// Scan raster size: a quarter of Letter at 18 dpi, scaled up to the page.
const scanW, scanH = 153, 198

// scanPage adds a page drawing one scanned image over the whole page and
// returns the page. jpeg selects an RGB DCTDecode image instead of gray
// Flate.
func (b *book) scanPage(seed uint64, jpeg bool) Ref {
	pix := scanRaster(scanW, scanH, seed)
	var img *Stream
	if jpeg {
		img = jpegImage(scanW, scanH, pix)
	} else {
		img = grayImage(scanW, scanH, pix)
	}
	im := b.d.Add(img)
	var c Content
	c.DrawXObject("Im0", 0, 0, 612, 792)
	return b.page(c.Bytes(), Dict{"XObject": Dict{"Im0": im}}, nil)
}

// scannedFixture is a two-page scan: a gray Flate image and an RGB JPEG,
// each drawn over the whole page, and no text.
func scannedFixture() Fixture {
	b := newBook("1.4", "scanned")
	b.scanPage(1, false)
	b.scanPage(2, true)
	b.info(simpleInfo("Scanned document"))
	d := b.done()
	return Fixture{Name: "scanned", Data: d.Save(SaveOptions{}), Want: Want{
		Pages:        2,
		Route:        DocScanned,
		PageRoutes:   []string{RouteOCR, RouteOCR},
		RasterPages:  2,
		Version:      "1.4",
		XRefKind:     "table",
		XRefSections: 1,
		Title:        "Scanned document",
		Producer:     producer,
		CreationDate: creationRFC3339,
		Images:       2,
		WellFormed:   true,
		Note:         "page 1: 8-bit gray FlateDecode image; page 2: RGB DCTDecode image; both scaled to 612x792 by cm",
	}}
}

// mixedFixture alternates text pages and scanned pages.
func mixedFixture() Fixture {
	b := newBook("1.4", "mixed")
	b.textPage(21, "Mixed document, page 1 (text)")
	b.scanPage(22, false)
	b.textPage(23, "Mixed document, page 3 (text)")
	b.scanPage(24, true)
	b.info(simpleInfo("Mixed document"))
	d := b.done()
	return Fixture{Name: "mixed", Data: d.Save(SaveOptions{}), Want: Want{
		Pages:        4,
		Route:        DocMixed,
		PageRoutes:   []string{RouteText, RouteOCR, RouteText, RouteOCR},
		RasterPages:  2,
		Version:      "1.4",
		XRefKind:     "table",
		XRefSections: 1,
		Title:        "Mixed document",
		Producer:     producer,
		CreationDate: creationRFC3339,
		Images:       2,
		WellFormed:   true,
	}}
}

// partialImageFixture is a text page with an embedded picture covering about
// 20% of the page: the text is real, but the picture (a scanned clipping)
// needs OCR of its own region.
func partialImageFixture() Fixture {
	b := newBook("1.4", "partial_image")
	pix := scanRaster(77, 80, 31)
	im := b.d.Add(grayImage(77, 80, pix))
	var c Content
	c.TextLines("F1", 18, 72, 720, 22, []string{"Text page with a scanned clipping"})
	c.TextLines("F1", 11, 72, 690, 14, bodyLines(31, 18, 70))
	// 306 x 317 pt = 97,002 of 484,704 pt^2: 20.0% of the page.
	c.DrawXObject("Im0", 153, 60, 306, 317)
	b.page(c.Bytes(), Dict{"XObject": Dict{"Im0": im}}, nil)
	b.info(simpleInfo("Partial image"))
	d := b.done()
	return Fixture{Name: "partial_image", Data: d.Save(SaveOptions{}), Want: Want{
		Pages:        1,
		Route:        DocBornDigital,
		PageRoutes:   []string{RouteOCRRegions},
		Version:      "1.4",
		XRefKind:     "table",
		XRefSections: 1,
		Title:        "Partial image",
		Producer:     producer,
		CreationDate: creationRFC3339,
		Images:       1,
		WellFormed:   true,
		Note:         "image bounds [153 60 459 377]: coverage 0.200 of the crop box; about 1,300 visible characters beside it",
	}}
}

// priorOCRFixture is what OCR software produces: each page is a full-page
// scan with the recognised text laid over it in render mode 3 (invisible).
func priorOCRFixture() Fixture {
	b := newBook("1.5", "prior_ocr")
	for i := uint64(1); i <= 2; i++ {
		pix := scanRaster(scanW, scanH, 40+i)
		im := b.d.Add(grayImage(scanW, scanH, pix))
		var c Content
		c.DrawXObject("Im0", 0, 0, 612, 792)
		c.InvisibleTextLines("F1", 11, 61, 726, 24, bodyLines(40+i, 28, 70))
		b.page(c.Bytes(), Dict{"XObject": Dict{"Im0": im}}, nil)
	}
	b.info(simpleInfo("Scanned and OCRed"))
	d := b.done()
	return Fixture{Name: "prior_ocr", Data: d.Save(SaveOptions{}), Want: Want{
		Pages:        2,
		Route:        DocBornDigital,
		PageRoutes:   []string{RoutePriorOCR, RoutePriorOCR},
		Version:      "1.5",
		XRefKind:     "table",
		XRefSections: 1,
		Title:        "Scanned and OCRed",
		Producer:     producer,
		CreationDate: creationRFC3339,
		Images:       2,
		WellFormed:   true,
		Note:         "all text is in render mode 3 over a 612x792 image: the existing OCR layer is usable, no new OCR",
	}}
}

// inlineImageFixture draws a BI/ID/EI inline image over the whole page.
func inlineImageFixture() Fixture {
	const w, h = 48, 62
	var data []byte
	// Binary inline data must not contain "EI", or readers that search
	// for the end marker may stop early. Pick the first seed whose
	// compressed raster is unambiguous.
	for seed := uint64(50); ; seed++ {
		data = deflate(scanRaster(w, h, seed))
		if !ambiguousEI(data) {
			break
		}
	}
	var c Content
	c.Op("q")
	c.Op("612 0 0 792 0 0 cm")
	c.Op("BI /W %d /H %d /CS /G /BPC 8 /F /Fl /L %d", w, h, len(data))
	c.buf.WriteString("ID ")
	c.buf.Write(data)
	c.buf.WriteString("\nEI\n")
	c.Op("Q")

	b := newBook("1.4", "inline_image")
	b.page(c.Bytes(), nil, nil)
	b.info(simpleInfo("Inline image"))
	d := b.done()
	return Fixture{Name: "inline_image", Data: d.Save(SaveOptions{}), Want: Want{
		Pages:        1,
		Route:        DocScanned,
		PageRoutes:   []string{RouteOCR},
		RasterPages:  1,
		Version:      "1.4",
		XRefKind:     "table",
		XRefSections: 1,
		Title:        "Inline image",
		Producer:     producer,
		CreationDate: creationRFC3339,
		Images:       1,
		WellFormed:   true,
		Note:         fmt.Sprintf("inline image %dx%d gray, /F /Fl, binary data, drawn with 612 0 0 792 0 0 cm", w, h),
	}}
}

// ambiguousEI reports whether data contains "EI" at all. Readers differ in
// how they find the end of inline data (some want whitespace around EI,
// some do not), so the fixture avoids the pair entirely.
func ambiguousEI(data []byte) bool {
	return bytes.Contains(data, []byte("EI"))
}

// formImageFixture draws a full-page scan through a form XObject. Only the
// composition of the page CTM and the form's /Matrix puts the image on the
// whole page:
//
//	page:  0.5 0 0 0.5 306 0 cm /Fm0 Do
//	/Matrix [2 0 0 2 -612 0]         -> identity overall
//	form:  612 0 0 792 0 0 cm /Im0 Do  (image in the form's own resources)
//
// A reader that ignores /Matrix sees the image on a quarter of the page.
func formImageFixture() Fixture {
	b := newBook("1.4", "form_image")
	im := b.d.Add(grayImage(scanW, scanH, scanRaster(scanW, scanH, 60)))
	var fc Content
	fc.DrawXObject("Im0", 0, 0, 612, 792)
	form := b.d.Add(FlateStream(Dict{
		"Type":      Name("XObject"),
		"Subtype":   Name("Form"),
		"BBox":      Rect(0, 0, 612, 792),
		"Matrix":    Array{2, 0, 0, 2, -612, 0},
		"Resources": Dict{"XObject": Dict{"Im0": im}},
	}, fc.Bytes()))
	var c Content
	c.Op("q")
	c.Op("0.5 0 0 0.5 306 0 cm")
	c.Op("/Fm0 Do")
	c.Op("Q")
	b.page(c.Bytes(), Dict{"XObject": Dict{"Fm0": form}}, nil)
	b.info(simpleInfo("Image inside a form XObject"))
	d := b.done()
	return Fixture{Name: "form_image", Data: d.Save(SaveOptions{}), Want: Want{
		Pages:        1,
		Route:        DocScanned,
		PageRoutes:   []string{RouteOCR},
		RasterPages:  1,
		Version:      "1.4",
		XRefKind:     "table",
		XRefSections: 1,
		Title:        "Image inside a form XObject",
		Producer:     producer,
		CreationDate: creationRFC3339,
		Images:       1,
		WellFormed:   true,
		Note:         "coverage 1.0 only through CTM x form /Matrix; ignoring /Matrix gives 0.25",
	}}
}
