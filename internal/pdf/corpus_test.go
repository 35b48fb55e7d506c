package pdf

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const corpusDir = "/work/shared/corpus"

// corpusLabel is one row of labels.tsv: what poppler made of a file.
type corpusLabel struct {
	pages      int
	unreadable bool
}

func readLabels(t testing.TB) map[string]corpusLabel {
	f, err := os.Open(filepath.Join(corpusDir, "labels.tsv"))
	if err != nil {
		t.Skipf("no corpus labels: %v", err)
	}
	defer f.Close()
	labels := map[string]corpusLabel{}
	sc := bufio.NewScanner(f)
	header := true
	for sc.Scan() {
		if header {
			header = false
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 16 {
			continue
		}
		n, _ := strconv.Atoi(cols[2])
		labels[cols[0]] = corpusLabel{pages: n, unreadable: cols[15] == "unreadable"}
	}
	return labels
}

func corpusFiles(t testing.TB, sub string) []string {
	dir := filepath.Join(corpusDir, sub)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Skipf("corpus directory %s missing: %v", dir, err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out
}

// walkFile opens a file and touches what inspect will: catalog, pages and
// every page's content streams.
func walkFile(ctx context.Context, data []byte) (*Document, []Page, error) {
	doc, err := Open(ctx, data, Options{})
	if err != nil {
		return nil, nil, err
	}
	_, _ = doc.Catalog()
	_ = doc.Linearized()
	_ = doc.XRefInfo()
	pages, err := doc.Pages()
	for _, p := range pages {
		c := p.Dict["Contents"]
		streams := doc.Array(c)
		if s := doc.Stream(c); s != nil {
			streams = Array{s}
		}
		for _, o := range streams {
			if s := doc.Stream(o); s != nil {
				// Only a recovered panic is worth reporting here: damaged,
				// unsupported and encrypted content are normal.
				if _, serr := doc.StreamData(s); serr != nil && strings.Contains(serr.Error(), "internal error") {
					return doc, pages, serr
				}
			}
		}
	}
	return doc, pages, err
}

// TestCorpus opens every corpus file: nothing may panic or hang, and for
// every good file poppler could read, the page count must agree.
func TestCorpus(t *testing.T) {
	labels := readLabels(t)
	var agree, disagree, failed int // good files
	var badAgree, badOther int      // bad files that poppler reads (logged only)
	for _, sub := range []string{"good", "bad"} {
		for _, path := range corpusFiles(t, sub) {
			name := sub + "/" + filepath.Base(path)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			start := time.Now()
			doc, pages, err := walkFile(ctx, data)
			cancel()
			if errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
				t.Errorf("%s: took %v (%v)", name, time.Since(start), err)
			}
			if err != nil && strings.Contains(err.Error(), "internal error") {
				t.Errorf("%s: recovered panic: %v", name, err)
			}
			lab, ok := labels[name]
			if !ok || lab.unreadable {
				continue
			}
			if doc == nil || err != nil {
				t.Logf("MISMATCH %s: poppler %d pages, we failed: %v", name, lab.pages, err)
				if sub == "good" {
					failed++
					t.Errorf("%s: %v", name, err)
				} else {
					badOther++
				}
				continue
			}
			if len(pages) != lab.pages {
				t.Logf("MISMATCH %s: poppler %d pages, we %d (xref %+v, rebuilt pages %v)", name, lab.pages, len(pages), doc.XRefInfo(), doc.PagesRebuilt())
				if sub == "good" {
					disagree++
					t.Errorf("%s: %d pages, want %d", name, len(pages), lab.pages)
				} else {
					badOther++
				}
				continue
			}
			if sub == "good" {
				agree++
			} else {
				badAgree++
			}
		}
	}
	t.Logf("good files poppler reads: %d agree, %d disagree, %d fail", agree, disagree, failed)
	t.Logf("bad files poppler reads: %d agree, %d differ (logged above)", badAgree, badOther)
}
