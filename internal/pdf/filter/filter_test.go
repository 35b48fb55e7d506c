package filter

import (
	"bytes"
	"encoding/ascii85"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

const noLimit = -1

func TestDecodeNames(t *testing.T) {
	hello := []byte("hello")
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"FlateDecode", []byte{0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x06, 0x2c, 0x02, 0x15}, nil},
		{"Fl", []byte{0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x06, 0x2c, 0x02, 0x15}, nil},
		{"LZWDecode", lzwEncode(hello, 1), nil},
		{"LZW", lzwEncode(hello, 1), nil},
		{"ASCII85Decode", []byte("BOu!rDZ~>"), nil},
		{"A85", []byte("BOu!rDZ~>"), nil},
		{"ASCIIHexDecode", []byte("68656c6c6f>"), nil},
		{"AHx", []byte("68656c6c6f>"), nil},
		{"RunLengthDecode", runLengthEncode(hello), nil},
		{"RL", runLengthEncode(hello), nil},
		{"DCTDecode", hello, ErrUnsupported},
		{"DCT", hello, ErrUnsupported},
		{"JPXDecode", hello, ErrUnsupported},
		{"JBIG2Decode", hello, ErrUnsupported},
		{"CCITTFaxDecode", hello, ErrUnsupported},
		{"CCF", hello, ErrUnsupported},
		{"BrotliDecode", hello, ErrUnsupported},
		{"Crypt", hello, ErrUnsupported},
		{"", hello, ErrUnsupported},
		{"flatedecode", hello, ErrUnsupported}, // names are case-sensitive
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode(tc.name, Params{EarlyChange: 1}, tc.in, noLimit)
			checkErr(t, err, tc.want)
			if tc.want != nil {
				if !strings.Contains(err.Error(), tc.name) {
					t.Errorf("error %q does not name the filter", err)
				}
				return
			}
			if !bytes.Equal(got, hello) {
				t.Errorf("got %q, want %q", got, hello)
			}
		})
	}
}

func TestDecodeDoesNotModifyInput(t *testing.T) {
	src := imageRows(4000, 100)
	enc := zlibBytes(t, pngEncode(src, 1, 100, -1), 6)
	keep := bytes.Clone(enc)
	if _, err := Decode("FlateDecode", Params{Predictor: 15, Columns: 100}, enc, noLimit); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, keep) {
		t.Fatal("Decode modified its input")
	}
}

func TestASCIIHex(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		err  error
	}{
		{"empty", "", "", nil},
		{"only terminator", ">", "", nil},
		{"simple", "48656C6C6F>", "Hello", nil},
		{"lower case", "48656c6c6f>", "Hello", nil},
		{"white space", " 48 65\n6C\r6C\t6F\f\x00>", "Hello", nil},
		{"odd count", "414>", "A@", nil},
		{"odd count no terminator", "7", "p", nil},
		{"no terminator", "4142", "AB", nil},
		{"data after terminator ignored", "41>42zz", "A", nil},
		{"bad digit", "4142g43>", "AB", ErrCorrupt},
		{"bad digit after odd", "414g>", "A@", ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode("ASCIIHexDecode", Params{}, []byte(tc.in), noLimit)
			checkErr(t, err, tc.err)
			if string(got) != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestASCIIHexRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 100, 4097} {
		src := randomBytes(n, uint64(n))
		got, err := Decode("AHx", Params{}, []byte(hex.EncodeToString(src)+">"), noLimit)
		checkErr(t, err, nil)
		if !bytes.Equal(got, src) {
			t.Fatalf("n=%d: round trip mismatch", n)
		}
	}
}

