package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv("LOADTEST_FAKE_SERVE") == "1" {
		os.Exit(fakeServe(os.Args[1:])) // the test binary playing dataplus serve (TestSpawnedServer)
	}
	goleak.VerifyTestMain(m)
}

// fakeServe is a stand-in for "dataplus serve --addr A --data-root D
// --store S [more]": it serves the fake handler until SIGTERM, then shuts
// down gracefully.
func fakeServe(args []string) int {
	if len(args) == 0 || args[0] != "serve" {
		fmt.Fprintf(os.Stderr, "fake serve: args %q\n", args)
		return 2
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "", "")
	root := fs.String("data-root", "", "")
	fs.String("store", "", "")
	fs.Int("max-inflight-requests", 64, "")
	if err := fs.Parse(args[1:]); err != nil || !filepath.IsAbs(*root) {
		fmt.Fprintf(os.Stderr, "fake serve: %v, data root %q\n", err, *root)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	f := &fakeServer{}
	srv := &http.Server{Addr: *addr, Handler: f.handler()}
	go srv.ListenAndServe()
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return 1
	}
	return 0
}

// fakeServer answers like dataplus serve's contract: POST /process returns
// {"records": [...], "files", "pages", "files_per_second",
// "performance_metrics"}, every rejectEvery-th request is a 429 with
// Retry-After, and /metrics is a real Prometheus registry with the
// pipeline's series names, updated as files are "processed".
type fakeServer struct {
	*httptest.Server
	rejectEvery int64
	n           atomic.Int64
	mu          sync.Mutex
	bodies      []processBody // JSON requests seen
	uploads     []int         // file parts per multipart request
	queries     []string      // multipart requests' query strings
}

func newFakeServer(t *testing.T, rejectEvery int64) *fakeServer {
	t.Helper()
	f := &fakeServer{rejectEvery: rejectEvery}
	f.Server = httptest.NewServer(f.handler())
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) handler() http.Handler {
	reg := prometheus.NewRegistry()
	stage := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "dataplus_pipeline_stage_seconds", Help: "stage", Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
	}, []string{"stage"})
	files := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dataplus_pipeline_files_total", Help: "files"}, []string{"outcome"})
	inFlight := prometheus.NewGauge(prometheus.GaugeOpts{Name: "dataplus_pipeline_files_in_flight", Help: "in flight"})
	reg.MustRegister(stage, files, inFlight)
	files.WithLabelValues("ok")

	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"requests":%d}`, f.n.Load())
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("POST /process", func(w http.ResponseWriter, r *http.Request) {
		n := f.n.Add(1)
		if f.rejectEvery > 0 && n%f.rejectEvery == 0 {
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error":{"kind":"overloaded","message":"too many requests in flight"}}`)
			return
		}
		var names []string
		mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch mt {
		case "application/json":
			var b processBody
			if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
				http.Error(w, `{"error":{"kind":"bad_request","message":"malformed JSON"}}`, http.StatusBadRequest)
				return
			}
			names = b.PDFPaths
			f.mu.Lock()
			f.bodies = append(f.bodies, b)
			f.mu.Unlock()
		case "multipart/form-data":
			mr, err := r.MultipartReader()
			if err != nil || params["boundary"] == "" {
				http.Error(w, `{"error":{"kind":"bad_request","message":"bad multipart"}}`, http.StatusBadRequest)
				return
			}
			for {
				p, err := mr.NextPart()
				if err != nil {
					break
				}
				data, _ := io.ReadAll(p)
				if !bytes.HasPrefix(data, []byte("%PDF-")) {
					http.Error(w, `{"error":{"kind":"bad_request","message":"not a PDF"}}`, http.StatusBadRequest)
					return
				}
				names = append(names, p.FileName())
			}
			f.mu.Lock()
			f.uploads = append(f.uploads, len(names))
			f.queries = append(f.queries, r.URL.RawQuery)
			f.mu.Unlock()
		default:
			w.WriteHeader(http.StatusUnsupportedMediaType)
			io.WriteString(w, `{"error":{"kind":"unsupported_media_type","message":"want JSON or multipart"}}`)
			return
		}
		inFlight.Add(float64(len(names)))
		time.Sleep(2 * time.Millisecond)
		var recs []map[string]any
		for i, name := range names {
			rec := map[string]any{"index": i, "path": name, "metadata": map[string]any{"pages": 1}}
			outcome := "ok"
			if strings.Contains(name, "bad") {
				rec["error"] = map[string]any{"kind": "invalid_pdf", "message": "no header"}
				outcome = "invalid_pdf"
			}
			files.WithLabelValues(outcome).Inc()
			stage.WithLabelValues("parse").Observe(0.001)
			recs = append(recs, rec)
		}
		inFlight.Sub(float64(len(names)))
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"records": recs, "files": len(recs), "pages": len(recs), "files_per_second": 500.0,
			"performance_metrics": map[string]any{"elapsed_ms": 2.0, "stage_ms": map[string]float64{"parse": 1},
				"errors_by_kind": map[string]int{}, "workers": 2},
		})
	})
	return mux
}

