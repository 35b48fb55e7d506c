package onnx

// AttrType is AttributeProto.AttributeType.
type AttrType int32

// The attribute types. Graph, tensor-list and sparse attributes are
// recognised but their values are not kept.
const (
	AttrUndefined     AttrType = 0
	AttrFloat         AttrType = 1
	AttrInt           AttrType = 2
	AttrString        AttrType = 3
	AttrTensor        AttrType = 4
	AttrGraph         AttrType = 5
	AttrFloats        AttrType = 6
	AttrInts          AttrType = 7
	AttrStrings       AttrType = 8
	AttrTensors       AttrType = 9
	AttrGraphs        AttrType = 10
	AttrSparseTensor  AttrType = 11
	AttrSparseTensors AttrType = 12
)

// Attr is one node attribute (AttributeProto). Type says which value
// field is in use.
type Attr struct {
	Name    string
	Type    AttrType
	F       float32
	I       int64
	S       string // bytes in the file; UTF-8 by convention
	T       *Tensor
	Floats  []float32
	Ints    []int64
	Strings []string
}

// Attrs are a node's attributes by name. The accessors return the
// default when the attribute is absent or holds another type, so a
// caller writes the operator's documented default once, at the call.
type Attrs map[string]Attr

// Has reports whether the attribute is present.
func (a Attrs) Has(name string) bool {
	_, ok := a[name]
	return ok
}

// Int returns an INT attribute.
func (a Attrs) Int(name string, def int64) int64 {
	if v, ok := a[name]; ok && v.Type == AttrInt {
		return v.I
	}
	return def
}

// Float returns a FLOAT attribute.
func (a Attrs) Float(name string, def float32) float32 {
	if v, ok := a[name]; ok && v.Type == AttrFloat {
		return v.F
	}
	return def
}

// String returns a STRING attribute.
func (a Attrs) String(name, def string) string {
	if v, ok := a[name]; ok && v.Type == AttrString {
		return v.S
	}
	return def
}

// Ints returns an INTS attribute.
func (a Attrs) Ints(name string, def []int64) []int64 {
	if v, ok := a[name]; ok && v.Type == AttrInts {
		return v.Ints
	}
	return def
}

// Floats returns a FLOATS attribute.
func (a Attrs) Floats(name string, def []float32) []float32 {
	if v, ok := a[name]; ok && v.Type == AttrFloats {
		return v.Floats
	}
	return def
}

// Strings returns a STRINGS attribute.
func (a Attrs) Strings(name string, def []string) []string {
	if v, ok := a[name]; ok && v.Type == AttrStrings {
		return v.Strings
	}
	return def
}

// Tensor returns a TENSOR attribute, or nil.
func (a Attrs) Tensor(name string) *Tensor {
	if v, ok := a[name]; ok && v.Type == AttrTensor {
		return v.T
	}
	return nil
}
