package inspect

import (
	"context"
	"testing"

	"dataplus/internal/pdf"
)

// memDoc is an object store built in memory, standing in for
// *pdf.Document in tests of the scanner and the font code.
type memDoc struct {
	objs map[pdf.Ref]pdf.Object
	data map[pdf.Ref][]byte
	next uint32
}

func newMemDoc() *memDoc {
	return &memDoc{objs: make(map[pdf.Ref]pdf.Object), data: make(map[pdf.Ref][]byte), next: 1}
}

func (m *memDoc) Resolve(o pdf.Object) (pdf.Object, error) {
	for range 32 {
		r, ok := o.(pdf.Ref)
		if !ok {
			return o, nil
		}
		o = m.objs[r]
	}
	return nil, nil
}

func (m *memDoc) StreamData(s *pdf.Stream) ([]byte, error) { return m.data[s.Ref], nil }

func (m *memDoc) StreamPrefix(s *pdf.Stream, n int64) ([]byte, error) {
	d := m.data[s.Ref]
	return d[:min(int64(len(d)), n)], nil
}

// add stores o as a new indirect object and returns its reference.
func (m *memDoc) add(o pdf.Object) pdf.Ref {
	r := pdf.Ref{Num: m.next}
	m.next++
	m.objs[r] = o
	return r
}

// stream stores a stream with the given dictionary and decoded data.
func (m *memDoc) stream(d pdf.Dict, data string) pdf.Ref {
	r := pdf.Ref{Num: m.next}
	m.next++
	if d == nil {
		d = pdf.Dict{}
	}
	m.objs[r] = &pdf.Stream{Dict: d, Ref: r}
	m.data[r] = []byte(data)
	return r
}

// letter is a US Letter page box.
var letter = rect{0, 0, 612, 792}

// scan runs content with resources res on a Letter page.
func scan(t testing.TB, doc *memDoc, res pdf.Dict, content string) Page {
	t.Helper()
	return scanWith(doc, res, content, Options{}.withDefaults())
}

func scanWith(doc *memDoc, res pdf.Dict, content string, opt Options) Page {
	s := newScanner(context.Background(), doc, opt)
	var pg Page
	s.beginPage(&pg, letter, letter, res)
	s.run([]byte(content))
	s.endPage()
	return pg
}

// helvetica returns resources with /F1 a WinAnsi Helvetica.
func helvetica(doc *memDoc) pdf.Dict {
	f := doc.add(pdf.Dict{"Type": pdf.Name("Font"), "Subtype": pdf.Name("Type1"),
		"BaseFont": pdf.Name("Helvetica"), "Encoding": pdf.Name("WinAnsiEncoding")})
	return pdf.Dict{"Font": pdf.Dict{"F1": f}}
}
