package inspect

import (
	"math"
	"testing"

	"dataplus/internal/pdf"
)

const toUnicodeCMap = `/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
4 beginbfchar
<0003> <0020>
<0010> <0041>
<0011> <FFFD>
<0012> <00660069>
endbfchar
3 beginbfrange
<0020> <0022> <0061>
<0030> <0032> [<0062> <> <0007>]
<0040> <0050> <001E>
endbfrange
1 beginbfchar
<0020> <0058>
endbfchar
endcmap
CMapName currentdict /CMap defineresource pop
end
end`

func TestParseCMap(t *testing.T) {
	cm := parseCMap([]byte(toUnicodeCMap))
	if len(cm.space) != 1 || cm.space[0].n != 2 {
		t.Fatalf("codespace = %+v", cm.space)
	}
	tests := []struct {
		name   string
		code   uint32
		kind   int
		chars  int
		mapped bool
	}{
		{"space", 0x03, classUnicode, 0, true},
		{"letter", 0x10, classUnicode, 1, true},
		{"U+FFFD", 0x11, classReplacement, 1, true},
		{"ligature", 0x12, classUnicode, 2, true},
		{"range, redefined later", 0x20, classUnicode, 1, true},
		{"range", 0x22, classUnicode, 1, true},
		{"array form", 0x30, classUnicode, 1, true},
		{"array form, empty", 0x31, classUnmapped, 0, true},
		{"array form, control", 0x32, classReplacement, 1, true},
		{"range into control then space", 0x40, classReplacement, 1, true},
		{"range reaching space", 0x42, classUnicode, 0, true},
		{"range past space", 0x43, classUnicode, 1, true},
		{"unmapped", 0x99, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, ok := cm.lookup(tt.code)
			if ok != tt.mapped || (ok && (g.kind() != tt.kind || g.chars() != tt.chars)) {
				t.Errorf("lookup(%#x) = kind %d chars %d ok %v, want %d %d %v",
					tt.code, g.kind(), g.chars(), ok, tt.kind, tt.chars, tt.mapped)
			}
		})
	}
}

func TestParseCMapCodespace(t *testing.T) {
	cm := parseCMap([]byte(`begincodespacerange <00> <80> <8140> <9FFC> <A0> <DF> <E040> <FCFC> endcodespacerange`))
	f := &fontInfo{cid: true}
	f.setSpace(cm.space)
	tests := []struct {
		in   string
		want int // glyphs
	}{
		{"ab", 2},
		{"\x81\x40a", 2},
		{"\xa1\xa2", 2},
		{"\xe0\x40\x81", 2}, // truncated last code
		{"\xfe", 1},         // outside every range
	}
	for _, tt := range tests {
		var c showCounts
		f.count([]byte(tt.in), &c)
		if c.glyphs != tt.want {
			t.Errorf("%q: glyphs = %d, want %d", tt.in, c.glyphs, tt.want)
		}
	}
}

// fontCounts shows str with the font dictionary fd and returns the counts.
func fontCounts(t *testing.T, doc *memDoc, fd pdf.Dict, str string) showCounts {
	t.Helper()
	c := newFontCache(doc)
	f := c.get(doc.add(fd))
	f.prepare(c)
	var sc showCounts
	f.count([]byte(str), &sc)
	return sc
}

