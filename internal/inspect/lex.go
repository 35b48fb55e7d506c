package inspect

import "math"

// This file holds the content-stream tokenizer shared by the page scanner
// and the CMap parser. It is not a general object parser: operands are
// pushed onto a flat, reused stack (arrays and dictionaries become open and
// close markers), strings and names are decoded into one reused byte arena,
// and the caller sees only operators. Nothing allocates per token once the
// stack and the arena have grown to the size a stream needs.

// Byte classes (ISO 32000-1, 7.2.2 and 7.2.3).
const (
	classRegular = iota
	classWhite
	classDelim
)

var byteClass = func() (t [256]uint8) {
	for _, c := range []byte{0, '\t', '\n', '\f', '\r', ' '} {
		t[c] = classWhite
	}
	for _, c := range []byte("()<>[]{}/%") {
		t[c] = classDelim
	}
	return t
}()

// operandKind says what one entry of the operand stack holds.
type operandKind uint8

const (
	kindNumber operandKind = iota + 1
	kindName               // bytes in parser.buf[a:b], without the slash
	kindString             // decoded bytes in parser.buf[a:b]
	kindArrayOpen
	kindArrayClose
	kindDictOpen
	kindDictClose
	kindOther // true (num 1), false, null
)

// operand is one entry of the operand stack.
type operand struct {
	kind operandKind
	num  float64
	a, b int32
}

// parser reads operands and operators from data. The stack and buf are
// reset by the caller after each operator.
type parser struct {
	data     []byte
	pos      int
	stack    []operand
	buf      []byte
	maxStack int // operands kept before the stack is dropped as garbage
}

// reset drops all operands.
func (p *parser) reset() {
	p.stack = p.stack[:0]
	p.buf = p.buf[:0]
}

// bytesOf returns the name or string bytes of an operand.
func (p *parser) bytesOf(o operand) []byte { return p.buf[o.a:o.b] }

func (p *parser) push(o operand) {
	if len(p.stack) >= p.maxStack {
		// Operands with no operator: garbage. Drop them rather than grow.
		p.reset()
		if o.kind == kindName || o.kind == kindString {
			return // its bytes went with the arena
		}
	}
	p.stack = append(p.stack, o)
}

// next reads operands onto the stack until it meets an operator (any
// keyword other than true, false and null) and returns that operator's
// bytes, which alias data. It returns nil at the end of data.
func (p *parser) next() []byte {
	data := p.data
	for p.pos < len(data) {
		c := data[p.pos]
		switch byteClass[c] {
		case classWhite:
			p.pos++
			continue
		case classRegular:
			start := p.pos
			i := p.pos + 1
			for i < len(data) && byteClass[data[i]] == classRegular {
				i++
			}
			p.pos = i
			tok := data[start:i]
			if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' {
				p.push(operand{kind: kindNumber, num: parseNumber(tok)})
				continue
			}
			switch string(tok) {
			case "true":
				p.push(operand{kind: kindOther, num: 1})
				continue
			case "false", "null":
				p.push(operand{kind: kindOther})
				continue
			}
			return tok
		}
		switch c {
		case '%':
			for p.pos < len(data) && data[p.pos] != '\n' && data[p.pos] != '\r' {
				p.pos++
			}
		case '/':
			p.name()
		case '(':
			p.literal()
		case '<':
			if p.pos+1 < len(data) && data[p.pos+1] == '<' {
				p.pos += 2
				p.push(operand{kind: kindDictOpen})
			} else {
				p.hex()
			}
		case '>':
			if p.pos+1 < len(data) && data[p.pos+1] == '>' {
				p.pos += 2
				p.push(operand{kind: kindDictClose})
			} else {
				p.pos++ // stray '>'
			}
		case '[':
			p.pos++
			p.push(operand{kind: kindArrayOpen})
		case ']':
			p.pos++
			p.push(operand{kind: kindArrayClose})
		default: // ')', '{', '}': junk in a content stream
			p.pos++
		}
	}
	return nil
}

// name decodes a name starting at the slash into the arena.
func (p *parser) name() {
	data := p.data
	i := p.pos + 1
	a := len(p.buf)
	for i < len(data) && byteClass[data[i]] == classRegular {
		c := data[i]
		if c == '#' && i+2 < len(data) && isHex(data[i+1]) && isHex(data[i+2]) {
			p.buf = append(p.buf, unhex(data[i+1])<<4|unhex(data[i+2]))
			i += 3
			continue
		}
		p.buf = append(p.buf, c)
		i++
	}
	p.pos = i
	p.push(operand{kind: kindName, a: int32(a), b: int32(len(p.buf))})
}

