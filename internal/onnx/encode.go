package onnx

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"google.golang.org/protobuf/encoding/protowire"
)

// Encode writes m as an ONNX model file: the fields Model holds and
// nothing else. Repeated scalars are written the way onnx.proto declares
// them (tensor data packed, dims and attribute lists not). Attributes are
// written in name order. Graph and sparse attributes cannot be written,
// since Decode does not keep their values.
func Encode(m *Model) ([]byte, error) {
	if m == nil {
		return nil, errors.New("encode onnx model: nil model")
	}
	var b []byte
	if m.IRVersion != 0 {
		b = appendInt(b, modelIRVersion, m.IRVersion)
	}
	b = appendString(b, modelProducer, m.Producer)
	graph, err := appendGraph(nil, &m.Graph)
	if err != nil {
		return nil, fmt.Errorf("encode onnx model: %w", err)
	}
	b = appendMessage(b, modelGraph, graph)
	domains := make([]string, 0, len(m.Opsets))
	for d := range m.Opsets {
		domains = append(domains, d)
	}
	sort.Strings(domains)
	for _, d := range domains {
		var op []byte
		if d != "" {
			op = appendString(op, opsetDomain, d)
		}
		op = appendInt(op, opsetVersion, m.Opsets[d])
		b = appendMessage(b, modelOpsetImport, op)
	}
	return b, nil
}

func appendGraph(b []byte, g *Graph) ([]byte, error) {
	for i := range g.Nodes {
		node, err := appendNode(nil, &g.Nodes[i])
		if err != nil {
			return nil, fmt.Errorf("node %d (%s): %w", i, g.Nodes[i].Name, err)
		}
		b = appendMessage(b, graphNode, node)
	}
	b = appendString(b, graphName, g.Name)
	for i := range g.Initializers {
		b = appendMessage(b, graphInitializer, appendTensor(nil, &g.Initializers[i]))
	}
	for _, list := range []struct {
		num    protowire.Number
		values []ValueInfo
	}{{graphInput, g.Inputs}, {graphOutput, g.Outputs}, {graphValueInfo, g.ValueInfo}} {
		for _, v := range list.values {
			b = appendMessage(b, list.num, appendValueInfo(nil, v))
		}
	}
	return b, nil
}

func appendNode(b []byte, n *Node) ([]byte, error) {
	for _, in := range n.Inputs {
		b = appendRepeatedString(b, nodeInput, in)
	}
	for _, out := range n.Outputs {
		b = appendRepeatedString(b, nodeOutput, out)
	}
	b = appendString(b, nodeName, n.Name)
	b = appendString(b, nodeOpType, n.OpType)
	names := make([]string, 0, len(n.Attrs))
	for name := range n.Attrs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		a := n.Attrs[name]
		if a.Name != name {
			return nil, fmt.Errorf("attribute %q stored under %q", a.Name, name)
		}
		attr, err := appendAttr(nil, &a)
		if err != nil {
			return nil, err
		}
		b = appendMessage(b, nodeAttribute, attr)
	}
	b = appendString(b, nodeDomain, n.Domain)
	return b, nil
}

func appendAttr(b []byte, a *Attr) ([]byte, error) {
	b = appendString(b, attrName, a.Name)
	switch a.Type {
	case AttrFloat:
		b = protowire.AppendTag(b, attrF, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(a.F))
	case AttrInt:
		b = appendRepeatedInt(b, attrI, a.I)
	case AttrString:
		b = appendRepeatedString(b, attrS, a.S)
	case AttrTensor:
		if a.T == nil {
			return nil, fmt.Errorf("attribute %q: tensor type without a tensor", a.Name)
		}
		b = appendMessage(b, attrT, appendTensor(nil, a.T))
	case AttrFloats:
		for _, v := range a.Floats {
			b = protowire.AppendTag(b, attrFloats, protowire.Fixed32Type)
			b = protowire.AppendFixed32(b, math.Float32bits(v))
		}
	case AttrInts:
		for _, v := range a.Ints {
			b = appendRepeatedInt(b, attrInts, v)
		}
	case AttrStrings:
		for _, s := range a.Strings {
			b = appendRepeatedString(b, attrStrings, s)
		}
	default:
		return nil, fmt.Errorf("attribute %q: cannot encode type %d", a.Name, a.Type)
	}
	return appendInt(b, attrType, int64(a.Type)), nil
}