func TestFontMapping(t *testing.T) {
	doc := newMemDoc()
	tu := doc.stream(nil, toUnicodeCMap)
	symbolic := doc.add(pdf.Dict{"Flags": int64(4), "FontFile2": doc.stream(nil, "")})
	nonsymbolic := doc.add(pdf.Dict{"Flags": int64(32)})
	type1 := doc.add(pdf.Dict{"Flags": int64(4), "FontFile": doc.stream(pdf.Dict{"Length1": int64(200)},
		"%!PS-AdobeFont-1.0: CMR10\n/Encoding 256 array\n0 1 255 {1 index exch /.notdef put} for\n"+
			"dup 65 /A put\ndup 66 /ff put\ndup 32 /space put\nreadonly def\ncurrentfile eexec\x80\x81")})
	cidFont := func(ordering string) pdf.Array {
		return pdf.Array{doc.add(pdf.Dict{"Subtype": pdf.Name("CIDFontType0"),
			"CIDSystemInfo": pdf.Dict{"Registry": pdf.String("Adobe"), "Ordering": pdf.String(ordering)}})}
	}
	tests := []struct {
		name string
		font pdf.Dict
		str  string
		want showCounts
	}{
		{"WinAnsi", pdf.Dict{"Subtype": pdf.Name("TrueType"), "Encoding": pdf.Name("WinAnsiEncoding")},
			"Ab \xe9\x81", showCounts{glyphs: 5, unicode: 5, chars: 4}},
		{"standard 14 default encoding", pdf.Dict{"Subtype": pdf.Name("Type1"), "BaseFont": pdf.Name("Times-Roman")},
			"Ab \x80", showCounts{glyphs: 4, unicode: 3, unmapped: 1, chars: 2}},
		{"Differences", pdf.Dict{"Subtype": pdf.Name("Type1"), "Encoding": pdf.Dict{
			"BaseEncoding": pdf.Name("WinAnsiEncoding"),
			"Differences":  pdf.Array{int64(65), pdf.Name("g12"), pdf.Name("uni0042"), int64(67), pdf.Name("f_i"), pdf.Name("space")}}},
			"ABCD", showCounts{glyphs: 4, unicode: 3, unmapped: 1, chars: 4}},
		{"symbolic TrueType, no encoding", pdf.Dict{"Subtype": pdf.Name("TrueType"), "FontDescriptor": symbolic},
			"Ab \x01", showCounts{glyphs: 4, unmapped: 4, chars: 3}},
		{"nonsymbolic TrueType, no encoding", pdf.Dict{"Subtype": pdf.Name("TrueType"), "FontDescriptor": nonsymbolic},
			"Ab", showCounts{glyphs: 2, unicode: 2, chars: 2}},
		{"Symbol", pdf.Dict{"Subtype": pdf.Name("Type1"), "BaseFont": pdf.Name("Symbol")},
			"ab \x01", showCounts{glyphs: 4, unicode: 3, unmapped: 1, chars: 2}},
		{"embedded Type 1 built-in encoding", pdf.Dict{"Subtype": pdf.Name("Type1"), "BaseFont": pdf.Name("CMR10"), "FontDescriptor": type1},
			"AB C", showCounts{glyphs: 4, unicode: 3, unmapped: 1, chars: 2}},
		{"Type3 by Differences", pdf.Dict{"Subtype": pdf.Name("Type3"), "Encoding": pdf.Dict{
			"Differences": pdf.Array{int64(1), pdf.Name("a"), pdf.Name("x7")}}},
			"\x01\x02\x03", showCounts{glyphs: 3, unicode: 1, unmapped: 2, chars: 3}},
		{"ToUnicode over encoding", pdf.Dict{"Subtype": pdf.Name("TrueType"), "FontDescriptor": symbolic, "ToUnicode": doc.stream(nil,
			"1 beginbfchar <41> <0041> endbfchar")}, "AB", showCounts{glyphs: 2, unicode: 1, unmapped: 1, chars: 2}},
		{"Identity-H without ToUnicode", pdf.Dict{"Subtype": pdf.Name("Type0"), "Encoding": pdf.Name("Identity-H"),
			"DescendantFonts": cidFont("Identity")}, "\x00\x41\x00\x20\x01", showCounts{glyphs: 3, unmapped: 3, chars: 2}},
		{"Identity-H with ToUnicode", pdf.Dict{"Subtype": pdf.Name("Type0"), "Encoding": pdf.Name("Identity-H"),
			"DescendantFonts": cidFont("Identity"), "ToUnicode": tu},
			"\x00\x10\x00\x03\x00\x11\x00\x12\x09\x99", showCounts{glyphs: 5, unicode: 3, replacement: 1, unmapped: 1, chars: 4}},
		{"Japan1 collection", pdf.Dict{"Subtype": pdf.Name("Type0"), "Encoding": pdf.Name("Identity-H"),
			"DescendantFonts": cidFont("Japan1")}, "\x00\x01\x12\x34", showCounts{glyphs: 2, unicode: 2, chars: 1}},
		{"mixed predefined CMap", pdf.Dict{"Subtype": pdf.Name("Type0"), "Encoding": pdf.Name("90ms-RKSJ-H"),
			"DescendantFonts": cidFont("Japan1")}, "a \x82\xa0b", showCounts{glyphs: 4, unicode: 4, chars: 3}},
		{"UCS2 CMap", pdf.Dict{"Subtype": pdf.Name("Type0"), "Encoding": pdf.Name("UniJIS-UCS2-H"),
			"DescendantFonts": cidFont("Japan1")}, "\x30\x42\x00\x20", showCounts{glyphs: 2, unicode: 2, chars: 1}},
		{"embedded CMap", pdf.Dict{"Subtype": pdf.Name("Type0"), "Encoding": doc.stream(nil,
			"begincodespacerange <00> <7F> <8000> <FFFF> endcodespacerange"),
			"DescendantFonts": cidFont("Identity")}, "ab\x80\x00", showCounts{glyphs: 3, unmapped: 3, chars: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fontCounts(t, doc, tt.font, tt.str)
			got.advance, got.spaces = 0, 0 // TestFontWidths covers those
			if got != tt.want {
				t.Errorf("counts = %+v\nwant     %+v", got, tt.want)
			}
		})
	}
}

