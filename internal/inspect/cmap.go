package inspect

import (
	"slices"
	"unicode"
	"unicode/utf16"
)

// This file parses CMaps: the codespace ranges of a Type0 font's encoding
// CMap and the bfchar/bfrange mappings of a ToUnicode CMap (ISO 32000-1,
// 9.7.5 and 9.10.3; Adobe Technical Note 5014). It reuses the content
// tokenizer: CMaps are PostScript, but the part we read has the same
// tokens.

// glyphClass says how one character code maps to Unicode: the kind in the
// low two bits, and the number of non-white-space characters it yields in
// the rest.
type glyphClass uint8

const (
	classUnmapped    = 0
	classUnicode     = 1
	classReplacement = 2
)

func makeClass(kind, chars int) glyphClass {
	return glyphClass(kind | min(chars, 63)<<2)
}

func (g glyphClass) kind() int  { return int(g & 3) }
func (g glyphClass) chars() int { return int(g >> 2) }

// unmappedClass is the class of a code with no Unicode mapping: like
// pdftotext, count it as one character unless the code itself is a
// white-space character.
func unmappedClass(code int) glyphClass {
	if unicode.IsSpace(rune(code)) {
		return makeClass(classUnmapped, 0)
	}
	return makeClass(classUnmapped, 1)
}

// isControl reports the characters that count as replacement characters:
// U+FFFD and control characters other than white space.
func isControl(r rune) bool {
	return r == 0xFFFD || (r < 0x20 && !unicode.IsSpace(r)) || (r >= 0x7F && r < 0xA0 && r != 0x85)
}

// runeClass classifies a code that maps to r (0: no mapping).
func runeClass(r rune, code int) glyphClass {
	switch {
	case r == 0:
		return unmappedClass(code)
	case isControl(r):
		return makeClass(classReplacement, 1)
	case unicode.IsSpace(r):
		return makeClass(classUnicode, 0)
	}
	return makeClass(classUnicode, 1)
}

// stringClass classifies a code that maps to the UTF-16BE string dst.
func stringClass(dst []byte) glyphClass {
	if len(dst) == 1 {
		return runeClass(rune(dst[0]), 0)
	}
	var units [32]uint16
	n := 0
	for i := 0; i+1 < len(dst) && n < len(units); i += 2 {
		units[n] = uint16(dst[i])<<8 | uint16(dst[i+1])
		n++
	}
	if n == 0 {
		return makeClass(classUnmapped, 0) // maps to nothing
	}
	chars, bad := 0, false
	for _, r := range utf16.Decode(units[:n]) {
		switch {
		case isControl(r):
			bad = true
			chars++
		case !unicode.IsSpace(r):
			chars++
		}
	}
	if bad {
		return makeClass(classReplacement, chars)
	}
	return makeClass(classUnicode, chars)
}

// codespace is one codespace range: codes of n bytes whose bytes each lie
// between lo[i] and hi[i].
type codespace struct {
	n      int
	lo, hi [4]byte
}

func (c codespace) match(b []byte) bool {
	if len(b) < c.n {
		return false
	}
	for i := 0; i < c.n; i++ {
		if b[i] < c.lo[i] || b[i] > c.hi[i] {
			return false
		}
	}
	return true
}

// uniRange maps codes lo..hi to one class.
type uniRange struct {
	lo, hi uint32
	class  glyphClass
}

// cmap is what we keep of a parsed CMap.
type cmap struct {
	space   []codespace
	uni     []uniRange // sorted by lo, then by order of definition
	useCMap string
}

// Bounds on CMap parsing.
const (
	maxCMapBytes  = 8 << 20
	maxCMapRanges = 1 << 18
	maxRangeSplit = 1 << 16 // codes of one bfrange classified one by one
)

