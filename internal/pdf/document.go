package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"dataplus/internal/pdf/crypt"
)

// Document is an opened PDF: the file's bytes, its cross-reference data
// and a cache of the objects loaded so far. Objects are parsed only when
// asked for.
//
// A Document is a short-lived, per-request view: it keeps the context given
// to Open and checks it in every later call. It is not safe for concurrent
// use; give each goroutine its own Document (opening is cheap).
type Document struct {
	ctx      context.Context
	data     []byte
	lim      Limits
	password []byte

	headerPos int    // offset of "%PDF-", -1 when there is none
	version   string // "1.4" from the header
	base      int    // added to offsets from the file (junk before the header)

	xref        *xrefTable
	trailer     Dict
	kind        string // table, stream, hybrid, rebuilt
	sections    int
	repaired    bool
	objectCount int // cached XRefInfo().Objects, -1 until computed

	cache   map[uint32]cacheEntry
	loading map[uint32]bool // objects being loaded: detects reference cycles
	objStms map[uint32]*objStm
	names   nameTable
	bufs    parseBufs
	work    int64

	enc          *EncryptionInfo
	crypt        *crypt.Handler
	encryptRef   Ref
	encryptIsRef bool
	encryptMeta  bool
	strLocked    bool  // strings are encrypted and we have no key
	stmLocked    bool  // streams are encrypted and we have no key
	efLocked     bool  // embedded files are encrypted and we have no key
	endstreams   []int // positions of "endstream", nil until needed
	endobjs      []int // positions of "endobj", nil until needed
	linearized   int8
	pagesRebuilt bool
	pagesDone    bool
	pages        []Page
	pagesErr     error
}

type cacheEntry struct {
	obj Object
	err error
}

// maxLoadDepth bounds nested loads (an object whose /Length lives in an
// object stream whose /Length is another object, ...).
const maxLoadDepth = 32

// maxRefChain bounds "1 0 R" -> "2 0 R" -> ... chains in Resolve.
const maxRefChain = 32

// Open reads the header, the cross-reference data and the trailer of data,
// repairing what it can. It loads the catalog to check that the document
// is usable. data is not copied and must not be modified while the
// Document is in use.
func Open(ctx context.Context, data []byte, opt Options) (doc *Document, err error) {
	defer recoverTo(&err, "open")
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d := &Document{
		ctx:         ctx,
		data:        data,
		lim:         opt.Limits.withDefaults(),
		password:    opt.Password,
		cache:       make(map[uint32]cacheEntry, 64),
		loading:     make(map[uint32]bool),
		linearized:  -1,
		objectCount: -1,
	}
	if err := d.open(); err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	return d, nil
}

func (d *Document) open() error {
	d.findHeader()
	if d.headerPos < 0 && !bytes.Contains(d.data, []byte("obj")) {
		return fmt.Errorf("not a PDF: %w", ErrInvalid)
	}
	err := d.readXRef()
	if err == nil && d.trailer["Root"] == nil {
		err = fmt.Errorf("trailer has no /Root: %w", ErrInvalid)
	}
	if err != nil {
		if isHardError(err) {
			return err
		}
		if err := d.rebuild(); err != nil {
			return err
		}
	} else {
		d.setupEncryption()
	}
	cat, err := d.catalog()
	if err != nil && isHardError(err) {
		return err
	}
	if (cat == nil || cat["Pages"] == nil) && !errors.Is(err, ErrEncrypted) && !d.repaired {
		if err := d.rebuild(); err != nil {
			return err
		}
		cat, err = d.catalog()
	}
	if cat == nil && !errors.Is(err, ErrEncrypted) {
		if d.headerPos < 0 {
			return fmt.Errorf("not a PDF: %w", ErrInvalid)
		}
		if err == nil {
			err = fmt.Errorf("no catalog: %w", ErrInvalid)
		}
		return err
	}
	return nil
}

// findHeader looks for "%PDF-x.y" in the first 1024 bytes.
func (d *Document) findHeader() {
	head := d.data[:min(len(d.data), 1024)]
	i := bytes.Index(head, []byte("%PDF-"))
	d.headerPos = i
	if i < 0 {
		return
	}
	j := i + len("%PDF-")
	k := j
	for k < len(d.data) && k-j < 8 && (isDigit(d.data[k]) || d.data[k] == '.') {
		k++
	}
	d.version = string(d.data[j:k])
}

// recoverTo turns a panic into an error wrapping ErrInvalid. It is the last
// line of defence at the exported boundary; every panic found is fixed at
// its cause.
func recoverTo(err *error, op string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%s: internal error: %v: %w", op, r, ErrInvalid)
	}
}

