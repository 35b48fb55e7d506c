package render

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/enums"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"

	"dataplus/internal/pdf"
)

// Doc is a document open on one instance. It is valid only inside the
// function given to Pool.Document and is not safe for concurrent use.
type Doc struct {
	pool   *Pool
	inst   *instance
	ref    references.FPDF_DOCUMENT
	pages  int
	opened bool
	// dead is set once the instance was killed or trapped; every later
	// call returns it.
	dead error
}

// Size says how big a render is. Set exactly one field.
type Size struct {
	// LongSide scales the page so that the longer side of the displayed
	// page (CropBox, after /Rotate) is this many pixels.
	LongSide int
	// DPI renders at this many pixels per inch (72 points).
	DPI float64
	// Unrotated ignores the page's /Rotate: the page is drawn in the
	// orientation of its content (and LongSide applies to that). Deep
	// features use it, so that a copy with a page turned by a viewer's
	// "rotate" command is still a near-duplicate.
	Unrotated bool
}

// Image is a rendered page: packed RGB, 3 bytes per pixel, rows top to
// bottom, no padding.
type Image struct {
	Width, Height int
	Pix           []byte
}

// Info is what PDFium reports about a document.
type Info struct {
	// Version is the header's version ("1.7"); "" when PDFium has none
	// (a repaired file without a header). The catalog's /Version is not
	// exposed by PDFium's API.
	Version string
	Pages   int
	// Meta holds the non-empty standard entries of the information
	// dictionary (Title, Author, Subject, Keywords, Creator, Producer,
	// CreationDate, ModDate, Trapped), decoded to UTF-8. Dates are the raw
	// PDF date strings. PDFium cannot list other keys.
	Meta map[string]string
	// Encrypted is true when the file uses a security handler.
	Encrypted bool
	// SecurityRevision is the standard security handler's /R; 0 when not
	// encrypted.
	SecurityRevision int
	// Permissions are the /P bits; 0xFFFFFFFF when not encrypted.
	Permissions uint32
	// PageInfo has one entry per page.
	PageInfo []PageInfo
}

// PageInfo is one page's geometry, in points.
type PageInfo struct {
	// MediaBox is the page dictionary's own /MediaBox (llx lly urx ury).
	// PDFium's API does not resolve an inherited /MediaBox: then it is
	// all zeros (CropBox, Width and Height still account for it).
	MediaBox [4]float64
	CropBox  [4]float64 // effective crop box: /CropBox clipped to the MediaBox, or the MediaBox
	Rotate   int        // 0, 90, 180 or 270, clockwise
	Width    float64    // displayed width: the crop box, swapped for 90 and 270
	Height   float64    // displayed height
}

// infoKeys are the information dictionary entries Info asks for.
var infoKeys = []string{"Title", "Author", "Subject", "Keywords", "Creator", "Producer",
	"CreationDate", "ModDate", "Trapped"}

// Pages returns the page count.
func (d *Doc) Pages() int { return d.pages }

// call runs fn on the document's instance under the pool's guard and maps
// its error.
func (d *Doc) call(ctx context.Context, op string, fn func(pdfium.Pdfium) error) error {
	if d.dead != nil {
		return fmt.Errorf("%s: %w", op, d.dead)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	err := d.pool.guard(ctx, d.inst, fn)
	if err == nil {
		return nil
	}
	var mem int64
	if d.inst.pending == nil { // an abandoned call may still be growing the memory
		mem, _ = d.pool.memory(d.inst)
	}
	err = mapError(err, mem)
	if d.inst.broken {
		d.dead = err
	}
	return fmt.Errorf("%s: %w", op, err)
}

// open loads data into the instance.
func (d *Doc) open(ctx context.Context, data []byte, password string) error {
	if len(data) == 0 {
		return fmt.Errorf("open document: %w: empty file", pdf.ErrInvalid)
	}
	req := &requests.OpenDocument{File: &data}
	if password != "" {
		req.Password = &password
	}
	return d.call(ctx, "open document", func(p pdfium.Pdfium) error {
		res, err := p.OpenDocument(req)
		if err != nil {
			return err
		}
		d.ref = res.Document
		d.opened = true
		n, err := p.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: d.ref})
		if err != nil {
			return err
		}
		d.pages = n.PageCount
		return nil
	})
}

