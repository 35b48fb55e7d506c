package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// processRequest is the JSON body of POST /process and POST /jobs. The
// field names are the ones users already have.
type processRequest struct {
	PDFPaths            []string `json:"pdf_paths"`
	ExtractDeepFeatures bool     `json:"extract_deep_features"`
	BatchSize           int      `json:"batch_size"`
	MaxWorkers          int      `json:"max_workers"`
	IncludePages        *bool    `json:"include_pages"`
}

// options are a request's validated settings.
type options struct {
	workers      int  // effective: the request's max_workers capped at the pipeline's
	includePages bool // effective
	maxWorkers   int  // as requested (0: not given)
	batchSize    int  // as requested (the model's batcher is shared; this is advisory)
	deep         bool // extract_deep_features
}

// maxBatchSize bounds batch_size. Batches are formed by the one batcher
// per model that every request shares, so the value is advisory, but a
// value that could never work is refused.
const maxBatchSize = 1024

// options validates the request's settings against the server's. A
// max_workers above the pipeline's workers is capped to them.
func (s *Server) options(deep bool, batch, workers int, pages *bool) (options, error) {
	if deep && s.fproc == nil {
		return options{}, errorf(kindUnavailable, "deep features are not available on this server: %s; send extract_deep_features=false", s.features.Message)
	}
	if batch < 0 || batch > maxBatchSize {
		return options{}, errorf(kindBadRequest, "batch_size must be between 0 (the default) and %d, got %d", maxBatchSize, batch)
	}
	if workers < 0 {
		return options{}, errorf(kindBadRequest, "max_workers must be 0 (the server's %d) or more, got %d", s.pcfg.Workers, workers)
	}
	o := options{workers: s.pcfg.Workers, includePages: s.cfg.IncludePages, maxWorkers: workers, batchSize: batch, deep: deep}
	if workers > 0 {
		o.workers = min(workers, s.pcfg.Workers)
	}
	if pages != nil {
		o.includePages = *pages
	}
	return o, nil
}

// mediaType returns the request's content type without parameters, and
// the parameters; a missing or unparsable header is 415.
func mediaType(r *http.Request) (string, map[string]string, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return "", nil, errorf(kindUnsupportedMedia, "missing Content-Type: send application/json or multipart/form-data")
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", nil, errorf(kindUnsupportedMedia, "bad Content-Type %q: %v", ct, err)
	}
	return mt, params, nil
}

// decodeJSON reads one JSON object into dst, refusing unknown fields,
// trailing data and bodies over max bytes.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, dst any, max int64) error {
	defer s.bodyDeadline(w)()
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, max))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) || r.Context().Err() != nil {
			return bodyError(r.Context(), "JSON body", err) // too slow, or gone
		}
		return jsonError(err, dst)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return errorf(kindBadRequest, "the body holds more than one JSON value; send a single object")
	}
	return nil
}

// jsonError turns a decoding error into a message that says what to fix.
func jsonError(err error, dst any) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
	)
	switch {
	case errors.As(err, &mbe):
		return err // 413, by asError
	case errors.Is(err, io.EOF):
		return errorf(kindBadRequest, "empty body: send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errorf(kindBadRequest, "malformed JSON: the body ends in the middle of a value")
	case errors.As(err, &syn):
		return errorf(kindBadRequest, "malformed JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	case errors.As(err, &typ):
		if typ.Field == "" {
			return errorf(kindBadRequest, "the body must be a JSON object, not %s", typ.Value)
		}
		return errorf(kindBadRequest, "field %q must be %s, not %s", typ.Field, jsonType(typ.Type.String()), typ.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return errorf(kindBadRequest, "unknown field %s; known fields: %s", name, strings.Join(jsonFields(dst), ", "))
	}
	return &Error{Kind: kindBadRequest, Message: "malformed JSON: " + strings.TrimPrefix(err.Error(), "json: "), Cause: err}
}

func jsonType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.Contains(goType, "int"):
		return "an integer"
	case goType == "string":
		return "a string"
	case goType == "bool", goType == "*bool":
		return "true or false"
	}
	return goType
}

// jsonFields lists the JSON names of a request struct, for messages.
func jsonFields(dst any) []string {
	switch dst.(type) {
	case *processRequest:
		return []string{"pdf_paths", "extract_deep_features", "batch_size", "max_workers", "include_pages"}
	case *benchRequest:
		return []string{"config", "files", "max_files", "workers"}
	}
	return nil
}

// queryOptions reads the options of a multipart request from the query
// string; unknown parameters are refused like unknown JSON fields.
func (s *Server) queryOptions(q url.Values) (options, error) {
	var (
		deep           bool
		batch, workers int
		pages          *bool
	)
	for k, vs := range q {
		v := vs[len(vs)-1]
		var err error
		switch k {
		case "extract_deep_features":
			deep, err = strconv.ParseBool(v)
		case "batch_size":
			batch, err = strconv.Atoi(v)
		case "max_workers":
			workers, err = strconv.Atoi(v)
		case "include_pages":
			var b bool
			b, err = strconv.ParseBool(v)
			pages = &b
		default:
			return options{}, errorf(kindBadRequest, "unknown query parameter %q; known: extract_deep_features, batch_size, max_workers, include_pages", k)
		}
		if err != nil {
			return options{}, errorf(kindBadRequest, "query parameter %s=%q: want %s", k, v, map[bool]string{true: "true or false", false: "an integer"}[k == "extract_deep_features" || k == "include_pages"])
		}
	}
	return s.options(deep, batch, workers, pages)
}

// bodyError classifies an error met while reading a request body: the
// client leaving, the size limit, or a malformed body.
func bodyError(ctx context.Context, what string, err error) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.Is(err, os.ErrDeadlineExceeded):
		// Checked before the context: net/http cancels the request's
		// context when a body read fails, but this client is slow, not gone.
		return &Error{Kind: kindTimeout, Message: fmt.Sprintf("the %s did not arrive within the request timeout", what), Cause: err}
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return &Error{Kind: kindBadRequest, Message: fmt.Sprintf("malformed %s: %v", what, err), Cause: err}
}
