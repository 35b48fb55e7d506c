// Package ingest turns what a user names on the command line (files,
// directories, glob patterns, "-" for a list on standard input) into a
// stream of numbered sources, without ever listing the whole corpus in
// memory first.
//
// A name that matches nothing is not an error for the whole run: it becomes
// a source that carries the error, so the user gets a record saying which
// input was missing. The package does no PDF work and imports nothing of
// ours.
package ingest
