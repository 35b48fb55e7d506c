package filter

import (
	"bytes"
	"compress/zlib"
	"errors"
	"testing"
)

// checkDecode runs Decode and checks the invariants every input must keep:
// no panic, output within the limit, only our errors, nil output with
// ErrLimit.
func checkDecode(t *testing.T, name string, p Params, data []byte, limit int64) []byte {
	t.Helper()
	keep := bytes.Clone(data)
	got, err := Decode(name, p, data, limit)
	if int64(len(got)) > limit {
		t.Fatalf("%s: %d bytes out with limit %d", name, len(got), limit)
	}
	// PNG rows are undone in place in a buffer that also held one tag byte
	// per row: at most one per output byte.
	maxCap := limit
	if p.Predictor >= 10 {
		maxCap = 2*limit + 1
	}
	if int64(cap(got)) > maxCap {
		t.Fatalf("%s: capacity %d with limit %d", name, cap(got), limit)
	}
	if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrLimit) && !errors.Is(err, ErrUnsupported) {
		t.Fatalf("%s: error %v wraps none of ours", name, err)
	}
	if errors.Is(err, ErrLimit) && got != nil {
		t.Fatalf("%s: %d bytes returned with ErrLimit", name, len(got))
	}
	if !bytes.Equal(data, keep) {
		t.Fatalf("%s: input modified", name)
	}
	return got
}

// fuzzLimit maps a fuzzer value to a limit from 0 to 4 MiB.
func fuzzLimit(l uint32) int64 { return int64(l % (4<<20 + 1)) }

func FuzzFlate(f *testing.F) {
	f.Add(zlibBytes(f, contentStream(2000), 6), uint32(1<<20))
	f.Add(zlibBytes(f, make([]byte, 100_000), 9), uint32(1000))
	f.Add(deflateBytes(f, []byte("raw deflate")), uint32(100))
	f.Add([]byte{0x78, 0x9c}, uint32(10))
	f.Add([]byte{0x78, 0xbb, 1, 2, 3, 4, 0xff}, uint32(10)) // FDICT
	f.Add([]byte{}, uint32(0))
	f.Fuzz(func(t *testing.T, data []byte, lim uint32) {
		checkDecode(t, "FlateDecode", Params{}, data, fuzzLimit(lim))
	})
}

func FuzzPredictor(f *testing.F) {
	f.Add(pngEncode(imageRows(1000, 20), 1, 20, -1), 12, 1, 8, 20, uint32(1<<20))
	f.Add(tiffEncode(imageRows(900, 30), 3, 8, 10), 2, 3, 8, 10, uint32(1<<20))
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7}, 2, 3, 1, 7, uint32(100))
	f.Add([]byte{4, 255, 255, 255, 4, 0, 0, 0}, 15, 2, 16, 1, uint32(5))
	f.Fuzz(func(t *testing.T, raw []byte, pred, colors, bpc, columns int, lim uint32) {
		var b bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&b, zlib.BestSpeed)
		zw.Write(raw)
		zw.Close()
		p := Params{Predictor: pred, Colors: colors, BitsPerComponent: bpc, Columns: columns, EarlyChange: 1}
		checkDecode(t, "FlateDecode", p, b.Bytes(), fuzzLimit(lim))
		checkDecode(t, "LZWDecode", p, lzwEncode(raw, 1), fuzzLimit(lim))
	})
}

func FuzzLZW(f *testing.F) {
	f.Add(lzwEncode(contentStream(3000), 1), 1, uint32(1<<20))
	f.Add(lzwEncode(make([]byte, 50_000), 0), 0, uint32(1000))
	f.Add([]byte{0x80, 0x0B, 0x60, 0x50, 0x22, 0x0C, 0x0C, 0x85, 0x01}, 1, uint32(5))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, 1, uint32(100))
	f.Fuzz(func(t *testing.T, data []byte, early int, lim uint32) {
		checkDecode(t, "LZWDecode", Params{EarlyChange: early & 1}, data, fuzzLimit(lim))
	})
}

func FuzzASCII85(f *testing.F) {
	f.Add([]byte("87cURD]j7BEbo80~>"), uint32(100))
	f.Add([]byte("<~zzzzz~>"), uint32(7))
	f.Add([]byte("BOu!rD\n Z"), uint32(100))
	f.Add([]byte("uuuuu~>"), uint32(100))
	f.Add([]byte("s8W-!s8W"), uint32(100))
	f.Fuzz(func(t *testing.T, data []byte, lim uint32) {
		checkDecode(t, "ASCII85Decode", Params{}, data, fuzzLimit(lim))
	})
}

func FuzzASCIIHex(f *testing.F) {
	f.Add([]byte("48656C6C6F>"), uint32(100))
	f.Add([]byte("4 1\n4>"), uint32(1))
	f.Add([]byte("zz"), uint32(100))
	f.Fuzz(func(t *testing.T, data []byte, lim uint32) {
		checkDecode(t, "ASCIIHexDecode", Params{}, data, fuzzLimit(lim))
	})
}

func FuzzRunLength(f *testing.F) {
	f.Add(runLengthEncode(contentStream(1000)), uint32(1<<20))
	f.Add(bytes.Repeat([]byte{129, 0}, 100), uint32(1000))
	f.Add([]byte{5, 1}, uint32(100))
	f.Add([]byte{200}, uint32(100))
	f.Fuzz(func(t *testing.T, data []byte, lim uint32) {
		checkDecode(t, "RunLengthDecode", Params{}, data, fuzzLimit(lim))
	})
}

// FuzzRoundTrip checks decoders against the test encoders on arbitrary
// data: what the encoders write must come back unchanged.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("hello hello hello"), uint8(0))
	f.Add(randomBytes(300, 1), uint8(3))
	f.Fuzz(func(t *testing.T, src []byte, which uint8) {
		var name string
		var enc []byte
		switch which % 3 {
		case 0:
			name, enc = "LZWDecode", lzwEncode(src, 1)
		case 1:
			name, enc = "RunLengthDecode", runLengthEncode(src)
		case 2:
			name, enc = "FlateDecode", zlibBytes(t, src, 6)
		}
		got := checkDecode(t, name, Params{EarlyChange: 1}, enc, int64(len(src)))
		if !bytes.Equal(got, src) {
			t.Fatalf("%s: round trip mismatch", name)
		}
	})
}
