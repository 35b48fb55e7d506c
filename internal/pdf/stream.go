package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"dataplus/internal/pdf/filter"
)

// maxFilters bounds a /Filter chain.
const maxFilters = 32

// makeStream builds the Stream for dict whose "stream" keyword ends at pos.
// The data starts after the end-of-line that follows the keyword. Its
// length comes from /Length (direct or indirect) when that is consistent
// with an "endstream" keyword following the data; otherwise the data runs
// to the next "endstream".
func (d *Document) makeStream(dict Dict, pos int, ref Ref, depth int) *Stream {
	data := d.data
	start := pos
	j := pos
	for j < len(data) && (data[j] == ' ' || data[j] == '\t') {
		j++
	}
	if j < len(data) && data[j] == '\r' {
		start = j + 1
		if start < len(data) && data[start] == '\n' {
			start++
		}
	} else if j < len(data) && data[j] == '\n' {
		start = j + 1
	}
	end := -1
	length := int64(-1)
	switch v := dict["Length"].(type) {
	case int64:
		length = v
	case float64:
		length = int64(v)
	case Ref:
		if o, err := d.get(v, depth+1); err == nil {
			if n, ok := o.(int64); ok {
				length = n
			}
		}
	}
	if length >= 0 && length <= int64(len(data)-start) {
		e := start + int(length)
		k := skipSpaceAt(data, e)
		if bytes.HasPrefix(data[k:], []byte("endstream")) {
			end = e
		}
	}
	if end < 0 {
		end = d.findEndstream(start)
	}
	return &Stream{Dict: dict, Ref: ref, Offset: int64(start), Length: int64(end - start)}
}

// findEndstream returns where the data of a stream starting at start ends
// when /Length cannot be trusted: before the next "endstream" (or
// "endobj", or the end of the file), less one end-of-line. The keywords'
// positions are indexed once per document, so that a file full of streams
// with bad lengths costs one scan, not one per stream.
func (d *Document) findEndstream(start int) int {
	data := d.data
	if d.endstreams == nil {
		d.endstreams = d.keywordIndex("endstream")
		d.endobjs = d.keywordIndex("endobj")
	}
	end := nextAfter(d.endstreams, start)
	if end < 0 {
		end = nextAfter(d.endobjs, start)
	}
	if end < 0 {
		return len(data)
	}
	if end > start && data[end-1] == '\n' {
		end--
	}
	if end > start && data[end-1] == '\r' {
		end--
	}
	return end
}

// keywordIndex returns the positions of every occurrence of kw, ascending
// (never nil, so that "indexed, none found" differs from "not indexed").
func (d *Document) keywordIndex(kw string) []int {
	data := d.data
	out := []int{}
	for pos, iter := 0, 0; ; iter++ {
		if iter%ctxCheckEvery == 0 && d.ctx.Err() != nil {
			return out // the caller's next check reports it
		}
		i := bytes.Index(data[pos:], []byte(kw))
		if i < 0 {
			return out
		}
		out = append(out, pos+i)
		pos += i + len(kw)
	}
}

// nextAfter returns the first position in sorted that is >= start, or -1.
func nextAfter(sorted []int, start int) int {
	i, _ := slices.BinarySearch(sorted, start)
	if i == len(sorted) {
		return -1
	}
	return sorted[i]
}

// rawStream returns the stream's raw bytes, bounded by the file.
func (d *Document) rawStream(s *Stream) []byte {
	n := int64(len(d.data))
	start := min(max(s.Offset, 0), n)
	end := min(max(s.Length, 0), n-start) + start
	return d.data[start:end:end]
}

// StreamData returns the stream's data, decrypted and decoded through all
// its filters. It stops at an image filter (DCTDecode, JPXDecode, ...) and
// returns the bytes decoded so far with an error wrapping ErrUnsupported.
// Damaged data yields what could be decoded and an error wrapping
// ErrInvalid. The result may alias the file's bytes and must not be
// modified.
func (d *Document) StreamData(s *Stream) (out []byte, err error) {
	defer recoverTo(&err, "stream data")
	if s == nil {
		return nil, nil
	}
	return d.decodeStream(s, true)
}

// decodeStream decrypts (when decrypt is set and the stream is encrypted)
// and decodes s. Every step is bounded by MaxStreamBytes and by what is
// left of MaxWork.
func (d *Document) decodeStream(s *Stream, decrypt bool) ([]byte, error) {
	if err := d.ctx.Err(); err != nil {
		return nil, err
	}
	num := s.Ref.Num
	data := d.rawStream(s)
	filters, parms, err := d.filterChain(s.Dict)
	if err != nil {
		return nil, fmt.Errorf("stream %d: %w", num, err)
	}
	if decrypt && d.streamEncrypted(s, filters, parms) {
		if d.crypt == nil {
			return nil, fmt.Errorf("stream %d: %w", num, errNeedsPassword)
		}
		out, err := d.crypt.DecryptStream(num, s.Ref.Gen, data)
		if err != nil {
			return nil, fmt.Errorf("stream %d: decrypt: %v: %w", num, err, ErrInvalid)
		}
		data = out
	}
	if len(filters) == 0 {
		if int64(len(data)) > d.lim.MaxStreamBytes {
			return nil, fmt.Errorf("stream %d: %d bytes over MaxStreamBytes: %w", num, len(data), ErrLimit)
		}
		if err := d.addWork(int64(len(data))); err != nil {
			return nil, fmt.Errorf("stream %d: %w", num, err)
		}
		return data, nil
	}
	for i, name := range filters {
		if name == "Crypt" {
			continue // decryption is done above
		}
		if err := d.ctx.Err(); err != nil {
			return nil, err
		}
		limit := min(d.lim.MaxStreamBytes, d.lim.MaxWork-d.work)
		if limit < 0 {
			limit = 0
		}
		out, err := filter.Decode(string(name), d.filterParams(parms, i), data, limit)
		if werr := d.addWork(int64(len(out))); werr != nil && err == nil {
			err = werr
		}
		if err != nil {
			if len(out) == 0 && errors.Is(err, filter.ErrUnsupported) {
				out = data // an image filter: what was decoded before it
			}
			return out, fmt.Errorf("stream %d: %s: %w", num, name, filterErr(err))
		}
		data = out
	}
	return data, nil
}