// corpus writes a few small PDF files (and a non-PDF the walk must skip).
func corpus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"a.pdf", "b.PDF", "sub/c.pdf", "bad.pdf", "notes.txt"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		body := "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
		if strings.Contains(name, "bad") {
			body = "%PDF-broken"
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runLoad(t *testing.T, args ...string) (*Report, string, int) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "report.json")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append(args, "--json", out), &stdout, &stderr)
	if code != 0 {
		return nil, stdout.String() + stderr.String(), code
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	return &rep, stdout.String(), code
}

func TestClosedLoopPaths(t *testing.T) {
	srv := newFakeServer(t, 5)
	dir := corpus(t)
	rep, out, code := runLoad(t, "--addr", srv.URL, "--dir", dir, "--path-prefix", "corpus", "--clients", "4",
		"--requests", "50", "--duration", "20s", "--backoff", "1ms", "--deep", "--pages=false",
		"--server-pid", strconv.Itoa(os.Getpid()))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	if rep.Requests != 50 || rep.Status.OK != 40 || rep.Status.TooMany != 10 || rep.Status.Other != 0 {
		t.Errorf("requests %d, status %+v: want 50 = 40 x 200 + 10 x 429", rep.Requests, rep.Status)
	}
	if rep.Docs != 40 || rep.Errors != 0 || len(rep.Trans) != 0 || rep.Short != 0 {
		t.Errorf("docs %d, errors %d, transport %v, short %d: want 40 docs and no errors", rep.Docs, rep.Errors, rep.Trans, rep.Short)
	}
	if rep.ErrKinds["overloaded"] != 10 {
		t.Errorf("answer error kinds %v: want overloaded 10", rep.ErrKinds)
	}
	// 4 files cycle: 12 of the 50 requests name bad.pdf; 429s hit some.
	if n := rep.RecErrs["invalid_pdf"]; n < 1 || n > 12 {
		t.Errorf("record error kinds %v: want invalid_pdf for at most 12 answers", rep.RecErrs)
	}
	if rep.Latency.N != 50 || rep.Latency.P50 <= 0 || rep.Latency.P99 < rep.Latency.P50 || rep.Latency.Max < rep.Latency.P99 {
		t.Errorf("latency %+v", rep.Latency)
	}
	if rep.DocsPerS <= 0 || rep.ReqPerS <= 0 {
		t.Errorf("rates %v docs/s %v req/s", rep.DocsPerS, rep.ReqPerS)
	}
	if rep.Server == nil || rep.Server.PeakRSS <= 0 || rep.Server.PeakRSS < rep.Server.RSS {
		t.Errorf("server memory %+v", rep.Server)
	}
	if rep.Stats == nil {
		t.Error("no /stats in the report")
	}
	// A run this short spans a few clock ticks: only the shape is checked.
	if c := rep.CPU; c == nil || c.Cores < 1 || c.WallS <= 0 || c.MachineBusy < 0 || c.Other < 0 {
		t.Errorf("cpu %+v", rep.CPU)
	}
	m := rep.Metrics
	if m == nil || m.Failures != 0 || m.Scrapes < 2 {
		t.Fatalf("metrics %+v", m)
	}
	if d := counter(m, `dataplus_pipeline_files_total{outcome="ok"}`) + counter(m, `dataplus_pipeline_files_total{outcome="invalid_pdf"}`); d != 40 {
		t.Errorf("files_total grew by %v over the run, want 40: %+v", d, m.Counters)
	}
	if !hasSeries(m, `dataplus_pipeline_stage_seconds{stage="parse"}`) || !hasSeries(m, "dataplus_pipeline_files_in_flight") {
		t.Errorf("metrics summary lacks the stage histogram or the in-flight gauge: %+v", m)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	seen := map[string]bool{}
	for _, b := range srv.bodies {
		if !b.ExtractDeepFeatures || b.IncludePages == nil || *b.IncludePages || len(b.PDFPaths) != 1 {
			t.Fatalf("request body %+v: want deep, include_pages false, one path", b)
		}
		seen[b.PDFPaths[0]] = true
	}
	for _, p := range []string{"corpus/a.pdf", "corpus/b.PDF", "corpus/sub/c.pdf", "corpus/bad.pdf"} {
		if !seen[p] {
			t.Errorf("%s never sent (sent: %v)", p, seen)
		}
	}
	t.Log("\n" + out)
	for _, want := range []string{"docs/s", "status 429", "p99", "server peak RSS", "dataplus_pipeline_stage_seconds"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func counter(m *MetricsReport, series string) float64 {
	for _, c := range m.Counters {
		if c.Series == series {
			return c.Delta
		}
	}
	return 0
}

func hasSeries(m *MetricsReport, series string) bool {
	for _, h := range m.Histograms {
		if h.Series == series && h.Count > 0 {
			return true
		}
	}
	for _, g := range m.Gauges {
		if g.Series == series {
			return true
		}
	}
	return false
}

func TestUploadMode(t *testing.T) {
	srv := newFakeServer(t, 0)
	dir := corpus(t)
	rep, out, code := runLoad(t, "--addr", "http://"+srv.Listener.Addr().String(), "--dir", dir, "--mode", "upload",
		"--files-per-request", "3", "--clients", "2", "--requests", "8", "--max-workers", "2", "--scrape-interval", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	if rep.Status.OK != 8 || rep.Docs != 24 || rep.Errors != 0 {
		t.Errorf("status %+v, docs %d, errors %d: want 8 answers with 24 records", rep.Status, rep.Docs, rep.Errors)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.uploads) != 8 {
		t.Fatalf("server saw %d uploads", len(srv.uploads))
	}
	for i, n := range srv.uploads {
		if n != 3 || srv.queries[i] != "max_workers=2" {
			t.Errorf("upload %d: %d parts, query %q", i, n, srv.queries[i])
		}
	}
}

func TestOpenLoop(t *testing.T) {
	srv := newFakeServer(t, 0)
	rep, out, code := runLoad(t, "--addr", srv.URL, "--dir", corpus(t), "--rate", "100", "--duration", "300ms", "--clients", "4")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	// 100/s for 0.3s: requests scheduled at 0, 10ms, ... 290ms (fewer when
	// the machine is busy: none is sent after the deadline).
	if rep.Requests < 10 || rep.Requests > 31 || rep.Config.Loop != "open" {
		t.Errorf("open loop at 100/s for 300ms sent %d requests (%s)", rep.Requests, rep.Config.Loop)
	}
}

func TestRequestBudgetBoundsOpenLoop(t *testing.T) {
	srv := newFakeServer(t, 0)
	rep, out, code := runLoad(t, "--addr", srv.URL, "--dir", corpus(t), "--rate", "1000", "--requests", "7", "--duration", "5s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	if rep.Requests != 7 {
		t.Errorf("sent %d requests, want the budget of 7", rep.Requests)
	}
}

func TestTransportErrorsAndFailOnError(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/process" {
			return // /health, /metrics, /stats: empty 200s
		}
		if n.Add(1)%2 == 0 {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close() // the connection drops with no answer
			}
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, "boom")
	}))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--addr", srv.URL, "--dir", corpus(t), "--requests", "6", "--clients", "1",
		"--fail-on-error"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "6 request(s) failed") {
		t.Errorf("exit %d, stderr %q: want 1 and six failures", code, stderr.String())
	}
	for _, want := range []string{`transport errors\s+3\s`, `status other\s+3\s+500 3`, `requests\s+6 `, "non_json_error_body 3"} {
		if !regexp.MustCompile(want).MatchString(stdout.String()) {
			t.Errorf("table lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestSpawnedServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("LOADTEST_FAKE_SERVE", "1")
	rep, out, code := runLoad(t, "--server-bin", os.Args[0], "--server-args", "--max-inflight-requests 4",
		"--addr", addr, "--dir", corpus(t), "--requests", "20", "--clients", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	if rep.Status.OK != 20 || rep.Server == nil || rep.Server.PID == os.Getpid() || rep.ShutdownS <= 0 || len(rep.Notes) > 0 {
		t.Errorf("status %+v, server %+v, shutdown %vs, notes %q", rep.Status, rep.Server, rep.ShutdownS, rep.Notes)
	}
	// The port is free again, and a second server would be refused while one runs.
	if err := portFree(context.Background(), "http://"+addr); err != nil {
		t.Errorf("after the run: %v", err)
	}
	srv := newFakeServer(t, 0)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"--server-bin", os.Args[0], "--addr", srv.URL, "--dir", corpus(t)}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "already in use") {
		t.Errorf("port taken: exit %d, %s", code, stderr.String())
	}
}

func TestWaitForHealth(t *testing.T) {
	var ready atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	client := newClient(1, time.Second)
	defer client.CloseIdleConnections()
	if err := waitHealthy(context.Background(), client, srv.URL, 0); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("no wait, not ready: %v", err)
	}
	time.AfterFunc(150*time.Millisecond, func() { ready.Store(true) })
	if err := waitHealthy(context.Background(), client, srv.URL, 5*time.Second); err != nil {
		t.Errorf("wait until ready: %v", err)
	}
}

