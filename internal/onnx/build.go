package onnx

import (
	"encoding/binary"
	"math"
)

// Constructors for the tensors and attributes of models built in code
// (the conformance suite's single-op models, tests). Tensor data goes in
// Raw, as exporters write it; Raw is never nil, so an empty tensor still
// has its raw_data field.

// FloatTensor is a float32 tensor.
func FloatTensor(name string, dims []int64, vs ...float32) Tensor {
	raw := make([]byte, 0, 4*len(vs))
	for _, v := range vs {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
	}
	return Tensor{Name: name, Dims: dims, DataType: Float, Raw: raw}
}

// Int64Tensor is an int64 tensor.
func Int64Tensor(name string, dims []int64, vs ...int64) Tensor {
	raw := make([]byte, 0, 8*len(vs))
	for _, v := range vs {
		raw = binary.LittleEndian.AppendUint64(raw, uint64(v))
	}
	return Tensor{Name: name, Dims: dims, DataType: Int64, Raw: raw}
}

// IntAttr is an INT attribute.
func IntAttr(name string, v int64) Attr { return Attr{Name: name, Type: AttrInt, I: v} }

// IntsAttr is an INTS attribute.
func IntsAttr(name string, vs ...int64) Attr { return Attr{Name: name, Type: AttrInts, Ints: vs} }

// FloatAttr is a FLOAT attribute.
func FloatAttr(name string, v float32) Attr { return Attr{Name: name, Type: AttrFloat, F: v} }

// FloatsAttr is a FLOATS attribute.
func FloatsAttr(name string, vs ...float32) Attr {
	return Attr{Name: name, Type: AttrFloats, Floats: vs}
}

// StringAttr is a STRING attribute.
func StringAttr(name, v string) Attr { return Attr{Name: name, Type: AttrString, S: v} }
