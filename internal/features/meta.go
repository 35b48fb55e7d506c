package features

import (
	"math"
	"strconv"
	"strings"

	"dataplus/internal/inspect"
	"dataplus/internal/route"
)

// Metadata vector, MetaDim values. Counts are log-scaled and divided so
// that common values fall in [0, 1], like the shares and flags beside
// them; the block is L2-normalised as a whole, so no single count should
// dwarf the rest.
//
//	index  component                                     from
//	0      log10(1+pages)/3                              Metadata.Pages
//	1      log10(1+file bytes)/9                         MetaInput.FileSize
//	2      PDF version − 1 (1.4 → 0.4, 2.0 → 1), in [0,1] Metadata.Version
//	3      encrypted                                     Metadata.Encryption != nil
//	4      needs a password                              Encryption.NeedsPassword
//	5      tagged                                        Metadata.Tagged
//	6      has an outline                                Metadata.HasOutline
//	7      has forms (AcroForm fields or XFA)            FormFields, HasXFA
//	8      has JavaScript                                Metadata.JavaScript
//	9      has attachments                               Metadata.EmbeddedFiles
//	10     PDF/A                                         XMP.PDFAPart > 0
//	11     PDF/UA                                        XMP.PDFUAPart > 0
//	12     has a document language                       Metadata.Language
//	13     has an XMP packet                             Metadata.XMP != nil
//	14     has custom information entries               len(Info.Custom) > 0
//	15     log10(1+fonts)/2                              len(Metadata.Fonts)
//	16     share of fonts embedded                       Font.Embedded
//	17     log10(1+images per page)/2                    Metadata.Images / Pages
//	18–22  share of pages per route: text, ocr,          page decisions, else
//	       ocr_regions, prior_ocr, empty                 route.Document.Routes
//	23–25  label one-hot: born_digital, scanned, mixed   route.Document.Label
//	26     mean page area / 4×A4, capped at 1            MetaInput.Pages
//	27     share of portrait pages (height > width)      MetaInput.Pages
//	28     share of landscape pages (width > height)     MetaInput.Pages
//	29     mean aspect width/height / 2, capped at 1     MetaInput.Pages
//	30–40  producer one-hot, see producers               Info and XMP producer and creator
//
// The vector describes the document, not its bytes: how a file happens
// to be written (linearized, incrementally updated, repaired, compressed)
// and how a viewer turns its pages (/Rotate) are left out, so that a
// re-saved or turned copy is a near-duplicate of its original. Only the
// file size, on a log scale, still moves a little with the encoding. A
// nil input leaves its rows zero.
const MetaDim = 41

// Offsets of the multi-value parts of the metadata vector.
const (
	metaRoutes    = 18
	metaLabel     = 23
	metaGeometry  = 26
	metaProducers = 30
)

// producers are the producer families of the one-hot at metaProducers, in
// order. A family matches when any of the Info /Producer, XMP producer,
// Info /Creator or XMP creator tool contains one of its keywords
// (lower-case); the first family that matches wins, so scanners and OCR
// tools come first (a scan run through Acrobat is still a scan) and the
// authoring tool before the PDF library it used (Word through Acrobat's
// PDFMaker is Word). Then "other" when any of those strings is set, else
// "none".
var producers = []struct {
	name     string
	keywords []string
}{
	{"scanner", []string{"abbyy", "finereader", "ocrmypdf", "tesseract", "omnipage", "paper capture", "scan", "canon", "xerox", "ricoh", "kyocera", "konica", "epson", "fujitsu", "sharp mx"}},
	{"latex", []string{"pdftex", "latex", "xetex", "luatex", "dvipdf", "dvips"}},
	{"microsoft", []string{"microsoft"}}, // Word, Excel, PowerPoint, Print to PDF
	{"libreoffice", []string{"libreoffice", "openoffice", "staroffice"}},
	{"adobe", []string{"acrobat", "distiller", "adobe"}}, // Acrobat, Distiller, PDF Library, InDesign
	{"ghostscript", []string{"ghostscript", "aladdin"}},
	{"quartz", []string{"quartz", "mac os x", "macos"}},
	{"browser", []string{"skia", "chrome", "chromium", "mozilla", "firefox", "wkhtmltopdf", "prince", "weasyprint"}},
	{"library", []string{"itext", "reportlab", "tcpdf", "fpdf", "pdfsharp", "pdfkit", "pdf-lib", "cairo", "pypdf", "pdfium", "pdfbox", "apache fop", "aspose", "dompdf", "mpdf", "jasperreports"}},
	{"other", nil},
	{"none", nil},
}

// areaA4 is the area of an A4 page in square points.
const areaA4 = 595.276 * 841.89

// MetaInput is everything the metadata vector is made from. Any part may
// be missing (nil, empty or zero).
type MetaInput struct {
	Metadata  *inspect.Metadata
	Route     *route.Document
	Decisions []route.Decision // per page, in page order
	Pages     []inspect.Page   // page geometry
	FileSize  int64            // bytes
}

