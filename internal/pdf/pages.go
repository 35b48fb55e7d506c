package pdf

import (
	"errors"
	"fmt"
	"slices"
)

// Page is one leaf of the page tree with its inheritable attributes
// resolved.
type Page struct {
	Ref       Ref  // zero for a page given as a direct dictionary
	Dict      Dict // the page dictionary
	Resources Dict // inherited when the page has none
	MediaBox  Rect // default: US Letter
	CropBox   Rect // clipped to MediaBox; default: MediaBox
	Rotate    int  // 0, 90, 180 or 270
}

// letter is the default MediaBox.
var letter = Rect{0, 0, 612, 792}

// inherited holds the inheritable page attributes (§7.7.3.4) as found on
// the way down the tree, unresolved.
type inherited struct {
	resources, mediaBox, cropBox, rotate Object
}

func (in inherited) with(dict Dict) inherited {
	if v, ok := dict["Resources"]; ok {
		in.resources = v
	}
	if v, ok := dict["MediaBox"]; ok {
		in.mediaBox = v
	}
	if v, ok := dict["CropBox"]; ok {
		in.cropBox = v
	}
	if v, ok := dict["Rotate"]; ok {
		in.rotate = v
	}
	return in
}

// Pages walks the page tree and returns every leaf in order. Page tree
// nodes met twice (cycles, shared subtrees) are skipped; a leaf listed
// twice in /Kids is returned twice, as poppler and qpdf count it. /Count is
// never trusted. When the tree is damaged and yields no page, the /Type
// /Page objects of the file are returned in object-number order and
// PagesRebuilt reports true. The result is computed once; it must not be
// modified.
func (d *Document) Pages() (pages []Page, err error) {
	defer recoverTo(&err, "pages")
	if !d.pagesDone {
		d.pages, d.pagesErr = d.walkPages()
		d.pagesDone = true
	}
	return d.pages, d.pagesErr
}

// PagesRebuilt reports whether Pages had to collect /Type /Page objects
// because the page tree was broken.
func (d *Document) PagesRebuilt() bool { return d.pagesRebuilt }

func (d *Document) walkPages() ([]Page, error) {
	cat, err := d.catalog()
	if err != nil {
		return nil, fmt.Errorf("pages: %w", err)
	}
	pages, broken, err := d.walkTree(cat["Pages"])
	if err != nil {
		return nil, fmt.Errorf("pages: %w", err)
	}
	if len(pages) > 0 || !broken {
		return pages, nil
	}
	pages, ferr := d.collectPages()
	if ferr != nil {
		return nil, fmt.Errorf("pages: %w", ferr)
	}
	d.pagesRebuilt = len(pages) > 0
	return pages, nil
}

// walkTree walks the tree from root with an explicit stack. broken reports
// a damaged tree: a node that is missing or not a dictionary, a page tree
// node without a /Kids array, or a node met twice.
func (d *Document) walkTree(root Object) (pages []Page, broken bool, err error) {
	type item struct {
		node Object // Ref or Dict
		inh  int32  // index into inhs
	}
	inhs := []inherited{{}}
	stack := []item{{node: root}}
	visited := make(map[uint32]bool)
	for iter := 0; len(stack) > 0; iter++ {
		if iter%256 == 0 {
			if err := d.ctx.Err(); err != nil {
				return nil, false, err
			}
		}
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		var ref Ref
		var dict Dict
		switch n := it.node.(type) {
		case Ref:
			o, err := d.get(n, 0)
			if err != nil && (isHardError(err) || errors.Is(err, ErrEncrypted)) {
				return nil, false, err
			}
			ref = n
			dict = dictOf(o)
		case Dict:
			dict = n
		}
		if dict == nil {
			broken = true
			continue
		}
		kids, isNode := d.kids(dict)
		if isNode {
			if kids == nil {
				broken = true
			}
			// A node met twice is a cycle or a shared subtree: skip it.
			// A leaf listed twice is kept, as poppler and qpdf do; it cannot
			// loop, and the Kids arrays bound the repeats.
			if ref != (Ref{}) {
				if visited[ref.Num] {
					broken = true
					continue
				}
				visited[ref.Num] = true
			}
			inh := inhs[it.inh].with(dict)
			inhs = append(inhs, inh)
			k := int32(len(inhs) - 1)
			// Kids are mostly leaves: reserve room for them at once (the
			// array is in memory already; /Count is never trusted).
			pages = slices.Grow(pages, min(len(kids), d.lim.MaxPages-len(pages)))
			for i := len(kids) - 1; i >= 0; i-- {
				switch kids[i].(type) {
				case Ref, Dict:
					stack = append(stack, item{node: kids[i], inh: k})
				default:
					broken = true
				}
			}
			continue
		}
		if len(pages) >= d.lim.MaxPages {
			return nil, false, fmt.Errorf("more than %d pages: %w", d.lim.MaxPages, ErrLimit)
		}
		pages = append(pages, d.makePage(ref, dict, inhs[it.inh].with(dict)))
	}
	return pages, broken, nil
}

