package onnx

import "fmt"

// Model is an ONNX ModelProto: the parts dataplus reads.
type Model struct {
	IRVersion int64
	Producer  string           // producer_name
	Opsets    map[string]int64 // operator set version by domain; "" is the default ONNX domain
	Graph     Graph
}

// Graph is the model's main GraphProto. Nodes are in topological order.
type Graph struct {
	Name         string
	Nodes        []Node
	Initializers []Tensor
	Inputs       []ValueInfo
	Outputs      []ValueInfo
	ValueInfo    []ValueInfo
}

// Node is one operator application (NodeProto).
type Node struct {
	Name    string
	OpType  string
	Domain  string
	Inputs  []string // "" marks an omitted optional input
	Outputs []string
	Attrs   Attrs
}

// ValueInfo names a value and its tensor type (ValueInfoProto with a
// TypeProto.tensor_type). ElemType is Undefined and Shape nil when the
// file does not say, or when the value is not a tensor.
type ValueInfo struct {
	Name     string
	ElemType DataType
	Shape    []Dim
}

// Dim is one dimension of a shape: a fixed Value, or a symbolic Param
// (both zero when the dimension is unknown).
type Dim struct {
	Value int64
	Param string
}

// String formats the dimension as its value, its parameter name, or "?".
func (d Dim) String() string {
	switch {
	case d.Param != "":
		return d.Param
	case d.Value > 0:
		return fmt.Sprint(d.Value)
	default:
		return "?"
	}
}

// DataType is TensorProto.DataType.
type DataType int32

// The ONNX tensor element types.
const (
	Undefined  DataType = 0
	Float      DataType = 1
	Uint8      DataType = 2
	Int8       DataType = 3
	Uint16     DataType = 4
	Int16      DataType = 5
	Int32      DataType = 6
	Int64      DataType = 7
	String     DataType = 8
	Bool       DataType = 9
	Float16    DataType = 10
	Double     DataType = 11
	Uint32     DataType = 12
	Uint64     DataType = 13
	Complex64  DataType = 14
	Complex128 DataType = 15
	BFloat16   DataType = 16
)

var dataTypeNames = map[DataType]string{
	Undefined: "undefined", Float: "float32", Uint8: "uint8", Int8: "int8",
	Uint16: "uint16", Int16: "int16", Int32: "int32", Int64: "int64",
	String: "string", Bool: "bool", Float16: "float16", Double: "float64",
	Uint32: "uint32", Uint64: "uint64", Complex64: "complex64",
	Complex128: "complex128", BFloat16: "bfloat16",
}

// String returns the Go-style name of the type ("float32"), or
// "type(N)" for a value this package does not know.
func (t DataType) String() string {
	if s, ok := dataTypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("type(%d)", int32(t))
}

// Size returns the bytes per element in raw_data, or 0 for types without
// a fixed width (string, undefined, unknown).
func (t DataType) Size() int {
	switch t {
	case Uint8, Int8, Bool:
		return 1
	case Uint16, Int16, Float16, BFloat16:
		return 2
	case Float, Int32, Uint32:
		return 4
	case Int64, Uint64, Double, Complex64:
		return 8
	case Complex128:
		return 16
	default:
		return 0
	}
}

// Producer returns the node that outputs name, if any.
func (g *Graph) Producer(name string) (*Node, bool) {
	if name == "" {
		return nil, false
	}
	for i := range g.Nodes {
		for _, out := range g.Nodes[i].Outputs {
			if out == name {
				return &g.Nodes[i], true
			}
		}
	}
	return nil, false
}

// Consumers returns the nodes that take name as an input, in graph order,
// each once.
func (g *Graph) Consumers(name string) []*Node {
	if name == "" {
		return nil
	}
	var nodes []*Node
	for i := range g.Nodes {
		for _, in := range g.Nodes[i].Inputs {
			if in == name {
				nodes = append(nodes, &g.Nodes[i])
				break
			}
		}
	}
	return nodes
}

// Initializer returns the initializer called name, if any.
func (g *Graph) Initializer(name string) (*Tensor, bool) {
	for i := range g.Initializers {
		if g.Initializers[i].Name == name {
			return &g.Initializers[i], true
		}
	}
	return nil, false
}

// Constant returns the value of a constant tensor: an initializer, or the
// value attribute of a Constant node (exporters such as paddle2onnx store
// every weight that way).
func (g *Graph) Constant(name string) (*Tensor, bool) {
	if t, ok := g.Initializer(name); ok {
		return t, true
	}
	n, ok := g.Producer(name)
	if !ok || n.OpType != "Constant" || (n.Domain != "" && n.Domain != "ai.onnx") {
		return nil, false
	}
	t := n.Attrs.Tensor("value")
	return t, t != nil
}
