package pdf

import "errors"

// The sentinel errors of the reader. Every error returned by this package
// wraps one of them (or a context error), so that the record layer can map
// errors to kinds with errors.Is in one switch.
var (
	// ErrInvalid: not a PDF, or damaged beyond repair.
	ErrInvalid = errors.New("invalid pdf")
	// ErrEncrypted: the document needs a password we do not have.
	ErrEncrypted = errors.New("encrypted")
	// ErrLimit: a limit in Limits was exceeded.
	ErrLimit = errors.New("limit exceeded")
	// ErrUnsupported: a feature this package does not implement.
	ErrUnsupported = errors.New("unsupported")
)
