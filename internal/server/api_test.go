package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"dataplus/internal/bench"
	"dataplus/internal/jobs"
	"dataplus/internal/record"
)

func TestAuth(t *testing.T) {
	ts := start(t, func(s *setup) { s.cfg.AuthTokens = []string{"s3cret", "other-token"} })
	routes := []struct{ method, path, ct, body string }{
		{"POST", "/process", "application/json", oneFile},
		{"GET", "/stats", "", ""},
		{"GET", "/metrics", "", ""},
		{"GET", "/models", "", ""},
		{"GET", "/openapi.json", "", ""},
		{"GET", "/jobs", "", ""},
	}
	for _, tc := range []struct {
		name, header string
		code         int
	}{
		{"no token", "", 401},
		{"wrong token", "Bearer s3cre", 401},
		{"token prefix of a valid one", "Bearer s3cret2", 401},
		{"basic auth", "Basic czNjcmV0Og==", 401},
		{"empty bearer", "Bearer ", 401},
		{"right token", "Bearer s3cret", 200},
		{"second token, lower-case scheme", "bearer other-token", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, rt := range routes {
				req, _ := http.NewRequest(rt.method, ts.url+rt.path, strings.NewReader(rt.body))
				if rt.ct != "" {
					req.Header.Set("Content-Type", rt.ct)
				}
				if tc.header != "" {
					req.Header.Set("Authorization", tc.header)
				}
				resp, err := ts.client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var body bytes.Buffer
				body.ReadFrom(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tc.code {
					t.Fatalf("%s %s: %d, want %d: %s", rt.method, rt.path, resp.StatusCode, tc.code, truncate(body.Bytes()))
				}
				if tc.code == 401 {
					if apiErr(t, body.Bytes()).Kind != "unauthorized" || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
						t.Fatalf("%s: 401 without kind or WWW-Authenticate: %s", rt.path, body.Bytes())
					}
				}
			}
		})
	}
	// Probes need no token; unknown paths do not tell strangers they are unknown.
	if code, _ := ts.get("/health"); code != 200 {
		t.Fatalf("/health without a token: %d", code)
	}
	if code, _ := ts.get("/nope"); code != 401 {
		t.Fatalf("unknown path without a token: %d, want 401", code)
	}
	ts.token = "s3cret"
	if code, _ := ts.get("/nope"); code != 404 {
		t.Fatalf("unknown path with a token: %d, want 404", code)
	}
}

func TestAuthOff(t *testing.T) {
	ts := start(t)
	for _, p := range []string{"/stats", "/metrics", "/models", "/openapi.json", "/jobs", "/health"} {
		if code, body := ts.get(p); code != 200 {
			t.Fatalf("%s without auth configured: %d %s", p, code, truncate(body))
		}
	}
}

// scrape reads GET /metrics in the text format into name{labels} -> value.
func (ts *testServer) scrape() map[string]float64 {
	ts.t.Helper()
	code, body := ts.get("/metrics")
	if code != 200 {
		ts.t.Fatalf("/metrics: %d", code)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			ts.t.Fatalf("bad sample %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

// sum adds the samples of name whose label text contains every want.
func sum(samples map[string]float64, name string, want ...string) float64 {
	var s float64
next:
	for k, v := range samples {
		n, labels, _ := strings.Cut(k, "{")
		if n != name {
			continue
		}
		for _, w := range want {
			if !strings.Contains(labels, w) {
				continue next
			}
		}
		s += v
	}
	return s
}

// TestMetricsAgreeWithStats drives mixed traffic, then checks that
// /metrics shows stage latencies, in-flight gauges and outcomes by kind,
// and that /stats says the same numbers.
func TestMetricsAgreeWithStats(t *testing.T) {
	ts := start(t)
	var names []string
	for _, f := range fixtures() {
		if f.Name != slowFixture {
			names = append(names, f.Name+".pdf")
		}
	}
	for range 3 {
		if code, body := ts.postJSON("/process", map[string]any{"pdf_paths": names}); code != 200 {
			t.Fatalf("%d %s", code, truncate(body))
		}
	}
	if code, _ := ts.upload("/process", map[string][]byte{"a.txt": []byte("not a pdf")}); code != 200 {
		t.Fatal(code)
	}
	ts.postJSON("/process", `{"bad json`)
	ts.postJSON("/process", `{"pdf_paths":["../x"]}`)
	for ts.srv.requests.TryStart() {
	}
	ts.postJSON("/process", oneFile) // 429
	for ts.srv.requests.InUse() > 0 {
		ts.srv.requests.Done()
	}

	// A handler records its request just after the answer is out, so
	// wait for the last one (and then for the scrape) before comparing.
	const sent = 7
	waitFor(t, "the requests to be counted", func() bool { return ts.metric("dataplus_http_requests_total", nil) == sent })
	m := ts.scrape()
	waitFor(t, "the scrape to be counted", func() bool { return ts.metric("dataplus_http_requests_total", nil) == sent+1 })
	code, body := ts.get("/stats")
	if code != 200 {
		t.Fatal(code)
	}
	st := decode[statsResponse](t, body)

	for _, stage := range []string{"read", "parse", "scan", "route", "total"} {
		if n := sum(m, "dataplus_pipeline_stage_seconds_count", `stage="`+stage+`"`); n == 0 {
			t.Errorf("no %s stage latencies", stage)
		}
	}
	for _, g := range []string{"dataplus_http_requests_in_flight", "dataplus_http_pages_in_flight", "dataplus_pipeline_files_in_flight", "dataplus_jobs"} {
		if _, ok := m[g]; !ok && sum(m, g) == 0 && !hasFamily(m, g) {
			t.Errorf("gauge %s missing", g)
		}
	}
	if sum(m, "dataplus_http_files_total", `outcome="invalid_pdf"`) == 0 || sum(m, "dataplus_http_files_total", `outcome="ok"`) == 0 {
		t.Errorf("outcomes by kind missing: %v", st.Files.ByOutcome)
	}
	for _, k := range append([]string{"ok"}, kindNames()...) {
		if got, want := sum(m, "dataplus_http_files_total", `outcome="`+k+`"`), float64(st.Files.ByOutcome[k]); got != want {
			t.Errorf("files outcome %s: /metrics %v, /stats %v", k, got, want)
		}
	}
	// Every file went through the pipeline: its own counter agrees.
	if p, h := sum(m, "dataplus_pipeline_files_total"), sum(m, "dataplus_http_files_total"); p != h || int64(h) != st.Files.Total {
		t.Errorf("files: pipeline %v, http %v, stats %d", p, h, st.Files.Total)
	}
	if p := sum(m, "dataplus_http_pages_total"); int64(p) != st.Files.Pages || p == 0 {
		t.Errorf("pages: /metrics %v, /stats %d", p, st.Files.Pages)
	}
	// /stats counts the /metrics scrape that came before it.
	if got := sum(m, "dataplus_http_requests_total"); int64(got)+1 != st.Requests.Total {
		t.Errorf("requests: /metrics %v, /stats %d (want one more)", got, st.Requests.Total)
	}
	for code, n := range map[string]int64{"200": 4, "400": 1, "403": 1, "429": 1} {
		if got := sum(m, "dataplus_http_requests_total", `route="POST /process"`, `code="`+code+`"`); int64(got) != n {
			t.Errorf("POST /process %s: %v, want %d", code, got, n)
		}
	}
	if got := sum(m, "dataplus_http_request_duration_seconds_count", `route="POST /process"`, `code="200"`); int(got) != st.LatencyMS.Samples || st.LatencyMS.P99 <= 0 || st.LatencyMS.P50 > st.LatencyMS.P99 {
		t.Errorf("latency: %v histogram samples, stats %+v", got, st.LatencyMS)
	}
	if got := sum(m, "dataplus_http_admission_rejections_total", `reason="requests"`); got != 1 || st.Rejected["requests"] != 1 {
		t.Errorf("rejections: /metrics %v, /stats %v", got, st.Rejected)
	}
	if st.Throughput.LastMinute.FilesPerSecond <= 0 || st.Throughput.SinceStart.FilesPerSecond <= 0 || st.GPU != nil || st.Jobs == nil {
		t.Errorf("stats: %s", body)
	}
	var raw map[string]any
	json.Unmarshal(body, &raw)
	if v, ok := raw["gpu"]; !ok || v != nil {
		t.Errorf("stats gpu must be null, got %v", v)
	}
}

func hasFamily(m map[string]float64, name string) bool {
	for k := range m {
		if n, _, _ := strings.Cut(k, "{"); n == name {
			return true
		}
	}
	return false
}

func kindNames() []string {
	var out []string
	for _, k := range record.Kinds {
		out = append(out, string(k))
	}
	return out
}

// TestOpenAPI: the embedded document is OpenAPI 3.1, describes every
// registered route and nothing else, and every $ref resolves.
func TestOpenAPI(t *testing.T) {
	ts := start(t)
	code, body := ts.get("/openapi.json")
	if code != 200 || !bytes.Equal(body, openapiDoc) {
		t.Fatalf("GET /openapi.json: %d, %d bytes", code, len(body))
	}
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components map[string]map[string]json.RawMessage `json:"components"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	var described []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			described = append(described, strings.ToUpper(method)+" "+path)
			var o struct {
				OperationID string                     `json:"operationId"`
				Responses   map[string]json.RawMessage `json:"responses"`
			}
			if err := json.Unmarshal(op, &o); err != nil || o.OperationID == "" || len(o.Responses) == 0 {
				t.Errorf("%s %s: no operationId or responses (%v)", method, path, err)
			}
		}
	}
	registered := slices.Clone(ts.srv.routes)
	slices.Sort(described)
	slices.Sort(registered)
	if !slices.Equal(described, registered) {
		t.Fatalf("the document describes\n  %q\nthe server registers\n  %q", described, registered)
	}
	// Every $ref points at a component that exists.
	for _, ref := range refs(t, body) {
		parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
		if len(parts) != 2 || doc.Components[parts[0]][parts[1]] == nil {
			t.Errorf("dangling $ref %s", ref)
		}
	}
}

func refs(t *testing.T, doc []byte) []string {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && k == "$ref" {
					out = append(out, s)
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

func TestHealthAndModels(t *testing.T) {
	ts := start(t)
	code, body := ts.get("/health")
	h := decode[healthResponse](t, body)
	if code != 200 || h.Status != "ok" || len(h.Engines) == 0 || len(h.Devices) == 0 || h.Queue.RequestSlots != DefaultConfig().MaxInflightRequests || h.Queue.Jobs == nil {
		t.Fatalf("health: %d %s", code, body)
	}
	code, body = ts.get("/models")
	m := decode[modelsResponse](t, body)
	if code != 200 || m.DeepFeatures.Available || !strings.Contains(m.DeepFeatures.Message, "without a feature extractor") || m.Models == nil {
		t.Fatalf("models: %d %s", code, body)
	}
}

func TestBenchmark(t *testing.T) {
	ts := start(t)
	code, body := ts.postJSON("/benchmark", map[string]any{"config": "metadata", "files": "sub", "max_files": 1})
	if code != 200 {
		t.Fatalf("%d %s", code, truncate(body))
	}
	rep := decode[bench.Report](t, body)
	if rep.SchemaVersion != bench.SchemaVersion || len(rep.Configs) != 1 || rep.Settings.Files != "sub" || rep.Settings.FilesFound != 2 ||
		rep.Environment.Hardware.CPUs < 1 || rep.Environment.Software.Go == "" || rep.Environment.Hardware.GPU.Found {
		t.Fatalf("report: %s", truncate(body))
	}
	c := rep.Configs[0]
	if c.Name != bench.Metadata || c.Status != bench.StatusOK || c.Files != 1 || c.WarmupFiles != 1 || len(c.Rounds) != bench.DefaultRounds ||
		c.Rounds[0].LatencyMS.Samples != 1 || c.Rounds[0].Pages == 0 || c.Summary == nil || c.Summary.FilesPerSec.Median <= 0 ||
		c.Summary.FilesPerSec.N != bench.DefaultRounds {
		t.Fatalf("metadata: %s", truncate(body))
	}
	if bytes.Contains(body, []byte(ts.root)) {
		t.Errorf("the report shows the server's layout: %s", truncate(body))
	}
	nt := 0
	for _, f := range fixtures() {
		if strings.HasPrefix(f.Name, "t") {
			nt++
		}
	}
	code, body = ts.postJSON("/benchmark", map[string]any{"config": "metadata", "files": "t*.pdf", "workers": 1})
	if rep := decode[bench.Report](t, body); code != 200 || rep.Configs[0].Files != nt || rep.Configs[0].Workers != 1 || rep.Configs[0].Summary.ErrorsByKind["invalid_pdf"] == 0 {
		t.Fatalf("glob benchmark: %d %s", code, truncate(body))
	}
	// Without a GPU, the GPU configurations are a report that says so.
	for _, name := range []string{bench.GPUFull, bench.GPUNoDeep} {
		code, body = ts.postJSON("/benchmark", map[string]any{"config": name, "files": "sub"})
		rep := decode[bench.Report](t, body)
		if code != 200 || rep.Configs[0].Status != bench.StatusSkipped || !strings.Contains(rep.Configs[0].Reason, "no GPU found") {
			t.Fatalf("%s: %d %s", name, code, truncate(body))
		}
	}
	for _, tc := range []struct {
		body string
		code int
		msg  string
	}{
		{`{"config":"CPU_Fallback","files":"sub"}`, 422, "needs deep features"},
		{`{"config":"High_Concurrency","files":"sub"}`, 422, "without a feature extractor"},
		{`{"config":"fast","files":"sub"}`, 400, "unknown benchmark config"},
		{`{"config":"metadata"}`, 400, "files is empty"},
		{`{"config":"metadata","files":"../"}`, 403, `".."`},
		{`{"config":"metadata","files":"/"}`, 403, "outside"},
		{`{"config":"metadata","files":"nope"}`, 404, "not found"},
		{`{"config":"metadata","files":"sub","max_files":-1}`, 400, "max_files"},
		{`{"config":"metadata","files":"sub","workers":-1}`, 400, "max_workers"},
		{`{"config":"metadata","files":"sub","warmup":3}`, 400, `unknown field "warmup"`},
	} {
		code, body := ts.postJSON("/benchmark", tc.body)
		if code != tc.code || !strings.Contains(apiErr(t, body).Message, tc.msg) {
			t.Errorf("%s: %d %s, want %d saying %q", tc.body, code, body, tc.code, tc.msg)
		}
	}
	ts.srv.bench.TryStart()
	code, body = ts.postJSON("/benchmark", `{"config":"metadata","files":"sub"}`)
	ts.srv.bench.Done()
	if code != 429 {
		t.Fatalf("second benchmark at once: %d %s", code, body)
	}
}

// waitJob polls a job until it is final.
func (ts *testServer) waitJob(id string) jobs.Job {
	ts.t.Helper()
	var j jobs.Job
	waitFor(ts.t, "job "+id, func() bool {
		code, body := ts.get("/jobs/" + id)
		if code != 200 {
			ts.t.Fatalf("GET /jobs/%s: %d %s", id, code, body)
		}
		j = decode[jobs.Job](ts.t, body)
		return j.State.Final()
	})
	return j
}

func (ts *testServer) results(id, query string) []record.Record {
	ts.t.Helper()
	code, hdr, body := ts.do("GET", "/jobs/"+id+"/results"+query, "", nil)
	if code != 200 || hdr.Get("Content-Type") != "application/x-ndjson" {
		ts.t.Fatalf("results: %d %q %s", code, hdr.Get("Content-Type"), truncate(body))
	}
	var out []record.Record
	for line := range bytes.Lines(body) {
		out = append(out, decode[record.Record](ts.t, line))
	}
	return out
}

func TestJobs(t *testing.T) {
	ts := start(t)
	code, hdr, body := ts.do("POST", "/jobs", "application/json", strings.NewReader(`{"pdf_paths":["sub", "text.pdf", "text_file.pdf"],"include_pages":false,"max_workers":1}`))
	if code != 202 {
		t.Fatalf("submit: %d %s", code, body)
	}
	j := decode[jobs.Job](t, body)
	if j.ID == "" || j.State != jobs.StateQueued || j.Total != 4 || hdr.Get("Location") != "/jobs/"+j.ID ||
		j.Options["include_pages"] != false || j.Options["max_workers"] != 1.0 {
		t.Fatalf("accepted job: %s (Location %q)", body, hdr.Get("Location"))
	}
	j = ts.waitJob(j.ID)
	if j.State != jobs.StateSucceeded || j.Done != 4 || j.Errors != 1 {
		t.Fatalf("finished job: %+v", j)
	}
	recs := ts.results(j.ID, "")
	want := []string{"sub/scanned.pdf", "sub/text.pdf", "text.pdf", "text_file.pdf"}
	for i, r := range recs {
		if r.Index != i || r.Path != want[i] || len(r.Pages) != 0 {
			t.Errorf("result %d: index %d path %q, %d pages (include_pages was false)", i, r.Index, r.Path, len(r.Pages))
		}
	}
	if len(recs) != 4 || recs[3].Error == nil || recs[3].Error.Kind != record.KindInvalidPDF {
		t.Fatalf("%d results; last %+v", len(recs), recs[len(recs)-1].Error)
	}
	if recs := ts.results(j.ID, "?include_pages=true"); len(recs[0].Pages) == 0 {
		t.Error("include_pages=true on the results did not bring pages back")
	}

	// Uploads: spooled, then processed like any file.
	code, body = ts.upload("/jobs", map[string][]byte{"a.pdf": fixture(t, "text").Data, "b.txt": []byte("hello")}, "a.pdf", "b.txt")
	if code != 202 {
		t.Fatalf("upload job: %d %s", code, body)
	}
	up := ts.waitJob(decode[jobs.Job](t, body).ID)
	recs = ts.results(up.ID, "")
	if up.State != jobs.StateSucceeded || len(recs) != 2 || recs[0].Path != "a.pdf" || recs[0].Error != nil || len(recs[0].Pages) == 0 ||
		recs[1].Path != "b.txt" || recs[1].Error == nil || recs[1].Error.Kind != record.KindInvalidPDF {
		t.Fatalf("upload job %+v: %+v", up, recs)
	}

	code, body = ts.get("/jobs")
	list := decode[jobList](t, body)
	if code != 200 || len(list.Jobs) != 2 || list.Jobs[0].ID != up.ID {
		t.Fatalf("list: %d %s", code, body)
	}
	if code, body := ts.get("/jobs?limit=1"); code != 200 || len(decode[jobList](t, body).Jobs) != 1 {
		t.Fatalf("list limit=1: %d %s", code, body)
	}
	for _, tc := range []struct {
		method, path string
		code         int
	}{
		{"GET", "/jobs?limit=0", 400},
		{"GET", "/jobs?page=2", 400},
		{"GET", "/jobs/nope", 404},
		{"GET", "/jobs/nope/results", 404},
		{"DELETE", "/jobs/nope", 404},
		{"GET", "/jobs/" + j.ID + "/results?include_pages=maybe", 400},
	} {
		if code, _, body := ts.do(tc.method, tc.path, "", nil); code != tc.code {
			t.Errorf("%s %s: %d %s, want %d", tc.method, tc.path, code, body, tc.code)
		}
	}
	for _, tc := range []struct {
		body string
		code int
	}{
		{`{"pdf_paths":["../etc"]}`, 403},
		{`{"pdf_paths":["nope.pdf"]}`, 404},
		{`{"pdf_paths":["text.pdf"],"extract_deep_features":true}`, 422},
		{`{"pdf_paths":[]}`, 400},
		{`{"pdf_paths":["text.pdf"],"priority":1}`, 400},
	} {
		if code, body := ts.postJSON("/jobs", tc.body); code != tc.code {
			t.Errorf("POST /jobs %s: %d %s, want %d", tc.body, code, body, tc.code)
		}
	}
}

func TestJobCancelAndQueueLimit(t *testing.T) {
	ts := start(t, func(s *setup) {
		s.cfg.MaxFilesPerRequest = 10000
		s.cfg.MaxQueuedJobs = 1
		s.pcfg.Workers = 1
	})
	code, body := ts.postJSON("/jobs", manyPaths(60))
	if code != 202 {
		t.Fatalf("%d %s", code, body)
	}
	long := decode[jobs.Job](t, body)
	waitFor(t, "the long job to run", func() bool {
		_, body := ts.get("/jobs/" + long.ID)
		return decode[jobs.Job](t, body).State == jobs.StateRunning
	})
	code, body = ts.postJSON("/jobs", oneFile) // queued behind it (one job worker)
	if code != 202 {
		t.Fatalf("second job: %d %s", code, body)
	}
	queued := decode[jobs.Job](t, body)
	code, hdr, body := ts.do("POST", "/jobs", "application/json", strings.NewReader(oneFile))
	if code != 429 || hdr.Get("Retry-After") == "" || apiErr(t, body).Kind != "overloaded" {
		t.Fatalf("third job with the queue full: %d %s", code, body)
	}
	for _, id := range []string{long.ID, queued.ID} {
		code, _, body := ts.do("DELETE", "/jobs/"+id, "", nil)
		if j := decode[jobs.Job](t, body); code != 200 || j.State != jobs.StateCanceled {
			t.Fatalf("cancel %s: %d %s", id, code, body)
		}
	}
	j := ts.waitJob(long.ID)
	recs := ts.results(long.ID, "")
	if j.State != jobs.StateCanceled || len(recs) >= 60*ts.perDot {
		t.Fatalf("canceled job %+v kept %d records", j, len(recs))
	}
	for i, r := range recs {
		if r.Index != i {
			t.Fatalf("result %d has index %d", i, r.Index)
		}
	}
	t.Logf("canceled after %d of %d files", len(recs), 60*ts.perDot)
}

func TestNoJobStore(t *testing.T) {
	ts := start(t, func(s *setup) { s.noJobs = true })
	for _, p := range []string{"/jobs", "/jobs/x"} {
		if code, body := ts.get(p); code != 422 || apiErr(t, body).Kind != "backend_unavailable" {
			t.Fatalf("%s without a store: %d %s", p, code, body)
		}
	}
	if code, body := ts.get("/health"); code != 200 || decode[healthResponse](t, body).Queue.Jobs != nil {
		t.Fatalf("health: %s", body)
	}
}
