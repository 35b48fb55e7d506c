// Package jobs is dataplus's persistent asynchronous job manager: it keeps
// submitted jobs, their inputs, per-file records and progress in one bbolt
// file (Dir/jobs.db), spools uploads beside it (Dir/uploads), runs a
// bounded number of jobs at once, and resumes unfinished jobs when it is
// opened again.
//
// What it promises: Submit returns only after the job is fsync'd, so an
// accepted job is never lost; every record is committed the moment its
// file finishes, together with the job's progress counters, so a crash
// loses at most the files in flight, which run again on the next Open and
// are stored exactly once (records are keyed by input index). Cancel keeps
// what was stored. Shutdown leaves unfinished jobs "running" in the store,
// to be resumed. A job is "failed" only when it cannot make progress at
// all (its inputs cannot be read from the store, the store rejects writes,
// or the process keeps dying while it runs); a missing or bad input file
// is a record with an error kind, never a failed job.
//
// Files: jobs.go (types, Open, the public methods), store.go (the bbolt
// layout and transactions), run.go (scheduler and job runner), spool.go
// (uploads), retention.go (expiry and orphan sweeps), metrics.go.
//
// The package runs files through a Processor (*pipeline.Processor in
// production) and imports record, ingest and pipeline; it must not import
// the server or the command.
package jobs
