// Command renderbench renders PDF pages with internal/render's PDFium pool
// and prints one JSON line, to compare with scripts/peer_pymupdf_render.py
// (scripts/bench-render.sh runs both):
//
//	renderbench [--instances N] [--long-side 224 | --dpi 150] [--pages first|all]
//	            [--max-pages N] [--cache-dir DIR] [--timeout 30s] [--uninterruptible]
//	            [-v] DIR|FILES...
//
// Output: {"engine", "instances", "mode", "files", "pages", "seconds",
// "pages_per_s", "peak_rss_mib", "errors", "start_seconds"}. seconds covers
// the rendering only; start_seconds is the pool start-up (compiling PDFium
// or loading it from the compilation cache, and starting the instances).
// peak_rss_mib is the process's VmHWM. A file that fails to open (for
// example it needs a password) counts as one error; a page that fails to
// render counts as one error too.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"dataplus/internal/record"
	"dataplus/internal/render"
)

type config struct {
	instances int
	size      render.Size
	allPages  bool
	maxPages  int
	cacheDir  string
	timeout   time.Duration
	verbose   bool
	uninterr  bool
	paths     []string
}

type result struct {
	Engine       string  `json:"engine"`
	Instances    int     `json:"instances"`
	Mode         string  `json:"mode"`
	Files        int     `json:"files"`
	Pages        int64   `json:"pages"`
	Seconds      float64 `json:"seconds"`
	PagesPerS    float64 `json:"pages_per_s"`
	PeakRSSMiB   float64 `json:"peak_rss_mib"`
	Errors       int64   `json:"errors"`
	StartSeconds float64 `json:"start_seconds"`
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "renderbench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "renderbench:", err)
		os.Exit(1)
	}
	js, _ := json.Marshal(res)
	fmt.Println(string(js))
}

func parseFlags(args []string) (config, error) {
	var cfg config
	fl := flag.NewFlagSet("renderbench", flag.ContinueOnError)
	fl.IntVar(&cfg.instances, "instances", runtime.GOMAXPROCS(0), "PDFium instances (documents rendered at once)")
	longSide := fl.Int("long-side", 0, "render so the longer side is this many pixels (default 224 unless --dpi)")
	dpi := fl.Float64("dpi", 0, "render at this resolution instead of --long-side")
	pages := fl.String("pages", "first", "first or all")
	fl.IntVar(&cfg.maxPages, "max-pages", 0, "with --pages all, at most this many pages per file (0: no limit)")
	fl.StringVar(&cfg.cacheDir, "cache-dir", "", "wazero compilation cache (default: user cache dir)")
	fl.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "per-call timeout")
	fl.BoolVar(&cfg.uninterr, "uninterruptible", false, "compile PDFium without termination checks (faster; timed-out calls cannot be stopped)")
	fl.BoolVar(&cfg.verbose, "v", false, "print one line per file to stderr")
	fl.Usage = func() {
		fmt.Fprintln(fl.Output(), "usage: renderbench [flags] DIR|FILES...")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return cfg, err
	}
	switch {
	case *longSide > 0 && *dpi > 0:
		return cfg, errors.New("set one of --long-side and --dpi")
	case *dpi > 0:
		cfg.size = render.Size{DPI: *dpi}
	case *longSide > 0:
		cfg.size = render.Size{LongSide: *longSide}
	default:
		cfg.size = render.Size{LongSide: 224}
	}
	switch *pages {
	case "first":
	case "all":
		cfg.allPages = true
	default:
		return cfg, fmt.Errorf("--pages %q: want first or all", *pages)
	}
	cfg.paths = fl.Args()
	if len(cfg.paths) == 0 {
		fl.Usage()
		return cfg, errors.New("no input")
	}
	return cfg, nil
}

func run(ctx context.Context, cfg config) (result, error) {
	files, err := listPDFs(cfg.paths)
	if err != nil {
		return result{}, err
	}
	opts := render.DefaultOptions()
	opts.Instances = cfg.instances
	opts.CacheDir = cfg.cacheDir
	opts.CallTimeout = cfg.timeout
	opts.Uninterruptible = cfg.uninterr
	if err := opts.Validate(); err != nil {
		return result{}, err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	begin := time.Now()
	pool, err := render.New(ctx, opts, log)
	if err != nil {
		return result{}, err
	}
	defer pool.Close()
	startup := time.Since(begin)

	var pages, failures atomic.Int64
	work := make(chan string)
	var wg sync.WaitGroup
	start := time.Now()
	for range cfg.instances {
		wg.Go(func() {
			for path := range work {
				n, errs := renderFile(ctx, pool, cfg, path)
				pages.Add(n)
				failures.Add(errs)
			}
		})
	}
feed:
	for _, f := range files {
		select {
		case work <- f:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	secs := time.Since(start).Seconds()
	if err := ctx.Err(); err != nil {
		return result{}, err
	}

	mode := "long_side=" + strconv.Itoa(cfg.size.LongSide)
	if cfg.size.DPI > 0 {
		mode = "dpi=" + strconv.FormatFloat(cfg.size.DPI, 'f', -1, 64)
	}
	if cfg.allPages {
		mode += ",all_pages"
	} else {
		mode += ",first_page"
	}
	engine := "pdfium-wasm (go-pdfium)"
	if cfg.uninterr {
		engine += " uninterruptible"
	}
	return result{
		Engine:       engine,
		Instances:    cfg.instances,
		Mode:         mode,
		Files:        len(files),
		Pages:        pages.Load(),
		Seconds:      round3(secs),
		PagesPerS:    round1(float64(pages.Load()) / secs),
		PeakRSSMiB:   round1(float64(peakRSS()) / (1 << 20)),
		Errors:       failures.Load(),
		StartSeconds: round3(startup.Seconds()),
	}, nil
}

// renderFile renders the first page (or all, up to maxPages) of one file.
// It returns the pages rendered and the number of errors.
func renderFile(ctx context.Context, pool *render.Pool, cfg config, path string) (int64, int64) {
	t0 := time.Now()
	var n, errs int64
	data, err := os.ReadFile(path)
	if err == nil {
		err = pool.Document(ctx, data, "", func(d *render.Doc) error {
			last := min(d.Pages(), 1)
			if cfg.allPages {
				last = d.Pages()
				if cfg.maxPages > 0 {
					last = min(last, cfg.maxPages)
				}
			}
			for i := range last {
				if _, err := d.Render(ctx, i, cfg.size); err != nil {
					errs++
					if cfg.verbose {
						fmt.Fprintf(os.Stderr, "%s page %d: %s: %v\n", path, i, record.KindOf(err), err)
					}
					continue
				}
				n++
			}
			return nil
		})
	}
	if err != nil {
		errs++
	}
	if cfg.verbose {
		msg := ""
		if err != nil {
			msg = fmt.Sprintf(" %s: %v", record.KindOf(err), err)
		}
		fmt.Fprintf(os.Stderr, "%.3fs %d pages %s%s\n", time.Since(t0).Seconds(), n, path, msg)
	}
	return n, errs
}

// listPDFs expands directories (recursively, sorted) to their *.pdf files;
// files named on the command line are taken as they are.
func listPDFs(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !e.IsDir() && strings.EqualFold(filepath.Ext(path), ".pdf") {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", p, err)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// peakRSS is VmHWM from /proc/self/status, in bytes (0 where unavailable).
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }
func round3(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }
