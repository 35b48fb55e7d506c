package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Modes of POST /process.
const (
	modePaths  = "paths"  // JSON {"pdf_paths": [...]} relative to the server's data root
	modeUpload = "upload" // multipart/form-data with the PDFs' bytes
)

// workload builds the requests: request i carries files i*k .. i*k+k-1 of
// the list (cycling), so every file is sent in turn.
type workload struct {
	mode     string
	files    []string // relative to dir, slash-separated
	data     [][]byte // upload mode: the files' bytes, read once
	prefix   string   // paths mode: prepended to each relative path
	perReq   int
	deep     bool
	noPages  bool
	batch    int
	workers  int
	procPath string // "/process"
}

// listPDFs returns the *.pdf files under dir (recursively), sorted, as
// slash-separated paths relative to dir.
func listPDFs(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.EqualFold(filepath.Ext(p), ".pdf") {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("list %s: no *.pdf files", dir)
	}
	slices.Sort(files)
	return files, nil
}

func (w *workload) load(dir string) error {
	if w.mode != modeUpload {
		return nil
	}
	w.data = make([][]byte, len(w.files))
	for i, f := range w.files {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			return fmt.Errorf("read upload: %w", err)
		}
		w.data[i] = b
	}
	return nil
}

// processBody is the JSON form of POST /process (the field names users
// already have).
type processBody struct {
	PDFPaths            []string `json:"pdf_paths"`
	ExtractDeepFeatures bool     `json:"extract_deep_features"`
	BatchSize           int      `json:"batch_size,omitempty"`
	MaxWorkers          int      `json:"max_workers,omitempty"`
	IncludePages        *bool    `json:"include_pages,omitempty"`
}

// request builds request number i.
func (w *workload) request(ctx context.Context, base string, i int64) (*http.Request, int, error) {
	idx := make([]int, w.perReq)
	for j := range idx {
		idx[j] = int((i*int64(w.perReq) + int64(j)) % int64(len(w.files)))
	}
	if w.mode == modeUpload {
		return w.upload(ctx, base, idx)
	}
	body := processBody{ExtractDeepFeatures: w.deep, BatchSize: w.batch, MaxWorkers: w.workers}
	if w.noPages {
		body.IncludePages = new(bool)
	}
	for _, j := range idx {
		body.PDFPaths = append(body.PDFPaths, path.Join(w.prefix, w.files[j]))
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+w.procPath, bytes.NewReader(b))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, len(idx), nil
}

func (w *workload) upload(ctx context.Context, base string, idx []int) (*http.Request, int, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, j := range idx {
		part, err := mw.CreateFormFile("file", path.Base(w.files[j]))
		if err != nil {
			return nil, 0, err
		}
		if _, err := part.Write(w.data[j]); err != nil {
			return nil, 0, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, 0, err
	}
	q := url.Values{}
	if w.deep {
		q.Set("extract_deep_features", "true")
	}
	if w.noPages {
		q.Set("include_pages", "false")
	}
	if w.batch > 0 {
		q.Set("batch_size", strconv.Itoa(w.batch))
	}
	if w.workers > 0 {
		q.Set("max_workers", strconv.Itoa(w.workers))
	}
	u := base + w.procPath
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, &buf)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req, len(idx), nil
}

// result is one request's outcome.
type result struct {
	latency    time.Duration // from the intended start (open loop) or the send (closed loop)
	status     int           // 0 on a transport error
	sent       int           // files in the request
	files      int           // files answered (records)
	pages      int
	recordErrs map[string]int // error kinds inside a 200's records
	errKind    string         // the error body's kind on a non-200
	transport  string         // the transport error, if any
	retryAfter time.Duration
	short      bool // a 200 with fewer records than files sent
}

// processResponse is the part of POST /process's answer the load test
// reads; the records' other fields are skipped.
type processResponse struct {
	Records []struct {
		Error *struct {
			Kind string `json:"kind"`
		} `json:"error"`
	} `json:"records"`
	Files int `json:"files"`
	Pages int `json:"pages"`
}

type errorResponse struct {
	Error struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
	} `json:"error"`
}

