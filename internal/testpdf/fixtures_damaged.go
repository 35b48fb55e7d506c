package testpdf

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
)

// damagedFixtures are files broken the way real files break: wrong offsets,
// a missing startxref, truncation, and files that are not PDFs at all.
func damagedFixtures() []Fixture {
	return []Fixture{
		brokenXRefFixture(),
		noStartXRefFixture(),
		truncatedTailFixture(),
		truncatedHalfFixture(),
		{Name: "empty_file", Data: []byte{}, Want: notPDF("zero bytes")},
		{Name: "png_file", Data: pngFile(), Want: notPDF("a PNG image")},
		{Name: "text_file", Data: []byte(plainText), Want: notPDF("plain text without a %PDF header")},
	}
}

const plainText = `Minutes of the budget meeting

This is a plain text file that somebody saved with a .pdf extension.
It has no PDF header, no objects and no cross-reference data.
`

func notPDF(what string) Want {
	return Want{Pages: -1, ErrKind: ErrInvalidPDF, Note: what}
}

// xrefOffset matches an in-use entry of a classic cross-reference table.
var xrefOffset = regexp.MustCompile(`(\d{10}) (\d{5}) n`)

// brokenXRefFixture has a cross-reference table in which every in-use
// offset is 7 bytes too large (pointing into the middle of "N 0 obj"), as
// after a careless edit with a text editor. The trailer is intact, so only
// the offsets have to be rebuilt by scanning.
func brokenXRefFixture() Fixture {
	d := twoTextPages("1.4", "broken_xref", "Broken offsets")
	data := d.Save(SaveOptions{})
	i := bytes.LastIndex(data, []byte("\nxref\n"))
	tail := xrefOffset.ReplaceAllFunc(data[i:], func(m []byte) []byte {
		off, _ := strconv.Atoi(string(m[:10]))
		return fmt.Appendf(nil, "%010d %s n", off+7, m[11:16])
	})
	data = append(data[:i:i], tail...)
	return Fixture{Name: "broken_xref", Data: data, Want: Want{
		Pages:        2,
		Route:        DocBornDigital,
		PageRoutes:   textRoutes(2),
		Version:      "1.4",
		XRefKind:     "rebuilt",
		Repaired:     true,
		Title:        "Broken offsets",
		Producer:     producer,
		CreationDate: creationRFC3339,
		Note:         "every table offset is +7; startxref and the trailer are right",
	}}
}

// noStartXRefFixture lacks the "startxref / offset" lines before %%EOF. The
// table and trailer are intact, so a reader may find them by searching
// backwards or rebuild by scanning: both are right.
func noStartXRefFixture() Fixture {
	d := twoTextPages("1.4", "no_startxref", "Missing xref pointer")
	data := d.Save(SaveOptions{})
	i := bytes.LastIndex(data, []byte("startxref\n"))
	j := bytes.LastIndex(data, []byte("%%EOF"))
	data = append(data[:i:i], data[j:]...)
	return Fixture{Name: "no_startxref", Data: data, Want: Want{
		Pages:        2,
		Route:        DocBornDigital,
		PageRoutes:   textRoutes(2),
		Version:      "1.4",
		Title:        "Missing xref pointer",
		Producer:     producer,
		CreationDate: creationRFC3339,
		Note:         "XRefKind not asserted: a backwards search for the table and a full rebuild are both right",
	}}
}

// truncatedTailFixture is cut in the middle of its cross-reference table, as
// an interrupted download is: every object survives, the table and trailer
// do not. The file has no /Info, so nothing is lost that the page tree
// needs; the catalog must be found by scanning for /Type /Catalog.
func truncatedTailFixture() Fixture {
	b := newBook("1.4", "truncated_tail")
	b.textPage(140, "Truncated file, page 1")
	b.textPage(141, "Truncated file, page 2")
	d := b.done()
	data := d.Save(SaveOptions{})
	i := bytes.LastIndex(data, []byte("\nxref\n"))
	data = data[:i+60]
	return Fixture{Name: "truncated_tail", Data: data, Want: Want{
		Pages:      2,
		Route:      DocBornDigital,
		PageRoutes: textRoutes(2),
		Version:    "1.4",
		XRefKind:   "rebuilt",
		Repaired:   true,
		Note:       "cut 60 bytes into the xref table: no trailer, no startxref; all objects are intact",
	}}
}

// truncatedHalfFixture is cut at half its length. Its objects are laid out
// content first, structure last (catalog, page tree, pages and font follow
// the content streams), so the cut removes every structural object: no
// reader can know the pages.
func truncatedHalfFixture() Fixture {
	d := NewDoc("1.4", "truncated_half")
	c1 := d.Add(FlateStream(nil, textPage(150, "Lost page 1")))
	c2 := d.Add(FlateStream(nil, textPage(151, "Lost page 2")))
	c3 := d.Add(FlateStream(nil, textPage(152, "Lost page 3")))
	d.Root = d.Alloc()
	first := d.Root.Num
	pages := d.Alloc()
	font := d.Add(helvetica())
	var kids Array
	for _, c := range []Ref{c1, c2, c3} {
		kids = append(kids, d.Add(Dict{
			"Type":      Name("Page"),
			"Parent":    pages,
			"MediaBox":  letter,
			"Resources": Dict{"Font": Dict{"F1": font}},
			"Contents":  c,
		}))
	}
	d.Set(pages, Dict{"Type": Name("Pages"), "Kids": kids, "Count": len(kids)})
	d.Set(d.Root, Dict{"Type": Name("Catalog"), "Pages": pages})
	data := d.Save(SaveOptions{})
	cut := len(data) / 2
	if bytes.Index(data, fmt.Appendf(nil, "\n%d 0 obj", first)) < cut {
		panic("testpdf: truncated_half no longer cuts before the catalog")
	}
	return Fixture{Name: "truncated_half", Data: data[:cut], Want: Want{
		Pages:   -1,
		ErrKind: ErrInvalidPDF,
		Version: "1.4",
		Note:    "only content streams survive the cut (the last one partly); catalog, page tree and pages are gone",
	}}
}