// kids tells a page-tree node from a leaf: /Type /Pages, or no /Type
// /Page and a /Kids array (some writers omit /Type).
func (d *Document) kids(dict Dict) (Array, bool) {
	var kids Array
	hasKids := false
	switch k := d.resolve(dict["Kids"]).(type) {
	case Array:
		kids, hasKids = k, true
	case Dict:
		// "/Kids 3 0 R" without brackets: a single kid.
		kids, hasKids = Array{dict["Kids"]}, true
	}
	switch d.Name(dict["Type"]) {
	case "Page":
		return nil, false
	case "Pages":
		return kids, true
	}
	return kids, hasKids
}

// collectPages returns the /Type /Page objects in object-number order,
// with attributes inherited through /Parent links.
func (d *Document) collectPages() ([]Page, error) {
	var pages []Page
	for i, num := range d.xref.nums() {
		if i%256 == 0 {
			if err := d.ctx.Err(); err != nil {
				return nil, err
			}
		}
		ref := Ref{Num: num, Gen: d.xref.lookup(num).gen}
		o, err := d.get(ref, 0)
		if err != nil && isHardError(err) {
			return nil, err
		}
		dict, ok := o.(Dict)
		if !ok || d.Name(dict["Type"]) != "Page" {
			continue
		}
		if len(pages) >= d.lim.MaxPages {
			return nil, fmt.Errorf("more than %d pages: %w", d.lim.MaxPages, ErrLimit)
		}
		// Inherit through /Parent, nearest ancestor first.
		var chain []Dict
		for p := d.Dict(dict["Parent"]); p != nil && len(chain) < 64; p = d.Dict(p["Parent"]) {
			chain = append(chain, p)
		}
		var in inherited
		for k := len(chain) - 1; k >= 0; k-- {
			in = in.with(chain[k])
		}
		pages = append(pages, d.makePage(ref, dict, in.with(dict)))
	}
	return pages, nil
}

// makePage resolves the inherited attributes of a leaf.
func (d *Document) makePage(ref Ref, dict Dict, in inherited) Page {
	pg := Page{Ref: ref, Dict: dict, Resources: d.Dict(in.resources)}
	media, ok := d.rect(in.mediaBox)
	if !ok {
		media = letter
	}
	pg.MediaBox = media
	pg.CropBox = media
	if crop, ok := d.rect(in.cropBox); ok {
		c := Rect{max(crop[0], media[0]), max(crop[1], media[1]), min(crop[2], media[2]), min(crop[3], media[3])}
		if c[0] < c[2] && c[1] < c[3] {
			pg.CropBox = c
		}
	}
	if r, ok := d.Int(in.rotate); ok && r%90 == 0 {
		pg.Rotate = int(((r % 360) + 360) % 360)
	}
	return pg
}

// rect reads a rectangle [a b c d] and normalises its corners.
func (d *Document) rect(o Object) (Rect, bool) {
	arr := d.Array(o)
	if len(arr) < 4 {
		return Rect{}, false
	}
	var r Rect
	for i := range 4 {
		v, ok := d.Num(arr[i])
		if !ok {
			return Rect{}, false
		}
		r[i] = v
	}
	if r[0] > r[2] {
		r[0], r[2] = r[2], r[0]
	}
	if r[1] > r[3] {
		r[1], r[3] = r[3], r[1]
	}
	return r, true
}