func TestFontMetadata(t *testing.T) {
	doc := newMemDoc()
	desc := doc.add(pdf.Dict{"Flags": int64(4), "FontFile3": doc.stream(nil, "")})
	t0 := pdf.Dict{"Subtype": pdf.Name("Type0"), "BaseFont": pdf.Name("ABCDEF+MSMincho"),
		"Encoding": pdf.Name("Identity-H"), "ToUnicode": doc.stream(nil, ""),
		"DescendantFonts": pdf.Array{doc.add(pdf.Dict{"Subtype": pdf.Name("CIDFontType0"), "FontDescriptor": desc})}}
	f1 := doc.add(pdf.Dict{"Subtype": pdf.Name("Type1"), "BaseFont": pdf.Name("Helvetica"),
		"Encoding": pdf.Dict{"Differences": pdf.Array{}}})
	fontsRef := doc.add(pdf.Dict{"F0": doc.add(t0), "F1": f1, "F2": f1, "Bad": int64(3)})
	c := newFontCache(doc)
	c.register(fontsRef, dictOf(doc, fontsRef))
	c.register(fontsRef, dictOf(doc, fontsRef))
	got := c.fonts()
	want := []Font{
		{Name: "ABCDEF+MSMincho", Type: "Type0", CIDType: "CIDFontType0", Encoding: "Identity-H", Embedded: true, ToUnicode: true, Symbolic: true},
		{Name: "Helvetica", Type: "Type1", Encoding: "Differences"},
	}
	if len(got) != len(want) {
		t.Fatalf("fonts = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("font %d = %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestFontWidths(t *testing.T) {
	doc := newMemDoc()
	tests := []struct {
		name    string
		font    pdf.Dict
		str     string
		advance float64
		spaces  int
	}{
		{"Widths", pdf.Dict{"Subtype": pdf.Name("TrueType"), "FirstChar": int64(32),
			"Widths": pdf.Array{int64(250), int64(300), int64(400)}}, "! \"x", 0.3 + 0.25 + 0.4 + 0.5, 1},
		{"MissingWidth", pdf.Dict{"Subtype": pdf.Name("TrueType"), "FirstChar": int64(32), "Widths": pdf.Array{int64(250)},
			"FontDescriptor": pdf.Dict{"MissingWidth": int64(100)}}, "a ", 0.1 + 0.25, 1},
		{"Courier without widths", pdf.Dict{"Subtype": pdf.Name("Type1"), "BaseFont": pdf.Name("Courier")}, "ab", 1.2, 0},
		{"Type3 font matrix", pdf.Dict{"Subtype": pdf.Name("Type3"), "FontMatrix": pdf.Array{0.01, 0.0, 0.0, 0.01, 0.0, 0.0},
			"FirstChar": int64(65), "Widths": pdf.Array{int64(50)}}, "A", 0.5, 0},
		{"CID W and DW", pdf.Dict{"Subtype": pdf.Name("Type0"), "Encoding": pdf.Name("Identity-H"),
			"DescendantFonts": pdf.Array{pdf.Dict{"Subtype": pdf.Name("CIDFontType2"), "DW": int64(800),
				"W": pdf.Array{int64(3), pdf.Array{int64(200), int64(300)}, int64(10), int64(20), int64(600)}}}},
			"\x00\x03\x00\x04\x00\x0f\x00\x63", 0.2 + 0.3 + 0.6 + 0.8, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fontCounts(t, doc, tt.font, tt.str)
			if math.Abs(got.advance-tt.advance) > 1e-6 || got.spaces != tt.spaces {
				t.Errorf("advance %v spaces %d, want %v %d", got.advance, got.spaces, tt.advance, tt.spaces)
			}
		})
	}
}
