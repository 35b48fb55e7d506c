package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"time"

	"dataplus/internal/infer"
	"dataplus/internal/ingest"
	"dataplus/internal/pipeline"
	"dataplus/internal/record"
	"dataplus/internal/render"
)

// The configurations.
const (
	Metadata        = "metadata"
	CPUFallback     = "CPU_Fallback"
	HighConcurrency = "High_Concurrency"
	GPUFull         = "GPU_Full"
	GPUNoDeep       = "GPU_No_Deep"
)

// Devices.
const (
	DeviceCPU = "cpu"
	DeviceGPU = "gpu"
)

// def is a configuration's definition.
type def struct {
	name        string
	description string
	features    bool
	device      string
	// workerFactor multiplies the base worker count.
	workerFactor int
}

var defs = []def{
	{Metadata, "reader and router only: metadata, page facts and OCR routes (no rendering, no model)", false, DeviceCPU, 1},
	{CPUFallback, "deep features on the CPU: PDFium rendering and the visual model on ONNX Runtime", true, DeviceCPU, 1},
	{HighConcurrency, "deep features on the CPU with twice the workers: the most parallelism that is sensible", true, DeviceCPU, 2},
	{GPUFull, "deep features with the visual model on the GPU", true, DeviceGPU, 1},
	{GPUNoDeep, "metadata and routing on a GPU machine, without deep features", false, DeviceGPU, 1},
}

// Names lists the configurations in the order they run.
func Names() []string {
	out := make([]string, len(defs))
	for i, d := range defs {
		out[i] = d.name
	}
	return out
}

// Known reports whether name is a configuration.
func Known(name string) bool { _, ok := lookup(name); return ok }

// Features reports whether configuration name computes deep features.
func Features(name string) bool { d, _ := lookup(name); return d.features }

// Device is the device configuration name runs on (cpu or gpu).
func Device(name string) string { d, _ := lookup(name); return d.device }

func lookup(name string) (def, bool) {
	for _, d := range defs {
		if d.name == name {
			return d, true
		}
	}
	return def{}, false
}

// Defaults chosen so that `dataplus bench --config CPU_Fallback --config
// metadata` over the shared corpus ends within about three minutes on two
// cores: a feature configuration embeds about 2 pages per file, rendering
// dominates, and a 16-file pass then takes 10-30 s.
const (
	DefaultRounds          = 3
	DefaultFeatureMaxFiles = 32 // files per pass of a feature configuration: rounds of about 10 s on 2 cores
	DefaultMetadataWarmup  = 16 // files in the warm-up pass, metadata
	DefaultFeatureWarmup   = 2  // and with features (each file costs about a second)
	sampleEvery            = 100 * time.Millisecond
	memoryEvery            = 250 * time.Millisecond
)

// Params say how to build the pipeline of one run.
type Params struct {
	Config   string
	Features bool   // deep features
	Device   string // DeviceCPU or DeviceGPU
	Workers  int    // files at once
	Batch    int    // largest model batch; 0: as configured
}

// Engine is a pipeline built for a run. Fields other than Pipeline and
// Close may be left empty; they are reported when set.
type Engine struct {
	Pipeline pipeline.Config // validated; Features and Fallback plugged in
	// Batches returns the model batchers' totals (deep.Extractor's
	// BatchStats); nil without a model.
	Batches func() map[string]infer.BatchStats
	// DeviceMiB returns the accelerator memory in use; nil on the CPU.
	DeviceMiB func() float64
	// DeviceBusy returns the accelerator's busy time so far (time with at
	// least one batch running, summed over devices); nil on the CPU, where
	// the batchers' busy time is used.
	DeviceBusy func() time.Duration
	Close      func() error // nil: nothing to release
	// GOGC is the collector target the configuration runs with (dataplus
	// process uses 400 for metadata, 100 with PDFium in the process); it
	// is set before each of its passes, since configurations take turns.
	// 0 leaves the collector alone, as does GOGC in the environment.
	GOGC int

	Backend      string // e.g. onnxruntime-cpu 1.22.0
	Model        string
	Batch        int
	BatchWait    time.Duration
	FeaturePages int
	Scales       []int
	RenderFast   bool
}

// Builder builds the pipeline for a run. An error wrapping
// record.ErrUnavailable (no models installed, no GPU backend) makes the
// configuration "skipped" with the error as the reason; other errors make
// it "failed".
type Builder func(ctx context.Context, p Params) (*Engine, error)

