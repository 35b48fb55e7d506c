package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"dataplus/internal/accel"
	"dataplus/internal/bench"
	"dataplus/internal/infer"
	"dataplus/internal/ingest"
	"dataplus/internal/record"
)

// benchRequest is the body of POST /benchmark.
type benchRequest struct {
	Config   string `json:"config"`
	Files    string `json:"files"`     // a directory or glob under a data root
	MaxFiles int    `json:"max_files"` // 0: the configuration's default, within the per-request file limit
	Workers  int    `json:"workers"`   // 0: the pipeline's workers
}

// benchmark is POST /benchmark: the named configuration over files under
// a data root, through internal/bench (the same runs as dataplus bench,
// without peers or sweeps). The answer is bench's JSON report. One runs
// at a time; a GPU configuration without a GPU is a report that says so.
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
	switch {
	case !bench.Known(req.Config):
		return errorf(kindBadRequest, "unknown benchmark config %q; known: %s", req.Config, strings.Join(bench.Names(), ", "))
	case req.Files == "":
		return errorf(kindBadRequest, "files is empty: name a directory or glob under a data root")
	case req.MaxFiles < 0 || req.MaxFiles > s.cfg.MaxFilesPerRequest:
		return errorf(kindBadRequest, "max_files must be from 1 to %d (0: the configuration's default), got %d", s.cfg.MaxFilesPerRequest, req.MaxFiles)
	case bench.Features(req.Config) && bench.Device(req.Config) == bench.DeviceCPU && s.fproc == nil:
		return errorf(kindUnavailable, "benchmark %s needs deep features, which this server does not have: %s", req.Config, s.features.Message)
	}
	opt, err := s.options(false, 0, req.Workers, nil)
	if err != nil {
		return err
	}
	if !s.bench.TryStart() {
		s.reject(rejectBench)
		return &Error{Kind: kindOverloaded, Message: "a benchmark is already running; retry when it is done", RetryAfter: 10}
	}
	defer s.bench.Done()
	ctx, cancel := s.requestContext(r)
	defer cancel()
	files, _, err := s.roots.expand(ctx, []string{req.Files}, s.cfg.MaxFilesPerRequest)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return errorf(kindNotFound, "%q holds no PDF", req.Files)
	}
	sources := make([]ingest.Source, len(files))
	for i, f := range files {
		sources[i] = ingest.Source{Index: i, Path: f.path, Open: f.open}
	}
	rep, err := bench.Run(ctx, bench.Options{
		Configs:    []string{req.Config},
		Sources:    sources,
		FilesLabel: req.Files,
		MaxFiles:   req.MaxFiles,
		Workers:    opt.workers,
		Build:      s.benchEngine,
		Version:    s.cfg.Version,
		OnRecord:   s.tally,
		Log:        s.log,
		GPU:        s.benchGPU,
	})
	if err != nil {
		return fmt.Errorf("benchmark %s over %d files: %w", req.Config, len(files), err)
	}
	if c := rep.Configs[0]; c.Status == bench.StatusFailed {
		return fmt.Errorf("benchmark %s: %s", req.Config, c.Reason)
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// benchEngine hands bench the server's own pipeline (with its feature
// extractor, shared with the requests in flight) at the asked workers.
func (s *Server) benchEngine(_ context.Context, p bench.Params) (*bench.Engine, error) {
	switch {
	case p.Device == bench.DeviceGPU && s.gpu == nil:
		return nil, fmt.Errorf("benchmark %s: %w: this server's model does not run on a GPU (see /health)", p.Config, record.ErrUnavailable)
	case p.Device == bench.DeviceCPU && p.Features && s.gpu != nil:
		return nil, fmt.Errorf("benchmark %s: %w: this server's model runs on the GPU; run CPU_Fallback with dataplus bench", p.Config, record.ErrUnavailable)
	}
	if p.Batch != 0 {
		return nil, fmt.Errorf("benchmark %s: the server's batch size is fixed at start", p.Config)
	}
	cfg := s.proc.Config()
	if p.Features {
		if s.fproc == nil {
			return nil, fmt.Errorf("benchmark %s: %w: %s", p.Config, record.ErrUnavailable, s.features.Message)
		}
		cfg = s.fproc.Config()
	}
	cfg.Workers = p.Workers
	eng := &bench.Engine{Pipeline: cfg}
	if x, ok := cfg.Features.(modelStats); ok {
		eng.Batches, eng.Backend, eng.Model = x.BatchStats, x.Backend(), x.Model()
	}
	if s.gpu != nil && p.Features {
		eng.DeviceBusy = s.gpu.Busy
		eng.DeviceMiB = accel.DeviceMiB
	}
	return eng, nil
}

// benchGPU tells the benchmark whether the GPU configurations can run:
// when the server's model runs on a GPU.
func (s *Server) benchGPU() bench.GPU {
	g := bench.FindGPU()
	if s.gpu == nil {
		g.Reason = "this server's model does not run on a GPU: " + s.features.Message
		if len(g.DeviceFiles) == 0 {
			g.Reason = "no GPU device (no /dev/nvidia*)"
		}
		return g
	}
	g.Found, g.Reason, g.Backend = true, "", s.gpu.Name()
	if name, mib, ok := accel.GPUName(context.Background()); ok {
		g.Name, g.MemoryMiB = name, mib
	}
	return g
}

// modelStats is what the feature extractor (deep.Extractor) tells a
// benchmark about its model.
type modelStats interface {
	BatchStats() map[string]infer.BatchStats
	Backend() string
	Model() string
}
