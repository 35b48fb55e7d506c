package inspect

import (
	"bytes"
	"slices"
	"strings"
	"unicode/utf8"

	"dataplus/internal/pdf"
)

// This file decides, per font dictionary, how the bytes of a shown string
// split into character codes and whether each code maps to Unicode. The
// rules follow what pdftotext (poppler) does, because our reference labels
// come from it: ToUnicode first, then the font's encoding and glyph names,
// then the character collection of a CID font.

// showCounts are the counts for one shown string, and its advance: the
// sum of glyph widths (text space units at font size 1) and the number of
// single-byte space codes, to which word spacing applies.
type showCounts struct {
	glyphs, unicode, unmapped, replacement, chars int
	advance                                       float64
	spaces                                        int
}

// fontInfo is one font dictionary: its listing in Metadata.Fonts and,
// once prepare has run, its decoding tables.
type fontInfo struct {
	meta     Font
	dict     pdf.Dict
	prepared bool

	// Simple fonts: the class and the width of each one-byte code.
	simple [256]glyphClass
	widths [256]float32

	// Type0 fonts.
	cid        bool
	codeLen    [256]uint8  // code length by first byte; 0: match space
	space      []codespace // codespace ranges, for ambiguous first bytes
	toUnicode  *cmap       // the ToUnicode CMap, if any
	codeIsUni  bool        // UCS2/UTF16/UTF32 CMaps, or an Identity ToUnicode name
	utf8Codes  bool        // UTF8 CMaps
	collection bool        // CIDs of a collection that maps to Unicode
	identity   bool        // code == CID (Identity-H/V)
	cidWidths  []widthRange
	dw         float32 // default CID width
}

// widthRange gives CIDs lo..hi one width.
type widthRange struct {
	lo, hi uint32
	w      float32
}

// defaultWidth is the advance assumed where a font says nothing, in text
// space units at size 1.
const defaultWidth = 0.5

// count adds the glyphs of str shown with font f. A nil font (none set,
// or the resource is missing) counts glyphs as unmapped bytes that yield
// no text: pdftotext shows nothing without a font.
func (f *fontInfo) count(str []byte, c *showCounts) {
	if f == nil {
		c.glyphs += len(str)
		c.unmapped += len(str)
		c.advance += float64(len(str)) * defaultWidth
		return
	}
	var kinds [4]int
	chars := 0
	if !f.cid {
		var adv float32
		for _, b := range str {
			g := f.simple[b]
			kinds[g&3]++
			chars += int(g >> 2)
			adv += f.widths[b]
			if b == ' ' {
				c.spaces++
			}
		}
		c.glyphs += len(str)
		c.advance += float64(adv)
	} else {
		for i := 0; i < len(str); {
			n := int(f.codeLen[str[i]])
			if n == 0 {
				n = f.matchCode(str[i:])
			}
			n = min(n, len(str)-i)
			var code uint32
			for _, b := range str[i : i+n] {
				code = code<<8 | uint32(b)
			}
			i += n
			g := f.cidClass(code)
			kinds[g&3]++
			chars += int(g >> 2)
			c.glyphs++
			c.advance += float64(f.cidWidth(code))
			if n == 1 && code == ' ' {
				c.spaces++
			}
		}
	}
	c.unmapped += kinds[classUnmapped]
	c.unicode += kinds[classUnicode]
	c.replacement += kinds[classReplacement]
	c.chars += chars
}

// matchCode returns the length of the code at the start of b by the
// codespace ranges (ISO 32000-1, 9.7.6.2): the shortest matching range,
// else the shortest range whose first byte matches, else 1.
func (f *fontInfo) matchCode(b []byte) int {
	for n := 1; n <= 4; n++ {
		for _, cs := range f.space {
			if cs.n == n && cs.match(b) {
				return n
			}
		}
	}
	best := 0
	for _, cs := range f.space {
		if b[0] >= cs.lo[0] && b[0] <= cs.hi[0] && (best == 0 || cs.n < best) {
			best = cs.n
		}
	}
	return max(best, 1)
}

