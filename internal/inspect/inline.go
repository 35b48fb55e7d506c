package inspect

import "bytes"

// inlineImage handles ID. The operands on the stack are the BI ... ID
// dictionary; the image data starts after one white-space byte and ends at
// EI (ISO 32000-1, 8.9.7). Where the length is known (/L or /Length, or an
// unfiltered image's size) it is used; otherwise the end is the first EI
// that has white space on both sides and is followed by something that
// looks like content, since EI can occur inside binary data.
func (s *scanner) inlineImage() {
	data := s.p.data
	start := s.p.pos
	if start < len(data) && byteClass[data[start]] == classWhite {
		start++
	}
	end := -1
	if n := s.inlineLength(); n >= 0 && int64(start)+n <= int64(len(data)) {
		end = endAfterData(data, start+int(n))
	}
	if end < 0 {
		end = s.findEI(data, start)
	}
	s.p.pos = end
	if s.hidden == 0 {
		s.addImage(s.gs.ctm, true)
	}
}

// inlineLength returns the data length the dictionary implies, or -1.
func (s *scanner) inlineLength() int64 {
	st := s.p.stack
	var w, h, bpc, comps int64
	length := int64(-1)
	filtered, mask := false, false
	for i := 0; i+1 < len(st); i = skipOperand(st, i+1) {
		if st[i].kind != kindName {
			continue
		}
		v := st[i+1]
		num := int64(-1)
		if v.kind == kindNumber && v.num >= 0 && v.num < 1<<31 {
			num = int64(v.num)
		}
		switch string(s.p.bytesOf(st[i])) {
		case "W", "Width":
			w = num
		case "H", "Height":
			h = num
		case "BPC", "BitsPerComponent":
			bpc = num
		case "L", "Length":
			length = num
		case "IM", "ImageMask":
			mask = v.kind == kindOther && v.num == 1
		case "F", "Filter":
			filtered = v.kind == kindName ||
				(v.kind == kindArrayOpen && i+2 < len(st) && st[i+2].kind != kindArrayClose)
		case "CS", "ColorSpace":
			comps = s.inlineComponents(st, i+1)
		}
	}
	if length >= 0 {
		return length
	}
	if filtered {
		return -1
	}
	if mask {
		bpc, comps = 1, 1
	}
	if w <= 0 || h <= 0 || bpc <= 0 || comps <= 0 {
		return -1
	}
	return h * ((w*comps*bpc + 7) / 8)
}

// inlineComponents returns the colour components of an inline image's
// colour space operand at st[i], or 0 when it is a named resource or
// unknown.
func (s *scanner) inlineComponents(st []operand, i int) int64 {
	o := st[i]
	if o.kind == kindArrayOpen && i+1 < len(st) {
		o = st[i+1] // [/I /RGB 255 <...>]: an indexed space has one component
	}
	if o.kind != kindName {
		return 0
	}
	switch string(s.p.bytesOf(o)) {
	case "G", "DeviceGray", "CalGray", "I", "Indexed":
		return 1
	case "RGB", "DeviceRGB", "CalRGB":
		return 3
	case "CMYK", "DeviceCMYK":
		return 4
	}
	return 0
}

// skipOperand returns the index after the operand (or the whole array or
// dictionary) at st[i].
func skipOperand(st []operand, i int) int {
	depth := 0
	for ; i < len(st); i++ {
		switch st[i].kind {
		case kindArrayOpen, kindDictOpen:
			depth++
		case kindArrayClose, kindDictClose:
			depth--
		}
		if depth <= 0 {
			return i + 1
		}
	}
	return i
}

// endAfterData checks that EI follows the data ending at i (after optional
// white space) and returns the position after it, or -1.
func endAfterData(data []byte, i int) int {
	for k := 0; k < 8 && i < len(data) && byteClass[data[i]] == classWhite; k++ {
		i++
	}
	if i+2 <= len(data) && data[i] == 'E' && data[i+1] == 'I' &&
		(i+2 == len(data) || byteClass[data[i+2]] != classRegular) {
		return i + 2
	}
	return -1
}

// findEI returns the position after the EI that ends inline image data
// starting at start, or len(data) if there is none.
func (s *scanner) findEI(data []byte, start int) int {
	i := start
	for {
		k := bytes.Index(data[i:], []byte("EI"))
		if k < 0 {
			return len(data)
		}
		k += i
		after := k + 2
		if (k == start || byteClass[data[k-1]] == classWhite) &&
			(after == len(data) || byteClass[data[after]] == classWhite) &&
			s.plausibleAfter(data, after) {
			return after
		}
		i = k + 1
	}
}

// plausibleAfter reports whether data[i:] looks like content: the end of
// the stream, or a known operator within a short window, reached without
// binary bytes or through operands alone.
func (s *scanner) plausibleAfter(data []byte, i int) bool {
	const window = 256
	end := min(len(data), i+window)
	rest := data[i:end]
	if len(bytes.TrimLeft(rest, " \t\r\n\f\x00")) == 0 && end == len(data) {
		return true
	}
	s.probe.data, s.probe.pos = rest, 0
	s.probe.reset()
	op := s.probe.next()
	s.probe.data = nil
	if op == nil || !knownOperator(op) {
		return false
	}
	for _, c := range rest[:s.probe.pos] {
		if c >= 0x7f || (c < 0x20 && byteClass[c] != classWhite) {
			return len(s.probe.stack) == 0
		}
	}
	return true
}

// knownOperator reports whether op is a content-stream operator
// (ISO 32000-1, Annex A).
func knownOperator(op []byte) bool {
	switch string(op) {
	case "b", "B", "b*", "B*", "BDC", "BI", "BMC", "BT", "BX", "c", "cm", "CS", "cs",
		"d", "d0", "d1", "Do", "DP", "EI", "EMC", "ET", "EX", "f", "F", "f*", "G", "g",
		"gs", "h", "i", "ID", "j", "J", "K", "k", "l", "m", "M", "MP", "n", "q", "Q",
		"re", "RG", "rg", "ri", "s", "S", "SC", "sc", "SCN", "scn", "sh", "T*", "Tc",
		"Td", "TD", "Tf", "Tj", "TJ", "TL", "Tm", "Tr", "Ts", "Tw", "Tz", "v", "w",
		"W", "W*", "y", "'", "\"":
		return true
	}
	return false
}
