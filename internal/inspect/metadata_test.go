package inspect

import (
	"testing"

	"dataplus/internal/pdf"
)

func TestReadCatalog(t *testing.T) {
	doc := newMemDoc()
	widget := doc.add(pdf.Dict{"Subtype": pdf.Name("Widget")})
	leaf1 := doc.add(pdf.Dict{"T": pdf.String("a"), "Kids": pdf.Array{widget}})
	leaf2 := doc.add(pdf.Dict{"T": pdf.String("b"), "AA": pdf.Dict{"K": pdf.Dict{"S": pdf.Name("JavaScript")}}})
	parent := pdf.Ref{Num: 999}
	doc.objs[parent] = pdf.Dict{"T": pdf.String("p"), "Kids": pdf.Array{leaf1, leaf2, parent}} // a cycle
	files := doc.add(pdf.Dict{"Kids": pdf.Array{
		doc.add(pdf.Dict{"Names": pdf.Array{pdf.String("a"), pdf.Dict{}, pdf.String("b"), pdf.Dict{}}}),
		doc.add(pdf.Dict{"Names": pdf.Array{pdf.String("c"), pdf.Dict{}}}),
	}})
	cat := pdf.Dict{
		"MarkInfo": pdf.Dict{"Marked": true},
		"Lang":     pdf.String("en-GB"),
		"Outlines": pdf.Dict{"Count": int64(0), "First": pdf.Ref{Num: 1}},
		"Names":    pdf.Dict{"EmbeddedFiles": files},
		"AcroForm": pdf.Dict{"Fields": pdf.Array{parent}, "XFA": pdf.Array{}},
	}
	var md Metadata
	readCatalog(doc, cat, &md)
	want := Metadata{Tagged: true, Language: "en-GB", HasOutline: true, EmbeddedFiles: 3, FormFields: 2, HasXFA: true, JavaScript: true}
	if md.Tagged != want.Tagged || md.Language != want.Language || md.HasOutline != want.HasOutline ||
		md.EmbeddedFiles != want.EmbeddedFiles || md.FormFields != want.FormFields || md.HasXFA != want.HasXFA ||
		md.JavaScript != want.JavaScript {
		t.Errorf("metadata = %+v\nwant       %+v", md, want)
	}
}

func TestJavaScriptActions(t *testing.T) {
	doc := newMemDoc()
	loop := pdf.Ref{Num: 500}
	doc.objs[loop] = pdf.Dict{"S": pdf.Name("GoTo"), "Next": loop}
	tests := []struct {
		name string
		cat  pdf.Dict
		want bool
	}{
		{"none", pdf.Dict{}, false},
		{"open action", pdf.Dict{"OpenAction": pdf.Dict{"S": pdf.Name("JavaScript"), "JS": pdf.String("x")}}, true},
		{"destination open action", pdf.Dict{"OpenAction": pdf.Array{pdf.Ref{Num: 1}, pdf.Name("Fit")}}, false},
		{"chained", pdf.Dict{"OpenAction": pdf.Dict{"S": pdf.Name("GoTo"),
			"Next": pdf.Array{pdf.Dict{"S": pdf.Name("URI")}, pdf.Dict{"S": pdf.Name("JavaScript")}}}}, true},
		{"cyclic chain", pdf.Dict{"OpenAction": loop}, false},
		{"catalog AA", pdf.Dict{"AA": pdf.Dict{"WC": pdf.Dict{"S": pdf.Name("JavaScript")}}}, true},
		{"name tree", pdf.Dict{"Names": pdf.Dict{"JavaScript": pdf.Dict{"Names": pdf.Array{pdf.String("x"), pdf.Dict{}}}}}, true},
		{"empty name tree", pdf.Dict{"Names": pdf.Dict{"JavaScript": pdf.Dict{"Names": pdf.Array{}}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var md Metadata
			readCatalog(doc, tt.cat, &md)
			if md.JavaScript != tt.want {
				t.Errorf("JavaScript = %v, want %v", md.JavaScript, tt.want)
			}
		})
	}
}

func TestAnnotWalk(t *testing.T) {
	doc := newMemDoc()
	pg := pdf.Dict{"Annots": pdf.Array{
		doc.add(pdf.Dict{"Subtype": pdf.Name("FileAttachment")}),
		doc.add(pdf.Dict{"Subtype": pdf.Name("Link"), "A": pdf.Dict{"S": pdf.Name("JavaScript")}}),
		int64(7),
	}}
	var md Metadata
	w := annotWalk{doc: doc, budget: 10}
	w.page(pg, &md)
	if md.EmbeddedFiles != 1 || !md.JavaScript {
		t.Errorf("metadata = %+v", md)
	}
	md = Metadata{}
	w = annotWalk{doc: doc, budget: 1}
	w.page(pg, &md)
	if md.EmbeddedFiles != 1 || md.JavaScript {
		t.Errorf("with a budget of one annotation: %+v", md)
	}
}

func TestOptionalContent(t *testing.T) {
	doc := newMemDoc()
	on := doc.add(pdf.Dict{"Type": pdf.Name("OCG"), "Name": pdf.String("on")})
	off := doc.add(pdf.Dict{"Type": pdf.Name("OCG"), "Name": pdf.String("off")})
	cat := pdf.Dict{"OCProperties": pdf.Dict{"OCGs": pdf.Array{on, off}, "D": pdf.Dict{"OFF": pdf.Array{off}}}}
	img := doc.stream(pdf.Dict{"Subtype": pdf.Name("Image")}, "")
	hiddenImg := doc.stream(pdf.Dict{"Subtype": pdf.Name("Image"), "OC": off}, "")
	res := helvetica(doc)
	res["XObject"] = pdf.Dict{"Im0": img, "Im1": hiddenImg}
	res["Properties"] = pdf.Dict{
		"On": on, "Off": off,
		"AllOn":  doc.add(pdf.Dict{"Type": pdf.Name("OCMD"), "OCGs": pdf.Array{on, off}, "P": pdf.Name("AllOn")}),
		"AnyOn":  doc.add(pdf.Dict{"Type": pdf.Name("OCMD"), "OCGs": pdf.Array{on, off}}),
		"AllOff": doc.add(pdf.Dict{"Type": pdf.Name("OCMD"), "OCGs": off, "P": pdf.Name("AllOff")}),
	}
	tests := []struct {
		name    string
		content string
		chars   int
		images  int
	}{
		{"visible group", "/OC /On BDC BT /F1 9 Tf 9 9 Td (ab) Tj ET /Im0 Do EMC", 2, 1},
		{"hidden group", "/OC /Off BDC BT /F1 9 Tf 9 9 Td (ab) Tj ET /Im0 Do BI /W 1 /H 1 /F /AHx ID 0> EI EMC", 0, 0},
		{"nested, then closed", "/OC /Off BDC /Span <</ActualText (x)>> BDC EMC (zz) Tj EMC BT /F1 9 Tf 9 9 Td (ab) Tj ET", 2, 0},
		{"membership AllOn", "/OC /AllOn BDC /Im0 Do EMC", 0, 0},
		{"membership AnyOn", "/OC /AnyOn BDC /Im0 Do EMC", 0, 1},
		{"membership AllOff", "/OC /AllOff BDC /Im0 Do EMC", 0, 1},
		{"XObject in a hidden group", "/Im1 Do", 0, 0},
		{"unbalanced EMC", "EMC EMC /OC /On BDC /Im0 Do", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScanner(t.Context(), doc, Options{}.withDefaults())
			s.oc = readOptionalContent(doc, cat)
			var pg Page
			s.beginPage(&pg, letter, letter, res)
			s.run([]byte(tt.content))
			s.endPage()
			if pg.Text.Chars != tt.chars || pg.Images.Count != tt.images {
				t.Errorf("chars %d images %d, want %d %d", pg.Text.Chars, pg.Images.Count, tt.chars, tt.images)
			}
		})
	}
}

