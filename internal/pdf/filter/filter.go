package filter

import (
	"errors"
	"fmt"
	"math"
)

// Params holds the /DecodeParms entries the filters of this package use.
// Zero values of Colors, BitsPerComponent and Columns mean "absent" and take
// the PDF defaults (1, 8, 1); Predictor 0 or 1 means no predictor.
//
// EarlyChange is used as given because 0 is a meaningful value: callers set
// it to 1 (the PDF default) when /EarlyChange is absent. As a safety net the
// LZW decoder retries with the other value when the given one produces a
// corrupt code sequence.
type Params struct {
	Predictor        int
	Colors           int
	BitsPerComponent int
	Columns          int
	EarlyChange      int // LZW only, PDF default 1
}

// Errors returned by Decode, always wrapped with the filter's name or a short
// prefix ("flate: ...").
var (
	// ErrLimit means the decoded output would be larger than the limit.
	ErrLimit = errors.New("decoded data exceeds the limit")
	// ErrUnsupported means the filter (or predictor) is not decoded here.
	ErrUnsupported = errors.New("unsupported filter")
	// ErrCorrupt means the input is damaged; the bytes returned with it are
	// the part that could be decoded.
	ErrCorrupt = errors.New("corrupt data")
)

// Decode applies one filter to data. name is the full or abbreviated filter
// name: FlateDecode/Fl, LZWDecode/LZW, ASCII85Decode/A85, ASCIIHexDecode/AHx,
// RunLengthDecode/RL. Predictors in p apply to Flate and LZW only.
//
// limit caps the decoded size in bytes: larger output fails with an error
// wrapping ErrLimit (and nil data); a negative limit means no cap, which
// callers should only use for trusted data. Image-only filters (DCTDecode,
// JPXDecode, JBIG2Decode, CCITTFaxDecode and their abbreviations) and unknown
// names fail with ErrUnsupported. Damaged input returns the bytes decoded so
// far together with an error wrapping ErrCorrupt.
//
// Decode never modifies data and is safe for concurrent use.
func Decode(name string, p Params, data []byte, limit int64) ([]byte, error) {
	lim := intLimit(limit)
	switch name {
	case "FlateDecode", "Fl":
		return decodeFlate(p, data, lim)
	case "LZWDecode", "LZW":
		return decodeLZWPredicted(p, data, lim)
	case "ASCII85Decode", "A85":
		return decodeASCII85(data, lim)
	case "ASCIIHexDecode", "AHx":
		return decodeASCIIHex(data, lim)
	case "RunLengthDecode", "RL":
		return decodeRunLength(data, lim)
	case "DCTDecode", "DCT", "JPXDecode", "JBIG2Decode", "CCITTFaxDecode", "CCF":
		return nil, fmt.Errorf("%s: %w (image filter)", name, ErrUnsupported)
	default:
		return nil, fmt.Errorf("%s: %w", name, ErrUnsupported)
	}
}

// intLimit turns the caller's int64 limit into an int, where a negative
// limit means "no limit".
func intLimit(limit int64) int {
	if limit < 0 || limit > math.MaxInt {
		return math.MaxInt
	}
	return int(limit)
}

// errLimit builds the error for output larger than limit.
func errLimit(prefix string, limit int) error {
	return fmt.Errorf("%s: %w (%d bytes)", prefix, ErrLimit, limit)
}

// grow returns buf with room for n more bytes. The caller has checked that
// len(buf)+n <= limit. The capacity never exceeds limit, so even a
// decompression bomb cannot make us allocate more than the caller allowed.
func grow(buf []byte, n, limit int) []byte {
	need := len(buf) + n
	if need <= cap(buf) {
		return buf
	}
	c := 2 * cap(buf)
	if c < need {
		c = need
	}
	if c < 512 {
		c = 512
	}
	if c > limit {
		c = limit
	}
	nb := make([]byte, len(buf), c)
	copy(nb, buf)
	return nb
}

// growTo returns buf with capacity c, or limit if that is smaller.
func growTo(buf []byte, c, limit int) []byte {
	c = min(c, limit)
	if c <= cap(buf) {
		return buf
	}
	nb := make([]byte, len(buf), c)
	copy(nb, buf)
	return nb
}

// addSat adds two non-negative ints, saturating at math.MaxInt.
func addSat(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

// isSpace reports PDF white-space characters (ISO 32000-1, 7.2.2).
func isSpace(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ':
		return true
	}
	return false
}
