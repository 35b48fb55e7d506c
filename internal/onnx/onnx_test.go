package onnx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// rawFloats packs float32 values as little-endian raw_data.
func rawFloats(vs ...float32) []byte {
	b := make([]byte, 0, 4*len(vs))
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// testModel is a small conv net, x → Conv → Relu → GlobalAveragePool,
// with one node carrying every attribute type Encode writes.
func testModel() *Model {
	return &Model{
		IRVersion: 8,
		Producer:  "dataplus-test",
		Opsets:    map[string]int64{"": 13, "com.example": 1},
		Graph: Graph{
			Name: "tiny",
			Nodes: []Node{
				{
					Name: "conv", OpType: "Conv",
					Inputs: []string{"x", "w", ""}, Outputs: []string{"y"},
					Attrs: Attrs{
						"kernel_shape": {Name: "kernel_shape", Type: AttrInts, Ints: []int64{1, 1}},
						"group":        {Name: "group", Type: AttrInt, I: 1},
						"auto_pad":     {Name: "auto_pad", Type: AttrString, S: "NOTSET"},
					},
				},
				{Name: "relu", OpType: "Relu", Inputs: []string{"y"}, Outputs: []string{"z"}},
				{Name: "pool", OpType: "GlobalAveragePool", Inputs: []string{"z"}, Outputs: []string{"p"}},
				{
					Name: "custom", OpType: "Everything", Domain: "com.example",
					Inputs: []string{"z", "p"}, Outputs: []string{"q"},
					Attrs: Attrs{
						"f":       {Name: "f", Type: AttrFloat, F: -0.25},
						"zero":    {Name: "zero", Type: AttrInt, I: 0},
						"neg":     {Name: "neg", Type: AttrInt, I: -3},
						"floats":  {Name: "floats", Type: AttrFloats, Floats: []float32{1.5, -2}},
						"strings": {Name: "strings", Type: AttrStrings, Strings: []string{"a", ""}},
						"t": {Name: "t", Type: AttrTensor, T: &Tensor{
							Name: "k", Dims: []int64{2}, DataType: Int64, Int64Data: []int64{-1, 7},
						}},
					},
				},
			},
			Initializers: []Tensor{
				{Name: "w", Dims: []int64{2, 1, 1, 1}, DataType: Float, Raw: rawFloats(0.5, -1)},
				{Name: "typed", Dims: []int64{2}, DataType: Float, FloatData: []float32{3, 4}},
				{Name: "d", Dims: []int64{1}, DataType: Double, DoubleData: []float64{2.5}},
				{Name: "i32", Dims: []int64{3}, DataType: Int32, Int32Data: []int32{-5, 0, 5}},
				{Name: "u64", Dims: []int64{1}, DataType: Uint64, Uint64Data: []uint64{9}},
				{Name: "scalar", DataType: Int64, Raw: binary.LittleEndian.AppendUint64(nil, 42)},
			},
			Inputs: []ValueInfo{{Name: "x", ElemType: Float, Shape: []Dim{{Param: "N"}, {Value: 1}, {Value: 4}, {}}}},
			Outputs: []ValueInfo{
				{Name: "p", ElemType: Float, Shape: []Dim{{Param: "N"}, {Value: 2}, {Value: 1}, {Value: 1}}},
				{Name: "q"},
			},
			ValueInfo: []ValueInfo{
				{Name: "z", ElemType: Float, Shape: []Dim{{Param: "N"}, {Value: 2}, {Value: 4}, {Value: 4}}},
				{Name: "y", ElemType: Float16, Shape: []Dim{}},
			},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	m := testModel()
	data, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("Decode(Encode(m)) differs:\ngot  %+v\nwant %+v", got, m)
	}
	again, err := Encode(got)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, data) {
		t.Error("Encode is not deterministic")
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		attr Attr
		key  string
	}{
		{"graph attribute", Attr{Name: "body", Type: AttrGraph}, "body"},
		{"tensor without value", Attr{Name: "t", Type: AttrTensor}, "t"},
		{"name mismatch", Attr{Name: "a", Type: AttrInt}, "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testModel()
			m.Graph.Nodes[0].Attrs[tt.key] = tt.attr
			if _, err := Encode(m); err == nil {
				t.Fatal("Encode succeeded")
			}
		})
	}
	if _, err := Encode(nil); err == nil {
		t.Error("Encode(nil) succeeded")
	}
}