// Options configure Run.
type Options struct {
	Configs    []string        // configuration names, run in this order
	Sources    []ingest.Source // the files, as discovered
	FilesLabel string          // what the user named, for the report
	// MaxFiles caps each pass (evenly spaced over Sources); 0 means every
	// file for metadata and DefaultFeatureMaxFiles with features.
	MaxFiles int
	// Duration, when positive, repeats the files of a round until it has
	// passed (whole passes are not required: feeding stops once it has).
	Duration time.Duration
	Rounds   int // 0: DefaultRounds
	Warmup   int // files in the warm-up pass; 0: the defaults, -1: none
	Workers  int // base worker count; 0: the number of CPUs
	Build    Builder

	// Sweeps run CPU_Fallback at each worker count (SweepWorkers; nil:
	// 1, 2, 4 and twice the CPUs) and each batch size (SweepBatches; nil:
	// 1, 2, 4, 8), one short run per point. Names: "workers", "batch".
	Sweeps       []string
	SweepWorkers []int
	SweepBatches []int
	// Memory, when positive, profiles MemoryConfig (default: the first
	// configuration asked for that ran) for that long.
	Memory       time.Duration
	MemoryConfig string

	Peers *PeerOptions // nil: no peers

	GPU      func() GPU           // nil: FindGPU
	Version  string               // dataplus's version
	OnRecord func(*record.Record) // every record, warm-up included (the server's stats)
	Progress io.Writer            // a line per finished run; nil: none
	Log      *slog.Logger
}

// PeerOptions say where the peers are and what they compare with.
type PeerOptions struct {
	Python  string // interpreter with PyMuPDF (fitz); "" means /usr/bin/python3
	Scripts string // directory of peer_pymupdf.py and peer_pymupdf_render.py
	// Render is the PDFium pool the rendering peer is compared with;
	// Instances is set to each configuration's workers.
	Render render.Options
	// For ONNX Runtime alone: the same model, scales and threads as the
	// pipeline.
	AssetsDir  string
	ModelsFile string
	Model      string
	Scales     []int
	Threads    int
	Pages      int // pages per document the feature configurations embed (0: all)
}

func (o *Options) check() error {
	var errs []error
	if o.Build == nil {
		errs = append(errs, errors.New("bench: no engine builder"))
	}
	if len(o.Sources) == 0 {
		errs = append(errs, errors.New("bench: no files"))
	}
	if len(o.Configs) == 0 {
		errs = append(errs, errors.New("bench: no configuration"))
	}
	for _, c := range o.Configs {
		if !Known(c) {
			errs = append(errs, fmt.Errorf("bench: unknown configuration %q; known: %s", c, strings.Join(Names(), ", ")))
		}
	}
	for _, s := range o.Sweeps {
		if s != "workers" && s != "batch" {
			errs = append(errs, fmt.Errorf("bench: unknown sweep %q; known: workers, batch", s))
		}
	}
	if o.MemoryConfig != "" && !Known(o.MemoryConfig) {
		errs = append(errs, fmt.Errorf("bench: unknown memory configuration %q", o.MemoryConfig))
	}
	if o.MaxFiles < 0 || o.Duration < 0 || o.Rounds < 0 || o.Workers < 0 || o.Memory < 0 || o.Warmup < -1 {
		errs = append(errs, errors.New("bench: max files, duration, rounds, workers and memory must not be negative"))
	}
	return errors.Join(errs...)
}

func (o *Options) defaults() {
	if o.Rounds == 0 {
		o.Rounds = DefaultRounds
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.GPU == nil {
		o.GPU = FindGPU
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.SweepWorkers == nil {
		o.SweepWorkers = uniqSorted([]int{1, 2, 4, 2 * runtime.GOMAXPROCS(0)})
	}
	if o.SweepBatches == nil {
		o.SweepBatches = []int{1, 2, 4, 8}
	}
	if p := o.Peers; p != nil && p.Python == "" {
		p.Python = "/usr/bin/python3"
	}
}

// maxFiles is the pass size of a configuration.
func (o *Options) maxFiles(d def) int {
	if o.MaxFiles > 0 {
		return o.MaxFiles
	}
	if d.features {
		return DefaultFeatureMaxFiles
	}
	return 0
}

func (o *Options) warmup(d def, n int) int {
	w := o.Warmup
	switch {
	case w < 0:
		return 0
	case w == 0 && d.features:
		w = DefaultFeatureWarmup
	case w == 0:
		w = DefaultMetadataWarmup
	}
	return min(w, n)
}

// sample picks n sources evenly spaced over src (all when n is 0 or not
// less than len(src)), renumbered from 0.
func sample(src []ingest.Source, n int) []ingest.Source {
	if n <= 0 || n >= len(src) {
		n = len(src)
	}
	out := make([]ingest.Source, n)
	for i := range n {
		out[i] = src[i*len(src)/n]
		out[i].Index = i
	}
	return out
}

func uniqSorted(v []int) []int {
	v = slices.Clone(v)
	slices.Sort(v)
	return slices.Compact(v)
}
