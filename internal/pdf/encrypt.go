package pdf

import (
	"errors"
	"fmt"

	"dataplus/internal/pdf/crypt"
)

// EncryptionInfo describes a document's encryption.
type EncryptionInfo struct {
	Filter        string // security handler, "Standard" for passwords
	V, R          int
	KeyBits       int
	Method        string // RC4-40, RC4-128, AES-128, AES-256, none, or unknown
	NeedsPassword bool   // no usable password: strings and streams fail with ErrEncrypted
	P             int32  // permission flags
}

// Encryption returns nil when the file is not encrypted.
func (d *Document) Encryption() *EncryptionInfo { return d.enc }

// setupEncryption reads the trailer's /Encrypt dictionary and /ID and
// authenticates the password. A file whose password we lack, or whose
// security handler is not supported, still opens: NeedsPassword is set and
// strings and streams fail with ErrEncrypted on use.
func (d *Document) setupEncryption() {
	d.enc, d.crypt = nil, nil
	d.strLocked, d.stmLocked, d.efLocked = false, false, false
	d.encryptIsRef, d.encryptRef = false, Ref{}
	var ed Dict
	switch v := d.trailer["Encrypt"].(type) {
	case Ref:
		d.encryptIsRef, d.encryptRef = true, v
		// Loaded while d.crypt is nil: the dictionary is never encrypted.
		ed = d.Dict(v)
	case Dict:
		ed = v
	}
	if ed == nil {
		return // no (usable) /Encrypt: read the file as plain
	}
	p := crypt.Params{
		Filter:          string(d.Name(ed["Filter"])),
		SubFilter:       string(d.Name(ed["SubFilter"])),
		V:               d.intOr(ed["V"], 0),
		R:               d.intOr(ed["R"], 0),
		Length:          d.intOr(ed["Length"], 40),
		O:               d.Str(ed["O"]),
		U:               d.Str(ed["U"]),
		OE:              d.Str(ed["OE"]),
		UE:              d.Str(ed["UE"]),
		Perms:           d.Str(ed["Perms"]),
		EncryptMetadata: true,
		StmF:            string(d.Name(ed["StmF"])),
		StrF:            string(d.Name(ed["StrF"])),
		EFF:             string(d.Name(ed["EFF"])),
	}
	if pv, ok := d.Int(ed["P"]); ok {
		p.P = int32(uint32(pv)) // written signed or unsigned
	}
	if b, ok := d.resolve(ed["EncryptMetadata"]).(bool); ok {
		p.EncryptMetadata = b
	}
	if ids := d.Array(d.trailer["ID"]); len(ids) > 0 {
		p.ID0 = d.Str(ids[0])
	}
	if cf := d.Dict(ed["CF"]); len(cf) > 0 {
		p.CF = make(map[string]crypt.CryptFilter, len(cf))
		for name, v := range cf {
			f := d.Dict(v)
			p.CF[string(name)] = crypt.CryptFilter{CFM: string(d.Name(f["CFM"])), Length: d.intOr(f["Length"], 0)}
		}
	}
	d.encryptMeta = p.EncryptMetadata
	info := &EncryptionInfo{Filter: p.Filter, V: p.V, R: p.R, P: p.P}
	h, err := crypt.New(p, d.password)
	switch {
	case err == nil:
		d.crypt = h
		info.Method = h.Method()
		info.KeyBits = h.KeyBits()
	case errors.Is(err, crypt.ErrPassword):
		info.Method, info.KeyBits = methodOf(p)
		// With crypt filters (V 4, 5) strings or streams may be plain
		// (Identity): those stay readable. /AuthEvent /EFOpen files lock
		// only their embedded files.
		d.strLocked = !plainFilter(p, p.StrF)
		d.stmLocked = !plainFilter(p, p.StmF)
		eff := p.EFF
		if eff == "" {
			eff = p.StmF
		}
		d.efLocked = !plainFilter(p, eff)
		info.NeedsPassword = d.strLocked || d.stmLocked
	default:
		// Unsupported handler or damaged dictionary: report, fail on use.
		info.NeedsPassword = true
		info.Method = "unknown"
		d.strLocked, d.stmLocked, d.efLocked = true, true, true
	}
	d.enc = info
}

// plainFilter reports whether the crypt filter name leaves data plain.
// Before V 4 there are no crypt filters: everything is encrypted.
func plainFilter(p crypt.Params, name string) bool {
	if p.V != 4 && p.V != 5 {
		return false
	}
	if name == "" || name == "Identity" {
		return true
	}
	cfm := p.CF[name].CFM
	return cfm == "" || cfm == "None"
}

// methodOf names the method a standard handler's parameters describe, for
// reporting when the password is unknown.
func methodOf(p crypt.Params) (string, int) {
	switch p.V {
	case 1:
		return "RC4-40", 40
	case 2, 3:
		if p.Length <= 40 {
			return "RC4-40", 40
		}
		return "RC4-128", p.Length
	case 4:
		f := p.StmF
		if plainFilter(p, f) {
			f = p.EFF
		}
		switch p.CF[f].CFM {
		case "AESV2":
			return "AES-128", 128
		case "V2":
			return "RC4-128", 128
		case "None":
			return "none", 0
		}
	case 5:
		return "AES-256", 256
	}
	return "unknown", 0
}

// intOr resolves o as an integer that fits an int, or returns def.
func (d *Document) intOr(o Object, def int) int {
	v, ok := d.Int(o)
	if !ok || v < -1<<31 || v > 1<<31-1 {
		return def
	}
	return int(v)
}

// decryptStrings decrypts every string in obj with the key of object
// num/gen. Without a usable key strings become nil Strings, so that
// ciphertext is never mistaken for text. The walk uses an explicit stack;
// nesting is already bounded by the parser.
func (d *Document) decryptStrings(obj Object, num uint32, gen uint16) Object {
	dec := func(s String) String {
		if d.crypt == nil {
			return nil
		}
		out, err := d.crypt.DecryptString(num, gen, s)
		if err != nil {
			return nil
		}
		if out == nil {
			out = []byte{} // nil means "could not decrypt"
		}
		return String(out)
	}
	switch v := obj.(type) {
	case String:
		return dec(v)
	case *Stream:
		d.decryptContainer(v.Dict, dec)
	case Dict, Array:
		d.decryptContainer(v, dec)
	}
	return obj
}

func (d *Document) decryptContainer(root Object, dec func(String) String) {
	stack := []Object{root}
	for len(stack) > 0 {
		o := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch v := o.(type) {
		case Dict:
			for k, x := range v {
				switch x := x.(type) {
				case String:
					v[k] = dec(x)
				case Dict, Array:
					stack = append(stack, x)
				}
			}
		case Array:
			for i, x := range v {
				switch x := x.(type) {
				case String:
					v[i] = dec(x)
				case Dict, Array:
					stack = append(stack, x)
				}
			}
		}
	}
}

// errNeedsPassword is returned for data that needs the missing password.
var errNeedsPassword = fmt.Errorf("document needs a password: %w", ErrEncrypted)
