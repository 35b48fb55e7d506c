// Package parquetout writes records as a Parquet file, one row per
// document, for `dataplus process --format parquet`.
//
// The columns are the record's identity and error, the document facts a
// user filters on (version, pages, route label and page counts per route,
// title, producer, creator, encryption, tagging, PDF/A), the full metadata
// as a JSON string, and the document's feature vectors as LIST<FLOAT>
// columns whose length is fixed for the file. The file's key-value
// metadata records the dimensions and the block layout of the vectors, so
// a reader can split them without the records.
//
// The package owns the column layout; it imports the record types and
// github.com/parquet-go/parquet-go, and must not import the pipeline, the
// server or the command.
package parquetout
