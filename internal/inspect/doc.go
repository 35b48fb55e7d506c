// Package inspect turns an opened PDF (*pdf.Document) into the facts
// dataplus reports and routes on: document metadata (version, encryption,
// Info and XMP, structure, forms, JavaScript, attachments, fonts) and, per
// page, the geometry and content-stream statistics in types.go (text
// shown and whether it maps to Unicode, image coverage, path operators).
//
// It owns the content-stream scanner, the font and CMap decoding needed to
// classify glyphs, and the text-string, date and XMP decoding. It reads
// objects only through internal/pdf and makes no decisions: routing a
// page to OCR is internal/route's job.
//
// It must not import internal/route, internal/record, internal/pipeline
// or cmd/...: data flows one way, pdf -> inspect -> route.
//
// Character counts follow what pdftotext (poppler) extracts, because the
// reference labels come from it: annotation appearances and hidden
// optional content are treated as poppler does.
package inspect
