// Command loadtest drives a dataplus server on this machine with
// concurrent POST /process requests carrying real PDFs, and reports
// throughput (docs/s, requests/s), latency percentiles, answers by status
// (200, 429, other), error kinds, transport errors, the server's peak RSS
// and a summary of its /metrics scraped during the run.
//
// It is bounded in requests (--requests) and time (--duration), and it only
// talks to loopback addresses: it refuses any other --addr, and its dialer
// refuses any non-loopback connection.
//
// It can start the server itself (on --addr, with --dir as its data root
// and a temporary job store), measure it and stop it with SIGTERM, timing
// the graceful shutdown:
//
//	go build -o bin/dataplus ./cmd/dataplus
//	go run ./cmd/loadtest --server-bin bin/dataplus --dir ../shared/corpus/good --duration 40s --json out/loadtest.json
//
// or drive one already running (its pid gives the peak RSS):
//
//	bin/dataplus serve --data-root ../shared/corpus/good &
//	go run ./cmd/loadtest --dir ../shared/corpus/good --server-pid $! --wait 10s
//
// Modes: "paths" sends {"pdf_paths": [...]} naming files relative to the
// server's data root (the files found under --dir, with --path-prefix
// prepended); "upload" sends the same files as multipart/form-data. Each
// request carries --files-per-request files, cycling through all of them.
// Closed loop by default (each client sends its next request when the
// previous one is answered; after a 429 it waits Retry-After, at most
// --backoff); with --rate, requests start on a fixed schedule whatever the
// answers, and latency counts from the scheduled start.
//
// The load generator shares the machine with the server, so the report also
// says where the CPU time went (server, load generator, other processes):
// a run disturbed by other work shows it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	addr, mode, dir, prefix string
	perReq                  int
	deep, pages             bool
	batch, workers          int
	clients                 int
	requests                int64
	duration                time.Duration
	rate                    float64
	timeout, backoff, wait  time.Duration
	warmup                  int64
	serverPID               int
	scrapeEvery             time.Duration
	tokenFile, jsonOut      string
	serverBin, serverArgs   string
	serverGrace             time.Duration
	cpuProfile              string
	failOnError             bool
}

const usageText = `Usage: loadtest [flags]

Drives a dataplus server on loopback with POST /process and reports docs/s,
latency percentiles, statuses, error kinds, peak RSS and /metrics.

Flags:
`

