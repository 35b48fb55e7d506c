package testpdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"slices"
	"strconv"
)

// Doc is a PDF under construction. Objects are numbered in allocation order
// and always have generation 0; they are written in number order, so a
// fixture controls the file layout by the order in which it allocates.
type Doc struct {
	Version string    // header version, e.g. "1.7"
	Root    Ref       // trailer /Root
	Info    Ref       // trailer /Info; zero Ref means none
	ID      [2][]byte // trailer /ID; both elements required

	objs []any // objs[n] is object n; objs[0] unused; nil means "free"

	enc *encryption // nil when the file is not encrypted

	// Incremental update state, set by Save.
	saved    bool
	prevXRef int          // offset of the last cross-reference section
	dirty    map[int]bool // objects added or replaced since the last save
}

// XRefForm selects how cross-reference data is written.
type XRefForm int

const (
	XRefTable  XRefForm = iota // classic "xref" table and "trailer"
	XRefStream                 // cross-reference stream (PDF 1.5)
	XRefHybrid                 // table, then an update section with /XRefStm (hybrid-reference file)
)

// SaveOptions controls the file structure Save writes.
type SaveOptions struct {
	XRef XRefForm
	// ObjStm packs every eligible object (not a stream, not the /Encrypt
	// dictionary) into one object stream. Requires XRefStream or XRefHybrid.
	ObjStm bool
}

// NewDoc starts a document. id seeds the trailer /ID so that each fixture's
// IDs differ but never change between runs.
func NewDoc(version, id string) *Doc {
	return &Doc{
		Version: version,
		objs:    []any{nil},
		ID:      [2][]byte{fileID(id, "0"), fileID(id, "1")},
	}
}

// Alloc reserves the next object number; Set fills it later. Reserving first
// is how forward references (page -> parent) are built.
func (d *Doc) Alloc() Ref {
	d.objs = append(d.objs, nil)
	n := len(d.objs) - 1
	d.markDirty(n)
	return Ref{Num: n}
}

// Add allocates an object and sets its value.
func (d *Doc) Add(v any) Ref {
	r := d.Alloc()
	d.Set(r, v)
	return r
}

// Set gives object r its value. After Save, every Set goes into the next
// incremental update section.
func (d *Doc) Set(r Ref, v any) {
	if r.Num <= 0 || r.Num >= len(d.objs) {
		panic(fmt.Sprintf("testpdf: Set of unallocated object %d", r.Num))
	}
	d.objs[r.Num] = v
	d.markDirty(r.Num)
}

// Get returns the value of object r (nil when free).
func (d *Doc) Get(r Ref) any {
	if r.Num <= 0 || r.Num >= len(d.objs) {
		return nil
	}
	return d.objs[r.Num]
}

func (d *Doc) markDirty(n int) {
	if !d.saved {
		return
	}
	if d.dirty == nil {
		d.dirty = map[int]bool{}
	}
	d.dirty[n] = true
}

// xrefEntry is one cross-reference entry.
type xrefEntry struct {
	kind int // 0 free, 1 at offset, 2 inside an object stream
	off  int // kind 1
	stm  int // kind 2: object stream number
	idx  int // kind 2: index inside the object stream
}