// literal decodes a literal string starting at '(' into the arena
// (7.3.4.2: balanced parentheses, escapes, octal codes, line continuation).
// An unterminated string runs to the end of data.
func (p *parser) literal() {
	data := p.data
	a := len(p.buf)
	depth := 1
	i := p.pos + 1
	for i < len(data) {
		// Copy a run of ordinary bytes at once.
		j := i
		for j < len(data) && data[j] != '(' && data[j] != ')' && data[j] != '\\' {
			j++
		}
		p.buf = append(p.buf, data[i:j]...)
		i = j
		if i >= len(data) {
			break
		}
		c := data[i]
		i++
		switch c {
		case '(':
			depth++
			p.buf = append(p.buf, c)
		case ')':
			depth--
			if depth == 0 {
				p.pos = i
				p.push(operand{kind: kindString, a: int32(a), b: int32(len(p.buf))})
				return
			}
			p.buf = append(p.buf, c)
		case '\\':
			if i >= len(data) {
				break
			}
			e := data[i]
			i++
			switch e {
			case 'n':
				p.buf = append(p.buf, '\n')
			case 'r':
				p.buf = append(p.buf, '\r')
			case 't':
				p.buf = append(p.buf, '\t')
			case 'b':
				p.buf = append(p.buf, '\b')
			case 'f':
				p.buf = append(p.buf, '\f')
			case '\r':
				if i < len(data) && data[i] == '\n' {
					i++
				}
			case '\n':
			case '0', '1', '2', '3', '4', '5', '6', '7':
				v := int(e - '0')
				for k := 0; k < 2 && i < len(data) && data[i] >= '0' && data[i] <= '7'; k++ {
					v = v*8 + int(data[i]-'0')
					i++
				}
				p.buf = append(p.buf, byte(v))
			default: // \( \) \\ and unknown escapes: the byte itself
				p.buf = append(p.buf, e)
			}
		}
	}
	p.pos = len(data)
	p.push(operand{kind: kindString, a: int32(a), b: int32(len(p.buf))})
}

// hex decodes a hexadecimal string starting at '<'. Bytes that are not hex
// digits are skipped; an odd final digit is padded with 0 (7.3.4.3).
func (p *parser) hex() {
	data := p.data
	a := len(p.buf)
	i := p.pos + 1
	var hi byte
	half := false
	for i < len(data) && data[i] != '>' {
		c := data[i]
		i++
		if !isHex(c) {
			continue
		}
		if half {
			p.buf = append(p.buf, hi<<4|unhex(c))
		} else {
			hi = unhex(c)
		}
		half = !half
	}
	if half {
		p.buf = append(p.buf, hi<<4)
	}
	if i < len(data) {
		i++ // '>'
	}
	p.pos = i
	p.push(operand{kind: kindString, a: int32(a), b: int32(len(p.buf))})
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

var pow10tab = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseNumber reads a PDF number leniently, the way viewers do: any run of
// signs counts as one minus if it holds one, digits after a second point
// or other junk are ignored, and a token with no digits is 0.
func parseNumber(tok []byte) float64 {
	i := 0
	neg := false
	for i < len(tok) && (tok[i] == '-' || tok[i] == '+') {
		if tok[i] == '-' {
			neg = true
		}
		i++
	}
	var mant uint64
	digits, exp := 0, 0
	for ; i < len(tok) && tok[i] >= '0' && tok[i] <= '9'; i++ {
		if digits < 19 {
			mant = mant*10 + uint64(tok[i]-'0')
			if mant != 0 {
				digits++
			}
		} else {
			exp++
		}
	}
	if i < len(tok) && tok[i] == '.' {
		for i++; i < len(tok) && tok[i] >= '0' && tok[i] <= '9'; i++ {
			if digits < 19 {
				mant = mant*10 + uint64(tok[i]-'0')
				if mant != 0 {
					digits++
				}
				exp--
			}
		}
	}
	v := float64(mant)
	switch {
	case exp < 0 && -exp < len(pow10tab):
		v /= pow10tab[-exp]
	case exp < 0:
		v /= math.Pow10(-exp)
	case exp > 0 && exp < len(pow10tab):
		v *= pow10tab[exp]
	case exp > 0:
		v *= math.Pow10(exp)
	}
	if neg {
		v = -v
	}
	return v
}
