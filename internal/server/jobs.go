package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"dataplus/internal/ingest"
	"dataplus/internal/jobs"
	"dataplus/internal/record"
)

// tallying is the processor the job manager gets: the pipeline's, with
// every record also counted in the server's metrics and stats, and data-root
// files opened through their root's os.Root as in sync requests (the job
// store keeps plain paths, and a job may run long after its paths were
// checked). Spooled uploads lie outside the data roots and open as usual.
type tallying struct {
	proc jobs.Processor
	s    *Server
}

func (t tallying) File(ctx context.Context, src ingest.Source) record.Record {
	if src.Open == nil && t.s.roots.withinReal(src.Path) {
		src.Open = t.s.roots.opener(src.Path)
	}
	proc := t.proc
	if deep, _ := jobs.OptionsOf(ctx)[optDeep].(bool); deep {
		if t.s.fproc == nil {
			// The job was accepted by a server that had features; this
			// one (after a restart) has not.
			rec := record.Record{Index: src.Index, Path: src.Path, Error: record.NewError(fmt.Errorf(
				"deep features are not available on this server: %s: %w", t.s.features.Message, record.ErrUnavailable))}
			t.s.tally(&rec)
			return rec
		}
		proc = t.s.fproc
	}
	rec := proc.File(ctx, src)
	t.s.tally(&rec)
	return rec
}

// optDeep is the job option that asks for deep features.
const optDeep = "extract_deep_features"

// jobError maps the job manager's errors.
func jobError(id string, err error) error {
	switch {
	case errors.Is(err, jobs.ErrNotFound):
		return errorf(kindNotFound, "no job %q (finished jobs are kept for the retention period)", id)
	case errors.Is(err, jobs.ErrClosed):
		return errorf(kindShuttingDown, "the job store is closed: the server is shutting down")
	}
	return err
}

func (s *Server) needJobs() error {
	if s.jobs == nil {
		return errorf(kindUnavailable, "this server runs without a job store")
	}
	return nil
}

// submitJob is POST /jobs: the same bodies as POST /process. It answers
// 202 once the job is persisted; the work happens in the background.
func (s *Server) submitJob(w http.ResponseWriter, r *http.Request) error {
	if err := s.needJobs(); err != nil {
		return err
	}
	if s.jobs.Counts()[jobs.StateQueued] >= s.cfg.MaxQueuedJobs {
		s.reject(rejectJobs)
		return &Error{Kind: kindOverloaded, Message: fmt.Sprintf("%d jobs are already queued (the limit); retry later", s.cfg.MaxQueuedJobs), RetryAfter: 5}
	}
	mt, params, err := mediaType(r)
	if err != nil {
		return err
	}
	ctx, cancel := s.requestContext(r)
	defer cancel()
	var (
		inputs []jobs.Input
		opts   map[string]any
	)
	switch mt {
	case "application/json":
		inputs, opts, err = s.jobInputsJSON(ctx, w, r)
	case "multipart/form-data":
		inputs, opts, err = s.jobInputsUpload(ctx, w, r, params["boundary"])
	default:
		err = errorf(kindUnsupportedMedia, "Content-Type %q: send application/json (pdf_paths) or multipart/form-data (file uploads)", mt)
	}
	if err != nil {
		return err
	}
	job, err := s.jobs.SubmitWith(inputs, opts)
	if err != nil {
		s.discardSpooled(inputs, mt)
		return jobError("", err)
	}
	w.Header().Set("Location", "/jobs/"+job.ID)
	writeJSON(w, http.StatusAccepted, job)
	return nil
}

// jobOptions are the options stored with a job. include_pages is applied
// when the results are read; jobs run with the job manager's workers, so
// max_workers (and batch_size, which has no effect yet) are only recorded.
func jobOptions(o options) map[string]any {
	opts := map[string]any{"include_pages": o.includePages}
	if o.deep {
		opts[optDeep] = true
	}
	if o.maxWorkers > 0 {
		opts["max_workers"] = o.maxWorkers
	}
	if o.batchSize > 0 {
		opts["batch_size"] = o.batchSize
	}
	return opts
}

func (s *Server) jobInputsJSON(ctx context.Context, w http.ResponseWriter, r *http.Request) ([]jobs.Input, map[string]any, error) {
	if len(r.URL.RawQuery) > 0 {
		return nil, nil, errorf(kindBadRequest, "query parameters are for multipart uploads; put options in the JSON body")
	}
	var req processRequest
	if err := s.decodeJSON(w, r, &req, s.cfg.MaxBodyBytes); err != nil {
		return nil, nil, err
	}
	o, err := s.options(req.ExtractDeepFeatures, req.BatchSize, req.MaxWorkers, req.IncludePages)
	if err != nil {
		return nil, nil, err
	}
	if len(req.PDFPaths) == 0 {
		return nil, nil, errorf(kindBadRequest, "pdf_paths is empty: name at least one file, directory or glob under the data roots")
	}
	files, err := s.expand(ctx, req.PDFPaths)
	if err != nil {
		return nil, nil, err
	}
	inputs := make([]jobs.Input, len(files))
	for i, f := range files {
		inputs[i] = jobs.Input{Name: f.name, Path: f.path}
	}
	return inputs, jobOptions(o), nil
}