// Save writes the whole document. It may allocate objects (the object stream,
// the cross-reference stream), so it is called once per Doc; later changes go
// out with SaveUpdate.
func (d *Doc) Save(opt SaveOptions) []byte {
	if d.saved {
		panic("testpdf: Save called twice; use SaveUpdate")
	}
	if opt.ObjStm && opt.XRef == XRefTable {
		panic("testpdf: object streams need a cross-reference stream")
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "%%PDF-%s\n", d.Version)
	// A comment with high bytes tells transfer tools the file is binary.
	buf.WriteString("%\xE2\xE3\xCF\xD3\n")

	var packed []int
	if opt.ObjStm {
		for n := 1; n < len(d.objs); n++ {
			if d.packable(n) {
				packed = append(packed, n)
			}
		}
	}
	var stmNum, xrefNum int
	if len(packed) > 0 {
		stmNum = d.Alloc().Num
	}
	if opt.XRef != XRefTable {
		xrefNum = d.Alloc().Num
	}
	isPacked := map[int]bool{}
	for _, n := range packed {
		isPacked[n] = true
	}

	entries := map[int]xrefEntry{}
	for n := 1; n < len(d.objs); n++ {
		if d.objs[n] == nil || isPacked[n] || n == stmNum || n == xrefNum {
			continue
		}
		entries[n] = xrefEntry{kind: 1, off: buf.Len()}
		d.writeObject(&buf, n, d.objs[n])
	}
	if len(packed) > 0 {
		entries[stmNum] = xrefEntry{kind: 1, off: buf.Len()}
		d.writeObject(&buf, stmNum, d.objectStream(packed))
		for i, n := range packed {
			entries[n] = xrefEntry{kind: 2, stm: stmNum, idx: i}
		}
	}

	size := len(d.objs)
	switch opt.XRef {
	case XRefTable:
		start := buf.Len()
		writeTable(&buf, entries, allNums(size), true)
		d.writeTrailer(&buf, size, -1, -1)
		d.finish(&buf, start)
	case XRefStream:
		start := buf.Len()
		entries[xrefNum] = xrefEntry{kind: 1, off: start}
		// Object 0 (head of the free list) is listed, as producers do.
		d.writeXRefStream(&buf, xrefNum, entries, append([]int{0}, allNums(size)...), size, -1, true)
		d.finish(&buf, start)
	case XRefHybrid:
		// The layout Microsoft Word writes, following ISO 32000-1 7.5.8.4:
		// a main table covering 0..Size-1 in which the object stream, the
		// objects inside it and the cross-reference stream are free
		// (generation 65535), then an empty update section ("xref 0 0")
		// whose trailer has /XRefStm and /Prev. A reader looks an object
		// up in the empty section, then in the /XRefStm stream, then via
		// /Prev in the main table, so the stream's entries win over the
		// free ones; a PDF 1.4 reader sees only the table.
		visible := map[int]xrefEntry{}
		for n, e := range entries {
			if e.kind == 1 && n != stmNum {
				visible[n] = e
			}
		}
		main := buf.Len()
		writeTable(&buf, visible, allNums(size), true)
		d.writeTrailer(&buf, size, -1, -1)
		fmt.Fprintf(&buf, "startxref\n%d\n%%%%EOF\n", main)

		hidden := []int{}
		for n := 1; n < size; n++ {
			if e, ok := entries[n]; ok && (e.kind == 2 || n == stmNum) {
				hidden = append(hidden, n)
			}
		}
		stmOff := buf.Len()
		d.writeXRefStream(&buf, xrefNum, entries, hidden, size, -1, false)
		start := buf.Len()
		buf.WriteString("xref\n0 0\n")
		d.writeTrailer(&buf, size, main, stmOff)
		d.finish(&buf, start)
	}
	return buf.Bytes()
}

