package inspect

import (
	"context"
	"errors"
	"fmt"

	"dataplus/internal/pdf"
)

// This file runs page content streams: it keeps the graphics state the
// statistics need (CTM, clip bounds, text matrices, font, render mode) and
// counts text, paths and images. Painting, colour and marked content are
// skipped.

// Bounds on the scanner's own state.
const (
	maxSaved      = 64    // q levels kept; deeper ones are counted, not stored
	maxMarked     = 256   // marked-content levels kept; deeper ones are counted
	annotsPerPage = 1_000 // annotation appearances drawn per page
	maxOperands   = 8192  // operands without an operator before they are dropped
	checkEvery    = 1 << 14
)

var errContentLimit = errors.New("content exceeds the per-page byte limit")

// gstate is the part of the graphics state the scanner tracks.
type gstate struct {
	ctm      matrix
	clip     rect // bounds of the clipping region in page space
	font     *fontInfo
	fontSize float64
	render   int
	leading  float64
	charSp   float64 // Tc
	wordSp   float64 // Tw
	hscale   float64 // Tz / 100
}

// scanner holds the per-document caches and the per-page scan state.
type scanner struct {
	ctx      context.Context
	doc      objects
	fonts    *fontCache
	xobjs    map[pdf.Ref]*xobject
	oc       *optionalContent // nil: all content visible
	maxDepth int
	maxBytes int64
	cached   int64 // bytes of form content kept in xobjs

	p     parser
	probe parser // scratch parser for inline-image end checks

	page        *Page
	media       rect // text outside it is dropped, as pdftotext does
	cov         coverage
	gs          gstate
	saved       []gstate
	extraQ      int
	tm, tlm     matrix
	path        rect
	hasPath     bool
	clipOp      bool
	frames      []*frame
	active      []pdf.Ref
	budget      int64
	floor       int    // saved states below this belong to the caller of a form
	marked      []bool // open marked-content sections: true when hidden
	extraMC     int    // sections opened beyond maxMarked
	hidden      int    // open sections that are hidden (optional content off)
	markedFloor int    // sections below this belong to the caller of a form
	ops         int
	halt        bool  // stop scanning this page (limit reached or context done)
	err         error // first reason the page scan is incomplete
	ctxErr      error // the context's error, which stops the whole document
	limit       error // first reader limit (pdf.ErrLimit) met: the document is too large
}

func newScanner(ctx context.Context, doc objects, opt Options) *scanner {
	s := &scanner{
		ctx:      ctx,
		doc:      doc,
		fonts:    newFontCache(doc),
		xobjs:    make(map[pdf.Ref]*xobject),
		maxDepth: opt.MaxFormDepth,
		maxBytes: opt.MaxContentBytes,
	}
	s.p.maxStack = maxOperands
	s.probe.maxStack = 16
	return s
}

// beginPage resets the page state. crop and media are the page's boxes in
// default user space: images are clipped to the crop box, text is counted
// when it lands inside the media box (pdftotext reads the media box).
func (s *scanner) beginPage(out *Page, crop, media rect, resources pdf.Dict) {
	s.page = out
	s.media = media
	s.cov.reset(crop)
	s.gs = gstate{ctm: identity, clip: crop, hscale: 1}
	s.saved = s.saved[:0]
	s.extraQ, s.floor = 0, 0
	s.marked, s.extraMC, s.hidden, s.markedFloor = s.marked[:0], 0, 0, 0
	s.tm, s.tlm = identity, identity
	s.hasPath, s.clipOp = false, false
	s.frames = append(s.frames[:0], s.newFrame(resources))
	s.active = s.active[:0]
	s.budget = s.maxBytes
	s.err = nil
	s.halt = s.ctxErr != nil
	s.p.reset()
}

// endPage computes the coverage figures and records the scan error.
func (s *scanner) endPage() {
	s.page.Images.Coverage, s.page.Images.MaxCoverage = s.cov.result()
	if s.err != nil && s.page.ScanError == "" {
		s.page.ScanError = s.err.Error()
	}
	s.page = nil
}

