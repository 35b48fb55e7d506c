package crypt

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The shared test corpus of real PDFs (see its MANIFEST.tsv). Tests that
// need it skip when it is absent; DATAPLUS_CORPUS overrides the location.
func corpusDir() string {
	if d := os.Getenv("DATAPLUS_CORPUS"); d != "" {
		return d
	}
	return "/work/shared/corpus"
}

// corpusPasswords lists passwords known to open corpus files, from the
// manifest notes and the test suites the files come from (qpdf, pdf.js,
// pdfium, pypdf sample-files).
var corpusPasswords = map[string][]string{
	"good/pdfium-encrypted.pdf":                  {"1234"},
	"good/pdfium-encrypted_hello_world_r6.pdf":   {"hôtel", "h\xf4tel", "âge"}, // user (UTF-8, Latin-1), owner
	"good/pdfjs-issue21579.pdf":                  {"pässwört"},
	"good/pdfjs-issue3371.pdf":                   {"ELXRTQWS"},
	"good/pdfjs-issue6010_1.pdf":                 {"abc"},
	"good/pdfjs-issue6010_2.pdf":                 {"æøå"},
	"good/pdfjs-saslprep-r6.pdf":                 {"S\u00aaSL\u00adprep"},
	"good/pypdf-libreoffice-writer-password.pdf": {"openpassword", "permissionpassword"},
	"good/qpdf-20-pages.pdf":                     {"user"},
	"good/qpdf-enc-R3_V2_O_master.pdf":           {"master"},
	"good/qpdf-enc-R3_V2_U_view_O_master.pdf":    {"view", "master"},
	"good/qpdf-enc-XI-R6_V5_O_master.pdf":        {"master"},
	"good/qpdf-enc-XI-R6_V5_U_view_O_master.pdf": {"view", "master"},
	"good/qpdf-enc-XI-R6_V5_U_wwwww_O_wwwww.pdf": {"wwwww"},
	"good/qpdf-enc-long-password.pdf":            {"asdf asdf asdf asdf asdf asdf qwer", "asdf asdf asdf asdf asdf asdf qw"},
}

// ownerPasswords marks which of the passwords above are owner passwords
// (the rest open as user).
var ownerPasswords = map[string]bool{
	"good/pdfium-encrypted_hello_world_r6.pdf/âge":                  true,
	"good/pypdf-libreoffice-writer-password.pdf/permissionpassword": true,
	"good/qpdf-enc-R3_V2_O_master.pdf/master":                       true,
	"good/qpdf-enc-R3_V2_U_view_O_master.pdf/master":                true,
	"good/qpdf-enc-XI-R6_V5_O_master.pdf/master":                    true,
	"good/qpdf-enc-XI-R6_V5_U_view_O_master.pdf/master":             true,
}

type manifestRow struct{ file, category, note string }

func readManifest(t *testing.T) []manifestRow {
	t.Helper()
	dir := corpusDir()
	f, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		t.Skipf("corpus not available at %s (set DATAPLUS_CORPUS): %v", dir, err)
	}
	defer f.Close()
	var rows []manifestRow
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 8 || cols[0] == "file" {
			continue
		}
		rows = append(rows, manifestRow{cols[0], cols[6], cols[7]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestCorpusFiles opens the encrypted files of the corpus: owner-only files
// with the empty password, user-password files only with their password,
// and checks that the key decrypts real streams into valid Flate data.
func TestCorpusFiles(t *testing.T) {
	rows := readManifest(t)
	opened := 0
	for _, row := range rows {
		isOwner := row.category == "encrypted_owner"
		isUser := row.category == "encrypted_user"
		if !isOwner && !isUser && corpusPasswords[row.file] == nil {
			continue
		}
		t.Run(row.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(corpusDir(), row.file))
			if err != nil {
				t.Fatal(err)
			}
			pdf := &miniPDF{data: data}
			par, err := pdf.encryptParams()
			if err != nil {
				t.Skipf("the test reader cannot find a plain /Encrypt dictionary: %v", err)
			}
			t.Logf("V %d R %d Length %d StmF %q CF %v", par.V, par.R, par.Length, par.StmF, par.CF)

			h, err := New(par, nil)
			switch {
			case isOwner && err != nil:
				t.Fatalf("empty password on an owner-password-only file: %v", err)
			case !isOwner && !errors.Is(err, ErrPassword):
				t.Fatalf("empty password on a user-password file: %v, want ErrPassword", err)
			}
			if _, err := New(par, []byte("not the password")); isUser && !errors.Is(err, ErrPassword) {
				t.Fatalf("wrong password: %v, want ErrPassword", err)
			}
			handlers := []*Handler{}
			if h != nil {
				handlers = append(handlers, h)
			}
			for _, pw := range corpusPasswords[row.file] {
				hp, err := New(par, []byte(pw))
				if err != nil {
					t.Fatalf("password %q: %v", pw, err)
				}
				if want := ownerPasswords[row.file+"/"+pw]; hp.OwnerAuthenticated() != want {
					t.Errorf("password %q: owner = %v, want %v", pw, hp.OwnerAuthenticated(), want)
				}
				handlers = append(handlers, hp)
			}
			for _, hh := range handlers {
				checkStreams(t, pdf, par, hh)
			}
			if len(handlers) > 0 {
				opened++
			}
		})
	}
	t.Logf("opened %d corpus files", opened)
}

// checkStreams decrypts up to five Flate streams and inflates them: a wrong
// file key (possible for revisions 5 and 6 even when /U matched) would give
// garbage.
func checkStreams(t *testing.T, pdf *miniPDF, par Params, h *Handler) {
	t.Helper()
	checked := 0
	for _, s := range pdf.streams(200) {
		if checked == 5 {
			break
		}
		typ, _ := s.dict["Type"].(pName)
		if typ == "XRef" || (typ == "Metadata" && !par.EncryptMetadata) {
			continue // never encrypted
		}
		var first pName
		switch f := s.dict["Filter"].(type) {
		case pName:
			first = f
		case []any:
			if len(f) > 0 {
				first, _ = f[0].(pName)
			}
		}
		if first != "FlateDecode" {
			continue
		}
		plain, err := h.DecryptStream(uint32(s.num), uint16(s.gen), s.data)
		if err != nil {
			t.Fatalf("object %d: %v", s.num, err)
		}
		zr, err := zlib.NewReader(bytes.NewReader(plain))
		if err == nil {
			_, err = io.Copy(io.Discard, zr)
		}
		if err != nil {
			t.Fatalf("object %d (%s): decrypted data does not inflate: %v", s.num, h.Method(), err)
		}
		checked++
	}
	t.Logf("%s: %d Flate streams decrypted and inflated", h.Method(), checked)
}

// TestCorpusBadOwnerKey: pdfium's negative fixture has a 31-byte /O; no
// password may open it, and nothing may panic.
func TestCorpusBadOwnerKey(t *testing.T) {
	path := filepath.Join(corpusDir(), "bad/pdfium-encrypted_hello_world_r2_bad_okey.pdf")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("corpus file not available (set DATAPLUS_CORPUS): %v", err)
	}
	par, err := (&miniPDF{data: data}).encryptParams()
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"", "a", "hôtel", "h\xf4tel", "âge", "1234"} {
		if _, err := New(par, []byte(pw)); !errors.Is(err, ErrPassword) {
			t.Errorf("password %q: %v, want ErrPassword", pw, err)
		}
	}
}
