package inspect

import (
	"context"
	"fmt"

	"dataplus/internal/pdf"
)

// Result is what Document found.
type Result struct {
	Metadata Metadata
	Pages    []Page
}

// Document reads the metadata of doc and scans the content of every page.
//
// Errors:
//
//   - no catalog or an unusable page tree: a nil Result and an error
//     wrapping the reader's sentinel (pdf.ErrInvalid, pdf.ErrLimit, ...);
//
//   - a document that needs a password: a partial Result (version,
//     encryption, cross-reference facts, page count and page geometry)
//     AND an error wrapping pdf.ErrEncrypted. Callers that report what is
//     known about such files use the Result when errors.Is(err,
//     pdf.ErrEncrypted). Where the page tree itself is encrypted (pages in
//     object streams) Pages is 0 and the page list empty: unknown, not
//     "no pages";
//
//   - the context ends: a nil Result and the context's error, wrapped.
//
//   - a content stream over one of the reader's limits (pdf.Limits:
//     MaxStreamBytes, MaxWork): the full Result AND an error wrapping
//     pdf.ErrLimit (the document is too large to trust the scan); the
//     pages concerned say so in ScanError.
//
// A page whose content cannot be fully scanned (a damaged stream, more
// than Options.MaxContentBytes) keeps the facts gathered so far and says
// why in Page.ScanError; that alone never fails the document.
func Document(ctx context.Context, doc *pdf.Document, opt Options) (res *Result, err error) {
	defer func() {
		// The reader recovers from its own panics; this guards ours, so
		// that one hostile file can never take down a batch.
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("inspect: internal error: %v", r)
		}
	}()
	opt = opt.withDefaults()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}

	res = &Result{}
	md := &res.Metadata
	md.Version = doc.HeaderVersion()
	xi := doc.XRefInfo()
	md.XRef = XRef{Kind: xi.Kind, Sections: xi.Sections, Objects: xi.Objects, Repaired: xi.Repaired}
	md.Linearized = doc.Linearized()
	md.Fonts = []Font{}
	if e := doc.Encryption(); e != nil {
		method := e.Method
		if method == "" {
			method = "unknown"
		}
		md.Encryption = &Encryption{Filter: e.Filter, V: e.V, R: e.R, Method: method, KeyBits: e.KeyBits,
			NeedsPassword: e.NeedsPassword, P: e.P, Permissions: permissions(e.P, e.R)}
	}

	if md.Encryption != nil && md.Encryption.NeedsPassword {
		return encryptedResult(doc, res)
	}

	cat, err := doc.Catalog()
	if err != nil {
		return nil, fmt.Errorf("inspect: catalog: %w", err)
	}
	if v := nameOf(doc, cat["Version"]); v != "" && compareVersions(string(v), md.Version) > 0 {
		md.Version = string(v)
	}
	pages, err := doc.Pages()
	if err != nil {
		return nil, fmt.Errorf("inspect: pages: %w", err)
	}
	md.Pages = len(pages)
	res.Pages = make([]Page, len(pages))
	for i, pg := range pages {
		res.Pages[i] = geometry(i+1, pg)
	}

	md.Info = readInfo(doc, doc.Dict(doc.Trailer()["Info"]))
	if st := doc.Stream(cat["Metadata"]); st != nil {
		if data, err := doc.StreamData(st); len(data) > 0 {
			md.XMP = parseXMP(data)
		} else if err != nil && ctx.Err() != nil {
			return nil, fmt.Errorf("inspect: %w", ctx.Err())
		}
	}
	readCatalog(doc, cat, md)

	s := newScanner(ctx, doc, opt)
	s.oc = readOptionalContent(doc, cat)
	annots := annotWalk{doc: doc, budget: maxDocAnnots}
	limitPage := 0
	for i, pg := range pages {
		out := &res.Pages[i]
		s.scanPage(pg, out, pageRect(pg.CropBox), pageRect(pg.MediaBox))
		if s.ctxErr != nil {
			return nil, fmt.Errorf("inspect: page %d: %w", i+1, s.ctxErr)
		}
		annots.page(pg.Dict, md)
		md.Images += out.Images.Count
		if s.limit != nil && limitPage == 0 {
			limitPage = i + 1
		}
	}
	md.Fonts = s.fonts.fonts()
	if s.limit != nil {
		return res, fmt.Errorf("inspect: page %d: %w", limitPage, s.limit)
	}
	return res, nil
}

// encryptedResult fills what can be known of a document that needs a
// password: the catalog's version and the page tree, when they are not
// themselves encrypted (objects inside object streams are). It always
// returns an error wrapping pdf.ErrEncrypted, with the partial result.
func encryptedResult(doc *pdf.Document, res *Result) (*Result, error) {
	md := &res.Metadata
	if cat, err := doc.Catalog(); err == nil {
		if v := nameOf(doc, cat["Version"]); v != "" && compareVersions(string(v), md.Version) > 0 {
			md.Version = string(v)
		}
	}
	if pages, err := doc.Pages(); err == nil {
		md.Pages = len(pages)
		res.Pages = make([]Page, len(pages))
		for i, pg := range pages {
			res.Pages[i] = geometry(i+1, pg)
		}
	}
	return res, fmt.Errorf("inspect: %w", pdf.ErrEncrypted)
}

// geometry returns a page's number and boxes.
func geometry(n int, pg pdf.Page) Page {
	out := Page{Number: n, MediaBox: pg.MediaBox, CropBox: pg.CropBox, Rotate: pg.Rotate}
	out.WidthPt, out.HeightPt = pg.CropBox.Width(), pg.CropBox.Height()
	if pg.Rotate == 90 || pg.Rotate == 270 {
		out.WidthPt, out.HeightPt = out.HeightPt, out.WidthPt
	}
	return out
}

func pageRect(r pdf.Rect) rect { return rect{r[0], r[1], r[2], r[3]} }