// fail records why the page scan is incomplete; the first reason wins.
// A reader limit is also remembered for the document.
func (s *scanner) fail(err error) {
	if s.err == nil {
		s.err = err
	}
	if s.limit == nil && errors.Is(err, pdf.ErrLimit) {
		s.limit = err
	}
}

// scanPage scans the /Contents of a page (a stream or an array of them,
// which behave as one stream).
func (s *scanner) scanPage(pg pdf.Page, out *Page, crop, media rect) {
	s.beginPage(out, crop, media, pg.Resources)
	defer s.endPage()
	contents := resolve(s.doc, pg.Dict["Contents"])
	var streams []pdf.Object
	switch v := contents.(type) {
	case *pdf.Stream:
		streams = []pdf.Object{v}
	case pdf.Array:
		streams = v
	}
	for i, o := range streams {
		st := streamOf(s.doc, o)
		if st == nil {
			continue
		}
		data, err := s.doc.StreamData(st)
		if err != nil {
			if s.checkCtx(err) {
				return
			}
			s.fail(fmt.Errorf("content stream %d: %w", i, err))
		}
		s.run(data)
		if s.halt {
			return
		}
	}
	s.scanAnnotations(pg.Dict)
}

// checkCtx reports whether err (or the context) says the whole document
// must stop, and remembers that.
func (s *scanner) checkCtx(err error) bool {
	if s.ctxErr != nil {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		s.ctxErr, s.halt = err, true
		return true
	}
	if err := s.ctx.Err(); err != nil {
		s.ctxErr, s.halt = err, true
		return true
	}
	return false
}

// run scans one decoded content stream with the current state. The
// operand stack carries over from the previous stream of the page.
func (s *scanner) run(data []byte) {
	if s.halt {
		return
	}
	over := int64(len(data)) > s.budget
	if over {
		data = data[:s.budget]
		s.fail(fmt.Errorf("%w (%d bytes)", errContentLimit, s.maxBytes))
	}
	s.budget -= int64(len(data))
	s.page.ContentBytes += int64(len(data))
	s.p.data, s.p.pos = data, 0
	for {
		op := s.p.next()
		if op == nil {
			break
		}
		s.exec(op)
		s.p.reset()
		s.ops++
		if s.ops%checkEvery == 0 {
			s.checkCtx(nil)
		}
		if s.halt {
			break
		}
	}
	s.p.data = nil
	if over {
		s.halt = true
	}
}