func TestASCII85(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		err  error
	}{
		{"empty", "", "", nil},
		{"terminator only", "~>", "", nil},
		{"full group", "87cURD]j7BEbo80~>", "Hello world!", nil},
		{"partial group", "BOu!rDZ~>", "hello", nil},
		{"z shortcut", "z~>", "\x00\x00\x00\x00", nil},
		{"z between groups", "BOu!rzBOu!r~>", "hell\x00\x00\x00\x00hell", nil},
		{"!!!!! is zeros too", "!!!!!~>", "\x00\x00\x00\x00", nil},
		{"white space everywhere", " B O\nu!\r\trD\x00Z \f~>", "hello", nil},
		{"no terminator", "BOu!rDZ", "hello", nil},
		{"tilde without >", "BOu!rDZ~", "hello", nil},
		{"leading <~", "<~BOu!rDZ~>", "hello", nil},
		{"data after terminator ignored", "BOu!r~>garbage", "hell", nil},
		{"bad character", "BOu!rDZv~>", "hell", ErrCorrupt},
		{"z inside group", "BOzu!r~>", "", ErrCorrupt},
		{"lone final char", "BOu!rD~>", "hell", ErrCorrupt},
		{"group overflow", "uuuuu~>", "", ErrCorrupt},
		{"max group", "s8W-!~>", "\xff\xff\xff\xff", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode("ASCII85Decode", Params{}, []byte(tc.in), noLimit)
			checkErr(t, err, tc.err)
			if string(got) != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestASCII85RoundTrip(t *testing.T) {
	for n := 0; n < 40; n++ {
		src := randomBytes(n*37, uint64(n))
		if n%3 == 0 && len(src) > 8 {
			clear(src[4:8]) // make the encoder use 'z'
		}
		enc := make([]byte, ascii85.MaxEncodedLen(len(src)))
		enc = enc[:ascii85.Encode(enc, src)]
		// Break the text into lines as writers do.
		var lines []byte
		for i := 0; i < len(enc); i += 64 {
			lines = append(lines, enc[i:min(i+64, len(enc))]...)
			lines = append(lines, '\n')
		}
		lines = append(lines, "~>"...)
		got, err := Decode("A85", Params{}, lines, noLimit)
		checkErr(t, err, nil)
		if !bytes.Equal(got, src) {
			t.Fatalf("n=%d: round trip mismatch", len(src))
		}
	}
}

func TestRunLength(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
		err  error
	}{
		{"empty", nil, "", nil},
		{"eod only", []byte{128}, "", nil},
		{"literal", []byte{2, 'a', 'b', 'c', 128}, "abc", nil},
		{"repeat", []byte{254, 'x', 128}, "xxx", nil},
		{"longest repeat", []byte{129, 'y', 128}, strings.Repeat("y", 128), nil},
		{"longest literal", append(append([]byte{127}, bytes.Repeat([]byte("z"), 128)...), 128), strings.Repeat("z", 128), nil},
		{"no eod", []byte{1, 'a', 'b', 255, 'c'}, "abcc", nil},
		{"data after eod ignored", []byte{0, 'a', 128, 0, 'b'}, "a", nil},
		{"literal cut short", []byte{0, 'a', 5, 'b', 'c'}, "abc", ErrCorrupt},
		{"repeat without byte", []byte{0, 'a', 200}, "a", ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode("RunLengthDecode", Params{}, tc.in, noLimit)
			checkErr(t, err, tc.err)
			if string(got) != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRunLengthRoundTrip(t *testing.T) {
	inputs := map[string][]byte{
		"random":     randomBytes(5000, 1),
		"runs":       bytes.Repeat([]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcd"), 50),
		"long run":   bytes.Repeat([]byte{7}, 1000),
		"content":    contentStream(3000),
		"one byte":   {1},
		"alternate":  bytes.Repeat([]byte{1, 2}, 300),
		"image rows": imageRows(2000, 50),
	}
	for name, src := range inputs {
		t.Run(name, func(t *testing.T) {
			got, err := Decode("RL", Params{}, runLengthEncode(src), noLimit)
			checkErr(t, err, nil)
			if !bytes.Equal(got, src) {
				t.Fatal("round trip mismatch")
			}
		})
	}
}

// TestLimits checks every filter against limits just at and just below
// the decoded size.
func TestLimits(t *testing.T) {
	src := contentStream(10000)
	enc85 := make([]byte, ascii85.MaxEncodedLen(len(src)))
	enc85 = enc85[:ascii85.Encode(enc85, src)]
	rows := imageRows(10000, 100)
	tests := []struct {
		name   string
		filter string
		p      Params
		in     []byte
		want   []byte
	}{
		{"flate", "FlateDecode", Params{}, zlibBytes(t, src, 9), src},
		{"flate png", "FlateDecode", Params{Predictor: 12, Columns: 100}, zlibBytes(t, pngEncode(rows, 1, 100, 2), 9), rows},
		{"flate tiff", "FlateDecode", Params{Predictor: 2, Columns: 100}, zlibBytes(t, tiffEncode(rows, 1, 8, 100), 9), rows},
		{"lzw", "LZWDecode", Params{EarlyChange: 1}, lzwEncode(src, 1), src},
		{"lzw png", "LZWDecode", Params{EarlyChange: 1, Predictor: 10, Columns: 100}, lzwEncode(pngEncode(rows, 1, 100, 4), 1), rows},
		{"ascii85", "ASCII85Decode", Params{}, enc85, src},
		{"asciihex", "ASCIIHexDecode", Params{}, []byte(hex.EncodeToString(src)), src},
		{"runlength", "RunLengthDecode", Params{}, runLengthEncode(src), src},
		{"z bomb", "ASCII85Decode", Params{}, bytes.Repeat([]byte("z"), 10000), make([]byte, 40000)},
		{"runlength bomb", "RunLengthDecode", Params{}, bytes.Repeat([]byte{129, 0}, 1000), make([]byte, 128000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := int64(len(tc.want))
			got, err := Decode(tc.filter, tc.p, tc.in, n)
			checkErr(t, err, nil)
			if !bytes.Equal(got, tc.want) {
				t.Fatal("output mismatch at limit == size")
			}
			// PNG rows are undone in place, so the buffer also held one tag
			// byte per row (here 1 per 100 bytes).
			maxCap := n
			if tc.p.Predictor >= 10 {
				maxCap = n + n/100 + 1
			}
			if int64(cap(got)) > maxCap {
				t.Errorf("capacity %d exceeds %d", cap(got), maxCap)
			}
			for _, lim := range []int64{n - 1, n / 2, 1, 0} {
				got, err = Decode(tc.filter, tc.p, tc.in, lim)
				checkErr(t, err, ErrLimit)
				if got != nil {
					t.Errorf("limit %d: got %d bytes with ErrLimit, want nil", lim, len(got))
				}
			}
		})
	}
}

func TestLimitZeroAllowsEmpty(t *testing.T) {
	for _, name := range []string{"Fl", "LZW", "A85", "AHx", "RL"} {
		var in []byte
		switch name {
		case "Fl":
			in = zlibBytes(t, nil, 6)
		case "LZW":
			in = lzwEncode(nil, 1)
		}
		got, err := Decode(name, Params{EarlyChange: 1}, in, 0)
		if err != nil || len(got) != 0 {
			t.Errorf("%s: got %q, %v; want empty output", name, got, err)
		}
	}
}

func TestErrorsArePrefixed(t *testing.T) {
	tests := []struct {
		filter, prefix string
		in             []byte
	}{
		{"FlateDecode", "flate: ", []byte{0x78, 0x9c, 0xff, 0xff}},
		{"LZWDecode", "lzw: ", []byte{0xff, 0xff, 0xff}},
		{"ASCII85Decode", "ascii85: ", []byte("{")},
		{"ASCIIHexDecode", "asciihex: ", []byte("x")},
		{"RunLengthDecode", "runlength: ", []byte{3}},
	}
	for _, tc := range tests {
		_, err := Decode(tc.filter, Params{EarlyChange: 1}, tc.in, noLimit)
		if err == nil || !strings.HasPrefix(err.Error(), tc.prefix) || !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: error %v, want prefix %q wrapping ErrCorrupt", tc.filter, err, tc.prefix)
		}
	}
}
