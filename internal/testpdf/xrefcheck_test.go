package testpdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// A minimal, independent check of the cross-reference data the writer
// produces, so that the structure is verified even where qpdf is not
// installed. It understands only this package's own output (flat trailer
// dictionaries, /W [1 4 2], PNG Up predictor) and is no PDF reader.

var (
	reStartXRef = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
	reInt       = func(key string) *regexp.Regexp { return regexp.MustCompile(`/` + key + `\s+(\d+)`) }
	rePrev      = reInt("Prev")
	reXRefStm   = reInt("XRefStm")
	reLength    = reInt("Length")
	reN         = reInt("N")
	reFirst     = reInt("First")
	reIndex     = regexp.MustCompile(`/Index\s*\[([\d\s]*)\]`)
)

// xrefReport is what checkXRef found.
type xrefReport struct {
	sections int
	inUse    map[int]int      // object -> offset (type 1 / "n")
	packed   map[int][2]int   // object -> (object stream, index)
	objStms  map[int][]int    // object stream -> object numbers in its header
	kinds    map[string]bool  // "table", "stream"
	trailers []string         // raw trailer / xref stream dictionaries, newest first
	seen     map[int]struct{} // sections visited (loop guard)
}

// checkXRef follows startxref, /XRefStm and /Prev, and checks that every
// in-use entry points at "N 0 obj" and every compressed entry names an
// object stream that holds that object at that index.
func checkXRef(data []byte) (*xrefReport, error) {
	m := reStartXRef.FindSubmatch(data)
	if m == nil {
		return nil, fmt.Errorf("no startxref at the end of the file")
	}
	off, _ := strconv.Atoi(string(m[1]))
	r := &xrefReport{
		inUse:   map[int]int{},
		packed:  map[int][2]int{},
		objStms: map[int][]int{},
		kinds:   map[string]bool{},
		seen:    map[int]struct{}{},
	}
	for off >= 0 {
		if _, ok := r.seen[off]; ok {
			return nil, fmt.Errorf("/Prev loop at %d", off)
		}
		r.seen[off] = struct{}{}
		r.sections++
		next, err := r.section(data, off)
		if err != nil {
			return nil, err
		}
		off = next
	}
	for n, off := range r.inUse {
		if !bytes.HasPrefix(data[off:], fmt.Appendf(nil, "%d 0 obj", n)) {
			return nil, fmt.Errorf("object %d: offset %d does not start %q", n, off, fmt.Sprintf("%d 0 obj", n))
		}
	}
	for n, loc := range r.packed {
		nums, err := r.objStm(data, loc[0])
		if err != nil {
			return nil, err
		}
		if loc[1] >= len(nums) || nums[loc[1]] != n {
			return nil, fmt.Errorf("object %d: not at index %d of object stream %d", n, loc[1], loc[0])
		}
	}
	return r, nil
}

// section reads one cross-reference section at off and returns the offset
// of the previous one (-1 if none). Entries already known (from newer
// sections) are kept.
func (r *xrefReport) section(data []byte, off int) (int, error) {
	if off >= len(data) {
		return 0, fmt.Errorf("section offset %d beyond EOF", off)
	}
	if !bytes.HasPrefix(data[off:], []byte("xref")) {
		dict, err := r.stream(data, off)
		if err != nil {
			return 0, err
		}
		return prevOf(dict), nil
	}
	r.kinds["table"] = true
	end := bytes.Index(data[off:], []byte("trailer"))
	if end < 0 {
		return 0, fmt.Errorf("table at %d has no trailer", off)
	}
	lines := strings.Split(strings.TrimSpace(string(data[off+4:off+end])), "\n")
	for i := 0; i < len(lines); {
		var first, count int
		if _, err := fmt.Sscanf(lines[i], "%d %d", &first, &count); err != nil {
			return 0, fmt.Errorf("subsection header %q: %v", lines[i], err)
		}
		i++
		if i+count > len(lines) {
			return 0, fmt.Errorf("subsection %d %d runs past the table", first, count)
		}
		for k := 0; k < count; k++ {
			e := strings.TrimRight(lines[i+k], "\r ")
			if len(e) != 18 {
				return 0, fmt.Errorf("entry %q is not 20 bytes", lines[i+k])
			}
			n := first + k
			if _, known := r.inUse[n]; known {
				continue
			}
			if _, known := r.packed[n]; known {
				continue
			}
			if e[17] == 'n' {
				v, _ := strconv.Atoi(e[:10])
				r.inUse[n] = v
			}
		}
		i += count
	}
	tail := data[off+end:]
	if j := bytes.Index(tail, []byte("startxref")); j >= 0 {
		tail = tail[:j]
	}
	dict := string(tail)
	r.trailers = append(r.trailers, dict)
	if m := reXRefStm.FindStringSubmatch(dict); m != nil {
		stm, _ := strconv.Atoi(m[1])
		if _, err := r.stream(data, stm); err != nil {
			return 0, fmt.Errorf("/XRefStm: %v", err)
		}
	}
	return prevOf(dict), nil
}

