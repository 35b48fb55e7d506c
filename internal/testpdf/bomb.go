package testpdf

import "bytes"

// A Flate bomb: a zlib stream hand-assembled from one fixed-Huffman block
// holding a literal space and then `copies` back-references of length 258
// at distance 1. Each back-reference costs 13 bits (8-bit length code 285,
// 5-bit distance code 0), so 2 GiB of output takes 13.5 MB; that stream is
// itself periodic (13 bits x 8 = 13 bytes) and compresses again ~500:1,
// giving a content stream with /Filter [/FlateDecode /FlateDecode] of
// about 26 KB. Building it by hand avoids compressing gigabytes in a test.

// bitWriter packs bits least-significant first, as DEFLATE (RFC 1951) does.
type bitWriter struct {
	buf   bytes.Buffer
	acc   uint64
	nbits uint
}

// bits writes the low n bits of v, LSB first (header fields, extra bits).
func (w *bitWriter) bits(v uint64, n uint) {
	w.acc |= v << w.nbits
	w.nbits += n
	for w.nbits >= 8 {
		w.buf.WriteByte(byte(w.acc))
		w.acc >>= 8
		w.nbits -= 8
	}
}

// code writes an n-bit Huffman code, most significant bit first (RFC 1951
// 3.1.1: Huffman codes are packed starting with their MSB).
func (w *bitWriter) code(c uint64, n uint) {
	w.bits(reverse(c, n), n)
}

// reverse returns the low n bits of c in reverse order.
func reverse(c uint64, n uint) uint64 {
	var rev uint64
	for i := uint(0); i < n; i++ {
		rev = rev<<1 | (c>>i)&1
	}
	return rev
}

// flush pads the last byte with zero bits.
func (w *bitWriter) flush() {
	if w.nbits > 0 {
		w.buf.WriteByte(byte(w.acc))
		w.acc, w.nbits = 0, 0
	}
}

// bombZlib returns a valid zlib stream that inflates to 1+258*copies bytes
// of ' ' (which a content-stream lexer skips as whitespace).
func bombZlib(copies int) []byte {
	var w bitWriter
	w.buf.Write([]byte{0x78, 0x01}) // deflate, 32K window, check bits valid
	w.bits(1, 1)                    // BFINAL
	w.bits(1, 2)                    // BTYPE 01: fixed Huffman codes
	w.code(0x30+' ', 8)             // literal 0..143: 8-bit codes from 0x30
	// One copy is length 258 (code 285; 280..287 are 8-bit codes from
	// 0xC0) then distance 1 (5-bit distance code 0, no extra bits).
	// Assemble those 13 bits once: the loop runs 8 million times.
	copyBits := reverse(0xc0+(285-280), 8) | reverse(0, 5)<<8
	for i := 0; i < copies; i++ {
		w.bits(copyBits, 13)
	}
	w.code(0, 7) // end of block: code 256, 7-bit code 0
	w.flush()
	n := uint64(1 + 258*copies)
	a, b := adler32Repeat(' ', n)
	w.buf.Write([]byte{byte(b >> 8), byte(b), byte(a >> 8), byte(a)})
	return w.buf.Bytes()
}

// adler32Repeat is Adler-32 (RFC 1950) of n copies of byte c, in closed
// form: A = 1 + n*c, B = n + c*n(n+1)/2, both mod 65521.
func adler32Repeat(c byte, n uint64) (a, b uint64) {
	const mod = 65521
	a = (1 + (n%mod)*uint64(c)) % mod
	tri := n % (2 * mod) * ((n + 1) % (2 * mod)) / 2 % mod // n(n+1)/2 mod 65521
	b = (n%mod + uint64(c)*tri) % mod
	return a, b
}

// bombCopies makes the bomb inflate to 1+258*bombCopies bytes: 2.0 GiB.
const bombCopies = 8_323_000
