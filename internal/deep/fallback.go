package deep

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"unicode"

	"dataplus/internal/inspect"
	"dataplus/internal/record"
	"dataplus/internal/render"
	"dataplus/internal/route"
)

// EnginePDFium marks records read by PDFium after the pure-Go reader gave
// up on the file.
const EnginePDFium = "pdfium"

// Fallback reads files through PDFium: the metadata PDFium exposes, page
// geometry, the characters of each page's text and, for pages without
// text, the share of a small render that is ink. It routes pages from
// those facts. The PDFium pool starts on first use (most runs never need
// it), or is the feature extractor's pool when there is one.
type Fallback struct {
	opts  render.Options
	route route.Config
	log   *slog.Logger

	mu   sync.Mutex
	pool *render.Pool
	own  bool // the pool was started here and is closed by Close
	err  error
}

// NewFallback returns a Fallback that starts its own pool with opts when
// first needed.
func NewFallback(opts render.Options, rc route.Config, log *slog.Logger) *Fallback {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Fallback{opts: opts, route: rc, log: log}
}

// UsePool makes the fallback use an existing pool (the extractor's).
func (f *Fallback) UsePool(p *render.Pool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pool = p
}

// Close stops the pool if the fallback started it.
func (f *Fallback) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.own && f.pool != nil {
		return f.pool.Close()
	}
	return nil
}

func (f *Fallback) getPool(ctx context.Context) (*render.Pool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pool == nil && f.err == nil {
		f.pool, f.err = render.New(ctx, f.opts, f.log)
		f.own = f.err == nil
		if f.err != nil {
			f.err = fmt.Errorf("start pdfium: %w: %w", record.ErrUnavailable, f.err)
		}
	}
	return f.pool, f.err
}

// inkLongSide is the long side of the render that decides whether a page
// without text has anything on it.
const inkLongSide = 96

// inkThreshold is the share of non-white pixels from which a text-less
// page is a page image to OCR.
const inkThreshold = 0.01

// Read fills rec from PDFium. On success rec.Engine is EnginePDFium and
// rec.Error is cleared; on failure rec is left as it was and the error
// is returned.
func (f *Fallback) Read(ctx context.Context, data []byte, password string, rec *record.Record) error {
	pool, err := f.getPool(ctx)
	if err != nil {
		return err
	}
	var (
		meta      inspect.Metadata
		pages     []record.Page
		decisions []route.Decision
	)
	err = pool.Document(ctx, data, password, func(d *render.Doc) error {
		info, err := d.Info(ctx)
		if err != nil {
			return err
		}
		meta = inspect.Metadata{
			Version: info.Version,
			Pages:   info.Pages,
			Info: inspect.Info{
				Title: info.Meta["Title"], Author: info.Meta["Author"], Subject: info.Meta["Subject"],
				Keywords: info.Meta["Keywords"], Creator: info.Meta["Creator"], Producer: info.Meta["Producer"],
				CreationDate: info.Meta["CreationDate"], ModDate: info.Meta["ModDate"], Trapped: info.Meta["Trapped"],
			},
		}
		if info.Encrypted {
			meta.Encryption = &inspect.Encryption{}
		}
		for i, pi := range info.PageInfo {
			pg := inspect.Page{Number: i + 1, MediaBox: pi.MediaBox, CropBox: pi.CropBox, Rotate: pi.Rotate, WidthPt: pi.Width, HeightPt: pi.Height}
			text, err := d.Text(ctx, i)
			if err != nil {
				return fmt.Errorf("page %d text: %w", i+1, err)
			}
			pg.Text.Chars = visibleChars(text)
			pg.Text.UnicodeGlyphs = pg.Text.Chars
			var dec route.Decision
			if pg.Text.Chars >= f.route.MinChars {
				dec = f.route.Page(pg)
			} else {
				img, err := d.Render(ctx, i, render.Size{LongSide: inkLongSide})
				if err != nil {
					return fmt.Errorf("page %d render: %w", i+1, err)
				}
				dec = inkDecision(pg.Text.Chars, f.route.MinChars, inkShare(img))
			}
			pages = append(pages, record.Page{Page: pg, Route: dec})
			decisions = append(decisions, dec)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("pdfium: %w", err)
	}
	rollup := f.route.Document(decisions)
	rec.Engine = EnginePDFium
	rec.Error = nil
	rec.Metadata = &meta
	rec.Pages = pages
	rec.Route = &rollup
	return nil
}

// inkDecision routes a page with too little text by its rendered ink.
func inkDecision(chars, minChars int, ink float64) route.Decision {
	d := route.Decision{Reasons: []route.Reason{
		{Code: route.ReasonLowText, Value: float64(chars), Threshold: float64(minChars)},
		{Code: route.ReasonRenderedInk, Value: ink, Threshold: inkThreshold},
	}}
	if ink >= inkThreshold {
		d.Route, d.Raster = route.OCR, true
	} else {
		d.Route = route.Empty
	}
	return d
}

// inkShare is the share of pixels darker than near-white.
func inkShare(img render.Image) float64 {
	n := img.Width * img.Height
	if n == 0 {
		return 0
	}
	dark := 0
	for i := 0; i+2 < len(img.Pix); i += 3 {
		if int(img.Pix[i])+int(img.Pix[i+1])+int(img.Pix[i+2]) < 3*230 {
			dark++
		}
	}
	return float64(dark) / float64(n)
}

func visibleChars(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) && !unicode.IsControl(r) && r != '\uFFFD' {
			n++
		}
	}
	return n
}
