package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestOpenHeader(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		version string
		err     error
	}{
		{"minimal", minimalPDF(), "1.4", nil},
		{"junk before header", append([]byte("JUNK\x00\x01garbage\n"), minimalPDF()...), "1.4", nil},
		{"version 2.0", bytes.Replace(minimalPDF(), []byte("%PDF-1.4"), []byte("%PDF-2.0"), 1), "2.0", nil},
		{"empty", nil, "", ErrInvalid},
		{"text file", []byte("hello, world\n"), "", ErrInvalid},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "", ErrInvalid},
		{"header only", []byte("%PDF-1.7\n"), "1.7", ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Open(context.Background(), tc.data, Options{})
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := doc.HeaderVersion(); got != tc.version {
				t.Errorf("version %q, want %q", got, tc.version)
			}
			if pages, err := doc.Pages(); err != nil || len(pages) != 1 {
				t.Errorf("pages %d, %v", len(pages), err)
			}
		})
	}
}

func TestOpenNoHeaderButObjects(t *testing.T) {
	// No "%PDF-" at all, no xref: repair finds the objects and the catalog.
	b := newTestPDF("")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	b.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	b.obj(3, "<< /Type /Page /Parent 2 0 R >>")
	doc := mustOpen(t, b.buf.Bytes())
	if doc.HeaderVersion() != "" || !doc.XRefInfo().Repaired {
		t.Fatalf("version %q, xref %+v", doc.HeaderVersion(), doc.XRefInfo())
	}
	if n, _ := pageCount(t, b.buf.Bytes()); n != 1 {
		t.Fatalf("pages %d", n)
	}
	// Objects but no catalog: not a PDF.
	_, err := Open(context.Background(), []byte("1 0 obj << /A 1 >> endobj"), Options{})
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
}

// offsetsRelativeToHeader rewrites a file so that junk precedes the header
// while the offsets stay relative to the header (as the spec says).
func TestOpenJunkOffsetsRelative(t *testing.T) {
	data := append([]byte("0123456789"), minimalPDF()...)
	doc := mustOpen(t, data)
	if info := doc.XRefInfo(); info.Repaired || info.Kind != "table" {
		t.Fatalf("xref %+v", info)
	}
}

func TestXRefTables(t *testing.T) {
	base := func() *testPDF {
		b := newTestPDF("1.4")
		b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
		b.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
		b.obj(3, "<< /Type /Page /Parent 2 0 R >>")
		return b
	}
	// table writes the table by hand with the given entry format.
	table := func(b *testPDF, first int, entry string, zeroEntry bool) []byte {
		start := b.buf.Len()
		n := 3
		if zeroEntry {
			n = 4
		}
		fmt.Fprintf(&b.buf, "xref\n%d %d\n", first, n)
		if zeroEntry {
			b.buf.WriteString("0000000000 65535 f" + entry)
		}
		for _, num := range []int{1, 2, 3} {
			fmt.Fprintf(&b.buf, "%010d 00000 n"+entry, b.offsets[num])
		}
		fmt.Fprintf(&b.buf, "trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", start)
		return b.buf.Bytes()
	}
	tests := []struct {
		name     string
		data     []byte
		repaired bool
	}{
		{"20-byte entries", table(base(), 0, " \n", true), false},
		{"19-byte entries", table(base(), 0, "\n", true), false},
		{"21-byte entries", table(base(), 0, " \r\n", true), false},
		{"off-by-one first subsection", table(base(), 1, " \n", true), false},
		{"subsection without object 0", table(base(), 1, " \n", false), false},
		{"wrong subsection start", table(base(), 5, " \n", false), true},
		{"trailing junk after EOF", append(table(base(), 0, " \n", true), bytes.Repeat([]byte("junk "), 300)...), false},
		{"startxref off by some bytes", bytes.Replace(table(base(), 0, " \n", true), []byte("startxref\n1"), []byte("startxref\n3"), 1), true},
		{"no startxref", bytes.Replace(table(base(), 0, " \n", true), []byte("startxref"), []byte("startxrex"), 1), true},
		{"no trailer root", bytes.Replace(table(base(), 0, " \n", true), []byte("/Root 1 0 R"), []byte(""), 1), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, doc := pageCount(t, tc.data)
			if n != 1 {
				t.Fatalf("pages %d", n)
			}
			info := doc.XRefInfo()
			if info.Repaired != tc.repaired {
				t.Fatalf("xref %+v, want repaired %v", info, tc.repaired)
			}
			if !tc.repaired && (info.Kind != "table" || info.Sections != 1 || info.Objects != 3) {
				t.Fatalf("xref %+v", info)
			}
		})
	}
}

