package testpdf

import "fmt"

// textFixtures are born-digital documents: the rich "text" file that carries
// every piece of document metadata, and a file with blank pages.
func textFixtures() []Fixture {
	return []Fixture{textFixture(), blankFixture()}
}

// The rich text document's metadata, shared by the file and its Want.
const (
	richTitle   = "Quarterly Report — Données 東京" // needs UTF-16BE
	richAuthor  = "Zoë Müller — Research"         // fits PDFDocEncoding (— is 0x84)
	richSubject = "Fixture with every metadata source"
)

// textFixture is a three-page born-digital document with an information
// dictionary (PDFDocEncoding and UTF-16BE strings, dates), an XMP packet
// claiming PDF/A-2b, /MarkInfo, /Lang, an outline, an AcroForm with two
// fields and one embedded file.
func textFixture() Fixture {
	b := newBook("1.7", "text")
	d := b.d
	var pages []Ref
	for i := 1; i <= 3; i++ {
		pages = append(pages, b.textPage(uint64(i), fmt.Sprintf("Quarterly report – page %d – café €", i)))
	}

	b.info(Dict{
		"Title":        utf16BE(richTitle),
		"Author":       pdfDoc(richAuthor),
		"Subject":      pdfDoc(richSubject),
		"Keywords":     pdfDoc("report, fixture"),
		"Creator":      pdfDoc(creator),
		"Producer":     pdfDoc(producer),
		"CreationDate": Str(creationDate),
		"ModDate":      Str(modDate),
		"Department":   pdfDoc("Research"),
	})

	b.catalog["Metadata"] = d.Add(PlainStream(Dict{
		"Type":    Name("Metadata"),
		"Subtype": Name("XML"),
	}, []byte(xmpPacket)))
	b.catalog["MarkInfo"] = Dict{"Marked": true}
	b.catalog["Lang"] = Str("en-US")
	b.catalog["PageMode"] = Name("UseOutlines")
	b.catalog["Outlines"] = outline(d, pages)
	b.catalog["AcroForm"] = acroForm(d, pages[0])
	b.catalog["Names"] = Dict{"EmbeddedFiles": Dict{"Names": Array{
		Str("data.csv"), embeddedFile(d, "data.csv", []byte("id,value\n1,42\n2,17\n")),
	}}}
	b.done()

	return Fixture{Name: "text", Data: d.Save(SaveOptions{}), Want: Want{
		Pages:           3,
		Route:           DocBornDigital,
		PageRoutes:      textRoutes(3),
		Version:         "1.7",
		XRefKind:        "table",
		XRefSections:    1,
		Title:           richTitle,
		Author:          richAuthor,
		Creator:         creator,
		Producer:        producer,
		CreationDate:    creationRFC3339,
		ModDate:         modRFC3339,
		PDFAPart:        2,
		PDFAConformance: "B",
		Tagged:          true,
		Language:        "en-US",
		HasOutline:      true,
		FormFields:      2,
		EmbeddedFiles:   1,
		WellFormed:      true,
		Note:            "Title is UTF-16BE, Author PDFDocEncoding (0x84 = em dash); the XMP packet claims PDF/A-2b",
	}}
}

// xmpPacket is the catalog's metadata stream. Its dates and title agree with
// the information dictionary, as PDF/A requires.
const xmpPacket = `<?xpacket begin="` + "\uFEFF" + `" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">` + richTitle + `</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>` + richAuthor + `</rdf:li></rdf:Seq></dc:creator>
   <xmp:CreatorTool>` + creator + `</xmp:CreatorTool>
   <xmp:CreateDate>` + creationRFC3339 + `</xmp:CreateDate>
   <xmp:ModifyDate>` + modRFC3339 + `</xmp:ModifyDate>
   <pdf:Producer>` + producer + `</pdf:Producer>
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`

