package testpdf

import (
	"bytes"
	"compress/zlib"
	"context"
	"hash/adler32"
	"io"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	allOnce     sync.Once
	allFixtures []Fixture
)

// fixtures generates the corpus once per test binary: it takes a second or
// two (the Flate bomb) and the tests only read it.
func fixtures(t *testing.T) []Fixture {
	t.Helper()
	allOnce.Do(func() { allFixtures = All() })
	return allFixtures
}

func TestDeterministic(t *testing.T) {
	a := fixtures(t)
	b := All()
	if len(a) != len(b) {
		t.Fatalf("two runs gave %d and %d fixtures", len(a), len(b))
	}
	for i := range a {
		if a[i].Name != b[i].Name {
			t.Fatalf("fixture %d: names %q and %q", i, a[i].Name, b[i].Name)
		}
		if !bytes.Equal(a[i].Data, b[i].Data) {
			t.Errorf("%s: bytes differ between runs", a[i].Name)
		}
		if !reflect.DeepEqual(a[i].Want, b[i].Want) {
			t.Errorf("%s: Want differs between runs", a[i].Name)
		}
	}
}

// TestRequiredFixtures pins the corpus the rest of the project relies on.
func TestRequiredFixtures(t *testing.T) {
	have := map[string]bool{}
	for _, f := range fixtures(t) {
		have[f.Name] = true
	}
	for _, name := range []string{
		"text", "blank", "scanned", "mixed", "partial_image", "prior_ocr",
		"inline_image", "form_image", "type0_no_tounicode", "type0_tounicode",
		"xref_stream", "hybrid", "incremental", "rotated", "page_size_max", "page_size_1e9",
		"rc4_40", "rc4_128", "aes_128", "aes_256", "rc4_128_userpw", "aes_256_userpw",
		"broken_xref", "no_startxref", "truncated_tail", "truncated_half",
		"empty_file", "png_file", "text_file",
		"page_tree_loop", "absurd_count", "deep_nesting", "deep_nesting_unclosed", "flate_bomb",
	} {
		if !have[name] {
			t.Errorf("fixture %q missing", name)
		}
	}
}

var (
	validRoutes   = []string{RouteText, RouteOCR, RouteOCRRegions, RoutePriorOCR, RouteEmpty}
	validErrKinds = []string{"", ErrInvalidPDF, ErrEncrypted, ErrTooLarge, ErrTimeout, ErrUnsupported}
	validXRef     = []string{"", "table", "stream", "hybrid", "rebuilt"}
)

// TestWantConsistent checks each Want against the rules stated in want.go.
func TestWantConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range fixtures(t) {
		w := f.Want
		if seen[f.Name] {
			t.Errorf("%s: duplicate name", f.Name)
		}
		seen[f.Name] = true
		if len(f.Data) >= 100<<10 {
			t.Errorf("%s: %d bytes, want < 100 KiB", f.Name, len(f.Data))
		}
		if !slices.Contains(validErrKinds, w.ErrKind) {
			t.Errorf("%s: unknown ErrKind %q", f.Name, w.ErrKind)
		}
		if !slices.Contains(validXRef, w.XRefKind) {
			t.Errorf("%s: unknown XRefKind %q", f.Name, w.XRefKind)
		}
		if w.ErrKind != "" {
			if w.Route != "" || w.PageRoutes != nil {
				t.Errorf("%s: error fixture with a route", f.Name)
			}
			if w.WellFormed && w.ErrKind != ErrEncrypted {
				t.Errorf("%s: well-formed but fails with %s", f.Name, w.ErrKind)
			}
		} else {
			if len(w.PageRoutes) != w.Pages {
				t.Errorf("%s: %d page routes for %d pages", f.Name, len(w.PageRoutes), w.Pages)
			}
			for _, r := range w.PageRoutes {
				if !slices.Contains(validRoutes, r) {
					t.Errorf("%s: unknown page route %q", f.Name, r)
				}
			}
			if got := docRoute(w.RasterPages, w.Pages); got != w.Route {
				t.Errorf("%s: Route %q, but the page routes give %q", f.Name, w.Route, got)
			}
		}
		if w.Pages < -1 || w.Pages == 0 {
			t.Errorf("%s: Pages %d", f.Name, w.Pages)
		}
		if w.Geometry != nil && len(w.Geometry) != w.Pages {
			t.Errorf("%s: %d geometries for %d pages", f.Name, len(w.Geometry), w.Pages)
		}
		if w.NeedsPassword && (w.ErrKind != ErrEncrypted || w.Password == "" || !w.Encrypted) {
			t.Errorf("%s: NeedsPassword needs ErrKind encrypted, Encrypted and a Password", f.Name)
		}
		if w.Encrypted != (w.Method != "") {
			t.Errorf("%s: Encrypted %v but Method %q", f.Name, w.Encrypted, w.Method)
		}
		if w.Version != "" && !bytes.HasPrefix(f.Data, []byte("%PDF-")) {
			t.Errorf("%s: Version %q but no header", f.Name, w.Version)
		}
	}
}

