package inspect

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"dataplus/internal/pdf"
)

// The shared developer corpus (see its README): good/ and bad/ PDFs and
// reference labels made with poppler-utils. Tests skip when it is absent.
func corpusDir() string {
	if d := os.Getenv("DATAPLUS_CORPUS"); d != "" {
		return d
	}
	return "/work/shared/corpus"
}

func corpusFiles(t testing.TB, sub string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(corpusDir(), sub, "*.pdf"))
	if len(files) == 0 {
		t.Skipf("no corpus at %s", corpusDir())
	}
	return files
}

// inspectFile opens and inspects one file under a 10-second context.
func inspectFile(path string) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	doc, err := pdf.Open(ctx, data, pdf.Options{})
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	return Document(ctx, doc, Options{})
}

// ocrPages counts pages as the labels do: under 10 characters of text
// (pdftotext counts invisible text too) and images covering >= 30%.
func ocrPages(res *Result) int {
	n := 0
	for _, p := range res.Pages {
		if p.Text.Chars+p.Text.InvisibleChars < 10 && p.Images.Coverage >= 0.3 {
			n++
		}
	}
	return n
}

func TestCorpusNoPanicNoHang(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus run skipped in -short mode")
	}
	files := append(corpusFiles(t, "good"), corpusFiles(t, "bad")...)
	for _, f := range files {
		start := time.Now()
		res, err := inspectFile(f)
		if d := time.Since(start); d > 12*time.Second {
			t.Errorf("%s: took %v", filepath.Base(f), d)
		}
		if err != nil && strings.Contains(err.Error(), "internal error") {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
		if res != nil && res.Metadata.Pages != len(res.Pages) {
			t.Errorf("%s: %d pages in metadata, %d in result", filepath.Base(f), res.Metadata.Pages, len(res.Pages))
		}
	}
}

// label is one row of labels.tsv.
type label struct {
	file                 string
	pages                int
	encrypted            bool
	ocrPages, imagePages int
	charsMean            float64
	class                string
}

func readLabels(t *testing.T) []label {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir(), "labels.tsv"))
	if err != nil {
		t.Skipf("no labels: %v", err)
	}
	defer f.Close()
	var out []label
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 16 {
			continue
		}
		l := label{file: c[0], encrypted: c[3] == "yes", class: c[15]}
		l.pages, _ = strconv.Atoi(c[2])
		l.charsMean, _ = strconv.ParseFloat(c[6], 64)
		l.imagePages, _ = strconv.Atoi(c[12])
		l.ocrPages, _ = strconv.Atoi(c[13])
		out = append(out, l)
	}
	return out
}

// classOf applies the labels' document rule to an OCR page count.
func classOf(ocr, pages int) string {
	switch r := float64(ocr) / float64(max(pages, 1)); {
	case r >= 0.9:
		return "scanned"
	case r >= 0.1:
		return "mixed"
	}
	return "born_digital"
}

