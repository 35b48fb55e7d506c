package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"dataplus/internal/jobs"
	"dataplus/internal/pipeline"
	"dataplus/internal/record"
	"dataplus/internal/testpdf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fixtures are generated once: testpdf.All builds every file afresh.
var fixtures = sync.OnceValue(testpdf.All)

// fixture returns the named generated fixture.
func fixture(t *testing.T, name string) testpdf.Fixture {
	t.Helper()
	for _, f := range fixtures() {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no fixture %q", name)
	return testpdf.Fixture{}
}

// slowFixture takes over a second (it is a decompression bomb the reader
// stops at its limit); it lives in a second data root so that walking the
// first stays fast, and naming it tests resolution across roots.
const slowFixture = "flate_bomb"

// writeFixtures writes every fixture as dir/NAME.pdf, the slow one to
// slowDir, and returns how many went to dir.
func writeFixtures(t *testing.T, dir, slowDir string) int {
	t.Helper()
	for _, d := range []string{dir, slowDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for _, f := range fixtures() {
		d := dir
		if f.Name == slowFixture {
			d = slowDir
		} else {
			n++
		}
		if err := os.WriteFile(filepath.Join(d, f.Name+".pdf"), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// corpusDir is ../shared/corpus beside the checkout (or DATAPLUS_CORPUS);
// tests that need it skip without it.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("DATAPLUS_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(filepath.Join(dir, "bad")); err != nil {
		t.Skipf("real-world corpus not found at %s (set DATAPLUS_CORPUS): %v", dir, err)
	}
	return dir
}

// testServer is a real Server on a loopback listener.
type testServer struct {
	t      *testing.T
	srv    *Server
	url    string
	reg    *prometheus.Registry
	client *http.Client
	root   string // the first data root: every fixture but the slow one, and sub/
	perDot int    // PDFs under root, which "." names
	token  string // sent when set
}

type setup struct {
	cfg      Config
	pcfg     pipeline.Config
	noJobs   bool
	jobsDir  string
	hook     func(*http.Request)   // testHookAdmitted
	run      func(context.Context) // testHookBeforeRun
	features pipeline.Featurizer   // Deps.Features; nil: none
}

// start runs a server over a fresh data root of fixtures. Cleanup shuts
// it down and closes the client's connections (goleak checks both).
func start(t *testing.T, mods ...func(*setup)) *testServer {
	t.Helper()
	base := t.TempDir()
	root, slow := filepath.Join(base, "root"), filepath.Join(base, "slow")
	perDot := writeFixtures(t, root, slow)
	for _, n := range []string{"text", "scanned"} {
		if err := os.MkdirAll(filepath.Join(root, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(root, "sub", n+".pdf"), fixture(t, n).Data, 0o644)
		perDot++
	}
	st := setup{cfg: DefaultConfig(), pcfg: pipeline.DefaultConfig(), jobsDir: filepath.Join(base, "store")}
	st.cfg.DataRoots = []string{root, slow}
	st.pcfg.Timeout = 10 * time.Second
	for _, m := range mods {
		m(&st)
	}
	reg := prometheus.NewRegistry()
	d := Deps{
		Pipeline:        st.pcfg,
		PipelineMetrics: pipeline.NewMetrics(reg),
		Features:        st.features,
		Registerer:      reg,
		Gatherer:        reg,
	}
	if !st.noJobs {
		d.Jobs = func(p jobs.Processor) (*jobs.Manager, error) {
			return jobs.Open(jobs.Options{Dir: st.jobsDir, Workers: 1, FileWorkers: st.pcfg.Workers}, p, nil, reg)
		}
	}
	srv, err := New(st.cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	srv.testHookAdmitted, srv.testHookBeforeRun = st.hook, st.run
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	ts := &testServer{t: t, srv: srv, url: "http://" + ln.Addr().String(), reg: reg, root: root, perDot: perDot,
		client: &http.Client{Transport: &http.Transport{}, Timeout: 60 * time.Second}}
	t.Cleanup(func() {
		ts.client.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ts
}

// do sends a request and returns the status, headers and body.
func (ts *testServer) do(method, path, contentType string, body io.Reader) (int, http.Header, []byte) {
	ts.t.Helper()
	req, err := http.NewRequest(method, ts.url+path, body)
	if err != nil {
		ts.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if ts.token != "" {
		req.Header.Set("Authorization", "Bearer "+ts.token)
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		ts.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, data
}

func (ts *testServer) postJSON(path string, v any) (int, []byte) {
	ts.t.Helper()
	var body []byte
	switch b := v.(type) {
	case string:
		body = []byte(b)
	default:
		var err error
		if body, err = json.Marshal(v); err != nil {
			ts.t.Fatal(err)
		}
	}
	code, _, data := ts.do("POST", path, "application/json", bytes.NewReader(body))
	return code, data
}

func (ts *testServer) get(path string) (int, []byte) {
	ts.t.Helper()
	code, _, data := ts.do("GET", path, "", nil)
	return code, data
}

// upload posts the files as a multipart body.
func (ts *testServer) upload(path string, files map[string][]byte, order ...string) (int, []byte) {
	ts.t.Helper()
	ct, body := multipartBody(ts.t, files, order)
	code, _, data := ts.do("POST", path, ct, bytes.NewReader(body))
	return code, data
}

func multipartBody(t *testing.T, files map[string][]byte, order []string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if order == nil {
		for n := range files {
			order = append(order, n)
		}
	}
	for i, name := range order {
		w, err := mw.CreateFormFile("file"+string(rune('a'+i%26)), name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[name])
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

type processResult struct {
	Records        []record.Record `json:"records"`
	Files          int             `json:"files"`
	Pages          int             `json:"pages"`
	FilesPerSecond float64         `json:"files_per_second"`
	Performance    struct {
		ElapsedMS    float64            `json:"elapsed_ms"`
		StageMS      map[string]float64 `json:"stage_ms"`
		ErrorsByKind map[string]int     `json:"errors_by_kind"`
		Workers      int                `json:"workers"`
	} `json:"performance_metrics"`
}

func decode[T any](t *testing.T, data []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("bad JSON %q: %v", truncate(data), err)
	}
	return v
}

// apiErr decodes an error body and checks its shape.
func apiErr(t *testing.T, data []byte) errorDetail {
	t.Helper()
	b := decode[errorBody](t, data)
	if b.Error.Kind == "" || b.Error.Message == "" {
		t.Fatalf("error body without kind or message: %s", data)
	}
	return b.Error
}

func truncate(b []byte) string {
	if len(b) > 400 {
		return string(b[:400]) + "…"
	}
	return string(b)
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// metric sums the samples of a metric family whose labels include want.
func (ts *testServer) metric(name string, want map[string]string) float64 {
	ts.t.Helper()
	mfs, err := ts.reg.Gather()
	if err != nil {
		ts.t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	sample:
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue sample
				}
			}
			switch {
			case m.Counter != nil:
				sum += m.Counter.GetValue()
			case m.Gauge != nil:
				sum += m.Gauge.GetValue()
			case m.Histogram != nil:
				sum += float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return sum
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func newMultipart(w io.Writer) *multipart.Writer { return multipart.NewWriter(w) }