func TestScanAnnotations(t *testing.T) {
	doc := newMemDoc()
	res := helvetica(doc)
	ap := doc.stream(pdf.Dict{"BBox": pdf.Array{0.0, 0.0, 100.0, 20.0}, "Resources": res},
		"BT /F1 10 Tf 2 5 Td (Field) Tj ET")
	img := doc.stream(pdf.Dict{"Subtype": pdf.Name("Image")}, "")
	stamp := doc.stream(pdf.Dict{"Subtype": pdf.Name("Form"), "BBox": pdf.Array{0.0, 0.0, 1.0, 1.0},
		"Resources": pdf.Dict{"XObject": pdf.Dict{"Im": img}}}, "1 0 0 1 0 0 cm /Im Do")
	pg := pdf.Dict{"Annots": pdf.Array{
		doc.add(pdf.Dict{"Subtype": pdf.Name("Widget"), "Rect": pdf.Array{100.0, 100.0, 200.0, 120.0}, "AP": pdf.Dict{"N": ap}}),
		doc.add(pdf.Dict{"Subtype": pdf.Name("Widget"), "Rect": pdf.Array{100.0, 100.0, 200.0, 120.0}, "F": int64(2), "AP": pdf.Dict{"N": ap}}),
		doc.add(pdf.Dict{"Subtype": pdf.Name("Widget"), "Rect": pdf.Array{100.0, 200.0, 200.0, 220.0}, "AS": pdf.Name("Yes"),
			"AP": pdf.Dict{"N": pdf.Dict{"Yes": ap, "Off": stamp}}}),
		doc.add(pdf.Dict{"Subtype": pdf.Name("Stamp"), "Rect": pdf.Array{0.0, 0.0, 306.0, 792.0}, "AP": pdf.Dict{"N": stamp}}),
		doc.add(pdf.Dict{"Subtype": pdf.Name("Link"), "Rect": pdf.Array{0.0, 0.0, 10.0, 10.0}}),
	}}
	s := newScanner(t.Context(), doc, Options{}.withDefaults())
	var out Page
	s.beginPage(&out, letter, letter, nil)
	s.scanAnnotations(pg)
	s.endPage()
	if out.Text.Chars != 10 || out.Images.Count != 1 || out.Images.Coverage != 0.5 {
		t.Errorf("chars %d, images %+v; want 10 chars and one image over half the page", out.Text.Chars, out.Images)
	}
}
