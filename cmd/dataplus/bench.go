package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"dataplus/internal/accel"
	"dataplus/internal/bench"
	"dataplus/internal/config"
	"dataplus/internal/ingest"
	"dataplus/internal/record"
)

const benchUsage = `Usage: dataplus bench [--config NAME]... [--files DIR|GLOB] [--output report.json]
                      [--duration D] [--max-files N] [--sweep workers|batch] [--memory D]
                      [--compare OLD.json] [flags]

Runs named configurations through the real pipeline over the files, each
after an untimed warm-up, for --rounds rounds, and writes the report as
JSON (--output; schema in docs/bench.md), a Markdown summary beside it
(.md) and PNG charts (NAME-stages.png, -workers.png, -batch.png,
-memory.png: only those whose data was measured). Figures are medians
over the rounds with the noise the report states.

Configurations (--config NAME, repeatable or comma-separated; default all):
  metadata          reader and router only
  CPU_Fallback      deep features on the CPU (PDFium, ONNX Runtime)
  High_Concurrency  deep features with twice --workers
  GPU_Full          deep features on the GPU   } reported as skipped, with the
  GPU_No_Deep       metadata on a GPU machine  } reason, when no GPU is found
A --config value that is not a configuration name is the JSON settings
file, as in the other commands.

The work: metadata takes every file, feature configurations 32 files
evenly spaced over them (--max-files N for both), and here embed 2 pages
per document unless --feature-pages is given. --duration D repeats the
files of each round until D has passed. Peers (PyMuPDF, PDFium alone,
ONNX Runtime alone) run beside metadata and CPU_Fallback when installed.

Exit status: 0; 1 when a configuration failed or --compare found a
regression (the report is written first); 2 for usage errors.

Flags:
`

// benchFeaturePages is what feature configurations embed per document
// unless --feature-pages says otherwise: enough to exercise rendering and
// batching, few enough that the default run ends in minutes on two cores.
const benchFeaturePages = 2

