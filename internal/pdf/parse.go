package pdf

import (
	"fmt"
	"math"
)

// errSyntax is wrapped by parse errors (it wraps ErrInvalid).
var errSyntax = fmt.Errorf("syntax error: %w", ErrInvalid)

// errBudget is returned when the document's work exceeds MaxWork.
var errBudget = fmt.Errorf("work budget exhausted: %w", ErrLimit)

// errDepth is returned when arrays and dictionaries nest beyond MaxDepth.
var errDepth = fmt.Errorf("nesting deeper than MaxDepth: %w", ErrLimit)

// frame is one open array or dictionary of the parser's explicit stack.
// Its values (for a dictionary: key, value, key, value, ...) sit on the
// parser's shared value stack from index start, so that each container is
// allocated once, at its final size, when it closes.
type frame struct {
	start  int
	isDict bool
}

// parser builds objects from tokens. It keeps an explicit stack instead of
// recursing, so hostile nesting costs heap (bounded by maxDepth), never
// goroutine stack.
type parser struct {
	lex      lexer
	names    *nameTable // may be nil
	maxDepth int
	work     *int64 // the document's work counter, charged per value
	maxWork  int64
	*parseBufs
}

// parseBufs are the parser's stacks, kept by the Document and reused by
// every parse (parses never nest: a parse calls nothing that parses).
type parseBufs struct {
	stack []frame
	vals  []Object
	dicts int // open dictionaries on the stack
}

// newParser returns a parser over data from pos that uses the document's
// names and buffers.
func (d *Document) newParser(data []byte, pos int) parser {
	return parser{
		lex:       lexer{data: data, pos: pos},
		names:     &d.names,
		maxDepth:  d.lim.MaxDepth,
		work:      &d.work,
		maxWork:   d.lim.MaxWork,
		parseBufs: &d.bufs,
	}
}

// structural keywords end an object even inside open containers: a damaged
// object never swallows the next one.
func isStructuralKeyword(b []byte) bool {
	switch string(b) {
	case "endobj", "obj", "stream", "endstream", "xref", "trailer", "startxref":
		return true
	}
	return false
}

// parseObject parses one object at the lexer's position. Unterminated
// containers are closed at the end of data or at a structural keyword,
// which is left unread.
func (p *parser) parseObject() (Object, error) {
	p.stack = p.stack[:0]
	p.vals = p.vals[:0]
	p.dicts = 0
	data := p.lex.data
	for {
		tok := p.lex.next()
		// Every token costs work, so that a file cannot make us build
		// more objects than MaxWork allows (a value takes 16 bytes and
		// more of memory, whatever its size in the file).
		if *p.work += workPerValue; *p.work > p.maxWork {
			return nil, errBudget
		}
		var v Object
		switch tok.kind {
		case tokEOF:
			if len(p.stack) == 0 {
				return nil, fmt.Errorf("unexpected end of data: %w", errSyntax)
			}
			return p.closeAll(), nil
		case tokInt:
			v = p.intOrRef(tok)
		case tokReal:
			v = tok.f
		case tokName:
			v = p.names.name(data[tok.start:tok.end])
		case tokString:
			v = String(decodeLiteral(data[tok.start:tok.end]))
		case tokHex:
			v = String(decodeHex(data[tok.start:tok.end]))
		case tokArrayOpen, tokDictOpen:
			if len(p.stack) >= p.maxDepth {
				return nil, errDepth
			}
			isDict := tok.kind == tokDictOpen
			p.stack = append(p.stack, frame{start: len(p.vals), isDict: isDict})
			if isDict {
				p.dicts++
			}
			continue
		case tokArrayClose:
			n := len(p.stack)
			if n == 0 || p.stack[n-1].isDict {
				continue // stray ']'
			}
			v = p.pop()
		case tokDictClose:
			if p.dicts == 0 {
				continue // stray '>>'
			}
			// Close open arrays up to the innermost dictionary: "<< /A [1 >>".
			for !p.stack[len(p.stack)-1].isDict {
				p.place(p.pop())
			}
			v = p.pop()
		case tokKeyword:
			kw := data[tok.start:tok.end]
			switch string(kw) {
			case "true":
				v = true
			case "false":
				v = false
			case "null":
				v = nil
			default:
				if len(p.stack) == 0 {
					if string(kw) == "endobj" {
						p.lex.pos = tok.start
						return nil, nil // "N G obj endobj": null
					}
					return nil, fmt.Errorf("unexpected %q: %w", clip(kw), errSyntax)
				}
				if isStructuralKeyword(kw) {
					p.lex.pos = tok.start
					return p.closeAll(), nil
				}
				// Junk inside a container reads as null.
				v = nil
			}
		}
		if len(p.stack) == 0 {
			return v, nil
		}
		p.place(v)
	}
}

