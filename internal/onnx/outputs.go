package onnx

import (
	"bytes"
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// AddOutputs returns the model with each named value appended to the
// graph's outputs, so that a runtime returns it: this is how dataplus
// exposes an inner tensor (a backbone activation, a pooled feature) as an
// embedding. A name must be a node output or an initializer; names that
// are already outputs are left alone. The new output's type comes from
// the graph's value_info (or the initializer) when known, else it is
// float32 with no shape.
//
// Only the graph field changes, by appending output entries at its end;
// every other byte of the file stays as it was.
func AddOutputs(model []byte, names ...string) ([]byte, error) {
	m, err := Decode(model)
	if err != nil {
		return nil, fmt.Errorf("add outputs: %w", err)
	}
	g := &m.Graph
	have := make(map[string]bool, len(g.Outputs)+len(names))
	for _, o := range g.Outputs {
		have[o.Name] = true
	}
	var extra []byte
	for _, name := range names {
		if have[name] {
			continue
		}
		v, err := outputInfo(g, name)
		if err != nil {
			return nil, fmt.Errorf("add output %q: %w", name, err)
		}
		extra = appendMessage(extra, graphOutput, appendValueInfo(nil, v))
		have[name] = true
	}
	if len(extra) == 0 {
		return bytes.Clone(model), nil
	}
	start, end, graph, err := graphField(model)
	if err != nil {
		return nil, fmt.Errorf("add outputs: %w", err)
	}
	out := make([]byte, 0, len(model)+len(extra)+protowire.SizeVarint(uint64(len(extra))))
	out = append(out, model[:start]...)
	out = protowire.AppendTag(out, modelGraph, protowire.BytesType)
	out = protowire.AppendVarint(out, uint64(len(graph)+len(extra)))
	out = append(out, graph...)
	out = append(out, extra...)
	out = append(out, model[end:]...)
	return out, nil
}

// outputInfo describes a value about to become a graph output.
func outputInfo(g *Graph, name string) (ValueInfo, error) {
	if _, ok := g.Producer(name); ok {
		for _, v := range g.ValueInfo {
			if v.Name == name && v.ElemType != Undefined {
				return v, nil
			}
		}
		return ValueInfo{Name: name, ElemType: Float}, nil
	}
	if t, ok := g.Initializer(name); ok {
		v := ValueInfo{Name: name, ElemType: t.DataType, Shape: []Dim{}}
		for _, d := range t.Dims {
			v.Shape = append(v.Shape, Dim{Value: d})
		}
		return v, nil
	}
	return ValueInfo{}, errors.New("not produced by any node or initializer")
}

// graphField finds the model's graph field: the byte span of the whole
// field (tag, length and value) and the graph message inside it.
func graphField(model []byte) (start, end int, graph []byte, err error) {
	found := false
	for off := 0; off < len(model); {
		num, typ, n := protowire.ConsumeTag(model[off:])
		if n < 0 {
			return 0, 0, nil, fmt.Errorf("read tag: %w", protowire.ParseError(n))
		}
		m := protowire.ConsumeFieldValue(num, typ, model[off+n:])
		if m < 0 {
			return 0, 0, nil, fmt.Errorf("read field %d: %w", num, protowire.ParseError(m))
		}
		if num == modelGraph && typ == protowire.BytesType {
			if found {
				return 0, 0, nil, errors.New("more than one graph field")
			}
			found = true
			start, end = off, off+n+m
			graph, _ = protowire.ConsumeBytes(model[off+n:])
		}
		off += n + m
	}
	if !found {
		return 0, 0, nil, errors.New("no graph")
	}
	return start, end, graph, nil
}
