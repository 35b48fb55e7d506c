package filter

import (
	"bytes"
	"errors"
	"testing"
)

func TestDecodePrefix(t *testing.T) {
	var plain []byte
	for i := range 200_000 {
		plain = append(plain, byte(i*7), byte(i>>3))
	}
	z := zlibBytes(t, plain, 6)
	tests := []struct {
		name    string
		filter  string
		data    []byte
		n       int64
		want    []byte
		wantErr error
	}{
		{"first bytes", "FlateDecode", z, 100, plain[:100], nil},
		{"exactly all", "FlateDecode", z, int64(len(plain)), plain, nil},
		{"more than all", "Fl", z, int64(len(plain)) + 10, plain, nil},
		{"raw deflate", "FlateDecode", deflateBytes(t, plain), 5000, plain[:5000], nil},
		{"truncated inside the prefix", "FlateDecode", z[:len(z)/4], int64(len(plain)), nil, ErrCorrupt},
		{"other filter decodes in full and is cut", "ASCIIHexDecode", []byte("48656C6C6F>"), 3, []byte("Hel"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodePrefix(tc.filter, Params{}, tc.data, tc.n, 1<<30)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				if !bytes.HasPrefix(plain, got) {
					t.Fatal("damaged stream: returned bytes are not a prefix of the data")
				}
				return
			}
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Fatalf("got %d bytes, err %v; want %d bytes", len(got), err, len(tc.want))
			}
		})
	}
}

func TestDecodePrefixRespectsLimit(t *testing.T) {
	z := zlibBytes(t, make([]byte, 1<<20), 9)
	got, err := DecodePrefix("FlateDecode", Params{}, z, 1<<20, 1000)
	if err != nil || len(got) != 1000 {
		t.Fatalf("got %d bytes, %v; want the 1000-byte limit", len(got), err)
	}
}