// cidClass classifies one code of a Type0 font. With a ToUnicode CMap,
// codes it does not map yield nothing, as in poppler; without one, the
// collection decides.
func (f *fontInfo) cidClass(code uint32) glyphClass {
	switch {
	case f.toUnicode != nil:
		if g, ok := f.toUnicode.lookup(code); ok {
			return g
		}
		return makeClass(classUnmapped, 0)
	case f.codeIsUni:
		return runeClass(validRune(rune(code)), int(code))
	case f.utf8Codes:
		var b [4]byte
		n := 0
		for v := code; v != 0 && n < 4; v >>= 8 {
			n++
		}
		for i := 0; i < n; i++ {
			b[n-1-i] = byte(code >> (8 * i))
		}
		r, _ := utf8.DecodeRune(b[:max(n, 1)])
		if r == utf8.RuneError {
			r = 0
		}
		return runeClass(r, int(code))
	case f.collection:
		// CID 1 is the space in the Adobe CJK collections; through a
		// CMap, ASCII and ideographic spaces are the usual space codes.
		if (f.identity && code == 1) || (!f.identity && (code == 0x20 || code == 0x3000 || code == 0x2121 || code == 0xA1A1 || code == 0x8140)) {
			return makeClass(classUnicode, 0)
		}
		return makeClass(classUnicode, 1)
	}
	return unmappedClass(int(code))
}

// cidWidth returns the width of a code of a Type0 font. Codes are CIDs
// only for Identity CMaps; otherwise the default width stands in.
func (f *fontInfo) cidWidth(code uint32) float32 {
	if !f.identity || len(f.cidWidths) == 0 {
		return f.dw
	}
	i, _ := slices.BinarySearchFunc(f.cidWidths, code, func(r widthRange, code uint32) int {
		if r.hi < code {
			return -1
		}
		if r.lo > code {
			return 1
		}
		return 0
	})
	if i < len(f.cidWidths) && f.cidWidths[i].lo <= code && code <= f.cidWidths[i].hi {
		return f.cidWidths[i].w
	}
	return f.dw
}

// fontCache holds the fonts of one document, by reference.
type fontCache struct {
	doc       objects
	byRef     map[pdf.Ref]*fontInfo
	byKey     map[string]*fontInfo // direct font dictionaries, by type and name
	fontDicts map[pdf.Ref]bool     // /Font resource dictionaries already listed
	list      []*fontInfo          // distinct fonts, in order of first sight
}

// maxFontsListed bounds Metadata.Fonts.
const maxFontsListed = 10_000

func newFontCache(doc objects) *fontCache {
	return &fontCache{
		doc:       doc,
		byRef:     make(map[pdf.Ref]*fontInfo),
		byKey:     make(map[string]*fontInfo),
		fontDicts: make(map[pdf.Ref]bool),
	}
}

// fonts returns the font list for Metadata.Fonts.
func (c *fontCache) fonts() []Font {
	out := make([]Font, 0, len(c.list))
	for _, f := range c.list {
		out = append(out, f.meta)
	}
	return out
}

// register lists every font of a /Font resource dictionary (o is the
// entry as found, fonts its resolved value), as pdffonts does.
func (c *fontCache) register(o pdf.Object, fonts pdf.Dict) {
	if len(fonts) == 0 {
		return
	}
	if r, ok := refOf(o); ok {
		if c.fontDicts[r] {
			return
		}
		c.fontDicts[r] = true
	}
	names := make([]pdf.Name, 0, len(fonts))
	for k := range fonts {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		c.get(fonts[k])
	}
}

// get returns the font for a font resource entry, or nil if it is not a
// dictionary. Decoding tables are built later, by prepare.
func (c *fontCache) get(o pdf.Object) *fontInfo {
	r, isRef := refOf(o)
	if isRef {
		if f, ok := c.byRef[r]; ok {
			return f
		}
	}
	f := c.load(dictOf(c.doc, o))
	if isRef {
		c.byRef[r] = f
	} else if f != nil {
		key := f.meta.Type + "/" + f.meta.Name
		if old, ok := c.byKey[key]; ok {
			return old
		}
		c.byKey[key] = f
	}
	if f != nil && len(c.list) < maxFontsListed {
		c.list = append(c.list, f)
	}
	return f
}

