package pdf

import (
	"bytes"
	"fmt"
	"slices"
)

// objStart is an object header found by scanning: "num gen obj" at pos.
type objStart struct {
	pos int
	num uint32
	gen uint16
}

// rebuild replaces the cross-reference data by scanning the whole file for
// "N G obj" headers (the last definition of a number wins), indexes the
// object streams it finds, and picks a trailer: the newest "trailer"
// dictionary or xref stream dictionary whose /Root is a dictionary, else a
// /Type /Catalog object. It runs at most once per document.
func (d *Document) rebuild() error {
	if d.repaired {
		return nil
	}
	d.repaired = true
	d.kind = "rebuilt"
	d.sections = 0
	d.objectCount = -1
	oldTrailer := d.trailer

	starts, err := d.scanObjects()
	if err != nil {
		return fmt.Errorf("repair: %w", err)
	}
	t := newXRefTable(d.lim.MaxObjects)
	for _, s := range starts {
		if err := t.set(s.num, xrefEntry{typ: entryInUse, off: int64(s.pos), gen: s.gen}, true); err != nil {
			return fmt.Errorf("repair: %w", err)
		}
	}
	d.xref = t
	d.cache = make(map[uint32]cacheEntry, 64)
	d.objStms = nil

	// Candidate trailers in file order: "trailer" dictionaries and the
	// dictionaries of xref streams.
	type candidate struct {
		pos  int
		dict Dict
	}
	var trailers []candidate
	for pos, iter := 0, 0; ; iter++ {
		if iter%ctxCheckEvery == 0 {
			if err := d.ctx.Err(); err != nil {
				return fmt.Errorf("repair: %w", err)
			}
		}
		i := bytes.Index(d.data[pos:], []byte("trailer"))
		if i < 0 {
			break
		}
		at := pos + i
		pos = at + len("trailer")
		p := d.newParser(d.data, pos)
		if obj, err := p.parseObject(); err == nil {
			if dict, ok := obj.(Dict); ok {
				trailers = append(trailers, candidate{at, dict})
			}
		}
	}
	for _, s := range d.objectsNamed(starts, "XRef") {
		if dict := d.rawDictAt(s.pos); dict != nil && dict["Type"] == Name("XRef") {
			trailers = append(trailers, candidate{s.pos, dict})
		}
	}
	slices.SortStableFunc(trailers, func(a, b candidate) int { return a.pos - b.pos })

	// A provisional trailer for the encryption set-up, which decoding
	// object streams needs.
	d.trailer = Dict{}
	for i := len(trailers) - 1; i >= 0; i-- {
		d.fillTrailer(trailers[i].dict)
	}
	if d.trailer["Encrypt"] == nil && oldTrailer != nil {
		for _, k := range []Name{"Encrypt", "ID"} {
			if v, ok := oldTrailer[k]; ok {
				d.trailer[k] = v
			}
		}
	}
	d.setupEncryption()

	if err := d.indexObjStms(t, starts); err != nil {
		return fmt.Errorf("repair: %w", err)
	}
	d.forgetFailures()

	// The newest trailer whose /Root is a usable catalog wins.
	var root Object
	for i := len(trailers) - 1; i >= 0 && root == nil; i-- {
		if r := trailers[i].dict["Root"]; r != nil {
			if cat := d.Dict(r); cat != nil && cat["Pages"] != nil {
				root = r
			}
		}
	}
	if root == nil && oldTrailer != nil {
		if cat := d.Dict(oldTrailer["Root"]); cat != nil && cat["Pages"] != nil {
			root = oldTrailer["Root"]
		}
	}
	if root == nil {
		if r, ok := d.findCatalog(starts); ok {
			root = r
		}
	}
	if root == nil {
		// Keep any /Root at all (the caller reports it if unusable).
		for i := len(trailers) - 1; i >= 0 && root == nil; i-- {
			root = trailers[i].dict["Root"]
		}
	}
	if root != nil {
		d.trailer["Root"] = root
	}
	d.forgetFailures()
	for _, k := range []Name{"Info", "ID"} {
		if d.trailer[k] == nil && oldTrailer != nil && oldTrailer[k] != nil {
			d.trailer[k] = oldTrailer[k]
		}
	}
	return nil
}

// fillTrailer adds the keys of t that the trailer lacks (newest first).
func (d *Document) fillTrailer(t Dict) {
	for k, v := range t {
		switch k {
		case "Prev", "XRefStm", "Index", "W", "Length", "Filter", "DecodeParms", "Type":
			continue
		}
		if _, ok := d.trailer[k]; !ok {
			d.trailer[k] = v
		}
	}
}

