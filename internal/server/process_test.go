package server

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dataplus/internal/record"
	"dataplus/internal/testpdf"
)

// wantKind is the error kind a fixture's record must carry ("" for none).
func wantKind(f testpdf.Fixture) string { return f.Want.ErrKind }

func TestProcessJSONPaths(t *testing.T) {
	ts := start(t)
	fx := fixtures()
	var paths []string
	for _, f := range fx {
		paths = append(paths, f.Name+".pdf")
	}
	code, body := ts.postJSON("/process", map[string]any{"pdf_paths": paths, "max_workers": 2})
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, truncate(body))
	}
	res := decode[processResult](t, body)
	if res.Files != len(fx) || len(res.Records) != len(fx) {
		t.Fatalf("%d files, %d records for %d paths", res.Files, len(res.Records), len(fx))
	}
	pages, errs := 0, map[string]int{}
	for i, r := range res.Records {
		f := fx[i]
		if r.Index != i || r.Path != f.Name+".pdf" {
			t.Fatalf("record %d is index %d path %q: order or name lost", i, r.Index, r.Path)
		}
		kind := ""
		if r.Error != nil {
			kind = string(r.Error.Kind)
			errs[kind]++
		}
		if kind != wantKind(f) {
			t.Errorf("%s: error kind %q, want %q", f.Name, kind, wantKind(f))
		}
		if r.Route != nil {
			pages += r.Route.Pages
		}
		if strings.Contains(r.Path, ts.root) {
			t.Errorf("record path %q leaks the server's layout", r.Path)
		}
	}
	if res.Pages != pages || res.FilesPerSecond <= 0 || res.Performance.Workers != 2 || res.Performance.ElapsedMS <= 0 {
		t.Errorf("summary: pages %d (want %d), files/s %v, workers %d, elapsed %v", res.Pages, pages, res.FilesPerSecond, res.Performance.Workers, res.Performance.ElapsedMS)
	}
	for _, s := range []string{"read", "parse", "scan", "route"} {
		if _, ok := res.Performance.StageMS[s]; !ok {
			t.Errorf("stage_ms lacks %s", s)
		}
	}
	for k, n := range errs {
		if res.Performance.ErrorsByKind[k] != n {
			t.Errorf("errors_by_kind[%s] = %d, want %d", k, res.Performance.ErrorsByKind[k], n)
		}
	}
}

func TestProcessDirectoriesGlobsAndOptions(t *testing.T) {
	ts := start(t)
	tests := []struct {
		name  string
		body  map[string]any
		names []string // record paths, in order
		pages bool     // per-page facts present
	}{
		{"directory", map[string]any{"pdf_paths": []string{"sub"}}, []string{"sub/scanned.pdf", "sub/text.pdf"}, true},
		{"glob", map[string]any{"pdf_paths": []string{"sub/t*.pdf"}}, []string{"sub/text.pdf"}, true},
		{"absolute inside", map[string]any{"pdf_paths": []string{filepath.Join(ts.root, "sub", "text.pdf")}}, []string{filepath.Join(ts.root, "sub", "text.pdf")}, true},
		{"no pages", map[string]any{"pdf_paths": []string{"text.pdf"}, "include_pages": false}, []string{"text.pdf"}, false},
		{"batch size accepted", map[string]any{"pdf_paths": []string{"text.pdf"}, "batch_size": 8, "extract_deep_features": false}, []string{"text.pdf"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := ts.postJSON("/process", tc.body)
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, truncate(body))
			}
			res := decode[processResult](t, body)
			var names []string
			for _, r := range res.Records {
				names = append(names, r.Path)
				if (len(r.Pages) > 0) != tc.pages {
					t.Errorf("%s: %d pages in the record, want pages=%v", r.Path, len(r.Pages), tc.pages)
				}
			}
			if !slices.Equal(names, tc.names) {
				t.Fatalf("records for %q, want %q", names, tc.names)
			}
		})
	}
}

