package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"dataplus/internal/ingest"
	"dataplus/internal/pipeline"
	"dataplus/internal/record"
)

// processResponse is the answer of POST /process.
type processResponse struct {
	Records        []record.Record `json:"records"`
	Files          int             `json:"files"`
	Pages          int             `json:"pages"`
	FilesPerSecond float64         `json:"files_per_second"`
	Performance    performance     `json:"performance_metrics"`
}

type performance struct {
	ElapsedMS    float64        `json:"elapsed_ms"`
	StageMS      stageTimes     `json:"stage_ms"` // summed over the files
	ErrorsByKind map[string]int `json:"errors_by_kind"`
	Workers      int            `json:"workers"`
}

type stageTimes struct {
	Read  float64 `json:"read"`
	Parse float64 `json:"parse"`
	Scan  float64 `json:"scan"`
	Route float64 `json:"route"`
}

// process is POST /process: a JSON list of paths under the data roots, or
// a multipart upload.
func (s *Server) process(w http.ResponseWriter, r *http.Request) error {
	mt, params, err := mediaType(r)
	if err != nil {
		return err
	}
	switch mt {
	case "application/json":
		return s.processJSON(w, r)
	case "multipart/form-data":
		return s.processUpload(w, r, params["boundary"])
	}
	return errorf(kindUnsupportedMedia, "Content-Type %q: send application/json (pdf_paths) or multipart/form-data (file uploads)", mt)
}

func (s *Server) processJSON(w http.ResponseWriter, r *http.Request) error {
	start := time.Now()
	if len(r.URL.RawQuery) > 0 {
		return errorf(kindBadRequest, "query parameters are for multipart uploads; put options in the JSON body")
	}
	var req processRequest
	if err := s.decodeJSON(w, r, &req, s.cfg.MaxBodyBytes); err != nil {
		return err
	}
	opt, err := s.options(req.ExtractDeepFeatures, req.BatchSize, req.MaxWorkers, req.IncludePages)
	if err != nil {
		return err
	}
	if len(req.PDFPaths) == 0 {
		return errorf(kindBadRequest, "pdf_paths is empty: name at least one file, directory or glob under the data roots")
	}
	ctx, cancel := s.requestContext(r)
	defer cancel()
	files, err := s.expand(ctx, req.PDFPaths)
	if err != nil {
		return err
	}
	var weight int64
	for _, f := range files {
		weight += estimatePages(f.size)
	}
	release, err := s.reservePages(weight)
	if err != nil {
		return err
	}
	defer release()
	recs := s.runFiles(ctx, files, opt)
	return s.respond(w, r, start, recs, opt)
}

// expand resolves a request's paths, refusing more than the per-request
// file limit.
func (s *Server) expand(ctx context.Context, paths []string) ([]inputFile, error) {
	files, more, err := s.roots.expand(ctx, paths, s.cfg.MaxFilesPerRequest)
	if err != nil {
		return nil, err
	}
	if more {
		return nil, errorf(kindTooLarge, "the paths name more than %d files (the per-request limit); split the request or use POST /jobs", s.cfg.MaxFilesPerRequest)
	}
	return files, nil
}

// reservePages takes weight units of the page budget or answers 429.
func (s *Server) reservePages(weight int64) (func(), error) {
	got, ok := s.pages.TryAcquire(weight)
	if !ok {
		s.reject(rejectPages)
		return nil, &Error{Kind: kindOverloaded, Message: fmt.Sprintf("the server is working on its limit of %d estimated pages; retry later", s.cfg.MaxInflightPages), RetryAfter: 1}
	}
	s.m.pagesInFlight.Add(float64(got))
	return func() {
		s.pages.Release(got)
		s.m.pagesInFlight.Sub(float64(got))
	}, nil
}

// processor returns a pipeline processor for the request's options: the
// server's own (with or without features) at its full worker count, or a
// narrower one sharing the server's metrics.
func (s *Server) processor(o options) *pipeline.Processor {
	base := s.proc
	if o.deep {
		base = s.fproc
	}
	if o.workers == s.pcfg.Workers {
		return base
	}
	cfg := base.Config()
	cfg.Workers = o.workers
	return pipeline.NewProcessor(cfg, s.log, s.pmetrics)
}

// runFiles processes files with the pipeline and returns one record per
// file, in order, counting each in the metrics and stats. Files the
// pipeline never started (the deadline passed or the client left) get a
// record with the context's error kind, so the answer still has a record
// for every input; those are not counted as processed.
func (s *Server) runFiles(ctx context.Context, files []inputFile, o options) []record.Record {
	recs := make([]record.Record, len(files))
	done := make([]bool, len(files))
	proc := s.processor(o)
	if s.testHookBeforeRun != nil {
		s.testHookBeforeRun(ctx)
	}
	if len(files) == 1 {
		recs[0], done[0] = proc.File(ctx, ingest.Source{Path: files[0].path, Open: files[0].open}), true
	} else {
		src := make(chan ingest.Source, len(files))
		for i, f := range files {
			src <- ingest.Source{Index: i, Path: f.path, Open: f.open}
		}
		close(src)
		// Run's only errors are ctx's (emit never fails); unstarted
		// files are handled below.
		_ = proc.Run(ctx, src, func(rec record.Record) error {
			recs[rec.Index], done[rec.Index] = rec, true
			return nil
		})
	}
	for i, f := range files {
		rec := &recs[i]
		if done[i] {
			s.tally(rec)
		} else {
			// Not counted as processed: the pipeline never saw it.
			*rec = record.Record{Index: i, Size: f.size, Error: record.NewError(fmt.Errorf("not started: %w", ctx.Err()))}
		}
		// The name the client used, not the server's layout, also inside
		// error messages.
		rec.Path = f.name
		if rec.Error != nil {
			rec.Error.Message = strings.ReplaceAll(rec.Error.Message, f.path, f.name)
		}
	}
	return recs
}

