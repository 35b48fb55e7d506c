package accel

import (
	"context"
	"fmt"
	"log/slog"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"

	"dataplus/internal/infer"
	"dataplus/internal/record"
)

// DefaultMemoryFraction is the share of each GPU's memory XLA may use
// when none is configured (XLA's own default).
const DefaultMemoryFraction = 0.75

// Options say where to run models.
type Options struct {
	Device string // auto, cpu, cuda, cuda:N
	Plugin string // the CUDA PJRT plugin file; "" searches (see FindPlugin)
	// MemoryFraction is the share of each GPU's memory XLA may allocate
	// (0 means DefaultMemoryFraction).
	MemoryFraction float64
	Precision      string // fp32 (default) or bf16, on the GPU
	Buckets        []int  // GPU batch sizes; nil means DefaultBuckets

	AssetsDir string // ONNX Runtime's library (CPU)
	Threads   int    // ONNX Runtime intra-op threads; 0: one per core
	Logger    *slog.Logger

	// GoMLX, when set, is used instead of a GPU: the converted model runs
	// on this GoMLX backend through the GPU path (buckets, parallel
	// batches, warm-up). Tests use GoMLX's pure-Go backend to exercise
	// that path on any machine; Device is then ignored.
	GoMLX backends.Backend
}

// Opened is the backend Open chose.
type Opened struct {
	Backend infer.Backend
	GPU     *GoMLX // the GPU backend; nil on the CPU
	Device  string // "cpu", or the GPUs used
	Plugin  string // the PJRT plugin loaded, on the GPU
	// Fallback says why "auto" runs on the CPU ("" otherwise).
	Fallback string
}

// Close closes the backend.
func (o *Opened) Close() error { return o.Backend.Close() }

// Version describes the backend for reports.
func (o *Opened) Version() string {
	if o.GPU != nil {
		return o.GPU.Name() + " " + o.Device
	}
	return o.Backend.Name() + " " + infer.ORTVersion()
}

// GPUBuilt reports whether this binary has the GPU backend (the xla
// build tag).
func GPUBuilt() bool { return gpuBuilt }

// Open opens the backend for opts.Device. "cpu" is ONNX Runtime; "cuda"
// and "cuda:N" are XLA on the GPU or an error wrapping
// record.ErrUnavailable that says what is missing; "auto" tries the GPU
// and falls back to ONNX Runtime, logging why.
func Open(ctx context.Context, opts Options) (*Opened, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dev, err := ParseDevice(opts.Device)
	if err != nil {
		return nil, err
	}
	prec, err := ParsePrecision(opts.Precision)
	if err != nil {
		return nil, err
	}
	if f := opts.MemoryFraction; f < 0 || f > 1 {
		return nil, fmt.Errorf("gpu memory fraction %g: want a number in (0, 1]", f)
	}
	if opts.GoMLX != nil {
		g, err := NewGoMLX(GoMLXOptions{Backend: opts.GoMLX, Name: "gomlx-" + opts.GoMLX.Name(), DType: dtypeOf(prec), Buckets: opts.Buckets, Logger: log})
		if err != nil {
			return nil, err
		}
		return &Opened{Backend: g, GPU: g, Device: "gomlx-" + opts.GoMLX.Name()}, nil
	}
	var fallback string
	if dev.Kind != CPU {
		t := time.Now()
		g, plugin, err := openGPU(ctx, dev, opts, prec, log)
		if err == nil {
			log.Info("models run on the GPU", "backend", g.Name(), "devices", g.Devices(), "plugin", plugin,
				"precision", prec, "buckets", g.Buckets(), "open", time.Since(t).Round(time.Millisecond))
			return &Opened{Backend: g, GPU: g, Device: gpuNames(g), Plugin: plugin}, nil
		}
		if dev.Kind == CUDA {
			return nil, fmt.Errorf("device %s: %w: %w", dev, record.ErrUnavailable, err)
		}
		fallback = err.Error()
		log.Info("no usable GPU: models run on the CPU with ONNX Runtime", "device", "auto", "reason", fallback)
	}
	ort, err := infer.NewORT(infer.ORTOptions{AssetsDir: opts.AssetsDir, IntraOpThreads: opts.Threads, Sessions: 1, Logger: log})
	if err != nil {
		return nil, err
	}
	return &Opened{Backend: ort, Device: CPU, Fallback: fallback}, nil
}

// dtypeOf maps a precision name to the GPU compute type.
func dtypeOf(prec string) dtypes.DType {
	if prec == BF16 {
		return dtypes.BFloat16
	}
	return dtypes.Float32
}

func gpuNames(g *GoMLX) string {
	var parts []string
	for _, d := range g.devices {
		parts = append(parts, fmt.Sprintf("cuda:%d", d.num))
	}
	return strings.Join(parts, ",")
}

// GPUMemoryMiB is the memory in use on the machine's NVIDIA GPUs, summed,
// as nvidia-smi reports it; ok is false where nvidia-smi does not answer.
func GPUMemoryMiB(ctx context.Context) (mib float64, ok bool) {
	rows, ok := smi(ctx, "memory.used")
	for _, r := range rows {
		v, err := strconv.ParseFloat(r[0], 64)
		if err != nil {
			return 0, false
		}
		mib += v
	}
	return mib, ok
}

// DeviceMiB is GPUMemoryMiB now, 0 where nvidia-smi does not answer (the
// benchmark's memory hook).
func DeviceMiB() float64 {
	mib, _ := GPUMemoryMiB(context.Background())
	return mib
}

// GPUName is the first NVIDIA GPU's name and total memory (MiB) as
// nvidia-smi reports them; ok is false where it does not answer.
func GPUName(ctx context.Context) (name string, mib float64, ok bool) {
	rows, ok := smi(ctx, "name", "memory.total")
	if !ok || len(rows) == 0 {
		return "", 0, false
	}
	mib, _ = strconv.ParseFloat(rows[0][1], 64)
	return rows[0][0], mib, true
}

// smi asks nvidia-smi for fields of every GPU: one row per GPU, one
// trimmed value per field. ok is false where it does not answer or answers
// something else.
func smi(ctx context.Context, fields ...string) (rows [][]string, ok bool) {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(cctx, "nvidia-smi", "--query-gpu="+strings.Join(fields, ","), "--format=csv,noheader,nounits").Output()
	if err != nil {
		return nil, false
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		vals := strings.Split(line, ",")
		if len(vals) != len(fields) {
			return nil, false
		}
		for i := range vals {
			vals[i] = strings.TrimSpace(vals[i])
		}
		rows = append(rows, vals)
	}
	return rows, true
}
