// Package record defines the record dataplus writes for each input file and
// the stable error kinds shared by records, logs, metric labels and HTTP
// status codes.
//
// Kinds are decided in exactly one place, KindOf, so that a new error
// source only needs one new case there. The package imports the reader's
// sentinel errors and the inspect and route result types; it must not
// import the pipeline, the server or the command.
package record
