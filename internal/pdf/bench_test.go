package pdf

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
)

// BenchmarkCorpusOpenPages opens every file of the good corpus and walks
// its page tree: the metadata path of DESIGN.md decision 1.
func BenchmarkCorpusOpenPages(b *testing.B) {
	var files [][]byte
	for _, path := range corpusFiles(b, "good") {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, data)
	}
	ctx := context.Background()
	var opened, pages int
	for b.Loop() {
		for _, data := range files {
			doc, err := Open(ctx, data, Options{})
			if err != nil {
				continue
			}
			p, _ := doc.Pages()
			opened++
			pages += len(p)
		}
	}
	b.ReportMetric(float64(b.N*len(files))/b.Elapsed().Seconds(), "files/s")
	b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
	_ = opened
}

// BenchmarkCorpusContent also decodes every page's content streams (the
// text-layer scan's input).
func BenchmarkCorpusContent(b *testing.B) {
	var files [][]byte
	for _, path := range corpusFiles(b, "good") {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, data)
	}
	ctx := context.Background()
	var pages int
	for b.Loop() {
		for _, data := range files {
			_, p, _ := walkFile(ctx, data)
			pages += len(p)
		}
	}
	b.ReportMetric(float64(b.N*len(files))/b.Elapsed().Seconds(), "files/s")
	b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
}

// largeTreePDF is a document with n pages under one /Pages node.
func largeTreePDF(n int) []byte {
	b := newTestPDF("1.4")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	var kids strings.Builder
	for i := range n {
		fmt.Fprintf(&kids, "%d 0 R ", 10+i)
	}
	b.obj(2, "<< /Type /Pages /Kids ["+kids.String()+"] >>")
	for i := range n {
		b.obj(10+i, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>")
	}
	return b.xref("/Root 1 0 R")
}

// BenchmarkLargeTree walks a 20,000-page tree (pages/s), with the
// cross-reference table and rebuilt by scanning (MB/s of file scanned).
func BenchmarkLargeTree(b *testing.B) {
	data := largeTreePDF(20_000)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"table", data},
		{"rebuilt", bytes.Replace(data, []byte("startxref"), []byte("startxrex"), 1)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.data)))
			pages := 0
			for b.Loop() {
				doc, err := Open(context.Background(), tc.data, Options{})
				if err != nil {
					b.Fatal(err)
				}
				p, err := doc.Pages()
				if err != nil {
					b.Fatal(err)
				}
				pages += len(p)
			}
			b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}
