// Package filter decodes the data of PDF streams: one standard filter at a
// time (FlateDecode, LZWDecode, ASCII85Decode, ASCIIHexDecode,
// RunLengthDecode), including the PNG and TIFF predictors that may follow
// Flate and LZW.
//
// It owns the byte-level decoding only. Choosing filters from a stream
// dictionary, chaining them, decryption and the per-document work budget
// belong to internal/pdf. Image-only filters (DCTDecode, JPXDecode,
// JBIG2Decode, CCITTFaxDecode) are not decoded here: they fail with
// ErrUnsupported so that callers can stop at them.
//
// Every decoder respects a hard output limit and allocates at most that
// limit for its output (plus one tag byte per row with a PNG predictor,
// whose rows are undone in place), so a decompression bomb stops at the
// limit instead of exhausting memory. Damaged input yields the bytes decoded so far together with an
// error wrapping ErrCorrupt, because real files often have truncated streams
// whose prefix is still useful.
//
// The package imports only the standard library and nothing of ours.
package filter
