package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// SchemaVersion is the version of the JSON report (docs/bench.md). It
// changes when a field changes meaning or goes away; added fields keep it.
const SchemaVersion = 1

// Status of a configuration, sweep, peer or memory profile.
const (
	StatusOK      = "ok"
	StatusSkipped = "skipped" // could not run here (no GPU, no models, no peer): Reason says why
	StatusFailed  = "failed"  // ran and failed: Reason has the error
)

// Report is everything one `dataplus bench` run measured.
type Report struct {
	SchemaVersion  int             `json:"schema_version"`
	Tool           string          `json:"tool"`
	Created        time.Time       `json:"created"`
	WallMS         float64         `json:"wall_ms"` // the whole benchmark, peers and sweeps included
	Environment    Environment     `json:"environment"`
	Settings       Settings        `json:"settings"`
	Configs        []ConfigResult  `json:"configs"`
	Speedups       []Speedup       `json:"speedups,omitempty"`
	Peers          []Peer          `json:"peers,omitempty"`
	Sweeps         []Sweep         `json:"sweeps,omitempty"`
	Recommendation *Recommendation `json:"recommendation,omitempty"`
	Memory         *MemoryProfile  `json:"memory,omitempty"`
	Comparison     *Comparison     `json:"comparison,omitempty"`
}

// Environment is the machine and the software the numbers come from.
type Environment struct {
	Hardware Hardware `json:"hardware"`
	Software Software `json:"software"`
}

// Hardware describes the machine.
type Hardware struct {
	CPUModel   string  `json:"cpu_model"`
	CPUs       int     `json:"cpus"`
	GOMAXPROCS int     `json:"gomaxprocs"`
	MemoryMiB  float64 `json:"memory_mib"` // MemTotal, or the cgroup limit when lower
	OS         string  `json:"os"`
	Arch       string  `json:"arch"`
	Kernel     string  `json:"kernel,omitempty"`
	GPU        GPU     `json:"gpu"`
}

// Software names the versions.
type Software struct {
	Dataplus    string `json:"dataplus"`         // version
	Commit      string `json:"commit,omitempty"` // VCS revision the binary was built from
	CommitTime  string `json:"commit_time,omitempty"`
	Modified    bool   `json:"modified,omitempty"` // built from a tree with uncommitted changes
	Go          string `json:"go"`
	ONNXRuntime string `json:"onnxruntime,omitempty"` // when a feature configuration ran
	PDFEngine   string `json:"pdf_engine,omitempty"`  // the reader's engine name
	PyMuPDF     string `json:"pymupdf,omitempty"`     // the peer's PyMuPDF, when it ran
	Notes       string `json:"build_notes,omitempty"` // e.g. why the commit is unknown
	GOGC        string `json:"gogc_env,omitempty"`    // GOGC from the environment, if set
	GOMEMLIMIT  string `json:"gomemlimit_env,omitempty"`
}

// Settings are what the run was asked to do.
type Settings struct {
	Files         string   `json:"files"`       // the directory or glob named
	FilesFound    int      `json:"files_found"` // PDFs it holds
	Configs       []string `json:"configs"`
	Rounds        int      `json:"rounds"`
	MaxFiles      int      `json:"max_files,omitempty"`       // --max-files; 0: each configuration's default
	MinDurationMS float64  `json:"min_duration_ms,omitempty"` // --duration: files repeat until it passes
	Sample        string   `json:"sample"`                    // how the files of a configuration are chosen
	NoiseRule     string   `json:"noise_rule"`                // what noise_pct means
}