// place adds v to the innermost open container.
func (p *parser) place(v Object) {
	top := p.stack[len(p.stack)-1]
	if top.isDict && (len(p.vals)-top.start)%2 == 0 {
		if _, ok := v.(Name); !ok {
			return // a key that is not a name is dropped
		}
	}
	p.vals = append(p.vals, v)
}

// pop closes the innermost container and returns it.
func (p *parser) pop() Object {
	top := p.stack[len(p.stack)-1]
	p.stack = p.stack[:len(p.stack)-1]
	vals := p.vals[top.start:]
	var v Object
	if top.isDict {
		p.dicts--
		n := len(vals) / 2 // a trailing key without value is dropped
		d := make(Dict, n)
		for i := 0; i+1 < len(vals); i += 2 {
			if vals[i+1] != nil { // a null value is the same as an absent key
				d[vals[i].(Name)] = vals[i+1]
			}
		}
		v = d
	} else {
		a := make(Array, len(vals))
		copy(a, vals)
		v = a
	}
	clear(vals)
	p.vals = p.vals[:top.start]
	return v
}

// closeAll closes every open container and returns the outermost one.
func (p *parser) closeAll() Object {
	for len(p.stack) > 1 {
		p.place(p.pop())
	}
	return p.pop()
}

// intOrRef returns tok as an int64, or as a Ref when it is followed by
// "G R". The check works on bytes to avoid lexing ahead.
func (p *parser) intOrRef(tok token) Object {
	data := p.lex.data
	if tok.i < 0 || !isDigit(data[tok.start]) {
		return tok.i
	}
	i := skipSpaceAt(data, tok.end)
	gen, j, ok := readUint(data, i)
	if !ok || i == tok.end || j < len(data) && isRegular(data[j]) {
		return tok.i
	}
	k := skipSpaceAt(data, j)
	if k == j || k >= len(data) || data[k] != 'R' || k+1 < len(data) && isRegular(data[k+1]) {
		return tok.i
	}
	p.lex.pos = k + 1
	if tok.i > math.MaxUint32 || gen > math.MaxUint16 {
		return nil // a reference that cannot exist
	}
	return Ref{Num: uint32(tok.i), Gen: uint16(gen)}
}

// clip shortens b for error messages.
func clip(b []byte) string {
	if len(b) > 20 {
		return string(b[:20]) + "..."
	}
	return string(b)
}

// nameTable interns names so that the many repeated keys of a document
// (Type, Page, Resources, ...) do not allocate again and again.
type nameTable struct {
	m map[string]Object // Name values
}

const maxInternedNames = 4096

// name returns the Name for the raw bytes after '/', already boxed in an
// Object: converting a Name to an interface allocates, so the table keeps
// boxed values.
func (t *nameTable) name(raw []byte) Object {
	raw = decodeName(raw)
	if n, ok := commonNames[string(raw)]; ok {
		return n
	}
	if t == nil {
		return Name(raw)
	}
	if n, ok := t.m[string(raw)]; ok {
		return n
	}
	var n Object = Name(raw)
	if len(t.m) < maxInternedNames {
		if t.m == nil {
			t.m = make(map[string]Object, 64)
		}
		t.m[string(raw)] = n
	}
	return n
}

