package pdf

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// treeDoc builds a document from objects (number -> body); object 1 is the
// catalog.
func treeDoc(objs map[int]string) []byte {
	b := newTestPDF("1.4")
	for n := 1; n <= 100; n++ {
		if body, ok := objs[n]; ok {
			b.obj(n, body)
		}
	}
	return b.xref("/Root 1 0 R")
}

func TestPages(t *testing.T) {
	const cat = "<< /Type /Catalog /Pages 2 0 R >>"
	tests := []struct {
		name    string
		objs    map[int]string
		want    int
		rebuilt bool
		checkFn func(t *testing.T, pages []Page)
	}{
		{"flat", map[int]string{1: cat, 2: "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>", 3: "<< /Type /Page >>", 4: "<< /Type /Page >>"}, 2, false, nil},
		{"nested with inheritance", map[int]string{
			1: cat,
			2: "<< /Type /Pages /Kids [5 0 R 4 0 R] /MediaBox [0 0 500 800] /Rotate -90 /Resources << /Font << /F1 9 0 R >> >> >>",
			5: "<< /Type /Pages /Kids [3 0 R] /CropBox [-10 -10 300 300] >>",
			3: "<< /Type /Page >>",
			4: "<< /Type /Page /MediaBox [200 200 0 0] /Rotate 45 /Resources << >> >>",
		}, 2, false, func(t *testing.T, pages []Page) {
			p := pages[0]
			if p.MediaBox != (Rect{0, 0, 500, 800}) || p.CropBox != (Rect{0, 0, 300, 300}) || p.Rotate != 270 {
				t.Errorf("page 1: %+v", p)
			}
			if p.Resources["Font"] == nil {
				t.Errorf("page 1: resources not inherited: %v", p.Resources)
			}
			q := pages[1]
			if q.MediaBox != (Rect{0, 0, 200, 200}) || q.CropBox != q.MediaBox || q.Rotate != 0 || q.Resources["Font"] != nil {
				t.Errorf("page 2: %+v", q)
			}
		}},
		{"default letter", map[int]string{1: cat, 2: "<< /Type /Pages /Kids [3 0 R] >>", 3: "<< /Type /Page /MediaBox [0 0 x 1] /Rotate 450 >>"}, 1, false, func(t *testing.T, pages []Page) {
			if pages[0].MediaBox != letter || pages[0].Rotate != 90 || pages[0].Ref != (Ref{3, 0}) {
				t.Errorf("%+v", pages[0])
			}
		}},
		{"cycle", map[int]string{1: cat, 2: "<< /Type /Pages /Kids [3 0 R 4 0 R] >>", 3: "<< /Type /Page >>", 4: "<< /Type /Pages /Kids [2 0 R 5 0 R] >>", 5: "<< /Type /Page >>"}, 2, false, nil},
		{"self kid", map[int]string{1: cat, 2: "<< /Type /Pages /Kids [2 0 R 3 0 R] >>", 3: "<< /Type /Page >>"}, 1, false, nil},
		{"shared subtree counted once", map[int]string{1: cat, 2: "<< /Type /Pages /Kids [4 0 R 4 0 R] >>", 4: "<< /Type /Pages /Kids [3 0 R] >>", 3: "<< /Type /Page >>"}, 1, false, nil},
		{"duplicate leaf kept", map[int]string{1: cat, 2: "<< /Type /Pages /Kids [3 0 R 3 0 R] >>", 3: "<< /Type /Page >>"}, 2, false, nil},
		{"absurd count", map[int]string{1: cat, 2: "<< /Type /Pages /Kids [3 0 R] /Count 2147483647000 >>", 3: "<< /Type /Page >>"}, 1, false, nil},
		{"missing type", map[int]string{1: cat, 2: "<< /Kids [3 0 R] >>", 3: "<< /Contents 4 0 R >>"}, 1, false, nil},
		{"kids without brackets", map[int]string{1: cat, 2: "<< /Type /Pages /Kids 3 0 R >>", 3: "<< /Foo /Page >>"}, 1, false, nil},
		{"direct kid dict", map[int]string{1: cat, 2: "<< /Type /Pages /Kids [<< /Type /Page >>] >>"}, 1, false, nil},
		{"dangling kids", map[int]string{1: cat, 2: "<< /Type /Pages /Kids [7 0 R 3 0 R null 5] >>", 3: "<< /Type /Page >>"}, 1, false, nil},
		{"broken tree falls back", map[int]string{1: cat, 2: "<< /Type /Pages /Kids 99 0 R >>", 3: "<< /Type /Page /Parent 2 0 R >>", 4: "<< /Type /Page /Parent 6 0 R >>", 6: "<< /Type /Pages /Rotate 180 >>"}, 2, true, func(t *testing.T, pages []Page) {
			if pages[1].Rotate != 180 {
				t.Errorf("fallback page must inherit through /Parent: %+v", pages[1])
			}
		}},
		{"no pages at all", map[int]string{1: cat, 2: "<< /Type /Pages /Kids [] >>"}, 0, false, nil},
		{"valid empty tree, orphan page", map[int]string{1: cat, 2: "<< /Type /Pages /Kids [] /Count 0 >>", 3: "<< /Type /Page >>"}, 0, false, nil},
		{"cycle hides the only page", map[int]string{1: cat, 2: "<< /Type /Pages /Kids [4 0 R] >>", 4: "<< /Type /Pages /Kids [4 0 R] >>", 3: "<< /Type /Page >>"}, 1, true, nil},
		{"no /Pages in catalog", map[int]string{1: "<< /Type /Catalog >>", 3: "<< /Type /Page >>"}, 1, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := mustOpen(t, treeDoc(tc.objs))
			pages, err := doc.Pages()
			if err != nil {
				t.Fatal(err)
			}
			if len(pages) != tc.want || doc.PagesRebuilt() != tc.rebuilt {
				t.Fatalf("%d pages (rebuilt %v), want %d (rebuilt %v)", len(pages), doc.PagesRebuilt(), tc.want, tc.rebuilt)
			}
			if tc.checkFn != nil {
				tc.checkFn(t, pages)
			}
		})
	}
}