// outline adds a document outline with one entry per page and returns the
// outline dictionary's reference.
func outline(d *Doc, pages []Ref) Ref {
	root := d.Alloc()
	items := make([]Ref, len(pages))
	for i := range items {
		items[i] = d.Alloc()
	}
	for i, p := range pages {
		it := Dict{
			"Title":  pdfDoc(fmt.Sprintf("Page %d", i+1)),
			"Parent": root,
			"Dest":   Array{p, Name("Fit")},
		}
		if i > 0 {
			it["Prev"] = items[i-1]
		}
		if i+1 < len(items) {
			it["Next"] = items[i+1]
		}
		d.Set(items[i], it)
	}
	d.Set(root, Dict{
		"Type":  Name("Outlines"),
		"First": items[0],
		"Last":  items[len(items)-1],
		"Count": len(items),
	})
	return root
}

// acroForm adds a text field and a check box, each a terminal field merged
// with its widget annotation on page, and returns the AcroForm dictionary.
func acroForm(d *Doc, page Ref) Dict {
	helv := d.Add(Dict{
		"Type":     Name("Font"),
		"Subtype":  Name("Type1"),
		"BaseFont": Name("Helvetica"),
	})
	name := d.Add(Dict{
		"Type":    Name("Annot"),
		"Subtype": Name("Widget"),
		"FT":      Name("Tx"),
		"T":       Str("name"),
		"V":       Str("Jane Doe"),
		"DA":      Str("/Helv 10 Tf 0 g"),
		"Rect":    Rect(72, 60, 272, 80),
		"P":       page,
		"F":       4,
	})
	agree := d.Add(Dict{
		"Type":    Name("Annot"),
		"Subtype": Name("Widget"),
		"FT":      Name("Btn"),
		"T":       Str("agree"),
		"V":       Name("Off"),
		"AS":      Name("Off"),
		"Rect":    Rect(300, 60, 314, 74),
		"P":       page,
		"F":       4,
	})
	pd := d.Get(page).(Dict)
	pd["Annots"] = Array{name, agree}
	return Dict{
		"Fields":          Array{name, agree},
		"NeedAppearances": true,
		"DA":              Str("/Helv 0 Tf 0 g"),
		"DR":              Dict{"Font": Dict{"Helv": helv}},
	}
}

// embeddedFile adds a file specification with an embedded file stream.
func embeddedFile(d *Doc, name string, data []byte) Ref {
	ef := d.Add(FlateStream(Dict{
		"Type":    Name("EmbeddedFile"),
		"Subtype": Name("text/csv"),
		"Params":  Dict{"Size": len(data), "ModDate": Str(modDate)},
	}, data))
	return d.Add(Dict{
		"Type": Name("Filespec"),
		"F":    Str(name),
		"UF":   utf16BE(name),
		"EF":   Dict{"F": ef, "UF": ef},
	})
}

// blankFixture has a text page, a page with an empty content stream and a
// page with no /Contents at all: both of the latter draw nothing.
func blankFixture() Fixture {
	b := newBook("1.4", "blank")
	b.textPage(10, "A page of text before two blank pages")
	b.page(nil, nil, nil)
	r := b.page(nil, nil, nil)
	pd := b.d.Get(r).(Dict)
	b.d.Set(pd["Contents"].(Ref), nil) // a free entry in the table, as after a deletion
	delete(pd, "Contents")
	b.info(simpleInfo("Blank pages"))
	d := b.done()
	return Fixture{Name: "blank", Data: d.Save(SaveOptions{}), Want: Want{
		Pages:        3,
		Route:        DocBornDigital,
		PageRoutes:   []string{RouteText, RouteEmpty, RouteEmpty},
		Version:      "1.4",
		XRefKind:     "table",
		XRefSections: 1,
		Title:        "Blank pages",
		Producer:     producer,
		CreationDate: creationRFC3339,
		WellFormed:   true,
		Note:         "page 2 has an empty content stream, page 3 has no /Contents (its old stream is a free xref entry)",
	}}
}
