package route

import (
	"errors"
	"fmt"
)

// Config holds the routing thresholds. The defaults come from tools users
// already trust; DESIGN.md names the source of each.
type Config struct {
	// MinChars: a page with fewer visible non-whitespace characters has no
	// usable text layer (poppler-based triage scripts use 10).
	MinChars int `json:"min_chars"`
	// OCRImageCoverage: a page without text whose images cover at least
	// this share goes to full-page OCR (pdf-engine 0.5; Docling uses 0.75).
	OCRImageCoverage float64 `json:"ocr_image_coverage"`
	// RegionImageCoverage: images covering at least this share beside real
	// text are OCRed as regions (Docling's bitmap area threshold, 0.05).
	RegionImageCoverage float64 `json:"region_image_coverage"`
	// RasterCoverage: a page without text whose images cover at least this
	// share counts as a page image for the document label.
	RasterCoverage float64 `json:"raster_coverage"`
	// UnmappedMin and UnmappedShare: at least UnmappedMin glyphs without a
	// Unicode mapping (Tika: more than 10) making up more than
	// UnmappedShare of the glyphs send a text page to OCR.
	UnmappedMin   int     `json:"unmapped_min"`
	UnmappedShare float64 `json:"unmapped_share"`
	// ReplacementShare: the same for glyphs that map to U+FFFD or control
	// characters (Marker's bad-text ratio).
	ReplacementShare float64 `json:"replacement_share"`
	// VectorTextPathOps: a page with no text and no images but at least
	// this many path operators probably draws its text as curves; 0 turns
	// the rule off.
	VectorTextPathOps int `json:"vector_text_path_ops"`
	// ScannedShare and MixedShare: the document label is "scanned" when at
	// least ScannedShare of its pages are page images, "mixed" from
	// MixedShare, else "born_digital".
	ScannedShare float64 `json:"scanned_share"`
	MixedShare   float64 `json:"mixed_share"`
}

// DefaultConfig returns the default thresholds.
func DefaultConfig() Config {
	return Config{
		MinChars:            10,
		OCRImageCoverage:    0.5,
		RegionImageCoverage: 0.05,
		RasterCoverage:      0.3,
		UnmappedMin:         10,
		UnmappedShare:       0.3,
		ReplacementShare:    0.3,
		VectorTextPathOps:   0,
		ScannedShare:        0.9,
		MixedShare:          0.1,
	}
}

// Validate reports the first threshold that makes no sense.
func (c Config) Validate() error {
	var errs []error
	share := func(name string, v float64) {
		if v < 0 || v > 1 {
			errs = append(errs, fmt.Errorf("route: %s must be within [0, 1], got %g", name, v))
		}
	}
	share("ocr_image_coverage", c.OCRImageCoverage)
	share("region_image_coverage", c.RegionImageCoverage)
	share("raster_coverage", c.RasterCoverage)
	share("unmapped_share", c.UnmappedShare)
	share("replacement_share", c.ReplacementShare)
	share("scanned_share", c.ScannedShare)
	share("mixed_share", c.MixedShare)
	if c.MinChars < 0 || c.UnmappedMin < 0 || c.VectorTextPathOps < 0 {
		errs = append(errs, errors.New("route: min_chars, unmapped_min and vector_text_path_ops must not be negative"))
	}
	if c.RegionImageCoverage > c.OCRImageCoverage {
		errs = append(errs, fmt.Errorf("route: region_image_coverage (%g) must not exceed ocr_image_coverage (%g)", c.RegionImageCoverage, c.OCRImageCoverage))
	}
	if c.MixedShare > c.ScannedShare {
		errs = append(errs, fmt.Errorf("route: mixed_share (%g) must not exceed scanned_share (%g)", c.MixedShare, c.ScannedShare))
	}
	return errors.Join(errs...)
}
