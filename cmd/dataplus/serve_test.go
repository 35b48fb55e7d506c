package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"dataplus/internal/jobs"
	"dataplus/internal/record"
	"dataplus/internal/testpdf"
)

// daemon is a dataplus serve process started by a test.
type daemon struct {
	cmd  *exec.Cmd
	url  string
	mu   sync.Mutex
	logs bytes.Buffer
	done chan struct{}
}

func (d *daemon) log() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.logs.String()
}

// startDaemon runs bin serve on a free loopback port and waits for its
// "listening" log line, which carries the address.
func startDaemon(t *testing.T, bin string, args ...string) *daemon {
	t.Helper()
	d := &daemon{done: make(chan struct{})}
	d.cmd = exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "info"}, args...)...)
	stderr, err := d.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		select {
		case <-d.done:
		default:
			d.cmd.Process.Kill()
			<-d.done
		}
	})
	addr := make(chan string, 1)
	go func() {
		defer close(d.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			d.mu.Lock()
			d.logs.WriteString(sc.Text() + "\n")
			d.mu.Unlock()
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				addr <- line.Addr
			}
		}
		io.Copy(io.Discard, stderr)
		d.cmd.Wait()
	}()
	select {
	case a := <-addr:
		d.url = "http://" + a
	case <-d.done:
		t.Fatalf("serve exited before listening:\n%s", d.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not listen within 30s:\n%s", d.log())
	}
	return d
}

func (d *daemon) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get(d.url + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
}

func (d *daemon) submit(t *testing.T, contentType string, body []byte) jobs.Job {
	t.Helper()
	resp, err := http.Post(d.url+"/jobs", contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /jobs: %d %s", resp.StatusCode, data)
	}
	var j jobs.Job
	if err := json.Unmarshal(data, &j); err != nil {
		t.Fatal(err)
	}
	return j
}

