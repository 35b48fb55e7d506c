package crypt

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
)

// CryptFilter is one entry of the /CF dictionary (V 4 and 5).
type CryptFilter struct {
	CFM    string // None, V2, AESV2, AESV3 ("" means None)
	Length int    // key length; bytes in practice, bits in some files
}

// Params holds the entries of the /Encrypt dictionary and the first
// element of the trailer /ID. Callers fill in the PDF defaults for absent
// entries where the zero value differs: Length 40 is assumed when 0 (for
// V 1 and 2), and EncryptMetadata must be set to true when the entry is
// absent. P is /P as a signed 32-bit value: files that write it unsigned
// (4294967292) wrap to the same bits (-4). EFF is carried for the caller;
// this package decrypts with StmF and StrF only.
type Params struct {
	Filter, SubFilter   string
	V, R, Length        int // Length in bits
	O, U, OE, UE, Perms []byte
	P                   int32
	EncryptMetadata     bool
	ID0                 []byte
	StmF, StrF, EFF     string
	CF                  map[string]CryptFilter
}

var (
	// ErrPassword means the password is neither the user nor the owner
	// password (or the dictionary is too damaged to check any password).
	ErrPassword = errors.New("incorrect password")
	// ErrUnsupported means a security handler, version, revision or crypt
	// filter method this package does not implement.
	ErrUnsupported = errors.New("unsupported encryption")
)

// cipherKind is how one class of objects (strings or streams) is encrypted.
type cipherKind int

const (
	cipherNone cipherKind = iota // Identity or CFM None: data is plain
	cipherRC4
	cipherAESV2 // AES-128-CBC with a per-object key
	cipherAESV3 // AES-256-CBC with the file key
)

// Handler decrypts (and, for fixtures, encrypts) the strings and streams of
// one document. Decryption is safe for concurrent use.
type Handler struct {
	key     []byte // file encryption key
	str     cipherKind
	stm     cipherKind
	keyBits int
	owner   bool // authenticated with the owner password

	mu   sync.Mutex // guards rand
	rand io.Reader  // source of AES IVs when encrypting
}

// New authenticates password as the user password, then as the owner
// password, and returns a handler holding the file key. The empty password
// opens files that only have an owner password. A password that is neither
// fails with an error wrapping ErrPassword; a handler other than /Standard
// or an unknown V, R or crypt filter method fails with ErrUnsupported.
//
// Passwords are tried as given and, where that fails, in the encoding the
// revision expects: PDFDocEncoding for revisions 2-4, SASLprep'd UTF-8 for
// revisions 5 and 6 (see password.go for how far that goes).
func New(p Params, password []byte) (*Handler, error) {
	h, err := newHandler(p)
	if err != nil {
		return nil, err
	}
	for _, pw := range passwordCandidates(password, p.R) {
		var key []byte
		var owner bool
		switch p.R {
		case 2, 3, 4:
			key, owner, err = authRC4(p, pw, h.keyBits/8)
		case 5, 6:
			key, owner, err = authAES256(p, pw)
		}
		if err != nil {
			return nil, err
		}
		if key != nil {
			h.key = key
			h.owner = owner
			return h, nil
		}
	}
	return nil, fmt.Errorf("crypt: %w", ErrPassword)
}

// newHandler checks the handler, version and revision and works out the
// ciphers and key length, without any password.
func newHandler(p Params) (*Handler, error) {
	// Some writers leave /Filter out; only the standard handler is common.
	if p.Filter != "Standard" && p.Filter != "" {
		return nil, fmt.Errorf("crypt: security handler %q: %w", p.Filter, ErrUnsupported)
	}
	h := &Handler{}
	switch p.V {
	case 1:
		h.str, h.stm, h.keyBits = cipherRC4, cipherRC4, 40
	case 2:
		h.str, h.stm, h.keyBits = cipherRC4, cipherRC4, rc4KeyBits(p.Length)
	case 4, 5:
		var err error
		if h.stm, err = cryptFilter(p, p.StmF); err != nil {
			return nil, err
		}
		if h.str, err = cryptFilter(p, p.StrF); err != nil {
			return nil, err
		}
		h.keyBits = v4KeyBits(p, h.stm, h.str)
	default:
		return nil, fmt.Errorf("crypt: /V %d: %w", p.V, ErrUnsupported)
	}
	if p.R == 2 {
		h.keyBits = 40 // Algorithm 2: revision 2 keys are always 5 bytes
	}
	switch {
	case p.R >= 2 && p.R <= 4:
		if p.V == 5 {
			return nil, fmt.Errorf("crypt: /V 5 with /R %d: %w", p.R, ErrUnsupported)
		}
	case p.R == 5 || p.R == 6:
		if p.V != 5 {
			return nil, fmt.Errorf("crypt: /R %d with /V %d: %w", p.R, p.V, ErrUnsupported)
		}
	default:
		return nil, fmt.Errorf("crypt: /R %d: %w", p.R, ErrUnsupported)
	}
	return h, nil
}

// rc4KeyBits reads /Length for V 2: bits, a multiple of 8 from 40 to 128.
// Values that look like bytes are taken as bytes; others are clamped.
func rc4KeyBits(length int) int {
	switch {
	case length == 0:
		return 40
	case length >= 5 && length <= 16:
		return length * 8
	}
	return min(max(length/8*8, 40), 128)
}