// ConfigResult is one configuration: its rounds and their summary.
type ConfigResult struct {
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	Status       string   `json:"status"`
	Reason       string   `json:"reason,omitempty"`
	Device       string   `json:"device"` // cpu or gpu
	Workers      int      `json:"workers"`
	Backend      string   `json:"backend,omitempty"` // inference backend and version
	Model        string   `json:"model,omitempty"`
	Batch        int      `json:"batch,omitempty"`
	BatchWaitMS  float64  `json:"batch_wait_ms,omitempty"`
	FeaturePages int      `json:"feature_pages,omitempty"` // pages per document embedded (0: all)
	Scales       []int    `json:"scales,omitempty"`
	RenderFast   bool     `json:"render_fast,omitempty"`
	GOGC         int      `json:"gogc,omitempty"` // the collector's target during the run
	Files        int      `json:"files"`          // files per pass (the sample)
	WarmupFiles  int      `json:"warmup_files"`
	Rounds       []Round  `json:"rounds,omitempty"`
	Summary      *Summary `json:"summary,omitempty"`
}

// Round is one measured run of a configuration.
type Round struct {
	Files               int            `json:"files"` // records (more than the sample with --duration)
	Pages               int            `json:"pages"` // routed pages
	EmbeddedPages       int            `json:"embedded_pages,omitempty"`
	SkippedPages        int            `json:"skipped_pages,omitempty"`
	ElapsedMS           float64        `json:"elapsed_ms"`
	FilesPerSec         float64        `json:"files_per_s"`
	PagesPerSec         float64        `json:"pages_per_s"`
	EmbeddedPagesPerSec float64        `json:"embedded_pages_per_s,omitempty"`
	StageMS             Stages         `json:"stage_ms"`    // summed over the files
	StageShare          Stages         `json:"stage_share"` // of the summed stage time
	LatencyMS           Percentiles    `json:"latency_ms"`  // per file, Timings.Total
	Batches             *Batches       `json:"batches,omitempty"`
	CPU                 CPU            `json:"cpu"`
	Memory              Memory         `json:"memory"`
	ErrorsByKind        map[string]int `json:"errors_by_kind"`
	FeatureErrorsByKind map[string]int `json:"feature_errors_by_kind,omitempty"`
	// MachineMBps is the machine-speed probe just before the round
	// (SHA-256 MB/s over all cores, see probeSpeed): when it moves, the
	// machine changed speed, not dataplus.
	MachineMBps float64 `json:"machine_mb_s,omitempty"`
}

// Stages are per-stage milliseconds (or shares), as in record.Timings.
type Stages struct {
	Read   float64 `json:"read"`
	Parse  float64 `json:"parse"`
	Scan   float64 `json:"scan"`
	Route  float64 `json:"route"`
	Render float64 `json:"render"`
	Infer  float64 `json:"infer"`
	Fuse   float64 `json:"fuse"`
}

// stageNames are the stages in pipeline order.
var stageNames = []string{"read", "parse", "scan", "route", "render", "infer", "fuse"}

// values returns the stages in the order of stageNames.
func (s Stages) values() []float64 {
	return []float64{s.Read, s.Parse, s.Scan, s.Route, s.Render, s.Infer, s.Fuse}
}

func (s Stages) sum() float64 {
	t := 0.0
	for _, v := range s.values() {
		t += v
	}
	return t
}

func (s Stages) scale(f float64) Stages {
	return Stages{s.Read * f, s.Parse * f, s.Scan * f, s.Route * f, s.Render * f, s.Infer * f, s.Fuse * f}
}

// Percentiles of a latency distribution, milliseconds.
type Percentiles struct {
	Samples int     `json:"samples"`
	P50     float64 `json:"p50"`
	P90     float64 `json:"p90"`
	P99     float64 `json:"p99"`
	Max     float64 `json:"max"`
}

// Batches are what the model's batchers did during a round.
type Batches struct {
	Batches   int64            `json:"batches"`
	Items     int64            `json:"items"` // model inputs (pages × scales)
	Errors    int64            `json:"errors,omitempty"`
	Mean      float64          `json:"mean"`
	Sizes     map[string]int64 `json:"sizes"`      // batch size -> batches of that size
	BusyMS    float64          `json:"busy_ms"`    // time inside the model
	BusyShare float64          `json:"busy_share"` // busy / wall: the device's busy share
	// MSPerItem is model time per input; its inverse is what the ONNX
	// Runtime peer is compared with.
	MSPerItem float64 `json:"ms_per_item"`
}