func appendTensor(b []byte, t *Tensor) []byte {
	for _, d := range t.Dims {
		b = appendRepeatedInt(b, tensorDims, d)
	}
	if t.DataType != Undefined {
		b = appendInt(b, tensorDataType, int64(t.DataType))
	}
	if len(t.FloatData) > 0 {
		var p []byte
		for _, v := range t.FloatData {
			p = protowire.AppendFixed32(p, math.Float32bits(v))
		}
		b = appendMessage(b, tensorFloatData, p)
	}
	if len(t.Int32Data) > 0 {
		var p []byte
		for _, v := range t.Int32Data {
			p = protowire.AppendVarint(p, uint64(int64(v)))
		}
		b = appendMessage(b, tensorInt32Data, p)
	}
	if len(t.Int64Data) > 0 {
		var p []byte
		for _, v := range t.Int64Data {
			p = protowire.AppendVarint(p, uint64(v))
		}
		b = appendMessage(b, tensorInt64Data, p)
	}
	b = appendString(b, tensorName, t.Name)
	if t.Raw != nil {
		b = appendMessage(b, tensorRawData, t.Raw)
	}
	if len(t.DoubleData) > 0 {
		var p []byte
		for _, v := range t.DoubleData {
			p = protowire.AppendFixed64(p, math.Float64bits(v))
		}
		b = appendMessage(b, tensorDoubleData, p)
	}
	if len(t.Uint64Data) > 0 {
		var p []byte
		for _, v := range t.Uint64Data {
			p = protowire.AppendVarint(p, v)
		}
		b = appendMessage(b, tensorUint64Data, p)
	}
	return b
}

// appendValueInfo writes a ValueInfoProto; the type is written when
// anything about it is known.
func appendValueInfo(b []byte, v ValueInfo) []byte {
	b = appendRepeatedString(b, valueInfoName, v.Name)
	if v.ElemType == Undefined && v.Shape == nil {
		return b
	}
	var tt []byte
	if v.ElemType != Undefined {
		tt = appendInt(tt, tensorTypeElemType, int64(v.ElemType))
	}
	if v.Shape != nil {
		var shape []byte
		for _, d := range v.Shape {
			var dim []byte
			if d.Param != "" {
				dim = appendString(dim, dimParam, d.Param)
			} else if d.Value != 0 {
				dim = appendInt(dim, dimValue, d.Value)
			}
			shape = appendMessage(shape, shapeDim, dim)
		}
		tt = appendMessage(tt, tensorTypeShape, shape)
	}
	typ := appendMessage(nil, typeTensorType, tt)
	return appendMessage(b, valueInfoType, typ)
}

// appendInt writes a singular integer field; zero, the proto3 default,
// is left out.
func appendInt(b []byte, num protowire.Number, v int64) []byte {
	if v == 0 {
		return b
	}
	return appendRepeatedInt(b, num, v)
}

// appendRepeatedInt writes an integer field even when it is zero.
func appendRepeatedInt(b []byte, num protowire.Number, v int64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

// appendString writes a singular string field; "" is left out.
func appendString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	return appendRepeatedString(b, num, s)
}

// appendRepeatedString writes a string field even when it is empty: an
// empty node input marks an omitted optional input.
func appendRepeatedString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

// appendMessage writes a length-delimited field.
func appendMessage(b []byte, num protowire.Number, msg []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, msg)
}
