package pdf

import (
	"errors"
	"fmt"
)

// objStm is a decoded object stream (§7.5.7): its data and the numbers and
// offsets of the objects it holds.
type objStm struct {
	data    []byte
	first   int
	nums    []uint32
	offs    []int
	extends Object
	index   map[uint32]int // built on the first lookup whose index was wrong
	err     error
}

// errNoObjStm: a compressed entry names an object stream that is missing
// or not a stream. It triggers repair.
var errNoObjStm = fmt.Errorf("no such object stream: %w", ErrInvalid)

// maxExtends bounds /Extends chains.
const maxExtends = 16

// objStm returns the decoded object stream num (cached, errors included:
// a failed decode is never repeated for each object the stream holds).
func (d *Document) objStm(num uint32, depth int) (*objStm, error) {
	if st, ok := d.objStms[num]; ok {
		return st, st.err
	}
	st, err := d.loadObjStm(num, depth)
	if st == nil {
		st = &objStm{}
	}
	st.err = err
	if d.objStms == nil {
		d.objStms = make(map[uint32]*objStm)
	}
	d.objStms[num] = st
	return st, err
}

func (d *Document) loadObjStm(num uint32, depth int) (*objStm, error) {
	o, err := d.get(Ref{Num: num}, depth+1)
	if err != nil {
		return nil, err
	}
	s, ok := o.(*Stream)
	if !ok {
		return nil, fmt.Errorf("object stream %d: %w", num, errNoObjStm)
	}
	data, err := d.decodeStream(s, true)
	if err != nil {
		// A truncated stream still holds the objects before the damage;
		// anything else (a limit, a missing password) is final.
		if data == nil || !errors.Is(err, ErrInvalid) || errors.Is(err, ErrLimit) || errors.Is(err, ErrEncrypted) {
			return nil, fmt.Errorf("object stream %d: %w", num, err)
		}
	}
	n, _ := d.Int(s.Dict["N"])
	first, ok := d.Int(s.Dict["First"])
	if !ok || first < 0 || first > int64(len(data)) || n < 0 {
		return nil, fmt.Errorf("object stream %d: bad /N or /First: %w", num, ErrInvalid)
	}
	st := &objStm{data: data, first: int(first), extends: s.Dict["Extends"]}
	// Each pair takes at least 4 bytes ("1 0 "): never allocate from /N.
	capacity := min(n, first/4+1)
	st.nums = make([]uint32, 0, capacity)
	st.offs = make([]int, 0, capacity)
	head := data[:first]
	pos := 0
	for k := int64(0); k < n; k++ {
		if k%ctxCheckEvery == 0 {
			if err := d.ctx.Err(); err != nil {
				return nil, err
			}
		}
		pos = skipSpaceAt(head, pos)
		objNum, p1, ok1 := readUint(head, pos)
		p1 = skipSpaceAt(head, p1)
		off, p2, ok2 := readUint(head, p1)
		if !ok1 || !ok2 || objNum > 1<<32-1 {
			break
		}
		pos = p2
		st.nums = append(st.nums, uint32(objNum))
		st.offs = append(st.offs, int(min(off, int64(len(data)))))
	}
	return st, nil
}

// loadCompressed loads object num, which the cross-reference data places
// at index e.idx of object stream e.off.
func (d *Document) loadCompressed(num uint32, e xrefEntry, depth int) (Object, error) {
	stmNum := uint32(e.off)
	idx := int(e.idx)
	visited := 0
	for {
		st, err := d.objStm(stmNum, depth)
		if err != nil {
			return nil, err
		}
		if idx < 0 || idx >= len(st.nums) || st.nums[idx] != num {
			idx = st.find(num)
		}
		if idx >= 0 {
			return d.parseInObjStm(st, idx)
		}
		// Not here: an /Extends chain may hold it.
		visited++
		r, ok := st.extends.(Ref)
		if !ok || visited > maxExtends {
			return nil, nil
		}
		stmNum = r.Num
	}
}

// find returns the index of object num in the stream, or -1.
func (st *objStm) find(num uint32) int {
	if st.index == nil {
		st.index = make(map[uint32]int, len(st.nums))
		for i, n := range st.nums {
			if _, ok := st.index[n]; !ok {
				st.index[n] = i
			}
		}
	}
	if i, ok := st.index[num]; ok {
		return i
	}
	return -1
}

// parseInObjStm parses the object at index idx. Its strings are not
// decrypted: the whole object stream was.
func (d *Document) parseInObjStm(st *objStm, idx int) (Object, error) {
	pos := st.first + st.offs[idx]
	if pos > len(st.data) {
		return nil, fmt.Errorf("offset outside the object stream: %w", ErrInvalid)
	}
	p := d.newParser(st.data, pos)
	return p.parseObject()
}