func parse(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usageText); fs.PrintDefaults() }
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8003", "server address: host:port or http://host:port, loopback only")
	fs.StringVar(&o.mode, "mode", modePaths, "paths (JSON pdf_paths under the server's data root) or upload (multipart)")
	fs.StringVar(&o.dir, "dir", filepath.Join("..", "shared", "corpus", "good"), "directory whose *.pdf files are sent (recursively); in paths mode, the server's --data-root")
	fs.StringVar(&o.prefix, "path-prefix", "", "paths mode: prepended to each file's path relative to --dir")
	fs.IntVar(&o.perReq, "files-per-request", 1, "files in each request")
	fs.BoolVar(&o.deep, "deep", false, "ask for extract_deep_features")
	fs.BoolVar(&o.pages, "pages", true, "per-page facts in the records (false sends include_pages=false)")
	fs.IntVar(&o.batch, "batch-size", 0, "batch_size to send (0: leave it out)")
	fs.IntVar(&o.workers, "max-workers", 0, "max_workers to send (0: leave it out)")
	fs.IntVar(&o.clients, "clients", 32, "concurrent clients (connections)")
	fs.Int64Var(&o.requests, "requests", 0, "stop after this many requests (0: only --duration bounds the run)")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "stop starting requests after this long (at most 1h)")
	fs.Float64Var(&o.rate, "rate", 0, "open loop: start this many requests per second on a fixed schedule (0: closed loop)")
	fs.DurationVar(&o.timeout, "timeout", time.Minute, "per-request timeout")
	fs.DurationVar(&o.backoff, "backoff", time.Second, "closed loop: longest wait after a 429 (its Retry-After, capped; 0: retry at once)")
	fs.DurationVar(&o.wait, "wait", 0, "wait this long for GET /health to answer 200 before starting (a server just launched)")
	fs.Int64Var(&o.warmup, "warmup", 0, "requests sent (and not counted) before the measured run")
	fs.IntVar(&o.serverPID, "server-pid", 0, "the server's process id: report its peak RSS (VmHWM from /proc/PID/status)")
	fs.DurationVar(&o.scrapeEvery, "scrape-interval", time.Second, "how often GET /metrics is scraped during the run (0: only before and after)")
	fs.StringVar(&o.serverBin, "server-bin", "", "start this dataplus binary (serve on --addr, --data-root --dir, a temporary store), measure it, then stop it with SIGTERM")
	fs.StringVar(&o.serverArgs, "server-args", "", "more flags for the started server, space-separated (e.g. \"--max-inflight-requests 4\")")
	fs.DurationVar(&o.serverGrace, "server-grace", 40*time.Second, "how long the started server may take to shut down after SIGTERM")
	fs.StringVar(&o.tokenFile, "auth-token-file", "", "file holding a bearer token, when the server has auth on")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the load generator itself (go tool pprof) here")
	fs.StringVar(&o.jsonOut, "json", "", "also write the report as JSON to this file")
	fs.BoolVar(&o.failOnError, "fail-on-error", false, "exit 1 when any request failed (transport error, status other than 200/429, short answer)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var errs []error
	if o.mode != modePaths && o.mode != modeUpload {
		errs = append(errs, fmt.Errorf("--mode %q: want paths or upload", o.mode))
	}
	if o.clients < 1 || o.clients > 4096 {
		errs = append(errs, fmt.Errorf("--clients %d: want 1..4096", o.clients))
	}
	if o.duration <= 0 || o.duration > time.Hour {
		errs = append(errs, fmt.Errorf("--duration %v: want more than 0 and at most 1h", o.duration))
	}
	if o.requests < 0 || o.warmup < 0 {
		errs = append(errs, errors.New("--requests and --warmup must not be negative"))
	}
	if o.perReq < 1 {
		errs = append(errs, fmt.Errorf("--files-per-request %d: want at least 1", o.perReq))
	}
	if o.rate < 0 || o.timeout <= 0 || o.backoff < 0 || o.scrapeEvery < 0 || o.wait < 0 {
		errs = append(errs, errors.New("--rate, --timeout, --backoff, --wait and --scrape-interval must not be negative (--timeout positive)"))
	}
	return o, errors.Join(errs...)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return 2
	}
	base, err := loopbackBase(ctx, o.addr, nil)
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return 2
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(stderr, "loadtest: cpu profile: %v\n", err)
			return 1
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	rep, err := loadTest(ctx, o, base)
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return 1
	}
	rep.print(stdout)
	if o.jsonOut != "" {
		if err := writeJSON(o.jsonOut, rep); err != nil {
			fmt.Fprintf(stderr, "loadtest: %v\n", err)
			return 1
		}
	}
	if o.failOnError && rep.Errors > 0 {
		fmt.Fprintf(stderr, "loadtest: %d request(s) failed\n", rep.Errors)
		return 1
	}
	return 0
}

func loadTest(ctx context.Context, o *options, base string) (*Report, error) {
	files, err := listPDFs(o.dir)
	if err != nil {
		return nil, err
	}
	w := &workload{mode: o.mode, files: files, prefix: o.prefix, perReq: o.perReq, deep: o.deep,
		noPages: !o.pages, batch: o.batch, workers: o.workers, procPath: "/process"}
	if err := w.load(o.dir); err != nil {
		return nil, err
	}
	token := ""
	if o.tokenFile != "" {
		b, err := os.ReadFile(o.tokenFile)
		if err != nil {
			return nil, fmt.Errorf("auth token: %w", err)
		}
		token = strings.TrimSpace(string(b))
	}
	client := newClient(o.clients, o.timeout)
	defer client.CloseIdleConnections()
	if o.serverBin != "" {
		return measureSpawned(ctx, o, base, w, token, client, len(files))
	}
	if err := waitHealthy(ctx, client, base, o.wait); err != nil {
		return nil, err
	}
	return measure(ctx, o, base, w, token, client, len(files))
}