func TestXRefIncremental(t *testing.T) {
	b := newTestPDF("1.4")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	b.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	b.obj(3, "<< /Type /Page /Parent 2 0 R /Rotate 0 >>")
	b.obj(4, "(old info)")
	first := b.buf.Len()
	b.xref("/Root 1 0 R /Info 4 0 R")
	// Update: page 3 gets /Rotate 90 and a second page 5 is added.
	b2 := &testPDF{offsets: map[int]int{}}
	b2.buf.Write(b.buf.Bytes())
	b2.obj(2, "<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>")
	b2.obj(3, "<< /Type /Page /Parent 2 0 R /Rotate 90 >>")
	b2.obj(5, "<< /Type /Page /Parent 2 0 R >>")
	data := b2.xref(fmt.Sprintf("/Root 1 0 R /Prev %d", first))

	n, doc := pageCount(t, data)
	if n != 2 {
		t.Fatalf("pages %d, want 2", n)
	}
	pages, _ := doc.Pages()
	if pages[0].Rotate != 90 {
		t.Errorf("rotate %d: the newest definition must win", pages[0].Rotate)
	}
	if info := doc.XRefInfo(); info.Kind != "table" || info.Sections != 2 || info.Repaired {
		t.Errorf("xref %+v", info)
	}
	if s := doc.Str(doc.Trailer()["Info"]); string(s) != "old info" {
		t.Errorf("info %q: older trailer keys must be merged", s)
	}

	// A /Prev loop (the section points at itself) is repaired.
	loop := bytes.Replace(data, []byte(fmt.Sprintf("/Prev %d", first)), []byte(fmt.Sprintf("/Prev %d", bytes.LastIndex(data, []byte("\nxref\n"))+1)), 1)
	n, doc = pageCount(t, loop)
	if n != 2 || !doc.XRefInfo().Repaired {
		t.Errorf("loop: pages %d, xref %+v", n, doc.XRefInfo())
	}
}

func TestXRefStream(t *testing.T) {
	for _, flate := range []bool{false, true} {
		t.Run(fmt.Sprintf("flate=%v", flate), func(t *testing.T) {
			b := newTestPDF("1.5")
			b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
			b.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
			b.obj(3, "<< /Type /Page /Parent 2 0 R >>")
			data := b.xrefStream(9, nil, "/Root 1 0 R", flate)
			n, doc := pageCount(t, data)
			if n != 1 {
				t.Fatalf("pages %d", n)
			}
			if info := doc.XRefInfo(); info.Kind != "stream" || info.Repaired || info.Objects != 4 {
				t.Fatalf("xref %+v", info)
			}
		})
	}
}

// objStmPDF is a 2-page document whose page tree lives in an object
// stream, with an xref stream.
func objStmPDF(t testing.TB) []byte {
	b := newTestPDF("1.5")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	data, first := objStmData([]int{2, 3, 4}, []string{
		"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
		"<< /Type /Page /Parent 2 0 R /Title (in stream) >>",
		"<< /Type /Page /Parent 2 0 R >>",
	})
	b.stream(5, fmt.Sprintf("/Type /ObjStm /N 3 /First %d /Filter /FlateDecode", first), flateBytes(data))
	return b.xrefStream(6, []xrefStreamEntry{{2, 2, 5, 0}, {3, 2, 5, 1}, {4, 2, 5, 2}}, "/Root 1 0 R", true)
}

