package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dataplus/internal/record"
	"dataplus/internal/testpdf"
)

func fixtureDir(t *testing.T) (string, []testpdf.Fixture) {
	t.Helper()
	dir := t.TempDir()
	fx := testpdf.All()
	for _, f := range fx {
		if err := os.WriteFile(filepath.Join(dir, f.Name+".pdf"), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, fx
}

func records(t *testing.T, data []byte) []record.Record {
	t.Helper()
	var out []record.Record
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var r record.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad JSON line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

func TestProcessDirectory(t *testing.T) {
	dir, fx := fixtureDir(t)
	var stdout, stderr bytes.Buffer
	code := run([]string{"process", "--workers", "2", dir}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	recs := records(t, stdout.Bytes())
	if len(recs) != len(fx) {
		t.Fatalf("%d records for %d files", len(recs), len(fx))
	}
	for i, r := range recs {
		if r.Index != i {
			t.Fatalf("record %d has index %d", i, r.Index)
		}
	}
	for _, want := range []string{"files", "pages/s", "documents scanned", "invalid_pdf"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestProcessStdinListAndOutputFile(t *testing.T) {
	dir, _ := fixtureDir(t)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	list := filepath.Join(dir, "text.pdf") + "\n" + filepath.Join(dir, "scanned.pdf") + "\n" + filepath.Join(dir, "missing.pdf") + "\n"
	var stdout, stderr bytes.Buffer
	code := run([]string{"process", "--quiet", "--pages=false", "-o", out, "-"}, strings.NewReader(list), &stdout, &stderr)
	if code != 0 || stdout.Len() != 0 || stderr.Len() != 0 {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	recs := records(t, data)
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3", len(recs))
	}
	if recs[0].Label() != "born_digital" || recs[1].Label() != "scanned" {
		t.Errorf("labels %q %q", recs[0].Label(), recs[1].Label())
	}
	if recs[2].Error == nil || recs[2].Error.Kind != record.KindNotFound {
		t.Errorf("missing file: error %+v", recs[2].Error)
	}
	for _, r := range recs {
		if len(r.Pages) != 0 {
			t.Errorf("%s: --pages=false still wrote pages", r.Path)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"no command", nil, 2},
		{"unknown command", []string{"frobnicate"}, 2},
		{"no inputs", []string{"process"}, 2},
		{"unknown flag", []string{"process", "--frob", "x.pdf"}, 2},
		{"invalid config", []string{"process", "--workers", "0", "x.pdf"}, 2},
		{"help", []string{"help", "process"}, 0},
		{"version", []string{"version"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tc.args, nil, &stdout, &stderr); code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
		})
	}
}
