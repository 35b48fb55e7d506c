package crypt

import (
	"errors"
	"testing"
)

// FuzzNew: damaged /Encrypt dictionaries must fail cleanly, never panic.
func FuzzNew(f *testing.F) {
	for i, m := range allMethods {
		par, _, _ := Setup(m.method, []byte("u"), []byte("o"), -4, testID0, newDetRand(byte(i)))
		f.Add(par.V, par.R, par.Length, par.O, par.U, par.OE, par.UE, []byte("u"))
	}
	f.Add(1, 2, 40, []byte{}, []byte{1}, []byte{}, []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, v, r, length int, o, u, oe, ue, pw []byte) {
		p := Params{
			Filter: "Standard", V: v, R: r, Length: length, O: o, U: u, OE: oe, UE: ue,
			P: -4, EncryptMetadata: true, ID0: testID0,
			CF:   map[string]CryptFilter{"StdCF": {CFM: "AESV2", Length: 16}, "V3": {CFM: "AESV3"}},
			StmF: "StdCF", StrF: "StdCF",
		}
		if v == 5 {
			p.StmF, p.StrF = "V3", "V3"
		}
		h, err := New(p, pw)
		if err != nil {
			if !errors.Is(err, ErrPassword) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error %v wraps neither ErrPassword nor ErrUnsupported", err)
			}
			return
		}
		h.DecryptString(1, 0, o)
		h.DecryptStream(1, 0, u)
	})
}

// FuzzDecrypt: arbitrary (damaged) ciphertext must never panic.
func FuzzDecrypt(f *testing.F) {
	f.Add(uint8(0), uint32(1), []byte("data"))
	f.Add(uint8(2), uint32(7), make([]byte, 33))
	f.Add(uint8(3), uint32(9), make([]byte, 15))
	handlers := make([]*Handler, len(allMethods))
	for i, m := range allMethods {
		_, handlers[i], _ = Setup(m.method, nil, []byte("o"), -4, testID0, newDetRand(byte(i)))
	}
	f.Fuzz(func(t *testing.T, which uint8, num uint32, data []byte) {
		h := handlers[int(which)%len(handlers)]
		h.DecryptString(num, 0, data)
		h.DecryptStream(num, 0, data)
	})
}