// docRoute is the document rule documented in want.go.
func docRoute(raster, pages int) string {
	share := 0.0
	if pages > 0 {
		share = float64(raster) / float64(pages)
	}
	switch {
	case share >= 0.9:
		return DocScanned
	case share >= 0.1:
		return DocMixed
	default:
		return DocBornDigital
	}
}

// TestXRefStructure checks offsets, /Prev chains, /XRefStm and object
// streams of every fixture whose cross-reference form is asserted, without
// any external tool.
func TestXRefStructure(t *testing.T) {
	for _, f := range fixtures(t) {
		w := f.Want
		if w.XRefKind == "" || w.XRefKind == "rebuilt" {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			r, err := checkXRef(f.Data)
			if err != nil {
				t.Fatal(err)
			}
			if w.XRefSections != 0 && r.sections != w.XRefSections {
				t.Errorf("%d sections, Want says %d", r.sections, w.XRefSections)
			}
			var kind string
			switch {
			case r.kinds["table"] && r.kinds["stream"]:
				kind = "hybrid"
			case r.kinds["table"]:
				kind = "table"
			default:
				kind = "stream"
			}
			if kind != w.XRefKind {
				t.Errorf("xref kind %s, Want says %s", kind, w.XRefKind)
			}
			if w.Encrypted != strings.Contains(r.trailers[0], "/Encrypt") {
				t.Errorf("trailer /Encrypt presence differs from Want.Encrypted %v", w.Encrypted)
			}
		})
	}
}

// TestDamage checks that each damaged fixture is broken the way its Want
// says, so that a change to the writer cannot quietly repair it.
func TestDamage(t *testing.T) {
	byName := map[string]Fixture{}
	for _, f := range fixtures(t) {
		byName[f.Name] = f
	}
	if _, err := checkXRef(byName["broken_xref"].Data); err == nil {
		t.Error("broken_xref: offsets check out")
	}
	if bytes.Contains(byName["no_startxref"].Data, []byte("startxref")) {
		t.Error("no_startxref: has startxref")
	}
	tail := byName["truncated_tail"].Data
	if bytes.Contains(tail, []byte("trailer")) || !bytes.Contains(tail, []byte("/Type /Catalog")) {
		t.Error("truncated_tail: want catalog kept, trailer cut")
	}
	half := byName["truncated_half"].Data
	for _, s := range []string{"/Type /Catalog", "/Type /Pages", "/Type /Page"} {
		if bytes.Contains(half, []byte(s)) {
			t.Errorf("truncated_half: %q survived the cut", s)
		}
	}
	if n := strings.Count(string(byName["deep_nesting_unclosed"].Data), "["); n < nestingDepth {
		t.Errorf("deep_nesting_unclosed: %d '[', want >= %d", n, nestingDepth)
	}
}

// TestDeepNestingInObjectStream decodes the object stream and counts the
// nesting actually stored there.
func TestDeepNestingInObjectStream(t *testing.T) {
	for _, f := range fixtures(t) {
		if f.Name != "deep_nesting" {
			continue
		}
		r, err := checkXRef(f.Data)
		if err != nil {
			t.Fatal(err)
		}
		for stm := range r.objStms {
			_, raw, err := streamAt(f.Data, r.inUse[stm])
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(raw, bytes.Repeat([]byte("["), nestingDepth)) {
				t.Errorf("object stream %d lacks %d nested arrays", stm, nestingDepth)
			}
			return
		}
		t.Fatal("no object stream found")
	}
}