func TestBadAnswers(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/process" {
			return
		}
		switch n.Add(1) % 4 {
		case 0: // an empty 200
		case 1:
			io.WriteString(w, `{"records": [`) // cut short
		case 2:
			io.WriteString(w, `{"records": {}}`) // the wrong shape
		case 3:
			io.WriteString(w, `{"records": [{"path": "a.pdf"}], "files": 1}`) // fine
		}
	}))
	defer srv.Close()
	rep, out, code := runLoad(t, "--addr", srv.URL, "--dir", corpus(t), "--requests", "8", "--clients", "1", "--scrape-interval", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	if rep.Status.OK != 6 || rep.Trans["truncated_body"] != 2 || rep.Short != 4 || rep.Errors != 6 || rep.Docs != 2 {
		t.Errorf("status %+v, transport %v, short %d, errors %d, docs %d", rep.Status, rep.Trans, rep.Short, rep.Errors, rep.Docs)
	}
	if rep.ErrKinds["empty_response"] != 2 || rep.ErrKinds["bad_response_json"] != 2 {
		t.Errorf("answer error kinds %v", rep.ErrKinds)
	}
}

func TestRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"10.1.2.3:8003", "0.0.0.0:8003", "[::ffff:192.168.0.1]:8003", "http://[2001:db8::1]:8003"} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"--addr", addr, "--dir", t.TempDir()}, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), "refusing --addr") || !strings.Contains(stderr.String(), "loopback") {
			t.Errorf("%s: exit %d, stderr %q: want 2 and a refusal naming loopback", addr, code, stderr.String())
		}
	}
}

