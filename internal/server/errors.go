package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"dataplus/internal/record"
)

// Kinds the HTTP layer adds to record.Kind for conditions that only exist
// at this layer. Together with record's kinds they are the "kind" of every
// error body, and a bounded metric label.
const (
	kindBadRequest       = "bad_request"
	kindUnauthorized     = "unauthorized"
	kindForbidden        = "forbidden"
	kindMethodNotAllowed = "method_not_allowed"
	kindUnsupportedMedia = "unsupported_media_type"
	kindShuttingDown     = "shutting_down"
	kindNotFound         = string(record.KindNotFound)
	kindTooLarge         = string(record.KindTooLarge)
	kindOverloaded       = string(record.KindOverloaded)
	kindUnavailable      = string(record.KindBackendUnavailable)
	kindTimeout          = string(record.KindTimeout)
	kindCanceled         = string(record.KindCanceled)
	kindInternal         = string(record.KindInternal)
)

// statusClientClosed is nginx's code for a client that went away before
// the answer; nobody receives it, but metrics and logs tell it apart.
const statusClientClosed = 499

// status is the one place that maps an error kind to an HTTP status.
func status(kind string) int {
	switch kind {
	case kindBadRequest:
		return http.StatusBadRequest
	case kindUnauthorized:
		return http.StatusUnauthorized
	case kindForbidden:
		return http.StatusForbidden
	case kindNotFound:
		return http.StatusNotFound
	case kindMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case kindTooLarge:
		return http.StatusRequestEntityTooLarge
	case kindUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case kindUnavailable, string(record.KindInvalidPDF), string(record.KindEncrypted), string(record.KindUnsupported):
		return http.StatusUnprocessableEntity
	case kindOverloaded:
		return http.StatusTooManyRequests
	case kindShuttingDown:
		return http.StatusServiceUnavailable
	case kindTimeout:
		return http.StatusGatewayTimeout
	case kindCanceled:
		return statusClientClosed
	default:
		return http.StatusInternalServerError
	}
}

// Error is an error a handler returns: Kind and Message go to the client,
// Cause only to the log (after Gotenberg's api.HttpError). Handlers return
// errors; only writeError turns them into responses.
type Error struct {
	Kind    string
	Message string
	Cause   error
	// RetryAfter, when positive, is sent as the Retry-After header (whole
	// seconds, at least 1).
	RetryAfter int
	// Allow lists methods for a 405.
	Allow string
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Kind + ": " + e.Message + ": " + e.Cause.Error()
	}
	return e.Kind + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

func errorf(kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// asError turns any error into an *Error. Errors that are not already one
// are classified by record.KindOf; their text is only shown to the client
// when it is not a bug.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &Error{Kind: kindTooLarge, Message: fmt.Sprintf("request body is larger than the limit of %d bytes", mbe.Limit), Cause: err}
	}
	kind := string(record.KindOf(err))
	msg := err.Error()
	switch kind {
	case kindInternal:
		msg = "internal error; the server log has the details"
	case kindTimeout:
		msg = "the request deadline passed"
	case kindCanceled:
		msg = "the request was canceled"
	}
	return &Error{Kind: kind, Message: msg, Cause: err}
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// writeError answers with the JSON error body. Server faults are logged
// here, once; client mistakes at debug level.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := asError(err)
	code := status(e.Kind)
	attrs := []any{"method", r.Method, "path", r.URL.Path, "status", code, "kind", e.Kind, "message", e.Message}
	if e.Cause != nil {
		attrs = append(attrs, "err", e.Cause)
	}
	if code >= 500 && code != statusClientClosed {
		log.Error("request failed", attrs...)
	} else {
		log.Debug("request refused", attrs...)
	}
	h := w.Header()
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	if e.Allow != "" {
		h.Set("Allow", e.Allow)
	}
	if code == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="dataplus"`)
	}
	writeJSON(w, code, errorBody{Error: errorDetail{Kind: e.Kind, Message: e.Message}})
}

// writeJSON writes v with the status code. Encoding errors after the
// header is out can only mean the client went away.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
