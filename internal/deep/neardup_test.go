//go:build !race

// The near-duplicate test computes features for the whole shared corpus:
// about two minutes on two cores, too slow under the race detector
// (the other tests of this package cover the concurrency).

package deep

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"dataplus/internal/assets/assetstest"
	"dataplus/internal/features"
	"dataplus/internal/render"
	"dataplus/internal/testpdf"
)

// nearDupOriginals are corpus files re-written by qpdf for the test: text
// documents and scans, one page and many.
var nearDupOriginals = []string{
	"pdfcpu-read.go.pdf",
	"pdfjs-TAMReview.pdf",
	"derived-pdfjs-freeculture-x6.pdf",
	"pdfium-linearized.pdf",
	"ocrmypdf-3small.pdf",
	"ocrmypdf-francais.pdf",
}

// nearDupVariants are the re-writes: qpdf arguments after the input.
var nearDupVariants = []struct {
	name string
	args []string
}{
	{"resaved", []string{"--object-streams=generate", "--recompress-flate", "--compression-level=9"}},
	{"uncompressed", []string{"--stream-data=uncompress", "--object-streams=disable"}},
	{"rotated", []string{"--rotate=+90:1"}},
}

// identity is what makes two files the same document for this test,
// judged without the features: the same page count and nearly the same
// words on the pages the features see (word-set Jaccard at least 0.8),
// or, for pages without text, first pages that look the same at 48 px.
// The corpus's MANIFEST adds the files derived from another.
type identity struct {
	name  string
	pages int
	text  string
	words map[string]bool
	thumb render.Image
}

// blank reports a document with next to nothing to tell it by: fewer than
// 20 characters of text and under 1% ink on its first page at 48 px.
// Two blank documents are not different documents in any useful sense.
func (a identity) blank() bool {
	if len([]rune(a.text)) >= 20 {
		return false
	}
	dark := 0
	for i := 0; i+2 < len(a.thumb.Pix); i += 3 {
		if int(a.thumb.Pix[i])+int(a.thumb.Pix[i+1])+int(a.thumb.Pix[i+2]) < 3*200 {
			dark++
		}
	}
	return float64(dark) < 0.01*float64(len(a.thumb.Pix)/3)
}

func (a identity) same(b identity, derived map[string]string) bool {
	if derived[a.name] == b.name || derived[b.name] == a.name {
		return true
	}
	if a.pages != b.pages {
		return false
	}
	if len(a.words) > 0 || len(b.words) > 0 {
		return jaccard(a.words, b.words) >= 0.8
	}
	if a.thumb.Width != b.thumb.Width || a.thumb.Height != b.thumb.Height {
		return false
	}
	diff := 0
	for i := range a.thumb.Pix {
		diff += abs(int(a.thumb.Pix[i]) - int(b.thumb.Pix[i]))
	}
	return len(a.thumb.Pix) == 0 || float64(diff)/float64(len(a.thumb.Pix)) < 3
}

func jaccard(a, b map[string]bool) float64 {
	inter := 0
	for w := range a {
		if b[w] {
			inter++
		}
	}
	union := len(a) + len(b) - inter
	if union == 0 {
		return 1
	}
	return float64(inter) / float64(union)
}

