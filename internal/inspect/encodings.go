package inspect

import (
	"strconv"
	"strings"
	"unicode"
)

// Simple-font encodings and PDFDocEncoding as code -> Unicode tables
// (ISO 32000-1, Annex D). 0 means the code is undefined.

// asciiPrintable fills 0x20..0x7E with themselves.
func asciiPrintable() (t [256]rune) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = rune(c)
	}
	return t
}

var standardEncoding = func() [256]rune {
	t := asciiPrintable()
	t['\''] = 0x2019 // quoteright
	t['`'] = 0x2018  // quoteleft
	high := map[int]rune{
		0241: 0xA1, 0242: 0xA2, 0243: 0xA3, 0244: 0x2044, 0245: 0xA5, 0246: 0x192, 0247: 0xA7,
		0250: 0xA4, 0251: 0x27, 0252: 0x201C, 0253: 0xAB, 0254: 0x2039, 0255: 0x203A, 0256: 0xFB01,
		0257: 0xFB02, 0261: 0x2013, 0262: 0x2020, 0263: 0x2021, 0264: 0xB7, 0266: 0xB6, 0267: 0x2022,
		0270: 0x201A, 0271: 0x201E, 0272: 0x201D, 0273: 0xBB, 0274: 0x2026, 0275: 0x2030, 0277: 0xBF,
		0301: 0x60, 0302: 0xB4, 0303: 0x2C6, 0304: 0x2DC, 0305: 0xAF, 0306: 0x2D8, 0307: 0x2D9,
		0310: 0xA8, 0312: 0x2DA, 0313: 0xB8, 0315: 0x2DD, 0316: 0x2DB, 0317: 0x2C7, 0320: 0x2014,
		0341: 0xC6, 0343: 0xAA, 0350: 0x141, 0351: 0xD8, 0352: 0x152, 0353: 0xBA, 0361: 0xE6,
		0365: 0x131, 0370: 0x142, 0371: 0xF8, 0372: 0x153, 0373: 0xDF,
	}
	for c, r := range high {
		t[c] = r
	}
	return t
}()

// cp1252 is 0x80..0x9F of WinAnsiEncoding; its unused codes show a bullet
// (Annex D, note 6), as do 0x7F.
var cp1252 = [32]rune{
	0x20AC, 0x2022, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x2022, 0x017D, 0x2022,
	0x2022, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x2022, 0x017E, 0x0178,
}

var winAnsiEncoding = func() [256]rune {
	t := asciiPrintable()
	t[0x7f] = 0x2022
	for i, r := range cp1252 {
		t[0x80+i] = r
	}
	for c := 0xA0; c < 0x100; c++ {
		t[c] = rune(c)
	}
	return t
}()

var macRoman = [128]rune{
	0xC4, 0xC5, 0xC7, 0xC9, 0xD1, 0xD6, 0xDC, 0xE1, 0xE0, 0xE2, 0xE4, 0xE3, 0xE5, 0xE7, 0xE9, 0xE8,
	0xEA, 0xEB, 0xED, 0xEC, 0xEE, 0xEF, 0xF1, 0xF3, 0xF2, 0xF4, 0xF6, 0xF5, 0xFA, 0xF9, 0xFB, 0xFC,
	0x2020, 0xB0, 0xA2, 0xA3, 0xA7, 0x2022, 0xB6, 0xDF, 0xAE, 0xA9, 0x2122, 0xB4, 0xA8, 0x2260, 0xC6, 0xD8,
	0x221E, 0xB1, 0x2264, 0x2265, 0xA5, 0xB5, 0x2202, 0x2211, 0x220F, 0x3C0, 0x222B, 0xAA, 0xBA, 0x3A9, 0xE6, 0xF8,
	0xBF, 0xA1, 0xAC, 0x221A, 0x192, 0x2248, 0x2206, 0xAB, 0xBB, 0x2026, 0xA0, 0xC0, 0xC3, 0xD5, 0x152, 0x153,
	0x2013, 0x2014, 0x201C, 0x201D, 0x2018, 0x2019, 0xF7, 0x25CA, 0xFF, 0x178, 0x2044, 0xA4, 0x2039, 0x203A, 0xFB01, 0xFB02,
	0x2021, 0xB7, 0x201A, 0x201E, 0x2030, 0xC2, 0xCA, 0xC1, 0xCB, 0xC8, 0xCD, 0xCE, 0xCF, 0xCC, 0xD3, 0xD4,
	0xF8FF, 0xD2, 0xDA, 0xDB, 0xD9, 0x131, 0x2C6, 0x2DC, 0xAF, 0x2D8, 0x2D9, 0x2DA, 0xB8, 0x2DD, 0x2DB, 0x2C7,
}