func TestProcessUpload(t *testing.T) {
	ts := start(t, func(s *setup) { s.pcfg.MaxFileBytes = 30 << 10 })
	files := map[string][]byte{
		"text.pdf":    fixture(t, "text").Data,
		"scanned.pdf": fixture(t, "scanned").Data, // 34 KiB: over the 30 KiB per-file limit
		"notes.txt":   []byte("this is not a PDF\n"),
		"empty.pdf":   {},
		"image.png":   fixture(t, "png_file").Data,
		"aes.pdf":     fixture(t, "aes_256_userpw").Data,
	}
	order := []string{"text.pdf", "scanned.pdf", "notes.txt", "empty.pdf", "image.png", "aes.pdf"}
	want := []string{"", "too_large", "invalid_pdf", "invalid_pdf", "invalid_pdf", "encrypted"}
	code, body := ts.upload("/process?include_pages=false&max_workers=1", files, order...)
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, truncate(body))
	}
	res := decode[processResult](t, body)
	if len(res.Records) != len(order) {
		t.Fatalf("%d records for %d uploads", len(res.Records), len(order))
	}
	for i, r := range res.Records {
		kind := ""
		if r.Error != nil {
			kind = string(r.Error.Kind)
		}
		if r.Index != i || r.Path != order[i] || kind != want[i] {
			t.Errorf("record %d: index %d path %q kind %q, want %q %q", i, r.Index, r.Path, kind, order[i], want[i])
		}
		if len(r.Pages) != 0 {
			t.Errorf("%s: pages despite include_pages=false", r.Path)
		}
	}
	if res.Records[1].Size != int64(len(files["scanned.pdf"])) {
		t.Errorf("too-large upload size %d, want %d", res.Records[1].Size, len(files["scanned.pdf"]))
	}
	if res.Records[0].Route == nil || res.Records[0].Route.Label != "born_digital" || res.Records[0].SHA256 == "" {
		t.Errorf("text.pdf record: %+v", res.Records[0])
	}
	if res.Performance.Workers != 1 {
		t.Errorf("workers %d, want 1", res.Performance.Workers)
	}
}

// TestUploadCorpusBad uploads every file of the shared corpus's bad/ one
// by one: each answer is a 200 with one record (or a 4xx), never a 5xx,
// and the server stays healthy.
func TestUploadCorpusBad(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "bad")
	ts := start(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		code, body := ts.upload("/process?include_pages=false", map[string][]byte{e.Name(): data})
		switch {
		case code == http.StatusOK:
			res := decode[processResult](t, body)
			if len(res.Records) != 1 || res.Records[0].Path != e.Name() {
				t.Fatalf("%s: %d records", e.Name(), len(res.Records))
			}
			k := "ok"
			if r := res.Records[0]; r.Error != nil {
				k = string(r.Error.Kind)
				if r.Error.Kind == record.KindInternal {
					t.Errorf("%s: internal error: %s", e.Name(), r.Error.Message)
				}
			}
			kinds[k]++
		case code >= 400 && code < 500:
			kinds[fmt.Sprint(code)]++
		default:
			t.Errorf("%s: status %d: %s", e.Name(), code, truncate(body))
		}
	}
	t.Logf("%d bad files: %v", len(entries), kinds)
	if code, body := ts.get("/health"); code != http.StatusOK {
		t.Fatalf("health %d after the bad corpus: %s", code, body)
	}
}

