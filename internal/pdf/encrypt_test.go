package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"dataplus/internal/pdf/crypt"
)

// fixedRand is a deterministic byte source for crypt.Setup.
type fixedRand byte

func (r *fixedRand) Read(p []byte) (int, error) {
	for i := range p {
		*r++
		p[i] = byte(*r)
	}
	return len(p), nil
}

// encryptDict serialises crypt parameters as an /Encrypt dictionary.
func encryptDict(p crypt.Params) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<< /Filter /Standard /V %d /R %d /Length %d /P %d /O <%X> /U <%X>", p.V, p.R, p.Length, p.P, p.O, p.U)
	if p.OE != nil {
		fmt.Fprintf(&b, " /OE <%X> /UE <%X> /Perms <%X>", p.OE, p.UE, p.Perms)
	}
	if len(p.CF) > 0 {
		b.WriteString(" /CF <<")
		for name, cf := range p.CF {
			fmt.Fprintf(&b, " /%s << /CFM /%s /Length %d >>", name, cf.CFM, cf.Length)
		}
		fmt.Fprintf(&b, " >> /StmF /%s /StrF /%s", p.StmF, p.StrF)
	}
	b.WriteString(" >>")
	return b.String()
}

var testID0 = []byte("0123456789abcdef")

// encryptedPDF builds a two-page document encrypted with method: the
// second page lives in an (encrypted) object stream, object 8 is the Info
// dictionary with an encrypted title, object 4 an encrypted content stream.
func encryptedPDF(t *testing.T, method, user, owner string) []byte {
	t.Helper()
	r := fixedRand(0)
	par, h, err := crypt.Setup(method, []byte(user), []byte(owner), -3904, testID0, &r)
	if err != nil {
		t.Fatal(err)
	}
	encStr := func(num uint32, s string) string {
		out, err := h.EncryptString(num, 0, []byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("<%X>", out)
	}
	encStm := func(num uint32, data []byte) []byte {
		out, err := h.EncryptStream(num, 0, data)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	b := newTestPDF("1.6")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	b.obj(2, "<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>")
	b.obj(3, "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Label "+encStr(3, "first")+" >>")
	b.stream(4, "", encStm(4, []byte("BT (secret) Tj ET")))
	// Strings inside an object stream are not encrypted on their own.
	sdata, first := objStmData([]int{6}, []string{"<< /Type /Page /Parent 2 0 R /Label (second) >>"})
	b.stream(5, fmt.Sprintf("/Type /ObjStm /N 1 /First %d", first), encStm(5, sdata))
	b.obj(7, encryptDict(par))
	b.obj(8, "<< /Title "+encStr(8, "Top Secret")+" >>")
	return b.xrefStream(9, []xrefStreamEntry{{6, 2, 5, 0}}, fmt.Sprintf("/Root 1 0 R /Info 8 0 R /Encrypt 7 0 R /ID [<%X> <%X>]", testID0, testID0), false)
}

func TestEncryption(t *testing.T) {
	for _, method := range []string{"RC4-40", "RC4-128", "AES-128", "AES-256"} {
		t.Run(method, func(t *testing.T) {
			tests := []struct {
				name     string
				user     string
				password string
				locked   bool
			}{
				{"owner password only", "", "", false},
				{"user password given", "u", "u", false},
				{"owner password given", "u", "o", false},
				{"no password", "u", "", true},
				{"wrong password", "u", "x", true},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					data := encryptedPDF(t, method, tc.user, "o")
					doc, err := Open(context.Background(), data, Options{Password: []byte(tc.password)})
					if err != nil {
						t.Fatal(err)
					}
					enc := doc.Encryption()
					if enc == nil || enc.NeedsPassword != tc.locked || enc.Method != method || enc.P != -3904 || enc.Filter != "Standard" {
						t.Fatalf("encryption %+v", enc)
					}
					info := doc.Dict(doc.Trailer()["Info"])
					title, terr := doc.StringValue(info["Title"])
					pages, perr := doc.Pages()
					if tc.locked {
						if !errors.Is(terr, ErrEncrypted) || doc.Str(info["Title"]) != nil {
							t.Errorf("title: %q, %v", title, terr)
						}
						// The page tree outside object streams stays readable.
						if !errors.Is(perr, ErrEncrypted) && len(pages) == 0 {
							t.Errorf("pages: %d, %v", len(pages), perr)
						}
						_, err := doc.StreamData(doc.Stream(Ref{Num: 4}))
						if !errors.Is(err, ErrEncrypted) {
							t.Errorf("stream: %v", err)
						}
						return
					}
					if terr != nil || string(title) != "Top Secret" {
						t.Errorf("title %q, %v", title, terr)
					}
					if perr != nil || len(pages) != 2 {
						t.Fatalf("pages %d, %v", len(pages), perr)
					}
					if l := doc.Str(pages[0].Dict["Label"]); string(l) != "first" {
						t.Errorf("label 1 %q", l)
					}
					if l := doc.Str(pages[1].Dict["Label"]); string(l) != "second" {
						t.Errorf("label 2 %q", l)
					}
					content, err := doc.StreamData(doc.Stream(pages[0].Dict["Contents"]))
					if err != nil || string(content) != "BT (secret) Tj ET" {
						t.Errorf("content %q, %v", content, err)
					}
				})
			}
		})
	}
}

func TestEncryptionUnknownHandler(t *testing.T) {
	data := bytes.Replace(minimalPDF(), []byte("/Root 1 0 R"), []byte("/Root 1 0 R /Encrypt << /Filter /FooSecurity /V 9 /R 9 >> /ID [<00><00>]"), 1)
	doc := mustOpen(t, data)
	enc := doc.Encryption()
	if enc == nil || !enc.NeedsPassword || enc.Method != "unknown" || enc.Filter != "FooSecurity" {
		t.Fatalf("encryption %+v", enc)
	}
	if n, _ := doc.Pages(); len(n) != 1 {
		t.Fatalf("pages %d", len(n))
	}
	if _, err := doc.StreamData(doc.Stream(Ref{Num: 4})); !errors.Is(err, ErrEncrypted) {
		t.Fatalf("stream: %v", err)
	}
}

func TestEncryptionIdentityFilters(t *testing.T) {
	// /AuthEvent /EFOpen style: strings and streams are Identity, only
	// embedded files use StdCF. Without the password the document reads.
	r := fixedRand(0)
	par, _, err := crypt.Setup("AES-128", []byte("u"), []byte("o"), -4, testID0, &r)
	if err != nil {
		t.Fatal(err)
	}
	par.StmF, par.StrF = "Identity", "Identity"
	dict := strings.Replace(encryptDict(par), "/StmF /Identity /StrF /Identity", "/StmF /Identity /StrF /Identity /EFF /StdCF", 1)
	data := bytes.Replace(minimalPDF(), []byte("/Root 1 0 R"), []byte(fmt.Sprintf("/Root 1 0 R /Encrypt %s /ID [<%X><%X>]", dict, testID0, testID0)), 1)
	doc := mustOpen(t, data)
	enc := doc.Encryption()
	if enc == nil || enc.NeedsPassword || enc.Method != "AES-128" {
		t.Fatalf("encryption %+v", enc)
	}
	out, err := doc.StreamData(doc.Stream(Ref{Num: 4}))
	if err != nil || !bytes.Contains(out, []byte("Hello")) {
		t.Fatalf("stream %q, %v", out, err)
	}
}
