package testpdf

import (
	"crypto/md5"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"

	"dataplus/internal/pdf/crypt"
)

// Encrypt makes Save encrypt the document with the standard security
// handler: method is "RC4-40", "RC4-128", "AES-128" or "AES-256". Call it
// once, after the document's objects exist and before Save. Salts and IVs
// come from a generator seeded with the file ID, so output is reproducible.
func (d *Doc) Encrypt(method, user, owner string, p int32) error {
	seed := sha256.Sum256(append([]byte("dataplus/testpdf/crypt/"), d.ID[0]...))
	rng := rand.NewChaCha8(seed)
	params, h, err := crypt.Setup(method, []byte(user), []byte(owner), p, d.ID[0], rng)
	if err != nil {
		return err
	}
	d.enc = &encryption{ref: d.Add(encryptDict(params)), h: h}
	return nil
}

// encryptDict writes crypt.Params as an /Encrypt dictionary.
func encryptDict(p crypt.Params) Dict {
	filter := p.Filter
	if filter == "" {
		filter = "Standard"
	}
	d := Dict{
		"Filter": Name(filter),
		"V":      p.V,
		"R":      p.R,
		"O":      Hex(p.O),
		"U":      Hex(p.U),
		"P":      int(p.P),
	}
	if p.SubFilter != "" {
		d["SubFilter"] = Name(p.SubFilter)
	}
	if p.Length != 0 && p.V > 1 {
		d["Length"] = p.Length
	}
	for k, v := range map[Name][]byte{"OE": p.OE, "UE": p.UE, "Perms": p.Perms} {
		if v != nil {
			d[k] = Hex(v)
		}
	}
	if !p.EncryptMetadata && p.V >= 4 {
		d["EncryptMetadata"] = false
	}
	if len(p.CF) > 0 {
		cf := Dict{}
		for name, f := range p.CF {
			e := Dict{"Type": Name("CryptFilter"), "CFM": Name(f.CFM), "AuthEvent": Name("DocOpen")}
			if f.Length != 0 {
				e["Length"] = f.Length
			}
			cf[Name(name)] = e
		}
		d["CF"] = cf
	}
	for k, v := range map[Name]string{"StmF": p.StmF, "StrF": p.StrF, "EFF": p.EFF} {
		if v != "" {
			d[k] = Name(v)
		}
	}
	return d
}

// encrypter is the part of crypt.Handler the writer needs.
type encrypter interface {
	EncryptString(num uint32, gen uint16, b []byte) ([]byte, error)
	EncryptStream(num uint32, gen uint16, b []byte) ([]byte, error)
}

// encryption is a document's security handler state.
type encryption struct {
	ref Ref // the /Encrypt dictionary object
	h   encrypter
}

func (e *encryption) string(n int, b []byte) []byte {
	out, err := e.h.EncryptString(uint32(n), 0, b)
	if err != nil {
		panic(fmt.Sprintf("testpdf: encrypt string of object %d: %v", n, err))
	}
	return out
}

func (e *encryption) stream(n int, b []byte) []byte {
	out, err := e.h.EncryptStream(uint32(n), 0, b)
	if err != nil {
		panic(fmt.Sprintf("testpdf: encrypt stream of object %d: %v", n, err))
	}
	return out
}

// fileID derives a 16-byte file identifier from a fixture name, so that IDs
// are stable across runs and distinct across fixtures.
func fileID(name, part string) []byte {
	sum := md5.Sum([]byte("dataplus/testpdf/" + name + "/" + part))
	return sum[:]
}
