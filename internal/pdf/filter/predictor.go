package filter

import (
	"fmt"
	"strconv"
)

// predictor undoes the TIFF or PNG prediction that may follow Flate and LZW
// (ISO 32000-1, 7.4.4.4).
type predictor struct {
	kind     int // 0 none, 2 TIFF, 10 PNG (the row tag selects the PNG filter)
	colors   int
	bpc      int
	bpp      int // bytes per complete pixel, at least 1 (PNG "bpp")
	rowBytes int // bytes per row of output
	samples  int // samples per row (Columns * Colors)
}

// Bounds for /DecodeParms values. They keep row sizes far from integer
// overflow; real files stay well inside them.
const (
	maxColors  = 32 // DeviceN allows at most 32 components
	maxColumns = 1 << 24
)

// newPredictor validates p. Zero values take the PDF defaults.
func newPredictor(p Params) (predictor, error) {
	var pr predictor
	switch {
	case p.Predictor <= 1:
		return pr, nil
	case p.Predictor == 2:
		pr.kind = 2
	case p.Predictor >= 10 && p.Predictor <= 15:
		pr.kind = 10
	default:
		return pr, fmt.Errorf("predictor %d: %w", p.Predictor, ErrUnsupported)
	}
	colors, bpc, columns := p.Colors, p.BitsPerComponent, p.Columns
	if colors == 0 {
		colors = 1
	}
	if bpc == 0 {
		bpc = 8
	}
	if columns == 0 {
		columns = 1
	}
	if colors < 1 || colors > maxColors {
		return pr, fmt.Errorf("predictor: bad /Colors %d: %w", colors, ErrCorrupt)
	}
	switch bpc {
	case 1, 2, 4, 8, 16:
	default:
		return pr, fmt.Errorf("predictor: bad /BitsPerComponent %d: %w", bpc, ErrCorrupt)
	}
	if columns < 1 || columns > maxColumns {
		return pr, fmt.Errorf("predictor: bad /Columns %d: %w", columns, ErrCorrupt)
	}
	pr.colors = colors
	pr.bpc = bpc
	pr.bpp = max(1, colors*bpc/8)
	pr.rowBytes = (colors*bpc*columns + 7) / 8
	pr.samples = colors * columns
	return pr, nil
}

// rawLimit is how many bytes the filter before the predictor may produce so
// that the predicted output fits in limit: PNG adds one tag byte per row.
// Rows are undone in place, so with PNG the buffer behind the output holds
// up to limit + limit/rowBytes + 1 bytes (twice the limit at worst, for
// one-byte rows).
func (pr predictor) rawLimit(limit int) int {
	if pr.kind != 10 {
		return limit
	}
	return addSat(limit, limit/pr.rowBytes+1)
}

// apply undoes the prediction in place (data is our own buffer). A damaged
// row ends the output with ErrCorrupt.
func (pr predictor) apply(data []byte) ([]byte, error) {
	switch pr.kind {
	case 2:
		pr.tiff(data)
		return data, nil
	case 10:
		return pr.png(data)
	}
	return data, nil
}

// png undoes PNG filtering (RFC 2083, 6). Each input row is a filter-type
// byte followed by rowBytes bytes.
//
// The output is written over the input: output row i starts at i*rowBytes,
// before input row i at i*(rowBytes+1)+1, so moving a row down (copy is a
// memmove) never overwrites input not yet used, and the previous output row
// is never overwritten while in use. A short last row is decoded as far as
// it goes.
func (pr predictor) png(data []byte) ([]byte, error) {
	rb, bpp := pr.rowBytes, pr.bpp
	// The row above the first one is all zeros.
	prev := make([]byte, min(rb, len(data)))
	in, out := 0, 0
	for in < len(data) {
		tag := data[in]
		in++
		n := min(rb, len(data)-in)
		cur := data[out : out+n]
		copy(cur, data[in:in+n])
		up := prev[:n]
		switch tag {
		case 0: // None
		case 1: // Sub
			for j := bpp; j < len(cur); j++ {
				cur[j] += cur[j-bpp]
			}
		case 2: // Up
			for j := range cur {
				cur[j] += up[j]
			}
		case 3: // Average
			for j := 0; j < bpp && j < len(cur); j++ {
				cur[j] += up[j] / 2
			}
			for j := bpp; j < len(cur); j++ {
				cur[j] += byte((int(cur[j-bpp]) + int(up[j])) / 2)
			}
		case 4: // Paeth
			paethRow(cur, up, bpp)
		default:
			return data[:out], fmt.Errorf("predictor: bad PNG row filter %d: %w", tag, ErrCorrupt)
		}
		prev = cur
		in += n
		out += n
	}
	return data[:out], nil
}

