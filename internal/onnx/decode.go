package onnx

import (
	"errors"
	"fmt"
)

// ErrExternalData is returned for a tensor whose data lives outside the
// model file; dataplus only reads self-contained models.
var ErrExternalData = errors.New("tensor data stored outside the model file is not supported")

// Decode parses an ONNX model. Tensor raw data aliases data: do not
// change data while the model is in use.
func Decode(data []byte) (*Model, error) {
	m := &Model{Opsets: map[string]int64{}}
	graphs := 0
	err := walk(data, func(f field) error {
		var err error
		switch f.num {
		case modelIRVersion:
			m.IRVersion, err = f.int64()
		case modelProducer:
			m.Producer, err = f.string()
		case modelOpsetImport:
			var b []byte
			if b, err = f.bytes(); err == nil {
				err = decodeOpset(b, m.Opsets)
			}
		case modelGraph:
			// A repeated message field would merge; no real exporter
			// writes two, and AddOutputs could not splice them.
			if graphs++; graphs > 1 {
				return errors.New("more than one graph field")
			}
			var b []byte
			if b, err = f.bytes(); err == nil {
				err = decodeGraph(b, &m.Graph)
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("decode onnx model: %w", err)
	}
	if graphs == 0 {
		return nil, errors.New("decode onnx model: no graph")
	}
	return m, nil
}

func decodeOpset(b []byte, opsets map[string]int64) error {
	var domain string
	var version int64
	err := walk(b, func(f field) error {
		var err error
		switch f.num {
		case opsetDomain:
			domain, err = f.string()
		case opsetVersion:
			version, err = f.int64()
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("opset_import: %w", err)
	}
	if old, ok := opsets[domain]; !ok || version > old {
		opsets[domain] = version
	}
	return nil
}

func decodeGraph(b []byte, g *Graph) error {
	err := walk(b, func(f field) error {
		var err error
		switch f.num {
		case graphName:
			g.Name, err = f.string()
		case graphNode:
			var n Node
			if err := decodeMessage(f, &n, decodeNode); err != nil {
				return fmt.Errorf("node %d: %w", len(g.Nodes), err)
			}
			g.Nodes = append(g.Nodes, n)
		case graphInitializer:
			var t Tensor
			if err := decodeMessage(f, &t, decodeTensor); err != nil {
				return fmt.Errorf("initializer %d: %w", len(g.Initializers), err)
			}
			g.Initializers = append(g.Initializers, t)
		case graphInput, graphOutput, graphValueInfo:
			var v ValueInfo
			if err = decodeMessage(f, &v, decodeValueInfo); err != nil {
				return fmt.Errorf("value info: %w", err)
			}
			switch f.num {
			case graphInput:
				g.Inputs = append(g.Inputs, v)
			case graphOutput:
				g.Outputs = append(g.Outputs, v)
			default:
				g.ValueInfo = append(g.ValueInfo, v)
			}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("graph: %w", err)
	}
	return nil
}

// decodeMessage decodes a length-delimited field with fn.
func decodeMessage[T any](f field, dst *T, fn func([]byte, *T) error) error {
	b, err := f.bytes()
	if err != nil {
		return err
	}
	return fn(b, dst)
}

func decodeNode(b []byte, n *Node) error {
	return walk(b, func(f field) error {
		var err error
		var s string
		switch f.num {
		case nodeInput:
			if s, err = f.string(); err == nil {
				n.Inputs = append(n.Inputs, s)
			}
		case nodeOutput:
			if s, err = f.string(); err == nil {
				n.Outputs = append(n.Outputs, s)
			}
		case nodeName:
			n.Name, err = f.string()
		case nodeOpType:
			n.OpType, err = f.string()
		case nodeDomain:
			n.Domain, err = f.string()
		case nodeAttribute:
			var a Attr
			if err = decodeMessage(f, &a, decodeAttr); err != nil {
				return fmt.Errorf("node %q attribute: %w", n.Name, err)
			}
			if n.Attrs == nil {
				n.Attrs = Attrs{}
			}
			n.Attrs[a.Name] = a
		}
		return err
	})
}

func decodeAttr(b []byte, a *Attr) error {
	var hasF, hasI, hasS bool
	err := walk(b, func(f field) error {
		var err error
		var v int64
		switch f.num {
		case attrName:
			a.Name, err = f.string()
		case attrType:
			v, err = f.int64()
			a.Type = AttrType(v)
		case attrF:
			a.F, err = f.float32()
			hasF = true
		case attrI:
			a.I, err = f.int64()
			hasI = true
		case attrS:
			a.S, err = f.string()
			hasS = true
		case attrT:
			a.T = &Tensor{}
			err = decodeMessage(f, a.T, decodeTensor)
		case attrFloats:
			a.Floats, err = f.float32s(a.Floats)
		case attrInts:
			a.Ints, err = f.int64s(a.Ints)
		case attrStrings:
			var s string
			if s, err = f.string(); err == nil {
				a.Strings = append(a.Strings, s)
			}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("attribute %q: %w", a.Name, err)
	}
	if a.Type == AttrUndefined {
		// IR version 1 had no type field: infer it from the field in use.
		switch {
		case a.T != nil:
			a.Type = AttrTensor
		case a.Floats != nil:
			a.Type = AttrFloats
		case a.Ints != nil:
			a.Type = AttrInts
		case a.Strings != nil:
			a.Type = AttrStrings
		case hasS:
			a.Type = AttrString
		case hasI:
			a.Type = AttrInt
		case hasF:
			a.Type = AttrFloat
		}
	}
	return nil
}

func decodeTensor(b []byte, t *Tensor) error {
	err := walk(b, func(f field) error {
		var err error
		var v int64
		switch f.num {
		case tensorName:
			t.Name, err = f.string()
		case tensorDims:
			t.Dims, err = f.int64s(t.Dims)
		case tensorDataType:
			v, err = f.int64()
			t.DataType = DataType(int32(v))
		case tensorRawData:
			t.Raw, err = f.bytes()
		case tensorFloatData:
			t.FloatData, err = f.float32s(t.FloatData)
		case tensorInt32Data:
			t.Int32Data, err = f.int32s(t.Int32Data)
		case tensorInt64Data:
			t.Int64Data, err = f.int64s(t.Int64Data)
		case tensorDoubleData:
			t.DoubleData, err = f.float64s(t.DoubleData)
		case tensorUint64Data:
			t.Uint64Data, err = f.uint64s(t.Uint64Data)
		case tensorExternalData:
			err = ErrExternalData
		case tensorDataLocation:
			if v, err = f.int64(); err == nil && v != 0 {
				err = ErrExternalData
			}
		case tensorSegment:
			err = errors.New("segmented tensors are not supported")
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("tensor %q: %w", t.Name, err)
	}
	return nil
}

func decodeValueInfo(b []byte, v *ValueInfo) error {
	err := walk(b, func(f field) error {
		var err error
		switch f.num {
		case valueInfoName:
			v.Name, err = f.string()
		case valueInfoType:
			err = decodeMessage(f, v, decodeType)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("%q: %w", v.Name, err)
	}
	return nil
}

// decodeType reads TypeProto's tensor_type; sequence, map and optional
// types are left undefined.
func decodeType(b []byte, v *ValueInfo) error {
	return walk(b, func(f field) error {
		if f.num != typeTensorType {
			return nil
		}
		return decodeMessage(f, v, decodeTensorType)
	})
}

func decodeTensorType(b []byte, v *ValueInfo) error {
	return walk(b, func(f field) error {
		var err error
		var e int64
		switch f.num {
		case tensorTypeElemType:
			e, err = f.int64()
			v.ElemType = DataType(int32(e))
		case tensorTypeShape:
			if v.Shape == nil {
				v.Shape = []Dim{}
			}
			err = decodeMessage(f, v, decodeShape)
		}
		return err
	})
}

func decodeShape(b []byte, v *ValueInfo) error {
	return walk(b, func(f field) error {
		if f.num != shapeDim {
			return nil
		}
		var d Dim
		if err := decodeMessage(f, &d, decodeDim); err != nil {
			return fmt.Errorf("shape dim %d: %w", len(v.Shape), err)
		}
		v.Shape = append(v.Shape, d)
		return nil
	})
}

func decodeDim(b []byte, d *Dim) error {
	return walk(b, func(f field) error {
		var err error
		switch f.num {
		case dimValue:
			d.Value, err = f.int64()
		case dimParam:
			d.Param, err = f.string()
		}
		return err
	})
}
