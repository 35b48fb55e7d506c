package pdf

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"sort"
	"testing"
)

// testPDF writes small PDFs for tests: objects are written in the order of
// the calls and their offsets remembered for the cross-reference data.
type testPDF struct {
	buf     bytes.Buffer
	offsets map[int]int
}

// newTestPDF starts a file with a header (none when version is "").
func newTestPDF(version string) *testPDF {
	b := &testPDF{offsets: map[int]int{}}
	if version != "" {
		fmt.Fprintf(&b.buf, "%%PDF-%s\n%%\xe2\xe3\xcf\xd3\n", version)
	}
	return b
}

// obj writes "num 0 obj body endobj".
func (b *testPDF) obj(num int, body string) *testPDF {
	b.offsets[num] = b.buf.Len()
	fmt.Fprintf(&b.buf, "%d 0 obj\n%s\nendobj\n", num, body)
	return b
}

// stream writes a stream object; dict is the dictionary body without
// /Length, which is added.
func (b *testPDF) stream(num int, dict string, data []byte) *testPDF {
	b.offsets[num] = b.buf.Len()
	fmt.Fprintf(&b.buf, "%d 0 obj\n<< %s /Length %d >>\nstream\n", num, dict, len(data))
	b.buf.Write(data)
	b.buf.WriteString("\nendstream\nendobj\n")
	return b
}

// nums returns the object numbers written, ascending.
func (b *testPDF) nums() []int {
	var out []int
	for n := range b.offsets {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}

// xref writes one classic table (a subsection per run of numbers, plus
// object 0) and the trailer, and returns the file. extra goes into the
// trailer after /Size.
func (b *testPDF) xref(extra string) []byte {
	start := b.buf.Len()
	nums := b.nums()
	size := 1
	if len(nums) > 0 {
		size = nums[len(nums)-1] + 1
	}
	b.buf.WriteString("xref\n0 1\n0000000000 65535 f \n")
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		fmt.Fprintf(&b.buf, "%d %d\n", nums[i], j-i+1)
		for k := i; k <= j; k++ {
			fmt.Fprintf(&b.buf, "%010d 00000 n \n", b.offsets[nums[k]])
		}
		i = j + 1
	}
	fmt.Fprintf(&b.buf, "trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n", size, extra, start)
	return b.buf.Bytes()
}

// xrefStreamEntry is one row of an xref stream: type, field 2, field 3.
type xrefStreamEntry struct {
	num    int
	typ    int
	f2, f3 int
}

// xrefStream writes an xref stream object num (widths 1 4 2, rows sorted
// by number, /Index built from the runs) and returns the file. With flate
// set the rows are PNG-Up predicted and Flate compressed.
func (b *testPDF) xrefStream(num int, entries []xrefStreamEntry, extra string, flate bool) []byte {
	off := b.buf.Len()
	entries = append(entries, xrefStreamEntry{num: num, typ: 1, f2: off})
	for _, n := range b.nums() {
		found := false
		for _, e := range entries {
			found = found || e.num == n
		}
		if !found {
			entries = append(entries, xrefStreamEntry{num: n, typ: 1, f2: b.offsets[n]})
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].num < entries[j].num })
	var rows []byte
	var index []string
	for i := 0; i < len(entries); {
		j := i
		for j+1 < len(entries) && entries[j+1].num == entries[j].num+1 {
			j++
		}
		index = append(index, fmt.Sprintf("%d %d", entries[i].num, j-i+1))
		i = j + 1
	}
	for _, e := range entries {
		rows = append(rows, byte(e.typ), byte(e.f2>>24), byte(e.f2>>16), byte(e.f2>>8), byte(e.f2), byte(e.f3>>8), byte(e.f3))
	}
	dict := fmt.Sprintf("/Type /XRef /W [1 4 2] /Index [%s] /Size %d %s", joinStrings(index), entries[len(entries)-1].num+1, extra)
	data := rows
	if flate {
		data = pngUpFlate(rows, 7)
		dict += " /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 7 >>"
	}
	b.offsets[num] = off
	fmt.Fprintf(&b.buf, "%d 0 obj\n<< %s /Length %d >>\nstream\n", num, dict, len(data))
	b.buf.Write(data)
	fmt.Fprintf(&b.buf, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", off)
	return b.buf.Bytes()
}

func joinStrings(s []string) string {
	var b bytes.Buffer
	for i, x := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(x)
	}
	return b.String()
}

// pngUpFlate applies the PNG Up predictor to rows of the given width and
// compresses the result.
func pngUpFlate(data []byte, columns int) []byte {
	var pred []byte
	prev := make([]byte, columns)
	for i := 0; i+columns <= len(data); i += columns {
		row := data[i : i+columns]
		pred = append(pred, 2)
		for k := range row {
			pred = append(pred, row[k]-prev[k])
		}
		prev = row
	}
	return flateBytes(pred)
}

func flateBytes(data []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(data)
	w.Close()
	return buf.Bytes()
}

// objStmData builds the data of an object stream holding objs (number ->
// body) in the given order, and returns it with /First.
func objStmData(nums []int, bodies []string) ([]byte, int) {
	var head, body bytes.Buffer
	for i, n := range nums {
		fmt.Fprintf(&head, "%d %d ", n, body.Len())
		body.WriteString(bodies[i])
		body.WriteByte('\n')
	}
	return append(head.Bytes(), body.Bytes()...), head.Len()
}

// minimalPDF is a one-page document with a classic table.
func minimalPDF() []byte {
	b := newTestPDF("1.4")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	b.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>")
	b.obj(3, "<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>")
	b.stream(4, "", []byte("BT /F1 12 Tf (Hello) Tj ET"))
	return b.xref("/Root 1 0 R")
}

// mustOpen opens data with default options or fails the test.
func mustOpen(t *testing.T, data []byte) *Document {
	t.Helper()
	doc, err := Open(context.Background(), data, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return doc
}

// pageCount opens data and returns the number of pages.
func pageCount(t *testing.T, data []byte) (int, *Document) {
	t.Helper()
	doc := mustOpen(t, data)
	pages, err := doc.Pages()
	if err != nil {
		t.Fatalf("Pages: %v", err)
	}
	return len(pages), doc
}
