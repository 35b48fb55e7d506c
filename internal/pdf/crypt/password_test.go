package crypt

import (
	"bytes"
	"testing"
)

func TestPasswordCandidates(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		r    int
		want []string
	}{
		{"ascii r3", "secret", 3, []string{"secret"}},
		{"ascii r6", "secret", 6, []string{"secret"}},
		{"empty", "", 4, []string{""}},
		{"utf-8 to pdfdoc", "hôtel", 2, []string{"hôtel", "h\xf4tel"}},
		{"pdfdoc specials", "€•—", 3, []string{"€•—", "\xa0\x80\x84"}},
		{"not representable in pdfdoc", "日本", 4, []string{"日本"}},
		{"latin-1 bytes r4 kept", "h\xf4tel", 4, []string{"h\xf4tel"}},
		{"latin-1 bytes r6 read as latin-1", "h\xf4tel", 6, []string{"h\xf4tel", "hôtel"}},
		{"utf-8 r6 already prepared", "hôtel", 6, []string{"hôtel"}},
		{"saslprep soft hyphen and ordinal", "S\u00aaSL\u00adprep", 6, []string{"S\u00aaSL\u00adprep", "SaSLprep"}},
		{"saslprep spaces", "a\u00a0b\u3000c", 5, []string{"a\u00a0b\u3000c", "a b c"}},
		{"saslprep full-width", "ｐａｓｓ", 6, []string{"ｐａｓｓ", "pass"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := passwordCandidates([]byte(tc.pw), tc.r)
			if len(got) != len(tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			for i := range got {
				if !bytes.Equal(got[i], []byte(tc.want[i])) {
					t.Fatalf("got %q, want %q", got, tc.want)
				}
			}
		})
	}
}

// TestNonASCIIPasswords: a file written with the password in the encoding
// its revision expects opens when the user types it in UTF-8.
func TestNonASCIIPasswords(t *testing.T) {
	tests := []struct {
		method  string
		written string // bytes Setup stores
		typed   string // what New gets
	}{
		{"RC4-40", "h\xf4tel", "hôtel"},
		{"RC4-128", "\x80\xa0", "•€"},
		{"AES-128", "\xe6\xf8\xe5", "æøå"},
		{"AES-256", "SaSLprep", "S\u00aaSL\u00adprep"},
		{"AES-256", "hôtel", "h\xf4tel"},
	}
	for _, tc := range tests {
		par, _, err := Setup(tc.method, []byte(tc.written), []byte("owner"), -4, testID0, newDetRand(10))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := New(par, []byte(tc.typed)); err != nil {
			t.Errorf("%s: written %q, typed %q: %v", tc.method, tc.written, tc.typed, err)
		}
	}
}
