package testpdf

// structureFixtures exercise file structure and page geometry: cross-reference
// streams with object streams, a hybrid file, an incremental update, an
// inherited /Rotate with crop boxes, and the page-size extremes.
func structureFixtures() []Fixture {
	return []Fixture{
		xrefStreamFixture(),
		hybridFixture(),
		incrementalFixture(),
		rotatedFixture(),
		pageSizeFixture("page_size_max", 14400),
		pageSizeFixture("page_size_1e9", 1e9),
	}
}

// twoTextPages builds a two-page text document with a title.
func twoTextPages(version, name, title string) *Doc {
	b := newBook(version, name)
	b.textPage(100, title+", page 1")
	b.textPage(101, title+", page 2")
	b.info(simpleInfo(title))
	return b.done()
}

// xrefStreamFixture is a PDF 1.5 file with a cross-reference stream (PNG Up
// predictor) and every non-stream object, catalog and pages included, inside
// one object stream.
func xrefStreamFixture() Fixture {
	d := twoTextPages("1.5", "xref_stream", "Object streams")
	return Fixture{Name: "xref_stream", Data: d.Save(SaveOptions{XRef: XRefStream, ObjStm: true}), Want: Want{
		Pages:        2,
		Route:        DocBornDigital,
		PageRoutes:   textRoutes(2),
		Version:      "1.5",
		XRefKind:     "stream",
		XRefSections: 1,
		Title:        "Object streams",
		Producer:     producer,
		CreationDate: creationRFC3339,
		WellFormed:   true,
		Note:         "catalog, page tree, pages, font and info are all in one object stream",
	}}
}

// hybridFixture is a hybrid-reference file (ISO 32000-1 7.5.8.4): the main
// table lists the streams and marks the object stream and the objects
// packed into it free; an empty update section ("xref 0 0") carries /Prev
// and /XRefStm, a cross-reference stream for the packed objects.
func hybridFixture() Fixture {
	d := twoTextPages("1.5", "hybrid", "Hybrid reference file")
	return Fixture{Name: "hybrid", Data: d.Save(SaveOptions{XRef: XRefHybrid, ObjStm: true}), Want: Want{
		Pages:        2,
		Route:        DocBornDigital,
		PageRoutes:   textRoutes(2),
		Version:      "1.5",
		XRefKind:     "hybrid",
		XRefSections: 2,
		Title:        "Hybrid reference file",
		Producer:     producer,
		CreationDate: creationRFC3339,
		WellFormed:   true,
		Note:         "the catalog and page tree are free in the main table and only reachable through /XRefStm, which must be consulted before /Prev",
	}}
}

// incrementalFixture is a PDF 1.4 file with two pages plus one incremental
// update that replaces the information dictionary (new title), adds a third
// page and sets the catalog's /Version to 1.6.
func incrementalFixture() Fixture {
	b := newBook("1.4", "incremental")
	b.textPage(110, "Original page 1")
	b.textPage(111, "Original page 2")
	b.info(simpleInfo("Original title"))
	d := b.done()
	base := d.Save(SaveOptions{})

	b.textPage(112, "Page 3, added by an incremental update")
	b.done() // rewrites /Pages with three kids
	info := simpleInfo("Updated title")
	info["ModDate"] = Str(modDate)
	d.Set(d.Info, info)
	b.catalog["Version"] = Name("1.6")
	d.Set(d.Root, b.catalog)
	d.ID[1] = fileID("incremental", "update")
	data := d.SaveUpdate(base, SaveOptions{})

	return Fixture{Name: "incremental", Data: data, Want: Want{
		Pages:        3,
		Route:        DocBornDigital,
		PageRoutes:   textRoutes(3),
		Version:      "1.6",
		XRefKind:     "table",
		XRefSections: 2,
		Title:        "Updated title",
		Producer:     producer,
		CreationDate: creationRFC3339,
		ModDate:      modRFC3339,
		WellFormed:   true,
		Note:         "header says 1.4, the updated catalog says /Version /1.6; the original section still holds the old title and a two-page tree",
	}}
}

