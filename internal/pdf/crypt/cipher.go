package crypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rc4"
	"fmt"
)

// objectKey derives the key for one object from the file key (Algorithm 1):
// MD5 of the file key, the low 3 bytes of the object number and the low 2
// bytes of the generation (little-endian), plus "sAlT" for AES, truncated to
// the file key length + 5, at most 16 bytes.
func objectKey(fileKey []byte, num uint32, gen uint16, aes bool) []byte {
	buf := make([]byte, 0, len(fileKey)+9)
	buf = append(buf, fileKey...)
	buf = append(buf, byte(num), byte(num>>8), byte(num>>16), byte(gen), byte(gen>>8))
	if aes {
		buf = append(buf, 's', 'A', 'l', 'T')
	}
	sum := md5.Sum(buf)
	return sum[:min(len(fileKey)+5, 16)]
}

// rc4XOR returns b encrypted (or decrypted: it is the same) with RC4.
func rc4XOR(key, b []byte) []byte {
	out := make([]byte, len(b))
	c, err := rc4.NewCipher(key)
	if err != nil {
		// Key lengths here are 5 to 16 bytes, always valid.
		panic("crypt: rc4: " + err.Error())
	}
	c.XORKeyStream(out, b)
	return out
}

// aesDecrypt decrypts AES-CBC data laid out as in PDF: a 16-byte IV, then
// the ciphertext with PKCS#5 padding. Damage is tolerated where the data is
// still usable: a trailing partial block is dropped, and padding that is not
// valid is left in place rather than failing the object.
func aesDecrypt(key, b []byte) ([]byte, error) {
	if len(b) == 0 {
		// Some writers leave empty strings unencrypted.
		return []byte{}, nil
	}
	if len(b) < aes.BlockSize {
		return nil, fmt.Errorf("crypt: aes: %d bytes, shorter than the IV", len(b))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("crypt: aes: %w", err)
	}
	iv, body := b[:aes.BlockSize], b[aes.BlockSize:]
	body = body[:len(body)/aes.BlockSize*aes.BlockSize]
	out := make([]byte, len(body))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, body)
	return unpad(out), nil
}

// unpad strips PKCS#5 padding when it is valid and returns b unchanged
// otherwise.
func unpad(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	n := int(b[len(b)-1])
	if n == 0 || n > aes.BlockSize || n > len(b) {
		return b
	}
	for _, c := range b[len(b)-n:] {
		if int(c) != n {
			return b
		}
	}
	return b[:len(b)-n]
}

// aesEncrypt encrypts b with AES-CBC and PKCS#5 padding and returns the IV
// followed by the ciphertext.
func aesEncrypt(key, iv, b []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("crypt: aes: %w", err)
	}
	n := aes.BlockSize - len(b)%aes.BlockSize
	out := make([]byte, aes.BlockSize+len(b)+n)
	copy(out, iv)
	body := out[aes.BlockSize:]
	copy(body, b)
	for i := len(b); i < len(body); i++ {
		body[i] = byte(n)
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(body, body)
	return out, nil
}

// aesNoPad encrypts or decrypts whole blocks with AES-256-CBC and a zero IV,
// as used for /UE, /OE (Algorithm 2.A) and in Setup.
func aesNoPad(key, b []byte, encrypt bool) []byte {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic("crypt: aes: " + err.Error()) // keys here are always 32 bytes
	}
	var iv [aes.BlockSize]byte
	out := make([]byte, len(b))
	if encrypt {
		cipher.NewCBCEncrypter(block, iv[:]).CryptBlocks(out, b)
	} else {
		cipher.NewCBCDecrypter(block, iv[:]).CryptBlocks(out, b)
	}
	return out
}
