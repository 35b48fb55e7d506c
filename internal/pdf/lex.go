package pdf

import "bytes"

// Character classes of ISO 32000-1 §7.2.2 and §7.2.3.
const (
	classRegular   = 0
	classSpace     = 1
	classDelimiter = 2
)

var charClass = func() [256]uint8 {
	var t [256]uint8
	for _, c := range []byte{0, '\t', '\n', '\f', '\r', ' '} {
		t[c] = classSpace
	}
	for _, c := range []byte("()<>[]{}/%") {
		t[c] = classDelimiter
	}
	return t
}()

func isSpace(c byte) bool   { return charClass[c] == classSpace }
func isRegular(c byte) bool { return charClass[c] == classRegular }
func isDigit(c byte) bool   { return c >= '0' && c <= '9' }

// unhex returns the value of a hexadecimal digit, or -1.
func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokInt
	tokReal
	tokName       // text: the bytes after '/', #xx escapes not yet decoded
	tokString     // text: the bytes between the parentheses, escapes not yet decoded
	tokHex        // text: the bytes between '<' and '>'
	tokArrayOpen  // [
	tokArrayClose // ]
	tokDictOpen   // <<
	tokDictClose  // >>
	tokKeyword    // text: a run of regular characters that is not a number
)

// token is one lexical token. Text tokens are described by a byte range of
// the lexer's data, so that lexing allocates nothing.
type token struct {
	kind       tokKind
	i          int64
	f          float64
	start, end int
}

// lexer splits a byte slice into PDF tokens. It never allocates and never
// reads outside data.
type lexer struct {
	data []byte
	pos  int
}

// skipSpace skips white space and comments.
func (l *lexer) skipSpace() {
	data := l.data
	for l.pos < len(data) {
		c := data[l.pos]
		if charClass[c] == classSpace {
			l.pos++
			continue
		}
		if c != '%' {
			return
		}
		// A comment runs to the end of the line.
		for l.pos < len(data) && data[l.pos] != '\n' && data[l.pos] != '\r' {
			l.pos++
		}
	}
}

// regularEnd returns the end of the run of regular characters starting at i.
func (l *lexer) regularEnd(i int) int {
	data := l.data
	for i < len(data) && charClass[data[i]] == classRegular {
		i++
	}
	return i
}

// next returns the next token.
func (l *lexer) next() token {
	l.skipSpace()
	data := l.data
	if l.pos >= len(data) {
		return token{kind: tokEOF, start: l.pos, end: l.pos}
	}
	start := l.pos
	c := data[start]
	switch c {
	case '/':
		end := l.regularEnd(start + 1)
		l.pos = end
		return token{kind: tokName, start: start + 1, end: end}
	case '(':
		end, next := l.scanLiteral(start + 1)
		l.pos = next
		return token{kind: tokString, start: start + 1, end: end}
	case '<':
		if start+1 < len(data) && data[start+1] == '<' {
			l.pos = start + 2
			return token{kind: tokDictOpen, start: start, end: start + 2}
		}
		end := bytes.IndexByte(data[start+1:], '>')
		if end < 0 {
			l.pos = len(data)
			return token{kind: tokHex, start: start + 1, end: len(data)}
		}
		l.pos = start + 1 + end + 1
		return token{kind: tokHex, start: start + 1, end: start + 1 + end}
	case '>':
		if start+1 < len(data) && data[start+1] == '>' {
			l.pos = start + 2
			return token{kind: tokDictClose, start: start, end: start + 2}
		}
		// A stray '>' is returned as a one-byte keyword.
		l.pos = start + 1
		return token{kind: tokKeyword, start: start, end: start + 1}
	case '[':
		l.pos = start + 1
		return token{kind: tokArrayOpen, start: start, end: start + 1}
	case ']':
		l.pos = start + 1
		return token{kind: tokArrayClose, start: start, end: start + 1}
	case ')', '{', '}':
		l.pos = start + 1
		return token{kind: tokKeyword, start: start, end: start + 1}
	}
	end := l.regularEnd(start)
	l.pos = end
	if c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.' {
		if i, f, isInt, ok := parseNumber(data[start:end]); ok {
			if isInt {
				return token{kind: tokInt, i: i, start: start, end: end}
			}
			return token{kind: tokReal, f: f, start: start, end: end}
		}
	}
	return token{kind: tokKeyword, start: start, end: end}
}

// scanLiteral finds the end of a literal string whose body starts at i. It
// returns the end of the body and the position after the closing
// parenthesis. An unterminated string runs to the end of the data.
func (l *lexer) scanLiteral(i int) (end, next int) {
	data := l.data
	depth := 1
	for i < len(data) {
		switch data[i] {
		case '\\':
			i += 2
			continue
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i, i + 1
			}
		}
		i++
	}
	return len(data), len(data)
}