// load reads what Metadata.Fonts reports about a font dictionary.
func (c *fontCache) load(d pdf.Dict) *fontInfo {
	if d == nil {
		return nil
	}
	doc := c.doc
	f := &fontInfo{dict: d}
	m := &f.meta
	m.Type = string(nameOf(doc, d["Subtype"]))
	m.Name = decodeName(nameOf(doc, d["BaseFont"]))
	if m.Name == "" && m.Type == "Type3" {
		m.Name = decodeName(nameOf(doc, d["Name"]))
	}
	desc := dictOf(doc, d["FontDescriptor"])
	if m.Type == "Type0" {
		f.cid = true
		if df := c.descendant(d); df != nil {
			m.CIDType = string(nameOf(doc, df["Subtype"]))
			desc = dictOf(doc, df["FontDescriptor"])
		}
	}
	switch enc := resolve(doc, d["Encoding"]).(type) {
	case pdf.Name:
		m.Encoding = string(enc)
	case pdf.Dict:
		if enc["Differences"] != nil {
			m.Encoding = "Differences"
		} else {
			m.Encoding = string(nameOf(doc, enc["BaseEncoding"]))
		}
	case *pdf.Stream:
		m.Encoding = "embedded CMap"
	}
	m.Embedded = m.Type == "Type3" ||
		desc["FontFile"] != nil || desc["FontFile2"] != nil || desc["FontFile3"] != nil
	m.ToUnicode = resolve(doc, d["ToUnicode"]) != nil
	if flags, ok := intOf(doc, desc["Flags"]); ok {
		m.Symbolic = flags&4 != 0
	} else {
		m.Symbolic = standardSymbolFont(m.Name) != ""
	}
	return f
}

// decodeName turns a font name into valid UTF-8 (names are bytes).
func decodeName(n pdf.Name) string {
	if utf8.ValidString(string(n)) {
		return string(n)
	}
	return strings.ToValidUTF8(string(n), "\uFFFD")
}

func (c *fontCache) descendant(d pdf.Dict) pdf.Dict {
	if a := arrayOf(c.doc, d["DescendantFonts"]); len(a) > 0 {
		return dictOf(c.doc, a[0])
	}
	return nil
}

// standardSymbolFont returns "Symbol" or "ZapfDingbats" when name (subset
// prefix and style suffix aside) is one of those standard fonts.
func standardSymbolFont(name string) string {
	if i := strings.IndexByte(name, '+'); i == 6 {
		name = name[i+1:]
	}
	if i := strings.IndexAny(name, ",-"); i > 0 {
		name = name[:i]
	}
	switch name {
	case "Symbol", "SymbolMT":
		return "Symbol"
	case "ZapfDingbats", "ITCZapfDingbats", "Dingbats":
		return "ZapfDingbats"
	}
	return ""
}

// prepare builds the decoding tables of a font on first use.
func (f *fontInfo) prepare(c *fontCache) {
	if f == nil || f.prepared {
		return
	}
	f.prepared = true
	if f.cid {
		f.prepareCID(c)
	} else {
		f.prepareSimple(c)
	}
}

// prepareSimple fills the code table of a simple font: base encoding,
// then /Differences, then ToUnicode on top.
func (f *fontInfo) prepareSimple(c *fontCache) {
	doc, d := c.doc, f.dict
	f.simpleWidths(c)
	base := f.baseEncoding(c)
	for code := range 256 {
		f.simple[code] = base[code]
	}
	if enc := dictOf(doc, d["Encoding"]); enc != nil {
		code := 0
		for _, o := range arrayOf(doc, enc["Differences"]) {
			switch v := resolve(doc, o).(type) {
			case int64:
				code = int(v)
			case float64:
				code = int(v)
			case pdf.Name:
				if code >= 0 && code < 256 {
					f.simple[code] = glyphNameClass(string(v), code)
				}
				code++
			}
		}
	}
	switch tu := resolve(doc, d["ToUnicode"]).(type) {
	case *pdf.Stream:
		data, _ := doc.StreamData(tu)
		for _, r := range parseCMap(data).uni {
			for code := r.lo; code <= r.hi && code < 256; code++ {
				f.simple[code] = r.class
			}
		}
	case pdf.Name: // Identity-H and the like: codes are Unicode
		for code := range 256 {
			f.simple[code] = runeClass(rune(code), code)
		}
	}
}