// exec runs one operator with the operands on the stack.
func (s *scanner) exec(op []byte) {
	switch string(op) {
	case "q":
		if len(s.saved) < maxSaved {
			s.saved = append(s.saved, s.gs)
		} else {
			s.extraQ++
		}
	case "Q":
		if s.extraQ > 0 {
			s.extraQ--
		} else if n := len(s.saved); n > s.floor {
			s.gs = s.saved[n-1]
			s.saved = s.saved[:n-1]
		}
	case "cm":
		if m, ok := s.matrixOperands(); ok {
			s.gs.ctm = m.mul(s.gs.ctm)
		}
	case "BT":
		s.tm, s.tlm = identity, identity
	case "Tm":
		if m, ok := s.matrixOperands(); ok {
			s.tm, s.tlm = m, m
		}
	case "Td":
		if v, ok := s.numbers(2); ok {
			s.td(v[0], v[1])
		}
	case "TD":
		if v, ok := s.numbers(2); ok {
			s.gs.leading = -v[1]
			s.td(v[0], v[1])
		}
	case "T*":
		s.td(0, -s.gs.leading)
	case "TL":
		if v, ok := s.numbers(1); ok {
			s.gs.leading = v[0]
		}
	case "Tf":
		s.setFont()
	case "Tr":
		if v, ok := s.numbers(1); ok {
			s.gs.render = int(v[0])
		}
	case "Tc":
		if v, ok := s.numbers(1); ok {
			s.gs.charSp = v[0]
		}
	case "Tw":
		if v, ok := s.numbers(1); ok {
			s.gs.wordSp = v[0]
		}
	case "Tz":
		if v, ok := s.numbers(1); ok {
			s.gs.hscale = v[0] / 100
		}
	case "Tj":
		s.showLast()
	case "'":
		s.td(0, -s.gs.leading)
		s.showLast()
	case "\"": // aw ac string
		if st := s.p.stack; len(st) >= 3 && st[len(st)-3].kind == kindNumber && st[len(st)-2].kind == kindNumber {
			s.gs.wordSp, s.gs.charSp = st[len(st)-3].num, st[len(st)-2].num
		}
		s.td(0, -s.gs.leading)
		s.showLast()
	case "TJ":
		s.showArray()
	case "BMC":
		s.beginMarked(false)
	case "BDC":
		s.beginMarked(s.hiddenSection())
	case "EMC":
		s.endMarked()
	case "m", "l":
		s.pathOp()
		s.pathPoints(2)
	case "c":
		s.pathOp()
		s.pathPoints(6)
	case "v", "y":
		s.pathOp()
		s.pathPoints(4)
	case "h":
		s.pathOp()
	case "re":
		s.pathOp()
		if v, ok := s.numbers(4); ok {
			s.addPathPoint(v[0], v[1])
			s.addPathPoint(v[0]+v[2], v[1]+v[3])
		}
	case "W", "W*":
		s.clipOp = true
	case "n", "f", "F", "f*", "S", "s", "B", "B*", "b", "b*":
		s.endPath()
	case "Do":
		if n := len(s.p.stack); n > 0 && s.p.stack[n-1].kind == kindName && s.hidden == 0 {
			s.doXObject(s.p.bytesOf(s.p.stack[n-1]))
		}
	case "ID":
		s.inlineImage()
	}
}

// pathOp counts a path construction operator in visible content.
func (s *scanner) pathOp() {
	if s.hidden == 0 {
		s.page.PathOps++
	}
}

func (s *scanner) beginMarked(hidden bool) {
	if len(s.marked) >= maxMarked {
		s.extraMC++
		return
	}
	s.marked = append(s.marked, hidden)
	if hidden {
		s.hidden++
	}
}

func (s *scanner) endMarked() {
	if s.extraMC > 0 {
		s.extraMC--
		return
	}
	if n := len(s.marked); n > s.markedFloor {
		if s.marked[n-1] {
			s.hidden--
		}
		s.marked = s.marked[:n-1]
	}
}

// hiddenSection reports whether the BDC on the stack opens optional
// content that is off: /OC /name, the name found in /Properties.
func (s *scanner) hiddenSection() bool {
	st := s.p.stack
	if s.oc == nil || len(st) < 2 || st[0].kind != kindName || st[1].kind != kindName ||
		string(s.p.bytesOf(st[0])) != "OC" {
		return false
	}
	name := s.p.bytesOf(st[1])
	for i := len(s.frames) - 1; i >= 0; i-- {
		if o, ok := s.frames[i].props[pdf.Name(name)]; ok {
			return !s.oc.visible(s.doc, o)
		}
	}
	return false
}

// numbers returns the last n operands (n <= 6) if they are all numbers.
func (s *scanner) numbers(n int) (v [6]float64, ok bool) {
	st := s.p.stack
	if len(st) < n {
		return v, false
	}
	st = st[len(st)-n:]
	for i, o := range st {
		if o.kind != kindNumber {
			return v, false
		}
		v[i] = o.num
	}
	return v, true
}

func (s *scanner) matrixOperands() (matrix, bool) {
	v, ok := s.numbers(6)
	return matrix(v), ok
}

func (s *scanner) td(tx, ty float64) {
	s.tlm = matrix{1, 0, 0, 1, tx, ty}.mul(s.tlm)
	s.tm = s.tlm
}

