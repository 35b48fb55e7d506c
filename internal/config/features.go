package config

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"dataplus/internal/accel"
)

// Features is the deep-feature part of the configuration (process
// --features, serve's extract_deep_features). JSON names are the flag
// names with underscores, under "features".
type Features struct {
	Enabled         bool     `json:"enabled"`          // compute features by default
	Model           string   `json:"model"`            // visual model name from `dataplus models`
	ModelsFile      string   `json:"models_file"`      // manifest of user-supplied models
	AssetsDir       string   `json:"assets_dir"`       // where `dataplus setup` put the runtime and models
	Scales          Ints     `json:"scales"`           // detector input long sides, px
	Pages           int      `json:"pages"`            // pages per document embedded; 0 means all
	Batch           int      `json:"batch"`            // largest batch the model runs
	BatchWait       Duration `json:"batch_wait"`       // longest a batch waits to fill
	Threads         int      `json:"threads"`          // ONNX Runtime intra-op threads; 0 means one per core
	RenderInstances int      `json:"render_instances"` // PDFium instances; 0 means one per worker
	RenderFast      bool     `json:"render_fast"`      // PDFium without termination checks (trusted input only)
	PCA             string   `json:"pca"`              // fitted model file (dataplus fit) to project with

	Device            string  `json:"device"`              // auto, cpu, cuda or cuda:N
	PJRTPlugin        string  `json:"pjrt_plugin"`         // CUDA PJRT plugin file; "" searches
	GPUMemoryFraction float64 `json:"gpu_memory_fraction"` // share of each GPU's memory XLA may use; 0: 0.75
	Precision         string  `json:"precision"`           // GPU compute type: fp32 or bf16
	GPUBuckets        Ints    `json:"gpu_buckets"`         // batch sizes compiled on the GPU
}

// DefaultFeatures returns the feature defaults.
func DefaultFeatures() Features {
	return Features{
		Model:     "ppocrv4_det",
		Scales:    Ints{320, 512},
		Pages:     16,
		BatchWait: Duration(5 * time.Millisecond),
		Device:    "auto",
		Precision: "fp32",
	}
}

// Validate checks the feature settings.
func (f Features) Validate() error {
	var errs []error
	if f.Model == "" {
		errs = append(errs, errors.New("config: model must not be empty"))
	}
	if len(f.Scales) == 0 {
		errs = append(errs, errors.New("config: scales must list at least one size"))
	}
	for _, s := range f.Scales {
		if s < 32 || s > 4096 {
			errs = append(errs, fmt.Errorf("config: scales must be between 32 and 4096 px, got %d", s))
		}
	}
	if f.Pages < 0 || f.Batch < 0 || f.BatchWait < 0 || f.Threads < 0 || f.RenderInstances < 0 {
		errs = append(errs, fmt.Errorf("config: features: pages, batch, threads, render_instances and batch_wait must not be negative (got %d, %d, %d, %d, %s)",
			f.Pages, f.Batch, f.Threads, f.RenderInstances, f.BatchWait))
	}
	if _, err := accel.ParseDevice(f.Device); err != nil {
		errs = append(errs, fmt.Errorf("config: %w", err))
	}
	if _, err := accel.ParsePrecision(f.Precision); err != nil {
		errs = append(errs, fmt.Errorf("config: %w", err))
	}
	if f.GPUMemoryFraction < 0 || f.GPUMemoryFraction > 1 {
		errs = append(errs, fmt.Errorf("config: gpu_memory_fraction must be in (0, 1], got %g", f.GPUMemoryFraction))
	}
	for _, b := range f.GPUBuckets {
		if b < 1 || b > 4096 {
			errs = append(errs, fmt.Errorf("config: gpu_buckets must be between 1 and 4096, got %d", b))
		}
	}
	return errors.Join(errs...)
}

// BindFeatures registers the feature flags on fs.
func BindFeatures(fs *flag.FlagSet, f *Features) {
	fs.BoolVar(&f.Enabled, "features", f.Enabled, "render pages and compute deep feature vectors (needs `dataplus setup`)")
	fs.StringVar(&f.Model, "model", f.Model, "visual model for the embedding (see `dataplus models`)")
	fs.StringVar(&f.ModelsFile, "models-file", f.ModelsFile, "JSON manifest of user-supplied ONNX models")
	fs.StringVar(&f.AssetsDir, "assets-dir", f.AssetsDir, "directory of the ONNX Runtime library and bundled models")
	fs.Var(&f.Scales, "scales", "detector input sizes (long side, px), comma-separated")
	fs.IntVar(&f.Pages, "feature-pages", f.Pages, "pages per document that get features (0: all)")
	fs.IntVar(&f.Batch, "batch", f.Batch, "largest batch the visual model runs (0: 1 on the CPU, the largest GPU bucket on a GPU)")
	fs.Var(&f.BatchWait, "batch-wait", "longest a partial batch waits for more pages, e.g. 5ms")
	fs.IntVar(&f.Threads, "threads", f.Threads, "ONNX Runtime threads (0: one per core)")
	fs.IntVar(&f.RenderInstances, "render-instances", f.RenderInstances, "PDFium instances (0: one per worker)")
	fs.BoolVar(&f.RenderFast, "render-fast", f.RenderFast, "render about 4x faster, but a stuck PDFium call can no longer be stopped, only abandoned (trusted input only)")
	fs.StringVar(&f.Device, "device", f.Device, "where the visual model runs: auto (a GPU when one answers, else the CPU), cpu, cuda or cuda:N")
	fs.StringVar(&f.PJRTPlugin, "pjrt-plugin", f.PJRTPlugin, "CUDA PJRT plugin file (default: $DATAPLUS_PJRT_PLUGIN, then a Python environment's jax_plugins)")
	fs.Float64Var(&f.GPUMemoryFraction, "gpu-memory-fraction", f.GPUMemoryFraction, "share of each GPU's memory XLA may allocate (0: 0.75)")
	fs.StringVar(&f.Precision, "precision", f.Precision, "GPU compute precision: fp32 (TF32 matrix units) or bf16")
	fs.Var(&f.GPUBuckets, "gpu-buckets", "batch sizes compiled on the GPU, comma-separated (default 1,8,64)")
	if fs.Lookup("pca") == nil { // dataplus fit has its own --pca: the component count
		fs.StringVar(&f.PCA, "pca", f.PCA, "project feature vectors with this fitted model (from `dataplus fit`)")
	}
}

// Ints is a list of integers written "320,640" in flags and the
// environment and [320, 640] in files.
type Ints []int

func (v Ints) String() string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// Set parses a comma-separated list.
func (v *Ints) Set(s string) error {
	var out Ints
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return fmt.Errorf("%q is not a list of integers", s)
		}
		out = append(out, n)
	}
	*v = out
	return nil
}
