package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"dataplus/internal/testpdf"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	fixtures := testpdf.All()
	if err := write(dir, fixtures); err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile(filepath.Join(dir, "want.json"))
	if err != nil {
		t.Fatal(err)
	}
	var wants map[string]testpdf.Want
	if err := json.Unmarshal(js, &wants); err != nil {
		t.Fatal(err)
	}
	if len(wants) != len(fixtures) {
		t.Errorf("want.json has %d entries, %d fixtures", len(wants), len(fixtures))
	}
	for _, f := range fixtures {
		data, err := os.ReadFile(filepath.Join(dir, f.Name+".pdf"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, f.Data) {
			t.Errorf("%s.pdf differs from the fixture", f.Name)
		}
		if _, ok := wants[f.Name]; !ok {
			t.Errorf("%s missing from want.json", f.Name)
		}
	}

	// A second run into another directory gives the same want.json.
	dir2 := t.TempDir()
	if err := write(dir2, testpdf.All()); err != nil {
		t.Fatal(err)
	}
	js2, _ := os.ReadFile(filepath.Join(dir2, "want.json"))
	if !bytes.Equal(js, js2) {
		t.Error("want.json differs between runs")
	}
}

func TestSamplesAreGood(t *testing.T) {
	samples := testpdf.Samples()
	if len(samples) == 0 {
		t.Fatal("no samples")
	}
	for _, f := range samples {
		if !f.Want.WellFormed || f.Want.ErrKind != "" {
			t.Errorf("%s is not a good sample", f.Name)
		}
	}
}