// pathPoints adds the last n operands (pairs of coordinates) to the
// current path's bounds.
func (s *scanner) pathPoints(n int) {
	v, ok := s.numbers(n)
	if !ok {
		return
	}
	for i := 0; i+1 < n; i += 2 {
		s.addPathPoint(v[i], v[i+1])
	}
}

// addPathPoint extends the current path's bounds in user space; the CTM
// cannot change inside a path, so the bounds are transformed once at the
// end.
func (s *scanner) addPathPoint(x, y float64) {
	if !s.hasPath {
		s.path = rect{x, y, x, y}
		s.hasPath = true
		return
	}
	s.path.x0, s.path.x1 = min(s.path.x0, x), max(s.path.x1, x)
	s.path.y0, s.path.y1 = min(s.path.y0, y), max(s.path.y1, y)
}

// endPath ends the current path; after W or W* its bounds narrow the clip.
func (s *scanner) endPath() {
	if s.clipOp && s.hasPath {
		if b := s.gs.ctm.bounds(s.path); b.finite() {
			s.gs.clip = s.gs.clip.intersect(b)
		}
	}
	s.hasPath, s.clipOp = false, false
}

// setFont handles Tf: a font resource name and a size.
func (s *scanner) setFont() {
	st := s.p.stack
	n := len(st)
	if n < 2 || st[n-2].kind != kindName || st[n-1].kind != kindNumber {
		return
	}
	s.gs.font = s.lookupFont(s.p.bytesOf(st[n-2]))
	s.gs.fontSize = st[n-1].num
}

// showLast shows the last operand when it is a string (Tj, ' and ").
func (s *scanner) showLast() {
	if s.hidden > 0 {
		return
	}
	if n := len(s.p.stack); n > 0 && s.p.stack[n-1].kind == kindString {
		s.page.Text.ShowOps++
		s.show(s.p.bytesOf(s.p.stack[n-1]), 0)
	}
}

// showArray handles TJ: strings and position adjustments.
func (s *scanner) showArray() {
	if s.hidden > 0 {
		return
	}
	s.page.Text.ShowOps++
	adjust := 0.0
	for _, o := range s.p.stack {
		switch o.kind {
		case kindString:
			s.show(s.p.bytesOf(o), adjust)
			adjust = 0
		case kindNumber:
			adjust += o.num
		}
	}
}

// show counts one string and moves the text matrix past it. adjust is
// the TJ adjustment before it, in thousandths of text space units.
func (s *scanner) show(str []byte, adjust float64) {
	if len(str) == 0 {
		return
	}
	var c showCounts
	s.gs.font.count(str, &c)
	t := &s.page.Text
	t.Glyphs += c.glyphs
	t.UnicodeGlyphs += c.unicode
	t.UnmappedGlyphs += c.unmapped
	t.ReplacementChars += c.replacement

	gs := &s.gs
	if adjust != 0 {
		tx := -adjust / 1000 * gs.fontSize * gs.hscale
		s.tm[4] += tx * s.tm[0]
		s.tm[5] += tx * s.tm[1]
	}
	w := (c.advance*gs.fontSize + float64(c.glyphs)*gs.charSp + float64(c.spaces)*gs.wordSp) * gs.hscale
	trm := s.tm.mul(gs.ctm)
	x0, y0 := trm[4], trm[5]
	x1, y1 := trm.apply(w, 0)
	s.tm[4] += w * s.tm[0]
	s.tm[5] += w * s.tm[1]

	if s.gs.render == 3 || s.gs.render == 7 {
		t.InvisibleGlyphs += c.glyphs
		t.InvisibleChars += c.chars
		return
	}
	// Like pdftotext, drop text that lands outside the page.
	const slack = 1
	if max(x0, x1) < s.media.x0-slack || min(x0, x1) > s.media.x1+slack ||
		max(y0, y1) < s.media.y0-slack || min(y0, y1) > s.media.y1+slack {
		return
	}
	t.Chars += c.chars
}
