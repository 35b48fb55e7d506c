package features

import (
	"fmt"
	"os"
	"testing"
)

// benchText is a 3,000-character page of prose.
func benchText(b *testing.B) string {
	data, err := os.ReadFile("testdata/page.txt")
	if err != nil {
		b.Fatal(err)
	}
	return string(data[:3000])
}

// benchCorpus cuts the page into n overlapping documents for fitting.
func benchCorpus(text string, n int) []string {
	docs := make([]string, n)
	for i := range docs {
		start := (i * 37) % (len(text) - 600)
		docs[i] = text[start:start+600] + fmt.Sprintf(" document %d", i)
	}
	return docs
}

func BenchmarkTextVector(b *testing.B) {
	text := benchText(b)
	lsa, err := FitText(benchCorpus(text, 300), TextFitOptions{LSADim: 128})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		m    *TextModel
	}{{"hashed", nil}, {"lsa128", lsa}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				bc.m.Vector(text)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}

func BenchmarkLayout(b *testing.B) {
	p := testPage(0, 0).Prob
	big := page(480, 640) // the detector's map of a portrait page
	for i := range 40 {
		big.box(40, 40+i*14, 220, 48+i*14, 0.9)
		big.box(260, 40+i*14, 440, 48+i*14, 0.9)
	}
	for _, bc := range []struct {
		name string
		p    ProbMap
	}{{"60x80", *p}, {"480x640", big}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				Layout(bc.p)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}

// BenchmarkPage fuses a page as the pipeline does with the detector: a
// pooled visual vector, a 480×640 map and a 3,000-character text.
func BenchmarkPage(b *testing.B) {
	text := benchText(b)
	f := Fuser{VisualDim: 2048, Detector: true}
	in := testPage(2048, 1)
	big := page(480, 640)
	for i := range 40 {
		big.box(40, 40+i*14, 440, 48+i*14, 0.9)
	}
	in.Prob, in.Text = &big, text
	for b.Loop() {
		if _, err := f.Page(in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}

// BenchmarkDocument pools 10 page vectors and a metadata vector.
func BenchmarkDocument(b *testing.B) {
	f := Fuser{VisualDim: 2048, Detector: true}
	var pages [][]float32
	for i := range 10 {
		v, err := f.Page(testPage(2048, float32(i)))
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, v)
	}
	meta := Meta(nil, nil, nil)
	meta[0] = 1
	for b.Loop() {
		if _, err := f.Document(pages, meta); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}

// BenchmarkFitText fits IDF and a 128-component LSA on 1,000 pages.
func BenchmarkFitText(b *testing.B) {
	docs := benchCorpus(benchText(b), 1000)
	for b.Loop() {
		if _, err := FitText(docs, TextFitOptions{LSADim: 128}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(docs)*b.N)/b.Elapsed().Seconds(), "docs/s")
}