// cryptFilter resolves a /StmF or /StrF name to a cipher (V 4 and 5).
func cryptFilter(p Params, name string) (cipherKind, error) {
	if name == "" || name == "Identity" {
		return cipherNone, nil
	}
	cf, ok := p.CF[name]
	if !ok {
		return 0, fmt.Errorf("crypt: crypt filter %q not in /CF: %w", name, ErrUnsupported)
	}
	var k cipherKind
	switch cf.CFM {
	case "", "None":
		k = cipherNone
	case "V2":
		k = cipherRC4
	case "AESV2":
		k = cipherAESV2
	case "AESV3":
		k = cipherAESV3
	default:
		return 0, fmt.Errorf("crypt: crypt filter method %q: %w", cf.CFM, ErrUnsupported)
	}
	// AESV3 needs the 256-bit key of V 5, which the others cannot use.
	if (k == cipherAESV3) != (p.V == 5) && k != cipherNone {
		return 0, fmt.Errorf("crypt: /CFM %s with /V %d: %w", cf.CFM, p.V, ErrUnsupported)
	}
	return k, nil
}

// v4KeyBits is the file key length for V 4 and 5. V 4 takes /Length from
// the encryption dictionary, else from the stream crypt filter (bytes when
// small), else 128; AES-128 always uses 128 bits.
func v4KeyBits(p Params, stm, str cipherKind) int {
	if p.V == 5 {
		return 256
	}
	if stm == cipherAESV2 || str == cipherAESV2 {
		return 128
	}
	bits := p.Length
	if bits == 0 {
		bits = p.CF[p.StmF].Length
	}
	if bits == 0 {
		return 128
	}
	if bits < 40 {
		bits *= 8
	}
	return min(max(bits/8*8, 40), 128)
}

// Method names the cipher used for streams (for strings if streams are not
// encrypted): "RC4-40", "RC4-128" (or "RC4-<bits>" for other key lengths),
// "AES-128", "AES-256", or "none" when neither is encrypted.
func (h *Handler) Method() string {
	k := h.stm
	if k == cipherNone {
		k = h.str
	}
	switch k {
	case cipherRC4:
		return "RC4-" + strconv.Itoa(h.keyBits)
	case cipherAESV2:
		return "AES-128"
	case cipherAESV3:
		return "AES-256"
	}
	return "none"
}

// KeyBits is the length of the file encryption key in bits.
func (h *Handler) KeyBits() int { return h.keyBits }

// OwnerAuthenticated reports whether the password was the owner password
// (the user password, or the empty one, opens a file as user).
func (h *Handler) OwnerAuthenticated() bool { return h.owner }

// DecryptString decrypts a string of object num, generation gen. It never
// modifies b; with no encryption for strings it returns b itself.
func (h *Handler) DecryptString(num uint32, gen uint16, b []byte) ([]byte, error) {
	return h.decrypt(h.str, num, gen, b)
}

// DecryptStream decrypts the raw data of stream object num, generation gen.
// It never modifies b; with no encryption for streams it returns b itself.
func (h *Handler) DecryptStream(num uint32, gen uint16, b []byte) ([]byte, error) {
	return h.decrypt(h.stm, num, gen, b)
}

// EncryptString encrypts a string of object num, generation gen.
func (h *Handler) EncryptString(num uint32, gen uint16, b []byte) ([]byte, error) {
	return h.encrypt(h.str, num, gen, b)
}

// EncryptStream encrypts the data of stream object num, generation gen.
func (h *Handler) EncryptStream(num uint32, gen uint16, b []byte) ([]byte, error) {
	return h.encrypt(h.stm, num, gen, b)
}

func (h *Handler) decrypt(k cipherKind, num uint32, gen uint16, b []byte) ([]byte, error) {
	switch k {
	case cipherRC4:
		return rc4XOR(objectKey(h.key, num, gen, false), b), nil
	case cipherAESV2:
		return aesDecrypt(objectKey(h.key, num, gen, true), b)
	case cipherAESV3:
		return aesDecrypt(h.key, b)
	}
	return b, nil
}

func (h *Handler) encrypt(k cipherKind, num uint32, gen uint16, b []byte) ([]byte, error) {
	switch k {
	case cipherRC4:
		return rc4XOR(objectKey(h.key, num, gen, false), b), nil
	case cipherAESV2:
		return h.aesEncrypt(objectKey(h.key, num, gen, true), b)
	case cipherAESV3:
		return h.aesEncrypt(h.key, b)
	}
	return append([]byte(nil), b...), nil
}

// aesEncrypt encrypts with a fresh random IV, taken from the handler's
// random source (crypto/rand for handlers made by New).
func (h *Handler) aesEncrypt(key, b []byte) ([]byte, error) {
	var iv [16]byte
	h.mu.Lock()
	r := h.rand
	if r == nil {
		r = rand.Reader
	}
	_, err := io.ReadFull(r, iv[:])
	h.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("crypt: iv: %w", err)
	}
	return aesEncrypt(key, iv[:], b)
}
