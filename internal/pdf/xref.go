package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
)

type entryType uint8

const (
	entryNone       entryType = iota // not set by any section
	entryFree                        // free (deleted) object
	entryInUse                       // off: absolute byte offset of "N G obj"
	entryCompressed                  // off: object stream number; idx: index in it
)

// xrefEntry says where one object lives.
type xrefEntry struct {
	off int64
	idx uint32
	gen uint16
	typ entryType
}

// xrefTable maps object numbers to entries. Numbers below len(dense) live
// in a slice; far-out numbers (sparse, or hostile) live in a map, so that
// no table is ever sized from a number the file merely claims.
type xrefTable struct {
	dense  []xrefEntry
	sparse map[uint32]xrefEntry
	n      int // entries set
	max    int // MaxObjects
}

func newXRefTable(max int) *xrefTable { return &xrefTable{max: max} }

func (t *xrefTable) lookup(num uint32) xrefEntry {
	if int64(num) < int64(len(t.dense)) {
		return t.dense[num]
	}
	return t.sparse[num] // zero entry (entryNone) when absent or map nil
}

// errTooManyObjects is returned when a file declares more objects than
// Limits.MaxObjects.
var errTooManyObjects = fmt.Errorf("more cross-reference entries than MaxObjects: %w", ErrLimit)

// set stores e for num. With overwrite false an existing entry is kept
// (newer sections are read first, so the first entry seen wins).
func (t *xrefTable) set(num uint32, e xrefEntry, overwrite bool) error {
	if int64(num) < int64(len(t.dense)) {
		old := &t.dense[num]
		if old.typ == entryNone {
			t.n++
		} else if !overwrite {
			return nil
		}
		*old = e
		return t.checkMax()
	}
	// Grow the dense part when num is near the entries we already have.
	limit := 2*t.n + 1024
	if int64(num) < int64(limit) {
		newLen := max(int(num)+1, min(2*len(t.dense), limit))
		t.dense = slices.Grow(t.dense, newLen-len(t.dense))[:newLen]
		for k, v := range t.sparse {
			if int64(k) < int64(newLen) {
				t.dense[k] = v
				delete(t.sparse, k)
			}
		}
		return t.set(num, e, overwrite)
	}
	if t.sparse == nil {
		t.sparse = make(map[uint32]xrefEntry)
	}
	if _, ok := t.sparse[num]; ok {
		if !overwrite {
			return nil
		}
	} else {
		t.n++
	}
	t.sparse[num] = e
	return t.checkMax()
}

// reserve makes the dense part hold numbers below n, when the caller knows
// that many entries follow (never from a count the file merely claims).
func (t *xrefTable) reserve(n int) {
	if n <= len(t.dense) || n > t.max {
		return
	}
	t.dense = slices.Grow(t.dense, n-len(t.dense))
}

func (t *xrefTable) checkMax() error {
	if t.n > t.max {
		return errTooManyObjects
	}
	return nil
}