func TestAttrs(t *testing.T) {
	m := testModel()
	conv, custom := m.Graph.Nodes[0].Attrs, m.Graph.Nodes[3].Attrs
	if got := conv.Int("group", 7); got != 1 {
		t.Errorf("Int(group) = %d", got)
	}
	if got := conv.Int("missing", 7); got != 7 {
		t.Errorf("Int(missing) = %d, want the default", got)
	}
	if got := conv.Int("auto_pad", 7); got != 7 {
		t.Errorf("Int of a string attribute = %d, want the default", got)
	}
	if got := conv.String("auto_pad", ""); got != "NOTSET" {
		t.Errorf("String(auto_pad) = %q", got)
	}
	if got := conv.Ints("kernel_shape", nil); !reflect.DeepEqual(got, []int64{1, 1}) {
		t.Errorf("Ints(kernel_shape) = %v", got)
	}
	if got := custom.Float("f", 1); got != -0.25 {
		t.Errorf("Float(f) = %v", got)
	}
	if got := custom.Floats("floats", nil); !reflect.DeepEqual(got, []float32{1.5, -2}) {
		t.Errorf("Floats = %v", got)
	}
	if got := custom.Strings("strings", nil); !reflect.DeepEqual(got, []string{"a", ""}) {
		t.Errorf("Strings = %v", got)
	}
	if tt := custom.Tensor("t"); tt == nil || tt.Name != "k" {
		t.Errorf("Tensor(t) = %v", tt)
	}
	if custom.Tensor("f") != nil || !custom.Has("zero") || custom.Has("nope") {
		t.Error("Tensor/Has disagree with the attributes")
	}
	var none Attrs // a node without attributes
	if none.Int("axis", -1) != -1 || none.Tensor("value") != nil {
		t.Error("nil Attrs do not give defaults")
	}
}

// TestAttrTypeInferred checks IR version 1 attributes, which have no type
// field: the type comes from the value field in use.
func TestAttrTypeInferred(t *testing.T) {
	var a []byte
	a = appendString(a, attrName, "axis")
	a = appendRepeatedInt(a, attrI, 2)
	var n []byte
	n = appendString(n, nodeOpType, "Concat")
	n = appendMessage(n, nodeAttribute, a)
	var g []byte
	g = appendMessage(g, graphNode, n)
	data := appendMessage(nil, modelGraph, g)
	m, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	attr := m.Graph.Nodes[0].Attrs["axis"]
	if attr.Type != AttrInt || m.Graph.Nodes[0].Attrs.Int("axis", 0) != 2 {
		t.Errorf("attribute = %+v", attr)
	}
}

