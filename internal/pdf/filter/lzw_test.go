package filter

import (
	"bytes"
	"compress/lzw"
	"runtime"
	"testing"
)

// TestLZWSpecExample is the example of ISO 32000-1, 7.4.4.2: "-----A---B"
// encodes to the 9-bit codes 256 45 258 258 65 259 66 257.
func TestLZWSpecExample(t *testing.T) {
	in := []byte{0x80, 0x0B, 0x60, 0x50, 0x22, 0x0C, 0x0C, 0x85, 0x01}
	for _, early := range []int{0, 1} {
		got, err := Decode("LZWDecode", Params{EarlyChange: early}, in, noLimit)
		checkErr(t, err, nil)
		if string(got) != "-----A---B" {
			t.Fatalf("EarlyChange %d: got %q", early, got)
		}
	}
	if enc := lzwEncode([]byte("-----A---B"), 1); !bytes.Equal(enc, in) {
		t.Fatalf("test encoder: got %x, want %x", enc, in)
	}
}

// TestLZWGoEncoder decodes the output of compress/lzw (MSB first, 8-bit
// literals), an independent encoder that switches code width late, which
// is PDF's EarlyChange 0.
func TestLZWGoEncoder(t *testing.T) {
	for _, src := range [][]byte{contentStream(100_000), randomBytes(50_000, 3), bytes.Repeat([]byte("ab"), 20_000)} {
		var b bytes.Buffer
		w := lzw.NewWriter(&b, lzw.MSB, 8)
		w.Write(src)
		w.Close()
		got, err := decodeLZW(b.Bytes(), 0, len(src))
		checkErr(t, err, nil)
		if !bytes.Equal(got, src) {
			t.Fatalf("mismatch on %d bytes", len(src))
		}
	}
}

func TestLZWRoundTrip(t *testing.T) {
	inputs := map[string][]byte{
		"empty":    {},
		"one byte": {9},
		"kwkwk":    bytes.Repeat([]byte{'a'}, 10_000),
		"content":  contentStream(300_000), // several table clears
		"random":   randomBytes(100_000, 11),
		"all bytes": func() []byte {
			b := make([]byte, 256)
			for i := range b {
				b[i] = byte(i)
			}
			return b
		}(),
		"image":         imageRows(200_000, 600),
		"text boundary": contentStream(4096),
	}
	for name, src := range inputs {
		for _, early := range []int{0, 1} {
			got, err := Decode("LZWDecode", Params{EarlyChange: early}, lzwEncode(src, early), noLimit)
			if err != nil || !bytes.Equal(got, src) {
				t.Fatalf("%s early %d: got %d bytes, err %v; want %d bytes", name, early, len(got), err, len(src))
			}
		}
	}
}

// TestLZWWrongEarlyChange: a stream written with one EarlyChange but
// declared with the other still decodes, thanks to the retry.
func TestLZWWrongEarlyChange(t *testing.T) {
	src := contentStream(50_000)
	for _, early := range []int{0, 1} {
		got, err := Decode("LZWDecode", Params{EarlyChange: 1 - early}, lzwEncode(src, early), noLimit)
		checkErr(t, err, nil)
		if !bytes.Equal(got, src) {
			t.Fatalf("written with %d, declared %d: mismatch", early, 1-early)
		}
	}
}

func TestLZWDamaged(t *testing.T) {
	src := contentStream(20_000)
	good := lzwEncode(src, 1)
	tests := []struct {
		name string
		in   []byte
		err  error
	}{
		{"no eod", good[:len(good)-2], nil},
		{"truncated", good[:len(good)/2], nil},
		{"empty", nil, nil},
		{"first code not a literal", []byte{0x80, 0x40, 0x80}, ErrCorrupt}, // clear, then code 258
		{"code beyond table", []byte{0x80, 0x00, 0x7f, 0xe0}, ErrCorrupt},  // 256, 1, 511
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode("LZWDecode", Params{EarlyChange: 1}, tc.in, noLimit)
			checkErr(t, err, tc.err)
			if !bytes.HasPrefix(src, got) && tc.err == nil {
				t.Fatalf("output is not a prefix of the original")
			}
		})
	}
}

// TestLZWBomb: zeros expand by roughly 700x in LZW (a full table of ever
// longer runs); a limit must hold without allocating beyond it.
func TestLZWBomb(t *testing.T) {
	enc := lzwEncode(make([]byte, 8<<20), 1)
	t.Logf("%d bytes encode 8 MiB", len(enc))
	const limit = 1 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got, err := Decode("LZW", Params{EarlyChange: 1}, enc, limit)
	runtime.ReadMemStats(&after)
	checkErr(t, err, ErrLimit)
	if got != nil {
		t.Fatal("got output with ErrLimit")
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*limit {
		t.Errorf("allocated %d bytes for a %d byte limit", alloc, limit)
	}
}
