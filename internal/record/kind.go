package record

import (
	"context"
	"errors"

	"dataplus/internal/pdf"
)

// Kind is a stable, machine-readable error class. Its values never change
// meaning; dashboards and clients key on them.
type Kind string

// The error kinds, as listed in DESIGN.md.
const (
	KindInvalidPDF         Kind = "invalid_pdf"         // not a PDF, or damaged beyond repair
	KindEncrypted          Kind = "encrypted"           // needs a password we were not given
	KindTooLarge           Kind = "too_large"           // over a size, count or work limit
	KindTimeout            Kind = "timeout"             // the per-file or per-request deadline passed
	KindUnsupported        Kind = "unsupported"         // uses a feature dataplus does not implement
	KindCanceled           Kind = "canceled"            // the caller went away (Ctrl-C, client disconnect)
	KindOverloaded         Kind = "overloaded"          // admission control refused the work
	KindBackendUnavailable Kind = "backend_unavailable" // a needed engine or model is missing
	KindNotFound           Kind = "not_found"           // the input path does not exist or cannot be read
	KindInternal           Kind = "internal"            // a bug in dataplus
)

// Kinds lists every kind, for metrics that want a zero series per kind.
var Kinds = []Kind{
	KindInvalidPDF, KindEncrypted, KindTooLarge, KindTimeout, KindUnsupported,
	KindCanceled, KindOverloaded, KindBackendUnavailable, KindNotFound, KindInternal,
}

// Sentinel errors for conditions found outside the PDF reader.
var (
	ErrNotFound    = errors.New("file not found or unreadable")
	ErrTooLarge    = errors.New("file larger than the configured limit")
	ErrOverloaded  = errors.New("overloaded")
	ErrUnavailable = errors.New("backend unavailable")
	ErrInternal    = errors.New("internal error")
)

// KindOf maps an error to its kind. This is the one switch in dataplus that
// decides kinds; everything else asks it.
func KindOf(err error) Kind {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.DeadlineExceeded):
		return KindTimeout
	case errors.Is(err, context.Canceled):
		return KindCanceled
	case errors.Is(err, pdf.ErrEncrypted):
		return KindEncrypted
	case errors.Is(err, pdf.ErrLimit), errors.Is(err, ErrTooLarge):
		return KindTooLarge
	case errors.Is(err, pdf.ErrUnsupported):
		return KindUnsupported
	case errors.Is(err, pdf.ErrInvalid):
		return KindInvalidPDF
	case errors.Is(err, ErrNotFound):
		return KindNotFound
	case errors.Is(err, ErrOverloaded):
		return KindOverloaded
	case errors.Is(err, ErrUnavailable):
		return KindBackendUnavailable
	default:
		return KindInternal
	}
}
