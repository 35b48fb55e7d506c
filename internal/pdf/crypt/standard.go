package crypt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
)

// padding pads passwords to 32 bytes in revisions 2-4 (Algorithm 2, step a).
var padding = [32]byte{
	0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41,
	0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
	0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80,
	0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
}

// padPassword truncates pw to 32 bytes or completes it with padding.
func padPassword(pw []byte) [32]byte {
	var out [32]byte
	n := copy(out[:], pw)
	copy(out[n:], padding[:])
	return out
}

// --- Revisions 2, 3 and 4 (RC4 and AES-128) ---

// authRC4 tries pw as user password (Algorithm 6), then as owner password
// (Algorithm 7). It returns the file key, or nil when pw is neither; an
// error only when the dictionary cannot be checked at all. n is the key
// length in bytes.
func authRC4(p Params, pw []byte, n int) (key []byte, owner bool, err error) {
	if p.R == 2 {
		n = 5
	}
	if len(p.O) < 32 || len(p.U) < 16 || (p.R == 2 && len(p.U) < 32) {
		return nil, false, fmt.Errorf("crypt: /O or /U too short (%d, %d bytes): %w", len(p.O), len(p.U), ErrPassword)
	}
	if key := checkUserRC4(p, padPassword(pw), n); key != nil {
		return key, false, nil
	}
	if key := checkUserRC4(p, ownerToUser(p, pw, n), n); key != nil {
		return key, true, nil
	}
	return nil, false, nil
}

// checkUserRC4 computes the file key from a padded user password and
// returns it if /U confirms it. For revision 4 the key depends on
// /EncryptMetadata; the other value is tried too because writers and
// readers of the dictionary get that flag wrong, and /U still guards
// against a wrong key.
func checkUserRC4(p Params, padded [32]byte, n int) []byte {
	metas := []bool{p.EncryptMetadata}
	if p.R >= 4 {
		metas = append(metas, !p.EncryptMetadata)
	}
	for _, meta := range metas {
		key := fileKeyRC4(p, padded, n, meta)
		u := computeU(p, key)
		if bytes.Equal(u, p.U[:len(u)]) {
			return key
		}
	}
	return nil
}

// fileKeyRC4 is Algorithm 2: the file key from a padded user password.
func fileKeyRC4(p Params, padded [32]byte, n int, encryptMetadata bool) []byte {
	h := md5.New()
	h.Write(padded[:])
	h.Write(p.O[:32])
	h.Write([]byte{byte(p.P), byte(p.P >> 8), byte(p.P >> 16), byte(p.P >> 24)})
	h.Write(p.ID0)
	if p.R >= 4 && !encryptMetadata {
		h.Write([]byte{0xff, 0xff, 0xff, 0xff})
	}
	sum := h.Sum(nil)
	if p.R >= 3 {
		for range 50 {
			s := md5.Sum(sum[:n])
			sum = s[:]
		}
	}
	return sum[:n]
}

// computeU is Algorithm 4 (revision 2, 32 bytes) and Algorithm 5
// (revision 3 and later, the 16 significant bytes of /U).
func computeU(p Params, key []byte) []byte {
	if p.R == 2 {
		return rc4XOR(key, padding[:])
	}
	h := md5.New()
	h.Write(padding[:])
	h.Write(p.ID0)
	u := rc4XOR(key, h.Sum(nil))
	for i := 1; i <= 19; i++ {
		u = rc4XOR(xorKey(key, byte(i)), u)
	}
	return u
}

// ownerKeyRC4 is Algorithm 3, steps a-d: the RC4 key that encrypts the
// padded user password into /O, derived from the owner password.
func ownerKeyRC4(r int, ownerPw []byte, n int) []byte {
	padded := padPassword(ownerPw)
	sum := md5.Sum(padded[:])
	if r >= 3 {
		for range 50 {
			sum = md5.Sum(sum[:n])
		}
	}
	return sum[:n]
}

