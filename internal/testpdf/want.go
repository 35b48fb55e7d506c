package testpdf

// Fixture is one generated file and what a correct reader must report.
type Fixture struct {
	Name string
	Data []byte
	Want Want
}

// Page routes (Want.PageRoutes).
const (
	RouteText       = "text"        // enough mapped, visible text; no OCR needed
	RouteOCR        = "ocr"         // no usable text: a scan, or glyphs without Unicode
	RouteOCRRegions = "ocr_regions" // real text beside an image big enough to OCR on its own
	RoutePriorOCR   = "prior_ocr"   // invisible text (render mode 3) over a page-sized image
	RouteEmpty      = "empty"       // nothing is drawn
)

// Document labels (Want.Route). The fixtures apply the rule of
// internal/route's defaults: a page is a page image (Want.RasterPages) when
// it has no visible text and images cover at least 30% of it; an OCR layer
// over it makes it digital. At least 90% page images -> scanned; at least
// 10% -> mixed; else born_digital. A page that needs OCR because its glyphs
// have no Unicode mapping is not a page image: the document is born
// digital, with broken text.
const (
	DocBornDigital = "born_digital"
	DocScanned     = "scanned"
	DocMixed       = "mixed"
)

// Error kinds (Want.ErrKind), matching the record layer's mapping of
// internal/pdf's errors.
const (
	ErrInvalidPDF  = "invalid_pdf" // pdf.ErrInvalid
	ErrEncrypted   = "encrypted"   // pdf.ErrEncrypted
	ErrTooLarge    = "too_large"   // pdf.ErrLimit
	ErrTimeout     = "timeout"     // context deadline
	ErrUnsupported = "unsupported" // pdf.ErrUnsupported
)

// Want is what a correct reader reports for a fixture. Zero values mean
// "none" unless the field's comment says they mean "not asserted".
type Want struct {
	// Pages is the number of leaf pages in the page tree; -1 when it cannot
	// be known (the file is not a PDF, or its structure is gone).
	Pages int `json:"pages"`
	// Route is the document label; "" when the file cannot be processed
	// (ErrKind is set).
	Route string `json:"route"`
	// ErrKind is the error the document as a whole must fail with; "" for
	// success.
	ErrKind string `json:"err_kind"`
	// PageRoutes holds one route per page; nil when not meaningful (errors).
	PageRoutes []string `json:"page_routes"`
	// RasterPages counts the pages that are page images (see the labels).
	RasterPages int `json:"raster_pages"`

	Encrypted     bool   `json:"encrypted"`
	Method        string `json:"method,omitempty"` // "RC4-40", "RC4-128", "AES-128", "AES-256"
	NeedsPassword bool   `json:"needs_password"`   // the empty user password does not open it
	Password      string `json:"password,omitempty"`
	P             int32  `json:"p,omitempty"` // /P permission bits, encrypted files only

	// Version is the effective version: the catalog's /Version when higher
	// than the header's. "" when there is no PDF header.
	Version string `json:"version"`
	// XRefKind is "table", "stream", "hybrid" or "rebuilt"; "" means not
	// asserted (several repair strategies are equally right).
	XRefKind string `json:"xref_kind,omitempty"`
	// XRefSections counts the sections of a /Prev chain; 0 = not asserted.
	XRefSections int `json:"xref_sections,omitempty"`
	// Repaired is asserted only when XRefKind is set.
	Repaired bool `json:"repaired"`

	Title        string `json:"title,omitempty"`
	Author       string `json:"author,omitempty"`
	Creator      string `json:"creator,omitempty"`
	Producer     string `json:"producer,omitempty"`
	CreationDate string `json:"creation_date,omitempty"` // RFC 3339
	ModDate      string `json:"mod_date,omitempty"`      // RFC 3339

	PDFAPart        int    `json:"pdfa_part,omitempty"` // from the XMP packet
	PDFAConformance string `json:"pdfa_conformance,omitempty"`

	Tagged        bool   `json:"tagged"`
	Language      string `json:"language,omitempty"`
	HasOutline    bool   `json:"has_outline"`
	FormFields    int    `json:"form_fields"`    // terminal AcroForm fields
	EmbeddedFiles int    `json:"embedded_files"` // /EmbeddedFiles name tree entries
	Images        int    `json:"images"`         // images drawn (XObjects + inline), all pages

	// Geometry lists every page's boxes when the fixture is about
	// geometry; nil = not asserted.
	Geometry []PageGeom `json:"geometry,omitempty"`

	// WellFormed says the file conforms to ISO 32000 (structure and
	// syntax): `qpdf --check` must pass and pdfinfo must count Pages.
	WellFormed bool `json:"well_formed"`
	// Note says why the Want is what it is, where that is not obvious.
	Note string `json:"note,omitempty"`
}

// PageGeom is one page's geometry as a reader must report it: CropBox
// clipped to the MediaBox, Rotate normalised to 0..270, Width/Height the
// crop box as displayed (swapped for 90 and 270).
type PageGeom struct {
	MediaBox [4]float64 `json:"media_box"`
	CropBox  [4]float64 `json:"crop_box"`
	Rotate   int        `json:"rotate"`
	WidthPt  float64    `json:"width_pt"`
	HeightPt float64    `json:"height_pt"`
}

// All generates every fixture, in a fixed order. Each call builds the files
// afresh; the output is identical from call to call.
func All() []Fixture {
	var out []Fixture
	out = append(out, textFixtures()...)
	out = append(out, imageFixtures()...)
	out = append(out, fontFixtures()...)
	out = append(out, structureFixtures()...)
	out = append(out, cryptFixtures()...)
	out = append(out, damagedFixtures()...)
	out = append(out, hostileFixtures()...)
	return out
}

// Samples returns the fixtures a demo run can show: well-formed files that
// open without error.
func Samples() []Fixture {
	var out []Fixture
	for _, f := range All() {
		if f.Want.WellFormed && f.Want.ErrKind == "" {
			out = append(out, f)
		}
	}
	return out
}

// textRoutes is n copies of RouteText.
func textRoutes(n int) []string {
	r := make([]string, n)
	for i := range r {
		r[i] = RouteText
	}
	return r
}