var commonNames = func() map[string]Object {
	m := map[string]Object{}
	for _, s := range []string{
		"Type", "Subtype", "Length", "Filter", "DecodeParms", "Root", "Info", "Size",
		"Prev", "ID", "Encrypt", "XRefStm", "Catalog", "Pages", "Page", "Kids", "Count",
		"Parent", "Resources", "MediaBox", "CropBox", "BleedBox", "TrimBox", "ArtBox",
		"Rotate", "Contents", "Font", "XObject", "ExtGState", "ColorSpace", "Pattern",
		"Shading", "ProcSet", "Properties", "Image", "Form", "BBox", "Matrix", "Width",
		"Height", "BitsPerComponent", "DeviceRGB", "DeviceGray", "DeviceCMYK", "Indexed",
		"ICCBased", "FlateDecode", "DCTDecode", "JPXDecode", "JBIG2Decode", "CCITTFaxDecode",
		"LZWDecode", "ASCII85Decode", "ASCIIHexDecode", "RunLengthDecode", "Predictor",
		"Columns", "Colors", "EarlyChange", "BaseFont", "Encoding", "ToUnicode",
		"FontDescriptor", "FirstChar", "LastChar", "Widths", "Type0", "Type1", "Type3",
		"TrueType", "CIDFontType0", "CIDFontType2", "DescendantFonts", "WinAnsiEncoding",
		"MacRomanEncoding", "Identity-H", "FontName", "Flags", "FontBBox", "ItalicAngle",
		"Ascent", "Descent", "CapHeight", "StemV", "FontFile", "FontFile2", "FontFile3",
		"Annots", "Annot", "Link", "Rect", "Border", "A", "S", "URI", "Dest", "Outlines",
		"First", "Last", "Next", "N", "W", "Index", "XRef", "ObjStm", "Extends",
		"Metadata", "XML", "Producer", "Creator", "CreationDate", "ModDate", "Title",
		"Author", "Subject", "Keywords", "Trapped", "Linearized", "Group", "Transparency",
		"CS", "I", "K", "Names", "AcroForm", "Fields", "StructParents", "Tabs", "Lang",
		"MarkInfo", "Marked", "StructTreeRoot", "PageLabels", "ViewerPreferences",
		"Version", "PageMode", "PageLayout", "OpenAction", "Fit", "XYZ", "GoTo",
		"Text", "PDF", "ImageB", "ImageC", "ImageI", "SMask", "Mask", "Decode",
		"Interpolate", "ColorTransform", "Crypt", "Standard", "V", "R", "O", "U", "P",
		"CF", "StmF", "StrF", "EFF", "CFM", "StdCF", "AESV2", "AESV3", "V2", "None",
		"OE", "UE", "Perms", "EncryptMetadata", "Identity", "Name", "Off", "On",
		"F", "FT", "T", "TU", "DA", "Ff", "DR", "Helv", "ZaDb", "AP", "AS", "MK",
		"Widget", "CA", "ca", "BM", "Normal", "LW", "SA", "OP", "op", "OPM", "GS0", "GS1",
		"F1", "F2", "F3", "Im0", "Im1", "X0", "Cs1", "JavaScript", "JS", "EmbeddedFiles",
		"OCProperties", "OCGs", "D", "Order", "Dests", "Threads", "Thumb", "B", "Trans",
		"PieceInfo", "LastModified", "SeparationInfo", "UserUnit", "VP", "Tabs", "AA",
		"Collection", "NeedsRendering", "XFA", "SigFlags", "H", "Q", "Sig",
	} {
		m[s] = Name(s)
	}
	return m
}()
