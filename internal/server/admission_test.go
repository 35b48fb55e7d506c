package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// holder holds admitted requests that carry X-Hold until released, so a
// test can fill the request slots without depending on timing.
type holder struct {
	admitted chan struct{}
	release  chan struct{}
}

func newHolder() *holder {
	return &holder{admitted: make(chan struct{}, 64), release: make(chan struct{})}
}

func (h *holder) hook(r *http.Request) {
	if r.Header.Get("X-Hold") != "" {
		h.admitted <- struct{}{}
		<-h.release
	}
}

// send posts a small JSON request from a goroutine; the status (or -1)
// arrives on the returned channel.
func (ts *testServer) send(hold bool, path, body string) <-chan int {
	out := make(chan int, 1)
	req, _ := http.NewRequest("POST", ts.url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if hold {
		req.Header.Set("X-Hold", "1")
	}
	go func() {
		resp, err := ts.client.Do(req)
		if err != nil {
			out <- -1
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		out <- resp.StatusCode
	}()
	return out
}

const oneFile = `{"pdf_paths":["text.pdf"]}`

func TestAdmissionRequestSlots(t *testing.T) {
	h := newHolder()
	ts := start(t, func(s *setup) {
		s.cfg.MaxInflightRequests = 2
		s.hook = h.hook
	})
	a, b := ts.send(true, "/process", oneFile), ts.send(true, "/jobs", oneFile)
	<-h.admitted
	<-h.admitted
	for _, path := range []string{"/process", "/jobs", "/benchmark"} {
		code, hdr, body := ts.do("POST", path, "application/json", strings.NewReader(oneFile))
		if code != http.StatusTooManyRequests || hdr.Get("Retry-After") != "1" {
			t.Fatalf("%s with every slot taken: %d, Retry-After %q: %s", path, code, hdr.Get("Retry-After"), body)
		}
		if e := apiErr(t, body); e.Kind != "overloaded" || !strings.Contains(e.Message, "2 request slots") {
			t.Fatalf("%s: %+v", path, e)
		}
	}
	// Reads are not work: they are served while the slots are full.
	code, body := ts.get("/health")
	if code != 200 || decode[healthResponse](t, body).Queue.RequestsInFlight != 2 {
		t.Fatalf("health while full: %d %s", code, body)
	}
	if got := ts.metric("dataplus_http_requests_in_flight", nil); got != 2 {
		t.Fatalf("requests_in_flight %v, want 2", got)
	}
	close(h.release)
	if ca, cb := <-a, <-b; ca != 200 || cb != 202 {
		t.Fatalf("held requests ended %d and %d", ca, cb)
	}
	if got := ts.metric("dataplus_http_admission_rejections_total", map[string]string{"reason": "requests"}); got != 3 {
		t.Fatalf("rejections %v, want 3", got)
	}
	if code, body := ts.postJSON("/process", oneFile); code != 200 {
		t.Fatalf("after the slots freed: %d %s", code, truncate(body))
	}
}

func TestAdmissionPageBudget(t *testing.T) {
	ts := start(t, func(s *setup) { s.cfg.MaxInflightPages = 100 })
	got, ok := ts.srv.pages.TryAcquire(100)
	if !ok {
		t.Fatal("could not fill the budget")
	}
	code, hdr, body := ts.do("POST", "/process", "application/json", strings.NewReader(oneFile))
	if code != 429 || hdr.Get("Retry-After") == "" || !strings.Contains(apiErr(t, body).Message, "estimated pages") {
		t.Fatalf("with the page budget spent: %d %s", code, body)
	}
	ct, mp := multipartBody(t, map[string][]byte{"t.pdf": fixture(t, "text").Data}, nil)
	if code, _, body := ts.do("POST", "/process", ct, bytes.NewReader(mp)); code != 429 {
		t.Fatalf("upload with the page budget spent: %d %s", code, body)
	}
	ts.srv.pages.Release(got)
	if code, body := ts.postJSON("/process", oneFile); code != 200 {
		t.Fatalf("after release: %d %s", code, truncate(body))
	}
	// A request heavier than the whole budget is clamped, not refused forever.
	if code, body := ts.postJSON("/process", `{"pdf_paths":["."]}`); code != 200 {
		t.Fatalf("request over the whole budget: %d %s", code, truncate(body))
	}
	if ts.srv.pages.Used() != 0 {
		t.Fatalf("%d pages still reserved", ts.srv.pages.Used())
	}
}

// manyPaths names the first data root n times (ts.perDot files each).
func manyPaths(n int) map[string]any {
	paths := make([]string, n)
	for i := range paths {
		paths[i] = "."
	}
	return map[string]any{"pdf_paths": paths}
}

// TestClientCancelStopsWork: a client that goes away mid-request stops
// the pipeline; the request is counted as 499 and most files never run.
func TestClientCancelStopsWork(t *testing.T) {
	ts := start(t, func(s *setup) {
		s.cfg.MaxFilesPerRequest = 10000
		s.pcfg.Workers = 1
	})
	const copies = 60
	total := float64(copies * ts.perDot)
	body := strings.NewReader(`{"pdf_paths":["` + strings.Repeat(`.","`, copies-1) + `."]}`)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", ts.url+"/process", body)
	req.Header.Set("Content-Type", "application/json")
	errc := make(chan error, 1)
	go func() {
		resp, err := ts.client.Do(req)
		if err == nil {
			resp.Body.Close()
			err = errors.New("request finished: " + resp.Status)
		}
		errc <- err
	}()
	waitFor(t, "the pipeline to start", func() bool { return ts.metric("dataplus_pipeline_files_total", nil) > 0 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("client: %v", err)
	}
	waitFor(t, "the handler to return", func() bool {
		return ts.metric("dataplus_http_requests_total", map[string]string{"route": "POST /process", "code": "499"}) == 1
	})
	done := ts.metric("dataplus_pipeline_files_total", nil)
	if done >= total/2 {
		t.Fatalf("%v of %v files ran after the client left", done, total)
	}
	if n := ts.metric("dataplus_pipeline_files_in_flight", nil); n != 0 {
		t.Fatalf("%v files still in flight", n)
	}
	t.Logf("%v of %v files ran before the cancellation took", done, total)
}

// TestRequestTimeout: when the request deadline passes before files are
// done, they get timeout records and the answer (200) still has one record
// per input. The hook holds the work until the deadline has passed.
func TestRequestTimeout(t *testing.T) {
	ts := start(t, func(s *setup) {
		s.cfg.RequestTimeout = 50 * time.Millisecond
		s.run = func(ctx context.Context) { <-ctx.Done() }
	})
	names := []string{"text.pdf", "scanned.pdf", "mixed.pdf"}
	for _, n := range [][]string{names, names[:1]} { // the pipeline's Run, and one File
		code, body := ts.postJSON("/process", map[string]any{"pdf_paths": n})
		if code != 200 {
			t.Fatalf("status %d: %s", code, truncate(body))
		}
		res := decode[processResult](t, body)
		if len(res.Records) != len(n) || res.Performance.ErrorsByKind["timeout"] != len(n) {
			t.Fatalf("%d records, errors %v; want %d timeouts", len(res.Records), res.Performance.ErrorsByKind, len(n))
		}
		for i, r := range res.Records {
			if r.Index != i || r.Path != n[i] || strings.Contains(r.Error.Message, ts.root) {
				t.Fatalf("record %d: index %d path %q message %q", i, r.Index, r.Path, r.Error.Message)
			}
		}
	}
}

// TestSlowBodyTimesOut: a client that stops sending its body loses its
// slot at the request deadline.
func TestSlowBodyTimesOut(t *testing.T) {
	ts := start(t, func(s *setup) { s.cfg.RequestTimeout = 200 * time.Millisecond })
	pr, pw := io.Pipe()
	defer pw.Close()
	req, _ := http.NewRequest("POST", ts.url+"/process", pr)
	req.Header.Set("Content-Type", "application/json")
	go pw.Write([]byte(`{"pdf_paths": [`)) // and nothing more
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusGatewayTimeout || apiErr(t, body).Kind != "timeout" {
		t.Fatalf("stalled body: %d %s", resp.StatusCode, body)
	}
	if ts.srv.requests.InUse() != 0 {
		t.Fatal("the stalled request still holds its slot")
	}
}

func TestShutdownFinishesInFlightWork(t *testing.T) {
	h := newHolder()
	ts := start(t, func(s *setup) { s.hook = h.hook })
	held := ts.send(true, "/process", oneFile)
	<-h.admitted
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- ts.srv.Shutdown(ctx)
	}()
	waitFor(t, "shutdown to begin", ts.srv.shutting.Load)
	// The listener is closed; requests on connections still open (here:
	// straight to the handler) see the shutdown.
	rec := httptest.NewRecorder()
	ts.srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/health", nil))
	if rec.Code != 503 || decode[healthResponse](t, rec.Body.Bytes()).Status != "shutting_down" {
		t.Fatalf("health during shutdown: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/process", strings.NewReader(oneFile))
	req.Header.Set("Content-Type", "application/json")
	ts.srv.Handler().ServeHTTP(rec, req)
	if rec.Code != 503 || apiErr(t, rec.Body.Bytes()).Kind != "shutting_down" {
		t.Fatalf("new work during shutdown: %d %s", rec.Code, rec.Body)
	}
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned (%v) with a request in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(h.release)
	if code := <-held; code != 200 {
		t.Fatalf("in-flight request ended %d", code)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// TestShutdownDeadlineCancelsWork: work still running at the shutdown
// deadline is canceled and Shutdown returns promptly.
func TestShutdownDeadlineCancelsWork(t *testing.T) {
	ts := start(t, func(s *setup) {
		s.cfg.MaxFilesPerRequest = 10000
		s.pcfg.Workers = 1
	})
	res := ts.send(false, "/process", `{"pdf_paths":["`+strings.Repeat(`.","`, 99)+`."]}`)
	waitFor(t, "the pipeline to start", func() bool { return ts.metric("dataplus_pipeline_files_total", nil) > 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	began := time.Now()
	err := ts.srv.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want the deadline", err)
	}
	if el := time.Since(began); el > 5*time.Second {
		t.Fatalf("Shutdown took %s", el)
	}
	<-res
	if n := ts.metric("dataplus_pipeline_files_in_flight", nil); n != 0 {
		t.Fatalf("%v files in flight after Shutdown", n)
	}
}