// addWork charges n units against MaxWork.
func (d *Document) addWork(n int64) error {
	d.work += n
	if d.work > d.lim.MaxWork {
		return errBudget
	}
	return nil
}

// HeaderVersion returns the version from the header ("1.4"), or "" when the
// file has no header.
func (d *Document) HeaderVersion() string { return d.version }

// Trailer returns the trailer dictionary (merged over incremental updates,
// newest first). It must not be modified.
func (d *Document) Trailer() Dict { return d.trailer }

// Catalog returns the document catalog (the trailer's /Root).
func (d *Document) Catalog() (cat Dict, err error) {
	defer recoverTo(&err, "catalog")
	return d.catalog()
}

func (d *Document) catalog() (Dict, error) {
	o, err := d.Resolve(d.trailer["Root"])
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	cat, ok := o.(Dict)
	if !ok {
		return nil, fmt.Errorf("catalog: missing: %w", ErrInvalid)
	}
	return cat, nil
}

// Get returns the object r refers to, loading and caching it. A missing
// object is nil with no error. The generation number is not checked.
func (d *Document) Get(r Ref) (o Object, err error) {
	defer recoverTo(&err, "get")
	return d.get(r, 0)
}

func (d *Document) get(r Ref, depth int) (Object, error) {
	if c, ok := d.cache[r.Num]; ok {
		return c.obj, c.err
	}
	if depth > maxLoadDepth || d.loading[r.Num] {
		return nil, fmt.Errorf("object %d: reference cycle: %w", r.Num, ErrInvalid)
	}
	if err := d.ctx.Err(); err != nil {
		return nil, err
	}
	d.loading[r.Num] = true
	o, err := d.load(r.Num, depth)
	delete(d.loading, r.Num)
	if err != nil {
		err = fmt.Errorf("object %d: %w", r.Num, err)
	}
	// Failures are cached too: they are permanent for this document (the
	// budget only shrinks, a done context stays done), and retrying a
	// costly failure would multiply its cost.
	d.cache[r.Num] = cacheEntry{obj: o, err: err}
	return o, err
}

// errWrongObject: an offset from the cross-reference data does not point
// at the object it should. It triggers repair.
var errWrongObject = fmt.Errorf("offset does not point at the object: %w", ErrInvalid)

func (d *Document) load(num uint32, depth int) (Object, error) {
	e := d.xref.lookup(num)
	var obj Object
	var err error
	switch e.typ {
	case entryInUse:
		var got uint32
		got, _, obj, err = d.parseIndirectAt(int(e.off), depth, false)
		if err == nil && got != num {
			err = errWrongObject
		}
	case entryCompressed:
		obj, err = d.loadCompressed(num, e, depth)
	default:
		return nil, nil
	}
	// A wrong offset, or an object stream that is missing or not a stream,
	// means the cross-reference data cannot be trusted: rebuild it once and
	// look again. (A damaged object at the right place is just damaged.)
	if !d.repaired && (errors.Is(err, errWrongObject) || errors.Is(err, errNoObjStm)) {
		if rerr := d.rebuild(); rerr != nil {
			return nil, rerr
		}
		return d.load(num, depth)
	}
	return obj, err
}

// parseObjHeader parses "N G obj" at data[i:] (after optional white space)
// and returns the position after "obj".
func parseObjHeader(data []byte, i int) (num uint32, gen uint16, next int, ok bool) {
	i = skipSpaceAt(data, i)
	n, j, ok := readUint(data, i)
	if !ok || j >= len(data) || !isSpace(data[j]) {
		return 0, 0, 0, false
	}
	j = skipSpaceAt(data, j)
	g, k, ok := readUint(data, j)
	if !ok {
		return 0, 0, 0, false
	}
	k = skipSpaceAt(data, k)
	if !hasKeywordAt(data, k, "obj") || n > 1<<32-1 || g > 65535 {
		return 0, 0, 0, false
	}
	return uint32(n), uint16(g), k + len("obj"), true
}

// parseIndirectAt parses the indirect object whose "N G obj" header is at
// pos. Streams get their extent resolved. Strings are decrypted unless raw
// is set or the object is the encryption dictionary or an xref stream.
func (d *Document) parseIndirectAt(pos, depth int, raw bool) (uint32, uint16, Object, error) {
	if pos < 0 || pos >= len(d.data) {
		return 0, 0, nil, fmt.Errorf("offset %d outside the file: %w", pos, errWrongObject)
	}
	num, gen, next, ok := parseObjHeader(d.data, pos)
	if !ok {
		return 0, 0, nil, fmt.Errorf("no object at offset %d: %w", pos, errWrongObject)
	}
	p := d.newParser(d.data, next)
	obj, err := p.parseObject()
	if err != nil {
		return num, gen, nil, err
	}
	if dict, ok := obj.(Dict); ok {
		p.lex.skipSpace()
		if hasKeywordAt(d.data, p.lex.pos, "stream") {
			obj = d.makeStream(dict, p.lex.pos+len("stream"), Ref{Num: num, Gen: gen}, depth)
		}
	}
	if !raw && (d.crypt != nil || d.strLocked) && !(d.encryptIsRef && d.encryptRef.Num == num) {
		if t := dictOf(obj)["Type"]; t != Name("XRef") {
			obj = d.decryptStrings(obj, num, gen)
		}
	}
	return num, gen, obj, nil
}

