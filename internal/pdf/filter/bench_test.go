package filter

import (
	"bytes"
	"compress/flate"
	"io"
	"strconv"
	"testing"
)

// Benchmarks report MB/s of decoded output.

func benchDecode(b *testing.B, name string, p Params, enc []byte, size int) {
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		out, err := Decode(name, p, enc, 256<<20)
		if err != nil || len(out) != size {
			b.Fatalf("got %d bytes, err %v", len(out), err)
		}
	}
}

// BenchmarkFlateContent: a typical content stream.
func BenchmarkFlateContent(b *testing.B) {
	for _, size := range []int{4 << 10, 64 << 10, 1 << 20} {
		src := contentStream(size)
		b.Run(byteSize(size), func(b *testing.B) {
			benchDecode(b, "FlateDecode", Params{}, zlibBytes(b, src, 6), size)
		})
	}
}

// BenchmarkFlatePNG: an image or cross-reference stream with a PNG
// predictor (mixed row filters, as encoders choose per row).
func BenchmarkFlatePNG(b *testing.B) {
	const rb = 3 * 600 // 600 RGB pixels per row
	for _, size := range []int{64 << 10, 4 << 20} {
		src := imageRows(size-size%rb, rb)
		for _, tag := range []int{2, 4, -1} {
			enc := zlibBytes(b, pngEncode(src, 3, rb, tag), 6)
			p := Params{Predictor: 15, Colors: 3, Columns: 600}
			b.Run(byteSize(size)+"/"+tagName(tag), func(b *testing.B) {
				benchDecode(b, "FlateDecode", p, enc, len(src))
			})
		}
	}
}

// BenchmarkFlateXRef: a cross-reference stream, /W [1 4 2], Predictor 12.
func BenchmarkFlateXRef(b *testing.B) {
	const rows = 100_000
	src := make([]byte, 0, rows*7)
	for i := range rows {
		off := 15 + i*173
		src = append(src, 1, byte(off>>24), byte(off>>16), byte(off>>8), byte(off), 0, 0)
	}
	enc := zlibBytes(b, pngEncode(src, 1, 7, 2), 6)
	benchDecode(b, "FlateDecode", Params{Predictor: 12, Columns: 7}, enc, len(src))
}

// BenchmarkInflatePool compares the pooled reader with a fresh
// flate.NewReader per stream, for the small streams that dominate.
func BenchmarkInflatePool(b *testing.B) {
	src := contentStream(4 << 10)
	enc := deflateBytes(b, src)
	b.Run("pooled", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		b.ReportAllocs()
		for b.Loop() {
			if out, err := inflate(enc, 1<<20); err != nil || len(out) != len(src) {
				b.Fatal(err)
			}
		}
	})
	b.Run("fresh", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		b.ReportAllocs()
		for b.Loop() {
			r := flate.NewReader(bytes.NewReader(enc))
			out, err := io.ReadAll(r)
			if err != nil || len(out) != len(src) {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkLZW(b *testing.B) {
	src := contentStream(1 << 20)
	benchDecode(b, "LZWDecode", Params{EarlyChange: 1}, lzwEncode(src, 1), len(src))
}

func BenchmarkASCII85(b *testing.B) {
	src := randomBytes(1<<20, 5)
	var enc bytes.Buffer
	for i := 0; i < len(src); i += 4 {
		v := uint32(src[i])<<24 | uint32(src[i+1])<<16 | uint32(src[i+2])<<8 | uint32(src[i+3])
		var g [5]byte
		for k := 4; k >= 0; k-- {
			g[k] = byte(v%85) + '!'
			v /= 85
		}
		enc.Write(g[:])
	}
	benchDecode(b, "ASCII85Decode", Params{}, enc.Bytes(), len(src))
}

func byteSize(n int) string {
	switch {
	case n >= 1<<20:
		return strconv.Itoa(n>>20) + "MiB"
	case n >= 1<<10:
		return strconv.Itoa(n>>10) + "KiB"
	}
	return strconv.Itoa(n) + "B"
}

func tagName(tag int) string {
	return [...]string{"mixed", "none", "sub", "up", "average", "paeth"}[tag+1]
}

// BenchmarkPaethRow: the Paeth loop alone on noise (its worst case).
func BenchmarkPaethRow(b *testing.B) {
	for _, bpp := range []int{1, 3, 4} {
		cur, up := randomBytes(1800, 1), randomBytes(1800, 2)
		b.Run("bpp"+strconv.Itoa(bpp), func(b *testing.B) {
			b.SetBytes(int64(len(cur)))
			for b.Loop() {
				paethRow(cur, up, bpp)
			}
		})
	}
}