func TestObjectStreams(t *testing.T) {
	data := objStmPDF(t)
	n, doc := pageCount(t, data)
	if n != 2 {
		t.Fatalf("pages %d", n)
	}
	pages, _ := doc.Pages()
	if s := doc.Str(pages[0].Dict["Title"]); string(s) != "in stream" {
		t.Errorf("title %q", s)
	}

	// Wrong indices in the xref stream: the object is found by number.
	b := newTestPDF("1.5")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	sdata, first := objStmData([]int{2, 3}, []string{"<< /Type /Pages /Kids [3 0 R] >>", "<< /Type /Page >>"})
	b.stream(5, fmt.Sprintf("/Type /ObjStm /N 2 /First %d", first), sdata)
	data = b.xrefStream(6, []xrefStreamEntry{{2, 2, 5, 7}, {3, 2, 5, 0}}, "/Root 1 0 R", false)
	if n, _ := pageCount(t, data); n != 1 {
		t.Errorf("wrong index: pages %d", n)
	}

	// /Extends: object 3 is in stream 7, which the entry does not name.
	b = newTestPDF("1.5")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	s1, f1 := objStmData([]int{2}, []string{"<< /Type /Pages /Kids [3 0 R] >>"})
	s2, f2 := objStmData([]int{3}, []string{"<< /Type /Page >>"})
	b.stream(5, fmt.Sprintf("/Type /ObjStm /N 1 /First %d /Extends 7 0 R", f1), s1)
	b.stream(7, fmt.Sprintf("/Type /ObjStm /N 1 /First %d /Extends 5 0 R", f2), s2)
	data = b.xrefStream(6, []xrefStreamEntry{{2, 2, 5, 0}, {3, 2, 5, 0}}, "/Root 1 0 R", false)
	if n, _ := pageCount(t, data); n != 1 {
		t.Errorf("extends: pages %d", n)
	}

	// An object stream that contains its own entry does not loop.
	b = newTestPDF("1.5")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	data = b.xrefStream(6, []xrefStreamEntry{{2, 2, 5, 0}, {5, 2, 5, 1}}, "/Root 1 0 R", false)
	doc, err := Open(context.Background(), data, Options{})
	if err == nil {
		_, err = doc.Pages()
	}
	if err == nil {
		t.Log("self-containing object stream: no pages, no hang")
	}
}

func TestXRefHybrid(t *testing.T) {
	b := newTestPDF("1.5")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	sdata, first := objStmData([]int{2, 3}, []string{"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", "<< /Type /Page /Parent 2 0 R >>"})
	b.stream(5, fmt.Sprintf("/Type /ObjStm /N 2 /First %d", first), sdata)
	// The xref stream (for readers of PDF 1.5) ...
	stmOff := b.buf.Len()
	rows := []byte{2, 0, 0, 0, 5, 0, 0, 2, 0, 0, 0, 5, 0, 1}
	fmt.Fprintf(&b.buf, "7 0 obj\n<< /Type /XRef /W [1 4 2] /Index [2 2] /Size 8 /Length %d >>\nstream\n%s\nendstream\nendobj\n", len(rows), rows)
	// ... and the table, which marks objects 2 and 3 free.
	start := b.buf.Len()
	fmt.Fprintf(&b.buf, "xref\n0 6\n0000000000 65535 f \n%010d 00000 n \n0000000000 65535 f \n0000000000 65535 f \n0000000000 65535 f \n%010d 00000 n \n", b.offsets[1], b.offsets[5])
	fmt.Fprintf(&b.buf, "trailer\n<< /Size 8 /Root 1 0 R /XRefStm %d >>\nstartxref\n%d\n%%%%EOF\n", stmOff, start)
	n, doc := pageCount(t, b.buf.Bytes())
	if n != 1 {
		t.Fatalf("pages %d", n)
	}
	if info := doc.XRefInfo(); info.Kind != "hybrid" || info.Repaired {
		t.Fatalf("xref %+v", info)
	}
}

func TestXRefHostileCounts(t *testing.T) {
	b := newTestPDF("1.4")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	b.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 99999999999 >>")
	b.obj(3, "<< /Type /Page /Parent 2 0 R >>")
	start := b.buf.Len()
	// A subsection claiming 4 billion entries, and a huge object number.
	fmt.Fprintf(&b.buf, "xref\n0 4000000000\n0000000000 65535 f \n%010d 00000 n \n%010d 00000 n \n%010d 00000 n \n", b.offsets[1], b.offsets[2], b.offsets[3])
	fmt.Fprintf(&b.buf, "4000000000 1\n%010d 00000 n \n", b.offsets[3])
	fmt.Fprintf(&b.buf, "trailer\n<< /Size 4294967295 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", start)
	n, doc := pageCount(t, b.buf.Bytes())
	if n != 1 || doc.XRefInfo().Repaired {
		t.Fatalf("pages %d, xref %+v", n, doc.XRefInfo())
	}

	// MaxObjects is enforced.
	var many strings.Builder
	many.WriteString("xref\n0 100\n")
	for range 100 {
		many.WriteString("0000000010 00000 n \n")
	}
	data := append(minimalPDF(), []byte(many.String())...)
	_, err := Open(context.Background(), data, Options{Limits: Limits{MaxObjects: 5}})
	if err != nil && !errors.Is(err, ErrLimit) && !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
}
