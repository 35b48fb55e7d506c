package inspect

import (
	"slices"
	"testing"

	"dataplus/internal/pdf"
)

func TestDecodeText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"ascii", "Hello", "Hello"},
		{"PDFDoc latin-1", "caf\xe9", "café"},
		{"PDFDoc specials", "\x18\x1f\x80\x84\x93\xa0", "˘˜•—ﬁ€"},
		{"PDFDoc undefined", "a\x9fb", "a\uFFFDb"},
		{"UTF-16BE", "\xfe\xff\x00H\x00i\x4e\x2d", "Hi中"},
		{"UTF-16BE surrogate pair", "\xfe\xff\xd8\x3d\xde\x00", "😀"},
		{"UTF-16BE language escape", "\xfe\xff\x00\x1bfr\x00\x1b\x00a", "a"},
		{"UTF-16LE", "\xff\xfeH\x00i\x00", "Hi"},
		{"UTF-8 with BOM", "\xef\xbb\xbfna\xc3\xafve", "naïve"},
		{"trailing NULs", "abc\x00\x00", "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decodeText([]byte(tt.in)); got != tt.want {
				t.Errorf("decodeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"D:20230415103000+02'00'", "2023-04-15T10:30:00+02:00"},
		{"D:20230415103000+02'00", "2023-04-15T10:30:00+02:00"},
		{"D:20230415103000+0200", "2023-04-15T10:30:00+02:00"},
		{"D:20230415103000-05'30'", "2023-04-15T10:30:00-05:30"},
		{"D:20230415103000+02", "2023-04-15T10:30:00+02:00"},
		{"D:20230415103000Z", "2023-04-15T10:30:00Z"},
		{"D:20230415103000Z00'00'", "2023-04-15T10:30:00Z"},
		{"D:20230415103000", "2023-04-15T10:30:00Z"},
		{"D:202304151030", "2023-04-15T10:30:00Z"},
		{"D:2023", "2023-01-01T00:00:00Z"},
		{"20230415", "2023-04-15T00:00:00Z"},
		{" D:20230415103000+02'00' ", "2023-04-15T10:30:00+02:00"},
		{"D:20230415103000+02'00'junk", "2023-04-15T10:30:00+02:00"},
		{"D:20230415103060", "2023-04-15T10:30:59Z"},
		{"2023-04-15T10:30:00+02:00", "2023-04-15T10:30:00+02:00"},
		{"D:20231315", "D:20231315"},
		{"D:20230230", "D:20230230"},
		{"Tue Apr 15 2003", "Tue Apr 15 2003"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := parseDate(tt.in); got != tt.want {
				t.Errorf("parseDate(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestReadInfo(t *testing.T) {
	doc := newMemDoc()
	d := pdf.Dict{
		"Title":        doc.add(pdf.String("\xfe\xff\x00T")),
		"Producer":     pdf.String("pdfTeX-1.40"),
		"CreationDate": pdf.String("D:20010203040506Z"),
		"Trapped":      pdf.Name("False"),
		"Pages":        int64(3),
		"Company":      pdf.String("ACME"),
		"Skip":         pdf.Array{},
	}
	got := readInfo(doc, d)
	if got.Title != "T" || got.Producer != "pdfTeX-1.40" || got.CreationDate != "2001-02-03T04:05:06Z" ||
		got.Trapped != "False" || got.Custom["Pages"] != "3" || got.Custom["Company"] != "ACME" || len(got.Custom) != 2 {
		t.Errorf("info = %+v", got)
	}
}

func TestPermissions(t *testing.T) {
	tests := []struct {
		name string
		p    int32
		r    int
		want []string
	}{
		{"all", -4, 3, []string{"print", "modify", "copy", "annotate", "fill_forms", "extract_accessibility", "assemble", "print_high"}},
		{"none", -3904, 4, []string{}},
		{"print and accessibility", -3904 | 4 | 512, 4, []string{"print", "extract_accessibility"}},
		{"revision 2 follows the old bits", -64 | 4 | 16, 2, []string{"print", "copy", "extract_accessibility", "print_high"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := permissions(tt.p, tt.r); !slices.Equal(got, tt.want) {
				t.Errorf("permissions(%d, %d) = %v, want %v", tt.p, tt.r, got, tt.want)
			}
		})
	}
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.4", "1.7", -1}, {"1.10", "1.9", 1}, {"2.0", "1.7", 1}, {"1.7", "1.7", 0}, {"", "1.0", -1},
	}
	for _, tt := range tests {
		if got := compareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("compareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

const xmpPacket = `junk` + "\x00" + `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" pdfaid:part="2" pdfaid:conformance="B"/>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
     xmp:CreatorTool="Writer" pdf:Producer="LibreOffice 7.3">
   <xmp:CreateDate>2022-01-02T03:04:05+01:00</xmp:CreateDate>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:title><rdf:Alt><rdf:li xml:lang="de">Titel</rdf:li><rdf:li xml:lang="x-default">Title &amp; more</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>Ann</rdf:li><rdf:li>Bob</rdf:li></rdf:Seq></dc:creator>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"><pdfuaid:part>1</pdfuaid:part></rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>   `

func TestParseXMP(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *XMP
	}{
		{"full packet", xmpPacket, &XMP{Title: "Title & more", Creators: []string{"Ann", "Bob"}, CreatorTool: "Writer",
			Producer: "LibreOffice 7.3", CreateDate: "2022-01-02T03:04:05+01:00", PDFAPart: 2, PDFAConformance: "B", PDFUAPart: 1}},
		{"undeclared prefixes, cut short", `<rdf:Description><dc:title><rdf:Alt><rdf:li xml:lang="en">Only</rdf:li></rdf:Alt></dc:title><pdfaid:part>3</pdfaid:part><xmp:ModifyDate>2020`,
			&XMP{Title: "Only", PDFAPart: 3}},
		{"invalid UTF-8", "<x xmlns:pdf='http://ns.adobe.com/pdf/1.3/' pdf:Producer='a\xffb'/>", &XMP{Producer: "a\uFFFDb"}},
		{"UTF-16", "\xfe\xff\x00<\x00x\x00 \x00p\x00d\x00f\x00:\x00P\x00r\x00o\x00d\x00u\x00c\x00e\x00r\x00=\x00'\x00Z\x00'\x00/\x00>", &XMP{Producer: "Z"}},
		{"nothing", "<a><b>text</b></a>", nil},
		{"not XML", "\x89PNG\r\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseXMP([]byte(tt.in))
			if (got == nil) != (tt.want == nil) {
				t.Fatalf("parseXMP = %+v, want %+v", got, tt.want)
			}
			if got == nil {
				return
			}
			if got.Title != tt.want.Title || !slices.Equal(got.Creators, tt.want.Creators) ||
				got.CreatorTool != tt.want.CreatorTool || got.Producer != tt.want.Producer ||
				got.CreateDate != tt.want.CreateDate || got.ModifyDate != tt.want.ModifyDate ||
				got.PDFAPart != tt.want.PDFAPart || got.PDFAConformance != tt.want.PDFAConformance ||
				got.PDFUAPart != tt.want.PDFUAPart {
				t.Errorf("parseXMP = %+v\nwant      %+v", got, tt.want)
			}
		})
	}
}