func TestMaxPages(t *testing.T) {
	var kids strings.Builder
	objs := map[int]string{1: "<< /Type /Catalog /Pages 2 0 R >>"}
	for n := 3; n < 30; n++ {
		fmt.Fprintf(&kids, "%d 0 R ", n)
		objs[n] = "<< /Type /Page >>"
	}
	objs[2] = "<< /Type /Pages /Kids [" + kids.String() + "] >>"
	doc, err := Open(context.Background(), treeDoc(objs), Options{Limits: Limits{MaxPages: 10}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := doc.Pages(); !errors.Is(err, ErrLimit) {
		t.Fatalf("err = %v", err)
	}
}

// A binary tree whose every node lists the same child twice: 2^40 leaves
// if followed naively. Only the last node's duplicate leaf counts twice.
func TestPagesExponentialDAG(t *testing.T) {
	objs := map[int]string{1: "<< /Type /Catalog /Pages 2 0 R >>"}
	for n := 2; n < 42; n++ {
		objs[n] = fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R %d 0 R] >>", n+1, n+1)
	}
	objs[42] = "<< /Type /Page >>"
	n, _ := pageCount(t, treeDoc(objs))
	if n != 2 {
		t.Fatalf("pages %d", n)
	}
}

func TestLinearized(t *testing.T) {
	b := newTestPDF("1.4")
	b.obj(7, "<< /Linearized 1 /L 1000 /N 1 >>")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	b.obj(2, "<< /Type /Pages /Kids [3 0 R] >>")
	b.obj(3, "<< /Type /Page >>")
	doc := mustOpen(t, b.xref("/Root 1 0 R"))
	if !doc.Linearized() {
		t.Error("linearized file not detected")
	}
	if mustOpen(t, minimalPDF()).Linearized() {
		t.Error("plain file reported linearized")
	}
}
