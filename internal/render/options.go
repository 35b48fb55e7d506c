package render

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// Options configure a Pool.
type Options struct {
	// Instances is the number of PDFium instances, which is the number of
	// documents that can be open at once.
	Instances int
	// CacheDir holds wazero's compilation cache. Empty means
	// os.UserCacheDir()/dataplus/wazero. If the directory cannot be
	// created, the pool runs without a cache (and logs a warning).
	CacheDir string
	// MaxDocsPerInstance retires an instance after this many documents.
	MaxDocsPerInstance int
	// MaxInstanceMemory retires an instance once its WebAssembly memory
	// (which never shrinks) is larger than this many bytes.
	MaxInstanceMemory int64
	// CallTimeout bounds each Doc call (and opening and closing the
	// document). On expiry the instance is killed and replaced.
	CallTimeout time.Duration
	// MaxPixels refuses a render whose output would have more pixels, before
	// PDFium is asked for it.
	MaxPixels int
	// Uninterruptible compiles PDFium without wazero's termination checks
	// (WithCloseOnContextDone). Those checks leave wasm code at every loop
	// iteration to ask Go whether the module was closed; measured here they
	// make rendering about 6x slower. Without them a call that runs past
	// CallTimeout (or whose context ends) cannot be stopped: the caller
	// still gets its error at once, but the call runs on, holding its
	// instance slot, until it returns; only then is the instance retired. A
	// call that never returns loses its slot for good, and Close waits for
	// it. The default (false) keeps the checks: a timed-out call stops.
	Uninterruptible bool
}

// DefaultOptions returns the defaults: one instance per usable CPU, the
// default cache directory, 500 documents or 512 MiB of wasm memory per
// instance, 30 s per call and 50 megapixels per render (a letter page at
// about 740 dpi).
func DefaultOptions() Options {
	return Options{
		Instances:          runtime.GOMAXPROCS(0),
		MaxDocsPerInstance: 500,
		MaxInstanceMemory:  512 << 20,
		CallTimeout:        30 * time.Second,
		MaxPixels:          50_000_000,
	}
}

// Validate reports the first option that is out of range. An empty
// CacheDir is valid (it means the default).
func (o Options) Validate() error {
	switch {
	case o.Instances < 1 || o.Instances > 1024:
		return fmt.Errorf("render: instances %d: want 1 to 1024", o.Instances)
	case o.MaxDocsPerInstance < 1:
		return fmt.Errorf("render: max docs per instance %d: want at least 1", o.MaxDocsPerInstance)
	case o.MaxInstanceMemory < 16<<20:
		return fmt.Errorf("render: max instance memory %d bytes: want at least 16 MiB", o.MaxInstanceMemory)
	case o.CallTimeout <= 0:
		return fmt.Errorf("render: call timeout %s: want more than 0", o.CallTimeout)
	case o.MaxPixels < 1:
		return fmt.Errorf("render: max pixels %d: want at least 1", o.MaxPixels)
	}
	return nil
}

// defaultCacheDir is os.UserCacheDir()/dataplus/wazero.
func defaultCacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("user cache dir: %w", err)
	}
	if base == "" {
		return "", errors.New("user cache dir is empty")
	}
	return filepath.Join(base, "dataplus", "wazero"), nil
}