func TestLoopbackBase(t *testing.T) {
	tests := []struct{ addr, want, err string }{
		{"127.0.0.1:8003", "http://127.0.0.1:8003", ""},
		{":8003", "http://127.0.0.1:8003", ""},
		{"127.8.9.10:1", "http://127.8.9.10:1", ""},
		{"[::1]:8003", "http://[::1]:8003", ""},
		{"http://127.0.0.1:8003/", "http://127.0.0.1:8003", ""},
		{"[::ffff:127.0.0.1]:8003", "http://127.0.0.1:8003", ""},
		{"https://127.0.0.1:8003", "", "want host:port"},
		{"127.0.0.1", "", "missing port"},
		{"192.168.1.1:80", "", "not a loopback"},
	}
	for _, tc := range tests {
		got, err := loopbackBase(context.Background(), tc.addr, nil)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %q, %v; want an error with %q", tc.addr, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.addr, got, err, tc.want)
		}
	}
}

func TestDialerRefusesNonLoopback(t *testing.T) {
	if err := loopbackOnly("tcp", "10.0.0.1:80", nil); !errors.Is(err, errNotLoopback) {
		t.Errorf("10.0.0.1: %v", err)
	}
	if err := loopbackOnly("tcp6", "[::1]:80", nil); err != nil {
		t.Errorf("::1: %v", err)
	}
}

func TestProcReaders(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	burn := time.Now()
	for time.Since(burn) < 20*time.Millisecond {
	}
	if s, ok := processCPU(os.Getpid()); !ok || s <= 0 {
		t.Errorf("processCPU(self) = %v, %v", s, ok)
	}
	if machineBusy() <= 0 {
		t.Error("machineBusy() = 0")
	}
	if _, err := serverMemory(1 << 30); err == nil {
		t.Error("serverMemory of a missing pid: no error")
	}
}

func TestBucketQuantile(t *testing.T) {
	// 10 samples in (0,1], 90 in (1,2], none beyond.
	b := map[float64]float64{1: 10, 2: 100, math.Inf(1): 100}
	for _, tc := range []struct{ q, want float64 }{{0.05, 0.5}, {0.5, 1 + 40.0/90}, {0.99, 1 + 89.0/90}} {
		if got := bucketQuantile(tc.q, b); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("q%v = %v, want %v", tc.q, got, tc.want)
		}
	}
}

func TestQuantileNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	l := latency(ds)
	if l.P50 != 50 || l.P90 != 90 || l.P99 != 99 || l.Max != 100 || l.Mean != 50.5 {
		t.Errorf("%+v", l)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"--mode", "stream"}, {"--duration", "0s"}, {"--duration", "2h"}, {"--clients", "0"}, {"--files-per-request", "0"}, {"extra"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2 (%s)", args, code, stderr.String())
		}
	}
}
