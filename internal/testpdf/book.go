package testpdf

// book builds the common document shape: a catalog, one /Pages node and
// Letter-size leaf pages sharing a Helvetica font. Fixtures that need an odd
// shape build their page tree by hand instead.
type book struct {
	d       *Doc
	catalog Dict
	pages   Ref
	kids    Array
	font    Ref
}

// Letter is the default page size in points.
var letter = Rect(0, 0, 612, 792)

func newBook(version, name string) *book {
	d := NewDoc(version, name)
	b := &book{d: d}
	d.Root = d.Alloc()
	b.pages = d.Alloc()
	b.font = d.Add(helvetica())
	b.catalog = Dict{"Type": Name("Catalog"), "Pages": b.pages}
	d.Set(d.Root, b.catalog)
	return b
}

// page adds a Letter page drawing content. res may be nil; the Helvetica
// font is always available as /F1. extra entries are merged into the page
// dictionary.
func (b *book) page(content []byte, res Dict, extra Dict) Ref {
	if res == nil {
		res = Dict{}
	}
	if _, ok := res["Font"]; !ok {
		res["Font"] = Dict{"F1": b.font}
	}
	c := b.d.Add(FlateStream(nil, content))
	p := Dict{
		"Type":      Name("Page"),
		"Parent":    b.pages,
		"MediaBox":  letter,
		"Resources": res,
		"Contents":  c,
	}
	for k, v := range extra {
		p[k] = v
	}
	r := b.d.Add(p)
	b.kids = append(b.kids, r)
	return r
}

// textPage adds a page of body text.
func (b *book) textPage(seed uint64, heading string) Ref {
	return b.page(textPage(seed, heading), nil, nil)
}

// info sets the document information dictionary.
func (b *book) info(d Dict) {
	b.d.Info = b.d.Add(d)
}

// done writes the /Pages node (after all pages are known) and returns the
// document.
func (b *book) done() *Doc {
	b.d.Set(b.pages, Dict{
		"Type":  Name("Pages"),
		"Kids":  b.kids,
		"Count": len(b.kids),
	})
	return b.d
}

// simpleInfo is an information dictionary with a title and the fixed
// producer and dates every fixture shares.
func simpleInfo(title string) Dict {
	return Dict{
		"Title":        pdfDoc(title),
		"Producer":     pdfDoc(producer),
		"CreationDate": Str(creationDate),
	}
}

// Fixed metadata: reproducible output needs fixed dates.
const (
	producer        = "dataplus testpdf"
	creator         = "fixturegen"
	creationDate    = "D:20240115103000+01'00'"
	creationRFC3339 = "2024-01-15T10:30:00+01:00"
	modDate         = "D:20240220081500Z"
	modRFC3339      = "2024-02-20T08:15:00Z"
)