// derivedFiles maps each corpus file whose MANIFEST source is "derived:
// ... of <path>" (or "derived: <path> ...") to the file taken from that
// path, by base name.
func derivedFiles(t *testing.T, dir string) map[string]string {
	data, err := os.ReadFile(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		t.Logf("no MANIFEST.tsv: %v", err)
		return nil
	}
	bySource := map[string]string{}
	var rows [][]string
	for _, line := range strings.Split(string(data), "\n")[1:] {
		col := strings.Split(line, "\t")
		if len(col) < 3 {
			continue
		}
		rows = append(rows, col)
		bySource[col[2]] = filepath.Base(col[0])
	}
	out := map[string]string{}
	for _, col := range rows {
		src, ok := strings.CutPrefix(col[2], "derived: ")
		if !ok {
			continue
		}
		for _, f := range strings.Fields(src) {
			if orig, ok := bySource[f]; ok {
				out[filepath.Base(col[0])] = orig
			}
		}
	}
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func identify(ctx context.Context, pool *render.Pool, name string, data []byte, pages int) (identity, error) {
	id := identity{name: name, words: map[string]bool{}}
	err := pool.Document(ctx, data, "", func(d *render.Doc) error {
		id.pages = d.Pages()
		var sb strings.Builder
		for i := range min(d.Pages(), pages) {
			t, err := d.Text(ctx, i)
			if err != nil {
				return err
			}
			sb.WriteString(strings.Join(strings.Fields(t), " "))
		}
		id.text = sb.String()
		for _, w := range features.Tokenize(id.text) {
			id.words[w] = true
		}
		if d.Pages() == 0 {
			return nil
		}
		var err error
		id.thumb, err = d.Render(ctx, 0, render.Size{LongSide: 48})
		return err
	})
	return id, err
}

type docVec struct {
	name string
	vec  []float32
	id   identity
}

// TestNearDuplicates: a corpus PDF and a copy re-written by qpdf
// (re-saved with object streams and recompressed, uncompressed, or with
// its first page rotated) are nearer in the fused space than any two
// different documents of the corpus's good/ directory. Pairs of corpus
// files that are the same document (identity above: the corpus holds the
// same content encrypted, linearized or encoded in several ways) are not
// "different documents" and are reported apart.
func TestNearDuplicates(t *testing.T) {
	if testing.Short() {
		t.Skip("computes features for the whole corpus")
	}
	dir, ok := testpdf.CorpusDir()
	if !ok {
		t.Skip("no shared corpus")
	}
	if _, err := exec.LookPath("qpdf"); err != nil {
		assetstest.Missing(t, fmt.Errorf("qpdf re-writes the originals (make deps installs it): %w", err))
	}
	x := newExtractor(t, func(c *Config) { c.Pages = 2 })
	p := processor(t, x, 2)
	ctx := context.Background()

	good, err := filepath.Glob(filepath.Join(dir, "good", "*.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	var copies []string
	for _, o := range nearDupOriginals {
		for _, v := range nearDupVariants {
			out := filepath.Join(tmp, strings.TrimSuffix(o, ".pdf")+"."+v.name+".pdf")
			args := append([]string{filepath.Join(dir, "good", o)}, v.args...)
			cmd := exec.Command("qpdf", append(args, out)...)
			if b, err := cmd.CombinedOutput(); err != nil && cmd.ProcessState.ExitCode() != 3 { // 3: warnings
				t.Fatalf("qpdf %v: %v: %s", args, err, b)
			}
			copies = append(copies, out)
		}
	}

	var (
		mu   sync.Mutex
		docs = map[string]docVec{}
		wg   sync.WaitGroup
		sem  = make(chan struct{}, 2)
	)
	for _, path := range append(good, copies...) {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Error(err)
				return
			}
			r := p.Bytes(ctx, 0, path, data)
			if r.Error != nil || r.Features == nil || r.Features.Pages == 0 {
				return // encrypted with a user password, or not renderable: no vector to compare
			}
			id, err := identify(ctx, x.Pool(), filepath.Base(path), data, 2)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				return
			}
			mu.Lock()
			docs[path] = docVec{name: filepath.Base(path), vec: r.Features.Vector, id: id}
			mu.Unlock()
		})
	}
	wg.Wait()

	type pair struct {
		a, b string
		cos  float32
	}
	derived := derivedFiles(t, dir)
	var distinct, sameDoc, blank []pair
	goodDocs := make([]docVec, 0, len(good))
	for _, g := range good {
		if d, ok := docs[g]; ok {
			goodDocs = append(goodDocs, d)
		}
	}
	for i, a := range goodDocs {
		for _, b := range goodDocs[i+1:] {
			pr := pair{a.name, b.name, features.Cosine(a.vec, b.vec)}
			switch {
			case a.id.same(b.id, derived):
				sameDoc = append(sameDoc, pr)
			case a.id.blank() && b.id.blank():
				blank = append(blank, pr)
			default:
				distinct = append(distinct, pr)
			}
		}
	}
	if len(distinct) < 1000 {
		t.Fatalf("only %d document pairs to compare", len(distinct))
	}
	slices.SortFunc(distinct, func(a, b pair) int { return cmp.Compare(b.cos, a.cos) })
	ceiling := distinct[0].cos
	t.Logf("%d corpus documents with features: %d pairs of different documents, %d pairs of the same document in other bytes, %d pairs of blank documents",
		len(goodDocs), len(distinct), len(sameDoc), len(blank))
	for _, pr := range distinct[:5] {
		t.Logf("  nearest different documents: %.4f %s ~ %s", pr.cos, pr.a, pr.b)
	}
	if n := len(distinct); n > 0 {
		t.Logf("  different documents: median cosine %.4f, 99th percentile %.4f, 99.9th %.4f",
			distinct[n/2].cos, distinct[n/100].cos, distinct[n/1000].cos)
	}
	report := []string{}
	for _, o := range nearDupOriginals {
		orig, ok := docs[filepath.Join(dir, "good", o)]
		if !ok {
			t.Errorf("%s: no vector", o)
			continue
		}
		for _, v := range nearDupVariants {
			path := filepath.Join(tmp, strings.TrimSuffix(o, ".pdf")+"."+v.name+".pdf")
			c, ok := docs[path]
			if !ok {
				t.Errorf("%s %s: no vector", o, v.name)
				continue
			}
			cos := features.Cosine(orig.vec, c.vec)
			margin := cos - ceiling
			report = append(report, fmt.Sprintf("%-34s %-12s cos %.4f  margin %+.4f  (distance %.4f vs %.4f)",
				o, v.name, cos, margin, dist(cos), dist(ceiling)))
			if margin <= 0 {
				t.Errorf("%s %s: cosine to the original %.4f is not above the nearest different documents' %.4f", o, v.name, cos, ceiling)
			}
		}
	}
	t.Logf("copies against the ceiling %.4f:\n%s", ceiling, strings.Join(report, "\n"))
}

// dist is the Euclidean distance between unit vectors with cosine c.
func dist(c float32) float64 { return math.Sqrt(max(0, 2-2*float64(c))) }
