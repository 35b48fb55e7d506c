package testpdf

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// The writer's object model. It is deliberately separate from internal/pdf's
// reader types: the generator must not depend on the code it is meant to test.
//
// A value is one of:
//
//	nil                 null
//	bool                true / false
//	int, int64          integer
//	float64             real (written without exponent)
//	Name                /Name
//	Str                 literal string (...)
//	Hex                 hex string <...>
//	Array               [ ... ]
//	Dict                << ... >>
//	Ref                 N G R
//	Raw                 bytes written verbatim (for deliberately odd syntax)
//
// *Stream is allowed only as the top-level value of an indirect object.

// Name is a PDF name without the leading slash.
type Name string

// Str is a literal string; the bytes are written escaped between parentheses.
type Str []byte

// Hex is a string written in hexadecimal form.
type Hex []byte

// Array is a PDF array.
type Array []any

// Dict is a PDF dictionary. Keys are written in sorted order (with /Type
// first) so that output does not depend on Go's map iteration order.
type Dict map[Name]any

// Ref is an indirect reference.
type Ref struct{ Num, Gen int }

// Raw is written as-is. It is never encrypted; use it only for syntax the
// typed values cannot express (deep nesting, broken tokens).
type Raw string

// Stream is a stream object. Data holds the bytes exactly as they go between
// "stream" and "endstream" (already filtered, not yet encrypted). /Length is
// set by the writer.
type Stream struct {
	Dict Dict
	Data []byte
}

// stringCrypter encrypts the strings of one indirect object. nil means
// "write strings as they are" (no encryption, or objects inside an object
// stream, whose strings are covered by the stream's encryption).
type stringCrypter func(b []byte) []byte

// appendValue serialises v. enc, when non-nil, is applied to every string.
func appendValue(buf *bytes.Buffer, v any, enc stringCrypter) {
	switch x := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		if x {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
	case int:
		buf.WriteString(strconv.Itoa(x))
	case int64:
		buf.WriteString(strconv.FormatInt(x, 10))
	case float64:
		buf.WriteString(formatReal(x))
	case Name:
		appendName(buf, x)
	case Str:
		b := []byte(x)
		if enc != nil {
			b = enc(b)
		}
		appendLiteral(buf, b)
	case Hex:
		b := []byte(x)
		if enc != nil {
			b = enc(b)
		}
		fmt.Fprintf(buf, "<%X>", b)
	case Array:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(' ')
			}
			appendValue(buf, e, enc)
		}
		buf.WriteByte(']')
	case Dict:
		buf.WriteString("<<")
		for _, k := range sortedKeys(x) {
			buf.WriteByte(' ')
			appendName(buf, k)
			buf.WriteByte(' ')
			appendValue(buf, x[k], enc)
		}
		buf.WriteString(" >>")
	case Ref:
		fmt.Fprintf(buf, "%d %d R", x.Num, x.Gen)
	case Raw:
		buf.WriteString(string(x))
	default:
		// A programming error in a fixture: fail loudly rather than
		// produce a file that silently differs from what was meant.
		panic(fmt.Sprintf("testpdf: cannot serialise %T", v))
	}
}

// sortedKeys returns the keys of d in writing order: /Type first, then the
// rest sorted, so that files read naturally and are reproducible.
func sortedKeys(d Dict) []Name {
	keys := make([]Name, 0, len(d))
	for k := range d {
		if k != "Type" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if _, ok := d["Type"]; ok {
		keys = append([]Name{"Type"}, keys...)
	}
	return keys
}

// formatReal writes a real without exponent: PDF has no exponent syntax.
func formatReal(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		panic("testpdf: NaN or Inf real")
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// appendName writes /Name, escaping as #xx every byte outside the regular
// printable range plus delimiters and '#'.
func appendName(buf *bytes.Buffer, n Name) {
	buf.WriteByte('/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < 0x21 || c > 0x7e || c == '#' || isDelimiter(c) {
			fmt.Fprintf(buf, "#%02X", c)
			continue
		}
		buf.WriteByte(c)
	}
}

func isDelimiter(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// appendLiteral writes (...) escaping backslash, parentheses and the
// end-of-line bytes: an unescaped CR inside a literal string is read back as
// LF, which would corrupt encrypted or binary strings.
func appendLiteral(buf *bytes.Buffer, b []byte) {
	buf.WriteByte('(')
	for _, c := range b {
		switch c {
		case '\\', '(', ')':
			buf.WriteByte('\\')
			buf.WriteByte(c)
		case '\r':
			buf.WriteString(`\r`)
		case '\n':
			buf.WriteString(`\n`)
		default:
			buf.WriteByte(c)
		}
	}
	buf.WriteByte(')')
}

// Rect is a convenience for [llx lly urx ury] arrays.
func Rect(llx, lly, urx, ury float64) Array {
	return Array{num(llx), num(lly), num(urx), num(ury)}
}

// num writes integral values as integers (the common form in real files).
func num(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return int64(f)
	}
	return f
}
