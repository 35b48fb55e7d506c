package filter

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"sync"
)

// inflater is a reusable raw-deflate reader. A fresh flate reader allocates
// about 40 KB (window and Huffman tables); pooling them matters because
// Decode runs on every content stream of every document.
type inflater struct {
	br bytes.Reader
	fr io.ReadCloser // also a flate.Resetter
}

var inflaters = sync.Pool{
	New: func() any {
		ir := &inflater{}
		ir.fr = flate.NewReader(&ir.br)
		return ir
	},
}

// decodeFlate inflates a zlib (or raw deflate) stream and applies the
// predictor from p.
func decodeFlate(p Params, data []byte, limit int) ([]byte, error) {
	pred, err := newPredictor(p)
	if err != nil {
		return nil, fmt.Errorf("flate: %w", err)
	}
	out, ierr := inflateAuto(data, pred.rawLimit(limit))
	if errors.Is(ierr, ErrLimit) {
		return nil, errLimit("flate", limit)
	}
	out, perr := pred.apply(out)
	if len(out) > limit {
		return nil, errLimit("flate", limit)
	}
	if ierr != nil {
		return out, fmt.Errorf("flate: %w", ierr)
	}
	if perr != nil {
		return out, fmt.Errorf("flate: %w", perr)
	}
	return out, nil
}

// inflateAuto skips a zlib header when there is one and inflates the rest.
// The Adler-32 trailer is never checked: many writers get it wrong or leave
// it out, and the deflate data is self-delimiting anyway. Streams without a
// zlib header are inflated as raw deflate.
func inflateAuto(data []byte, limit int) ([]byte, error) {
	if !zlibHeader(data) {
		return inflate(data, limit)
	}
	start := 2
	if data[1]&0x20 != 0 {
		// FDICT: a preset dictionary id follows. PDF has no way to supply
		// the dictionary; back-references into it will show up as corrupt.
		start = 6
	}
	out, err := inflate(data[min(start, len(data)):], limit)
	if err != nil && len(out) == 0 && !errors.Is(err, ErrLimit) {
		// The two bytes only looked like a zlib header by chance (1 in 31
		// for raw deflate starting with a stored block): try raw deflate.
		if out2, err2 := inflate(data, limit); err2 == nil || len(out2) > 0 {
			return out2, err2
		}
	}
	return out, err
}

// zlibHeader reports whether d starts with a valid zlib header (RFC 1950):
// method 8 (deflate), window at most 32 KiB, and the check bits.
func zlibHeader(d []byte) bool {
	return len(d) >= 2 && d[0]&0x0f == 8 && d[0]>>4 <= 7 &&
		(uint(d[0])<<8|uint(d[1]))%31 == 0
}

// inflate decodes raw deflate data, producing at most limit bytes. On
// damaged or truncated input it returns what was decoded before the damage.
func inflate(data []byte, limit int) ([]byte, error) {
	ir := inflaters.Get().(*inflater)
	defer func() {
		ir.br.Reset(nil) // drop the reference to data while pooled
		inflaters.Put(ir)
	}()
	ir.br.Reset(data)
	if err := ir.fr.(flate.Resetter).Reset(&ir.br, nil); err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrCorrupt, err)
	}

	// Content streams typically inflate 3-5x: start at 4x, then size by
	// the ratio seen so far.
	out := make([]byte, 0, min(max(4*len(data), 1024), limit))
	for {
		if len(out) == cap(out) {
			if len(out) >= limit {
				return checkEnd(ir.fr, out, limit)
			}
			out = growTo(out, estimateSize(len(out), len(data)-ir.br.Len(), len(data)), limit)
		}
		n, err := ir.fr.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("%w (%v)", ErrCorrupt, err)
		}
	}
}

// estimateSize guesses the final output size from the output produced so
// far for consumed of total input bytes, with some margin, so that a stream
// is usually resized once rather than doubled several times.
func estimateSize(produced, consumed, total int) int {
	est := produced
	if consumed > 0 && total > consumed {
		est = int(float64(produced) * float64(total) / float64(consumed) * 1.1)
	}
	// Grow by at least 25% so that a poor estimate cannot make resizing
	// quadratic.
	return max(est, produced+produced/4, 1024)
}

// checkEnd is called when exactly limit bytes have been produced: one more
// byte of output means the stream is over the limit.
func checkEnd(r io.Reader, out []byte, limit int) ([]byte, error) {
	var one [1]byte
	for {
		n, err := r.Read(one[:])
		if n > 0 {
			return nil, ErrLimit
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("%w (%v)", ErrCorrupt, err)
		}
	}
}

// DecodePrefix returns at most n bytes of what Decode would return, without
// decoding the rest: a caller that needs only the start of a stream (the
// clear-text part of a Type 1 font program, say) skips most of the work.
// Output longer than n is not an error. Only Flate without a predictor is
// decoded lazily; other filters decode in full, bounded by limit, and are
// cut to n.
func DecodePrefix(name string, p Params, data []byte, n, limit int64) ([]byte, error) {
	if (name == "FlateDecode" || name == "Fl") && p.Predictor <= 1 {
		return inflatePrefix(data, intLimit(min(n, limit)))
	}
	out, err := Decode(name, p, data, limit)
	if int64(len(out)) > n {
		out = out[:n]
	}
	return out, err
}

// inflatePrefix inflates the first n bytes of a zlib or raw deflate stream.
func inflatePrefix(data []byte, n int) ([]byte, error) {
	if zlibHeader(data) {
		start := 2
		if data[1]&0x20 != 0 {
			start = 6
		}
		data = data[min(start, len(data)):]
	}
	ir := inflaters.Get().(*inflater)
	defer func() {
		ir.br.Reset(nil)
		inflaters.Put(ir)
	}()
	ir.br.Reset(data)
	if err := ir.fr.(flate.Resetter).Reset(&ir.br, nil); err != nil {
		return nil, fmt.Errorf("flate: %w (%v)", ErrCorrupt, err)
	}
	out := make([]byte, n)
	got, err := io.ReadFull(ir.fr, out)
	switch {
	case err == nil, errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF) && got > 0 && isCleanEnd(ir.fr):
		return out[:got], nil
	default:
		return out[:got], fmt.Errorf("flate: %w (%v)", ErrCorrupt, err)
	}
}

// isCleanEnd reports whether the deflate reader ended at the stream's end
// rather than on damage (a short stream read with ReadFull reports
// io.ErrUnexpectedEOF either way).
func isCleanEnd(r io.Reader) bool {
	var one [1]byte
	_, err := r.Read(one[:])
	return err == io.EOF
}
