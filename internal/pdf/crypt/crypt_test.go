package crypt

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// detRand is a deterministic random source so fixtures and failures are
// reproducible.
type detRand struct{ r *rand.ChaCha8 }

func newDetRand(seed byte) *detRand {
	var s [32]byte
	s[0] = seed
	return &detRand{rand.NewChaCha8(s)}
}

func (d *detRand) Read(p []byte) (int, error) { return d.r.Read(p) }

var allMethods = []struct {
	method  string
	v, r    int
	keyBits int
}{
	{"RC4-40", 1, 2, 40},
	{"RC4-128", 2, 3, 128},
	{"AES-128", 4, 4, 128},
	{"AES-256", 5, 6, 256},
}

var testID0 = []byte{0x66, 0xd3, 0x6a, 0x30, 0xa9, 0x7e, 0x0f, 0x16, 0xf3, 0x99, 0x55, 0xc6, 0x22, 0x1e, 0x0c, 0x2a}

// TestRoundTrip: Setup -> encrypt -> New(password) -> decrypt, for every
// method, with empty and non-empty user passwords.
func TestRoundTrip(t *testing.T) {
	type pwCase struct {
		name        string
		user, owner string
	}
	pwCases := []pwCase{
		{"empty user, owner set", "", "owner secret"},
		{"user and owner", "user", "owner"},
		{"user only", "just user", ""},
		{"long passwords", "a user password longer than thirty-two bytes", "an owner password that is also longer than thirty-two bytes"},
	}
	plain := [][]byte{nil, []byte("x"), []byte("exactly 16 bytes"), bytes.Repeat([]byte("stream data "), 1000)}
	for _, m := range allMethods {
		for _, pc := range pwCases {
			t.Run(m.method+"/"+pc.name, func(t *testing.T) {
				par, enc, err := Setup(m.method, []byte(pc.user), []byte(pc.owner), -3904, testID0, newDetRand(1))
				if err != nil {
					t.Fatal(err)
				}
				if par.V != m.v || par.R != m.r || par.Filter != "Standard" {
					t.Fatalf("V %d R %d Filter %q, want V %d R %d Standard", par.V, par.R, par.Filter, m.v, m.r)
				}
				if enc.Method() != m.method || enc.KeyBits() != m.keyBits {
					t.Fatalf("writer handler: %s/%d, want %s/%d", enc.Method(), enc.KeyBits(), m.method, m.keyBits)
				}
				if m.r == 6 && !permsOK(enc.key, par) {
					t.Fatal("/Perms does not decrypt to the permissions")
				}
				// Encrypt a few objects' strings and streams.
				type sealed struct {
					num         uint32
					gen         uint16
					i           int
					str, stream []byte
				}
				var all []sealed
				for k, p := range plain {
					num, gen := uint32(1+k*1000), uint16(k)
					s, err := enc.EncryptString(num, gen, p)
					if err != nil {
						t.Fatal(err)
					}
					st, err := enc.EncryptStream(num, gen, p)
					if err != nil {
						t.Fatal(err)
					}
					if len(p) > 0 && bytes.Equal(s, p) {
						t.Fatal("encryption left data unchanged")
					}
					all = append(all, sealed{num, gen, k, s, st})
				}

				owner := pc.owner
				if owner == "" {
					owner = pc.user
				}
				opens := []struct {
					pw        string
					wantOwner bool
				}{
					// The user password is tried first, so it never counts
					// as owner, even when both are the same.
					{pc.user, false},
					{owner, owner != pc.user},
				}
				for _, o := range opens {
					h, err := New(par, []byte(o.pw))
					if err != nil {
						t.Fatalf("New(%q): %v", o.pw, err)
					}
					if h.OwnerAuthenticated() != o.wantOwner {
						t.Errorf("New(%q): owner = %v, want %v", o.pw, h.OwnerAuthenticated(), o.wantOwner)
					}
					if h.Method() != m.method || h.KeyBits() != m.keyBits {
						t.Errorf("New(%q): %s/%d", o.pw, h.Method(), h.KeyBits())
					}
					for _, s := range all {
						got, err := h.DecryptString(s.num, s.gen, s.str)
						if err != nil || !bytes.Equal(got, plain[s.i]) {
							t.Fatalf("string %d: got %q, %v", s.num, got, err)
						}
						got, err = h.DecryptStream(s.num, s.gen, s.stream)
						if err != nil || !bytes.Equal(got, plain[s.i]) {
							t.Fatalf("stream %d: got %d bytes, %v", s.num, len(got), err)
						}
						// The key depends on the object: another number
						// must not decrypt it.
						if len(plain[s.i]) > 0 {
							other, _ := h.DecryptString(s.num+1, s.gen, s.str)
							if bytes.Equal(other, plain[s.i]) && m.method != "AES-256" {
								t.Fatalf("object %d decrypts with the key of object %d", s.num, s.num+1)
							}
						}
					}
				}

				for _, wrong := range []string{"wrong", pc.user + "x", "owner secret!"} {
					if wrong == pc.user || wrong == owner {
						continue
					}
					if m.r <= 4 && len(pc.user) >= 32 && wrong == pc.user+"x" {
						// Revisions 2-4 use only the first 32 bytes.
						if _, err := New(par, []byte(wrong)); err != nil {
							t.Errorf("New(%q): %v; bytes after 32 should be ignored", wrong, err)
						}
						continue
					}
					_, err := New(par, []byte(wrong))
					if !errors.Is(err, ErrPassword) {
						t.Errorf("New(%q): %v, want ErrPassword", wrong, err)
					}
				}
				if pc.user != "" {
					if _, err := New(par, nil); !errors.Is(err, ErrPassword) {
						t.Errorf("New(empty) on a user-password file: %v, want ErrPassword", err)
					}
				}
			})
		}
	}
}