// paethRow undoes the Paeth filter of one row in place. This is the hot
// loop for photographic images, so the predictor is written out inline in
// both loops (a helper is too large for the inliner) and its selects are
// shaped so that the compiler emits conditional moves: on noisy images the
// branches are unpredictable. Each byte depends on the one bpp bytes to its
// left; with one byte per pixel that value stays in a register, with more
// the per-channel chains overlap better when read back from memory.
func paethRow(cur, up []byte, bpp int) {
	up = up[:len(cur)]
	if bpp == 1 {
		a, c := 0, 0
		for j := range cur {
			b := int(up[j])
			pa := b - c           // |p-a| where p = a+b-c
			pb := a - c           // |p-b|
			pc := absInt(pa + pb) // |p-c|
			pa, pb = absInt(pa), absInt(pb)
			pred := c
			if pb <= pc {
				pred = b
			}
			if pa <= min(pb, pc) {
				pred = a
			}
			a = (pred + int(cur[j])) & 0xff
			cur[j] = byte(a)
			c = b
		}
		return
	}
	for j := 0; j < bpp && j < len(cur); j++ {
		cur[j] += up[j] // left and upper-left are zero: the predictor is up
	}
	for j := bpp; j < len(cur); j++ {
		a, b, c := int(cur[j-bpp]), int(up[j]), int(up[j-bpp])
		pa := b - c
		pb := a - c
		pc := absInt(pa + pb)
		pa, pb = absInt(pa), absInt(pb)
		pred := c
		if pb <= pc {
			pred = b
		}
		if pa <= min(pb, pc) {
			pred = a
		}
		cur[j] += byte(pred)
	}
}

// absInt is a branch-free absolute value.
func absInt(x int) int {
	m := x >> (strconv.IntSize - 1)
	return (x ^ m) - m
}

// tiff undoes TIFF predictor 2 (horizontal differencing) in place: each
// sample is stored as the difference from the same component of the pixel
// to its left, modulo 2^bpc. Rows start on byte boundaries.
func (pr predictor) tiff(data []byte) {
	rb, colors := pr.rowBytes, pr.colors
	for start := 0; start < len(data); start += rb {
		row := data[start:min(start+rb, len(data))]
		switch pr.bpc {
		case 8:
			for j := colors; j < len(row); j++ {
				row[j] += row[j-colors]
			}
		case 16:
			step := 2 * colors
			for j := step; j+1 < len(row); j += 2 {
				v := uint16(row[j])<<8 | uint16(row[j+1])
				v += uint16(row[j-step])<<8 | uint16(row[j-step+1])
				row[j], row[j+1] = byte(v>>8), byte(v)
			}
		default:
			tiffBits(row, pr.bpc, colors, pr.samples)
		}
	}
}

// tiffBits undoes TIFF prediction for 1, 2 and 4 bits per component, where
// samples are packed most significant bit first.
func tiffBits(row []byte, bpc, colors, samples int) {
	var last [maxColors]byte // previous decoded sample of each component
	mask := byte(1)<<bpc - 1
	// The padding bits at the end of a row are not samples; a short last
	// row has fewer samples.
	samples = min(samples, len(row)*8/bpc)
	for k := 0; k < samples; k++ {
		bit := k * bpc
		shift := 8 - bpc - bit%8
		i := bit / 8
		v := row[i] >> shift & mask
		c := k % colors
		if k >= colors {
			v = (v + last[c]) & mask
		}
		last[c] = v
		row[i] = row[i]&^(mask<<shift) | v<<shift
	}
}