func prevOf(dict string) int {
	if m := rePrev.FindStringSubmatch(dict); m != nil {
		v, _ := strconv.Atoi(m[1])
		return v
	}
	return -1
}

// stream reads the cross-reference stream at off and returns its dictionary.
func (r *xrefReport) stream(data []byte, off int) (string, error) {
	dict, raw, err := streamAt(data, off)
	if err != nil {
		return "", err
	}
	if !strings.Contains(dict, "/Type /XRef") {
		return "", fmt.Errorf("object at %d is not an xref stream", off)
	}
	r.kinds["stream"] = true
	r.trailers = append(r.trailers, dict)
	const cols = 7 // /W [1 4 2]
	rows, err := unPNGUp(raw, cols)
	if err != nil {
		return "", err
	}
	m := reIndex.FindStringSubmatch(dict)
	if m == nil {
		return "", fmt.Errorf("xref stream without /Index")
	}
	idx := strings.Fields(m[1])
	row := 0
	for i := 0; i+1 < len(idx); i += 2 {
		first, _ := strconv.Atoi(idx[i])
		count, _ := strconv.Atoi(idx[i+1])
		for k := 0; k < count; k++ {
			if row >= len(rows) {
				return "", fmt.Errorf("xref stream shorter than /Index")
			}
			e := rows[row]
			row++
			n := first + k
			f2 := int(e[1])<<24 | int(e[2])<<16 | int(e[3])<<8 | int(e[4])
			f3 := int(e[5])<<8 | int(e[6])
			_, a := r.inUse[n]
			_, b := r.packed[n]
			if a || b {
				continue
			}
			switch e[0] {
			case 1:
				r.inUse[n] = f2
			case 2:
				r.packed[n] = [2]int{f2, f3}
			}
		}
	}
	return dict, nil
}

// objStm returns the object numbers listed in object stream num's header.
func (r *xrefReport) objStm(data []byte, num int) ([]int, error) {
	if nums, ok := r.objStms[num]; ok {
		return nums, nil
	}
	off, ok := r.inUse[num]
	if !ok {
		return nil, fmt.Errorf("object stream %d has no offset", num)
	}
	dict, raw, err := streamAt(data, off)
	if err != nil {
		return nil, err
	}
	n, first := reN.FindStringSubmatch(dict), reFirst.FindStringSubmatch(dict)
	if n == nil || first == nil {
		return nil, fmt.Errorf("object stream %d lacks /N or /First", num)
	}
	count, _ := strconv.Atoi(n[1])
	firstOff, _ := strconv.Atoi(first[1])
	head := strings.Fields(string(raw[:firstOff]))
	if len(head) != 2*count {
		return nil, fmt.Errorf("object stream %d: header has %d numbers, /N %d", num, len(head), count)
	}
	var nums []int
	for i := 0; i < len(head); i += 2 {
		v, _ := strconv.Atoi(head[i])
		nums = append(nums, v)
	}
	r.objStms[num] = nums
	return nums, nil
}

// streamAt parses "N 0 obj << ... >> stream ... endstream" at off (flat
// dictionary, FlateDecode) and returns the dictionary text and decoded data.
func streamAt(data []byte, off int) (string, []byte, error) {
	s := data[off:]
	i := bytes.Index(s, []byte("\nstream\n"))
	if i < 0 {
		return "", nil, fmt.Errorf("no stream at %d", off)
	}
	dict := string(s[:i])
	m := reLength.FindStringSubmatch(dict)
	if m == nil {
		return "", nil, fmt.Errorf("stream at %d has no /Length", off)
	}
	n, _ := strconv.Atoi(m[1])
	body := s[i+len("\nstream\n"):]
	if len(body) < n || !bytes.HasPrefix(body[n:], []byte("\nendstream")) {
		return "", nil, fmt.Errorf("stream at %d: /Length %d does not reach endstream", off, n)
	}
	zr, err := zlib.NewReader(bytes.NewReader(body[:n]))
	if err != nil {
		return "", nil, err
	}
	raw, err := io.ReadAll(zr)
	return dict, raw, err
}

// unPNGUp reverses the PNG Up predictor.
func unPNGUp(data []byte, cols int) ([][]byte, error) {
	if len(data)%(cols+1) != 0 {
		return nil, fmt.Errorf("predicted data of %d bytes is not whole rows of %d", len(data), cols+1)
	}
	var rows [][]byte
	prev := make([]byte, cols)
	for i := 0; i < len(data); i += cols + 1 {
		if data[i] != 2 {
			return nil, fmt.Errorf("row filter %d, want 2 (Up)", data[i])
		}
		row := make([]byte, cols)
		for j := range row {
			row[j] = data[i+1+j] + prev[j]
		}
		rows = append(rows, row)
		prev = row
	}
	return rows, nil
}
