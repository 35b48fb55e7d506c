package filter

import (
	"bytes"
	"fmt"
	"testing"
)

func TestPNGPredictorRoundTrip(t *testing.T) {
	type layout struct{ colors, bpc, columns int }
	layouts := []layout{
		{1, 8, 1}, {1, 8, 5}, {3, 8, 17}, {4, 8, 64}, {1, 16, 9}, {3, 16, 10},
		{1, 1, 13}, {1, 2, 7}, {1, 4, 33}, {2, 4, 3}, {32, 8, 2},
	}
	for _, l := range layouts {
		rb := (l.colors*l.bpc*l.columns + 7) / 8
		bpp := max(1, l.colors*l.bpc/8)
		for _, rows := range []int{1, 2, 7, 50} {
			for _, extra := range []int{0, rb / 2} { // a short last row
				src := imageRows(rows*rb+extra, rb)
				for tag := -1; tag <= 4; tag++ {
					name := fmt.Sprintf("c%d_b%d_w%d_rows%d+%d_tag%d", l.colors, l.bpc, l.columns, rows, extra, tag)
					p := Params{Predictor: 10 + max(tag, 0), Colors: l.colors, BitsPerComponent: l.bpc, Columns: l.columns, EarlyChange: 1}
					pred := pngEncode(src, bpp, rb, tag)
					got, err := Decode("FlateDecode", p, zlibBytes(t, pred, 6), noLimit)
					if err != nil || !bytes.Equal(got, src) {
						t.Fatalf("%s flate: err %v, match %v", name, err, bytes.Equal(got, src))
					}
					got, err = Decode("LZWDecode", p, lzwEncode(pred, 1), noLimit)
					if err != nil || !bytes.Equal(got, src) {
						t.Fatalf("%s lzw: err %v, match %v", name, err, bytes.Equal(got, src))
					}
				}
			}
		}
	}
}

