package filter

import (
	"fmt"
)

// decodeASCIIHex decodes ASCIIHexDecode data (ISO 32000-1, 7.4.2): pairs of
// hex digits, white space ignored, '>' ends the data. An odd final digit is
// completed with 0. A missing '>' is not an error.
func decodeASCIIHex(data []byte, limit int) ([]byte, error) {
	out := make([]byte, 0, min(len(data)/2+1, limit))
	var hi byte
	odd := false
	for i, c := range data {
		v := hexValue(c)
		if v < 0 {
			if isSpace(c) {
				continue
			}
			if c == '>' {
				break
			}
			return finishHex(out, hi, odd, limit,
				fmt.Errorf("asciihex: %w (byte %#x at offset %d)", ErrCorrupt, c, i))
		}
		if !odd {
			hi = byte(v)
			odd = true
			continue
		}
		if len(out) >= limit {
			return nil, errLimit("asciihex", limit)
		}
		out = append(out, hi<<4|byte(v))
		odd = false
	}
	return finishHex(out, hi, odd, limit, nil)
}

// finishHex appends a pending odd digit (as if followed by 0) and returns
// err with the output.
func finishHex(out []byte, hi byte, odd bool, limit int, err error) ([]byte, error) {
	if odd {
		if len(out) >= limit {
			return nil, errLimit("asciihex", limit)
		}
		out = append(out, hi<<4)
	}
	return out, err
}

func hexValue(c byte) int {
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

// decodeASCII85 decodes ASCII85Decode data (ISO 32000-1, 7.4.3): groups of
// five characters '!'..'u' encode four bytes, 'z' stands for four zero
// bytes, white space is ignored and "~>" ends the data. A final partial
// group of n characters yields n-1 bytes. A leading "<~" (as written by
// PostScript tools) is skipped, and a missing "~>" is not an error.
func decodeASCII85(data []byte, limit int) ([]byte, error) {
	out := make([]byte, 0, min(len(data)/5*4+4, limit))
	i := 0
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	if i+1 < len(data) && data[i] == '<' && data[i+1] == '~' {
		i += 2
	}

	var group uint64 // value of the current group, base 85
	n := 0           // characters in the current group
	for ; i < len(data); i++ {
		c := data[i]
		switch {
		case c >= '!' && c <= 'u':
			group = group*85 + uint64(c-'!')
			n++
			if n < 5 {
				continue
			}
			if group > 0xffffffff {
				return out, fmt.Errorf("ascii85: %w (group overflow at offset %d)", ErrCorrupt, i)
			}
			if len(out)+4 > limit {
				return nil, errLimit("ascii85", limit)
			}
			out = grow(out, 4, limit)
			out = append(out, byte(group>>24), byte(group>>16), byte(group>>8), byte(group))
			group, n = 0, 0
		case c == 'z' && n == 0:
			if len(out)+4 > limit {
				return nil, errLimit("ascii85", limit)
			}
			out = grow(out, 4, limit)
			out = append(out, 0, 0, 0, 0)
		case isSpace(c):
		case c == '~':
			// End of data; whatever follows (normally '>') is ignored.
			return finishA85(out, group, n, limit)
		default:
			// The pending partial group is dropped: it is not known to be
			// the final one.
			return out, fmt.Errorf("ascii85: %w (byte %#x at offset %d)", ErrCorrupt, c, i)
		}
	}
	return finishA85(out, group, n, limit)
}

// finishA85 decodes a final partial group of n characters: it is padded
// with 'u' (84) to five characters and gives n-1 bytes.
func finishA85(out []byte, group uint64, n, limit int) ([]byte, error) {
	switch n {
	case 0:
		return out, nil
	case 1:
		// One character cannot encode a byte.
		return out, fmt.Errorf("ascii85: %w (lone final character)", ErrCorrupt)
	}
	for k := n; k < 5; k++ {
		group = group*85 + 84
	}
	if group > 0xffffffff {
		return out, fmt.Errorf("ascii85: %w (final group overflow)", ErrCorrupt)
	}
	if len(out)+n-1 > limit {
		return nil, errLimit("ascii85", limit)
	}
	b := [4]byte{byte(group >> 24), byte(group >> 16), byte(group >> 8), byte(group)}
	out = grow(out, n-1, limit)
	return append(out, b[:n-1]...), nil
}
