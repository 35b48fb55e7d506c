package config

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
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
}

// DefaultFeatures returns the feature defaults.
func DefaultFeatures() Features {
	return Features{
		Model:     "ppocrv4_det",
		Scales:    Ints{320, 512},
		Pages:     16,
		Batch:     1,
		BatchWait: Duration(5 * time.Millisecond),
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
	if f.Pages < 0 || f.Batch < 1 || f.BatchWait < 0 || f.Threads < 0 || f.RenderInstances < 0 {
		errs = append(errs, fmt.Errorf("config: features: pages, threads and render_instances must not be negative, batch must be positive, batch_wait must not be negative (got %d, %d, %d, %d, %s)",
			f.Pages, f.Threads, f.RenderInstances, f.Batch, f.BatchWait))
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
	fs.IntVar(&f.Batch, "batch", f.Batch, "largest batch the visual model runs")
	fs.Var(&f.BatchWait, "batch-wait", "longest a partial batch waits for more pages, e.g. 5ms")
	fs.IntVar(&f.Threads, "threads", f.Threads, "ONNX Runtime threads (0: one per core)")
	fs.IntVar(&f.RenderInstances, "render-instances", f.RenderInstances, "PDFium instances (0: one per worker)")
	fs.BoolVar(&f.RenderFast, "render-fast", f.RenderFast, "render about 4x faster, but a stuck PDFium call can no longer be stopped, only abandoned (trusted input only)")
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
