package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// roots are the data roots: the only directories whose files a request may
// name. Each is kept both as given (absolute, cleaned) and with its
// symlinks resolved, because a user may name either form.
type roots struct {
	list []root
}

type root struct {
	abs  string   // absolute and clean, as configured
	real string   // EvalSymlinks(abs)
	fs   *os.Root // opened on real: files are read through it
}

func newRoots(dirs []string) (*roots, error) {
	rs := &roots{}
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("data root %s: %w", d, err)
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return nil, fmt.Errorf("data root %s: %w", d, err)
		}
		info, err := os.Stat(real)
		if err != nil {
			return nil, fmt.Errorf("data root %s: %w", d, err)
		}
		if !info.IsDir() {
			return nil, fmt.Errorf("data root %s is not a directory", d)
		}
		fsys, err := os.OpenRoot(real)
		if err != nil {
			return nil, fmt.Errorf("data root %s: %w", d, err)
		}
		rs.list = append(rs.list, root{abs: abs, real: real, fs: fsys})
	}
	return rs, nil
}

// opener returns how the pipeline should open the real path: through the
// os.Root of the data root that holds it, so that a directory swapped for
// an escaping symlink after the checks here still cannot be read. The
// roots live as long as the server process.
func (rs *roots) opener(path string) func() (*os.File, error) {
	for _, r := range rs.list {
		if !within(path, r.real) {
			continue
		}
		rel, err := filepath.Rel(r.real, path)
		if err != nil {
			break
		}
		return func() (*os.File, error) { return r.fs.Open(rel) }
	}
	// Not under a root (cannot happen after resolve): refuse to open.
	return func() (*os.File, error) {
		return nil, fmt.Errorf("open %s: %w", path, fs.ErrPermission)
	}
}

// within reports whether path is dir or below it. Both must be clean and
// absolute; the separator check keeps /data2 out of /data.
func within(path, dir string) bool {
	if path == dir {
		return true
	}
	if !strings.HasSuffix(dir, string(filepath.Separator)) {
		dir += string(filepath.Separator)
	}
	return strings.HasPrefix(path, dir)
}

func (rs *roots) withinReal(path string) bool {
	for _, r := range rs.list {
		if within(path, r.real) {
			return true
		}
	}
	return false
}

// inputFile is one file a request names, after resolution.
type inputFile struct {
	name string // what the record's path says: the user's path, or dir/relative
	path string // the real path the pipeline reads (symlinks resolved)
	size int64
	open func() (*os.File, error) // opens path through its data root's os.Root
}

// errTooMany stops an expansion that found more than it may return.
var errTooMany = errors.New("too many files")

// expand resolves every input (a file, a directory walked for *.pdf, or a
// glob) under the roots, in order, and returns the first max files; more
// says there were others.
func (rs *roots) expand(ctx context.Context, inputs []string, max int) (files []inputFile, more bool, err error) {
	add := func(f inputFile) error {
		if len(files) >= max {
			return errTooMany
		}
		f.open = rs.opener(f.path)
		files = append(files, f)
		return nil
	}
	for _, in := range inputs {
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		err := rs.expandOne(ctx, in, add)
		if errors.Is(err, errTooMany) {
			return files, true, nil
		}
		if err != nil {
			return nil, false, err
		}
	}
	return files, false, nil
}

func (rs *roots) expandOne(ctx context.Context, in string, add func(inputFile) error) error {
	if err := checkSyntax(in); err != nil {
		return err
	}
	if len(rs.list) == 0 {
		return errorf(kindForbidden, "this server has no data roots (--data-root), so it takes uploads only; %q was not read", in)
	}
	real, info, err := rs.resolve(in)
	var e *Error
	if errors.As(err, &e) && e.Kind == kindNotFound && strings.ContainsAny(in, "*?[") {
		return rs.glob(ctx, in, add)
	}
	if err != nil {
		return err
	}
	if info.IsDir() {
		return walk(ctx, in, real, add)
	}
	return add(inputFile{name: in, path: real, size: info.Size()})
}

// checkSyntax rejects what no data-root path can be: empty, NUL bytes and
// any ".." element (even one that would stay inside a root: a path that
// climbs is a mistake or an attack, and refusing it outright is simpler to
// reason about than cleaning it).
func checkSyntax(p string) error {
	switch {
	case p == "":
		return errorf(kindBadRequest, "empty path")
	case strings.ContainsRune(p, 0):
		return errorf(kindBadRequest, "path %q contains a NUL byte", p)
	}
	for _, el := range strings.Split(filepath.ToSlash(p), "/") {
		if el == ".." {
			return errorf(kindForbidden, "path %q contains \"..\": paths must stay under the data roots", p)
		}
	}
	return nil
}

