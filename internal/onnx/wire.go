package onnx

import (
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// field is one decoded protobuf field: v holds a varint or fixed-width
// value, b the bytes of a length-delimited field (a sub-slice of the
// input, not a copy).
type field struct {
	num protowire.Number
	typ protowire.Type
	v   uint64
	b   []byte
}

// walk calls fn for each field of msg in order. Groups (a deprecated
// encoding ONNX does not use) are skipped whole.
func walk(msg []byte, fn func(f field) error) error {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return fmt.Errorf("read tag: %w", protowire.ParseError(n))
		}
		msg = msg[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.v, n = protowire.ConsumeVarint(msg)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(msg)
			f.v = uint64(v)
		case protowire.Fixed64Type:
			f.v, n = protowire.ConsumeFixed64(msg)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(msg)
		default:
			n = protowire.ConsumeFieldValue(num, typ, msg)
		}
		if n < 0 {
			return fmt.Errorf("read field %d: %w", num, protowire.ParseError(n))
		}
		msg = msg[n:]
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// want checks a field's wire type.
func (f field) want(typ protowire.Type) error {
	if f.typ != typ {
		return fmt.Errorf("field %d: wire type %d, want %d", f.num, f.typ, typ)
	}
	return nil
}

func (f field) int64() (int64, error) {
	if err := f.want(protowire.VarintType); err != nil {
		return 0, err
	}
	return int64(f.v), nil
}

func (f field) string() (string, error) {
	if err := f.want(protowire.BytesType); err != nil {
		return "", err
	}
	return string(f.b), nil
}

func (f field) bytes() ([]byte, error) {
	if err := f.want(protowire.BytesType); err != nil {
		return nil, err
	}
	return f.b, nil
}

func (f field) float32() (float32, error) {
	if err := f.want(protowire.Fixed32Type); err != nil {
		return 0, err
	}
	return math.Float32frombits(uint32(f.v)), nil
}

// Repeated scalars arrive packed (one length-delimited field) or one per
// field; parsers must accept both. Each element takes at least one input
// byte, so the slices grow no faster than the input.

// varints appends the varint values of a repeated integer field.
func (f field) varints(dst []uint64) ([]uint64, error) {
	switch f.typ {
	case protowire.VarintType:
		return append(dst, f.v), nil
	case protowire.BytesType:
		b := f.b
		for len(b) > 0 {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, fmt.Errorf("field %d: packed varint: %w", f.num, protowire.ParseError(n))
			}
			dst = append(dst, v)
			b = b[n:]
		}
		return dst, nil
	default:
		return nil, fmt.Errorf("field %d: wire type %d for a repeated integer", f.num, f.typ)
	}
}

func (f field) int64s(dst []int64) ([]int64, error) {
	vs, err := f.varints(nil)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		dst = append(dst, int64(v))
	}
	return dst, nil
}

func (f field) int32s(dst []int32) ([]int32, error) {
	vs, err := f.varints(nil)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		dst = append(dst, int32(v))
	}
	return dst, nil
}

func (f field) uint64s(dst []uint64) ([]uint64, error) {
	return f.varints(dst)
}

func (f field) float32s(dst []float32) ([]float32, error) {
	switch f.typ {
	case protowire.Fixed32Type:
		return append(dst, math.Float32frombits(uint32(f.v))), nil
	case protowire.BytesType:
		if len(f.b)%4 != 0 {
			return nil, fmt.Errorf("field %d: packed floats: %d bytes is not a multiple of 4", f.num, len(f.b))
		}
		for b := f.b; len(b) > 0; b = b[4:] {
			v, _ := protowire.ConsumeFixed32(b)
			dst = append(dst, math.Float32frombits(v))
		}
		return dst, nil
	default:
		return nil, fmt.Errorf("field %d: wire type %d for a repeated float", f.num, f.typ)
	}
}

func (f field) float64s(dst []float64) ([]float64, error) {
	switch f.typ {
	case protowire.Fixed64Type:
		return append(dst, math.Float64frombits(f.v)), nil
	case protowire.BytesType:
		if len(f.b)%8 != 0 {
			return nil, fmt.Errorf("field %d: packed doubles: %d bytes is not a multiple of 8", f.num, len(f.b))
		}
		for b := f.b; len(b) > 0; b = b[8:] {
			v, _ := protowire.ConsumeFixed64(b)
			dst = append(dst, math.Float64frombits(v))
		}
		return dst, nil
	default:
		return nil, fmt.Errorf("field %d: wire type %d for a repeated double", f.num, f.typ)
	}
}