// TestSetupDeterministic: the same random source gives the same output,
// which fixtures rely on.
func TestSetupDeterministic(t *testing.T) {
	for _, m := range allMethods {
		p1, h1, err1 := Setup(m.method, []byte("u"), []byte("o"), -4, testID0, newDetRand(7))
		p2, h2, err2 := Setup(m.method, []byte("u"), []byte("o"), -4, testID0, newDetRand(7))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		s1, _ := h1.EncryptStream(5, 0, []byte("data"))
		s2, _ := h2.EncryptStream(5, 0, []byte("data"))
		if !bytes.Equal(p1.O, p2.O) || !bytes.Equal(p1.U, p2.U) || !bytes.Equal(s1, s2) {
			t.Errorf("%s: not deterministic", m.method)
		}
	}
}

func TestSetupUnknownMethod(t *testing.T) {
	for _, m := range []string{"", "RC4", "AES-192", "aes-128", "none"} {
		if _, _, err := Setup(m, nil, nil, -4, testID0, nil); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Setup(%q): %v, want ErrUnsupported", m, err)
		}
	}
}

func TestUnsupported(t *testing.T) {
	base, _, err := Setup("AES-128", nil, []byte("o"), -4, testID0, newDetRand(2))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		modify func(p *Params)
	}{
		{"public key handler", func(p *Params) { p.Filter = "Adobe.PubSec" }},
		{"V 0", func(p *Params) { p.V = 0 }},
		{"V 3", func(p *Params) { p.V = 3 }},
		{"V 6", func(p *Params) { p.V = 6 }},
		{"R 1", func(p *Params) { p.R = 1 }},
		{"R 7", func(p *Params) { p.R = 7 }},
		{"V 4 with R 6", func(p *Params) { p.R = 6 }},
		{"V 5 with R 4", func(p *Params) { p.V = 5 }},
		{"unknown CFM", func(p *Params) { p.CF = map[string]CryptFilter{"StdCF": {CFM: "ChaCha"}} }},
		{"AESV3 under V 4", func(p *Params) { p.CF = map[string]CryptFilter{"StdCF": {CFM: "AESV3"}} }},
		{"missing crypt filter", func(p *Params) { p.StmF = "Other" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := base
			tc.modify(&p)
			if _, err := New(p, nil); !errors.Is(err, ErrUnsupported) {
				t.Fatalf("got %v, want ErrUnsupported", err)
			}
		})
	}
}

// TestIdentityFilters: V 4 with Identity (or CFM None) for both classes
// means no decryption at all.
func TestIdentityFilters(t *testing.T) {
	base, _, err := Setup("AES-128", nil, []byte("o"), -4, testID0, newDetRand(3))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		stmF, strF string
		cf         map[string]CryptFilter
		method     string
		stmPlain   bool
		strPlain   bool
	}{
		{"both Identity", "Identity", "Identity", base.CF, "none", true, true},
		{"both absent", "", "", base.CF, "none", true, true},
		{"CFM None", "StdCF", "StdCF", map[string]CryptFilter{"StdCF": {CFM: "None"}}, "none", true, true},
		{"streams only", "StdCF", "Identity", base.CF, "AES-128", false, true},
		{"strings only", "Identity", "StdCF", base.CF, "AES-128", true, false},
	}
	data := []byte("plain data")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := base
			p.StmF, p.StrF, p.CF = tc.stmF, tc.strF, tc.cf
			h, err := New(p, nil)
			if err != nil {
				t.Fatal(err)
			}
			if h.Method() != tc.method {
				t.Errorf("Method %q, want %q", h.Method(), tc.method)
			}
			// Plain data comes back unchanged where there is no
			// encryption; elsewhere it fails or turns into something else.
			got, err := h.DecryptStream(4, 0, data)
			if plain := err == nil && bytes.Equal(got, data); plain != tc.stmPlain {
				t.Errorf("stream: %q, %v", got, err)
			}
			got, err = h.DecryptString(4, 0, data)
			if plain := err == nil && bytes.Equal(got, data); plain != tc.strPlain {
				t.Errorf("string: %q, %v", got, err)
			}
		})
	}
}

