package filter

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"runtime"
	"testing"
	"time"
)

func TestFlateRoundTrip(t *testing.T) {
	inputs := map[string][]byte{
		"empty":       {},
		"short":       []byte("q 1 0 0 1 0 0 cm Q"),
		"content":     contentStream(200_000),
		"random":      randomBytes(300_000, 7),
		"zeros":       make([]byte, 5_000_000),
		"image":       imageRows(100_000, 300),
		"one byte":    {42},
		"4k boundary": contentStream(4096),
	}
	for name, src := range inputs {
		for _, level := range []int{flate.NoCompression, flate.BestSpeed, flate.DefaultCompression, flate.BestCompression, flate.HuffmanOnly} {
			got, err := Decode("FlateDecode", Params{}, zlibBytes(t, src, level), noLimit)
			if err != nil || !bytes.Equal(got, src) {
				t.Fatalf("%s level %d: got %d bytes, err %v; want %d bytes", name, level, len(got), err, len(src))
			}
		}
		got, err := Decode("FlateDecode", Params{}, deflateBytes(t, src), noLimit)
		if err != nil || !bytes.Equal(got, src) {
			t.Fatalf("%s raw deflate: got %d bytes, err %v; want %d bytes", name, len(got), err, len(src))
		}
	}
}

// TestFlateKnownVector decodes bytes produced by zlib itself (Python's
// zlib.compress(b"hello world")), not by Go's encoder.
func TestFlateKnownVector(t *testing.T) {
	in := []byte{0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0x28, 0xcf, 0x2f, 0xca, 0x49, 0x01, 0x00, 0x1a, 0x0b, 0x04, 0x5d}
	got, err := Decode("FlateDecode", Params{}, in, noLimit)
	checkErr(t, err, nil)
	if string(got) != "hello world" {
		t.Fatalf("got %q", got)
	}
}

func TestFlateDamaged(t *testing.T) {
	src := contentStream(100_000)
	good := zlibBytes(t, src, 6)

	badSum := bytes.Clone(good)
	badSum[len(badSum)-1] ^= 0xff
	noSum := good[:len(good)-4]
	halfSum := good[:len(good)-2]
	trailing := append(bytes.Clone(good), "\r\nendstream garbage"...)

	// A zlib stream with a preset dictionary: PDF cannot supply it.
	var fd bytes.Buffer
	zw, _ := zlib.NewWriterLevelDict(&fd, 6, []byte("some dictionary bytes"))
	zw.Write([]byte("some dictionary bytes and more"))
	zw.Close()

	tests := []struct {
		name       string
		in         []byte
		want       []byte // exact output, or nil to check for a prefix
		minPrefix  int    // with want == nil: at least this many bytes of src
		wantErr    error
		wantPrefix []byte
	}{
		{name: "bad adler32 is ignored", in: badSum, want: src},
		{name: "missing adler32", in: noSum, want: src},
		{name: "half adler32", in: halfSum, want: src},
		{name: "trailing garbage", in: trailing, want: src},
		{name: "truncated at 80%", in: good[:len(good)*8/10], minPrefix: len(src) / 2, wantErr: ErrCorrupt, wantPrefix: src},
		{name: "truncated at 10%", in: good[:len(good)/10], minPrefix: 1000, wantErr: ErrCorrupt, wantPrefix: src},
		{name: "header only", in: good[:2], wantErr: ErrCorrupt, wantPrefix: src},
		{name: "garbage", in: []byte("this is not deflate data at all"), wantErr: ErrCorrupt, wantPrefix: []byte{}},
		{name: "empty input", in: nil, wantErr: ErrCorrupt, wantPrefix: []byte{}},
		{name: "preset dictionary", in: fd.Bytes(), wantErr: ErrCorrupt, wantPrefix: []byte{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode("FlateDecode", Params{}, tc.in, noLimit)
			checkErr(t, err, tc.wantErr)
			if tc.want != nil {
				if !bytes.Equal(got, tc.want) {
					t.Fatalf("got %d bytes, want %d", len(got), len(tc.want))
				}
				return
			}
			if len(got) < tc.minPrefix {
				t.Fatalf("got %d bytes, want at least %d", len(got), tc.minPrefix)
			}
			if !bytes.HasPrefix(tc.wantPrefix, got) && len(tc.wantPrefix) > 0 {
				t.Fatalf("output is not a prefix of the original")
			}
		})
	}
}