// TestPNGKnownVectors uses hand-worked rows, including the layout of a
// typical cross-reference stream (/W [1 2 1], /Columns 4, /Predictor 12).
func TestPNGKnownVectors(t *testing.T) {
	tests := []struct {
		name string
		p    Params
		in   []byte
		want []byte
	}{
		{
			name: "xref stream up rows",
			p:    Params{Predictor: 12, Columns: 4},
			in: []byte{
				2, 1, 0, 0x10, 0,
				2, 0, 0, 0x20, 0,
				2, 0, 1, 0x05, 0,
			},
			want: []byte{
				1, 0, 0x10, 0,
				1, 0, 0x30, 0,
				1, 1, 0x35, 0,
			},
		},
		{
			name: "sub with 3 colors",
			p:    Params{Predictor: 11, Colors: 3, Columns: 2},
			in:   []byte{1, 10, 20, 30, 1, 2, 3},
			want: []byte{10, 20, 30, 11, 22, 33},
		},
		{
			name: "average",
			p:    Params{Predictor: 13, Columns: 3},
			in:   []byte{0, 10, 20, 30, 3, 5, 5, 5},
			// row 2: 5+10/2=10, 5+(10+20)/2=20, 5+(20+30)/2=30
			want: []byte{10, 20, 30, 10, 20, 30},
		},
		{
			name: "paeth",
			p:    Params{Predictor: 14, Columns: 3},
			in:   []byte{0, 10, 20, 30, 4, 1, 1, 1},
			// j0: up=10 -> 11; j1: a=11,b=20,c=10 p=21 -> b=20 -> 21;
			// j2: a=21,b=30,c=20 p=31 -> b=30 -> 31
			want: []byte{10, 20, 30, 11, 21, 31},
		},
		{
			name: "wrapping arithmetic",
			p:    Params{Predictor: 12, Columns: 2},
			in:   []byte{0, 200, 100, 2, 100, 200},
			want: []byte{200, 100, 44, 44},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode("FlateDecode", tc.p, zlibBytes(t, tc.in, 6), noLimit)
			checkErr(t, err, nil)
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTIFFPredictorRoundTrip(t *testing.T) {
	type layout struct{ colors, bpc, columns int }
	layouts := []layout{
		{1, 8, 1}, {1, 8, 10}, {3, 8, 7}, {4, 8, 16}, {1, 16, 5}, {3, 16, 4},
		{1, 1, 13}, {1, 2, 9}, {1, 4, 5}, {3, 4, 3}, {2, 1, 20},
	}
	for _, l := range layouts {
		rb := (l.colors*l.bpc*l.columns + 7) / 8
		for _, rows := range []int{1, 3, 20} {
			for _, extra := range []int{0, (rb + 1) / 2} {
				name := fmt.Sprintf("c%d_b%d_w%d_rows%d+%d", l.colors, l.bpc, l.columns, rows, extra)
				src := randomBytes(rows*rb+extra, uint64(rows*rb))
				pred := tiffEncode(src, l.colors, l.bpc, l.columns)
				p := Params{Predictor: 2, Colors: l.colors, BitsPerComponent: l.bpc, Columns: l.columns, EarlyChange: 1}
				got, err := Decode("FlateDecode", p, zlibBytes(t, pred, 6), noLimit)
				if err != nil || !bytes.Equal(got, src) {
					t.Fatalf("%s flate: err %v\n got %x\nwant %x", name, err, got, src)
				}
				got, err = Decode("LZWDecode", p, lzwEncode(pred, 1), noLimit)
				if err != nil || !bytes.Equal(got, src) {
					t.Fatalf("%s lzw: err %v", name, err)
				}
			}
		}
	}
}

func TestTIFFKnownVectors(t *testing.T) {
	tests := []struct {
		name string
		p    Params
		in   []byte
		want []byte
	}{
		{"8 bit gray", Params{Predictor: 2, Columns: 4}, []byte{10, 1, 1, 1, 20, 255, 255, 255}, []byte{10, 11, 12, 13, 20, 19, 18, 17}},
		{"8 bit rgb", Params{Predictor: 2, Colors: 3, Columns: 2}, []byte{1, 2, 3, 1, 1, 1}, []byte{1, 2, 3, 2, 3, 4}},
		{"16 bit", Params{Predictor: 2, BitsPerComponent: 16, Columns: 2}, []byte{0x01, 0xff, 0x00, 0x01}, []byte{0x01, 0xff, 0x02, 0x00}},
		// 1 bit, 8 columns: 1,0,0,0,1,0,0,0 as differences -> 1,1,1,1,0,0,0,0
		{"1 bit", Params{Predictor: 2, BitsPerComponent: 1, Columns: 8}, []byte{0b10001000}, []byte{0b11110000}},
		// 4 bit, 2 columns: 3, 15 -> 3, 2 (mod 16)
		{"4 bit", Params{Predictor: 2, BitsPerComponent: 4, Columns: 2}, []byte{0x3f}, []byte{0x32}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode("FlateDecode", tc.p, zlibBytes(t, tc.in, 6), noLimit)
			checkErr(t, err, nil)
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("got %08b, want %08b", got, tc.want)
			}
		})
	}
}

func TestPredictorErrors(t *testing.T) {
	rows := []byte{2, 1, 2, 3, 2, 1, 1, 1, 7, 1, 1, 1, 2, 1, 1, 1}
	tests := []struct {
		name string
		p    Params
		in   []byte
		want []byte
		err  error
	}{
		{"bad row filter keeps earlier rows", Params{Predictor: 12, Columns: 3}, rows, []byte{1, 2, 3, 2, 3, 4}, ErrCorrupt},
		{"predictor 1 is none", Params{Predictor: 1, Columns: 3}, rows, rows, nil},
		{"predictor 0 is none", Params{}, rows, rows, nil},
		{"predictor 3", Params{Predictor: 3}, rows, nil, ErrUnsupported},
		{"predictor 16", Params{Predictor: 16}, rows, nil, ErrUnsupported},
		{"bad bpc", Params{Predictor: 12, BitsPerComponent: 3}, rows, nil, ErrCorrupt},
		{"negative colors", Params{Predictor: 12, Colors: -1}, rows, nil, ErrCorrupt},
		{"too many colors", Params{Predictor: 2, Colors: 33}, rows, nil, ErrCorrupt},
		{"huge columns", Params{Predictor: 12, Columns: 1 << 30}, rows, nil, ErrCorrupt},
		{"columns larger than data", Params{Predictor: 12, Columns: 1 << 20}, []byte{0, 1, 2, 3}, []byte{1, 2, 3}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode("FlateDecode", tc.p, zlibBytes(t, tc.in, 6), noLimit)
			checkErr(t, err, tc.err)
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestPredictorOnTruncatedFlate: the prefix of a truncated stream still
// goes through the predictor.
func TestPredictorOnTruncatedFlate(t *testing.T) {
	src := imageRows(200_000, 200)
	enc := zlibBytes(t, pngEncode(src, 1, 200, 4), 6)
	got, err := Decode("FlateDecode", Params{Predictor: 15, Columns: 200}, enc[:len(enc)/2], noLimit)
	checkErr(t, err, ErrCorrupt)
	if len(got) == 0 || !bytes.HasPrefix(src, got) {
		t.Fatalf("got %d bytes, want a non-empty prefix of the original", len(got))
	}
}

func TestPaethRowMatchesReference(t *testing.T) {
	for bpp := 1; bpp <= 8; bpp++ {
		for seed := range uint64(20) {
			n := 1 + int(seed*37%200)
			cur, up := randomBytes(n, seed), randomBytes(n, seed+100)
			want := bytes.Clone(cur)
			for j := range want {
				var a, c byte
				if j >= bpp {
					a, c = want[j-bpp], up[j-bpp]
				}
				want[j] += paethRef(a, up[j], c)
			}
			paethRow(cur, up, bpp)
			if !bytes.Equal(cur, want) {
				t.Fatalf("bpp %d, %d bytes: paethRow differs from the reference", bpp, n)
			}
		}
	}
}