// parseNumber parses a numeric token the way tolerant readers do: any run
// of leading signs ("--5", "+-3") means a single sign, a missing integer
// part is zero ("-.5"), and parsing stops at the second '.' or at any other
// character. A token of signs and dots only is zero. ok is false when the
// token does not start like a number.
func parseNumber(b []byte) (i int64, f float64, isInt bool, ok bool) {
	k := 0
	neg := false
	for k < len(b) && (b[k] == '-' || b[k] == '+') {
		if b[k] == '-' {
			neg = true
		}
		k++
	}
	var mant uint64
	digits := 0
	fracDigits := 0
	big := false // mantissa overflowed: accumulate in f instead
	dot := false
	var fb float64
	for ; k < len(b); k++ {
		c := b[k]
		if c == '.' {
			if dot {
				break
			}
			dot = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		digits++
		if dot {
			if fracDigits >= 18 {
				continue // beyond float precision anyway
			}
			fracDigits++
		}
		if !big && mant > (1<<63-1-9)/10 {
			big = true
			fb = float64(mant)
		}
		if big {
			fb = fb*10 + float64(c-'0')
		} else {
			mant = mant*10 + uint64(c-'0')
		}
	}
	if digits == 0 {
		// "-", ".", "+.", "--": zero, as Acrobat and pdf.js read it.
		// Anything else ("-abc") is not a number.
		for _, c := range b[:k] {
			if c != '-' && c != '+' && c != '.' {
				return 0, 0, false, false
			}
		}
		if k != len(b) {
			return 0, 0, false, false
		}
		return 0, 0, true, true
	}
	if !dot && !big {
		v := int64(mant)
		if neg {
			v = -v
		}
		return v, 0, true, true
	}
	if !big {
		fb = float64(mant)
	}
	if fracDigits > 0 {
		fb /= pow10[fracDigits]
	}
	if neg {
		fb = -fb
	}
	return 0, fb, false, true
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// decodeLiteral decodes the escapes of a literal string body (§7.3.4.2).
func decodeLiteral(raw []byte) []byte {
	// Fast path: nothing to decode.
	if bytes.IndexByte(raw, '\\') < 0 && bytes.IndexByte(raw, '\r') < 0 {
		out := make([]byte, len(raw))
		copy(out, raw)
		return out
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '\r' {
			// An unescaped end-of-line is a single LF.
			out = append(out, '\n')
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
			continue
		}
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(raw) {
			break
		}
		c = raw[i]
		switch c {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case '\r':
			// Line continuation: backslash + EOL is nothing.
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
		case '\n':
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(c - '0')
			for n := 1; n < 3 && i+1 < len(raw) && raw[i+1] >= '0' && raw[i+1] <= '7'; n++ {
				i++
				v = v*8 + int(raw[i]-'0')
			}
			out = append(out, byte(v))
		default:
			// \( \) \\ and unknown escapes: the character itself.
			out = append(out, c)
		}
	}
	return out
}

// decodeHex decodes the body of a hex string, ignoring anything that is not
// a hex digit; an odd final digit is followed by an implied 0.
func decodeHex(raw []byte) []byte {
	out := make([]byte, 0, len(raw)/2)
	hi := -1
	for _, c := range raw {
		v := unhex(c)
		if v < 0 {
			continue
		}
		if hi < 0 {
			hi = v
			continue
		}
		out = append(out, byte(hi<<4|v))
		hi = -1
	}
	if hi >= 0 {
		out = append(out, byte(hi<<4))
	}
	return out
}

// decodeName decodes #xx escapes in a name. The result may alias raw.
func decodeName(raw []byte) []byte {
	if bytes.IndexByte(raw, '#') < 0 {
		return raw
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '#' && i+2 < len(raw) && unhex(raw[i+1]) >= 0 && unhex(raw[i+2]) >= 0 {
			out = append(out, byte(unhex(raw[i+1])<<4|unhex(raw[i+2])))
			i += 2
			continue
		}
		out = append(out, c)
	}
	return out
}

// hasKeywordAt reports whether data[i:] starts with the keyword kw followed
// by a non-regular character or the end of data.
func hasKeywordAt(data []byte, i int, kw string) bool {
	if i < 0 || i+len(kw) > len(data) || string(data[i:i+len(kw)]) != kw {
		return false
	}
	return i+len(kw) == len(data) || !isRegular(data[i+len(kw)])
}

// readUint reads an unsigned decimal integer at data[i:] (no sign). It
// returns the value, the position after it and whether there was one.
// Values beyond 2^62 saturate.
func readUint(data []byte, i int) (v int64, next int, ok bool) {
	start := i
	for i < len(data) && isDigit(data[i]) {
		if v < 1<<58 {
			v = v*10 + int64(data[i]-'0')
		}
		i++
	}
	return v, i, i > start
}

// skipSpaceAt skips white space (not comments) from i.
func skipSpaceAt(data []byte, i int) int {
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	return i
}
