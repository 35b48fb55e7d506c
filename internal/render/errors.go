package render

import (
	"errors"
	"fmt"
	"strings"

	pdfiumerrors "github.com/klippa-app/go-pdfium/errors"
	"github.com/tetratelabs/wazero/sys"

	"dataplus/internal/pdf"
)

// errPanic marks a panic recovered from a go-pdfium call. It maps to the
// internal kind: it is a bug somewhere, not a property of the file.
var errPanic = errors.New("panic in pdfium call")

// wasmMemoryMax is the WebAssembly 32-bit address space: 65536 pages of
// 64 KiB. An instance that trapped with its memory near this size ran out
// of memory.
const wasmMemoryMax = 1 << 32

// oomMargin: a trap with less than this much address space left is treated
// as out of memory (PDFium aborts when an allocation fails; the failed
// request is often far bigger than what was left).
const oomMargin = 512 << 20

// trapped reports whether err came from the WebAssembly runtime rather
// than from PDFium's API: a trap (abort, unreachable, out-of-bounds
// access), a closed module or a panic. After such an error the instance's
// state is not trusted. wazero returns traps as errors whose text starts
// with "wasm error:" followed by a stack trace; there is no exported type
// to match, hence the string test.
func trapped(err error) bool {
	var exit *sys.ExitError
	if errors.As(err, &exit) || errors.Is(err, errPanic) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "wasm error") || strings.Contains(s, "wasm stack trace") ||
		strings.Contains(s, "panic occurred in") || strings.Contains(s, "instance is closed")
}

// mapError turns an error from go-pdfium into one that wraps the project's
// sentinels. mem is the instance's wasm memory size (0 if unknown); it
// decides whether a trap was an out-of-memory.
func mapError(err error, mem int64) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pdf.ErrInvalid), errors.Is(err, pdf.ErrEncrypted),
		errors.Is(err, pdf.ErrLimit), errors.Is(err, pdf.ErrUnsupported),
		errors.Is(err, errPanic):
		return err // already ours
	case errors.Is(err, pdfiumerrors.ErrPassword):
		return fmt.Errorf("%w: password required or wrong (pdfium: %v)", pdf.ErrEncrypted, err)
	case errors.Is(err, pdfiumerrors.ErrSecurity):
		return fmt.Errorf("%w: security handler (pdfium: %v)", pdf.ErrUnsupported, err)
	case errors.Is(err, pdfiumerrors.ErrFormat), errors.Is(err, pdfiumerrors.ErrFile),
		errors.Is(err, pdfiumerrors.ErrUnknown), errors.Is(err, pdfiumerrors.ErrPage),
		errors.Is(err, pdfiumerrors.ErrUnexpected):
		return fmt.Errorf("%w (pdfium: %v)", pdf.ErrInvalid, err)
	case trapped(err):
		msg := firstLine(err.Error())
		if mem >= wasmMemoryMax-oomMargin {
			return fmt.Errorf("%w: pdfium ran out of wasm memory (%s): %s", pdf.ErrLimit, formatBytes(mem), msg)
		}
		// PDFium aborted on this document: treat it as damaged.
		return fmt.Errorf("%w: pdfium crashed: %s", pdf.ErrInvalid, msg)
	default:
		return err
	}
}

// firstLine cuts wazero's multi-line stack traces from an error text.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}