// scanObjects finds every "N G obj" header in the file, in file order.
// It looks for "obj" with bytes.Index and checks the bytes before it, so
// the scan is linear and fast.
func (d *Document) scanObjects() ([]objStart, error) {
	data := d.data
	var out []objStart
	for pos, iter := 0, 0; ; iter++ {
		if iter%ctxCheckEvery == 0 {
			if err := d.ctx.Err(); err != nil {
				return nil, err
			}
		}
		i := bytes.Index(data[pos:], []byte("obj"))
		if i < 0 {
			break
		}
		at := pos + i
		pos = at + 3
		if at+3 < len(data) && isRegular(data[at+3]) {
			continue // "objx"
		}
		j := at
		for j > 0 && isSpace(data[j-1]) {
			j--
		}
		genEnd := j
		for j > 0 && isDigit(data[j-1]) && genEnd-j < 10 {
			j--
		}
		if j == genEnd || j == 0 || !isSpace(data[j-1]) {
			continue
		}
		genStart := j
		for j > 0 && isSpace(data[j-1]) {
			j--
		}
		numEnd := j
		for j > 0 && isDigit(data[j-1]) && numEnd-j < 11 {
			j--
		}
		if j == numEnd || j > 0 && isRegular(data[j-1]) {
			continue
		}
		num, _, _ := readUint(data[:numEnd], j)
		gen, _, _ := readUint(data[:genEnd], genStart)
		if num > 1<<32-1 || gen > 65535 {
			continue
		}
		out = append(out, objStart{pos: j, num: uint32(num), gen: uint16(gen)})
		if len(out) > d.lim.MaxObjects {
			return nil, errTooManyObjects
		}
	}
	return out, nil
}

// objectsNamed returns the objects whose bytes contain "/name" as a whole
// name, found with bytes.Index; the caller checks what they really are.
func (d *Document) objectsNamed(starts []objStart, name string) []objStart {
	var out []objStart
	pat := []byte("/" + name)
	data := d.data
	last := -1
	for pos, iter := 0, 0; ; iter++ {
		if iter%ctxCheckEvery == 0 && d.ctx.Err() != nil {
			return nil // the caller's next check reports it
		}
		i := bytes.Index(data[pos:], pat)
		if i < 0 {
			break
		}
		at := pos + i
		pos = at + len(pat)
		if pos < len(data) && isRegular(data[pos]) {
			continue // "/XRefStm" is not "/XRef"
		}
		k, ok := slices.BinarySearchFunc(starts, at, func(s objStart, at int) int { return s.pos - at })
		if !ok {
			k--
		}
		if k < 0 || k == last {
			continue
		}
		last = k
		out = append(out, starts[k])
	}
	return out
}

// rawDictAt parses the object at pos and returns its dictionary (a
// stream's too), without decryption and without caching.
func (d *Document) rawDictAt(pos int) Dict {
	_, _, obj, err := d.parseIndirectAt(pos, 0, true)
	if err != nil {
		return nil
	}
	return dictOf(obj)
}

// indexObjStms adds the objects held in object streams to t. An object
// defined both directly and in an object stream keeps the later definition
// in file order.
func (d *Document) indexObjStms(t *xrefTable, starts []objStart) error {
	for _, s := range d.objectsNamed(starts, "ObjStm") {
		if err := d.ctx.Err(); err != nil {
			return err
		}
		if e := t.lookup(s.num); e.typ != entryInUse || e.off != int64(s.pos) {
			continue // superseded by a later definition
		}
		st, err := d.objStm(s.num, 0)
		if err != nil {
			if isHardError(err) {
				return err
			}
			continue
		}
		for i, num := range st.nums {
			if num == s.num {
				continue
			}
			old := t.lookup(num)
			if old.typ == entryInUse && old.off > int64(s.pos) {
				continue
			}
			if err := t.set(num, xrefEntry{typ: entryCompressed, off: int64(s.num), idx: uint32(i)}, true); err != nil {
				return err
			}
			delete(d.cache, num)
		}
	}
	return nil
}

// findCatalog looks for an object with /Type /Catalog and /Pages: first
// among the direct objects (newest first), then in object streams.
func (d *Document) findCatalog(starts []objStart) (Ref, bool) {
	cands := d.objectsNamed(starts, "Catalog")
	for i := len(cands) - 1; i >= 0; i-- {
		r := Ref{Num: cands[i].num, Gen: cands[i].gen}
		if e := d.xref.lookup(r.Num); e.typ != entryInUse || e.off != int64(cands[i].pos) {
			continue
		}
		if cat := d.Dict(r); cat != nil && cat["Type"] == Name("Catalog") && cat["Pages"] != nil {
			return r, true
		}
	}
	for _, num := range d.xref.nums() {
		if d.xref.lookup(num).typ != entryCompressed {
			continue
		}
		if err := d.ctx.Err(); err != nil {
			return Ref{}, false
		}
		r := Ref{Num: num}
		if cat := d.Dict(r); cat != nil && cat["Type"] == Name("Catalog") && cat["Pages"] != nil {
			return r, true
		}
	}
	return Ref{}, false
}

// forgetFailures drops cached failures after a repair: a rebuild may run
// while an object is being loaded, and what failed then (a reference
// cycle through that object) may load now.
func (d *Document) forgetFailures() {
	for k, c := range d.cache {
		if c.err != nil {
			delete(d.cache, k)
		}
	}
	for k, st := range d.objStms {
		if st.err != nil {
			delete(d.objStms, k)
		}
	}
}