// filterErr maps the filter package's sentinels onto ours, keeping both.
func filterErr(err error) error {
	switch {
	case errors.Is(err, ErrLimit), errors.Is(err, ErrInvalid), errors.Is(err, ErrUnsupported):
		return err
	case errors.Is(err, filter.ErrLimit):
		return fmt.Errorf("%w: %w", ErrLimit, err)
	case errors.Is(err, filter.ErrUnsupported):
		return fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	return fmt.Errorf("%w: %w", ErrInvalid, err)
}

// filterChain returns the stream's filter names and their parameters
// (either may be given as a single object or an array).
func (d *Document) filterChain(dict Dict) ([]Name, []Object, error) {
	var names []Name
	switch f := d.resolve(dict["Filter"]).(type) {
	case Name:
		names = []Name{f}
	case Array:
		if len(f) > maxFilters {
			return nil, nil, fmt.Errorf("%d filters: %w", len(f), ErrLimit)
		}
		names = make([]Name, 0, len(f))
		for _, o := range f {
			n := d.Name(o)
			if n == "" {
				return nil, nil, fmt.Errorf("filter is not a name: %w", ErrInvalid)
			}
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, nil, nil
	}
	p := dict["DecodeParms"]
	if p == nil {
		p = dict["DP"]
	}
	var parms []Object
	switch v := d.resolve(p).(type) {
	case Array:
		parms = v
	case Dict:
		parms = []Object{v}
	}
	return names, parms, nil
}

// filterParams returns the parameters of filter i, with the defaults of
// ISO 32000-1 Tables 8 and 10 filled in.
func (d *Document) filterParams(parms []Object, i int) filter.Params {
	p := filter.Params{Predictor: 1, Colors: 1, BitsPerComponent: 8, Columns: 1, EarlyChange: 1}
	if i >= len(parms) {
		return p
	}
	dict := d.Dict(parms[i])
	if dict == nil {
		return p
	}
	p.Predictor = d.intOr(dict["Predictor"], 1)
	p.Colors = d.intOr(dict["Colors"], 1)
	p.BitsPerComponent = d.intOr(dict["BitsPerComponent"], 8)
	p.Columns = d.intOr(dict["Columns"], 1)
	p.EarlyChange = d.intOr(dict["EarlyChange"], 1)
	return p
}

// streamEncrypted reports whether s must be decrypted: the document is
// encrypted and s is not an xref stream, not unencrypted metadata, and not
// routed through the Identity crypt filter.
func (d *Document) streamEncrypted(s *Stream, filters []Name, parms []Object) bool {
	typ := d.Name(s.Dict["Type"])
	if d.crypt == nil && !d.stmLocked && !(d.efLocked && typ == "EmbeddedFile") {
		return false
	}
	switch typ {
	case "XRef":
		return false
	case "Metadata":
		if !d.encryptMeta {
			return false
		}
	}
	if len(filters) > 0 && filters[0] == "Crypt" {
		name := Name("Identity")
		if len(parms) > 0 {
			if n := d.Name(d.Dict(parms[0])["Name"]); n != "" {
				name = n
			}
		}
		if name == "Identity" {
			return false
		}
	}
	return true
}

// StreamPrefix returns at most n bytes of s's decoded data, decoding no more
// than it must when the stream is plain Flate (the usual case for font
// programs, whose clear-text header is all a metadata scan needs). Errors
// are those of StreamData.
func (d *Document) StreamPrefix(s *Stream, n int64) (out []byte, err error) {
	defer recoverTo(&err, "stream prefix")
	if s == nil {
		return nil, nil
	}
	filters, parms, err := d.filterChain(s.Dict)
	if err != nil || len(filters) != 1 || d.streamEncrypted(s, filters, parms) {
		out, err := d.decodeStream(s, true)
		return out[:min(int64(len(out)), n)], err
	}
	if err := d.ctx.Err(); err != nil {
		return nil, err
	}
	limit := max(min(d.lim.MaxStreamBytes, d.lim.MaxWork-d.work), 0)
	out, err = filter.DecodePrefix(string(filters[0]), d.filterParams(parms, 0), d.rawStream(s), n, limit)
	if werr := d.addWork(int64(len(out))); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		if len(out) == 0 && errors.Is(err, filter.ErrUnsupported) {
			out = d.rawStream(s)[:min(int64(len(d.rawStream(s))), n)]
		}
		return out, fmt.Errorf("stream %d: %s: %w", s.Ref.Num, filters[0], filterErr(err))
	}
	return out, nil
}
