// Package render renders PDF pages to RGB pixels and extracts their full
// text with PDFium compiled to WebAssembly (go-pdfium's webassembly mode on
// wazero; DESIGN.md decision 2).
//
// It owns a Pool of PDFium instances. PDFium is not thread-safe, so each
// instance serves one document at a time: Pool.Document checks an instance
// out, opens the document on it, runs the caller's function with a *Doc and
// gives the instance back. Instances are retired and replaced lazily:
//   - after Options.MaxDocsPerInstance documents;
//   - when the instance's WebAssembly linear memory passes
//     Options.MaxInstanceMemory (wasm memory only grows, so its current size
//     is its high-water mark; we read it from the wazero module that
//     go-pdfium keeps, see wasmMemory);
//   - when a call ran past Options.CallTimeout or its context ended: the
//     caller gets the error at once and the instance is Killed, which
//     cancels the wazero module's context; the runtime is built
//     WithCloseOnContextDone, so a stuck call really stops. Those
//     termination checks make rendering about 6x slower;
//     Options.Uninterruptible drops them, and a timed-out call then runs
//     on, holding its slot, until it returns (see Options);
//   - when PDFium trapped (an abort, an out-of-bounds access, running out
//     of its 4 GiB address space): its state is no longer trusted.
//
// The compiled module is kept in wazero's on-disk compilation cache
// (Options.CacheDir): compiling PDFium takes seconds, loading it from the
// cache a fraction of a second.
//
// Errors wrap the sentinels of internal/pdf or a context error, so that
// record.KindOf maps them without knowing this package: pdf.ErrInvalid (the
// file cannot be opened or a page cannot be loaded), pdf.ErrEncrypted (a
// password is needed or wrong), pdf.ErrUnsupported (a security handler
// PDFium does not know), pdf.ErrLimit (a render over Options.MaxPixels, a
// bitmap PDFium could not allocate, an instance out of wasm memory),
// context.DeadlineExceeded (Options.CallTimeout) and the caller's context
// error. Nothing here panics: go-pdfium recovers its own panics and calls
// are wrapped once more (safeCall).
//
// Files: options.go (Options), pool.go (Pool, instances, Stats), doc_ops.go
// (Doc: Info, Render, Text), errors.go (error mapping), memory.go (wasm
// memory size).
//
// Imports: go-pdfium, wazero, the standard library and internal/pdf (for
// its sentinel errors only). It must not import the pipeline, server or
// record layers.
package render
