package record

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"dataplus/internal/pdf"
)

func TestKindOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Kind
	}{
		{"nil", nil, ""},
		{"deadline", fmt.Errorf("open pdf: %w", context.DeadlineExceeded), KindTimeout},
		{"cancel", context.Canceled, KindCanceled},
		{"encrypted", fmt.Errorf("stream 4: %w", pdf.ErrEncrypted), KindEncrypted},
		{"reader limit", fmt.Errorf("xref: %w", pdf.ErrLimit), KindTooLarge},
		{"file too large", fmt.Errorf("a.pdf: %w", ErrTooLarge), KindTooLarge},
		{"unsupported", fmt.Errorf("filter: %w", pdf.ErrUnsupported), KindUnsupported},
		{"invalid", fmt.Errorf("header: %w", pdf.ErrInvalid), KindInvalidPDF},
		{"missing file", fmt.Errorf("open: %w: %w", ErrNotFound, fs.ErrNotExist), KindNotFound},
		{"overloaded", ErrOverloaded, KindOverloaded},
		{"backend", ErrUnavailable, KindBackendUnavailable},
		{"anything else is a bug", errors.New("nil map"), KindInternal},
		// A deadline that interrupts a limit check is still a timeout:
		// the user's remedy is the deadline, not the file.
		{"timeout wins", fmt.Errorf("%w: %w", pdf.ErrLimit, context.DeadlineExceeded), KindTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := KindOf(tc.err); got != tc.want {
				t.Fatalf("KindOf(%v) = %q, want %q", tc.err, got, tc.want)
			}
		})
	}
}

func TestKindsAreListed(t *testing.T) {
	seen := map[Kind]bool{}
	for _, k := range Kinds {
		if seen[k] {
			t.Fatalf("%s listed twice", k)
		}
		seen[k] = true
	}
	for _, k := range []Kind{KindInvalidPDF, KindEncrypted, KindTooLarge, KindTimeout, KindUnsupported, KindCanceled, KindOverloaded, KindBackendUnavailable, KindNotFound, KindInternal} {
		if !seen[k] {
			t.Fatalf("%s missing from Kinds", k)
		}
	}
}
