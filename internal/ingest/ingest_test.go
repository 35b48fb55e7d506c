package ingest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func collect(t *testing.T, names []string, stdin string) []Source {
	t.Helper()
	out := make(chan Source, 1)
	errc := make(chan error, 1)
	go func() { errc <- Discover(context.Background(), names, strings.NewReader(stdin), Options{}, out) }()
	var got []Source
	for s := range out {
		got = append(got, s)
	}
	if err := <-errc; err != nil {
		t.Fatalf("Discover: %v", err)
	}
	for i, s := range got {
		if s.Index != i {
			t.Fatalf("source %d has index %d", i, s.Index)
		}
	}
	return got
}

func tree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"a.pdf", "b.PDF", "notes.txt", "sub/c.pdf", "sub/deeper/d.pdf", "sub/e.doc"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("%PDF-1.4\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func rel(dir string, srcs []Source) []string {
	var out []string
	for _, s := range srcs {
		r, _ := filepath.Rel(dir, s.Path)
		if s.Err != nil {
			r += " (error)"
		}
		out = append(out, r)
	}
	return out
}

func TestDiscover(t *testing.T) {
	dir := tree(t)
	j := func(p string) string { return filepath.Join(dir, p) }
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"directory walk, pdf only, lexical", []string{dir}, "", "a.pdf b.PDF sub/c.pdf sub/deeper/d.pdf"},
		{"explicit file of any extension", []string{j("notes.txt")}, "", "notes.txt"},
		{"glob", []string{j("sub/*")}, "", "sub/c.pdf sub/deeper/d.pdf"},
		{"missing file is a source with an error", []string{j("nope.pdf"), j("a.pdf")}, "", "nope.pdf (error) a.pdf"},
		{"glob without match", []string{j("*.xyz")}, "", "*.xyz (error)"},
		{"stdin list", []string{"-"}, "# comment\n" + j("a.pdf") + "\n\n" + j("sub") + "\n", "a.pdf sub/c.pdf sub/deeper/d.pdf"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(rel(dir, collect(t, tc.args, tc.stdin)), " ")
			if got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestDiscoverStopsOnCancel(t *testing.T) {
	dir := tree(t)
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan Source) // unbuffered and never read: Discover must not hang
	cancel()
	if err := Discover(ctx, []string{dir}, nil, Options{}, out); err == nil {
		t.Fatal("Discover ignored a cancelled context")
	}
	if _, ok := <-out; ok {
		t.Fatal("out not closed")
	}
}
