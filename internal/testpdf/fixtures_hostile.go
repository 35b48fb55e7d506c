package testpdf

import "strings"

// hostileFixtures are files built to hurt a naive reader: a page-tree cycle,
// an absurd /Count, nesting 100,000 deep and a Flate bomb. A correct reader
// answers each quickly with a bounded amount of memory.
func hostileFixtures() []Fixture {
	return []Fixture{
		pageTreeLoopFixture(),
		absurdCountFixture(),
		deepNestingFixture(),
		deepNestingUnclosedFixture(),
		flateBombFixture(),
	}
}

// pageTreeLoopFixture: the root /Pages node A has kids [page 1, B]; the
// intermediate node B has kids [page 2, A]. A cycle-safe walk visits A once
// and finds two pages.
func pageTreeLoopFixture() Fixture {
	d := NewDoc("1.4", "page_tree_loop")
	d.Root = d.Alloc()
	a := d.Alloc()
	bNode := d.Alloc()
	font := d.Add(helvetica())
	res := Dict{"Font": Dict{"F1": font}}
	p1 := d.Add(Dict{
		"Type": Name("Page"), "Parent": a, "MediaBox": letter, "Resources": res,
		"Contents": d.Add(FlateStream(nil, textPage(160, "Page tree loop, page 1"))),
	})
	p2 := d.Add(Dict{
		"Type": Name("Page"), "Parent": bNode, "MediaBox": letter, "Resources": res,
		"Contents": d.Add(FlateStream(nil, textPage(161, "Page tree loop, page 2"))),
	})
	d.Set(a, Dict{"Type": Name("Pages"), "Kids": Array{p1, bNode}, "Count": 2})
	d.Set(bNode, Dict{"Type": Name("Pages"), "Parent": a, "Kids": Array{p2, a}, "Count": 1})
	d.Set(d.Root, Dict{"Type": Name("Catalog"), "Pages": a})
	return Fixture{Name: "page_tree_loop", Data: d.Save(SaveOptions{}), Want: Want{
		Pages:        2,
		Route:        DocBornDigital,
		PageRoutes:   textRoutes(2),
		Version:      "1.4",
		XRefKind:     "table",
		XRefSections: 1,
		Note:         "the second /Pages node lists the root as a kid; the walk must skip the back edge, not loop or fail",
	}}
}

// absurdCountFixture claims 2,147,483,647 pages in /Count with one kid.
// Page counts come from the leaves, never from /Count (nor may /Count size
// an allocation).
func absurdCountFixture() Fixture {
	b := newBook("1.4", "absurd_count")
	b.textPage(170, "One page, /Count says 2147483647")
	d := b.done()
	d.Get(b.pages).(Dict)["Count"] = 2147483647
	return Fixture{Name: "absurd_count", Data: d.Save(SaveOptions{}), Want: Want{
		Pages:        1,
		Route:        DocBornDigital,
		PageRoutes:   textRoutes(1),
		Version:      "1.4",
		XRefKind:     "table",
		XRefSections: 1,
		Note:         "/Count 2147483647 with one kid: count leaves",
	}}
}

// nestingDepth is how deep the nesting fixtures nest arrays.
const nestingDepth = 100_000

// deepNestingFixture puts 100,000 nested arrays in the page dictionary
// (key /Nested). The page lives in an object stream, so the 200 KB of
// brackets compress to a few hundred bytes. Parsing the page must stop at
// MaxDepth (default 200) with pdf.ErrLimit, not exhaust the stack.
func deepNestingFixture() Fixture {
	b := newBook("1.5", "deep_nesting")
	r := b.textPage(180, "Deeply nested page dictionary")
	b.d.Get(r).(Dict)["Nested"] = Raw(strings.Repeat("[", nestingDepth) + strings.Repeat("]", nestingDepth))
	d := b.done()
	return Fixture{Name: "deep_nesting", Data: d.Save(SaveOptions{XRef: XRefStream, ObjStm: true}), Want: Want{
		Pages:   -1,
		ErrKind: ErrTooLarge,
		Version: "1.5",
		Note:    "the only page's dictionary nests arrays 100,000 deep (well-formed syntax, inside an object stream): MaxDepth is a limit, so pdf.ErrLimit -> too_large",
	}}
}

// deepNestingUnclosedFixture is the plain-file variant: 100,000 '[' that
// are never closed, in a page dictionary written directly in the file.
func deepNestingUnclosedFixture() Fixture {
	b := newBook("1.4", "deep_nesting_unclosed")
	r := b.textPage(181, "Unclosed nesting")
	b.d.Get(r).(Dict)["Nested"] = Raw(strings.Repeat("[", nestingDepth))
	d := b.done()
	return Fixture{Name: "deep_nesting_unclosed", Data: d.Save(SaveOptions{}), Want: Want{
		Pages:   -1,
		ErrKind: ErrTooLarge,
		Version: "1.4",
		Note:    "100,000 '[' never closed in the page dictionary: the depth limit trips at 200, long before the syntax error",
	}}
}

// flateBombFixture has one page whose content stream is 26 KB under
// /Filter [/FlateDecode /FlateDecode] and inflates to 2.0 GiB of spaces
// (13.5 MB after the first filter). It must fail the stream-size limit
// (MaxStreamBytes, 256 MiB by default) without allocating the output.
func flateBombFixture() Fixture {
	b := newBook("1.4", "flate_bomb")
	content := &Stream{
		Dict: Dict{"Filter": Array{Name("FlateDecode"), Name("FlateDecode")}},
		Data: deflate(bombZlib(bombCopies)),
	}
	c := b.d.Add(content)
	p := b.d.Add(Dict{
		"Type":      Name("Page"),
		"Parent":    b.pages,
		"MediaBox":  letter,
		"Resources": Dict{"Font": Dict{"F1": b.font}},
		"Contents":  c,
	})
	b.kids = append(b.kids, p)
	b.info(simpleInfo("Flate bomb"))
	d := b.done()
	return Fixture{Name: "flate_bomb", Data: d.Save(SaveOptions{}), Want: Want{
		Pages:        1,
		ErrKind:      ErrTooLarge,
		Version:      "1.4",
		Title:        "Flate bomb",
		Producer:     producer,
		CreationDate: creationRFC3339,
		Note: "the document fails with too_large (pdf.ErrLimit from StreamData: 2 GiB > MaxStreamBytes), " +
			"not a per-page scan error; the page tree and info are readable",
	}}
}
