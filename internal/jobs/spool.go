package jobs

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"dataplus/internal/record"
)

// SpoolUpload copies an upload into Dir/uploads under a random name and
// returns the Input to submit (Name: name, Path: the spooled file). A body
// over max bytes (max <= 0: no limit) is an error wrapping
// record.ErrTooLarge; on any error nothing is left on disk. The contents
// are synced before it returns.
//
// A spooled upload belongs to the one job it is submitted with and is
// deleted with it. One never submitted should be given to DiscardUpload;
// otherwise the retention sweep removes it after Options.Retention, or at
// the next Open.
func (m *Manager) SpoolUpload(name string, r io.Reader, max int64) (Input, error) {
	if m.quitting() {
		return Input{}, fmt.Errorf("jobs: spool upload %s: %w", name, ErrClosed)
	}
	var rnd [16]byte
	_, _ = rand.Read(rnd[:]) // crypto/rand.Read never fails
	file := hex.EncodeToString(rnd[:]) + ".pdf"
	path := filepath.Join(m.uploads, file)
	// Registered before the file exists, so the orphan sweep never sees
	// the file without knowing it is being written.
	m.mu.Lock()
	m.spooling[file] = time.Now()
	m.mu.Unlock()

	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		m.unspool(file)
		return Input{}, fmt.Errorf("jobs: spool upload %s: %w", name, err)
	}
	fail := func(err error) (Input, error) {
		f.Close()
		if rerr := os.Remove(path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			m.log.Warn("partial upload not removed", "doc", name, "err", rerr)
		}
		m.unspool(file)
		return Input{}, fmt.Errorf("jobs: spool upload %s: %w", name, err)
	}
	src := r
	if max > 0 {
		src = io.LimitReader(r, max+1) // one byte more tells "too large" from "exactly max"
	}
	n, err := io.Copy(f, src)
	switch {
	case err != nil:
		return fail(err)
	case max > 0 && n > max:
		return fail(fmt.Errorf("larger than %d bytes: %w", max, record.ErrTooLarge))
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		m.unspool(file)
		os.Remove(path)
		return Input{}, fmt.Errorf("jobs: spool upload %s: %w", name, err)
	}
	return Input{Name: name, Path: path}, nil
}

// DiscardUpload removes an upload spooled by SpoolUpload that will not be
// submitted (the request failed after spooling it). An upload that
// belongs to a job is left alone and reported.
func (m *Manager) DiscardUpload(in Input) error {
	file, ok := spoolName(m.uploads, in.Path)
	if !ok {
		return fmt.Errorf("jobs: discard upload %s: not a spooled upload", in.Name)
	}
	var owner []byte
	if err := m.view(func(tx *bolt.Tx) error {
		owner = append(owner, tx.Bucket(bucketUploads).Get([]byte(file))...)
		return nil
	}); err != nil {
		return fmt.Errorf("jobs: discard upload %s: %w", in.Name, err)
	}
	if owner != nil {
		return fmt.Errorf("jobs: discard upload %s: it belongs to job %s", in.Name, owner)
	}
	m.unspool(file)
	if err := os.Remove(in.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("jobs: discard upload %s: %w", in.Name, err)
	}
	return nil
}

func (m *Manager) unspool(file string) {
	m.mu.Lock()
	delete(m.spooling, file)
	m.mu.Unlock()
}

// storedInputs converts inputs for the store and names the spooled
// uploads among them.
func (m *Manager) storedInputs(inputs []Input) ([]storedInput, []string) {
	out := make([]storedInput, len(inputs))
	var spooled []string
	for i, in := range inputs {
		if file, ok := spoolName(m.uploads, in.Path); ok {
			out[i] = storedInput{Name: in.Name, Upload: file}
			spooled = append(spooled, file)
			continue
		}
		out[i] = storedInput{Name: in.Name, Path: in.Path}
	}
	return out, spooled
}

// spoolName returns the file name of path when path is a file directly in
// the uploads directory.
func spoolName(uploads, path string) (string, bool) {
	if path == "" {
		return "", false
	}
	clean := filepath.Clean(path)
	if filepath.Dir(clean) != uploads {
		return "", false
	}
	return filepath.Base(clean), true
}