// respond sums the records up and writes the answer. A client that left
// gets nothing (its work was canceled).
func (s *Server) respond(w http.ResponseWriter, r *http.Request, start time.Time, recs []record.Record, opt options) error {
	resp := processResponse{
		Records:     recs,
		Files:       len(recs),
		Performance: performance{ErrorsByKind: map[string]int{}, Workers: opt.workers},
	}
	for i := range recs {
		rec := &recs[i]
		if rec.Route != nil {
			resp.Pages += rec.Route.Pages
		}
		if rec.Error != nil {
			resp.Performance.ErrorsByKind[string(rec.Error.Kind)]++
		}
		t := &resp.Performance.StageMS
		t.Read += rec.Timings.Read
		t.Parse += rec.Timings.Parse
		t.Scan += rec.Timings.Scan
		t.Route += rec.Timings.Route
		if !opt.includePages {
			rec.Pages = nil
		}
	}
	if err := r.Context().Err(); err != nil {
		return err
	}
	el := time.Since(start)
	resp.Performance.ElapsedMS = float64(el.Microseconds()) / 1000
	if el > 0 {
		resp.FilesPerSecond = float64(len(recs)) / el.Seconds()
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// tally counts one record in the metrics and the stats, together.
func (s *Server) tally(rec *record.Record) {
	s.m.files.WithLabelValues(outcome(rec)).Inc()
	if rec.Route != nil {
		s.m.pages.Add(float64(rec.Route.Pages))
	}
	s.st.addRecord(rec)
}

// processUpload streams a multipart body: each file part is read once
// into memory (up to the per-file limit) and handed to a worker, and the
// next part is read only when a worker is free, so at most one file per
// worker is held at once, never the whole body. A part over the per-file limit is
// drained and becomes a too_large record; a non-PDF becomes an
// invalid_pdf record like any other bad file.
func (s *Server) processUpload(w http.ResponseWriter, r *http.Request, boundary string) error {
	start := time.Now()
	opt, err := s.queryOptions(r.URL.Query())
	if err != nil {
		return err
	}
	if boundary == "" {
		return errorf(kindBadRequest, "multipart/form-data without a boundary parameter")
	}
	// The body's size is the best estimate of its pages before reading it;
	// a body of unknown length is charged the largest body allowed.
	size := r.ContentLength
	if size < 0 || size > s.cfg.MaxBodyBytes {
		size = s.cfg.MaxBodyBytes
	}
	release, err := s.reservePages(estimatePages(size))
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := s.requestContext(r)
	defer cancel()
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes), boundary)
	recs, err := s.runUploads(ctx, mr, opt, s.bodyDeadline(w))
	if err != nil {
		return err
	}
	return s.respond(w, r, start, recs, opt)
}

// runUploads reads the parts and processes them; bodyRead is called once
// the body has been read to its end (or abandoned).
func (s *Server) runUploads(ctx context.Context, mr *multipart.Reader, o options, bodyRead func()) ([]record.Record, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var once sync.Once
	defer once.Do(bodyRead)
	proc := s.processor(o)
	var (
		mu   sync.Mutex
		recs []record.Record
		wg   sync.WaitGroup
	)
	add := func(rec record.Record) {
		s.tally(&rec)
		mu.Lock()
		recs = append(recs, rec)
		mu.Unlock()
	}
	fail := func(err error) ([]record.Record, error) {
		cancel()
		wg.Wait()
		return nil, err
	}
	free := make(chan struct{}, o.workers) // a token per busy worker
	n := 0
	for ; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(bodyError(ctx, "multipart body", err))
		}
		name := part.FileName()
		if name == "" {
			return fail(errorf(kindBadRequest, "form field %q is not a file; send files as file parts and options as query parameters", part.FormName()))
		}
		if n >= s.cfg.MaxFilesPerRequest {
			return fail(errorf(kindTooLarge, "more than %d files in one request (the per-request limit); split the upload or use POST /jobs", s.cfg.MaxFilesPerRequest))
		}
		select {
		case free <- struct{}{}:
		case <-ctx.Done():
			return fail(ctx.Err())
		}
		data, size, err := readPart(part, s.pcfg.MaxFileBytes)
		if err != nil {
			<-free
			return fail(bodyError(ctx, "multipart body", err))
		}
		if data == nil {
			<-free
			add(record.Record{Index: n, Path: name, Size: size, Error: record.NewError(
				fmt.Errorf("upload %s is %d bytes, limit %d: %w", name, size, s.pcfg.MaxFileBytes, record.ErrTooLarge))})
			continue
		}
		index := n
		wg.Go(func() {
			defer func() { <-free }()
			add(proc.Bytes(ctx, index, name, data))
		})
	}
	once.Do(bodyRead)
	wg.Wait()
	if n == 0 {
		return nil, errorf(kindBadRequest, "the multipart body holds no file part")
	}
	slices.SortFunc(recs, func(a, b record.Record) int { return a.Index - b.Index })
	return recs, nil
}

// readPart reads a part of at most max bytes into memory. A larger part is
// drained and reported by its size with nil data.
func readPart(part *multipart.Part, max int64) ([]byte, int64, error) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(part, max+1))
	if err != nil {
		return nil, n, err
	}
	if n <= max {
		return buf.Bytes(), n, nil
	}
	rest, err := io.Copy(io.Discard, part)
	return nil, n + rest, err
}
