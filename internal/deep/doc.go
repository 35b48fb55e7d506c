// Package deep computes a document's deep features (process --features,
// the HTTP API's extract_deep_features): it renders pages with the PDFium
// pool (package render), runs the visual model through one dynamic
// batcher shared by every caller (package infer), and fuses the visual
// embedding, the detector's layout, the page text and the metadata into
// one vector per document (package features), projected by a fitted
// model when one is given (package reduce).
//
// Per document the pages are rendered one after another on one PDFium
// instance, while the pages already rendered wait in the batcher: the
// CPU renders the next page while the model runs on the previous ones,
// and batches mix pages of every document in flight.
//
// It also reads files the pure-Go reader gives up on, through PDFium
// (Fallback), so a damaged file still gets pages, text facts and routes.
package deep