// TestPathChecks: every way out of the data roots is refused with a 403
// that says why, and missing files are 404.
func TestPathChecks(t *testing.T) {
	ts := start(t)
	base := filepath.Dir(ts.root)
	outside := filepath.Join(base, "outside")
	os.MkdirAll(outside, 0o755)
	os.WriteFile(filepath.Join(outside, "secret.pdf"), fixture(t, "text").Data, 0o644)
	// A sibling whose name starts with the root's: a prefix check without
	// a separator would let it in.
	sibling := ts.root + "2"
	os.MkdirAll(sibling, 0o755)
	os.WriteFile(filepath.Join(sibling, "x.pdf"), fixture(t, "text").Data, 0o644)
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink(filepath.Join(outside, "secret.pdf"), filepath.Join(ts.root, "escape.pdf")))
	must(os.Symlink(outside, filepath.Join(ts.root, "escdir")))
	must(os.Symlink("../outside/secret.pdf", filepath.Join(ts.root, "relescape.pdf")))
	must(os.Symlink(filepath.Join(ts.root, "text.pdf"), filepath.Join(ts.root, "inside.pdf")))
	must(os.MkdirAll(filepath.Join(ts.root, "walk"), 0o755))
	must(os.Symlink(filepath.Join(outside, "secret.pdf"), filepath.Join(ts.root, "walk", "a-escape.pdf")))
	must(os.WriteFile(filepath.Join(ts.root, "walk", "b.pdf"), fixture(t, "text").Data, 0o644))

	tests := []struct {
		name string
		path string
		code int
		msg  string
	}{
		{"dot dot", "../outside/secret.pdf", 403, `".."`},
		{"dot dot inside", "sub/../text.pdf", 403, `".."`},
		{"absolute outside", filepath.Join(outside, "secret.pdf"), 403, "outside the data roots"},
		{"absolute system file", "/etc/passwd", 403, "outside the data roots"},
		{"prefix sibling", filepath.Join(sibling, "x.pdf"), 403, "outside the data roots"},
		{"symlink escape", "escape.pdf", 403, "symlink"},
		{"relative symlink escape", "relescape.pdf", 403, "symlink"},
		{"symlinked dir escape", "escdir/secret.pdf", 403, "symlink"},
		{"symlinked dir itself", "escdir", 403, "symlink"},
		{"absolute glob outside", filepath.Join(outside, "*.pdf"), 403, "outside the data roots"},
		{"missing", "nope.pdf", 404, "not found"},
		{"glob matching nothing", "zz*.pdf", 404, "matched no file"},
		{"empty", "", 400, "empty path"},
		{"symlink inside", "inside.pdf", 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := ts.postJSON("/process", map[string]any{"pdf_paths": []string{tc.path}})
			if code != tc.code {
				t.Fatalf("status %d, want %d: %s", code, tc.code, truncate(body))
			}
			if tc.code != 200 {
				if e := apiErr(t, body); !strings.Contains(e.Message, tc.msg) {
					t.Fatalf("message %q does not say %q", e.Message, tc.msg)
				}
			}
		})
	}
	// Walking a directory skips the symlink inside it.
	code, body := ts.postJSON("/process", map[string]any{"pdf_paths": []string{"walk"}})
	if code != 200 {
		t.Fatalf("walk: %d %s", code, truncate(body))
	}
	if res := decode[processResult](t, body); len(res.Records) != 1 || res.Records[0].Path != "walk/b.pdf" {
		t.Fatalf("walk gave %d records (%+v); the escaping symlink must be skipped", len(res.Records), res.Records)
	}
}

func TestNoDataRootsMeansUploadsOnly(t *testing.T) {
	ts := start(t, func(s *setup) { s.cfg.DataRoots = nil })
	code, body := ts.postJSON("/process", map[string]any{"pdf_paths": []string{"text.pdf"}})
	if code != 403 || !strings.Contains(apiErr(t, body).Message, "no data roots") {
		t.Fatalf("%d %s", code, body)
	}
	if code, body := ts.upload("/process", map[string][]byte{"t.pdf": fixture(t, "text").Data}); code != 200 {
		t.Fatalf("upload: %d %s", code, truncate(body))
	}
}

