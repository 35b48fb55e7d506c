package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
)

// Tensor is a TensorProto: an initializer or a tensor attribute. Its data
// is in Raw (little-endian, fixed width) or in one of the typed fields,
// as the file stored it; Floats and Int64s read either.
type Tensor struct {
	Name     string
	Dims     []int64
	DataType DataType

	Raw        []byte // raw_data; after Decode it aliases the input
	FloatData  []float32
	Int32Data  []int32 // also int8/16, uint8/16, bool and the bits of float16/bfloat16
	Int64Data  []int64
	DoubleData []float64
	Uint64Data []uint64 // uint32 and uint64
}

// maxElements bounds a tensor's element count so that products of
// hostile dims cannot overflow an int on any platform.
const maxElements = 1 << 40

// Len returns the number of elements the dims describe (1 for a scalar).
func (t *Tensor) Len() (int, error) {
	n := uint64(1)
	for _, d := range t.Dims {
		if d < 0 {
			return 0, fmt.Errorf("tensor %q: negative dim %d", t.Name, d)
		}
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > maxElements {
			return 0, fmt.Errorf("tensor %q: dims %v are too large", t.Name, t.Dims)
		}
		n = lo
	}
	return int(n), nil
}

// Floats returns the data of a FLOAT, DOUBLE, FLOAT16 or BFLOAT16 tensor
// as float32.
func (t *Tensor) Floats() ([]float32, error) {
	n, err := t.Len()
	if err != nil {
		return nil, err
	}
	var typed int // length of the typed field that holds this type
	switch t.DataType {
	case Float:
		typed = len(t.FloatData)
	case Double:
		typed = len(t.DoubleData)
	case Float16, BFloat16:
		typed = len(t.Int32Data)
	default:
		return nil, fmt.Errorf("tensor %q: %s is not a floating-point type", t.Name, t.DataType)
	}
	if err := t.checkCount(n, typed); err != nil {
		return nil, err
	}
	vs := make([]float32, n)
	for i := range vs {
		if t.Raw != nil {
			vs[i] = t.rawFloat(i)
		} else {
			vs[i] = t.typedFloat(i)
		}
	}
	return vs, nil
}

// rawFloat reads element i of a floating-point tensor's raw data.
func (t *Tensor) rawFloat(i int) float32 {
	r := t.Raw
	switch t.DataType {
	case Float:
		return math.Float32frombits(binary.LittleEndian.Uint32(r[4*i:]))
	case Double:
		return float32(math.Float64frombits(binary.LittleEndian.Uint64(r[8*i:])))
	case Float16:
		return halfToFloat32(binary.LittleEndian.Uint16(r[2*i:]))
	default: // BFloat16
		return bfloat16ToFloat32(binary.LittleEndian.Uint16(r[2*i:]))
	}
}

// typedFloat reads element i of a floating-point tensor's typed field.
func (t *Tensor) typedFloat(i int) float32 {
	switch t.DataType {
	case Float:
		return t.FloatData[i]
	case Double:
		return float32(t.DoubleData[i])
	case Float16:
		return halfToFloat32(uint16(t.Int32Data[i]))
	default: // BFloat16
		return bfloat16ToFloat32(uint16(t.Int32Data[i]))
	}
}

// Int64s returns the data of an integer or BOOL tensor as int64.
func (t *Tensor) Int64s() ([]int64, error) {
	n, err := t.Len()
	if err != nil {
		return nil, err
	}
	var typed int // length of the typed field that holds this type
	switch t.DataType {
	case Int64:
		typed = len(t.Int64Data)
	case Int32, Int16, Int8, Uint16, Uint8, Bool:
		typed = len(t.Int32Data)
	case Uint32, Uint64:
		typed = len(t.Uint64Data)
	default:
		return nil, fmt.Errorf("tensor %q: %s is not an integer type", t.Name, t.DataType)
	}
	if err := t.checkCount(n, typed); err != nil {
		return nil, err
	}
	vs := make([]int64, n)
	for i := range vs {
		var v int64
		if t.Raw != nil {
			v, err = t.rawInt(i)
		} else {
			v, err = t.typedInt(i)
		}
		if err != nil {
			return nil, err
		}
		vs[i] = v
	}
	return vs, nil
}

// rawInt reads element i of an integer tensor's raw data.
func (t *Tensor) rawInt(i int) (int64, error) {
	r := t.Raw
	switch t.DataType {
	case Int64:
		return int64(binary.LittleEndian.Uint64(r[8*i:])), nil
	case Int32:
		return int64(int32(binary.LittleEndian.Uint32(r[4*i:]))), nil
	case Int16:
		return int64(int16(binary.LittleEndian.Uint16(r[2*i:]))), nil
	case Uint16:
		return int64(binary.LittleEndian.Uint16(r[2*i:])), nil
	case Int8:
		return int64(int8(r[i])), nil
	case Uint8, Bool:
		return int64(r[i]), nil
	case Uint32:
		return int64(binary.LittleEndian.Uint32(r[4*i:])), nil
	default: // Uint64
		return uintToInt(t.Name, binary.LittleEndian.Uint64(r[8*i:]))
	}
}

// typedInt reads element i of an integer tensor's typed field.
func (t *Tensor) typedInt(i int) (int64, error) {
	switch t.DataType {
	case Int64:
		return t.Int64Data[i], nil
	case Uint32, Uint64:
		return uintToInt(t.Name, t.Uint64Data[i])
	default:
		return int64(t.Int32Data[i]), nil
	}
}

func uintToInt(name string, v uint64) (int64, error) {
	if v > math.MaxInt64 {
		return 0, fmt.Errorf("tensor %q: value %d overflows int64", name, v)
	}
	return int64(v), nil
}

// checkCount checks that the data holds exactly n elements: raw_data
// when present, else the typed field of length typed. The element reads
// after it rely on this check.
func (t *Tensor) checkCount(n, typed int) error {
	if t.Raw == nil {
		if typed != n {
			return fmt.Errorf("tensor %q: %d values for %d elements", t.Name, typed, n)
		}
		return nil
	}
	size := t.DataType.Size()
	if size == 0 {
		return fmt.Errorf("tensor %q: raw data for type %s", t.Name, t.DataType)
	}
	if len(t.Raw) != n*size {
		return fmt.Errorf("tensor %q: %d bytes of raw data for %d %s elements", t.Name, len(t.Raw), n, t.DataType)
	}
	return nil
}

// halfToFloat32 converts IEEE 754 half-precision bits to float32.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	case frac == 0: // signed zero
		return math.Float32frombits(sign)
	default: // subnormal: frac × 2^-24
		v := float32(frac) / (1 << 24)
		if sign != 0 {
			v = -v
		}
		return v
	}
}

// bfloat16ToFloat32 converts bfloat16 bits (the top half of a float32).
func bfloat16ToFloat32(b uint16) float32 {
	return math.Float32frombits(uint32(b) << 16)
}