// measureSpawned starts the server (--server-bin), measures it, and stops
// it with SIGTERM, timing its graceful shutdown.
func measureSpawned(ctx context.Context, o *options, base string, w *workload, token string, client *http.Client, nfiles int) (*Report, error) {
	if o.serverPID != 0 {
		return nil, errors.New("--server-pid and --server-bin exclude each other (the started server's pid is used)")
	}
	if err := portFree(ctx, base); err != nil {
		return nil, err
	}
	root, err := filepath.Abs(o.dir)
	if err != nil {
		return nil, err
	}
	srv, err := spawnServer(o.serverBin, base, root, splitArgs(o.serverArgs))
	if err != nil {
		return nil, err
	}
	o.serverPID = srv.cmd.Process.Pid
	rep, err := func() (*Report, error) {
		if err := waitHealthy(ctx, client, base, max(o.wait, 15*time.Second)); err != nil {
			return nil, errors.Join(err, srv.exited())
		}
		return measure(ctx, o, base, w, token, client, nfiles)
	}()
	took, serr := srv.stop(o.serverGrace)
	if err != nil {
		return nil, errors.Join(err, serr)
	}
	rep.ShutdownS = round3(took.Seconds())
	if serr != nil {
		rep.Notes = append(rep.Notes, serr.Error())
	}
	return rep, nil
}

// measure runs the warm-up and the measured run against a healthy server.
func measure(ctx context.Context, o *options, base string, w *workload, token string, client *http.Client, nfiles int) (*Report, error) {

	if o.warmup > 0 {
		wr := &runner{client: client, base: base, w: w, clients: o.clients, requests: o.warmup,
			duration: o.duration, backoff: o.backoff, token: token, collect: func(result) {}}
		wr.run(ctx)
	}

	sc := &scraper{client: client, url: base + "/metrics", token: token}
	sc.scrape(ctx) // the baseline; a failure is reported in the summary
	st := newStats()
	r := &runner{client: client, base: base, w: w, clients: o.clients, requests: o.requests,
		duration: o.duration, rate: o.rate, backoff: o.backoff, token: token, collect: st.add}
	scrapeCtx, stopScrape := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if o.scrapeEvery > 0 {
			sc.loop(scrapeCtx, o.scrapeEvery)
		}
	}()
	started := time.Now()
	cpu0 := takeCPU(o.serverPID)
	elapsed := r.run(ctx)
	cpu1 := takeCPU(o.serverPID)
	stopScrape()
	<-done
	sc.scrape(ctx)

	loop := "closed"
	if o.rate > 0 {
		loop = "open"
	}
	rep := st.report(ReportConfig{Addr: base, Mode: o.mode, Dir: o.dir, Files: nfiles, FilesPerRequest: o.perReq,
		Deep: o.deep, Clients: o.clients, Loop: loop, Rate: o.rate, MaxRequests: o.requests,
		Duration: o.duration.Seconds()}, started, elapsed)
	rep.Metrics = sc.summary()
	rep.CPU = cpuReport(cpu0, cpu1, runtime.NumCPU(), rep.Docs)
	if o.serverPID > 0 {
		m, err := serverMemory(o.serverPID)
		if err != nil {
			rep.Notes = append(rep.Notes, err.Error())
		}
		rep.Server = m
	}
	if s, err := getJSON(ctx, client, base+"/stats", token); err == nil {
		rep.Stats = s
	} else {
		rep.Notes = append(rep.Notes, "GET /stats: "+err.Error())
	}
	if ctx.Err() != nil {
		rep.Notes = append(rep.Notes, "interrupted: the figures cover the run until then")
	}
	return rep, nil
}

// waitHealthy polls GET /health until it answers 200, for up to wait; with
// no wait it asks once and fails fast, with the reason, when nothing
// answers.
func waitHealthy(ctx context.Context, client *http.Client, base string, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		err := checkHealth(ctx, client, base)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func checkHealth(ctx context.Context, client *http.Client, base string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/health", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("no server at %s: %w", base, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s/health: %s (not ready, or shutting down)", base, resp.Status)
	}
	return nil
}

func getJSON(ctx context.Context, client *http.Client, url, token string) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return nil, errors.New(resp.Status)
	}
	var v any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func writeJSON(path string, rep *Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