// simpleWidths reads /Widths (ISO 32000-1, 9.6.2): glyph space units of
// 1/1000 text space unit, or the FontMatrix scale for a Type3 font.
func (f *fontInfo) simpleWidths(c *fontCache) {
	doc, d := c.doc, f.dict
	scale := float32(0.001)
	if f.meta.Type == "Type3" {
		if m, ok := matrixOf(doc, d["FontMatrix"]); ok && m[0] != 0 {
			scale = float32(m[0])
		}
	}
	missing := float32(defaultWidth)
	if w, ok := numOf(doc, dictOf(doc, d["FontDescriptor"])["MissingWidth"]); ok && w > 0 {
		missing = float32(w) * scale
	}
	widths := arrayOf(doc, d["Widths"])
	if len(widths) == 0 && strings.Contains(f.meta.Name, "Courier") {
		missing = 0.6
	}
	for code := range f.widths {
		f.widths[code] = missing
	}
	first, _ := intOf(doc, d["FirstChar"])
	for i, o := range widths {
		code := first + int64(i)
		if code < 0 || code > 255 {
			break
		}
		if w, ok := numOf(doc, o); ok && finite(w) {
			f.widths[code] = float32(w) * scale
		}
	}
}

// baseEncoding returns the classes from the font's base encoding: the
// named one, or the font's built-in encoding (ISO 32000-1, 9.6.6).
func (f *fontInfo) baseEncoding(c *fontCache) (t [256]glyphClass) {
	doc, d := c.doc, f.dict
	name := nameOf(doc, d["Encoding"])
	if enc := dictOf(doc, d["Encoding"]); enc != nil {
		name = nameOf(doc, enc["BaseEncoding"])
	}
	var table *[256]rune
	switch name {
	case "WinAnsiEncoding":
		table = &winAnsiEncoding
	case "MacRomanEncoding", "MacExpertEncoding":
		table = &macRomanEncoding
	case "StandardEncoding":
		table = &standardEncoding
	case "PDFDocEncoding":
		table = &pdfDocEncoding
	}
	if table == nil {
		switch sym := standardSymbolFont(f.meta.Name); {
		case sym != "":
			for code := range 256 {
				if symbolDefined(code, sym == "ZapfDingbats") {
					t[code] = runeClass(rune(0xF000+code), code) // private-use: a character, never space
					if code == 0x20 {
						t[code] = makeClass(classUnicode, 0)
					}
				} else {
					t[code] = noGlyph
				}
			}
			return t
		case f.meta.Type == "Type3":
		case f.meta.Type == "Type1" || f.meta.Type == "MMType1":
			if builtin, ok := f.builtinType1(c); ok {
				return builtin
			}
			if !f.meta.Symbolic {
				table = &standardEncoding
			}
		case !f.meta.Symbolic:
			table = &standardEncoding
		}
	}
	for code := range 256 {
		switch {
		case table == nil:
			t[code] = unmappedClass(code) // no names at all: poppler passes codes through
		case table[code] == 0:
			t[code] = noGlyph
		default:
			t[code] = runeClass(table[code], code)
		}
	}
	return t
}

// noGlyph is the class of a code that an encoding leaves undefined: it
// has no glyph name, so pdftotext prints nothing for it.
const noGlyph = glyphClass(classUnmapped)

// builtinType1 reads the built-in encoding of an embedded Type 1 font
// program from its clear-text part: "/Encoding StandardEncoding def" or
// "dup <code> /<name> put" entries.
// maxType1ClearText bounds the clear-text header read from a Type 1 font
// program whose /Length1 is missing or absurd.
const maxType1ClearText = 256 << 10