func TestTensorData(t *testing.T) {
	half := []byte{0x00, 0x3c, 0x00, 0xc0, 0x00, 0x7c, 0x01, 0x00} // 1, -2, +Inf, smallest subnormal
	tests := []struct {
		name    string
		tensor  Tensor
		floats  []float32
		ints    []int64
		wantErr string
	}{
		{name: "raw float", tensor: Tensor{Dims: []int64{2}, DataType: Float, Raw: rawFloats(1, -2)}, floats: []float32{1, -2}},
		{name: "typed float", tensor: Tensor{Dims: []int64{1, 2}, DataType: Float, FloatData: []float32{3, 4}}, floats: []float32{3, 4}},
		{name: "raw double", tensor: Tensor{Dims: []int64{1}, DataType: Double, Raw: binary.LittleEndian.AppendUint64(nil, math.Float64bits(0.5))}, floats: []float32{0.5}},
		{name: "typed double", tensor: Tensor{Dims: []int64{1}, DataType: Double, DoubleData: []float64{-8}}, floats: []float32{-8}},
		{name: "raw float16", tensor: Tensor{Dims: []int64{4}, DataType: Float16, Raw: half}, floats: []float32{1, -2, float32(math.Inf(1)), 1.0 / (1 << 24)}},
		{name: "typed float16", tensor: Tensor{Dims: []int64{1}, DataType: Float16, Int32Data: []int32{0x3800}}, floats: []float32{0.5}},
		{name: "raw bfloat16", tensor: Tensor{Dims: []int64{1}, DataType: BFloat16, Raw: []byte{0x80, 0x3f}}, floats: []float32{1}},
		{name: "empty", tensor: Tensor{Dims: []int64{0, 3}, DataType: Float, Raw: []byte{}}, floats: []float32{}},
		{name: "raw int64", tensor: Tensor{Dims: []int64{2}, DataType: Int64, Raw: binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, 5), math.MaxUint64)}, ints: []int64{5, -1}},
		{name: "typed int64", tensor: Tensor{DataType: Int64, Int64Data: []int64{-9}}, ints: []int64{-9}},
		{name: "raw int32", tensor: Tensor{Dims: []int64{1}, DataType: Int32, Raw: []byte{0xfe, 0xff, 0xff, 0xff}}, ints: []int64{-2}},
		{name: "raw int8", tensor: Tensor{Dims: []int64{2}, DataType: Int8, Raw: []byte{0xff, 0x7f}}, ints: []int64{-1, 127}},
		{name: "raw uint8", tensor: Tensor{Dims: []int64{1}, DataType: Uint8, Raw: []byte{0xff}}, ints: []int64{255}},
		{name: "raw bool", tensor: Tensor{Dims: []int64{2}, DataType: Bool, Raw: []byte{1, 0}}, ints: []int64{1, 0}},
		{name: "raw int16", tensor: Tensor{Dims: []int64{1}, DataType: Int16, Raw: []byte{0x00, 0x80}}, ints: []int64{-32768}},
		{name: "raw uint16", tensor: Tensor{Dims: []int64{1}, DataType: Uint16, Raw: []byte{0x00, 0x80}}, ints: []int64{32768}},
		{name: "raw uint32", tensor: Tensor{Dims: []int64{1}, DataType: Uint32, Raw: []byte{0xff, 0xff, 0xff, 0xff}}, ints: []int64{math.MaxUint32}},
		{name: "typed int32", tensor: Tensor{Dims: []int64{2}, DataType: Int32, Int32Data: []int32{-1, 2}}, ints: []int64{-1, 2}},
		{name: "typed uint64", tensor: Tensor{Dims: []int64{1}, DataType: Uint64, Uint64Data: []uint64{3}}, ints: []int64{3}},
		{name: "uint64 overflow", tensor: Tensor{Dims: []int64{1}, DataType: Uint64, Uint64Data: []uint64{math.MaxUint64}}, wantErr: "overflows"},
		{name: "raw too short", tensor: Tensor{Dims: []int64{3}, DataType: Float, Raw: rawFloats(1, 2)}, wantErr: "8 bytes of raw data for 3"},
		{name: "typed too long", tensor: Tensor{Dims: []int64{1}, DataType: Int64, Int64Data: []int64{1, 2}}, wantErr: "2 values for 1"},
		{name: "no data", tensor: Tensor{Dims: []int64{4}, DataType: Float}, wantErr: "0 values for 4"},
		{name: "negative dim", tensor: Tensor{Dims: []int64{-1}, DataType: Float}, wantErr: "negative dim"},
		{name: "huge dims", tensor: Tensor{Dims: []int64{1 << 40, 1 << 40}, DataType: Float}, wantErr: "too large"},
		{name: "string tensor", tensor: Tensor{DataType: String}, wantErr: "not a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got any
			var err error
			switch tt.tensor.DataType {
			case Float, Double, Float16, BFloat16, String:
				got, err = tt.tensor.Floats()
			default:
				got, err = tt.tensor.Int64s()
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var want any = tt.floats
			if tt.ints != nil {
				want = tt.ints
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
	// The wrong accessor for the type is an error, not a conversion.
	if _, err := (&Tensor{DataType: Int64, Int64Data: []int64{1}}).Floats(); err == nil {
		t.Error("Floats of an int64 tensor succeeded")
	}
	if _, err := (&Tensor{DataType: Float, FloatData: []float32{1}}).Int64s(); err == nil {
		t.Error("Int64s of a float tensor succeeded")
	}
}

// TestDecodePacking checks that repeated scalars are read both packed and
// one value per field, as protobuf parsers must.
func TestDecodePacking(t *testing.T) {
	var tensor []byte
	// dims packed, float_data unpacked: the opposite of what Encode writes.
	tensor = appendMessage(tensor, tensorDims, protowire.AppendVarint(protowire.AppendVarint(nil, 1), 2))
	tensor = appendInt(tensor, tensorDataType, int64(Float))
	for _, v := range []float32{1.5, 2.5} {
		tensor = protowire.AppendTag(tensor, tensorFloatData, protowire.Fixed32Type)
		tensor = protowire.AppendFixed32(tensor, math.Float32bits(v))
	}
	tensor = appendString(tensor, tensorName, "w")
	g := appendMessage(nil, graphInitializer, tensor)
	m, err := Decode(appendMessage(nil, modelGraph, g))
	if err != nil {
		t.Fatal(err)
	}
	w := m.Graph.Initializers[0]
	vs, err := w.Floats()
	if err != nil || !reflect.DeepEqual(w.Dims, []int64{1, 2}) || !reflect.DeepEqual(vs, []float32{1.5, 2.5}) {
		t.Errorf("tensor %+v, floats %v, err %v", w, vs, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	valid, err := Encode(testModel())
	if err != nil {
		t.Fatal(err)
	}
	graphWith := func(tensor []byte) []byte {
		return appendMessage(nil, modelGraph, appendMessage(nil, graphInitializer, tensor))
	}
	external := appendString(nil, tensorName, "w")
	external = appendMessage(external, tensorExternalData, appendString(nil, 1, "location"))
	location := appendString(nil, tensorName, "w")
	location = appendInt(location, tensorDataLocation, 1)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "no graph"},
		{"truncated", valid[:len(valid)-3], "unexpected EOF"},
		{"two graphs", append(append([]byte{}, valid...), appendMessage(nil, modelGraph, nil)...), "more than one graph"},
		{"wrong wire type", protowire.AppendVarint(protowire.AppendTag(nil, modelGraph, protowire.VarintType), 1), "wire type"},
		{"bad packed floats", graphWith(appendMessage(nil, tensorFloatData, []byte{1, 2, 3})), "multiple of 4"},
		{"external data", graphWith(external), "outside the model file"},
		{"data location", graphWith(location), "outside the model file"},
		{"field number 0", []byte{0x00}, "invalid field number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	_, err = Decode(graphWith(external))
	if !errors.Is(err, ErrExternalData) {
		t.Errorf("external data error %v is not ErrExternalData", err)
	}
}

// TestDecodeSkipsUnknown checks that fields Decode does not keep (doc
// strings, metadata, sub-graphs, future fields, groups) are skipped.
func TestDecodeSkipsUnknown(t *testing.T) {
	m := testModel()
	data, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	// A node with a graph attribute (an If's branch) and a doc string.
	sub := appendString(nil, graphName, "then")
	attr := appendString(nil, attrName, "then_branch")
	attr = appendMessage(attr, 6, sub) // AttributeProto.g
	attr = appendInt(attr, attrType, int64(AttrGraph))
	node := appendString(nil, nodeOpType, "If")
	node = appendMessage(node, nodeAttribute, attr)
	node = appendString(node, 6, "docs") // NodeProto.doc_string
	extraGraph := appendMessage(nil, graphNode, node)
	extraGraph = appendString(extraGraph, 10, "graph docs") // GraphProto.doc_string

	var extra []byte
	extra = appendString(extra, 6, "model docs")                // ModelProto.doc_string
	extra = appendMessage(extra, 14, appendString(nil, 1, "k")) // metadata_props
	extra = protowire.AppendTag(extra, 99, protowire.StartGroupType)
	extra = protowire.AppendTag(extra, 99, protowire.EndGroupType)
	extra = appendRepeatedInt(extra, 1000, 5)
	extra = protowire.AppendTag(extra, 1001, protowire.Fixed64Type)
	extra = protowire.AppendFixed64(extra, 7)

	start, end, graph, err := graphField(data)
	if err != nil {
		t.Fatal(err)
	}
	var mixed []byte
	mixed = append(mixed, extra...)
	mixed = append(mixed, data[:start]...)
	mixed = appendMessage(mixed, modelGraph, append(append([]byte{}, graph...), extraGraph...))
	mixed = append(mixed, data[end:]...)
	got, err := Decode(mixed)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got.Graph.Nodes); n != len(m.Graph.Nodes)+1 {
		t.Fatalf("%d nodes", n)
	}
	ifNode := got.Graph.Nodes[len(got.Graph.Nodes)-1]
	if ifNode.OpType != "If" || ifNode.Attrs["then_branch"].Type != AttrGraph {
		t.Errorf("If node = %+v", ifNode)
	}
	got.Graph.Nodes = got.Graph.Nodes[:len(m.Graph.Nodes)]
	if !reflect.DeepEqual(got, m) {
		t.Error("unknown fields changed the decoded model")
	}
}

func TestProducerConsumers(t *testing.T) {
	g := &testModel().Graph
	n, ok := g.Producer("z")
	if !ok || n.Name != "relu" {
		t.Errorf("Producer(z) = %v, %v", n, ok)
	}
	if _, ok := g.Producer("x"); ok {
		t.Error("a graph input has a producer")
	}
	if _, ok := g.Producer(""); ok {
		t.Error("the empty name has a producer")
	}
	var names []string
	for _, c := range g.Consumers("z") {
		names = append(names, c.Name)
	}
	if !reflect.DeepEqual(names, []string{"pool", "custom"}) {
		t.Errorf("Consumers(z) = %v", names)
	}
	if c := g.Consumers(""); c != nil {
		t.Errorf("Consumers of the omitted input = %v", c)
	}
	if w, ok := g.Constant("w"); !ok || w.Name != "w" {
		t.Error("Constant(w) did not find the initializer")
	}
	if _, ok := g.Constant("z"); ok {
		t.Error("Constant(z) found a computed value")
	}
}

func TestAddOutputs(t *testing.T) {
	m := testModel()
	data, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		names []string
		added []ValueInfo
	}{
		{"typed by value_info", []string{"z"}, []ValueInfo{m.Graph.ValueInfo[0]}},
		{"scalar typed by value_info", []string{"y"}, []ValueInfo{{Name: "y", ElemType: Float16, Shape: []Dim{}}}},
		{"initializer", []string{"w"}, []ValueInfo{{Name: "w", ElemType: Float, Shape: []Dim{{Value: 2}, {Value: 1}, {Value: 1}, {Value: 1}}}}},
		{"already an output", []string{"p"}, nil},
		{"several, deduplicated", []string{"z", "p", "z", "w"}, []ValueInfo{
			m.Graph.ValueInfo[0],
			{Name: "w", ElemType: Float, Shape: []Dim{{Value: 2}, {Value: 1}, {Value: 1}, {Value: 1}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := AddOutputs(data, tt.names...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(out)
			if err != nil {
				t.Fatal(err)
			}
			want := testModel()
			want.Graph.Outputs = append(want.Graph.Outputs, tt.added...)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("outputs = %v, want %v", got.Graph.Outputs, want.Graph.Outputs)
			}
			checkSpliced(t, data, out)
		})
	}

	// A node output without value_info gets float32 and no shape.
	noInfo := testModel()
	noInfo.Graph.ValueInfo = nil
	data2, err := Encode(noInfo)
	if err != nil {
		t.Fatal(err)
	}
	out, err := AddOutputs(data2, "z")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	if last := got.Graph.Outputs[len(got.Graph.Outputs)-1]; !reflect.DeepEqual(last, ValueInfo{Name: "z", ElemType: Float}) {
		t.Errorf("added output = %+v", last)
	}

	for _, bad := range [][]string{{"x"}, {"nope"}, {"z", ""}} {
		if _, err := AddOutputs(data, bad...); err == nil || !strings.Contains(err.Error(), "not produced") {
			t.Errorf("AddOutputs(%q) err = %v", bad, err)
		}
	}
	if _, err := AddOutputs(data[:len(data)/2], "z"); err == nil {
		t.Error("AddOutputs of a truncated model succeeded")
	}
}

// checkSpliced checks that AddOutputs changed nothing but the graph
// field: the bytes before it and after it are the same, and the old
// graph is a prefix of the new one.
func checkSpliced(t *testing.T, before, after []byte) {
	t.Helper()
	s1, e1, g1, err := graphField(before)
	if err != nil {
		t.Fatal(err)
	}
	s2, e2, g2, err := graphField(after)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before[:s1], after[:s2]) || !bytes.Equal(before[e1:], after[e2:]) {
		t.Error("bytes outside the graph field changed")
	}
	if !bytes.HasPrefix(g2, g1) {
		t.Error("the graph's existing bytes changed")
	}
}

func TestSummary(t *testing.T) {
	s := Summary(testModel())
	for _, want := range []string{
		`ir_version 8, producer "dataplus-test"`,
		"opsets: ai.onnx 13 com.example 1",
		`graph "tiny": 4 nodes, 6 initializers, 10 constant values`,
		"inputs:\n  x float32 [N,1,4,?]\n",
		"outputs:\n  p float32 [N,2,1,1]\n  q undefined\n",
		"ops (4 kinds):",
		"com.example.Everything",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
}

// TestConstructors reads back what FloatTensor, Int64Tensor and the
// attribute constructors make, after a round trip through the encoder;
// an empty tensor keeps its (empty) raw_data.
func TestConstructors(t *testing.T) {
	m := &Model{IRVersion: 8, Opsets: map[string]int64{"": 13}, Graph: Graph{
		Nodes: []Node{{OpType: "Foo", Inputs: []string{"f"}, Outputs: []string{"y"}, Attrs: Attrs{
			"i": IntAttr("i", -3), "is": IntsAttr("is", 1, 2), "f": FloatAttr("f", 0.5),
			"fs": FloatsAttr("fs", 1.5, -2), "s": StringAttr("s", "mode"),
		}}},
		Initializers: []Tensor{
			FloatTensor("f", []int64{2}, 0.25, -4),
			Int64Tensor("i", []int64{3}, -1, 0, 1<<40),
			Int64Tensor("empty", []int64{0}),
		},
		Outputs: []ValueInfo{{Name: "y"}},
	}}
	data, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	a := got.Graph.Nodes[0].Attrs
	if a.Int("i", 0) != -3 || !reflect.DeepEqual(a.Ints("is", nil), []int64{1, 2}) || a.Float("f", 0) != 0.5 ||
		!reflect.DeepEqual(a.Floats("fs", nil), []float32{1.5, -2}) || a.String("s", "") != "mode" {
		t.Errorf("attributes %+v", a)
	}
	fs, err := got.Graph.Initializers[0].Floats()
	if err != nil || !reflect.DeepEqual(fs, []float32{0.25, -4}) {
		t.Errorf("float tensor %v, %v", fs, err)
	}
	is, err := got.Graph.Initializers[1].Int64s()
	if err != nil || !reflect.DeepEqual(is, []int64{-1, 0, 1 << 40}) {
		t.Errorf("int64 tensor %v, %v", is, err)
	}
	if e := got.Graph.Initializers[2]; e.Raw == nil || len(e.Raw) != 0 {
		t.Errorf("empty tensor raw %v", e.Raw)
	}
}