// ownerToUser is Algorithm 7, step b: decrypting /O with the key from the
// owner password gives the padded user password.
func ownerToUser(p Params, ownerPw []byte, n int) [32]byte {
	key := ownerKeyRC4(p.R, ownerPw, n)
	var u [32]byte
	copy(u[:], p.O[:32])
	if p.R == 2 {
		copy(u[:], rc4XOR(key, u[:]))
		return u
	}
	for i := 19; i >= 0; i-- {
		copy(u[:], rc4XOR(xorKey(key, byte(i)), u[:]))
	}
	return u
}

// xorKey returns key with every byte XORed with i (Algorithms 3 and 5).
func xorKey(key []byte, i byte) []byte {
	k := make([]byte, len(key))
	for j, b := range key {
		k[j] = b ^ i
	}
	return k
}

// --- Revisions 5 and 6 (AES-256) ---

// authAES256 is Algorithm 2.A: pw is checked against /U (user) and then /O
// (owner); the matching intermediate key decrypts /UE or /OE into the file
// key. User first, as for the other revisions; Acrobat checks the owner
// first, which only matters (for OwnerAuthenticated) when both passwords
// are the same.
func authAES256(p Params, pw []byte) (key []byte, owner bool, err error) {
	if len(p.U) < 48 || len(p.O) < 48 || len(p.UE) < 32 || len(p.OE) < 32 {
		return nil, false, fmt.Errorf("crypt: /O, /U, /OE or /UE too short: %w", ErrPassword)
	}
	pw = pw[:min(len(pw), 127)]
	u, o := p.U[:48], p.O[:48]
	if bytes.Equal(hashR56(p.R, pw, u[32:40], nil), u[:32]) {
		return aesNoPad(hashR56(p.R, pw, u[40:48], nil), p.UE[:32], false), false, nil
	}
	if bytes.Equal(hashR56(p.R, pw, o[32:40], u), o[:32]) {
		return aesNoPad(hashR56(p.R, pw, o[40:48], u), p.OE[:32], false), true, nil
	}
	return nil, false, nil
}

// hashR56 hashes password, salt and (for the owner) the 48 bytes of /U:
// plain SHA-256 for revision 5, Algorithm 2.B for revision 6.
func hashR56(r int, pw, salt, udata []byte) []byte {
	h := sha256.New()
	h.Write(pw)
	h.Write(salt)
	h.Write(udata)
	k := h.Sum(nil)
	if r == 5 {
		return k
	}
	return hashR6(k, pw, udata)
}

// hashR6 is Algorithm 2.B (ISO 32000-2, 7.6.4.3.4): at least 64 rounds of
// AES-128-CBC over 64 copies of password+K+udata, each followed by SHA-256,
// -384 or -512 chosen by the first 16 bytes of the ciphertext modulo 3,
// ending once the last ciphertext byte is at most the round number - 32
// (rounds counted from 1).
func hashR6(k, pw, udata []byte) []byte {
	var k1, e []byte
	for round := 0; ; round++ {
		k1 = k1[:0]
		for range 64 {
			k1 = append(k1, pw...)
			k1 = append(k1, k...)
			k1 = append(k1, udata...)
		}
		block, err := aes.NewCipher(k[:16])
		if err != nil {
			panic("crypt: aes: " + err.Error()) // 16-byte key
		}
		if cap(e) < len(k1) {
			e = make([]byte, len(k1))
		}
		e = e[:len(k1)]
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		// The 16 bytes as a big-endian number modulo 3: 256 = 1 (mod 3),
		// so that is the sum of the bytes modulo 3.
		sum := 0
		for _, b := range e[:16] {
			sum += int(b)
		}
		switch sum % 3 {
		case 0:
			s := sha256.Sum256(e)
			k = s[:]
		case 1:
			s := sha512.Sum384(e)
			k = s[:]
		case 2:
			s := sha512.Sum512(e)
			k = s[:]
		}
		if round >= 63 && int(e[len(e)-1]) <= round-31 {
			return k[:32]
		}
	}
}
