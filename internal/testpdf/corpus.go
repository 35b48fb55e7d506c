package testpdf

import (
	"os"
	"path/filepath"
)

// CorpusDir returns the shared real-world corpus (../shared/corpus beside
// the checkout, found by walking up from the working directory, as tests
// run in their package's directory), or DATAPLUS_CORPUS when set. It
// reports false when there is none.
func CorpusDir() (string, bool) {
	if dir := os.Getenv("DATAPLUS_CORPUS"); dir != "" {
		_, err := os.Stat(filepath.Join(dir, "labels.tsv"))
		return dir, err == nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		c := filepath.Join(dir, "shared", "corpus")
		if _, err := os.Stat(filepath.Join(c, "labels.tsv")); err == nil {
			return c, true
		}
		if filepath.Dir(dir) == dir {
			return "", false
		}
	}
}
