package filter

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// Encoders used by the tests. They are the reverse of what the package
// decodes, written as plainly as possible so that a round trip checks the
// decoder against an independent description of the format.

func zlibBytes(t testing.TB, data []byte, level int) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := zlib.NewWriterLevel(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func deflateBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, flate.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngEncode applies PNG row filters. tag < 0 cycles through all five
// filter types row by row.
func pngEncode(data []byte, bpp, rowBytes, tag int) []byte {
	var out []byte
	prev := make([]byte, rowBytes)
	for row := 0; row*rowBytes < len(data); row++ {
		cur := data[row*rowBytes : min((row+1)*rowBytes, len(data))]
		tg := tag
		if tg < 0 {
			tg = row % 5
		}
		out = append(out, byte(tg))
		for j := range cur {
			var a, b, c byte
			if j >= bpp {
				a = cur[j-bpp]
				c = prev[j-bpp]
			}
			b = prev[j]
			var pred byte
			switch tg {
			case 1:
				pred = a
			case 2:
				pred = b
			case 3:
				pred = byte((int(a) + int(b)) / 2)
			case 4:
				pred = paethRef(a, b, c)
			}
			out = append(out, cur[j]-pred)
		}
		copy(prev, cur)
	}
	return out
}

// tiffEncode applies TIFF predictor 2 (horizontal differencing).
func tiffEncode(data []byte, colors, bpc, columns int) []byte {
	out := append([]byte(nil), data...)
	rb := (colors*bpc*columns + 7) / 8
	mask := 1<<bpc - 1
	for start := 0; start < len(out); start += rb {
		orig := data[start:min(start+rb, len(data))]
		row := out[start:min(start+rb, len(out))]
		samples := min(colors*columns, len(row)*8/bpc)
		get := func(b []byte, k int) int {
			if bpc == 16 {
				return int(b[2*k])<<8 | int(b[2*k+1])
			}
			bit := k * bpc
			return int(b[bit/8]>>(8-bpc-bit%8)) & mask
		}
		set := func(b []byte, k, v int) {
			if bpc == 16 {
				b[2*k], b[2*k+1] = byte(v>>8), byte(v)
				return
			}
			bit := k * bpc
			shift := 8 - bpc - bit%8
			b[bit/8] = b[bit/8]&^byte(mask<<shift) | byte((v&mask)<<shift)
		}
		if bpc == 16 {
			samples = min(colors*columns, len(row)/2)
		}
		for k := colors; k < samples; k++ {
			set(row, k, (get(orig, k)-get(orig, k-colors))&mask)
		}
	}
	return out
}

// lzwEncode is a plain PDF LZW encoder. It mirrors the decoder's code-width
// rule (the decoder adds a table entry one code later than the encoder) and
// clears the table before it runs out of 12-bit codes.
func lzwEncode(data []byte, early int) []byte {
	var out []byte
	var acc uint64
	nbits := 0
	width := 9
	decNext := lzwFirst // the decoder's next free code
	havePrev := false
	emit := func(code int) {
		acc = acc<<width | uint64(code)
		nbits += width
		for nbits >= 8 {
			out = append(out, byte(acc>>(nbits-8)))
			nbits -= 8
		}
		if code == lzwClear {
			width, decNext, havePrev = 9, lzwFirst, false
			return
		}
		if havePrev && decNext < lzwMaxCodes {
			decNext++
			if decNext+early >= 1<<width && width < 12 {
				width++
			}
		}
		havePrev = true
	}
	type key struct {
		prefix int
		b      byte
	}
	table := map[key]int{}
	next := lzwFirst
	emit(lzwClear)
	cur := -1
	for _, b := range data {
		if cur < 0 {
			cur = int(b)
			continue
		}
		if code, ok := table[key{cur, b}]; ok {
			cur = code
			continue
		}
		emit(cur)
		table[key{cur, b}] = next
		next++
		cur = int(b)
		if next >= lzwMaxCodes-2 {
			emit(cur)
			emit(lzwClear)
			clear(table)
			next = lzwFirst
			cur = -1
		}
	}
	if cur >= 0 {
		emit(cur)
	}
	emit(lzwEOD)
	if nbits > 0 {
		out = append(out, byte(acc<<(8-nbits)))
	}
	return out
}

// runLengthEncode writes literal runs and repeat runs, then EOD.
func runLengthEncode(data []byte) []byte {
	var out []byte
	for i := 0; i < len(data); {
		j := i + 1
		for j < len(data) && j-i < 128 && data[j] == data[i] {
			j++
		}
		if j-i >= 2 {
			out = append(out, byte(257-(j-i)), data[i])
			i = j
			continue
		}
		j = i + 1
		for j < len(data) && j-i < 128 && (j+1 >= len(data) || data[j] != data[j+1]) {
			j++
		}
		out = append(out, byte(j-i-1))
		out = append(out, data[i:j]...)
		i = j
	}
	return append(out, 128)
}

// randomBytes returns deterministic pseudo-random bytes.
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// contentStream returns n bytes that look like a PDF content stream.
func contentStream(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "PDF", "stream", "2024", "invoice"}
	var b bytes.Buffer
	for b.Len() < n {
		fmt.Fprintf(&b, "BT /F%d %d Tf %d %d Td (", r.IntN(4)+1, 8+r.IntN(6), 72+r.IntN(400), 40+r.IntN(700))
		for k := r.IntN(8) + 1; k > 0; k-- {
			b.WriteString(words[r.IntN(len(words))])
			b.WriteByte(' ')
		}
		b.WriteString(") Tj ET\n")
		if r.IntN(5) == 0 {
			fmt.Fprintf(&b, "%.2f %.2f %.2f rg %d %d %d %d re f\n", r.Float64(), r.Float64(), r.Float64(), r.IntN(500), r.IntN(700), r.IntN(100), r.IntN(100))
		}
	}
	return b.Bytes()[:n]
}

// imageRows returns n bytes of smooth, image-like data (a gradient with
// noise) which is what PNG predictors are used for.
func imageRows(n, rowBytes int) []byte {
	r := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, n)
	for i := range b {
		x, y := i%rowBytes, i/rowBytes
		b[i] = byte(x/3 + y/2 + r.IntN(4))
	}
	return b
}

// checkErr fails unless err wraps want (nil means no error).
func checkErr(t *testing.T, err, want error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want one wrapping %v", err, want)
	}
}

// paethRef is the Paeth predictor exactly as RFC 2083 states it; paethRow
// inlines a rearranged version.
func paethRef(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := absInt(p-int(a)), absInt(p-int(b)), absInt(p-int(c))
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}