func (f *fontInfo) builtinType1(c *fontCache) (t [256]glyphClass, ok bool) {
	desc := dictOf(c.doc, f.dict["FontDescriptor"])
	st := streamOf(c.doc, desc["FontFile"])
	if st == nil {
		return t, false
	}
	// Only the clear-text part (/Length1 bytes, up to "eexec") holds the
	// encoding; decoding just that prefix skips most of the font program,
	// which dominated metadata runs over TeX documents.
	n := int64(maxType1ClearText)
	if l, ok := intOf(c.doc, st.Dict["Length1"]); ok && l > 0 && l < n {
		n = l
	}
	data, _ := c.doc.StreamPrefix(st, n)
	if i := bytes.Index(data, []byte("eexec")); i >= 0 {
		data = data[:i]
	}
	i := bytes.Index(data, []byte("/Encoding"))
	if i < 0 {
		return t, false
	}
	data = data[i+len("/Encoding"):]
	if bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("StandardEncoding")) {
		for code, r := range standardEncoding {
			t[code] = noGlyph
			if r != 0 {
				t[code] = runeClass(r, code)
			}
		}
		return t, true
	}
	for code := range t {
		t[code] = noGlyph
	}
	p := parser{data: data, maxStack: 64}
	for seen := 0; ; {
		op := p.next()
		if op == nil {
			break
		}
		st := p.stack
		switch string(op) {
		case "put":
			if n := len(st); n >= 2 && st[n-2].kind == kindNumber && st[n-1].kind == kindName {
				if code := int(st[n-2].num); code >= 0 && code < 256 {
					t[code] = glyphNameClass(string(p.bytesOf(st[n-1])), code)
					seen++
				}
			}
		case "def", "readonly":
			if seen > 0 {
				return t, true
			}
		}
		p.reset()
	}
	return t, false
}

// prepareCID sets up code splitting and Unicode mapping for a Type0 font.
func (f *fontInfo) prepareCID(c *fontCache) {
	doc, d := c.doc, f.dict
	switch enc := resolve(doc, d["Encoding"]).(type) {
	case pdf.Name:
		f.setPredefined(string(enc))
	case *pdf.Stream:
		data, _ := doc.StreamData(enc)
		cm := parseCMap(data)
		switch {
		case len(cm.space) > 0:
			f.setSpace(cm.space)
		case cm.useCMap != "":
			f.setPredefined(cm.useCMap)
		default:
			f.setPredefined("Identity-H")
		}
	default:
		f.setPredefined("Identity-H")
	}
	f.dw = 1
	if df := c.descendant(d); df != nil {
		if w, ok := numOf(doc, df["DW"]); ok && finite(w) {
			f.dw = float32(w) / 1000
		}
		f.cidWidths = readCIDWidths(doc, df["W"])
		csi := dictOf(doc, df["CIDSystemInfo"])
		switch string(stringOf(doc, csi["Ordering"])) {
		case "Japan1", "GB1", "CNS1", "Korea1", "KR":
			f.collection = true
		}
	}
	switch tu := resolve(doc, d["ToUnicode"]).(type) {
	case *pdf.Stream:
		data, _ := doc.StreamData(tu)
		f.toUnicode = parseCMap(data)
	case pdf.Name:
		f.codeIsUni = true
	}
}

// maxWidthRanges bounds what is kept of a /W array.
const maxWidthRanges = 1 << 16

