// Package pipeline runs the per-file work (read, parse, scan, route) over a
// stream of sources with a bounded number of workers, a per-file deadline
// and ordered output.
//
// Stages are goroutines joined by small bounded channels under one
// errgroup; every send selects on the context, so backpressure reaches the
// discovery stage and memory stays bounded whatever the corpus size. A bad
// file is a record with an error kind, never a failed run: only the sink
// failing (or the caller cancelling) stops the group, and even then every
// file that was started gets its record. The package must not import the
// server or the command.
package pipeline
