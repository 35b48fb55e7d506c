package server

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestOpenerRefusesASwappedSymlink plays the race the checks alone cannot
// close: a path is resolved under the data root, then a directory on it is
// replaced by a symlink to outside before the pipeline opens the file.
// Opening through the root's os.Root must refuse what os.Open would read.
func TestOpenerRefusesASwappedSymlink(t *testing.T) {
	base := t.TempDir()
	data, outside := filepath.Join(base, "data"), filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(data, "sub"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(data, "sub", "a.pdf"), filepath.Join(outside, "a.pdf")} {
		if err := os.WriteFile(f, []byte("%PDF-1.4\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := newRoots([]string{data})
	if err != nil {
		t.Fatal(err)
	}
	files, _, err := rs.expand(context.Background(), []string{"sub/a.pdf"}, 10)
	if err != nil || len(files) != 1 {
		t.Fatalf("expand: %v %v", files, err)
	}
	f, err := files[0].open()
	if err != nil {
		t.Fatalf("open before the swap: %v", err)
	}
	f.Close()

	if err := os.Rename(filepath.Join(data, "sub"), filepath.Join(data, "sub.old")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(data, "sub")); err != nil {
		t.Fatal(err)
	}
	if f, err := os.Open(files[0].path); err != nil {
		t.Fatalf("the swap did not take: %v", err)
	} else {
		f.Close() // a plain open now reads outside the root
	}
	if f, err := files[0].open(); err == nil {
		f.Close()
		t.Fatal("opened a file outside the data root through a swapped symlink")
	}
}
