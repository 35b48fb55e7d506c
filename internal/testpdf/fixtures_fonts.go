package testpdf

import (
	"bytes"
	"fmt"
)

// fontFixtures show text in a composite (Type0, Identity-H) font whose codes
// are glyph IDs: without a ToUnicode CMap the glyphs have no Unicode meaning
// and the page needs OCR; with one, the same page is plain text.
func fontFixtures() []Fixture {
	return []Fixture{type0Fixture(false), type0Fixture(true)}
}

// glyphID maps a character to the glyph ID the fixture uses for it: the
// layout of common TrueType fonts (space = 3, 'a' = 68), i.e. rune - 29.
// Only ' '..'z' are used.
func glyphID(r rune) int {
	if r < ' ' || r > 'z' {
		panic(fmt.Sprintf("testpdf: no glyph for %q", r))
	}
	return int(r) - 29
}

// identityHex encodes s as two-byte Identity-H codes in a hex string.
func identityHex(s string) string {
	var b bytes.Buffer
	b.WriteByte('<')
	for _, r := range s {
		fmt.Fprintf(&b, "%04X", glyphID(r))
	}
	b.WriteByte('>')
	return b.String()
}

// toUnicodeCMap maps glyph IDs 3..93 back to U+0020..U+007A with one range.
const toUnicodeCMap = `/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
1 beginbfrange
<0003> <005D> <0020>
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end
`

func type0Fixture(withToUnicode bool) Fixture {
	name := "type0_no_tounicode"
	if withToUnicode {
		name = "type0_tounicode"
	}
	b := newBook("1.4", name)
	d := b.d
	desc := d.Add(Dict{
		"Type":        Name("FontDescriptor"),
		"FontName":    Name("ArialMT"),
		"Flags":       32,
		"FontBBox":    Rect(-665, -325, 2000, 1040),
		"ItalicAngle": 0,
		"Ascent":      905,
		"Descent":     -212,
		"CapHeight":   716,
		"StemV":       80,
	})
	cid := d.Add(Dict{
		"Type":     Name("Font"),
		"Subtype":  Name("CIDFontType2"),
		"BaseFont": Name("ArialMT"),
		"CIDSystemInfo": Dict{
			"Registry":   Str("Adobe"),
			"Ordering":   Str("Identity"),
			"Supplement": 0,
		},
		"FontDescriptor": desc,
		"DW":             556,
		"CIDToGIDMap":    Name("Identity"),
	})
	font := Dict{
		"Type":            Name("Font"),
		"Subtype":         Name("Type0"),
		"BaseFont":        Name("ArialMT"),
		"Encoding":        Name("Identity-H"),
		"DescendantFonts": Array{cid},
	}
	if withToUnicode {
		font["ToUnicode"] = d.Add(FlateStream(nil, []byte(toUnicodeCMap)))
	}
	f2 := d.Add(font)

	var c Content
	c.Op("BT")
	c.Op("/F2 11 Tf")
	c.Op("14 TL")
	c.Op("72 720 Td")
	for _, l := range bodyLines(70, 30, 70) {
		c.Op("%s Tj T*", identityHex(l))
	}
	c.Op("ET")
	b.page(c.Bytes(), Dict{"Font": Dict{"F2": f2}}, nil)
	b.info(simpleInfo("Composite font"))
	b.done()

	want := Want{
		Pages:        1,
		Route:        DocBornDigital,
		PageRoutes:   []string{RouteOCR},
		Version:      "1.4",
		XRefKind:     "table",
		XRefSections: 1,
		Title:        "Composite font",
		Producer:     producer,
		CreationDate: creationRFC3339,
		WellFormed:   true,
		Note:         "Type0 /Identity-H, Adobe-Identity CIDFontType2 (not embedded), no ToUnicode: every glyph is unmapped, so the page needs OCR",
	}
	if withToUnicode {
		want.Route = DocBornDigital
		want.PageRoutes = []string{RouteText}
		want.Note = "same page as type0_no_tounicode plus a ToUnicode CMap (one bfrange): all glyphs map to Unicode"
	}
	return Fixture{Name: name, Data: d.Save(SaveOptions{}), Want: want}
}