// rotatedFixture has /Rotate 90, /MediaBox and /Resources on the /Pages
// node, inherited by both pages. Page 1 has a CropBox inside the MediaBox;
// page 2 overrides /Rotate with -90 (normalised to 270) and has a CropBox
// that sticks out of the MediaBox (clipped).
func rotatedFixture() Fixture {
	d := NewDoc("1.4", "rotated")
	d.Root = d.Alloc()
	pages := d.Alloc()
	font := d.Add(helvetica())
	c1 := d.Add(FlateStream(nil, textPage(120, "Rotated 90 degrees, cropped")))
	// Page 2's text stays inside its small crop box [0 0 300 400].
	var small Content
	small.TextLines("F1", 9, 12, 380, 12, append([]string{"Rotated -90, crop box clipped"}, bodyLines(121, 25, 45)...))
	c2 := d.Add(FlateStream(nil, small.Bytes()))
	p1 := d.Add(Dict{
		"Type":     Name("Page"),
		"Parent":   pages,
		"CropBox":  Rect(36, 36, 576, 756),
		"Contents": c1,
	})
	p2 := d.Add(Dict{
		"Type":     Name("Page"),
		"Parent":   pages,
		"CropBox":  Rect(-10, -10, 300, 400),
		"Rotate":   -90,
		"Contents": c2,
	})
	d.Set(pages, Dict{
		"Type":      Name("Pages"),
		"Kids":      Array{p1, p2},
		"Count":     2,
		"Rotate":    90,
		"MediaBox":  letter,
		"Resources": Dict{"Font": Dict{"F1": font}},
	})
	d.Set(d.Root, Dict{"Type": Name("Catalog"), "Pages": pages})
	d.Info = d.Add(simpleInfo("Rotated pages"))
	return Fixture{Name: "rotated", Data: d.Save(SaveOptions{}), Want: Want{
		Pages:        2,
		Route:        DocBornDigital,
		PageRoutes:   textRoutes(2),
		Version:      "1.4",
		XRefKind:     "table",
		XRefSections: 1,
		Title:        "Rotated pages",
		Producer:     producer,
		CreationDate: creationRFC3339,
		Geometry: []PageGeom{
			{MediaBox: [4]float64{0, 0, 612, 792}, CropBox: [4]float64{36, 36, 576, 756}, Rotate: 90, WidthPt: 720, HeightPt: 540},
			{MediaBox: [4]float64{0, 0, 612, 792}, CropBox: [4]float64{0, 0, 300, 400}, Rotate: 270, WidthPt: 400, HeightPt: 300},
		},
		WellFormed: true,
		Note:       "Rotate, MediaBox and Resources inherited from /Pages; page 2 CropBox [-10 -10 300 400] is clipped to the MediaBox",
	}}
}

// pageSizeFixture is one text page on a square page of side pt points.
// 14,400 pt (200 in) is the largest size ISO 32000-1 Annex C allows; 1e9 is
// absurd but must not break geometry arithmetic.
func pageSizeFixture(name string, side float64) Fixture {
	b := newBook("1.4", name)
	r := b.textPage(130, "A very large page")
	b.d.Get(r).(Dict)["MediaBox"] = Rect(0, 0, side, side)
	b.info(simpleInfo("Large page"))
	d := b.done()
	box := [4]float64{0, 0, side, side}
	w := Want{
		Pages:        1,
		Route:        DocBornDigital,
		PageRoutes:   textRoutes(1),
		Version:      "1.4",
		XRefKind:     "table",
		XRefSections: 1,
		Title:        "Large page",
		Producer:     producer,
		CreationDate: creationRFC3339,
		Geometry:     []PageGeom{{MediaBox: box, CropBox: box, WidthPt: side, HeightPt: side}},
		WellFormed:   true,
		Note:         "text in the lower-left corner of a huge page: still a text page",
	}
	if side > 14400 {
		w.Note = "MediaBox side 1e9 pt exceeds Annex C's 14,400 limit (syntax is fine); the page is still one text page"
	}
	return Fixture{Name: name, Data: d.Save(SaveOptions{}), Want: w}
}
