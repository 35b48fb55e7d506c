package filter

import (
	"errors"
	"fmt"
)

// LZW as used by PDF (ISO 32000-1, 7.4.4): codes are 9 to 12 bits, most
// significant bit first; 256 clears the table and 257 ends the data. With
// EarlyChange 1 (the default) the code width grows one code early.
//
// compress/lzw is not used because it has no EarlyChange 1 mode.
const (
	lzwClear    = 256
	lzwEOD      = 257
	lzwFirst    = 258
	lzwMaxCodes = 4096
)

// decodeLZWPredicted decodes LZW data and applies the predictor from p.
func decodeLZWPredicted(p Params, data []byte, limit int) ([]byte, error) {
	pred, err := newPredictor(p)
	if err != nil {
		return nil, fmt.Errorf("lzw: %w", err)
	}
	early := 1
	if p.EarlyChange == 0 {
		early = 0
	}
	out, lerr := decodeLZW(data, early, pred.rawLimit(limit))
	if errors.Is(lerr, ErrCorrupt) {
		// A wrong /EarlyChange desynchronises the code width and shows up as
		// an impossible code. Keep the other reading only if it is clean.
		if out2, err2 := decodeLZW(data, 1-early, pred.rawLimit(limit)); err2 == nil {
			out, lerr = out2, nil
		}
	}
	if errors.Is(lerr, ErrLimit) {
		return nil, errLimit("lzw", limit)
	}
	out, perr := pred.apply(out)
	if len(out) > limit {
		return nil, errLimit("lzw", limit)
	}
	if lerr != nil {
		return out, fmt.Errorf("lzw: %w", lerr)
	}
	if perr != nil {
		return out, fmt.Errorf("lzw: %w", perr)
	}
	return out, nil
}

// lzwEntry locates a table string in the output decoded so far. Every
// string added to the table is the previous code's string plus the first
// byte of the current one, and those two are adjacent in the output, so a
// string is just an offset and a length: no separate string storage.
type lzwEntry struct {
	off int
	n   int
}

// decodeLZW decodes at most limit bytes. Missing EOD is not an error.
func decodeLZW(data []byte, early, limit int) ([]byte, error) {
	var table [lzwMaxCodes]lzwEntry
	out := make([]byte, 0, min(limit, max(3*len(data), 512)))

	var acc uint32 // bit accumulator
	nbits := 0     // valid bits in acc
	pos := 0       // next input byte
	width := 9
	next := lzwFirst
	prevOff, prevLen := 0, 0 // string of the previous code; prevLen 0 = none

	for {
		for nbits < width {
			if pos >= len(data) {
				return out, nil
			}
			acc = acc<<8 | uint32(data[pos])
			pos++
			nbits += 8
		}
		code := int(acc>>(nbits-width)) & (1<<width - 1)
		nbits -= width

		if code == lzwClear {
			width, next, prevLen = 9, lzwFirst, 0
			continue
		}
		if code == lzwEOD {
			return out, nil
		}

		curOff := len(out)
		var curLen int
		switch {
		case code < 256:
			curLen = 1
			if len(out)+1 > limit {
				return nil, ErrLimit
			}
			out = grow(out, 1, limit)
			out = append(out, byte(code))
		case code < next:
			e := table[code]
			curLen = e.n
			if len(out)+curLen > limit {
				return nil, ErrLimit
			}
			out = grow(out, curLen, limit)
			out = append(out, out[e.off:e.off+e.n]...)
		case code == next && prevLen > 0:
			// The code being defined right now: previous string plus its
			// own first byte.
			curLen = prevLen + 1
			if len(out)+curLen > limit {
				return nil, ErrLimit
			}
			out = grow(out, curLen, limit)
			out = append(out, out[prevOff:prevOff+prevLen]...)
			out = append(out, out[prevOff])
		default:
			return out, fmt.Errorf("%w (code %d with next free code %d)", ErrCorrupt, code, next)
		}

		if prevLen > 0 && next < lzwMaxCodes {
			table[next] = lzwEntry{off: prevOff, n: prevLen + 1}
			next++
			if next+early >= 1<<width && width < 12 {
				width++
			}
		}
		prevOff, prevLen = curOff, curLen
	}
}
