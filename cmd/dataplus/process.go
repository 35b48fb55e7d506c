package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"golang.org/x/sync/errgroup"

	"dataplus/internal/config"
	"dataplus/internal/ingest"
	"dataplus/internal/parquetout"
	"dataplus/internal/pipeline"
	"dataplus/internal/record"
)

// errUsage marks errors already explained to the user by the flag package.
var errUsage = errors.New("usage")

const processUsage = `Usage: dataplus process [flags] [PATH|DIR|GLOB|-]...

Reads every PDF named (directories recursively, globs, "-" for a list of
names on stdin) and writes one JSON record per file, in input order, to
stdout or --output. A summary goes to stderr at the end, and a progress line
while it runs when stderr is a terminal. Bad files are records with an error
kind; the exit status is 0 unless the run itself failed.

Flags:
`

func processCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("process", flag.ContinueOnError)
	fs.SetOutput(stderr)
	output := fs.String("o", "", "write records here instead of stdout")
	fs.StringVar(output, "output", "", "same as -o")
	progress := fs.String("progress", "auto", "progress line on stderr: auto (when a terminal), always, never")
	quiet := fs.Bool("quiet", false, "no summary table")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (go tool pprof) of the run here")
	format := fs.String("format", "jsonl", "output format: jsonl (one record per line) or parquet (one row per document; needs -o or a pipe)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), processUsage)
		fs.PrintDefaults()
	}
	cfg, err := config.Load(fs, args, os.Getenv, runtime.GOMAXPROCS(0))
	if err != nil {
		return loadError("process", stderr, err)
	}
	if *format != "jsonl" && *format != "parquet" {
		fmt.Fprintf(stderr, "dataplus process: --format must be jsonl or parquet, got %q\n", *format)
		return errUsage
	}
	if *format == "parquet" && *output == "" && isTerminal(stdout) {
		fmt.Fprintln(stderr, "dataplus process: --format parquet writes binary data; give -o FILE or redirect stdout")
		return errUsage
	}
	inputs := fs.Args()
	if len(inputs) == 0 {
		fmt.Fprintln(stderr, "dataplus process: name at least one file, directory, glob or - (see dataplus help process)")
		return errUsage
	}
	log := newLogger(stderr, cfg.LogLevel)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}

	out := stdout
	if *output != "" {
		f, err := os.Create(*output)
		if err != nil {
			return fmt.Errorf("create output: %w", err)
		}
		defer f.Close()
		out = f
	}
	w := bufio.NewWriterSize(out, 256<<10)
	write := jsonWriter(w)
	var pq *parquetout.Writer
	if *format == "parquet" {
		pq = parquetout.NewWriter(w, parquetout.Options{Version: version})
		write = pq.Write
	}

	eng, err := newEngines(ctx, cfg, cfg.Features.Enabled, log, nil)
	if err != nil {
		return err
	}
	defer eng.Close()
	proc := pipeline.NewProcessor(eng.pipeline(cfg.Pipeline()), log, nil)
	sum := newSummary(time.Now())
	bar := newProgress(stderr, *progress, sum)
	defer bar.stop()

	sources := make(chan ingest.Source, cfg.Workers)
	var g errgroup.Group
	g.Go(func() error {
		err := ingest.Discover(ctx, inputs, stdin, ingest.Options{}, sources)
		sum.discoveryDone()
		return err
	})
	runErr := proc.Run(ctx, sources, func(r record.Record) error {
		sum.add(&r)
		if !cfg.Pages {
			r.Pages = nil
		}
		if err := write(r); err != nil {
			return fmt.Errorf("write record: %w", err)
		}
		return nil
	})
	discoverErr := g.Wait()
	if pq != nil {
		if err := pq.Close(); err != nil && runErr == nil {
			runErr = fmt.Errorf("write parquet: %w", err)
		}
	}
	if err := w.Flush(); err != nil && runErr == nil {
		runErr = fmt.Errorf("write records: %w", err)
	}
	bar.stop()
	if !*quiet {
		sum.print(stderr, time.Now())
	}
	if runErr != nil {
		return runErr
	}
	return discoverErr
}

// jsonWriter writes records as JSON Lines.
func jsonWriter(w io.Writer) func(record.Record) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return func(r record.Record) error { return enc.Encode(&r) }
}

// loadError turns a config.Load error into the command's answer: -h is
// not an error, flag errors were already printed by the flag package, and
// invalid settings are printed here; both are usage errors.
func loadError(cmd string, stderr io.Writer, err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if errors.Is(err, config.ErrInvalid) {
		fmt.Fprintf(stderr, "dataplus %s: %v\n", cmd, err)
	}
	return errUsage
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // validated in config
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
