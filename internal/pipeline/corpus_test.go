package pipeline

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"dataplus/internal/record"
)

// corpusDir is the shared real-world corpus beside the checkout
// (../shared/corpus), or DATAPLUS_CORPUS.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("DATAPLUS_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "labels.tsv")); err != nil {
		t.Skipf("real-world corpus not found at %s (set DATAPLUS_CORPUS): %v", dir, err)
	}
	return dir
}

type label struct {
	pages int
	label string
	note  string
}

func readLabels(t *testing.T, dir string) map[string]label {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "labels.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]label{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var cols map[string]int
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if cols == nil {
			cols = map[string]int{}
			for i, c := range fields {
				cols[c] = i
			}
			continue
		}
		pages, _ := strconv.Atoi(fields[cols["pages"]])
		out[fields[cols["file"]]] = label{pages: pages, label: fields[cols["label"]], note: fields[cols["note"]]}
	}
	return out
}

func runDir(t *testing.T, dir string) map[string]record.Record {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, e := range entries {
		paths = append(paths, filepath.Join(dir, e.Name()))
	}
	cfg := DefaultConfig()
	cfg.Timeout = 20 * time.Second
	recs, err := runAll(t, context.Background(), cfg, paths)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(recs) != len(paths) {
		t.Fatalf("%d records for %d files", len(recs), len(paths))
	}
	out := map[string]record.Record{}
	for _, r := range recs {
		out[filepath.Base(filepath.Dir(r.Path))+"/"+filepath.Base(r.Path)] = r
	}
	return out
}

// TestCorpusGood is the acceptance check on real files: page
// counts agree with poppler on every file poppler could read, and the
// document label agrees on at least 97% of them. Every disagreement is
// printed; docs/routing.md explains each one.
func TestCorpusGood(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus run skipped in -short mode")
	}
	dir := corpusDir(t)
	labels := readLabels(t, dir)
	recs := runDir(t, filepath.Join(dir, "good"))
	var names []string
	for n := range recs {
		names = append(names, n)
	}
	sort.Strings(names)
	readable, agree := 0, 0
	var pageErrs, labelDiffs []string
	for _, n := range names {
		r, l := recs[n], labels[n]
		if l.label == "" || l.label == "unreadable" {
			continue
		}
		readable++
		pages := -1
		if r.Metadata != nil {
			pages = r.Metadata.Pages
		}
		if pages != l.pages {
			pageErrs = append(pageErrs, fmt.Sprintf("%s: pages %d, poppler %d (error %v)", n, pages, l.pages, r.Error))
		}
		if string(r.Label()) == l.label {
			agree++
		} else {
			labelDiffs = append(labelDiffs, fmt.Sprintf("%s: %q, poppler %q (%s)", n, r.Label(), l.label, l.note))
		}
	}
	share := float64(agree) / float64(readable)
	t.Logf("labels agree on %d of %d readable files (%.1f%%)", agree, readable, 100*share)
	for _, d := range labelDiffs {
		t.Logf("label differs: %s", d)
	}
	for _, e := range pageErrs {
		t.Errorf("page count differs: %s", e)
	}
	if share < 0.97 {
		t.Errorf("label agreement %.1f%% is below 97%%", 100*share)
	}
}

// TestCorpusBad: every malformed or hostile file yields a record, and the
// run neither panics nor hangs.
func TestCorpusBad(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus run skipped in -short mode")
	}
	dir := corpusDir(t)
	recs := runDir(t, filepath.Join(dir, "bad"))
	kinds := map[record.Kind]int{}
	for n, r := range recs {
		if r.Error != nil {
			kinds[r.Error.Kind]++
			if r.Error.Kind == record.KindInternal {
				t.Errorf("%s: internal error: %s", n, r.Error.Message)
			}
		} else {
			kinds["ok"]++
		}
	}
	t.Logf("bad corpus: %d files, outcomes %v", len(recs), kinds)
}