// TestFlateCorruptMiddle flips bits inside the compressed data: whatever
// comes back with ErrCorrupt must be a prefix of the original (the first
// blocks are undamaged).
func TestFlateCorruptMiddle(t *testing.T) {
	src := contentStream(300_000)
	// Flush every 16 KiB so the stream has many independent blocks.
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	for i := 0; i < len(src); i += 16 << 10 {
		zw.Write(src[i:min(i+16<<10, len(src))])
		zw.Flush()
	}
	zw.Close()
	good := b.Bytes()
	for _, at := range []int{len(good) / 3, len(good) / 2, len(good) * 9 / 10} {
		bad := bytes.Clone(good)
		for k := range 16 {
			bad[at+k] = 0xff
		}
		got, err := Decode("FlateDecode", Params{}, bad, noLimit)
		if err == nil {
			// Damage that still decodes must at least not be longer.
			continue
		}
		checkErr(t, err, ErrCorrupt)
		if len(got) < 16<<10 {
			t.Errorf("damage at %d: only %d bytes decoded", at, len(got))
		}
		n := min(len(got), len(src))
		// Bytes up to the damaged block must match.
		if !bytes.Equal(got[:min(n, 16<<10)], src[:min(n, 16<<10)]) {
			t.Errorf("damage at %d: first block differs", at)
		}
	}
}

// zeroBomb builds a zlib stream of size zero bytes using the streaming
// writer without compressing all of them: after a Flush the encoder emits
// the same bytes for every further 1 MiB of zeros, so one such chunk is
// repeated. The Adler-32 of n zeros is (n mod 65521)<<16 | 1.
func zeroBomb(t testing.TB, mib int) []byte {
	t.Helper()
	const chunk = 1 << 20
	zeros := make([]byte, chunk)
	var b bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&b, flate.BestCompression)
	var parts [][]byte
	for range 4 {
		start := b.Len()
		zw.Write(zeros)
		zw.Flush()
		parts = append(parts, bytes.Clone(b.Bytes()[start:]))
	}
	if !bytes.Equal(parts[2], parts[3]) {
		t.Fatal("encoder output for repeated zero chunks is not stable; cannot build the bomb")
	}
	out := append([]byte(nil), b.Bytes()[:b.Len()-len(parts[3])]...) // header + first 3 chunks
	for i := 3; i < mib; i++ {
		out = append(out, parts[3]...)
	}
	// Empty final stored block, then the checksum.
	out = append(out, 0x01, 0x00, 0x00, 0xff, 0xff)
	n := uint64(mib) * chunk
	sum := uint32(n%65521)<<16 | 1
	return append(out, byte(sum>>24), byte(sum>>16), byte(sum>>8), byte(sum))
}

func TestZeroBombBuilder(t *testing.T) {
	bomb := zeroBomb(t, 8)
	got, err := Decode("FlateDecode", Params{}, bomb, noLimit)
	checkErr(t, err, nil)
	if len(got) != 8<<20 || !bytes.Equal(got, make([]byte, 8<<20)) {
		t.Fatalf("small bomb decodes to %d bytes, want 8 MiB of zeros", len(got))
	}
	// And the checksum is right: zlib itself accepts it.
	zr, err := zlib.NewReader(bytes.NewReader(bomb))
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	buf := make([]byte, 1<<16)
	for {
		k, err := zr.Read(buf)
		n += int64(k)
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("compress/zlib: %v", err)
			}
			break
		}
	}
	if n != 8<<20 {
		t.Fatalf("compress/zlib read %d bytes", n)
	}
}

// TestFlateBomb: 1 GiB of zeros (about 1 MB compressed) must stop at a
// 1 MiB limit quickly and without allocating much more than the limit.
func TestFlateBomb(t *testing.T) {
	bomb := zeroBomb(t, 1024)
	t.Logf("bomb: %d compressed bytes for 1 GiB", len(bomb))
	const limit = 1 << 20

	for _, p := range []Params{{}, {Predictor: 12, Columns: 1000}, {Predictor: 2, Colors: 3}} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		got, err := Decode("FlateDecode", p, bomb, limit)
		elapsed := time.Since(start)
		runtime.ReadMemStats(&after)

		checkErr(t, err, ErrLimit)
		if got != nil {
			t.Errorf("got %d bytes with ErrLimit", len(got))
		}
		if elapsed > 2*time.Second {
			t.Errorf("took %v to hit the limit", elapsed)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*limit {
			t.Errorf("allocated %d bytes for a %d byte limit", alloc, limit)
		}
	}
}
