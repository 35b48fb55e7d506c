package route

import (
	"fmt"

	"dataplus/internal/inspect"
)

// Route is where a page should go.
type Route string

// The page routes.
const (
	Text       Route = "text"        // the text layer is trustworthy: extract it
	OCR        Route = "ocr"         // OCR the whole page
	OCRRegions Route = "ocr_regions" // real text, plus images large enough to OCR on their own
	PriorOCR   Route = "prior_ocr"   // invisible text over a page image: an earlier OCR pass
	Empty      Route = "empty"       // nothing to extract
)

// Routes lists every route in a stable order.
var Routes = []Route{Text, OCR, OCRRegions, PriorOCR, Empty}

// Reason codes. Stable: clients key on them.
const (
	ReasonText           = "text_layer"           // enough visible, mapped text
	ReasonLowText        = "low_text"             // fewer visible characters than MinChars
	ReasonImageCoverage  = "image_coverage"       // images cover at least OCRImageCoverage of the page
	ReasonImageRegions   = "image_regions"        // images cover at least RegionImageCoverage beside text
	ReasonInvisibleText  = "invisible_text"       // text in render mode 3/7 (an OCR layer)
	ReasonUnmappedGlyphs = "unmapped_glyphs"      // glyphs without a Unicode mapping
	ReasonReplacement    = "replacement_chars"    // glyphs that map to U+FFFD or control characters
	ReasonVectorOnly     = "vector_only"          // no text, no images, many path operators (text as curves)
	ReasonNothing        = "no_content"           // no text, no images worth OCR
	ReasonScanIncomplete = "scan_incomplete"      // the content scan stopped early; facts are partial
	ReasonRenderedInk    = "rendered_ink"         // read by PDFium (fallback): share of a small render that is not white
	ReasonRasterShare    = "raster_page_share"    // document: share of pages that are page images
	ReasonNeedsOCRShare  = "needs_ocr_page_share" // document: share of pages routed ocr or ocr_regions
)

// Reason is one fact behind a decision: what was measured and the threshold
// it was compared with (zero when no threshold applies).
type Reason struct {
	Code      string  `json:"code"`
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold,omitempty"`
}

func (r Reason) String() string {
	if r.Threshold == 0 {
		return fmt.Sprintf("%s=%g", r.Code, r.Value)
	}
	return fmt.Sprintf("%s=%g (threshold %g)", r.Code, r.Value, r.Threshold)
}

// Decision is the route of one page and why.
type Decision struct {
	Route   Route    `json:"route"`
	Reasons []Reason `json:"reasons"`
	// Raster is true when the page is essentially a page image with no
	// usable text layer of its own (the "scanned" notion of the rollup).
	Raster bool `json:"raster,omitempty"`
}

// Page routes one page. It is a pure function of the facts and the config.
func (c Config) Page(p inspect.Page) Decision {
	t := p.Text
	cov := share(p.Images.Coverage)
	visible := float64(max(t.Chars, 0))
	invisible := float64(max(t.InvisibleGlyphs, 0))
	t.UnicodeGlyphs, t.UnmappedGlyphs, t.ReplacementChars = max(t.UnicodeGlyphs, 0), max(t.UnmappedGlyphs, 0), max(t.ReplacementChars, 0)
	var d Decision
	add := func(code string, v, th float64) { d.Reasons = append(d.Reasons, Reason{code, v, th}) }
	if p.ScanError != "" {
		add(ReasonScanIncomplete, 1, 0)
	}

	if visible < float64(c.MinChars) {
		add(ReasonLowText, visible, float64(c.MinChars))
		// Raster is decided apart from the route (a 30% image on a page
		// without text is a page image even when it is not big enough for
		// full-page OCR), except that a page image under an OCR layer has a
		// text layer: it counts as digital, as the poppler labels do.
		d.Raster = cov >= c.RasterCoverage
		switch {
		case invisible >= float64(c.MinChars) && cov >= c.RegionImageCoverage:
			// An OCR layer (mode 3) over an image: ocrmypdf's "prior OCR".
			d.Route, d.Raster = PriorOCR, false
			add(ReasonInvisibleText, invisible, float64(c.MinChars))
			add(ReasonImageCoverage, round(cov), c.RegionImageCoverage)
		case cov >= c.OCRImageCoverage:
			d.Route = OCR
			add(ReasonImageCoverage, round(cov), c.OCRImageCoverage)
		case cov >= c.RegionImageCoverage:
			d.Route = OCRRegions
			add(ReasonImageRegions, round(cov), c.RegionImageCoverage)
		case invisible >= float64(c.MinChars):
			// Invisible text with no image under it: still a text layer
			// someone put there on purpose; trust it like an OCR layer.
			d.Route, d.Raster = PriorOCR, false
			add(ReasonInvisibleText, invisible, float64(c.MinChars))
		case c.VectorTextPathOps > 0 && p.PathOps >= c.VectorTextPathOps:
			d.Route = OCR
			add(ReasonVectorOnly, float64(p.PathOps), float64(c.VectorTextPathOps))
		case t.Chars > 0 || cov > 0 || p.PathOps > 0:
			// A few characters, a small logo, some rules: nothing that OCR
			// would add to, and too little to call a text page.
			d.Route = Empty
			add(ReasonNothing, visible, 0)
		default:
			d.Route = Empty
			add(ReasonNothing, 0, 0)
		}
		return d
	}

	// Enough visible text. Is it trustworthy? Shares are of all glyphs
	// shown: mapped, unmapped and mapped to U+FFFD or controls.
	total := float64(t.UnicodeGlyphs + t.UnmappedGlyphs + t.ReplacementChars)
	for _, bad := range []struct {
		code  string
		n     int
		limit float64
	}{
		{ReasonUnmappedGlyphs, t.UnmappedGlyphs, c.UnmappedShare},
		{ReasonReplacement, t.ReplacementChars, c.ReplacementShare},
	} {
		if total > 0 && bad.n >= c.UnmappedMin {
			if s := float64(bad.n) / total; s > bad.limit {
				d.Route = OCR
				add(bad.code, round(s), bad.limit)
				return d
			}
		}
	}
	add(ReasonText, visible, float64(c.MinChars))
	if cov >= c.RegionImageCoverage {
		d.Route = OCRRegions
		add(ReasonImageRegions, round(cov), c.RegionImageCoverage)
		return d
	}
	d.Route = Text
	return d
}

// share clamps a measured share to [0, 1]; NaN counts as nothing measured.
func share(v float64) float64 {
	switch {
	case v > 1:
		return 1
	case v >= 0:
		return v
	default: // negative or NaN
		return 0
	}
}

// round keeps reasons readable in JSON (0.8333333333 -> 0.8333).
func round(v float64) float64 {
	return float64(int64(v*10000+0.5)) / 10000
}