// readCIDWidths reads a CIDFont's /W array (ISO 32000-1, 9.7.4.3): "c
// [w1 w2 ...]" and "cfirst clast w" entries, sorted by CID.
func readCIDWidths(doc objects, o pdf.Object) []widthRange {
	a := arrayOf(doc, o)
	var out []widthRange
	for i := 0; i+1 < len(a) && len(out) < maxWidthRanges; {
		first, ok := intOf(doc, a[i])
		if !ok || first < 0 {
			break
		}
		if ws, isArray := resolve(doc, a[i+1]).(pdf.Array); isArray {
			for k, w := range ws {
				if v, ok := numOf(doc, w); ok && finite(v) && len(out) < maxWidthRanges {
					cid := uint32(first) + uint32(k)
					out = append(out, widthRange{cid, cid, float32(v) / 1000})
				}
			}
			i += 2
			continue
		}
		if i+2 >= len(a) {
			break
		}
		last, ok1 := intOf(doc, a[i+1])
		w, ok2 := numOf(doc, a[i+2])
		if ok1 && ok2 && last >= first && finite(w) {
			out = append(out, widthRange{uint32(first), uint32(last), float32(w) / 1000})
		}
		i += 3
	}
	slices.SortStableFunc(out, func(x, y widthRange) int {
		switch {
		case x.lo < y.lo:
			return -1
		case x.lo > y.lo:
			return 1
		}
		return 0
	})
	// Overlaps would break the binary search: keep the first of each.
	// Neighbours of equal width merge, which keeps "c [w1 w2 ...]" small.
	kept := out[:0]
	for _, r := range out {
		if n := len(kept); n > 0 {
			last := &kept[n-1]
			if r.lo <= last.hi {
				continue
			}
			if r.lo == last.hi+1 && r.w == last.w {
				last.hi = r.hi
				continue
			}
		}
		kept = append(kept, r)
	}
	return slices.Clip(kept)
}

// setPredefined sets code lengths for a predefined CMap by name
// (ISO 32000-1, Table 118): Identity and UCS2/UTF16 CMaps use two bytes,
// the mixed ones (Shift-JIS, EUC, GBK, UHC, Big Five) one byte below 0x80.
func (f *fontInfo) setPredefined(name string) {
	f.identity = name == "Identity-H" || name == "Identity-V"
	if !f.identity {
		f.collection = true // every other predefined CMap is for a CJK collection
	}
	fill := func(n uint8) {
		for i := range f.codeLen {
			f.codeLen[i] = n
		}
	}
	switch {
	case strings.Contains(name, "UCS2"):
		fill(2)
		f.codeIsUni = true
	case strings.Contains(name, "UTF16"):
		fill(2)
		for b := 0xD8; b <= 0xDB; b++ {
			f.codeLen[b] = 4
		}
		f.codeIsUni = true
	case strings.Contains(name, "UTF32"):
		fill(4)
		f.codeIsUni = true
	case strings.Contains(name, "UTF8"):
		for b := range f.codeLen {
			switch {
			case b < 0x80:
				f.codeLen[b] = 1
			case b >= 0xF0:
				f.codeLen[b] = 4
			case b >= 0xE0:
				f.codeLen[b] = 3
			default:
				f.codeLen[b] = 2
			}
		}
		f.utf8Codes = true
	case mixedCMap(name):
		for b := range f.codeLen {
			f.codeLen[b] = 2
			if b < 0x80 {
				f.codeLen[b] = 1
			}
		}
	default:
		fill(2)
	}
}

func mixedCMap(name string) bool {
	for _, s := range []string{"RKSJ", "EUC", "GBK", "UHC", "B5", "GBpc", "KSCpc", "HKscs", "ETen", "ETHK", "HKdl", "HKgccs", "HKm"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// setSpace sets code lengths from an embedded CMap's codespace ranges: a
// first byte that only one range length accepts decides alone.
func (f *fontInfo) setSpace(space []codespace) {
	f.space = space
	for b := range 256 {
		var n uint8
		for _, cs := range space {
			if byte(b) < cs.lo[0] || byte(b) > cs.hi[0] {
				continue
			}
			switch {
			case n == 0:
				n = uint8(cs.n)
			case n != uint8(cs.n):
				n = 0xFF
			}
		}
		switch n {
		case 0xFF:
			f.codeLen[b] = 0 // ambiguous: match the ranges
		case 0:
			f.codeLen[b] = 0 // no range: matchCode picks the shortest
		default:
			f.codeLen[b] = n
		}
	}
}
