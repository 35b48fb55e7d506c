package pdf

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dataplus/internal/testpdf"
)

// fuzzLimits keep one fuzz input cheap.
var fuzzLimits = Limits{MaxStreamBytes: 8 << 20, MaxWork: 64 << 20, MaxPages: 10_000}

// FuzzOpen opens arbitrary bytes and touches what inspect will: catalog,
// pages, every page's content streams, and the first objects. Nothing may
// panic (a recovered panic shows as "internal error" and fails too) and
// every input must finish quickly.
func FuzzOpen(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		check := func(err error) {
			if err != nil && strings.Contains(err.Error(), "internal error") {
				t.Fatalf("recovered panic: %v", err)
			}
		}
		doc, err := Open(ctx, data, Options{Limits: fuzzLimits})
		check(err)
		if err != nil {
			return
		}
		_ = doc.HeaderVersion()
		_ = doc.XRefInfo()
		_ = doc.Linearized()
		_ = doc.Encryption()
		_, err = doc.Catalog()
		check(err)
		pages, err := doc.Pages()
		check(err)
		for _, p := range pages {
			c, err := doc.Resolve(p.Dict["Contents"])
			check(err)
			streams := []Object{c}
			if arr, ok := c.(Array); ok {
				streams = arr
			}
			for _, o := range streams {
				if s := doc.Stream(o); s != nil {
					_, err := doc.StreamData(s)
					check(err)
				}
			}
		}
		for num := range uint32(64) {
			o, err := doc.Get(Ref{Num: num})
			check(err)
			if s, ok := o.(*Stream); ok {
				_, err := doc.StreamData(s)
				check(err)
			}
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("took %v", d)
		}
	})
}

// fuzzSeeds returns the test builders' files and the small corpus files.
func fuzzSeeds(tb testing.TB) [][]byte {
	seeds := [][]byte{
		minimalPDF(),
		objStmPDF(nil),
		streamDoc("/Filter [/AHx /Fl] /Length 5 0 R", []byte("78DA4B4C4A0600024D0127>")),
		streamDoc("/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 4 >>", pngUpFlate([]byte("abcdabcd"), 4)),
		treeDoc(map[int]string{1: "<< /Type /Catalog /Pages 2 0 R >>", 2: "<< /Type /Pages /Kids [3 0 R 2 0 R] >>", 3: "<< /Type /Page /MediaBox [0 0 1 1] >>"}),
	}
	// The project's fixtures cover every structure the reader handles
	// (encryption, xref streams, hybrids, updates, repairs, bombs), so the
	// fuzzer starts from all of them.
	for _, fx := range testpdf.All() {
		seeds = append(seeds, fx.Data)
	}
	for _, sub := range []string{"good", "bad"} {
		dir := filepath.Join(corpusDir, sub)
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue // no corpus here: the built seeds still run
		}
		for _, e := range entries {
			info, err := e.Info()
			if err != nil || info.Size() > 20<<10 {
				continue
			}
			if data, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil {
				seeds = append(seeds, data)
			}
		}
	}
	return seeds
}