// resolve finds p under the roots: an absolute path must lie under one, a
// relative one is tried against each root in order. The target's symlinks
// are resolved and the result must still lie under a root.
func (rs *roots) resolve(p string) (string, fs.FileInfo, error) {
	var candidates []string
	if filepath.IsAbs(p) {
		c := filepath.Clean(p)
		for _, r := range rs.list {
			if within(c, r.abs) || within(c, r.real) {
				candidates = []string{c}
				break
			}
		}
		if candidates == nil {
			return "", nil, errorf(kindForbidden, "path %q is outside the data roots", p)
		}
	} else {
		for _, r := range rs.list {
			candidates = append(candidates, filepath.Join(r.abs, p))
		}
	}
	for _, c := range candidates {
		real, err := filepath.EvalSymlinks(c)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", nil, &Error{Kind: kindForbidden, Message: fmt.Sprintf("path %q cannot be resolved", p), Cause: err}
		}
		if !rs.withinReal(real) {
			return "", nil, errorf(kindForbidden, "path %q resolves through a symlink to a place outside the data roots", p)
		}
		info, err := os.Stat(real)
		if err != nil {
			return "", nil, &Error{Kind: kindNotFound, Message: fmt.Sprintf("path %q cannot be read", p), Cause: err}
		}
		if !info.IsDir() && !info.Mode().IsRegular() {
			return "", nil, errorf(kindBadRequest, "path %q is neither a regular file nor a directory", p)
		}
		return real, info, nil
	}
	return "", nil, errorf(kindNotFound, "path %q not found under the data roots", p)
}

// glob expands a pattern against each root (or as given, when absolute)
// and checks every match like a named path.
func (rs *roots) glob(ctx context.Context, pattern string, add func(inputFile) error) error {
	var bases []string
	if filepath.IsAbs(pattern) {
		// Refuse before globbing, so a pattern cannot probe which files
		// exist outside the roots.
		c, inside := filepath.Clean(pattern), false
		for _, r := range rs.list {
			inside = inside || within(c, r.abs) || within(c, r.real)
		}
		if !inside {
			return errorf(kindForbidden, "pattern %q is outside the data roots", pattern)
		}
		bases = []string{""}
	} else {
		for _, r := range rs.list {
			bases = append(bases, r.abs)
		}
	}
	found := false
	for _, base := range bases {
		matches, err := filepath.Glob(filepath.Join(base, pattern))
		if err != nil {
			return errorf(kindBadRequest, "bad pattern %q: %v", pattern, err)
		}
		for _, m := range matches {
			name := m
			if base != "" {
				name, _ = filepath.Rel(base, m)
			}
			real, info, err := rs.resolve(m)
			if err != nil {
				return err
			}
			found = true
			switch {
			case info.IsDir():
				err = walk(ctx, name, real, add)
			case isPDFName(m):
				err = add(inputFile{name: name, path: real, size: info.Size()})
			}
			if err != nil {
				return err
			}
		}
	}
	if !found {
		return errorf(kindNotFound, "pattern %q matched no file under the data roots", pattern)
	}
	return nil
}

// walk adds every *.pdf under the real directory dir, in lexical order.
// Symlinks inside are skipped (WalkDir does not follow them and they are
// not regular files), so nothing found can leave the root dir is in.
func walk(ctx context.Context, name, dir string, add func(inputFile) error) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			// An unreadable subdirectory is skipped, as by the CLI's walk;
			// its files are simply not part of the request.
			if d != nil && d.IsDir() && path != dir {
				return fs.SkipDir
			}
			return &Error{Kind: kindNotFound, Message: fmt.Sprintf("directory %q cannot be read", name), Cause: err}
		}
		if !d.Type().IsRegular() || !isPDFName(path) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil // vanished since the listing
		}
		rel, _ := filepath.Rel(dir, path)
		return add(inputFile{name: filepath.Join(name, rel), path: path, size: info.Size()})
	})
}

func isPDFName(p string) bool { return strings.EqualFold(filepath.Ext(p), ".pdf") }