// parseCMap reads codespace ranges, usecmap and bfchar/bfrange mappings.
func parseCMap(data []byte) *cmap {
	if len(data) > maxCMapBytes {
		data = data[:maxCMapBytes]
	}
	c := &cmap{}
	p := parser{data: data, maxStack: 3 * maxCMapRanges}
	order := 0
	type entry struct {
		r     uniRange
		order int
	}
	var entries []entry
	add := func(lo, hi uint32, g glyphClass) {
		if len(entries) < maxCMapRanges {
			entries = append(entries, entry{uniRange{lo, hi, g}, order})
			order++
		}
	}
	for {
		op := p.next()
		if op == nil {
			break
		}
		st := p.stack
		switch string(op) {
		case "endcodespacerange":
			for i := 0; i+1 < len(st); i += 2 {
				lo, hi := p.bytesOf(st[i]), p.bytesOf(st[i+1])
				if st[i].kind != kindString || st[i+1].kind != kindString ||
					len(lo) != len(hi) || len(lo) == 0 || len(lo) > 4 {
					continue
				}
				cs := codespace{n: len(lo)}
				copy(cs.lo[:], lo)
				copy(cs.hi[:], hi)
				c.space = append(c.space, cs)
			}
		case "endbfchar":
			for i := 0; i+1 < len(st); i += 2 {
				if st[i].kind != kindString {
					continue
				}
				code := codeOf(p.bytesOf(st[i]))
				switch st[i+1].kind {
				case kindString:
					add(code, code, stringClass(p.bytesOf(st[i+1])))
				case kindName: // a glyph name, allowed by some writers
					add(code, code, glyphNameClass(string(p.bytesOf(st[i+1])), int(code)))
				}
			}
		case "endbfrange":
			for i := 0; i+2 < len(st); {
				if st[i].kind != kindString || st[i+1].kind != kindString {
					i++
					continue
				}
				lo, hi := codeOf(p.bytesOf(st[i])), codeOf(p.bytesOf(st[i+1]))
				if st[i+2].kind == kindArrayOpen {
					j := i + 3
					for code := lo; j < len(st) && st[j].kind != kindArrayClose; j++ {
						if st[j].kind == kindString && code <= hi {
							add(code, code, stringClass(p.bytesOf(st[j])))
						}
						code++
					}
					i = j + 1
					continue
				}
				if st[i+2].kind == kindString && hi >= lo {
					rangeClasses(lo, hi, p.bytesOf(st[i+2]), add)
				}
				i += 3
			}
		case "usecmap":
			if n := len(st); n > 0 && st[n-1].kind == kindName {
				c.useCMap = string(p.bytesOf(st[n-1]))
			}
		}
		p.reset()
	}
	// Sort by lo; among equal starts the later definition sorts last,
	// where lookup looks first.
	slices.SortFunc(entries, func(a, b entry) int {
		if a.r.lo != b.r.lo {
			if a.r.lo < b.r.lo {
				return -1
			}
			return 1
		}
		return a.order - b.order
	})
	c.uni = make([]uniRange, len(entries))
	for i, e := range entries {
		c.uni[i] = e.r
	}
	return c
}

// rangeClasses classifies the codes lo..hi of a bfrange whose first code
// maps to dst; the last UTF-16 unit of dst increases with the code. Runs
// of codes with the same class become one range.
func rangeClasses(lo, hi uint32, dst []byte, add func(lo, hi uint32, g glyphClass)) {
	if len(dst) != 2 || hi-lo >= maxRangeSplit {
		add(lo, hi, stringClass(dst))
		return
	}
	base := rune(dst[0])<<8 | rune(dst[1])
	start := lo
	prev := runeClass(base, 0)
	for code := lo + 1; code <= hi && code > lo; code++ {
		g := runeClass(base+rune(code-lo), 0)
		if g != prev {
			add(start, code-1, prev)
			start, prev = code, g
		}
	}
	add(start, hi, prev)
}

// codeOf reads a big-endian character code of up to 4 bytes.
func codeOf(b []byte) uint32 {
	var v uint32
	for i, c := range b {
		if i == 4 {
			break
		}
		v = v<<8 | uint32(c)
	}
	return v
}

// lookup returns the class of code and whether the CMap maps it.
func (c *cmap) lookup(code uint32) (glyphClass, bool) {
	// Last range with lo <= code.
	i, _ := slices.BinarySearchFunc(c.uni, code, func(r uniRange, code uint32) int {
		if r.lo <= code {
			return -1
		}
		return 1
	})
	for j := i - 1; j >= 0 && j >= i-4; j-- {
		if r := c.uni[j]; r.lo <= code && code <= r.hi {
			return r.class, true
		}
	}
	return 0, false
}
