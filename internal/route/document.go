package route

// Label is the document-level verdict.
type Label string

// The document labels. An unreadable document has no label; its record
// carries an error kind instead.
const (
	BornDigital Label = "born_digital" // the text layer covers the document
	Scanned     Label = "scanned"      // page images throughout
	Mixed       Label = "mixed"        // some page images, some text pages
)

// Document is the rollup of a document's page decisions.
type Document struct {
	Label    Label         `json:"label"`
	Pages    int           `json:"pages"`
	Routes   map[Route]int `json:"routes"`       // pages per route
	Raster   int           `json:"raster_pages"` // pages that are page images
	NeedsOCR bool          `json:"needs_ocr"`    // some page routed ocr or ocr_regions
	Reasons  []Reason      `json:"reasons"`
}

// Document rolls page decisions up. A document without pages is labelled
// born_digital with no pages: there is nothing to OCR.
func (c Config) Document(pages []Decision) Document {
	d := Document{Pages: len(pages), Routes: make(map[Route]int, len(Routes))}
	for _, p := range pages {
		d.Routes[p.Route]++
		if p.Raster {
			d.Raster++
		}
	}
	needs := d.Routes[OCR] + d.Routes[OCRRegions]
	d.NeedsOCR = needs > 0
	if len(pages) == 0 {
		d.Label = BornDigital
		return d
	}
	rasterShare := float64(d.Raster) / float64(len(pages))
	switch {
	case rasterShare >= c.ScannedShare:
		d.Label = Scanned
	case rasterShare >= c.MixedShare:
		d.Label = Mixed
	default:
		d.Label = BornDigital
	}
	d.Reasons = []Reason{
		{Code: ReasonRasterShare, Value: round(rasterShare), Threshold: thresholdFor(d.Label, c)},
		{Code: ReasonNeedsOCRShare, Value: round(float64(needs) / float64(len(pages)))},
	}
	return d
}

// thresholdFor names the threshold that put the document in its label.
func thresholdFor(l Label, c Config) float64 {
	switch l {
	case Scanned:
		return c.ScannedShare
	default:
		return c.MixedShare
	}
}