// jobInputsUpload spools every file part into the job store, streaming:
// nothing of the body is held in memory beyond a copy buffer. Files over
// the per-file limit are still spooled (the body limit bounds them) and
// get their too_large record from the pipeline, as on the sync path.
func (s *Server) jobInputsUpload(ctx context.Context, w http.ResponseWriter, r *http.Request, boundary string) (inputs []jobs.Input, _ map[string]any, err error) {
	o, err := s.queryOptions(r.URL.Query())
	if err != nil {
		return nil, nil, err
	}
	if boundary == "" {
		return nil, nil, errorf(kindBadRequest, "multipart/form-data without a boundary parameter")
	}
	defer func() {
		if err != nil {
			s.discardSpooled(inputs, "multipart/form-data")
		}
	}()
	defer s.bodyDeadline(w)()
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes), boundary)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return inputs, nil, bodyError(ctx, "multipart body", err)
		}
		name := part.FileName()
		if name == "" {
			return inputs, nil, errorf(kindBadRequest, "form field %q is not a file; send files as file parts and options as query parameters", part.FormName())
		}
		if len(inputs) >= s.cfg.MaxFilesPerRequest {
			return inputs, nil, errorf(kindTooLarge, "more than %d files in one request (the per-request limit); split the upload", s.cfg.MaxFilesPerRequest)
		}
		in, err := s.jobs.SpoolUpload(name, part, s.cfg.MaxBodyBytes)
		if err != nil {
			return inputs, nil, bodyError(ctx, "upload "+name, err)
		}
		inputs = append(inputs, in)
	}
	if len(inputs) == 0 {
		return nil, nil, errorf(kindBadRequest, "the multipart body holds no file part")
	}
	return inputs, jobOptions(o), nil
}

// discardSpooled removes uploads spooled for a job that was never
// submitted. Data-root files are never touched.
func (s *Server) discardSpooled(inputs []jobs.Input, mt string) {
	if mt != "multipart/form-data" {
		return
	}
	for _, in := range inputs {
		if err := s.jobs.DiscardUpload(in); err != nil {
			s.log.Warn("could not remove a spooled upload", "doc", in.Name, "err", err)
		}
	}
}

type jobList struct {
	Jobs []jobs.Job `json:"jobs"`
}

// listJobs is GET /jobs?limit=N: the most recent jobs first.
func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) error {
	if err := s.needJobs(); err != nil {
		return err
	}
	limit := 50
	for k, v := range r.URL.Query() {
		if k != "limit" {
			return errorf(kindBadRequest, "unknown query parameter %q; known: limit", k)
		}
		n, err := strconv.Atoi(v[len(v)-1])
		if err != nil || n < 1 || n > 1000 {
			return errorf(kindBadRequest, "limit must be an integer from 1 to 1000, got %q", v[len(v)-1])
		}
		limit = n
	}
	list, err := s.jobs.List(limit)
	if err != nil {
		return err
	}
	if list == nil {
		list = []jobs.Job{}
	}
	writeJSON(w, http.StatusOK, jobList{Jobs: list})
	return nil
}

// getJob is GET /jobs/{id}: state and progress.
func (s *Server) getJob(w http.ResponseWriter, r *http.Request) error {
	return s.answerJob(w, r, (*jobs.Manager).Get)
}

// cancelJob is DELETE /jobs/{id}: running work stops, finished records
// stay readable.
func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request) error {
	return s.answerJob(w, r, (*jobs.Manager).Cancel)
}

// answerJob applies op to the job the path names and answers with it.
func (s *Server) answerJob(w http.ResponseWriter, r *http.Request, op func(*jobs.Manager, string) (jobs.Job, error)) error {
	if err := s.needJobs(); err != nil {
		return err
	}
	id := r.PathValue("id")
	job, err := op(s.jobs, id)
	if err != nil {
		return jobError(id, err)
	}
	writeJSON(w, http.StatusOK, job)
	return nil
}

// jobResults is GET /jobs/{id}/results: the records finished so far, in
// input order, as JSON Lines. include_pages=false drops the per-page part.
func (s *Server) jobResults(w http.ResponseWriter, r *http.Request) error {
	if err := s.needJobs(); err != nil {
		return err
	}
	id := r.PathValue("id")
	job, err := s.jobs.Get(id)
	if err != nil {
		return jobError(id, err)
	}
	includePages := true
	if b, ok := job.Options["include_pages"].(bool); ok {
		includePages = b
	}
	for k, v := range r.URL.Query() {
		if k != "include_pages" {
			return errorf(kindBadRequest, "unknown query parameter %q; known: include_pages", k)
		}
		b, err := strconv.ParseBool(v[len(v)-1])
		if err != nil {
			return errorf(kindBadRequest, "include_pages must be true or false, got %q", v[len(v)-1])
		}
		includePages = b
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	rc := http.NewResponseController(w)
	lastFlush, wrote := time.Now(), false
	err = s.jobs.Results(r.Context(), id, func(line []byte) error {
		if !includePages {
			var err error
			if line, err = dropPages(line); err != nil {
				return err
			}
		}
		wrote = true
		if _, err := w.Write(line); err != nil {
			return err
		}
		if line[len(line)-1] != '\n' {
			if _, err := w.Write([]byte{'\n'}); err != nil {
				return err
			}
		}
		if time.Since(lastFlush) > 100*time.Millisecond {
			lastFlush = time.Now()
			return rc.Flush()
		}
		return nil
	})
	if err != nil {
		return jobError(id, err)
	}
	if !wrote {
		w.WriteHeader(http.StatusOK) // a job with no finished record yet
	}
	return nil
}

// dropPages removes "pages" from one stored record.
func dropPages(line []byte) ([]byte, error) {
	var rec record.Record
	if err := json.Unmarshal(line, &rec); err != nil {
		return nil, fmt.Errorf("decode stored record: %w", err)
	}
	rec.Pages = nil
	out, err := json.Marshal(&rec)
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