// SaveUpdate appends an incremental update section to base (the bytes the
// previous Save or SaveUpdate returned) holding every object added or
// replaced since then. Object streams are not used in updates.
func (d *Doc) SaveUpdate(base []byte, opt SaveOptions) []byte {
	if !d.saved {
		panic("testpdf: SaveUpdate before Save")
	}
	var buf bytes.Buffer
	buf.Write(base)
	if len(base) > 0 && base[len(base)-1] != '\n' {
		buf.WriteByte('\n')
	}
	var nums []int
	for n := range d.dirty {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	var xrefNum int
	if opt.XRef != XRefTable {
		xrefNum = d.Alloc().Num
		nums = append(nums, xrefNum)
	}
	entries := map[int]xrefEntry{}
	for _, n := range nums {
		if d.objs[n] == nil || n == xrefNum {
			continue
		}
		entries[n] = xrefEntry{kind: 1, off: buf.Len()}
		d.writeObject(&buf, n, d.objs[n])
	}
	size := len(d.objs)
	start := buf.Len()
	if opt.XRef == XRefTable {
		writeTable(&buf, entries, nums, false)
		d.writeTrailer(&buf, size, d.prevXRef, -1)
	} else {
		entries[xrefNum] = xrefEntry{kind: 1, off: start}
		d.writeXRefStream(&buf, xrefNum, entries, nums, size, d.prevXRef, true)
	}
	d.finish(&buf, start)
	return buf.Bytes()
}

// finish writes startxref and %%EOF and remembers the section for /Prev.
func (d *Doc) finish(buf *bytes.Buffer, start int) {
	fmt.Fprintf(buf, "startxref\n%d\n%%%%EOF\n", start)
	d.saved = true
	d.prevXRef = start
	d.dirty = nil
}

// packable reports whether object n may go into an object stream: streams,
// the encryption dictionary and non-zero generations may not (7.5.7).
func (d *Doc) packable(n int) bool {
	v := d.objs[n]
	if v == nil {
		return false
	}
	if _, ok := v.(*Stream); ok {
		return false
	}
	return d.enc == nil || n != d.enc.ref.Num
}

// writeObject writes "n 0 obj ... endobj", encrypting strings and stream
// data when the document is encrypted.
func (d *Doc) writeObject(buf *bytes.Buffer, n int, v any) {
	fmt.Fprintf(buf, "%d 0 obj\n", n)
	enc := d.stringCrypter(n)
	if s, ok := v.(*Stream); ok {
		data := s.Data
		if d.enc != nil && n != d.enc.ref.Num {
			data = d.enc.stream(n, data)
		}
		dict := Dict{}
		for k, e := range s.Dict {
			dict[k] = e
		}
		dict["Length"] = len(data)
		appendValue(buf, dict, enc)
		buf.WriteString("\nstream\n")
		buf.Write(data)
		buf.WriteString("\nendstream\nendobj\n")
		return
	}
	appendValue(buf, v, enc)
	buf.WriteString("\nendobj\n")
}

// stringCrypter returns the string encryption for object n, or nil.
func (d *Doc) stringCrypter(n int) stringCrypter {
	if d.enc == nil || n == d.enc.ref.Num {
		return nil
	}
	return func(b []byte) []byte { return d.enc.string(n, b) }
}

// objectStream builds the /Type /ObjStm stream holding the packed objects.
// Strings inside are written in clear: the whole stream is encrypted.
func (d *Doc) objectStream(packed []int) *Stream {
	var head, body bytes.Buffer
	for i, n := range packed {
		if i > 0 {
			body.WriteByte('\n')
		}
		fmt.Fprintf(&head, "%d %d ", n, body.Len())
		appendValue(&body, d.objs[n], nil)
	}
	data := append(head.Bytes(), body.Bytes()...)
	return FlateStream(Dict{
		"Type":  Name("ObjStm"),
		"N":     len(packed),
		"First": head.Len(),
	}, data)
}

// writeTable writes a classic cross-reference section for nums. With full
// set it covers 0..size-1 in one subsection and links free entries into the
// free list; otherwise it writes one subsection per run of consecutive
// numbers (incremental updates).
func writeTable(buf *bytes.Buffer, entries map[int]xrefEntry, nums []int, full bool) {
	buf.WriteString("xref\n")
	if full {
		size := len(nums) + 1 // nums excludes 0
		fmt.Fprintf(buf, "0 %d\n", size)
		free := []int{0}
		for n := 1; n < size; n++ {
			if e, ok := entries[n]; !ok || e.kind != 1 {
				free = append(free, n)
			}
		}
		next := map[int]int{}
		for i, n := range free {
			if i+1 < len(free) {
				next[n] = free[i+1]
			} else {
				next[n] = 0
			}
		}
		for n := 0; n < size; n++ {
			if e, ok := entries[n]; ok && e.kind == 1 {
				fmt.Fprintf(buf, "%010d 00000 n\r\n", e.off)
			} else {
				fmt.Fprintf(buf, "%010d 65535 f\r\n", next[n])
			}
		}
		return
	}
	for _, run := range runs(nums) {
		fmt.Fprintf(buf, "%d %d\n", run[0], len(run))
		for _, n := range run {
			if e, ok := entries[n]; ok && e.kind == 1 {
				fmt.Fprintf(buf, "%010d 00000 n\r\n", e.off)
			} else {
				fmt.Fprintf(buf, "%010d 65535 f\r\n", 0)
			}
		}
	}
}

// writeTrailer writes the trailer dictionary of a table section. prev and
// xrefStm are omitted when negative.
func (d *Doc) writeTrailer(buf *bytes.Buffer, size, prev, xrefStm int) {
	t := d.trailerDict(size, prev)
	if xrefStm >= 0 {
		t["XRefStm"] = xrefStm
	}
	buf.WriteString("trailer\n")
	appendValue(buf, t, nil)
	buf.WriteString("\n")
}

// trailerDict holds the entries shared by trailers and xref stream dicts.
func (d *Doc) trailerDict(size, prev int) Dict {
	t := Dict{
		"Size": size,
		"Root": d.Root,
		"ID":   Array{Hex(d.ID[0]), Hex(d.ID[1])},
	}
	if d.Info.Num != 0 {
		t["Info"] = d.Info
	}
	if d.enc != nil {
		t["Encrypt"] = d.enc.ref
	}
	if prev >= 0 {
		t["Prev"] = prev
	}
	return t
}

// xrefW is the field width array of every cross-reference stream written
// here: type (1 byte), offset or object stream number (4), generation or
// index (2).
var xrefW = [3]int{1, 4, 2}

// writeXRefStream writes object num as a cross-reference stream covering
// nums. With trailer set it carries the trailer entries (a standalone
// section); for a hybrid file's /XRefStm it carries only /Size.
// The data uses the PNG Up predictor, as most producers do, so readers'
// predictor code gets exercised.
func (d *Doc) writeXRefStream(buf *bytes.Buffer, num int, entries map[int]xrefEntry, nums []int, size, prev int, trailer bool) {
	cols := xrefW[0] + xrefW[1] + xrefW[2]
	var raw []byte
	var index Array
	for _, run := range runs(nums) {
		index = append(index, run[0], len(run))
		for _, n := range run {
			row := make([]byte, 0, cols)
			e := entries[n]
			switch e.kind {
			case 1:
				row = appendBE(row, 1, xrefW[0])
				row = appendBE(row, e.off, xrefW[1])
				row = appendBE(row, 0, xrefW[2])
			case 2:
				row = appendBE(row, 2, xrefW[0])
				row = appendBE(row, e.stm, xrefW[1])
				row = appendBE(row, e.idx, xrefW[2])
			default:
				row = appendBE(row, 0, xrefW[0])
				row = appendBE(row, 0, xrefW[1])
				gen := 0
				if n == 0 {
					gen = 65535
				}
				row = appendBE(row, gen, xrefW[2])
			}
			raw = append(raw, row...)
		}
	}
	dict := Dict{"Size": size}
	if trailer {
		dict = d.trailerDict(size, prev)
	}
	dict["Type"] = Name("XRef")
	dict["W"] = Array{xrefW[0], xrefW[1], xrefW[2]}
	dict["Index"] = index
	dict["Filter"] = Name("FlateDecode")
	dict["DecodeParms"] = Dict{"Predictor": 12, "Columns": cols}
	data := deflate(pngUp(raw, cols))

	// Written by hand rather than through writeObject: the cross-reference
	// stream is never encrypted (7.6.2) and its /ID must stay in clear.
	fmt.Fprintf(buf, "%d 0 obj\n", num)
	dict["Length"] = len(data)
	appendValue(buf, dict, nil)
	buf.WriteString("\nstream\n")
	buf.Write(data)
	buf.WriteString("\nendstream\nendobj\n")
}

// pngUp applies the PNG "Up" filter (type 2) row by row.
func pngUp(raw []byte, cols int) []byte {
	out := make([]byte, 0, len(raw)+len(raw)/cols)
	prev := make([]byte, cols)
	for i := 0; i+cols <= len(raw); i += cols {
		row := raw[i : i+cols]
		out = append(out, 2)
		for j, c := range row {
			out = append(out, c-prev[j])
		}
		prev = row
	}
	return out
}

func appendBE(b []byte, v, width int) []byte {
	for i := width - 1; i >= 0; i-- {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

// runs splits sorted numbers into runs of consecutive values.
func runs(nums []int) [][]int {
	var out [][]int
	for i, n := range nums {
		if i == 0 || n != nums[i-1]+1 {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], n)
	}
	return out
}

// allNums is 1..size-1 (object 0 is handled by writeTable itself).
func allNums(size int) []int {
	nums := make([]int, 0, size)
	for n := 1; n < size; n++ {
		nums = append(nums, n)
	}
	return nums
}

// deflate compresses with zlib framing, as FlateDecode expects.
func deflate(data []byte) []byte {
	var buf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if err != nil {
		panic(err)
	}
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}

// FlateStream returns a stream whose data is data compressed with
// FlateDecode.
func FlateStream(d Dict, data []byte) *Stream {
	dict := Dict{}
	for k, v := range d {
		dict[k] = v
	}
	dict["Filter"] = Name("FlateDecode")
	return &Stream{Dict: dict, Data: deflate(data)}
}

// PlainStream returns an unfiltered stream.
func PlainStream(d Dict, data []byte) *Stream {
	if d == nil {
		d = Dict{}
	}
	return &Stream{Dict: d, Data: data}
}

// itoa is a short alias used when building content streams.
func itoa(n int) string { return strconv.Itoa(n) }
