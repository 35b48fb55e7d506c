package render

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// benchFiles returns up to 24 real documents of the shared corpus (born
// digital text, scans, mixed, fonts; under 2 MB), in name order.
func benchFiles(b *testing.B) [][]byte {
	b.Helper()
	f, err := os.Open(filepath.Join(corpusDir, "MANIFEST.tsv"))
	if err != nil {
		b.Skipf("no shared corpus: %v", err)
	}
	defer f.Close()
	want := map[string]bool{"text": true, "scanned": true, "mixed": true, "fonts": true}
	var out [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() && len(out) < 24 {
		col := strings.Split(sc.Text(), "\t")
		if len(col) < 7 || !strings.HasPrefix(col[0], "good/") || !want[col[6]] {
			continue
		}
		if size, _ := strconv.Atoi(col[4]); size > 2<<20 {
			continue
		}
		data, err := os.ReadFile(filepath.Join(corpusDir, col[0]))
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, data)
	}
	if len(out) == 0 {
		b.Skip("no benchmark files in the corpus manifest")
	}
	return out
}

// benchFirstPages opens one file per iteration (round robin) on a
// one-instance pool and renders its first page, with and without wazero's
// termination checks (Options.Uninterruptible).
func benchFirstPages(b *testing.B, size Size) {
	files := benchFiles(b)
	for _, uninterruptible := range []bool{false, true} {
		name := "interruptible"
		if uninterruptible {
			name = "uninterruptible"
		}
		b.Run(name, func(b *testing.B) {
			p := newPool(b, func(o *Options) { o.Uninterruptible = uninterruptible })
			benchLoop(b, p, files, size)
		})
	}
}

func benchLoop(b *testing.B, p *Pool, files [][]byte, size Size) {
	i := 0
	for b.Loop() {
		data := files[i%len(files)]
		i++
		err := p.Document(b.Context(), data, "", func(d *Doc) error {
			_, err := d.Render(b.Context(), 0, size)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "pages/s")
}

func BenchmarkRenderThumb224(b *testing.B) { benchFirstPages(b, Size{LongSide: 224}) }

func BenchmarkRender150DPI(b *testing.B) { benchFirstPages(b, Size{DPI: 150}) }