// TestCorpusLabels compares page counts and OCR-page counts with the
// poppler reference labels and prints the largest disagreements.
func TestCorpusLabels(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus run skipped in -short mode")
	}
	corpusFiles(t, "good")
	type row struct {
		file                  string
		pages, wantPages      int
		ocr, wantOCR          int
		class, wantClass      string
		chars, wantCharsTotal float64
	}
	var rows []row
	compared, pageMismatch, classAgree, errs := 0, 0, 0, 0
	sumDiff, sumPages := 0, 0
	for _, l := range readLabels(t) {
		if l.class == "unreadable" {
			continue
		}
		res, err := inspectFile(filepath.Join(corpusDir(), l.file))
		if err != nil {
			errs++
			t.Logf("%s: %v", l.file, err)
			continue
		}
		compared++
		r := row{file: l.file, pages: len(res.Pages), wantPages: l.pages, ocr: ocrPages(res), wantOCR: l.ocrPages,
			wantClass: l.class, wantCharsTotal: l.charsMean * float64(l.pages)}
		r.class = classOf(r.ocr, r.pages)
		for _, p := range res.Pages {
			r.chars += float64(p.Text.Chars + p.Text.InvisibleChars)
		}
		if r.pages != r.wantPages {
			// For damaged files poppler's repair and ours may differ;
			// well-formed files must agree.
			pageMismatch++
			if strings.HasPrefix(l.file, "good/") {
				t.Errorf("%s: %d pages, poppler says %d", l.file, r.pages, l.pages)
			} else {
				t.Logf("%s: %d pages, poppler says %d", l.file, r.pages, l.pages)
			}
		}
		// The labels' own rule, except that image_text_layer scans are
		// born_digital by the chars test already.
		if r.class == classOf(l.ocrPages, l.pages) {
			classAgree++
		}
		sumDiff += abs(r.ocr - r.wantOCR)
		sumPages += r.wantPages
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b row) int {
		da := float64(abs(a.ocr-a.wantOCR)) / float64(max(a.wantPages, 1))
		db := float64(abs(b.ocr-b.wantOCR)) / float64(max(b.wantPages, 1))
		if da != db {
			if da > db {
				return -1
			}
			return 1
		}
		return strings.Compare(a.file, b.file)
	})
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-55s %6s %6s %5s %5s %9s %9s\n", "file", "pages", "want", "ocr", "want", "chars", "want")
	for _, r := range rows[:min(25, len(rows))] {
		fmt.Fprintf(&sb, "%-55s %6d %6d %5d %5d %9.0f %9.0f\n", r.file, r.pages, r.wantPages, r.ocr, r.wantOCR, r.chars, r.wantCharsTotal)
	}
	t.Logf("worst OCR-page disagreements:\n%s", sb.String())
	slices.SortFunc(rows, func(a, b row) int {
		ea := math.Abs(a.chars-a.wantCharsTotal) / math.Max(a.wantCharsTotal, 100)
		eb := math.Abs(b.chars-b.wantCharsTotal) / math.Max(b.wantCharsTotal, 100)
		if ea > eb {
			return -1
		}
		if ea < eb {
			return 1
		}
		return strings.Compare(a.file, b.file)
	})
	sb.Reset()
	within := 0
	for _, r := range rows {
		if math.Abs(r.chars-r.wantCharsTotal) <= 0.05*math.Max(r.wantCharsTotal, 100) {
			within++
		}
	}
	for _, r := range rows[:min(25, len(rows))] {
		fmt.Fprintf(&sb, "%-55s %6d %9.0f %9.0f\n", r.file, r.pages, r.chars, r.wantCharsTotal)
	}
	t.Logf("character counts within 5%% of pdftotext: %d/%d; worst:\n%s", within, len(rows), sb.String())
	t.Logf("compared %d readable files (%d failed to open or inspect): page count mismatches %d, "+
		"document class agreement %d/%d (%.1f%%), OCR pages |diff| %d over %d pages",
		compared, errs, pageMismatch, classAgree, compared, 100*float64(classAgree)/float64(max(compared, 1)), sumDiff, sumPages)

	if agree := float64(classAgree) / float64(max(compared, 1)); agree < 0.95 {
		t.Errorf("document class agreement %.3f, want >= 0.95", agree)
	}
	if share := float64(within) / float64(max(len(rows), 1)); share < 0.9 {
		t.Errorf("character counts within 5%% of pdftotext for %.3f of files, want >= 0.9", share)
	}
	if errs > compared/20 {
		t.Errorf("%d readable files failed", errs)
	}
}

func abs(v int) int { return int(math.Abs(float64(v))) }

// BenchmarkCorpus opens and inspects every file of the good corpus.
func BenchmarkCorpus(b *testing.B) {
	files := corpusFiles(b, "good")
	data := make([][]byte, len(files))
	for i, f := range files {
		var err error
		if data[i], err = os.ReadFile(f); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	pages, nfiles := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range data {
			nfiles++
			doc, err := pdf.Open(ctx, d, pdf.Options{})
			if err != nil {
				continue
			}
			res, err := Document(ctx, doc, Options{})
			if res == nil || (err != nil && !errors.Is(err, pdf.ErrEncrypted)) {
				continue
			}
			pages += len(res.Pages)
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(nfiles)/sec, "files/s")
	b.ReportMetric(float64(pages)/sec, "pages/s")
}
