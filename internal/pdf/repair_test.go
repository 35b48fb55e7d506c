package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestRepair(t *testing.T) {
	good := minimalPDF()
	xrefAt := bytes.LastIndex(good, []byte("\nxref\n")) + 1
	tests := []struct {
		name  string
		data  []byte
		pages int
	}{
		{"no xref at all", good[:xrefAt], 1},
		{"truncated in the table", good[:xrefAt+30], 1},
		{"offsets shifted", bytes.Replace(good, []byte("1 0 obj"), []byte("\n\n\n1 0 obj"), 1), 1},
		{"garbage table", append(append([]byte{}, good[:xrefAt]...), []byte("xref\nthis is not a table\ntrailer\n<< /Root 1 0 R >>\nstartxref\n"+fmt.Sprint(xrefAt)+"\n%%EOF")...), 1},
		{"trailer without root, catalog by type", bytes.Replace(good, []byte("/Root 1 0 R"), []byte("/Info 1 0 R"), 1), 1},
		{"deep trailer", bytes.Replace(good, []byte("trailer\n<<"), []byte("trailer\n"+strings.Repeat("<<", 5000)), 1), 1},
		{"last definition wins", append(good[:xrefAt:xrefAt], []byte("2 0 obj << /Type /Pages /Kids [3 0 R 3 0 R] >> endobj\n")...), 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, doc := pageCount(t, tc.data)
			if n != tc.pages {
				t.Fatalf("pages %d, want %d", n, tc.pages)
			}
			if info := doc.XRefInfo(); !info.Repaired || info.Kind != "rebuilt" || info.Objects < 4 {
				t.Fatalf("xref %+v", info)
			}
		})
	}
}

func TestRepairObjectStreams(t *testing.T) {
	// An object-stream file whose xref stream is gone: the scan indexes
	// the object stream and takes the trailer keys from nowhere but the
	// catalog search.
	data := objStmPDF(t)
	cut := bytes.Index(data, []byte("6 0 obj"))
	n, doc := pageCount(t, data[:cut])
	if n != 2 || !doc.XRefInfo().Repaired {
		t.Fatalf("pages %d, xref %+v", n, doc.XRefInfo())
	}

	// The xref stream is there but startxref is wrong: its dictionary
	// serves as the trailer.
	broken := bytes.Replace(data, []byte("startxref\n"), []byte("startxref\n1"), 1)
	n, doc = pageCount(t, broken)
	if n != 2 || !doc.XRefInfo().Repaired {
		t.Fatalf("pages %d, xref %+v", n, doc.XRefInfo())
	}
}

func TestRepairLazy(t *testing.T) {
	// The table is syntactically fine but one offset is wrong: Open
	// succeeds without repair, and loading the bad object repairs.
	b := newTestPDF("1.4")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	b.obj(2, "<< /Type /Pages /Kids [3 0 R] >>")
	b.obj(3, "<< /Type /Page /Rotate 90 >>")
	b.offsets[3] += 2
	data := b.xref("/Root 1 0 R")
	doc := mustOpen(t, data)
	pages, err := doc.Pages()
	if err != nil || len(pages) != 1 || pages[0].Rotate != 90 {
		t.Fatalf("pages %+v, %v", pages, err)
	}
	if !doc.XRefInfo().Repaired {
		t.Fatal("not repaired")
	}
}

func TestRepairHostile(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"many obj keywords", bytes.Repeat([]byte("1 0 obj "), 100_000)},
		{"obj without numbers", bytes.Repeat([]byte("obj obj endobj "), 10_000)},
		{"streams without end", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("1 0 obj << /Length 5 0 R >> stream\n"), 10_000)...)},
		{"huge object numbers", []byte("%PDF-1.4\n4294967295 65535 obj << /Type /Catalog /Pages 4294967295 0 R >> endobj 99999999999 0 obj endobj")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Open(context.Background(), tc.data, Options{})
			if err != nil {
				if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrLimit) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if _, err := doc.Pages(); err != nil && !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrLimit) {
				t.Fatalf("pages: %v", err)
			}
		})
	}
}

func TestRepairLazyObjectStream(t *testing.T) {
	// The xref stream places objects 2 and 3 in object stream 8, which does
	// not exist; the scan finds them in stream 5.
	b := newTestPDF("1.5")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	sdata, first := objStmData([]int{2, 3}, []string{"<< /Type /Pages /Kids [3 0 R] >>", "<< /Type /Page >>"})
	b.stream(5, fmt.Sprintf("/Type /ObjStm /N 2 /First %d", first), sdata)
	data := b.xrefStream(6, []xrefStreamEntry{{2, 2, 8, 0}, {3, 2, 8, 1}}, "/Root 1 0 R", false)
	doc := mustOpen(t, data)
	pages, err := doc.Pages()
	if err != nil || len(pages) != 1 || !doc.XRefInfo().Repaired {
		t.Fatalf("pages %d, %v, xref %+v", len(pages), err, doc.XRefInfo())
	}

	// A damaged object at the right offset is not a reason to rebuild.
	b = newTestPDF("1.4")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R /Junk 3 0 R >>")
	b.obj(2, "<< /Type /Pages /Kids [4 0 R] >>")
	b.obj(3, "]]] >> )")
	b.obj(4, "<< /Type /Page >>")
	doc = mustOpen(t, b.xref("/Root 1 0 R"))
	if _, err := doc.Get(Ref{Num: 3}); !errors.Is(err, ErrInvalid) || doc.XRefInfo().Repaired {
		t.Fatalf("err %v, xref %+v", err, doc.XRefInfo())
	}
}