// TestEncryptMetadataFalse: revision 4 keys depend on /EncryptMetadata;
// a dictionary whose flag was read wrongly still opens.
func TestEncryptMetadataFalse(t *testing.T) {
	par, _, err := Setup("AES-128", []byte("u"), []byte("o"), -4, testID0, newDetRand(4))
	if err != nil {
		t.Fatal(err)
	}
	// Recompute /U for EncryptMetadata false, as a writer would.
	par.EncryptMetadata = false
	key := fileKeyRC4(par, padPassword([]byte("u")), 16, false)
	par.U = append(computeU(par, key), make([]byte, 16)...)
	for _, meta := range []bool{false, true} {
		p := par
		p.EncryptMetadata = meta
		for _, pw := range []string{"u", "o"} {
			h, err := New(p, []byte(pw))
			if err != nil {
				t.Fatalf("meta %v, %q: %v", meta, pw, err)
			}
			if !bytes.Equal(h.key, key) {
				t.Fatalf("meta %v, %q: wrong key", meta, pw)
			}
		}
	}
}

func TestAESTolerance(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 16)
	iv := bytes.Repeat([]byte{1}, 16)
	good, err := aesEncrypt(key, iv, []byte("hello, world"))
	if err != nil {
		t.Fatal(err)
	}
	// A ciphertext whose last block decrypts to bad padding.
	badPad, _ := aesEncrypt(key, iv, append([]byte("0123456789abcdef"), bytes.Repeat([]byte{0x20}, 16)...))
	badPad = badPad[:len(badPad)-16] // drop the padding block: the last byte is now 0x20

	tests := []struct {
		name string
		in   []byte
		want []byte
		err  bool
	}{
		{"good", good, []byte("hello, world"), false},
		{"empty", nil, []byte{}, false},
		{"shorter than iv", good[:10], nil, true},
		{"iv only", good[:16], []byte{}, false},
		{"partial block dropped", append(bytes.Clone(good), 1, 2, 3), []byte("hello, world"), false},
		{"bad padding kept", badPad, append([]byte("0123456789abcdef"), bytes.Repeat([]byte{0x20}, 16)...), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := aesDecrypt(key, tc.in)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if !tc.err && !bytes.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDecryptDoesNotModifyInput(t *testing.T) {
	for _, m := range allMethods {
		_, h, _ := Setup(m.method, nil, []byte("o"), -4, testID0, newDetRand(5))
		enc, _ := h.EncryptStream(9, 0, []byte("some stream data here, longer than a block"))
		keep := bytes.Clone(enc)
		if _, err := h.DecryptStream(9, 0, enc); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc, keep) {
			t.Fatalf("%s: input modified", m.method)
		}
	}
}

func TestRC4KeyBits(t *testing.T) {
	for _, tc := range []struct{ length, want int }{
		{0, 40}, {40, 40}, {56, 56}, {128, 128}, {16, 128}, {5, 40}, {256, 128}, {20, 40}, {127, 120},
	} {
		if got := rc4KeyBits(tc.length); got != tc.want {
			t.Errorf("rc4KeyBits(%d) = %d, want %d", tc.length, got, tc.want)
		}
	}
	// A 56-bit RC4 file round trips and reports its length.
	par, _, _ := Setup("RC4-128", []byte("u"), []byte("o"), -4, testID0, newDetRand(6))
	par.Length = 56
	h0, _ := newHandler(par)
	setupRC4(&par, h0, []byte("u"), []byte("o"))
	h, err := New(par, []byte("u"))
	if err != nil {
		t.Fatal(err)
	}
	if h.Method() != "RC4-56" || h.KeyBits() != 56 {
		t.Fatalf("got %s/%d", h.Method(), h.KeyBits())
	}
}

func TestMalformedDictionary(t *testing.T) {
	for _, m := range allMethods {
		par, _, _ := Setup(m.method, nil, []byte("o"), -4, testID0, newDetRand(8))
		for _, cut := range []string{"O", "U"} {
			p := par
			if cut == "O" {
				p.O = p.O[:10]
			} else {
				p.U = p.U[:10]
			}
			if _, err := New(p, nil); !errors.Is(err, ErrPassword) {
				t.Errorf("%s with short /%s: %v, want ErrPassword", m.method, cut, err)
			}
		}
	}
}

func ExampleSetup() {
	par, h, err := Setup("AES-128", nil, []byte("owner"), -4, testID0, newDetRand(9))
	if err != nil {
		panic(err)
	}
	enc, _ := h.EncryptString(3, 0, []byte("Hello"))
	r, _ := New(par, nil) // empty user password
	dec, _ := r.DecryptString(3, 0, enc)
	fmt.Println(r.Method(), string(dec))
	// Output: AES-128 Hello
}
