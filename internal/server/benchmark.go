package server

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"dataplus/internal/record"
)

// benchRequest is the body of POST /benchmark.
type benchRequest struct {
	Config   string `json:"config"`
	Files    string `json:"files"`     // a directory or glob under a data root
	MaxFiles int    `json:"max_files"` // 0: the per-request file limit
	Workers  int    `json:"workers"`   // 0: the pipeline's workers
}

// benchConfigs are the benchmark configurations the benchmark issue
// defines; only metadata runs in this build.
var benchConfigs = map[string]bool{
	"metadata":         true,
	"GPU_Full":         false,
	"GPU_No_Deep":      false,
	"CPU_Fallback":     false,
	"High_Concurrency": false,
}

// benchWarmup is how many files the warm-up pass reads (at most): enough
// to fault in the code, the page cache of the first files and the
// allocator's spans before the clock starts.
const benchWarmup = 16

type benchReport struct {
	Config         string         `json:"config"`
	Files          int            `json:"files"`
	Pages          int            `json:"pages"`
	Workers        int            `json:"workers"`
	WarmupFiles    int            `json:"warmup_files"`
	ElapsedMS      float64        `json:"elapsed_ms"`
	FilesPerSecond float64        `json:"files_per_second"`
	PagesPerSecond float64        `json:"pages_per_second"`
	StageMS        stageTimes     `json:"stage_ms"`    // summed over the files
	StageShare     stageTimes     `json:"stage_share"` // of the summed stage time
	LatencyMS      percentiles    `json:"latency_ms"`  // per file, read to route
	ErrorsByKind   map[string]int `json:"errors_by_kind"`
	Hardware       hardware       `json:"hardware"`
	Software       software       `json:"software"`
	GPU            *struct{}      `json:"gpu"`
}

type hardware struct {
	CPUModel   string `json:"cpu_model,omitempty"`
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
}

type software struct {
	Version string `json:"version"`
	Go      string `json:"go"`
	Engine  string `json:"engine"`
}

// benchmark is POST /benchmark: the named configuration over files under
// a data root, after a warm-up pass. One runs at a time.
func (s *Server) benchmark(w http.ResponseWriter, r *http.Request) error {
	if mt, _, err := mediaType(r); err != nil {
		return err
	} else if mt != "application/json" {
		return errorf(kindUnsupportedMedia, "Content-Type %q: send application/json", mt)
	}
	var req benchRequest
	if err := s.decodeJSON(w, r, &req, 64<<10); err != nil {
		return err
	}
	runs, known := benchConfigs[req.Config]
	switch {
	case !known:
		return errorf(kindBadRequest, "unknown benchmark config %q; known: metadata, GPU_Full, GPU_No_Deep, CPU_Fallback, High_Concurrency", req.Config)
	case !runs:
		return errorf(kindUnavailable, "benchmark %s is not in this build yet (the benchmark suite comes with dataplus bench); run config \"metadata\"", req.Config)
	case req.Files == "":
		return errorf(kindBadRequest, "files is empty: name a directory or glob under a data root")
	case req.MaxFiles < 0 || req.MaxFiles > s.cfg.MaxFilesPerRequest:
		return errorf(kindBadRequest, "max_files must be from 1 to %d (0: %d), got %d", s.cfg.MaxFilesPerRequest, s.cfg.MaxFilesPerRequest, req.MaxFiles)
	}
	opt, err := s.options(false, 0, req.Workers, nil)
	if err != nil {
		return err
	}
	if req.MaxFiles == 0 {
		req.MaxFiles = s.cfg.MaxFilesPerRequest
	}
	if !s.bench.TryStart() {
		s.reject(rejectBench)
		return &Error{Kind: kindOverloaded, Message: "a benchmark is already running; retry when it is done", RetryAfter: 10}
	}
	defer s.bench.Done()
	ctx, cancel := s.requestContext(r)
	defer cancel()
	files, _, err := s.roots.expand(ctx, []string{req.Files}, req.MaxFiles)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return errorf(kindNotFound, "%q holds no PDF", req.Files)
	}
	warm := files[:min(len(files), benchWarmup)]
	s.runFiles(ctx, warm, opt)
	start := time.Now()
	recs := s.runFiles(ctx, files, opt)
	el := time.Since(start)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("benchmark over %d files: %w", len(files), err)
	}
	rep := benchReport{
		Config: req.Config, Files: len(recs), Workers: opt.workers, WarmupFiles: len(warm),
		ElapsedMS:    float64(el.Microseconds()) / 1000,
		ErrorsByKind: map[string]int{},
		Hardware:     hostHardware(),
		Software:     software{Version: s.cfg.Version, Go: runtime.Version(), Engine: record.EngineDataplus},
	}
	lat := make([]float64, 0, len(recs))
	for i := range recs {
		rec := &recs[i]
		if rec.Route != nil {
			rep.Pages += rec.Route.Pages
		}
		if rec.Error != nil {
			rep.ErrorsByKind[string(rec.Error.Kind)]++
		}
		t := rec.Timings
		rep.StageMS.Read += t.Read
		rep.StageMS.Parse += t.Parse
		rep.StageMS.Scan += t.Scan
		rep.StageMS.Route += t.Route
		lat = append(lat, t.Total)
	}
	if sec := el.Seconds(); sec > 0 {
		rep.FilesPerSecond = float64(rep.Files) / sec
		rep.PagesPerSecond = float64(rep.Pages) / sec
	}
	if sum := rep.StageMS.Read + rep.StageMS.Parse + rep.StageMS.Scan + rep.StageMS.Route; sum > 0 {
		rep.StageShare = stageTimes{rep.StageMS.Read / sum, rep.StageMS.Parse / sum, rep.StageMS.Scan / sum, rep.StageMS.Route / sum}
	}
	rep.LatencyMS = percentilesOf(lat)
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func hostHardware() hardware {
	return hardware{CPUModel: cpuModel(), CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), OS: runtime.GOOS, Arch: runtime.GOARCH}
}

// cpuModel reads the first "model name" of /proc/cpuinfo; "" elsewhere.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
