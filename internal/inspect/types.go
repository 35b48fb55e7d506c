package inspect

// Metadata is what dataplus reports about a whole document.
type Metadata struct {
	Version    string      `json:"version"` // "1.7"; the catalog's /Version wins when higher than the header's
	Pages      int         `json:"pages"`
	Encryption *Encryption `json:"encryption,omitempty"`
	Info       Info        `json:"info"`
	XMP        *XMP        `json:"xmp,omitempty"`
	XRef       XRef        `json:"xref"`

	Linearized    bool   `json:"linearized"`
	Tagged        bool   `json:"tagged"` // /MarkInfo /Marked true or a /StructTreeRoot
	Language      string `json:"language,omitempty"`
	HasOutline    bool   `json:"has_outline"`
	FormFields    int    `json:"form_fields"` // terminal AcroForm fields
	HasXFA        bool   `json:"has_xfa"`
	JavaScript    bool   `json:"javascript"`     // document-level or action JavaScript found
	EmbeddedFiles int    `json:"embedded_files"` // /Names /EmbeddedFiles entries plus file attachment annotations
	Images        int    `json:"images"`         // image XObjects and inline images drawn, summed over pages
	Fonts         []Font `json:"fonts"`          // distinct font dictionaries used by the pages
}

// Info is the document information dictionary decoded to UTF-8. Dates are
// RFC 3339 when they parse, else the raw string.
type Info struct {
	Title        string            `json:"title,omitempty"`
	Author       string            `json:"author,omitempty"`
	Subject      string            `json:"subject,omitempty"`
	Keywords     string            `json:"keywords,omitempty"`
	Creator      string            `json:"creator,omitempty"`
	Producer     string            `json:"producer,omitempty"`
	CreationDate string            `json:"creation_date,omitempty"`
	ModDate      string            `json:"mod_date,omitempty"`
	Trapped      string            `json:"trapped,omitempty"`
	Custom       map[string]string `json:"custom,omitempty"` // any other keys
}

// XMP holds the fields dataplus reads from the catalog's XMP metadata packet.
type XMP struct {
	Title           string   `json:"title,omitempty"`
	Creators        []string `json:"creators,omitempty"`
	CreatorTool     string   `json:"creator_tool,omitempty"`
	Producer        string   `json:"producer,omitempty"`
	CreateDate      string   `json:"create_date,omitempty"`
	ModifyDate      string   `json:"modify_date,omitempty"`
	PDFAPart        int      `json:"pdfa_part,omitempty"`
	PDFAConformance string   `json:"pdfa_conformance,omitempty"`
	PDFUAPart       int      `json:"pdfua_part,omitempty"`
}

// Encryption describes the standard security handler in use.
type Encryption struct {
	Filter        string   `json:"filter"` // "Standard", or another handler's name
	V             int      `json:"v"`
	R             int      `json:"r"`
	Method        string   `json:"method"` // "RC4-40", "RC4-128", "AES-128", "AES-256", "none", "unknown"
	KeyBits       int      `json:"key_bits"`
	NeedsPassword bool     `json:"needs_password"` // the empty user password did not open it
	P             int32    `json:"p"`
	Permissions   []string `json:"permissions"` // granted: print, modify, copy, annotate, fill_forms, extract_accessibility, assemble, print_high
}

// XRef describes how the file's cross-reference data was found.
type XRef struct {
	Kind     string `json:"kind"`     // "table", "stream", "hybrid", "rebuilt"
	Sections int    `json:"sections"` // cross-reference sections followed (1 + incremental updates)
	Objects  int    `json:"objects"`  // entries in the merged cross-reference data
	Repaired bool   `json:"repaired"` // offsets were rebuilt by scanning for "N G obj"
}

// Font is one font dictionary used by the document.
type Font struct {
	Name      string `json:"name"`               // /BaseFont without a subset prefix kept as-is
	Type      string `json:"type"`               // /Subtype: Type1, MMType1, TrueType, Type3, Type0
	CIDType   string `json:"cid_type,omitempty"` // descendant's /Subtype for Type0: CIDFontType0, CIDFontType2
	Encoding  string `json:"encoding,omitempty"` // a name, "Differences", or "embedded CMap"
	Embedded  bool   `json:"embedded"`
	ToUnicode bool   `json:"to_unicode"`
	Symbolic  bool   `json:"symbolic"` // /Flags bit 3 in the font descriptor
}

// Page is one page's geometry and the content-stream statistics the router
// needs. Coordinates are PDF points (1/72 inch).
type Page struct {
	Number   int        `json:"number"` // 1-based
	MediaBox [4]float64 `json:"media_box"`
	CropBox  [4]float64 `json:"crop_box"` // clipped to the MediaBox
	Rotate   int        `json:"rotate"`   // 0, 90, 180 or 270
	WidthPt  float64    `json:"width_pt"` // crop box size as displayed (after Rotate)
	HeightPt float64    `json:"height_pt"`

	Text    TextStats  `json:"text"`
	Images  ImageStats `json:"images"`
	PathOps int        `json:"path_ops"` // path construction operators (m l c v y h re)

	ContentBytes int64  `json:"content_bytes"`        // decoded content-stream bytes scanned, forms and annotation appearances included
	ScanError    string `json:"scan_error,omitempty"` // why the scan stopped early, if it did
}

// TextStats counts text shown on a page.
type TextStats struct {
	ShowOps          int `json:"show_ops"`          // Tj, TJ, ' and " operators
	Glyphs           int `json:"glyphs"`            // glyphs shown, all render modes
	InvisibleGlyphs  int `json:"invisible_glyphs"`  // glyphs in render mode 3 or 7
	UnicodeGlyphs    int `json:"unicode_glyphs"`    // glyphs that map to a Unicode character
	UnmappedGlyphs   int `json:"unmapped_glyphs"`   // glyphs with no Unicode mapping
	ReplacementChars int `json:"replacement_chars"` // glyphs that map to U+FFFD or to a control character
	Chars            int `json:"chars"`             // non-whitespace characters of visible text after mapping
	InvisibleChars   int `json:"invisible_chars"`   // the same for text in render mode 3 or 7 (an OCR layer)
}

// ImageStats describes the images drawn on a page.
type ImageStats struct {
	Count       int     `json:"count"`        // image XObjects and inline images drawn
	Inline      int     `json:"inline"`       // of which inline (BI ... ID ... EI)
	Coverage    float64 `json:"coverage"`     // share of the crop box covered by the union of image bounds, 0..1
	MaxCoverage float64 `json:"max_coverage"` // share covered by the largest single image, 0..1
}