// TestRequestErrors: client mistakes are 4xx with a kind and a message
// that names the problem.
func TestRequestErrors(t *testing.T) {
	ts := start(t, func(s *setup) {
		s.cfg.MaxBodyBytes = 64 << 10
		s.cfg.MaxFilesPerRequest = 5
	})
	big := strings.Repeat("x", 70<<10)
	text := fixture(t, "text").Data
	tooMany := map[string][]byte{}
	var order []string
	for i := range 6 {
		n := fmt.Sprintf("f%d.pdf", i)
		tooMany[n] = text
		order = append(order, n)
	}
	tmCT, tmBody := multipartBody(t, tooMany, order)
	bigCT, bigBody := multipartBody(t, map[string][]byte{"big.pdf": bytes.Repeat([]byte("%PDF-1.7\n"), 9000)}, nil)
	fieldCT, fieldBody := func() (string, []byte) {
		var buf bytes.Buffer
		w := newMultipart(&buf)
		w.WriteField("pdf_paths", "text.pdf")
		w.Close()
		return w.FormDataContentType(), buf.Bytes()
	}()
	tests := []struct {
		name   string
		method string
		path   string
		ct     string
		body   []byte
		code   int
		kind   string
		msg    string
	}{
		{"malformed JSON", "POST", "/process", "application/json", []byte(`{"pdf_paths": [`), 400, "bad_request", "malformed JSON"},
		{"syntax error", "POST", "/process", "application/json", []byte(`{"pdf_paths": ["a",]}`), 400, "bad_request", "byte"},
		{"empty body", "POST", "/process", "application/json", nil, 400, "bad_request", "empty body"},
		{"not an object", "POST", "/process", "application/json", []byte(`["a.pdf"]`), 400, "bad_request", "JSON object"},
		{"two values", "POST", "/process", "application/json", []byte(`{"pdf_paths":["text.pdf"]} {}`), 400, "bad_request", "more than one"},
		{"unknown field", "POST", "/process", "application/json", []byte(`{"pdf_paths":["text.pdf"],"pdf_path":"x"}`), 400, "bad_request", `"pdf_path"`},
		{"wrong type", "POST", "/process", "application/json", []byte(`{"pdf_paths":"text.pdf"}`), 400, "bad_request", `"pdf_paths" must be an array`},
		{"no paths", "POST", "/process", "application/json", []byte(`{"pdf_paths":[]}`), 400, "bad_request", "pdf_paths is empty"},
		{"negative workers", "POST", "/process", "application/json", []byte(`{"pdf_paths":["text.pdf"],"max_workers":-1}`), 400, "bad_request", "max_workers"},
		{"huge batch", "POST", "/process", "application/json", []byte(`{"pdf_paths":["text.pdf"],"batch_size":100000}`), 400, "bad_request", "batch_size"},
		{"deep features", "POST", "/process", "application/json", []byte(`{"pdf_paths":["text.pdf"],"extract_deep_features":true}`), 422, "backend_unavailable", "without a feature extractor"},
		{"query on JSON", "POST", "/process?max_workers=1", "application/json", []byte(`{"pdf_paths":["text.pdf"]}`), 400, "bad_request", "query parameters"},
		{"oversize JSON body", "POST", "/process", "application/json", []byte(`{"pdf_paths":["` + big + `"]}`), 413, "too_large", "larger than the limit"},
		{"oversize upload body", "POST", "/process", bigCT, bigBody, 413, "too_large", "larger than the limit"},
		{"too many files by path", "POST", "/process", "application/json", []byte(`{"pdf_paths":["."]}`), 413, "too_large", "more than 5 files"},
		{"too many uploads", "POST", "/process", tmCT, tmBody, 413, "too_large", "more than 5 files"},
		{"text/plain", "POST", "/process", "text/plain", []byte("text.pdf"), 415, "unsupported_media_type", "application/json"},
		{"no content type", "POST", "/process", "", []byte(`{"pdf_paths":["text.pdf"]}`), 415, "unsupported_media_type", "missing Content-Type"},
		{"form urlencoded", "POST", "/process", "application/x-www-form-urlencoded", []byte("pdf_paths=text.pdf"), 415, "unsupported_media_type", "multipart/form-data"},
		{"multipart without boundary", "POST", "/process", "multipart/form-data", []byte("x"), 400, "bad_request", "boundary"},
		{"multipart garbage", "POST", "/process", "multipart/form-data; boundary=zzz", []byte("no parts here"), 400, "bad_request", "no file part"},
		{"multipart truncated", "POST", "/process", "multipart/form-data; boundary=zzz", []byte("--zzz\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4 and then nothing"), 400, "bad_request", "malformed multipart"},
		{"multipart text field", "POST", "/process", fieldCT, fieldBody, 400, "bad_request", "not a file"},
		{"unknown query", "POST", "/process?pages=0", tmCT, tmBody, 400, "bad_request", `"pages"`},
		{"bad query value", "POST", "/process?max_workers=two", tmCT, tmBody, 400, "bad_request", "integer"},
		{"deep features query", "POST", "/process?extract_deep_features=true", tmCT, tmBody, 422, "backend_unavailable", "feature extractor"},
		{"unknown route", "GET", "/nope", "", nil, 404, "not_found", "openapi.json"},
		{"wrong method", "GET", "/process", "", nil, 405, "method_not_allowed", "POST"},
		{"wrong method on job", "PUT", "/jobs/x", "", nil, 405, "method_not_allowed", "GET, DELETE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, hdr, body := ts.do(tc.method, tc.path, tc.ct, bytes.NewReader(tc.body))
			if code != tc.code {
				t.Fatalf("status %d, want %d: %s", code, tc.code, truncate(body))
			}
			if ct := hdr.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			e := apiErr(t, body)
			if e.Kind != tc.kind || !strings.Contains(e.Message, tc.msg) {
				t.Fatalf("error %+v, want kind %s and a message saying %q", e, tc.kind, tc.msg)
			}
			if tc.code == 405 && hdr.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}
	if code, body := ts.get("/health"); code != 200 {
		t.Fatalf("health %d after the bad requests: %s", code, body)
	}
}
