package testpdf

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode/utf16"
)

// Content builds a page or form content stream, one operator per line.
type Content struct {
	buf bytes.Buffer
}

// Op appends one line of raw content-stream syntax.
func (c *Content) Op(format string, args ...any) {
	fmt.Fprintf(&c.buf, format, args...)
	c.buf.WriteByte('\n')
}

// Bytes returns the content stream.
func (c *Content) Bytes() []byte { return c.buf.Bytes() }

// TextLines shows lines of WinAnsi text with font resource font, starting
// at (x, y) and moving down by leading. Render mode 0 (fill).
func (c *Content) TextLines(font string, size, x, y, leading float64, lines []string) {
	c.textLines(font, size, x, y, leading, lines, 0)
}

// InvisibleTextLines is TextLines in render mode 3 (neither fill nor stroke):
// what OCR software lays over a scanned image.
func (c *Content) InvisibleTextLines(font string, size, x, y, leading float64, lines []string) {
	c.textLines(font, size, x, y, leading, lines, 3)
}

func (c *Content) textLines(font string, size, x, y, leading float64, lines []string, mode int) {
	c.Op("BT")
	c.Op("/%s %s Tf", font, formatReal(size))
	if mode != 0 {
		c.Op("%d Tr", mode)
	}
	c.Op("%s TL", formatReal(leading))
	c.Op("%s %s Td", formatReal(x), formatReal(y))
	for i, l := range lines {
		var b bytes.Buffer
		appendLiteral(&b, winAnsi(l))
		if i == 0 {
			c.Op("%s Tj", b.String())
		} else {
			c.Op("%s '", b.String()) // ' = T* then Tj: exercises another show operator
		}
	}
	c.Op("ET")
}

// DrawXObject paints XObject name scaled to w x h at (x, y): for an image,
// the unit square maps to that rectangle.
func (c *Content) DrawXObject(name string, x, y, w, h float64) {
	c.Op("q")
	c.Op("%s 0 0 %s %s %s cm", formatReal(w), formatReal(h), formatReal(x), formatReal(y))
	c.Op("/%s Do", name)
	c.Op("Q")
}

// winAnsi encodes s in WinAnsiEncoding. Characters outside it are a bug in
// the fixture, so they panic instead of being replaced.
func winAnsi(s string) []byte {
	special := map[rune]byte{
		'€': 0x80, '‚': 0x82, '„': 0x84, '…': 0x85, '‘': 0x91, '’': 0x92,
		'“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '™': 0x99,
	}
	var out []byte
	for _, r := range s {
		switch {
		case r >= 0x20 && r < 0x7f, r >= 0xa0 && r <= 0xff:
			out = append(out, byte(r))
		case special[r] != 0:
			out = append(out, special[r])
		default:
			panic(fmt.Sprintf("testpdf: %q not in WinAnsiEncoding", r))
		}
	}
	return out
}

// pdfDoc encodes s in PDFDocEncoding (ISO 32000-1 Annex D): Latin-1 for
// the printable range, plus a few of the 0x80..0xA0 specials.
func pdfDoc(s string) Str {
	special := map[rune]byte{'•': 0x80, '…': 0x83, '—': 0x84, '–': 0x85, '€': 0xa0}
	var out []byte
	for _, r := range s {
		switch {
		case r >= 0x20 && r < 0x7f, r >= 0xa1 && r <= 0xff && r != 0xad:
			out = append(out, byte(r))
		case special[r] != 0:
			out = append(out, special[r])
		default:
			panic(fmt.Sprintf("testpdf: %q not in PDFDocEncoding", r))
		}
	}
	return Str(out)
}

// utf16BE encodes s as a PDF text string in UTF-16BE with byte order mark.
func utf16BE(s string) Str {
	out := []byte{0xfe, 0xff}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u>>8), byte(u))
	}
	return Str(out)
}

// words is the vocabulary of the generated body text: plain English words so
// that pdftotext output is easy to eyeball.
var words = strings.Fields(`the of and to in report data page review quarterly results
market growth revenue table figure summary analysis customer service document
archive scanned text number value total account period budget forecast cost
office policy update project schedule team meeting notes section chapter`)

// bodyLines returns n lines of about width characters of deterministic text.
func bodyLines(seed uint64, n, width int) []string {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	lines := make([]string, n)
	for i := range lines {
		var b strings.Builder
		for b.Len() < width {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[r.IntN(len(words))])
		}
		lines[i] = b.String()
	}
	return lines
}

// textPage returns a Letter page's content: a heading and a body of
// deterministic text in font F1 (Helvetica, WinAnsi) — enough characters
// (about 2,000) that any router calls it a text page.
func textPage(seed uint64, heading string) []byte {
	var c Content
	c.TextLines("F1", 18, 72, 720, 22, []string{heading})
	c.TextLines("F1", 11, 72, 690, 14, bodyLines(seed, 30, 70))
	return c.Bytes()
}

// helvetica is the standard-14 font dictionary used by text fixtures.
func helvetica() Dict {
	return Dict{
		"Type":     Name("Font"),
		"Subtype":  Name("Type1"),
		"BaseFont": Name("Helvetica"),
		"Encoding": Name("WinAnsiEncoding"),
	}
}
