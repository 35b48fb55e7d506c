// Package route decides, for each page, whether its text layer can be
// trusted or the page needs OCR, and rolls the page decisions up into a
// document label.
//
// Every decision carries the reasons and the numbers behind it, so a user
// can see why a page went where it went and tune the thresholds in Config.
// The rules and their sources are in DESIGN.md ("OCR routing"). The package
// only reads inspect.Page facts; it must not import the reader, the pipeline
// or anything that does I/O.
package route
