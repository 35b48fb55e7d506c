package ingest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Source is one input file, numbered in discovery order from 0.
type Source struct {
	Index int
	Path  string
	// Err is set when the name could not be resolved to a readable file;
	// it wraps fs.ErrNotExist or the walk error.
	Err error
	// Open, when set, opens the file instead of os.Open(Path). The server
	// sets it to open through an os.Root, so that a path checked against a
	// data root cannot be swapped for an escaping symlink before it is read.
	Open func() (*os.File, error)
}

// Options tune discovery.
type Options struct {
	// Extensions a file found by walking a directory or matching a glob
	// must have (compared case-insensitively). Files named explicitly are
	// always taken. Empty means ".pdf".
	Extensions []string
}

// Discover sends a Source for every input to out, in order, and closes out
// when done. Directories are walked recursively in lexical order; "-" reads
// one name per line from stdin (blank lines and lines starting with # are
// skipped), and each of those names is expanded the same way. It returns
// only the context's error; bad names become Sources with Err set.
func Discover(ctx context.Context, names []string, stdin io.Reader, opt Options, out chan<- Source) error {
	defer close(out)
	exts := opt.Extensions
	if len(exts) == 0 {
		exts = []string{".pdf"}
	}
	d := discoverer{ctx: ctx, out: out, exts: exts}
	for _, name := range names {
		if name == "-" {
			if err := d.list(stdin); err != nil {
				return err
			}
			continue
		}
		if err := d.name(name); err != nil {
			return err
		}
	}
	return nil
}

type discoverer struct {
	ctx  context.Context
	out  chan<- Source
	exts []string
	next int
}

func (d *discoverer) emit(path string, err error) error {
	s := Source{Index: d.next, Path: path, Err: err}
	select {
	case d.out <- s:
		d.next++
		return nil
	case <-d.ctx.Done():
		return d.ctx.Err()
	}
}

func (d *discoverer) list(r io.Reader) error {
	if r == nil {
		return nil
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := d.name(line); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return d.emit("-", fmt.Errorf("read list from stdin: %w", err))
	}
	return nil
}

func (d *discoverer) name(name string) error {
	info, err := os.Stat(name)
	switch {
	case err == nil && info.IsDir():
		return d.walk(name)
	case err == nil:
		return d.emit(name, nil)
	case hasMeta(name):
		return d.glob(name)
	default:
		return d.emit(name, err)
	}
}

func (d *discoverer) glob(pattern string) error {
	matches, err := filepath.Glob(pattern)
	if err != nil {
		return d.emit(pattern, fmt.Errorf("glob: %w", err))
	}
	if len(matches) == 0 {
		return d.emit(pattern, fmt.Errorf("glob matched no file: %w", fs.ErrNotExist))
	}
	for _, m := range matches {
		info, err := os.Stat(m)
		switch {
		case err != nil:
			err = d.emit(m, err)
		case info.IsDir():
			err = d.walk(m)
		case d.wanted(m):
			err = d.emit(m, nil)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *discoverer) walk(root string) error {
	return filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if ctxErr := d.ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if err != nil {
			// An unreadable subdirectory is reported and skipped; the
			// walk goes on with its siblings.
			if emitErr := d.emit(path, err); emitErr != nil {
				return emitErr
			}
			if e != nil && e.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if e.Type().IsRegular() && d.wanted(path) {
			return d.emit(path, nil)
		}
		return nil
	})
}

func (d *discoverer) wanted(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	for _, e := range d.exts {
		if ext == strings.ToLower(e) {
			return true
		}
	}
	return false
}

func hasMeta(s string) bool { return strings.ContainsAny(s, "*?[") }

// IsNotFound reports whether a Source error means the input does not exist.
func IsNotFound(err error) bool { return errors.Is(err, fs.ErrNotExist) }
