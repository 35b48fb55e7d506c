package inspect

import (
	"fmt"

	"dataplus/internal/pdf"
)

// This file resolves resources for the scanner: fonts and XObjects by
// name through the resource frames, form XObjects run in place, and the
// appearance streams of annotations.

// frame is one level of resources: a page's or a form's.
type frame struct {
	fonts  pdf.Dict
	xobjs  pdf.Dict
	props  pdf.Dict // /Properties, for optional content
	byName map[string]*fontInfo
}

// xobject is what the scanner knows about one XObject stream.
type xobject struct {
	image, form bool
	stream      *pdf.Stream
	matrix      matrix
	bbox        rect
	hasBBox     bool
	frame       *frame     // the form's own resources, nil if it has none
	oc          pdf.Object // /OC: optional content membership
	data        []byte     // decoded form content, when cached
	err         error
	loaded      bool
}

// Annotation flags (ISO 32000-1, Table 165) that keep an annotation off
// the screen.
const (
	annotHidden = 1 << 1
	annotNoView = 1 << 5
)

// scanAnnotations draws the normal appearance of each visible annotation
// of a page, as viewers and pdftotext do: form fields and stamps often
// hold the text or the image a user sees.
func (s *scanner) scanAnnotations(pg pdf.Dict) {
	for i, a := range arrayOf(s.doc, pg["Annots"]) {
		if i >= annotsPerPage || s.halt {
			return
		}
		d := dictOf(s.doc, a)
		if flags, _ := intOf(s.doc, d["F"]); flags&(annotHidden|annotNoView) != 0 ||
			!s.oc.visible(s.doc, d["OC"]) {
			continue
		}
		var st *pdf.Stream
		switch n := resolve(s.doc, dictOf(s.doc, d["AP"])["N"]).(type) {
		case *pdf.Stream:
			st = n
		case pdf.Dict:
			st = streamOf(s.doc, n[nameOf(s.doc, d["AS"])])
		}
		r, ok := rectOf(s.doc, d["Rect"])
		if st == nil || !ok {
			continue
		}
		x, ok := s.xobjs[st.Ref]
		if !ok {
			x = s.loadXObject(st, true)
			s.xobjs[st.Ref] = x
		}
		if !x.form || !x.hasBBox {
			continue
		}
		// Algorithm 8.1: the form's transformed box is fitted to /Rect.
		bb := x.matrix.bounds(x.bbox)
		if bb.empty() || r.empty() {
			continue
		}
		sx, sy := (r.x1-r.x0)/(bb.x1-bb.x0), (r.y1-r.y0)/(bb.y1-bb.y0)
		saved := s.gs
		s.gs = gstate{ctm: matrix{sx, 0, 0, sy, r.x0 - bb.x0*sx, r.y0 - bb.y0*sy}, clip: s.cov.page, hscale: 1}
		s.runForm(x)
		s.gs = saved
	}
}

// newFrame reads a resource dictionary and registers its fonts for the
// document's font list.
func (s *scanner) newFrame(res pdf.Dict) *frame {
	f := &frame{}
	if res == nil {
		return f
	}
	f.fonts = dictOf(s.doc, res["Font"])
	f.xobjs = dictOf(s.doc, res["XObject"])
	if s.oc != nil {
		f.props = dictOf(s.doc, res["Properties"])
	}
	s.fonts.register(res["Font"], f.fonts)
	return f
}

// lookupFont finds a font resource by name, innermost resources first (a
// form without /Resources uses its caller's, as viewers do).
func (s *scanner) lookupFont(name []byte) *fontInfo {
	for i := len(s.frames) - 1; i >= 0; i-- {
		fr := s.frames[i]
		if f, ok := fr.byName[string(name)]; ok {
			return f
		}
		o, ok := fr.fonts[pdf.Name(name)]
		if !ok {
			continue
		}
		f := s.fonts.get(o)
		if f != nil {
			f.prepare(s.fonts)
		}
		if fr.byName == nil {
			fr.byName = make(map[string]*fontInfo)
		}
		fr.byName[string(name)] = f
		return f
	}
	return nil
}

// lookupXObject finds an XObject resource by name.
func (s *scanner) lookupXObject(name []byte) *xobject {
	for i := len(s.frames) - 1; i >= 0; i-- {
		o, ok := s.frames[i].xobjs[pdf.Name(name)]
		if !ok {
			continue
		}
		ref, isRef := refOf(o)
		if isRef {
			if x, ok := s.xobjs[ref]; ok {
				return x
			}
		}
		x := s.loadXObject(o, false)
		if isRef {
			s.xobjs[ref] = x
		}
		return x
	}
	return nil
}

