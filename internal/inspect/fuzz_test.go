package inspect

import (
	"context"
	"strings"
	"testing"
	"time"

	"dataplus/internal/pdf"
	"dataplus/internal/testpdf"
)

// FuzzContent feeds arbitrary bytes to the content scanner: it must not
// panic, must stay within the content limit and must give sane figures.
func FuzzContent(f *testing.F) {
	for _, seed := range []string{
		"BT /F1 12 Tf 72 700 Td (Hello) Tj [(a) -20 (b)] TJ ET",
		"q 612 0 0 792 0 0 cm /Im0 Do Q /Fm0 Do",
		"BI /W 2 /H 2 /BPC 8 /CS /G ID \x00\x01\x02\x03 EI",
		"BI /W 2 /H 2 /F /Fl /L 3 ID abc EI",
		"0 0 100 100 re W n q 1 0 0 1 0 0 cm /Im0 Do Q",
		"BT /F0 10 Tf <00410042> Tj ET",
		"<< /A [1 2 (x) <ff>] >> BDC EMC",
		"(\\(\\\\\\)) ' \"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		doc := newMemDoc()
		res := imageResources(doc, pdf.Dict{}, "BT /F1 9 Tf (form) Tj ET /Fm0 Do /Im0 Do")
		res["Font"] = helvetica(doc)["Font"]
		res["Font"].(pdf.Dict)["F0"] = doc.add(pdf.Dict{"Subtype": pdf.Name("Type0"), "Encoding": pdf.Name("90ms-RKSJ-H")})
		res["XObject"].(pdf.Dict)["Fm1"] = doc.stream(pdf.Dict{"Subtype": pdf.Name("Form")}, string(data))
		opt := Options{MaxContentBytes: 4 << 16}.withDefaults()
		pg := scanWith(doc, res, string(data), opt)
		if pg.ContentBytes > opt.MaxContentBytes {
			t.Fatalf("content bytes %d over the limit", pg.ContentBytes)
		}
		im := pg.Images
		if im.Coverage < 0 || im.Coverage > 1 || im.MaxCoverage < 0 || im.MaxCoverage > 1 || im.Inline > im.Count {
			t.Fatalf("bad image stats %+v", im)
		}
		tx := pg.Text
		if tx.UnicodeGlyphs+tx.UnmappedGlyphs+tx.ReplacementChars != tx.Glyphs || tx.InvisibleGlyphs > tx.Glyphs {
			t.Fatalf("bad text stats %+v", tx)
		}
	})
}

// FuzzCMap feeds arbitrary bytes to the CMap parser and uses the result
// to split and classify the same bytes as character codes.
func FuzzCMap(f *testing.F) {
	f.Add([]byte(toUnicodeCMap))
	f.Add([]byte("begincodespacerange <00> <80> <8140> <9FFC> endcodespacerange"))
	f.Add([]byte("1 beginbfrange <0000> <FFFF> <0000> endbfrange"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		cm := parseCMap(data)
		fi := &fontInfo{cid: true, toUnicode: cm, dw: 1}
		fi.setSpace(cm.space)
		var c showCounts
		fi.count(data, &c)
		if c.unicode+c.unmapped+c.replacement != c.glyphs || c.glyphs > len(data) {
			t.Fatalf("bad counts %+v for %d bytes", c, len(data))
		}
	})
}

// FuzzDocument runs the whole per-file path the pipeline runs (open, then
// inspect) on arbitrary bytes, seeded from every generated fixture: no
// panic, bounded time, and sane figures on every page.
func FuzzDocument(f *testing.F) {
	for _, fx := range testpdf.All() {
		f.Add(fx.Data)
	}
	limits := pdf.Limits{MaxObjects: 1 << 20, MaxDepth: 200, MaxStreamBytes: 8 << 20, MaxWork: 64 << 20, MaxPages: 10_000}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		doc, err := pdf.Open(ctx, data, pdf.Options{Limits: limits})
		if err != nil {
			return
		}
		res, err := Document(ctx, doc, Options{MaxContentBytes: 4 << 20})
		if err != nil && strings.Contains(err.Error(), "internal error") {
			t.Fatalf("recovered panic: %v", err)
		}
		if res != nil {
			for _, p := range res.Pages {
				if p.Images.Coverage < 0 || p.Images.Coverage > 1 || p.Text.InvisibleGlyphs > p.Text.Glyphs {
					t.Fatalf("page %d: bad facts %+v %+v", p.Number, p.Images, p.Text)
				}
			}
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("took %v", d)
		}
	})
}