// close releases the document. Failures only retire the instance.
func (d *Doc) close() {
	if !d.opened || d.dead != nil {
		return
	}
	d.opened = false
	err := d.call(context.Background(), "close document", func(p pdfium.Pdfium) error {
		_, err := p.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: d.ref})
		return err
	})
	if err != nil {
		d.inst.broken = true
		d.pool.log.Debug("render: close document", "instance", d.inst.id, "err", err)
	}
}

// pageRef addresses page i (0-based). go-pdfium keeps the last page it
// loaded per document, so Render then Text on one page loads it once.
func (d *Doc) pageRef(i int) requests.Page {
	return requests.Page{ByIndex: &requests.PageByIndex{Document: d.ref, Index: i}}
}

// checkPage validates a 0-based page index.
func (d *Doc) checkPage(i int) error {
	if d.pages == 0 {
		return fmt.Errorf("%w: document has no pages", pdf.ErrInvalid)
	}
	if i < 0 || i >= d.pages {
		return fmt.Errorf("page %d out of range (%d pages)", i, d.pages)
	}
	return nil
}

// Render draws page (0-based) at size on a white background, with the
// page's CropBox and /Rotate applied and annotations drawn (form widgets
// are not). A render over Options.MaxPixels fails with pdf.ErrLimit
// before PDFium is asked for a bitmap.
func (d *Doc) Render(ctx context.Context, page int, size Size) (Image, error) {
	op := fmt.Sprintf("render page %d", page)
	if err := size.validate(); err != nil {
		return Image{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := d.checkPage(page); err != nil {
		return Image{}, fmt.Errorf("%s: %w", op, err)
	}
	var img Image
	err := d.call(ctx, op, func(p pdfium.Pdfium) error {
		pg := d.pageRef(page)
		w, err := p.FPDF_GetPageWidthF(&requests.FPDF_GetPageWidthF{Page: pg})
		if err != nil {
			return err
		}
		h, err := p.FPDF_GetPageHeightF(&requests.FPDF_GetPageHeightF{Page: pg})
		if err != nil {
			return err
		}
		pw, ph, turn := float64(w.PageWidth), float64(h.PageHeight), enums.FPDF_PAGE_ROTATION_NONE
		if size.Unrotated {
			r, err := p.FPDFPage_GetRotation(&requests.FPDFPage_GetRotation{Page: pg})
			if err != nil {
				return err
			}
			// PDFium applies /Rotate and then the extra turn: turning
			// the rest of the way round undoes it.
			turn = (4 - r.PageRotation) % 4
			if turn%2 == 1 {
				pw, ph = ph, pw
			}
		}
		wpx, hpx, err := size.pixels(pw, ph, d.pool.opts.MaxPixels)
		if err != nil {
			return err
		}
		img, err = renderBitmap(p, pg, wpx, hpx, turn)
		return err
	})
	if err != nil {
		return Image{}, err
	}
	d.pool.renders.Add(1)
	return img, nil
}

// renderBitmap renders pg into a new wpx x hpx BGRx bitmap inside the
// instance and converts it to packed RGB.
func renderBitmap(p pdfium.Pdfium, pg requests.Page, wpx, hpx int, turn enums.FPDF_PAGE_ROTATION) (Image, error) {
	bm, err := p.FPDFBitmap_CreateEx(&requests.FPDFBitmap_CreateEx{
		Width: wpx, Height: hpx, Format: enums.FPDF_BITMAP_FORMAT_BGRX, Pointer: uint64(0),
	})
	if err != nil {
		return Image{}, err
	}
	defer func() { _, _ = p.FPDFBitmap_Destroy(&requests.FPDFBitmap_Destroy{Bitmap: bm.Bitmap}) }()
	// A null bitmap (PDFium could not allocate it) has stride 0.
	st, err := p.FPDFBitmap_GetStride(&requests.FPDFBitmap_GetStride{Bitmap: bm.Bitmap})
	if err != nil {
		return Image{}, err
	}
	if st.Stride < wpx*4 {
		return Image{}, fmt.Errorf("%w: pdfium could not allocate a %dx%d bitmap", pdf.ErrLimit, wpx, hpx)
	}
	if _, err := p.FPDFBitmap_FillRect(&requests.FPDFBitmap_FillRect{
		Bitmap: bm.Bitmap, Width: wpx, Height: hpx, Color: 0xFFFFFFFF,
	}); err != nil {
		return Image{}, err
	}
	if _, err := p.FPDF_RenderPageBitmap(&requests.FPDF_RenderPageBitmap{
		Bitmap: bm.Bitmap, Page: pg, SizeX: wpx, SizeY: hpx,
		Rotate: turn, Flags: enums.FPDF_RENDER_FLAG_ANNOT,
	}); err != nil {
		return Image{}, err
	}
	buf, err := p.FPDFBitmap_GetBuffer(&requests.FPDFBitmap_GetBuffer{Bitmap: bm.Bitmap})
	if err != nil {
		return Image{}, err
	}
	// buf is a view of wasm memory, valid until the bitmap is destroyed.
	if len(buf.Buffer) < st.Stride*(hpx-1)+wpx*4 {
		return Image{}, fmt.Errorf("bitmap buffer is %d bytes, want %d", len(buf.Buffer), st.Stride*hpx)
	}
	return Image{Width: wpx, Height: hpx, Pix: bgrxToRGB(buf.Buffer, st.Stride, wpx, hpx)}, nil
}

// bgrxToRGB converts PDFium's BGRx rows to packed RGB.
func bgrxToRGB(src []byte, stride, w, h int) []byte {
	dst := make([]byte, w*h*3)
	for y := range h {
		row := src[y*stride : y*stride+w*4]
		out := dst[y*w*3 : (y+1)*w*3]
		for x, o := 0, 0; x < len(row); x, o = x+4, o+3 {
			out[o], out[o+1], out[o+2] = row[x+2], row[x+1], row[x]
		}
	}
	return dst
}

// validate checks that exactly one of LongSide and DPI is set.
func (s Size) validate() error {
	switch {
	case s.LongSide < 0 || s.DPI < 0 || math.IsNaN(s.DPI) || math.IsInf(s.DPI, 0):
		return fmt.Errorf("invalid size %+v", s)
	case (s.LongSide > 0) == (s.DPI > 0):
		return fmt.Errorf("size %+v: set exactly one of LongSide and DPI", s)
	}
	return nil
}

// maxSide bounds each bitmap side: PDFium computes a BGRx stride in int32.
const maxSide = math.MaxInt32 / 4

// pixels converts a displayed page size in points to a bitmap size, and
// applies maxPixels.
func (s Size) pixels(wPt, hPt float64, maxPixels int) (int, int, error) {
	if !(wPt > 0 && hPt > 0) || math.IsInf(wPt, 0) || math.IsInf(hPt, 0) {
		return 0, 0, fmt.Errorf("%w: page size %gx%g pt", pdf.ErrInvalid, wPt, hPt)
	}
	scale := s.DPI / 72
	if s.LongSide > 0 {
		scale = float64(s.LongSide) / math.Max(wPt, hPt)
	}
	w := math.Max(1, math.Round(wPt*scale))
	h := math.Max(1, math.Round(hPt*scale))
	if w*h > float64(maxPixels) || w > maxSide || h > maxSide {
		return 0, 0, fmt.Errorf("%w: render of %.0fx%.0f pt at %+v would be %.0fx%.0f px, over %d pixels",
			pdf.ErrLimit, wPt, hPt, s, w, h, maxPixels)
	}
	return int(w), int(h), nil
}

// Text returns the page's full text (0-based page) as PDFium extracts it,
// with the line breaks it generates.
func (d *Doc) Text(ctx context.Context, page int) (string, error) {
	op := fmt.Sprintf("text of page %d", page)
	if err := d.checkPage(page); err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	var text string
	err := d.call(ctx, op, func(p pdfium.Pdfium) error {
		tp, err := p.FPDFText_LoadPage(&requests.FPDFText_LoadPage{Page: d.pageRef(page)})
		if err != nil {
			return err
		}
		defer func() { _, _ = p.FPDFText_ClosePage(&requests.FPDFText_ClosePage{TextPage: tp.TextPage}) }()
		n, err := p.FPDFText_CountChars(&requests.FPDFText_CountChars{TextPage: tp.TextPage})
		if err != nil {
			return err
		}
		if n.Count <= 0 {
			return nil
		}
		t, err := p.FPDFText_GetText(&requests.FPDFText_GetText{TextPage: tp.TextPage, Count: n.Count})
		if err != nil {
			return err
		}
		text = strings.TrimRight(t.Text, "\x00")
		return nil
	})
	if err != nil {
		return "", err
	}
	d.pool.texts.Add(1)
	return text, nil
}

// Info reports the document's version, metadata, encryption and the
// geometry of every page. Each page is one call (loading a page parses its
// content), so a long document takes a while; ctx is checked per page.
func (d *Doc) Info(ctx context.Context) (Info, error) {
	info := Info{Pages: d.pages, Meta: map[string]string{}}
	err := d.call(ctx, "info", func(p pdfium.Pdfium) error {
		if v, err := p.FPDF_GetFileVersion(&requests.FPDF_GetFileVersion{Document: d.ref}); err == nil && v.FileVersion > 0 {
			info.Version = fmt.Sprintf("%d.%d", v.FileVersion/10, v.FileVersion%10)
		}
		for _, k := range infoKeys {
			// An error here means "no information dictionary".
			m, err := p.FPDF_GetMetaText(&requests.FPDF_GetMetaText{Document: d.ref, Tag: k})
			if err != nil {
				continue
			}
			if v := strings.TrimRight(m.Value, "\x00"); v != "" {
				info.Meta[k] = v
			}
		}
		rev, err := p.FPDF_GetSecurityHandlerRevision(&requests.FPDF_GetSecurityHandlerRevision{Document: d.ref})
		if err != nil {
			return err
		}
		if rev.SecurityHandlerRevision >= 0 {
			info.Encrypted = true
			info.SecurityRevision = rev.SecurityHandlerRevision
		}
		perm, err := p.FPDF_GetDocPermissions(&requests.FPDF_GetDocPermissions{Document: d.ref})
		if err != nil {
			return err
		}
		info.Permissions = perm.DocPermissions
		return nil
	})
	if err != nil {
		return Info{}, err
	}
	info.PageInfo = make([]PageInfo, d.pages)
	for i := range d.pages {
		pi, err := d.pageInfo(ctx, i)
		if err != nil {
			return Info{}, err
		}
		info.PageInfo[i] = pi
	}
	return info, nil
}

// pageInfo reads one page's boxes and rotation.
func (d *Doc) pageInfo(ctx context.Context, i int) (PageInfo, error) {
	var pi PageInfo
	err := d.call(ctx, fmt.Sprintf("info of page %d", i), func(p pdfium.Pdfium) error {
		pg := d.pageRef(i)
		w, err := p.FPDF_GetPageWidthF(&requests.FPDF_GetPageWidthF{Page: pg})
		if err != nil {
			return err
		}
		h, err := p.FPDF_GetPageHeightF(&requests.FPDF_GetPageHeightF{Page: pg})
		if err != nil {
			return err
		}
		pi.Width, pi.Height = float64(w.PageWidth), float64(h.PageHeight)
		rot, err := p.FPDFPage_GetRotation(&requests.FPDFPage_GetRotation{Page: pg})
		if err != nil {
			return err
		}
		pi.Rotate = int(rot.PageRotation) * 90
		bb, err := p.FPDF_GetPageBoundingBox(&requests.FPDF_GetPageBoundingBox{Page: pg})
		if err != nil {
			return err
		}
		pi.CropBox = [4]float64{float64(bb.Rect.Left), float64(bb.Rect.Bottom), float64(bb.Rect.Right), float64(bb.Rect.Top)}
		// An error here means the page has no /MediaBox of its own.
		if mb, err := p.FPDFPage_GetMediaBox(&requests.FPDFPage_GetMediaBox{Page: pg}); err == nil {
			pi.MediaBox = [4]float64{float64(mb.Left), float64(mb.Bottom), float64(mb.Right), float64(mb.Top)}
		}
		return nil
	})
	if err != nil {
		return PageInfo{}, err
	}
	return pi, nil
}