var macRomanEncoding = func() [256]rune {
	t := asciiPrintable()
	for i, r := range macRoman {
		t[0x80+i] = r
	}
	return t
}()

// pdfDocEncoding is PDFDocEncoding (Annex D.2), used for text strings.
// 0x7F, 0x9F and 0xAD are undefined.
var pdfDocEncoding = func() [256]rune {
	var t [256]rune
	for c := range 256 {
		t[c] = rune(c)
	}
	for i, r := range []rune{0x02D8, 0x02C7, 0x02C6, 0x02D9, 0x02DD, 0x02DB, 0x02DA, 0x02DC} {
		t[0x18+i] = r
	}
	for i, r := range []rune{
		0x2022, 0x2020, 0x2021, 0x2026, 0x2014, 0x2013, 0x0192, 0x2044, 0x2039, 0x203A, 0x2212, 0x2030, 0x201E, 0x201C, 0x201D, 0x2018,
		0x2019, 0x201A, 0x2122, 0xFB01, 0xFB02, 0x0141, 0x0152, 0x0160, 0x0178, 0x017D, 0x0131, 0x0142, 0x0153, 0x0161, 0x017E, 0,
		0x20AC,
	} {
		t[0x80+i] = r
	}
	t[0x7F], t[0xAD] = 0, 0
	return t
}()

// symbolDefined reports the codes the built-in encodings of the Symbol and
// ZapfDingbats standard fonts define: printable ASCII and most of
// 0xA1..0xFE (and 0x80..0x8D for ZapfDingbats).
func symbolDefined(c int, dingbats bool) bool {
	switch {
	case c >= 0x20 && c <= 0x7E:
		return true
	case dingbats && c >= 0x80 && c <= 0x8D:
		return true
	case c >= 0xA1 && c <= 0xFE:
		return c != 0xF0
	case c == 0xA0:
		return !dingbats // Euro in Symbol
	}
	return false
}

// glyphRune maps a glyph name to Unicode the way the Adobe Glyph List
// specification does: drop a suffix after '.', then look the name up, or
// read uniXXXX and uXXXX[XX]. Ligature names joined by '_' map to their
// first component here; their character count comes from glyphNameClass.
// It returns 0 for names it does not know (gNN, cidNN, glyphNN, ...).
func glyphRune(name string) rune {
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	if r, ok := glyphNames[name]; ok {
		return r
	}
	switch {
	case len(name) >= 7 && strings.HasPrefix(name, "uni"):
		if v, err := strconv.ParseUint(name[3:7], 16, 32); err == nil {
			return validRune(rune(v))
		}
	case len(name) >= 5 && len(name) <= 7 && name[0] == 'u':
		if v, err := strconv.ParseUint(name[1:], 16, 32); err == nil {
			return validRune(rune(v))
		}
	}
	return 0
}

func validRune(r rune) rune {
	if r <= 0 || r > unicode.MaxRune || (r >= 0xD800 && r <= 0xDFFF) {
		return 0
	}
	return r
}

// glyphNameClass classifies a glyph name: a known name (or ligature of
// known names) maps to Unicode, anything else is unmapped. An unknown name
// still yields one character whatever the code: poppler turns names like
// g135 into U+0087 and pdftotext prints them.
func glyphNameClass(name string, code int) glyphClass {
	g := knownNameClass(name, code)
	if g.kind() == classUnmapped {
		return makeClass(classUnmapped, 1)
	}
	return g
}

func knownNameClass(name string, code int) glyphClass {
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	if strings.IndexByte(name, '_') > 0 {
		chars := 0
		for part := range strings.SplitSeq(name, "_") {
			r := glyphRune(part)
			if r == 0 {
				return unmappedClass(code)
			}
			if !unicode.IsSpace(r) {
				chars++
			}
		}
		return makeClass(classUnicode, chars)
	}
	return runeClass(glyphRune(name), code)
}