func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	names, rest, err := splitBenchConfigs(args)
	if err != nil {
		fmt.Fprintf(stderr, "dataplus bench: %v\n", err)
		return errUsage
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	files := fs.String("files", "testdata/samples", "directory or glob of the PDFs")
	output := fs.String("output", "out/bench/report.json", "the JSON report; the .md and the PNGs go beside it")
	fs.StringVar(output, "o", "out/bench/report.json", "same as --output")
	duration := fs.Duration("duration", 0, "repeat each round's files until this much time has passed (e.g. 30s)")
	maxFiles := fs.Int("max-files", 0, "files per pass, evenly spaced (0: every file for metadata, 16 with features)")
	rounds := fs.Int("rounds", bench.DefaultRounds, "measured rounds per configuration")
	warmup := fs.Int("warmup", 0, "files in the untimed warm-up pass (0: 16 for metadata, 2 with features; -1: none)")
	var sweeps listFlag
	fs.Var(&sweeps, "sweep", "sweep CPU_Fallback over workers or batch (repeatable)")
	memory := fs.Duration("memory", 0, "profile memory over a run this long (e.g. 5m)")
	memoryConfig := fs.String("memory-config", "", "configuration the memory profile runs (default: the first that ran)")
	compare := fs.String("compare", "", "an older report: name what got slower beyond the noise")
	noPeers := fs.Bool("no-peers", false, "skip the peer runs")
	scripts := fs.String("scripts", "", "directory of the PyMuPDF peer scripts (default: scripts/ beside bin/, else ./scripts)")
	python := fs.String("python", "/usr/bin/python3", "Python with PyMuPDF (fitz) for the peers")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), benchUsage)
		fs.PrintDefaults()
	}
	cfg, err := config.Load(fs, rest, os.Getenv, runtime.GOMAXPROCS(0))
	if err != nil {
		return loadError("bench", stderr, err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dataplus bench: unexpected argument %q: name the files with --files\n", fs.Arg(0))
		return errUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["feature-pages"] && cfg.Features.Pages == config.DefaultFeatures().Pages {
		cfg.Features.Pages = benchFeaturePages
	}
	if len(names) == 0 {
		names = bench.Names()
	}
	log := newLogger(stderr, cfg.LogLevel)

	var old *bench.Report
	if *compare != "" {
		if old, err = bench.ReadJSON(*compare); err != nil {
			return err
		}
	}
	sources, err := discover(ctx, *files)
	if err != nil {
		return err
	}
	opt := bench.Options{
		Configs: names, Sources: sources, FilesLabel: *files,
		MaxFiles: *maxFiles, Duration: *duration, Rounds: *rounds, Warmup: *warmup, Workers: cfg.Workers,
		Build:  benchBuilder(cfg, log),
		Sweeps: sweeps, Memory: *memory, MemoryConfig: *memoryConfig,
		Version: version, Progress: stderr, Log: log,
		GPU: func() bench.GPU { return findGPU(ctx, cfg) },
	}
	if !*noPeers {
		opt.Peers = &bench.PeerOptions{
			Python: *python, Scripts: scriptsDir(*scripts), Render: renderOptions(cfg),
			AssetsDir: cfg.Features.AssetsDir, ModelsFile: cfg.Features.ModelsFile, Model: cfg.Features.Model,
			Scales: cfg.Features.Scales, Threads: cfg.Features.Threads, Pages: cfg.Features.Pages,
		}
	}
	rep, err := bench.Run(ctx, opt)
	if err != nil {
		return err
	}
	if old != nil {
		rep.Comparison = bench.Compare(old, rep)
	}
	written, err := bench.Write(rep, *output)
	if err != nil {
		return err
	}
	for _, line := range rep.Headlines() {
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintf(stdout, "wrote %s\n", strings.Join(written, ", "))
	var errs []error
	for _, c := range rep.Configs {
		if c.Status == bench.StatusFailed {
			errs = append(errs, fmt.Errorf("bench: %s failed: %s", c.Name, c.Reason))
		}
	}
	if c := rep.Comparison; c != nil && len(c.Regressions) > 0 {
		errs = append(errs, fmt.Errorf("bench: %d regressions against %s", len(c.Regressions), *compare))
	}
	return errors.Join(errs...)
}

// splitBenchConfigs takes the --config values that name configurations
// out of args; any other --config value is the settings file, left for
// config.Load.
func splitBenchConfigs(args []string) (names, rest []string, err error) {
	take := func(v string) bool {
		parts := strings.Split(v, ",")
		for _, p := range parts {
			if !bench.Known(strings.TrimSpace(p)) {
				return false
			}
		}
		for _, p := range parts {
			names = append(names, strings.TrimSpace(p))
		}
		return true
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		flagName, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || flagName != "config" {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 == len(args) {
				return nil, nil, errors.New("--config needs a configuration name (" + strings.Join(bench.Names(), ", ") + ") or a settings file")
			}
			value = args[i+1]
			if take(value) {
				i++
				continue
			}
			rest = append(rest, a)
			continue
		}
		if !take(value) {
			rest = append(rest, a)
		}
	}
	return names, rest, nil
}

// discover lists the PDFs named, in path order.
func discover(ctx context.Context, name string) ([]ingest.Source, error) {
	ch := make(chan ingest.Source, 64)
	errc := make(chan error, 1)
	go func() { errc <- ingest.Discover(ctx, []string{name}, nil, ingest.Options{}, ch) }()
	var out []ingest.Source
	var bad error
	for s := range ch {
		if s.Err != nil {
			if bad == nil {
				bad = fmt.Errorf("files %s: %w", s.Path, s.Err)
			}
			continue
		}
		out = append(out, s)
	}
	if err := <-errc; err != nil {
		return nil, err
	}
	if bad != nil {
		return nil, bad
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("files: no PDF in %s", name)
	}
	return out, nil
}

// scriptsDir finds the peer scripts: the flag, else scripts/ beside the
// binary's directory (bin/dataplus in a checkout), else ./scripts.
func scriptsDir(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Join(filepath.Dir(exe), "..", "scripts")
		if _, err := os.Stat(filepath.Join(dir, "peer_pymupdf.py")); err == nil {
			return dir
		}
	}
	return "scripts"
}

// benchBuilder builds each run's engines from the configuration, the way
// dataplus process would with those workers and that batch size.
func benchBuilder(cfg config.Config, log *slog.Logger) bench.Builder {
	return func(ctx context.Context, p bench.Params) (*bench.Engine, error) {
		c := cfg
		switch {
		case p.Device == bench.DeviceGPU && !accel.GPUBuilt():
			return nil, fmt.Errorf("%s: %w: this build has no GPU backend (make build-gpu)", p.Config, record.ErrUnavailable)
		case p.Device == bench.DeviceGPU:
			if d, err := accel.ParseDevice(c.Features.Device); err != nil || d.Kind != accel.CUDA {
				c.Features.Device = accel.CUDA // GPU configurations never fall back
			}
		default:
			c.Features.Device = accel.CPU // CPU configurations stay on the CPU on a GPU machine
		}
		c.Workers = p.Workers
		if p.Batch > 0 {
			c.Features.Batch = p.Batch
		}
		eng, err := newEngines(ctx, c, p.Features, log, nil)
		if err != nil {
			return nil, err
		}
		pc := eng.pipeline(c.Pipeline())
		if err := pc.Validate(); err != nil {
			eng.Close()
			return nil, fmt.Errorf("%s: %w", p.Config, err)
		}
		// What dataplus process runs each with; the bench sets it before
		// each pass, since configurations take turns.
		e := &bench.Engine{Pipeline: pc, Close: eng.Close, GOGC: defaultGCPercent}
		if p.Features {
			e.GOGC = 100
		}
		if x := eng.extractor; x != nil {
			f := c.Features
			e.Batches = x.BatchStats
			if g := x.Accel().GPU; g != nil {
				e.DeviceMiB = accel.DeviceMiB
				e.DeviceBusy = g.Busy
			}
			e.Backend, e.Model = x.Backend(), x.Model()
			e.Batch, e.BatchWait, e.FeaturePages, e.Scales, e.RenderFast = f.Batch, time.Duration(f.BatchWait), f.Pages, f.Scales, f.RenderFast
		}
		return e, nil
	}
}

// findGPU tells the bench whether the GPU configurations can run: this
// build must have the GPU backend, and a device and a PJRT plugin must be
// there (the configurations themselves then check that the GPU answers).
func findGPU(ctx context.Context, cfg config.Config) bench.GPU {
	g := bench.FindGPU()
	if !accel.GPUBuilt() {
		return g
	}
	if len(g.DeviceFiles) == 0 {
		g.Reason = "no GPU device (no /dev/nvidia*)"
		return g
	}
	p, err := accel.FindPlugin(ctx, cfg.Features.PJRTPlugin)
	if err != nil {
		g.Reason = err.Error()
		return g
	}
	g.Found, g.Reason = true, ""
	g.Backend = "xla-cuda via " + p.Path
	if name, mib, ok := accel.GPUName(ctx); ok {
		g.Name, g.MemoryMiB = name, mib
	}
	return g
}

// listFlag is a repeatable flag that also takes comma-separated values.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}