// TestServeKillAndRestart builds the real binary, submits several jobs
// over many files, SIGKILLs the server mid-run and starts it again on the
// same store: every accepted job must end (succeeded, or failed with a
// reason) with exactly one record per input, in input order.
func TestServeKillAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped in -short mode")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH to build the binary")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "dataplus")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	// The data: the fixtures (but the one slow decompression bomb) in 24
	// directories, so a job of several directories takes a while.
	data, store := filepath.Join(tmp, "data"), filepath.Join(tmp, "store")
	var fx []testpdf.Fixture
	for _, f := range testpdf.All() {
		if f.Name != "flate_bomb" {
			fx = append(fx, f)
		}
	}
	names := make([]string, len(fx))
	for i, f := range fx {
		names[i] = f.Name + ".pdf"
	}
	slices.Sort(names) // walk order
	const dirs = 24
	for d := range dirs {
		dir := filepath.Join(data, fmt.Sprintf("d%02d", d))
		os.MkdirAll(dir, 0o755)
		for _, f := range fx {
			if err := os.WriteFile(filepath.Join(dir, f.Name+".pdf"), f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	args := []string{"--data-root", data, "--store", store, "--workers", "1", "--job-workers", "1"}
	srv := startDaemon(t, bin, args...)

	// Four path jobs of six directories each, and one upload job.
	type accepted struct {
		job  jobs.Job
		want []string // record paths in input order
	}
	var all []accepted
	for j := range 4 {
		var paths, want []string
		for d := j * 6; d < j*6+6; d++ {
			dir := fmt.Sprintf("d%02d", d)
			paths = append(paths, dir)
			for _, n := range names {
				want = append(want, dir+"/"+n)
			}
		}
		body, _ := json.Marshal(map[string]any{"pdf_paths": paths, "include_pages": false})
		all = append(all, accepted{srv.submit(t, "application/json", body), want})
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	var upWant []string
	for i, f := range fx {
		name := fmt.Sprintf("up%02d-%s.pdf", i, f.Name)
		w, _ := mw.CreateFormFile("file", name)
		w.Write(f.Data)
		upWant = append(upWant, name)
	}
	mw.Close()
	all = append(all, accepted{srv.submit(t, mw.FormDataContentType(), buf.Bytes()), upWant})
	for _, a := range all {
		if a.job.Total != len(a.want) {
			t.Fatalf("job %s accepted with %d inputs, want %d", a.job.ID, a.job.Total, len(a.want))
		}
	}

	// Kill it hard once the first job is under way.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var j jobs.Job
		srv.getJSON(t, "/jobs/"+all[0].job.ID, &j)
		if j.Done >= 20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("first job never progressed: %+v\n%s", j, srv.log())
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-srv.done

	// States only move forward, so a job not final after the restart was
	// not final at the kill.
	srv = startDaemon(t, bin, args...)
	unfinished := 0
	for _, a := range all {
		var j jobs.Job
		srv.getJSON(t, "/jobs/"+a.job.ID, &j)
		if !j.State.Final() {
			unfinished++
		}
	}
	if unfinished == 0 {
		t.Fatal("every job had finished before the kill: the test proved nothing")
	}
	t.Logf("%d of %d jobs unfinished at the kill", unfinished, len(all))
	for _, a := range all {
		var j jobs.Job
		deadline := time.Now().Add(60 * time.Second)
		for {
			srv.getJSON(t, "/jobs/"+a.job.ID, &j)
			if j.State.Final() {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("job %s not final after the restart: %+v\n%s", a.job.ID, j, srv.log())
			}
			time.Sleep(20 * time.Millisecond)
		}
		switch {
		case j.State == jobs.StateFailed && j.Error != "":
			t.Logf("job %s failed: %s", j.ID, j.Error)
			continue
		case j.State != jobs.StateSucceeded:
			t.Fatalf("job %s ended %s (%q)", j.ID, j.State, j.Error)
		}
		resp, err := http.Get(srv.url + "/jobs/" + a.job.ID + "/results")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var got []string
		for line := range bytes.Lines(body) {
			var r record.Record
			if err := json.Unmarshal(line, &r); err != nil {
				t.Fatalf("job %s: bad line %q", j.ID, line)
			}
			if r.Index != len(got) {
				t.Fatalf("job %s: record %d has index %d (lost or duplicated)", j.ID, len(got), r.Index)
			}
			if r.Error != nil && r.Error.Kind == record.KindCanceled {
				t.Errorf("job %s: %s was left canceled by the kill", j.ID, r.Path)
			}
			got = append(got, r.Path)
		}
		if !slices.Equal(got, a.want) || j.Done != len(a.want) {
			t.Fatalf("job %s: %d records (done %d) for %d inputs; first difference at %d", j.ID, len(got), j.Done, len(a.want), firstDiff(got, a.want))
		}
	}

	// A graceful stop exits 0.
	srv.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-srv.done:
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	if code := srv.cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(srv.log(), `"msg":"stopped"`) {
		t.Fatalf("exit %d after SIGTERM:\n%s", code, srv.log())
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestServeUsage(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	store := filepath.Join(t.TempDir(), "store")
	tests := []struct {
		name string
		args []string
		code int
		say  string
	}{
		{"help", []string{"help", "serve"}, 0, "--data-root"},
		{"invalid limit", []string{"serve", "--max-inflight-requests", "0"}, 2, "max_inflight_requests"},
		{"arguments", []string{"serve", "some.pdf"}, 2, "unexpected arguments"},
		{"missing data root", []string{"serve", "--store", store, "--data-root", filepath.Join(store, "nope")}, 1, "data root"},
		{"address in use", []string{"serve", "--store", store, "--addr", busy.Addr().String()}, 1, "listen"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, nil, &stdout, &stderr)
			if code != tc.code || !strings.Contains(stdout.String()+stderr.String(), tc.say) {
				t.Fatalf("exit %d (want %d); output lacks %q:\n%s%s", code, tc.code, tc.say, stdout.String(), stderr.String())
			}
		})
	}
}