// dictOf returns the dictionary of a Dict or *Stream, else nil.
func dictOf(o Object) Dict {
	switch v := o.(type) {
	case Dict:
		return v
	case *Stream:
		return v.Dict
	}
	return nil
}

// Resolve follows references until it reaches a direct object (at most
// maxRefChain of them).
func (d *Document) Resolve(o Object) (v Object, err error) {
	if _, ok := o.(Ref); !ok {
		return o, nil
	}
	defer recoverTo(&err, "resolve")
	for range maxRefChain {
		r, ok := o.(Ref)
		if !ok {
			return o, nil
		}
		var err error
		if o, err = d.get(r, 0); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("reference chain too long: %w", ErrInvalid)
}

// resolve is Resolve without the error, for the typed helpers.
func (d *Document) resolve(o Object) Object {
	if _, ok := o.(Ref); !ok {
		return o
	}
	v, _ := d.Resolve(o)
	return v
}

// Dict resolves o and returns it if it is a dictionary.
func (d *Document) Dict(o Object) Dict { v, _ := d.resolve(o).(Dict); return v }

// Array resolves o and returns it if it is an array.
func (d *Document) Array(o Object) Array { v, _ := d.resolve(o).(Array); return v }

// Name resolves o and returns it if it is a name.
func (d *Document) Name(o Object) Name { v, _ := d.resolve(o).(Name); return v }

// Str resolves o and returns it if it is a string. In a document that
// needs a password, strings read as nil (see StringValue).
func (d *Document) Str(o Object) String { v, _ := d.resolve(o).(String); return v }

// Stream resolves o and returns it if it is a stream.
func (d *Document) Stream(o Object) *Stream { v, _ := d.resolve(o).(*Stream); return v }

// Int resolves o and returns it as an integer; reals with an integral
// value are accepted.
func (d *Document) Int(o Object) (int64, bool) {
	switch v := d.resolve(o).(type) {
	case int64:
		return v, true
	case float64:
		if v == float64(int64(v)) && v >= -1<<62 && v <= 1<<62 {
			return int64(v), true
		}
	}
	return 0, false
}

// Num resolves o and returns it as a number.
func (d *Document) Num(o Object) (float64, bool) {
	switch v := d.resolve(o).(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

// StringValue resolves o and returns it if it is a string. Unlike Str it
// reports ErrEncrypted for a string that cannot be decrypted because the
// document needs a password.
func (d *Document) StringValue(o Object) (s String, err error) {
	defer recoverTo(&err, "string")
	v, err := d.Resolve(o)
	if err != nil {
		return nil, err
	}
	s, ok := v.(String)
	if ok && s == nil {
		return nil, fmt.Errorf("string: %w", ErrEncrypted)
	}
	return s, nil
}

// XRefInfo describes the cross-reference data.
type XRefInfo struct {
	Kind     string // table, stream, hybrid or rebuilt
	Sections int    // sections read from the /Prev chain (0 when rebuilt)
	Objects  int    // in-use objects known
	Repaired bool   // the cross-reference data was rebuilt by scanning the file
}

// XRefInfo returns how the document's objects were located.
func (d *Document) XRefInfo() XRefInfo {
	if d.objectCount < 0 {
		d.objectCount = d.xref.objects()
	}
	return XRefInfo{Kind: d.kind, Sections: d.sections, Objects: d.objectCount, Repaired: d.repaired}
}

// Linearized reports whether the first object in the file is a
// linearization parameter dictionary.
func (d *Document) Linearized() (lin bool) {
	defer func() {
		if recover() != nil {
			lin = false
		}
	}()
	if d.linearized < 0 {
		d.linearized = 0
		// The header line is a comment: skipping white space and comments
		// from it lands on the first object.
		l := lexer{data: d.data, pos: max(d.headerPos, 0)}
		l.skipSpace()
		if _, _, obj, err := d.parseIndirectAt(l.pos, 0, true); err == nil {
			if dict, ok := obj.(Dict); ok && dict["Linearized"] != nil {
				d.linearized = 1
			}
		}
	}
	return d.linearized == 1
}
