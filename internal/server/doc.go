// Package server is the dataplus HTTP API: sync processing (POST /process),
// async jobs backed by internal/jobs, the benchmark configurations (internal/bench), health, stats,
// Prometheus metrics and the OpenAPI document.
//
// It owns admission control (a bounded number of in-flight requests and a
// bounded budget of estimated pages, both try-acquire: beyond them a client
// gets 429 with Retry-After rather than a queue), the data-root path checks,
// streamed multipart uploads, bearer-token auth and the mapping from error
// kinds to HTTP status codes (status, in errors.go: the one switch).
//
// Life cycle: New (validate and provision: resolve the data roots, register
// metrics, open the job manager), Serve (one listener), Shutdown (stop
// accepting, answer 503 on /health and to new work, let in-flight sync
// requests finish until the context ends, then cancel them and shut the job
// manager down so unfinished jobs resume at the next start).
//
// The package imports pipeline, ingest, record and jobs; it must not import
// config or the command (main translates the configuration into Config).
package server
