package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"dataplus/internal/config"
	"dataplus/internal/jobs"
	"dataplus/internal/pipeline"
	"dataplus/internal/server"
)

const serveUsage = `Usage: dataplus serve [flags]

Serves the HTTP API (docs/api.md) until SIGTERM or SIGINT, then stops
accepting, answers 503 on /health, lets in-flight requests finish (up to
--shutdown-timeout) and leaves unfinished jobs in the store to resume at
the next start. Logs are JSON lines on stderr.

Files named in requests must lie under a --data-root; without one the
server takes uploads only. Bearer-token auth is on when --auth-tokens-file
or DATAPLUS_AUTH_TOKENS (comma-separated) gives tokens; /health stays open.

Flags (each also DATAPLUS_<NAME>, or "server": {"<name>": ...} in --config):
`

// metricsRegistry returns where the server's metrics go and what /metrics
// exposes. main points it at the default registry; tests keep a fresh one
// per call, with the same Go and process collectors.
var metricsRegistry = func() (prometheus.Registerer, prometheus.Gatherer) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg, reg
}

func serveCmd(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), serveUsage)
		fs.PrintDefaults()
	}
	cfg, err := config.LoadServe(fs, args, os.Getenv, runtime.GOMAXPROCS(0))
	if err != nil {
		return loadError("serve", stderr, err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dataplus serve: unexpected arguments %q (name data with --data-root)\n", fs.Args())
		return errUsage
	}
	log := newJSONLogger(stderr, cfg.LogLevel)
	sc := cfg.Server
	tokens, err := sc.Tokens()
	if err != nil {
		return err
	}
	store, err := sc.StoreDir()
	if err != nil {
		return err
	}
	reg, gatherer := metricsRegistry()
	eng, info, err := serveEngines(ctx, cfg, log, reg)
	if err != nil {
		return err
	}
	defer eng.Close()
	pcfg := eng.pipeline(cfg.Pipeline())
	pcfg.Features = nil // only for the requests that ask: server.Deps.Features
	srv, err := server.New(server.Config{
		DataRoots:           sc.DataRoots,
		MaxInflightRequests: sc.MaxInflightRequests,
		MaxInflightPages:    sc.MaxInflightPages,
		MaxBodyBytes:        int64(sc.MaxBodySize),
		MaxFilesPerRequest:  sc.MaxFilesPerRequest,
		MaxQueuedJobs:       sc.MaxQueuedJobs,
		RequestTimeout:      time.Duration(sc.RequestTimeout),
		AuthTokens:          tokens,
		IncludePages:        cfg.Pages,
		Version:             version,
	}, server.Deps{
		Pipeline:        pcfg,
		PipelineMetrics: pipeline.NewMetrics(reg),
		Features:        eng.featurizer(),
		FeaturesInfo:    info,
		GPU:             eng.gpu(),
		Jobs: func(p jobs.Processor) (*jobs.Manager, error) {
			return jobs.Open(jobs.Options{
				Dir:         store,
				Workers:     sc.JobWorkers,
				FileWorkers: pcfg.Workers,
				Retention:   time.Duration(sc.JobRetention),
			}, p, log.With("component", "jobs"), reg)
		},
		Log:        log,
		Registerer: reg,
		Gatherer:   gatherer,
	})
	if err != nil {
		return err
	}
	shutdown := func() error {
		sctx, cancel := context.WithTimeout(context.Background(), time.Duration(sc.ShutdownTimeout))
		defer cancel()
		return srv.Shutdown(sctx)
	}
	ln, err := net.Listen("tcp", sc.Addr)
	if err != nil {
		return errors.Join(fmt.Errorf("listen: %w", err), shutdown())
	}
	log.Info("listening", "addr", ln.Addr().String(), "store", store, "version", version)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		// The listener failed: nothing more will arrive.
		return errors.Join(fmt.Errorf("serve: %w", err), shutdown())
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", time.Duration(sc.ShutdownTimeout).String())
	err = shutdown()
	if serr := <-served; serr != nil {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

func newJSONLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // validated in config
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