// CPU is the process's CPU use during a round.
type CPU struct {
	UserS float64 `json:"user_s"`
	SysS  float64 `json:"sys_s"`
	// Cores is (user + sys) / wall: how many cores the process kept busy.
	Cores float64 `json:"cores_used"`
	// MachineCores is how many cores the whole machine kept busy
	// (/proc/stat); OtherCores = MachineCores - Cores is what other
	// processes took, the usual source of noise.
	MachineCores float64 `json:"machine_cores_used,omitempty"`
	OtherCores   float64 `json:"other_cores_used,omitempty"`
}

// Memory is the process's memory during a round.
type Memory struct {
	// PeakRSSMiB is VmHWM. PeakScope says whether it was reset before the
	// round ("round") or is the process's peak so far ("process").
	PeakRSSMiB       float64 `json:"peak_rss_mib"`
	PeakScope        string  `json:"peak_scope"`
	MaxSampledRSSMiB float64 `json:"max_sampled_rss_mib"`
	SteadyRSSMiB     float64 `json:"steady_rss_mib"` // median of the samples in the second half
	MaxHeapMiB       float64 `json:"max_heap_mib"`   // Go heap objects
	Samples          int     `json:"samples"`
	DeviceMiB        float64 `json:"device_mib,omitempty"` // GPU memory, when there is a GPU
}

// Summary sums the rounds of a configuration: medians and spread.
type Summary struct {
	FilesPerSec         Stat             `json:"files_per_s"`
	PagesPerSec         Stat             `json:"pages_per_s"`
	EmbeddedPagesPerSec *Stat            `json:"embedded_pages_per_s,omitempty"`
	LatencyP50MS        Stat             `json:"latency_p50_ms"`
	LatencyP90MS        Stat             `json:"latency_p90_ms"`
	LatencyP99MS        Stat             `json:"latency_p99_ms"`
	StageMSPerFile      map[string]Stat  `json:"stage_ms_per_file"`
	StageShare          Stages           `json:"stage_share"` // of the median round by files/s
	CPUCores            Stat             `json:"cpu_cores"`
	OtherCores          Stat             `json:"other_cores"`
	MachineMBps         Stat             `json:"machine_mb_s"` // the machine-speed probe before each round
	ModelBusyShare      *Stat            `json:"model_busy_share,omitempty"`
	MeanBatch           *Stat            `json:"mean_batch,omitempty"`
	BatchSizes          map[string]int64 `json:"batch_sizes,omitempty"` // over every round
	PeakRSSMiB          Stat             `json:"peak_rss_mib"`
	SteadyRSSMiB        Stat             `json:"steady_rss_mib"`
	ErrorsByKind        map[string]int   `json:"errors_by_kind"` // of one pass (the first round)
}

// Stat is a figure over rounds: the median and the spread. NoisePct is
// the largest distance of a round from the median, in percent of the
// median: a second run's median is expected within it.
type Stat struct {
	Median   float64 `json:"median"`
	Min      float64 `json:"min"`
	Max      float64 `json:"max"`
	NoisePct float64 `json:"noise_pct"`
	N        int     `json:"n"`
}

// Speedup is a GPU configuration against CPU_Fallback.
type Speedup struct {
	Config string  `json:"config"`
	Over   string  `json:"over"`
	Metric string  `json:"metric"`
	Factor float64 `json:"factor"`
}

// WriteJSON writes the report, indented.
func WriteJSON(path string, rep *Report) error {
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// ReadJSON reads a report written by WriteJSON. A report of another
// schema version is refused: its fields may mean something else.
func ReadJSON(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	var rep Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("read report %s: %w", path, err)
	}
	if rep.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("read report %s: schema_version %d, this dataplus reads %d", path, rep.SchemaVersion, SchemaVersion)
	}
	return &rep, nil
}