// do sends one request and reads the whole answer.
func do(client *http.Client, req *http.Request, sent int, token string, began time.Time) result {
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res := result{sent: sent}
	resp, err := client.Do(req)
	if err != nil {
		res.latency = time.Since(began)
		res.transport = transportKind(err)
		return res
	}
	defer resp.Body.Close()
	res.status = resp.StatusCode
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
		res.retryAfter = time.Duration(s) * time.Second
	}
	// Decode from the stream: no copy of the body, one pass over it (the
	// load generator shares the CPUs with the server it measures). The
	// rest is drained so the connection is reused.
	var pr processResponse
	var e errorResponse
	target := any(&pr)
	if resp.StatusCode != http.StatusOK {
		target = &e
	}
	derr := json.NewDecoder(resp.Body).Decode(target)
	_, cerr := io.Copy(io.Discard, resp.Body)
	res.latency = time.Since(began)
	if cerr != nil {
		res.transport = transportKind(cerr)
		return res
	}
	if resp.StatusCode != http.StatusOK {
		res.errKind = e.Error.Kind
		if derr != nil || res.errKind == "" {
			res.errKind = "non_json_error_body"
		}
		return res
	}
	switch {
	case derr == nil:
	case errors.Is(derr, io.EOF):
		res.errKind, res.short = "empty_response", true
		return res
	case errors.Is(derr, io.ErrUnexpectedEOF):
		res.transport = "truncated_body"
		return res
	case isSyntax(derr):
		res.errKind, res.short = "bad_response_json", true
		return res
	default:
		res.transport = transportKind(derr) // the connection failed mid-body
		return res
	}
	res.files = len(pr.Records)
	res.pages = pr.Pages
	res.short = len(pr.Records) != sent
	for _, r := range pr.Records {
		if r.Error != nil && r.Error.Kind != "" {
			if res.recordErrs == nil {
				res.recordErrs = map[string]int{}
			}
			res.recordErrs[r.Error.Kind]++
		}
	}
	return res
}

func isSyntax(err error) bool {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	return errors.As(err, &se) || errors.As(err, &te)
}

// transportKind names a transport error briefly (timeouts, resets, refused
// connections), keeping the message out of the counts' keys.
func transportKind(err error) string {
	var ne interface{ Timeout() bool }
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, errNotLoopback):
		return "not_loopback"
	}
	msg := err.Error()
	for _, k := range []string{"connection refused", "connection reset", "broken pipe", "EOF"} {
		if strings.Contains(msg, k) {
			return strings.ReplaceAll(k, " ", "_")
		}
	}
	return "other"
}

// runner drives the load: clients goroutines, each sending one request at
// a time (closed loop), or taking the next intended start time from a
// schedule (open loop, --rate), so that a slow server shows as latency
// measured from when the request should have gone out (no coordinated
// omission).
type runner struct {
	client   *http.Client
	base     string
	w        *workload
	clients  int
	requests int64         // 0: no limit
	duration time.Duration // issuing stops after it
	rate     float64       // requests/s; 0: closed loop
	backoff  time.Duration // closed loop: the longest wait on a 429's Retry-After
	token    string
	collect  func(result)
}

// run issues requests until the budget or the duration runs out (or ctx
// ends) and waits for the ones in flight. It returns the wall time from
// the first send to the last answer.
func (r *runner) run(ctx context.Context) time.Duration {
	issueCtx, stop := context.WithTimeout(ctx, r.duration)
	defer stop()
	var next atomic.Int64 // request numbers handed out
	take := func() (int64, bool) {
		n := next.Add(1) - 1
		return n, r.requests == 0 || n < r.requests
	}
	start := time.Now()
	var wg sync.WaitGroup
	if r.rate > 0 {
		sched := make(chan time.Time)
		wg.Go(func() {
			defer close(sched)
			interval := time.Duration(float64(time.Second) / r.rate)
			for i := 0; ; i++ {
				at := start.Add(time.Duration(i) * interval)
				if r.requests > 0 && int64(i) >= r.requests {
					return
				}
				t := time.NewTimer(time.Until(at))
				select {
				case <-issueCtx.Done():
					t.Stop()
					return
				case <-t.C:
				}
				select {
				case sched <- at:
				case <-issueCtx.Done():
					return
				}
			}
		})
		for range r.clients {
			wg.Go(func() {
				for at := range sched {
					n, _ := take()
					r.one(ctx, n, at)
				}
			})
		}
	} else {
		for range r.clients {
			wg.Go(func() {
				for issueCtx.Err() == nil {
					n, ok := take()
					if !ok {
						return
					}
					res := r.one(ctx, n, time.Now())
					if res.status == http.StatusTooManyRequests && r.backoff > 0 {
						wait := min(max(res.retryAfter, 10*time.Millisecond), r.backoff)
						select {
						case <-time.After(wait):
						case <-issueCtx.Done():
						}
					}
				}
			})
		}
	}
	wg.Wait()
	return time.Since(start)
}

func (r *runner) one(ctx context.Context, n int64, began time.Time) result {
	req, sent, err := r.w.request(ctx, r.base, n)
	if err != nil {
		res := result{transport: "build_request: " + err.Error()}
		r.collect(res)
		return res
	}
	res := do(r.client, req, sent, r.token, began)
	r.collect(res)
	return res
}