func TestBombZlibSmall(t *testing.T) {
	const copies = 1000
	zr, err := zlib.NewReader(bytes.NewReader(bombZlib(copies)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr) // also verifies the Adler-32 trailer
	if err != nil {
		t.Fatal(err)
	}
	if want := bytes.Repeat([]byte(" "), 1+258*copies); !bytes.Equal(got, want) {
		t.Fatalf("inflated %d bytes, want %d spaces", len(got), len(want))
	}
}

func TestAdler32Repeat(t *testing.T) {
	for _, n := range []uint64{0, 1, 65520, 65521, 65522, 131042, 1_000_003} {
		a, b := adler32Repeat(' ', n)
		want := adler32.Checksum(bytes.Repeat([]byte(" "), int(n)))
		if got := uint32(b<<16 | a); got != want {
			t.Errorf("n=%d: %08x, want %08x", n, got, want)
		}
	}
}

// TestFlateBombSize checks that the bomb's content stream really inflates
// past the reader's default MaxStreamBytes (256 MiB).
func TestFlateBombSize(t *testing.T) {
	if testing.Short() {
		t.Skip("inflates 300 MiB")
	}
	for _, f := range fixtures(t) {
		if f.Name != "flate_bomb" {
			continue
		}
		i := bytes.Index(f.Data, []byte("/Filter [/FlateDecode /FlateDecode]"))
		if i < 0 {
			t.Fatal("no double-Flate stream")
		}
		// streamAt only needs /Length between i and "stream".
		_, outer, err := streamAt(f.Data, i)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zlib.NewReader(bytes.NewReader(outer))
		if err != nil {
			t.Fatal(err)
		}
		const limit = 300 << 20
		if n, err := io.CopyN(io.Discard, zr, limit); n != limit {
			t.Fatalf("inflated only %d bytes: %v", n, err)
		}
		return
	}
	t.Fatal("flate_bomb missing")
}

// External tools. They are optional: the tests skip when they are absent.

func lookTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed: skipping (install qpdf / poppler-utils to run)", name)
	}
	return p
}

// runTool runs a tool on the fixture's bytes written to a temporary file.
func runTool(t *testing.T, f Fixture, tool string, args ...string) (string, int) {
	t.Helper()
	path := t.TempDir() + "/" + f.Name + ".pdf"
	if err := os.WriteFile(path, f.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, tool, append(args, path)...).CombinedOutput()
	code := 0
	if err != nil {
		code = -1
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
	}
	return string(out), code
}

func TestQPDFCheck(t *testing.T) {
	qpdf := lookTool(t, "qpdf")
	for _, f := range fixtures(t) {
		if !f.Want.WellFormed {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			args := []string{"--check"}
			if f.Want.Password != "" {
				args = append(args, "--password="+f.Want.Password)
			}
			out, code := runTool(t, f, qpdf, args...)
			if code != 0 || strings.Contains(out, "WARNING") {
				t.Errorf("qpdf --check exit %d:\n%s", code, out)
			}
		})
	}
}

var rePages = regexp.MustCompile(`(?m)^Pages:\s+(\d+)`)

func TestPDFInfoPages(t *testing.T) {
	pdfinfo := lookTool(t, "pdfinfo")
	for _, f := range fixtures(t) {
		if !f.Want.WellFormed {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			var args []string
			if f.Want.Password != "" {
				args = append(args, "-upw", f.Want.Password)
			}
			out, code := runTool(t, f, pdfinfo, args...)
			m := rePages.FindStringSubmatch(out)
			if code != 0 || m == nil {
				t.Fatalf("pdfinfo exit %d:\n%s", code, out)
			}
			if n, _ := strconv.Atoi(m[1]); n != f.Want.Pages {
				t.Errorf("pdfinfo says %d pages, Want %d", n, f.Want.Pages)
			}
		})
	}
}