// loadXObject reads an XObject stream; with asForm a stream without a
// /Subtype is taken as a form (appearance streams often omit it).
func (s *scanner) loadXObject(o pdf.Object, asForm bool) *xobject {
	x := &xobject{matrix: identity}
	st := streamOf(s.doc, o)
	if st == nil {
		return x
	}
	x.stream = st
	x.oc = st.Dict["OC"]
	switch subtype := nameOf(s.doc, st.Dict["Subtype"]); {
	case subtype == "Image":
		x.image = true
	case subtype == "Form" || (asForm && subtype == ""):
		x.form = true
		if m, ok := matrixOf(s.doc, st.Dict["Matrix"]); ok {
			x.matrix = m
		}
		x.bbox, x.hasBBox = rectOf(s.doc, st.Dict["BBox"])
		if res := dictOf(s.doc, st.Dict["Resources"]); res != nil {
			x.frame = s.newFrame(res)
		}
	}
	return x
}

// Form content is kept decoded for reuse up to these sizes.
const (
	maxCachedForm  = 1 << 20
	maxCachedForms = 32 << 20
)

func (s *scanner) doXObject(name []byte) {
	x := s.lookupXObject(name)
	switch {
	case x == nil || (x.oc != nil && !s.oc.visible(s.doc, x.oc)):
	case x.image:
		s.addImage(s.gs.ctm, false)
	case x.form:
		s.runForm(x)
	}
}

// addImage counts one image drawn with the unit square mapped by m.
func (s *scanner) addImage(m matrix, inline bool) {
	img := &s.page.Images
	img.Count++
	if inline {
		img.Inline++
	}
	b := m.unitBounds()
	if b.finite() {
		s.cov.add(b.intersect(s.gs.clip))
	}
}

// runForm scans a form XObject in place: its matrix, clipped to its
// bounding box, with its resources; depth-limited and cycle-safe.
func (s *scanner) runForm(x *xobject) {
	if len(s.active) >= s.maxDepth {
		return
	}
	for _, r := range s.active {
		if r == x.stream.Ref {
			return // a form that draws itself
		}
	}
	data, err := s.formData(x)
	if err != nil {
		if s.checkCtx(err) {
			return
		}
		s.fail(fmt.Errorf("form %v: %w", x.stream.Ref, err))
	}
	if len(data) == 0 {
		return
	}

	savedGS, savedDepth, savedExtra, savedFloor := s.gs, len(s.saved), s.extraQ, s.floor
	savedMarked, savedExtraMC, savedHidden, savedMarkedFloor := len(s.marked), s.extraMC, s.hidden, s.markedFloor
	s.extraMC, s.markedFloor = 0, len(s.marked)
	savedTM, savedTLM := s.tm, s.tlm
	savedData, savedPos := s.p.data, s.p.pos
	s.extraQ, s.floor = 0, len(s.saved)
	s.gs.ctm = x.matrix.mul(s.gs.ctm)
	if x.hasBBox {
		if b := s.gs.ctm.bounds(x.bbox); b.finite() {
			s.gs.clip = s.gs.clip.intersect(b)
		}
	}
	s.hasPath, s.clipOp = false, false
	if x.frame != nil {
		s.frames = append(s.frames, x.frame)
	}
	s.active = append(s.active, x.stream.Ref)
	s.p.reset()

	s.run(data)

	s.active = s.active[:len(s.active)-1]
	if x.frame != nil {
		s.frames = s.frames[:len(s.frames)-1]
	}
	s.gs, s.saved, s.extraQ, s.floor = savedGS, s.saved[:savedDepth], savedExtra, savedFloor
	s.marked, s.extraMC, s.hidden, s.markedFloor = s.marked[:savedMarked], savedExtraMC, savedHidden, savedMarkedFloor
	s.tm, s.tlm = savedTM, savedTLM
	s.p.data, s.p.pos = savedData, savedPos
}

// formData decodes a form's content, keeping small ones for reuse.
func (s *scanner) formData(x *xobject) ([]byte, error) {
	if x.loaded {
		return x.data, x.err
	}
	data, err := s.doc.StreamData(x.stream)
	n := int64(len(data))
	if n <= maxCachedForm && s.cached+n <= maxCachedForms {
		x.data, x.err, x.loaded = data, err, true
		s.cached += n
	}
	return data, err
}
