package assets

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// FileStatus is what Check found for one asset.
type FileStatus struct {
	Asset
	Path    string
	Present bool
	HashOK  bool   // present and its SHA-256 matches
	Got     string // the SHA-256 found, when present
}

// Status is what Check found in an assets directory.
type Status struct {
	Dir   string
	Files []FileStatus
}

// Complete reports whether every asset is present with the right hash.
func (s Status) Complete() bool {
	for _, f := range s.Files {
		if !f.HashOK {
			return false
		}
	}
	return true
}

// Err returns a *MissingError naming every missing or damaged file, or nil
// when the directory is complete.
func (s Status) Err() error {
	e := &MissingError{Dir: s.Dir}
	for _, f := range s.Files {
		switch {
		case !f.Present:
			e.Missing = append(e.Missing, f.Name)
		case !f.HashOK:
			e.Damaged = append(e.Damaged, f.Name)
		}
	}
	if len(e.Missing) == 0 && len(e.Damaged) == 0 {
		return nil
	}
	return e
}

// Check reports, for each bundled asset, whether it is present in dir with
// the right hash.
func Check(dir string) (Status, error) { return Bundled.Check(dir) }

// Check reports, for each asset of m, whether it is present in dir with
// the right hash. A missing file is a result, not an error; the error is
// for files that exist but cannot be read.
func (m Manifest) Check(dir string) (Status, error) {
	st := Status{Dir: dir}
	for _, a := range m {
		f := FileStatus{Asset: a, Path: filepath.Join(dir, a.Name)}
		sum, err := FileSHA256(f.Path)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return st, fmt.Errorf("check asset %s: %w", a.Name, err)
		default:
			f.Present = true
			f.Got = sum
			f.HashOK = sum == a.SHA256
		}
		st.Files = append(st.Files, f)
	}
	return st, nil
}

// hashKey identifies a file version well enough to reuse its digest: the
// same path, size and modification time.
type hashKey struct {
	path  string
	size  int64
	mtime time.Time
}

// hashCache keeps digests for the life of the process so that `dataplus
// models` and model loading do not re-read 45 MB on every call.
var hashCache = struct {
	sync.Mutex
	m map[hashKey]string
}{m: map[hashKey]string{}}

// FileSHA256 returns the lower-case hex SHA-256 of the file at path. The
// digest is cached by path, size and modification time.
func FileSHA256(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s: not a regular file: %w", path, fs.ErrInvalid)
	}
	key := hashKey{path: path, size: fi.Size(), mtime: fi.ModTime()}
	hashCache.Lock()
	sum, ok := hashCache.m[key]
	hashCache.Unlock()
	if ok {
		return sum, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	sum = hex.EncodeToString(h.Sum(nil))
	hashCache.Lock()
	hashCache.m[key] = sum
	hashCache.Unlock()
	return sum, nil
}
