package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dataplus/internal/assets/assetstest"
	"dataplus/internal/testpdf"
)

// sampleDir writes a few well-formed fixtures.
func sampleDir(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range testpdf.Samples() {
		for _, n := range names {
			if f.Name == n {
				if err := os.WriteFile(filepath.Join(dir, f.Name+".pdf"), f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return dir
}

func runOK(t *testing.T, args ...string) (string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(args, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("dataplus %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	}
	return stdout.String(), stderr.String()
}

// TestFitAndProject: fit learns a text and PCA model over a corpus, and
// process --pca projects every record with it.
func TestFitAndProject(t *testing.T) {
	assetstest.Dir(t)
	dir := sampleDir(t, "text", "mixed", "scanned", "rotated", "incremental", "xref_stream", "prior_ocr", "aes_128")
	model := filepath.Join(t.TempDir(), "m.fit")
	out, _ := runOK(t, "fit", "--pca", "3", "--lsa", "2", "--min-df", "1", "--feature-pages", "2", "-o", model, dir)
	if !strings.Contains(out, "PCA") || !strings.Contains(out, "-> 3") {
		t.Errorf("fit said %q", out)
	}
	stdout, stderr := runOK(t, "process", "--features", "--feature-pages", "2", "--pca", model, dir)
	recs := records(t, []byte(stdout))
	if len(recs) != 8 {
		t.Fatalf("%d records", len(recs))
	}
	var fit string
	for _, r := range recs {
		f := r.Features
		if f == nil || len(f.Projected) != 3 || f.Fit == "" {
			t.Fatalf("%s: features %+v", r.Path, f)
		}
		if fit != "" && f.Fit != fit {
			t.Errorf("fit ids %s and %s", fit, f.Fit)
		}
		fit = f.Fit
	}
	if !strings.Contains(stderr, "features: documents") {
		t.Errorf("summary lacks the features lines:\n%s", stderr)
	}
	// A list on stdin feeds both of fit's passes.
	var names bytes.Buffer
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		names.WriteString(filepath.Join(dir, e.Name()) + "\n")
	}
	var fo, fe bytes.Buffer
	if code := run([]string{"fit", "--pca", "3", "--lsa", "2", "--min-df", "1", "--feature-pages", "2", "-o", model, "-"}, &names, &fo, &fe); code != 0 ||
		!strings.Contains(fo.String(), "from 8 documents") {
		t.Errorf("fit from a stdin list: exit %d: %s%s", code, fo.String(), fe.String())
	}
	// A model fitted for other scales does not fit: a clear error.
	var so, se bytes.Buffer
	if code := run([]string{"process", "--features", "--scales", "320", "--pca", model, dir}, nil, &so, &se); code != 1 ||
		!strings.Contains(se.String(), "fit again with the same --model and --scales") {
		t.Errorf("mismatched fit: exit %d: %s", code, se.String())
	}
}

// TestParquetOutput: --format parquet writes a Parquet file.
func TestParquetOutput(t *testing.T) {
	assetstest.Dir(t)
	dir := sampleDir(t, "text", "scanned")
	path := filepath.Join(t.TempDir(), "out.parquet")
	runOK(t, "process", "--features", "--format", "parquet", "-o", path, dir)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 8 || string(data[:4]) != "PAR1" || string(data[len(data)-4:]) != "PAR1" {
		t.Fatalf("not a Parquet file (%d bytes)", len(data))
	}
}

// TestFeaturesWithoutAssets: --features without the assets fails with a
// message that says how to get them; metadata alone still works.
func TestFeaturesWithoutAssets(t *testing.T) {
	dir := sampleDir(t, "text")
	empty := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run([]string{"process", "--features", "--assets-dir", empty, dir}, nil, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "dataplus setup") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	runOK(t, "process", "--assets-dir", empty, dir)
}

// TestModels lists the bundled detector and the presets.
func TestModels(t *testing.T) {
	assetstest.Dir(t)
	out, _ := runOK(t, "models", "--json")
	var m struct {
		Models []struct {
			Name, Installed string
			EmbeddingDims   int `json:"embedding_dims"`
		}
		Presets []struct{ Name string }
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Models) == 0 || m.Models[0].Name != "ppocrv4_det" || m.Models[0].Installed != "yes" || m.Models[0].EmbeddingDims != 768 || len(m.Presets) != 3 {
		t.Fatalf("models: %s", out)
	}
}
