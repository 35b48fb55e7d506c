package crypt

import (
	"bytes"
	"unicode/utf8"
)

// passwordCandidates returns the byte strings to try for a password given
// by a user. The password as given always comes first. Revisions 2-4 expect
// PDFDocEncoding, so a UTF-8 password with non-ASCII characters is also
// tried converted to it. Revisions 5 and 6 expect UTF-8 after SASLprep
// (RFC 4013), so a prepared form is tried too, and a password that is not
// UTF-8 at all is read as Latin-1.
func passwordCandidates(pw []byte, r int) [][]byte {
	c := [][]byte{pw}
	ascii := true
	for _, b := range pw {
		if b >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return c
	}
	var alt []byte
	switch {
	case r <= 4:
		if !utf8.Valid(pw) {
			return c
		}
		var ok bool
		if alt, ok = toPDFDoc(pw); !ok {
			return c
		}
	case utf8.Valid(pw):
		alt = saslPrep(pw)
	default:
		alt = saslPrep(latin1ToUTF8(pw))
	}
	if !bytes.Equal(alt, pw) {
		c = append(c, alt)
	}
	return c
}

// pdfDocHigh maps the PDFDocEncoding bytes that differ from Latin-1
// (ISO 32000-1, Annex D.2) to their Unicode code points.
var pdfDocHigh = map[rune]byte{
	0x02D8: 0x18, 0x02C7: 0x19, 0x02C6: 0x1A, 0x02D9: 0x1B,
	0x02DD: 0x1C, 0x02DB: 0x1D, 0x02DA: 0x1E, 0x02DC: 0x1F,
	0x2022: 0x80, 0x2020: 0x81, 0x2021: 0x82, 0x2026: 0x83,
	0x2014: 0x84, 0x2013: 0x85, 0x0192: 0x86, 0x2044: 0x87,
	0x2039: 0x88, 0x203A: 0x89, 0x2212: 0x8A, 0x2030: 0x8B,
	0x201E: 0x8C, 0x201C: 0x8D, 0x201D: 0x8E, 0x2018: 0x8F,
	0x2019: 0x90, 0x201A: 0x91, 0x2122: 0x92, 0xFB01: 0x93,
	0xFB02: 0x94, 0x0141: 0x95, 0x0152: 0x96, 0x0160: 0x97,
	0x0178: 0x98, 0x017D: 0x99, 0x0131: 0x9A, 0x0142: 0x9B,
	0x0153: 0x9C, 0x0161: 0x9D, 0x017E: 0x9E, 0x20AC: 0xA0,
}

// toPDFDoc converts UTF-8 to PDFDocEncoding; ok is false when a character
// has no PDFDocEncoding byte.
func toPDFDoc(s []byte) (out []byte, ok bool) {
	for _, r := range string(s) {
		switch b, found := pdfDocHigh[r]; {
		case found:
			out = append(out, b)
		case r < 0x80 || (r >= 0xA1 && r <= 0xFF):
			out = append(out, byte(r))
		default:
			return nil, false
		}
	}
	return out, true
}

func latin1ToUTF8(s []byte) []byte {
	out := make([]byte, 0, 2*len(s))
	for _, b := range s {
		out = utf8.AppendRune(out, rune(b))
	}
	return out
}

// saslPrep applies the mapping steps of SASLprep (RFC 4013, 2.1): the
// characters "commonly mapped to nothing" are removed and non-ASCII spaces
// become U+0020. Full NFKC normalisation needs Unicode tables the standard
// library does not have; only the compatibility characters a password is
// likely to contain are mapped (Latin-1 ordinals and superscripts, ligatures,
// full-width ASCII). Composed and decomposed accents are not unified.
func saslPrep(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range string(s) {
		switch {
		case mappedToNothing(r):
		case nonASCIISpace(r):
			out = append(out, ' ')
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
			out = append(out, byte(r-0xFF01+0x21))
		default:
			if m, ok := nfkcCompat[r]; ok {
				out = append(out, m...)
			} else {
				out = utf8.AppendRune(out, r)
			}
		}
	}
	return out
}

// mappedToNothing is RFC 3454, table B.1.
func mappedToNothing(r rune) bool {
	switch {
	case r == 0x00AD, r == 0x034F, r == 0x1806, r >= 0x180B && r <= 0x180D,
		r >= 0x200B && r <= 0x200D, r == 0x2060, r >= 0xFE00 && r <= 0xFE0F, r == 0xFEFF:
		return true
	}
	return false
}

// nonASCIISpace is RFC 3454, table C.1.2 (less U+200B, which B.1 removes).
func nonASCIISpace(r rune) bool {
	switch {
	case r == 0x00A0, r == 0x1680, r >= 0x2000 && r <= 0x200A, r == 0x202F, r == 0x205F, r == 0x3000:
		return true
	}
	return false
}

// nfkcCompat holds the NFKC mappings of the compatibility characters found
// on keyboards and in copied text.
var nfkcCompat = map[rune]string{
	0x00A8: " \u0308", 0x00AA: "a", 0x00AF: " \u0304", 0x00B2: "2",
	0x00B3: "3", 0x00B4: " \u0301", 0x00B5: "\u03BC", 0x00B8: " \u0327",
	0x00B9: "1", 0x00BA: "o", 0x00BC: "1\u20444", 0x00BD: "1\u20442",
	0x00BE: "3\u20444", 0x2122: "TM", 0x2026: "...",
	0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl",
	0xFB05: "st", 0xFB06: "st",
}
