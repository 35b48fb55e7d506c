// Package testpdf generates the project's own PDF test files.
//
// It owns two things:
//
//   - a small, deterministic PDF writer (Doc): indirect objects, streams
//     (Flate via compress/zlib), classic cross-reference tables,
//     cross-reference streams, object streams, hybrid files (/XRefStm),
//     incremental updates (/Prev) and, through internal/pdf/crypt's writer
//     side, the standard security handler;
//   - the fixture corpus (All): well-formed, odd and hostile files, each with
//     a Want that records what a correct reader must report. Want values are
//     derived from PDF semantics (ISO 32000), not from what some reader
//     prints.
//
// Output is reproducible byte for byte for a given Go toolchain: IDs are
// derived from fixture names, dates are fixed, random bytes (salts, IVs,
// image noise) come from seeded generators, and dictionaries are written in
// sorted key order. compress/flate's output is deterministic for one Go
// version; a toolchain upgrade may change compressed bytes (never Want).
//
// Files: object.go (value model, serialisation), writer.go (Doc, Save,
// SaveUpdate, the three cross-reference forms), encrypt.go (Doc.Encrypt),
// content.go, images.go and bomb.go (content streams, rasters, the Flate
// bomb), book.go (the common catalog/pages shape), want.go (Fixture, Want,
// All, Samples) and fixtures_*.go (the corpus, by theme).
//
// The package depends on no reader code of this repository (internal/pdf is
// what the fixtures test); the only internal import allowed is
// internal/pdf/crypt, for encryption.
package testpdf