// nums returns the object numbers of in-use and compressed entries in
// ascending order.
func (t *xrefTable) nums() []uint32 {
	var out []uint32
	for i, e := range t.dense {
		if e.typ == entryInUse || e.typ == entryCompressed {
			out = append(out, uint32(i))
		}
	}
	var extra []uint32
	for k, e := range t.sparse {
		if e.typ == entryInUse || e.typ == entryCompressed {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	return append(out, extra...)
}

// objects counts in-use and compressed entries.
func (t *xrefTable) objects() int {
	n := 0
	for _, e := range t.dense {
		if e.typ == entryInUse || e.typ == entryCompressed {
			n++
		}
	}
	for _, e := range t.sparse {
		if e.typ == entryInUse || e.typ == entryCompressed {
			n++
		}
	}
	return n
}

// findStartXRef returns the offset given after the last "startxref". It
// looks at the last 2 KB first (trailing junk is common), then the whole
// file.
func findStartXRef(data []byte) (int64, bool) {
	tail := max(len(data)-2048, 0)
	i := bytes.LastIndex(data[tail:], []byte("startxref"))
	if i >= 0 {
		i += tail
	} else {
		i = bytes.LastIndex(data, []byte("startxref"))
	}
	if i < 0 {
		return 0, false
	}
	j := i + len("startxref")
	for j < len(data) && (isSpace(data[j]) || data[j] == '+') {
		j++
	}
	v, _, ok := readUint(data, j)
	return v, ok
}

// sectionKind is what an offset in the /Prev chain points at.
type sectionKind int

const (
	sectionNone sectionKind = iota
	sectionTable
	sectionStream
)

// sectionAt reports what is at absolute position pos: a classic "xref"
// keyword or an indirect object (presumably an xref stream).
func (d *Document) sectionAt(pos int64) (sectionKind, int) {
	if pos < 0 || pos >= int64(len(d.data)) {
		return sectionNone, 0
	}
	i := skipSpaceAt(d.data, int(pos))
	if bytes.HasPrefix(d.data[i:], []byte("xref")) {
		return sectionTable, i
	}
	if _, _, _, ok := parseObjHeader(d.data, i); ok {
		return sectionStream, i
	}
	return sectionNone, 0
}

// locate turns an offset from the file into an absolute position. Offsets
// are relative to the header when there is junk before it, but many
// writers ignore that, so both readings are tried.
func (d *Document) locate(off int64) (sectionKind, int) {
	if k, i := d.sectionAt(off + int64(d.base)); k != sectionNone {
		return k, i
	}
	if d.headerPos > 0 {
		other := int64(d.headerPos)
		if d.base != 0 {
			other = 0
		}
		if k, i := d.sectionAt(off + other); k != sectionNone {
			d.base = int(other)
			return k, i
		}
	}
	return sectionNone, 0
}

// readXRef reads the cross-reference chain starting at startxref, newest
// section first, following /Prev and /XRefStm (each offset at most once).
func (d *Document) readXRef() error {
	start, ok := findStartXRef(d.data)
	if !ok {
		return fmt.Errorf("xref: no startxref: %w", ErrInvalid)
	}
	t := newXRefTable(d.lim.MaxObjects)
	d.xref = t
	d.trailer = nil
	var tables, streams, hybrids int
	visited := map[int64]bool{}    // sections of the /Prev chain
	stmVisited := map[int64]bool{} // /XRefStm streams
	queue := []int64{start}
	for len(queue) > 0 {
		if err := d.ctx.Err(); err != nil {
			return err
		}
		off := queue[0]
		queue = queue[1:]
		if visited[off] {
			// A /Prev loop: the chain is damaged, and objects of the
			// sections it hides may be missing. Rebuild.
			return fmt.Errorf("xref: /Prev loop at offset %d: %w", off, ErrInvalid)
		}
		visited[off] = true
		kind, pos := d.locate(off)
		var trailer Dict
		var err error
		switch kind {
		case sectionTable:
			trailer, err = d.readTableSection(t, pos, stmVisited)
			tables++
			if trailer != nil && trailer["XRefStm"] != nil {
				hybrids++
			}
		case sectionStream:
			trailer, err = d.readStreamSection(t, pos)
			streams++
		default:
			err = fmt.Errorf("no cross-reference section at offset %d: %w", off, ErrInvalid)
		}
		if err != nil {
			if errors.Is(err, errTooManyObjects) || errors.Is(err, errBudget) || d.ctx.Err() != nil {
				return fmt.Errorf("xref: %w", err)
			}
			// Anything else (a bad offset, a damaged section, a hostile
			// trailer over MaxDepth) means: rebuild by scanning.
			return fmt.Errorf("xref: %v: %w", err, ErrInvalid)
		}
		d.mergeTrailer(trailer)
		if prev, ok := trailer["Prev"].(int64); ok && prev >= 0 {
			queue = append(queue, prev)
		} else if prev, ok := trailer["Prev"].(float64); ok && prev >= 0 {
			queue = append(queue, int64(prev))
		}
	}
	d.sections = tables + streams
	switch {
	case hybrids > 0 || tables > 0 && streams > 0:
		d.kind = "hybrid"
	case streams > 0:
		d.kind = "stream"
	default:
		d.kind = "table"
	}
	return nil
}

// mergeTrailer adds the keys of an older trailer that the newer ones lack.
func (d *Document) mergeTrailer(t Dict) {
	if d.trailer == nil {
		d.trailer = make(Dict, len(t))
	}
	for k, v := range t {
		if _, ok := d.trailer[k]; !ok {
			d.trailer[k] = v
		}
	}
}

// readTableSection reads a classic section ("xref", subsections, "trailer"
// dictionary) at pos. The trailer is read first so that the entries of a
// hybrid file's /XRefStm take precedence over the table's (the table marks
// objects in object streams as free).
func (d *Document) readTableSection(t *xrefTable, pos int, visited map[int64]bool) (Dict, error) {
	data := d.data
	pos += len("xref")
	tr := bytes.Index(data[pos:], []byte("trailer"))
	if tr < 0 {
		return nil, fmt.Errorf("no trailer after table at %d: %w", pos, ErrInvalid)
	}
	tablEnd := pos + tr
	p := d.newParser(data, tablEnd+len("trailer"))
	obj, err := p.parseObject()
	if err != nil {
		return nil, fmt.Errorf("trailer: %w", err)
	}
	trailer, ok := obj.(Dict)
	if !ok {
		return nil, fmt.Errorf("trailer is not a dictionary: %w", ErrInvalid)
	}
	if off, ok := trailer["XRefStm"].(int64); ok && !visited[off] {
		visited[off] = true
		// A broken /XRefStm hides the objects in object streams: an error,
		// so that the file is rebuilt.
		kind, spos := d.locate(off)
		if kind != sectionStream {
			return nil, fmt.Errorf("no xref stream at /XRefStm %d: %w", off, ErrInvalid)
		}
		if _, err := d.readStreamSection(t, spos); err != nil {
			return nil, err
		}
	}
	if err := d.readTableEntries(t, pos, tablEnd); err != nil {
		return nil, err
	}
	return trailer, nil
}

// readTableEntries parses the subsections between pos and end. Entries are
// read as tokens, not as fixed 20-byte records, so 19- and 21-byte entries
// and wrong subsection counts are tolerated: "a b" followed by n or f is an
// entry, otherwise it starts a subsection.
func (d *Document) readTableEntries(t *xrefTable, pos, end int) error {
	data := d.data[:end]
	var num int64 = -1 // next object number; -1 before the first subsection
	first := false     // at the first entry of a subsection
	subStart := int64(0)
	for iter := 0; ; iter++ {
		if iter%ctxCheckEvery == 0 {
			if err := d.ctx.Err(); err != nil {
				return err
			}
		}
		pos = skipSpaceAt(data, pos)
		if pos >= len(data) {
			return nil
		}
		a, p1, ok := readUint(data, pos)
		if !ok {
			if data[pos] == '%' { // a comment line
				for pos < len(data) && data[pos] != '\n' && data[pos] != '\r' {
					pos++
				}
				continue
			}
			return fmt.Errorf("bad table entry at %d: %w", pos, ErrInvalid)
		}
		p1 = skipSpaceAt(data, p1)
		if p1 < len(data) && data[p1] == '-' { // "-1" in some broken tables
			p1++
		}
		b, p2, ok := readUint(data, p1)
		if !ok {
			return fmt.Errorf("bad table entry at %d: %w", pos, ErrInvalid)
		}
		p3 := skipSpaceAt(data, p2)
		if p3 < len(data) && (data[p3] == 'n' || data[p3] == 'f') {
			if num < 0 {
				return fmt.Errorf("table entry before subsection at %d: %w", pos, ErrInvalid)
			}
			free := data[p3] == 'f'
			if first && free && subStart == 1 && b == 65535 {
				// "1 N" whose first entry is object 0's: the subsection
				// really starts at 0 (seen in real files).
				num = 0
			}
			first = false
			if num > 1<<32-1 {
				return fmt.Errorf("object number out of range: %w", ErrInvalid)
			}
			var e xrefEntry
			if free {
				e = xrefEntry{typ: entryFree, gen: uint16(min(b, 65535))}
			} else {
				e = xrefEntry{typ: entryInUse, off: a + int64(d.base), gen: uint16(min(b, 65535))}
				if a == 0 {
					e = xrefEntry{typ: entryFree} // "0000000000 00000 n" points nowhere
				}
			}
			if err := t.set(uint32(num), e, false); err != nil {
				return err
			}
			num++
			pos = p3 + 1
			continue
		}
		// A subsection header "start count". Each entry takes at least 18
		// bytes, which bounds what count may reserve.
		num = a
		subStart = a
		first = true
		pos = p2
		if n := min(b, int64(len(data)-pos)/18); a < 1<<31 && a <= 2*n+1024 {
			t.reserve(int(a + n))
		}
	}
}

// readStreamSection reads an xref stream (§7.5.8) at pos and returns its
// dictionary, which is also the section's trailer.
func (d *Document) readStreamSection(t *xrefTable, pos int) (Dict, error) {
	_, _, obj, err := d.parseIndirectAt(pos, 0, true)
	if err != nil {
		return nil, err
	}
	s, ok := obj.(*Stream)
	if !ok {
		return nil, fmt.Errorf("xref stream at %d is not a stream: %w", pos, ErrInvalid)
	}
	w := d.Array(s.Dict["W"])
	if len(w) < 3 {
		return nil, fmt.Errorf("xref stream: bad /W: %w", ErrInvalid)
	}
	var widths [3]int
	rowLen := 0
	for i := range 3 {
		v, ok := d.Int(w[i])
		if !ok || v < 0 || v > 8 {
			return nil, fmt.Errorf("xref stream: bad /W: %w", ErrInvalid)
		}
		widths[i] = int(v)
		rowLen += int(v)
	}
	if rowLen == 0 {
		return nil, fmt.Errorf("xref stream: empty /W: %w", ErrInvalid)
	}
	data, err := d.decodeStream(s, false)
	if err != nil {
		// Even a readable prefix is not trusted: the rebuild scan knows
		// more than half a table.
		return nil, fmt.Errorf("xref stream: %w", err)
	}
	rows := len(data) / rowLen
	var index []int64
	if arr := d.Array(s.Dict["Index"]); len(arr) >= 2 {
		for _, o := range arr {
			v, _ := d.Int(o)
			index = append(index, v)
		}
	} else {
		size, ok := d.Int(s.Dict["Size"])
		if !ok || size > int64(rows) {
			size = int64(rows)
		}
		index = []int64{0, size}
	}
	row := 0
	for k := 0; k+1 < len(index); k += 2 {
		start, count := index[k], index[k+1]
		if start < 0 || count < 0 {
			continue
		}
		for j := int64(0); j < count && row < rows; j++ {
			if row%ctxCheckEvery == 0 {
				if err := d.ctx.Err(); err != nil {
					return nil, err
				}
			}
			r := data[row*rowLen : (row+1)*rowLen]
			row++
			num := start + j
			if num > 1<<32-1 {
				break
			}
			f1 := uint64(1) // the type defaults to 1 when its width is 0
			if widths[0] > 0 {
				f1 = beUint(r[:widths[0]])
			}
			f2 := beUint(r[widths[0] : widths[0]+widths[1]])
			f3 := beUint(r[widths[0]+widths[1]:])
			var e xrefEntry
			switch f1 {
			case 0:
				e = xrefEntry{typ: entryFree}
			case 1:
				if f2 == 0 || f2 > uint64(len(d.data)) {
					e = xrefEntry{typ: entryFree}
				} else {
					e = xrefEntry{typ: entryInUse, off: int64(f2) + int64(d.base), gen: uint16(min(f3, 65535))}
				}
			case 2:
				if f2 > 1<<32-1 || f3 > 1<<32-1 {
					e = xrefEntry{typ: entryFree}
				} else {
					e = xrefEntry{typ: entryCompressed, off: int64(f2), idx: uint32(f3)}
				}
			default:
				continue // unknown types are references to the null object
			}
			if err := t.set(uint32(num), e, false); err != nil {
				return nil, err
			}
		}
	}
	return s.Dict, nil
}

// beUint reads a big-endian unsigned integer of up to 8 bytes.
func beUint(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// isHardError reports whether err must stop the work rather than be
// tolerated: context errors and exceeded limits.
func isHardError(err error) bool {
	return errors.Is(err, ErrLimit) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded)
}
