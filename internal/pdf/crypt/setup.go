package crypt

import (
	"crypto/rand"
	"fmt"
	"io"
)

// Setup prepares encryption for a new file (the writer side, used by the
// fixture generator). method is "RC4-40" (V 1, R 2), "RC4-128" (V 2, R 3),
// "AES-128" (V 4, R 4, AESV2) or "AES-256" (V 5, R 6, AESV3). An empty owner
// password means the user password serves as both. p is the /P permission
// value and id0 the first element of the /ID the file will have.
//
// rnd supplies salts, the AES-256 file key and AES IVs (crypto/rand when
// nil); a deterministic reader gives reproducible fixtures. Setup returns
// the Params to write as the /Encrypt dictionary and a Handler whose
// EncryptString and EncryptStream produce the file's encrypted strings and
// streams (it decrypts them too).
func Setup(method string, user, owner []byte, p int32, id0 []byte, rnd io.Reader) (Params, *Handler, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	if len(owner) == 0 {
		owner = user
	}
	par := Params{
		Filter:          "Standard",
		P:               p,
		EncryptMetadata: true,
		ID0:             append([]byte(nil), id0...),
	}
	switch method {
	case "RC4-40":
		par.V, par.R, par.Length = 1, 2, 40
	case "RC4-128":
		par.V, par.R, par.Length = 2, 3, 128
	case "AES-128":
		par.V, par.R, par.Length = 4, 4, 128
		par.CF = map[string]CryptFilter{"StdCF": {CFM: "AESV2", Length: 16}}
		par.StmF, par.StrF = "StdCF", "StdCF"
	case "AES-256":
		par.V, par.R, par.Length = 5, 6, 256
		par.CF = map[string]CryptFilter{"StdCF": {CFM: "AESV3", Length: 32}}
		par.StmF, par.StrF = "StdCF", "StdCF"
	default:
		return Params{}, nil, fmt.Errorf("crypt: method %q: %w", method, ErrUnsupported)
	}

	h, err := newHandler(par)
	if err != nil {
		return Params{}, nil, err
	}
	h.rand = rnd
	h.owner = true
	if par.R == 6 {
		err = setupAES256(&par, h, user, owner, rnd)
	} else {
		setupRC4(&par, h, user, owner)
	}
	if err != nil {
		return Params{}, nil, err
	}
	return par, h, nil
}

// setupRC4 computes /O (Algorithm 3), the file key (Algorithm 2) and /U
// (Algorithms 4 and 5) for revisions 2-4.
func setupRC4(par *Params, h *Handler, user, owner []byte) {
	n := h.keyBits / 8
	if par.R == 2 {
		n = 5
	}
	key := ownerKeyRC4(par.R, owner, n)
	pu := padPassword(user)
	o := rc4XOR(key, pu[:])
	if par.R >= 3 {
		for i := 1; i <= 19; i++ {
			o = rc4XOR(xorKey(key, byte(i)), o)
		}
	}
	par.O = o
	h.key = fileKeyRC4(*par, pu, n, par.EncryptMetadata)
	u := computeU(*par, h.key)
	if len(u) < 32 {
		// Revision 3 and later: 16 significant bytes, then arbitrary
		// padding (zeros, as Acrobat writes).
		u = append(u, make([]byte, 32-len(u))...)
	}
	par.U = u
}

// setupAES256 computes /U, /UE, /O, /OE and /Perms for revision 6
// (ISO 32000-2, Algorithms 8, 9 and 10) around a random file key.
func setupAES256(par *Params, h *Handler, user, owner []byte, rnd io.Reader) error {
	var buf [32 + 4*8 + 4]byte // file key, four salts, Perms filler
	if _, err := io.ReadFull(rnd, buf[:]); err != nil {
		return fmt.Errorf("crypt: random: %w", err)
	}
	key, uvs, uks, ovs, oks, fill := buf[:32], buf[32:40], buf[40:48], buf[48:56], buf[56:64], buf[64:68]
	user, owner = user[:min(len(user), 127)], owner[:min(len(owner), 127)]
	h.key = append([]byte(nil), key...)

	u := append(hashR56(par.R, user, uvs, nil), uvs...)
	u = append(u, uks...)
	par.U = u
	par.UE = aesNoPad(hashR56(par.R, user, uks, nil), key, true)

	o := append(hashR56(par.R, owner, ovs, u), ovs...)
	o = append(o, oks...)
	par.O = o
	par.OE = aesNoPad(hashR56(par.R, owner, oks, u), key, true)

	var perms [16]byte
	perms[0], perms[1], perms[2], perms[3] = byte(par.P), byte(par.P>>8), byte(par.P>>16), byte(par.P>>24)
	perms[4], perms[5], perms[6], perms[7] = 0xff, 0xff, 0xff, 0xff
	perms[8] = 'T'
	if !par.EncryptMetadata {
		perms[8] = 'F'
	}
	copy(perms[9:12], "adb")
	copy(perms[12:], fill)
	// One block with a zero IV is AES-ECB, as /Perms requires.
	par.Perms = aesNoPad(key, perms[:], true)
	return nil
}
