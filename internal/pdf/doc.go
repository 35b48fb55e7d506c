// Package pdf is dataplus's own lazy PDF reader: it finds and parses the
// cross-reference data (classic tables, xref streams, hybrid files,
// incremental updates), repairs broken files by scanning them, loads only
// the objects it is asked for (from the file or from object streams),
// decrypts (standard security handler, through internal/pdf/crypt) and
// decodes stream data (through internal/pdf/filter), and walks the page
// tree. It is built for hostile input: every loop over counts that come
// from the file is bounded, nesting is limited without recursion, the work
// per document is budgeted (Limits), the context is checked throughout, and
// no input makes it panic.
//
// It owns PDF syntax and file structure (ISO 32000-1 §7.2-§7.7): objects,
// cross-reference data, streams and filter chains, encryption set-up, the
// page tree. It does not interpret content streams, fonts or metadata:
// that is internal/inspect's job.
//
// Policies worth knowing:
//   - Repair: a missing or damaged cross-reference chain, a /Prev loop, a
//     trailer without a usable /Root, or (later, on first use) an offset
//     that does not point at "N G obj" makes the reader rebuild the table
//     once by scanning the file; XRefInfo then says Kind "rebuilt".
//   - Encryption: a file whose password we lack (or whose security handler
//     is not supported, Method "unknown") still opens with
//     EncryptionInfo.NeedsPassword set; its strings read as nil Strings
//     (StringValue reports ErrEncrypted) and StreamData fails with
//     ErrEncrypted. Objects inside encrypted object streams are then
//     unreadable too.
//   - Aliasing: the file's bytes are not copied. StreamData may return a
//     slice of them (unfiltered, unencrypted streams); callers must not
//     modify what they get.
//   - A Document is not safe for concurrent use.
//
// Files: lex.go (tokens), parse.go (objects), document.go (Open, object
// loading, typed helpers), xref.go (tables, streams, /Prev chains),
// repair.go (rebuild by scanning), objstm.go (object streams), stream.go
// (stream extent, filters, StreamData), encrypt.go, pages.go, limits.go,
// errors.go, object.go (the object model).
//
// Imports: the standard library, internal/pdf/filter and internal/pdf/crypt
// only. It must not import anything above it (internal/inspect,
// internal/route, internal/pipeline, internal/record, ...).
package pdf