// Meta returns the metadata vector from the document's metadata, its
// route rollup and its page decisions; the file size and page geometry
// rows stay zero (use MetaOf to fill them).
func Meta(m *inspect.Metadata, d *route.Document, pages []route.Decision) []float32 {
	return MetaOf(MetaInput{Metadata: m, Route: d, Decisions: pages})
}

// MetaOf returns the metadata vector described in the table above.
func MetaOf(in MetaInput) []float32 {
	v := make([]float32, MetaDim)
	flag := func(i int, b bool) {
		if b {
			v[i] = 1
		}
	}
	if in.FileSize > 0 {
		v[1] = float32(math.Log10(1+float64(in.FileSize)) / 9)
	}
	if m := in.Metadata; m != nil {
		v[0] = float32(math.Log10(1+float64(max(m.Pages, 0))) / 3)
		v[2] = float32(pdfVersion(m.Version))
		flag(3, m.Encryption != nil)
		flag(4, m.Encryption != nil && m.Encryption.NeedsPassword)
		flag(5, m.Tagged)
		flag(6, m.HasOutline)
		flag(7, m.FormFields > 0 || m.HasXFA)
		flag(8, m.JavaScript)
		flag(9, m.EmbeddedFiles > 0)
		flag(10, m.XMP != nil && m.XMP.PDFAPart > 0)
		flag(11, m.XMP != nil && m.XMP.PDFUAPart > 0)
		flag(12, m.Language != "")
		flag(13, m.XMP != nil)
		flag(14, len(m.Info.Custom) > 0)
		v[15] = float32(math.Log10(1+float64(len(m.Fonts))) / 2)
		if len(m.Fonts) > 0 {
			embedded := 0
			for _, f := range m.Fonts {
				if f.Embedded {
					embedded++
				}
			}
			v[16] = float32(embedded) / float32(len(m.Fonts))
		}
		if m.Pages > 0 && m.Images > 0 {
			v[17] = float32(math.Log10(1+float64(m.Images)/float64(m.Pages)) / 2)
		}
		v[metaProducers+producerIndex(m)] = 1
	}
	routeShares(v[metaRoutes:metaRoutes+len(route.Routes)], in.Route, in.Decisions)
	if d := in.Route; d != nil {
		switch d.Label {
		case route.BornDigital:
			v[metaLabel] = 1
		case route.Scanned:
			v[metaLabel+1] = 1
		case route.Mixed:
			v[metaLabel+2] = 1
		}
	}
	geometry(v[metaGeometry:metaGeometry+4], in.Pages)
	return v
}

// pdfVersion maps "1.4" to 0.4 and "2.0" to 1; anything else to 0.
func pdfVersion(s string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !finite(f) || f < 1 {
		return 0
	}
	return min(f-1, 1)
}

// routeShares writes the share of pages per route, in route.Routes order:
// from the page decisions when there are any, else from the rollup.
func routeShares(dst []float32, d *route.Document, pages []route.Decision) {
	counts := make(map[route.Route]int, len(route.Routes))
	total := len(pages)
	for _, p := range pages {
		counts[p.Route]++
	}
	if total == 0 && d != nil && d.Pages > 0 {
		counts, total = d.Routes, d.Pages
	}
	if total == 0 {
		return
	}
	for i, r := range route.Routes {
		dst[i] = float32(counts[r]) / float32(total)
	}
}

// geometry writes mean area, portrait share, landscape share and mean
// aspect of pages with a positive size, in the orientation of their
// content (the crop box, without /Rotate), as the pages are rendered for
// the visual block.
func geometry(dst []float32, pages []inspect.Page) {
	var area, aspect float64
	n, portrait, landscape := 0, 0, 0
	for _, p := range pages {
		w, h := p.WidthPt, p.HeightPt
		if p.Rotate%180 != 0 {
			w, h = h, w
		}
		if !(w > 0 && h > 0) || !finite(w*h) {
			continue
		}
		n++
		area += w * h
		aspect += w / h
		switch {
		case h > w:
			portrait++
		case w > h:
			landscape++
		}
	}
	if n == 0 {
		return
	}
	dst[0] = float32(min(area/float64(n)/(4*areaA4), 1))
	dst[1] = float32(portrait) / float32(n)
	dst[2] = float32(landscape) / float32(n)
	dst[3] = float32(min(aspect/float64(n)/2, 1))
}

// producerIndex returns the index in producers of m's producer family.
func producerIndex(m *inspect.Metadata) int {
	names := []string{m.Info.Producer, m.Info.Creator}
	if m.XMP != nil {
		names = append(names, m.XMP.Producer, m.XMP.CreatorTool)
	}
	set := false
	for i, s := range names {
		names[i] = strings.ToLower(s)
		set = set || strings.TrimSpace(s) != ""
	}
	for i, p := range producers {
		for _, k := range p.keywords {
			for _, s := range names {
				if strings.Contains(s, k) {
					return i
				}
			}
		}
	}
	if set {
		return len(producers) - 2 // other
	}
	return len(producers) - 1 // none
}
