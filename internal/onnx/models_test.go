package onnx

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"dataplus/internal/assets"
	"dataplus/internal/assets/assetstest"
)

// readModel reads a bundled model from the assets directory. Tests skip
// when it is not installed, unless DATAPLUS_REQUIRE_MODELS=1 (CI after
// make setup), where a missing model fails.
func readModel(t *testing.T, name string) []byte {
	t.Helper()
	dir, _ := assets.Dir("")
	path := filepath.Join(dir, name)
	data, err := os.ReadFile(path)
	if err != nil {
		assetstest.Missing(t, fmt.Errorf("model %s not installed: %w", name, err))
	}
	return data
}

func TestBundledModels(t *testing.T) {
	tests := []struct {
		file    string
		opset   int64
		nodes   int
		input   string // as ValueInfo.String prints it
		output  string
		ops     map[string]int
		conv0In int64 // input channels of the first Conv's weight
	}{
		{
			file: assets.OCRDetector, opset: 11, nodes: 672,
			input:  "x float32 [p2o.DynamicDimension.0,3,p2o.DynamicDimension.1,p2o.DynamicDimension.2]",
			output: "sigmoid_0.tmp_0 float32 [p2o.DynamicDimension.3,1,p2o.DynamicDimension.4,p2o.DynamicDimension.5]",
			ops:    map[string]int{"Conv": 62, "ConvTranspose": 2, "Resize": 6, "HardSigmoid": 10, "Sigmoid": 1, "Constant": 342},
		},
		{
			file: assets.OCRRecognize, opset: 9, nodes: 765,
			input:  "x float32 [p2o.DynamicDimension.0,3,48,p2o.DynamicDimension.1]",
			output: "softmax_11.tmp_0 float32 [p2o.DynamicDimension.2,p2o.DynamicDimension.3,6625]",
			ops:    map[string]int{"Conv": 38, "MatMul": 13, "Softmax": 3, "AveragePool": 1, "Constant": 325},
		},
		{
			file: assets.OCRDirection, opset: 9, nodes: 471,
			input:  "x float32 [p2o.DynamicDimension.0,3,p2o.DynamicDimension.1,p2o.DynamicDimension.2]",
			output: "softmax_0.tmp_0 float32 [p2o.DynamicDimension.3,2]",
			ops:    map[string]int{"Conv": 53, "BatchNormalization": 35, "MaxPool": 1, "Softmax": 1, "Constant": 250},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := Decode(readModel(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			g := &m.Graph
			if m.IRVersion != 8 || !reflect.DeepEqual(m.Opsets, map[string]int64{"": tt.opset}) {
				t.Errorf("ir_version %d, opsets %v", m.IRVersion, m.Opsets)
			}
			if len(g.Nodes) != tt.nodes {
				t.Errorf("%d nodes, want %d", len(g.Nodes), tt.nodes)
			}
			if len(g.Inputs) != 1 || g.Inputs[0].String() != tt.input {
				t.Errorf("inputs %v, want %s", g.Inputs, tt.input)
			}
			if len(g.Outputs) != 1 || g.Outputs[0].String() != tt.output {
				t.Errorf("outputs %v, want %s", g.Outputs, tt.output)
			}
			counts := map[string]int{}
			for _, n := range g.Nodes {
				counts[n.OpType]++
			}
			for op, want := range tt.ops {
				if counts[op] != want {
					t.Errorf("%d %s nodes, want %d", counts[op], op, want)
				}
			}

			// The first Conv reads the RGB image: its weight is [C,3,k,k].
			for _, n := range g.Nodes {
				if n.OpType != "Conv" {
					continue
				}
				if n.Inputs[0] != "x" {
					t.Errorf("first Conv reads %q", n.Inputs[0])
				}
				w, ok := g.Constant(n.Inputs[1])
				if !ok || len(w.Dims) != 4 || w.Dims[1] != 3 {
					t.Errorf("first Conv weight %v", w)
				}
				break
			}

			// Every constant tensor's data reads back at its declared size.
			for _, n := range g.Nodes {
				w := n.Attrs.Tensor("value")
				if n.OpType != "Constant" || w == nil {
					continue
				}
				want, err := w.Len()
				if err != nil {
					t.Fatal(err)
				}
				var got int
				switch w.DataType {
				case Float:
					vs, err := w.Floats()
					if err != nil {
						t.Fatal(err)
					}
					got = len(vs)
				default:
					vs, err := w.Int64s()
					if err != nil {
						t.Fatalf("constant %s: %v", n.Outputs[0], err)
					}
					got = len(vs)
				}
				if got != want {
					t.Fatalf("constant %s: %d values, want %d", n.Outputs[0], got, want)
				}
			}

			s := Summary(m)
			if !strings.Contains(s, tt.input) || !strings.Contains(s, tt.output) {
				t.Errorf("summary lacks the graph's input or output:\n%s", s)
			}
		})
	}
}

// detectorStages are the outputs of the last block of each backbone
// stage of the PP-OCRv4 detector (PPLCNetV3), before the neck, with their
// channel counts and strides.
var detectorStages = []struct {
	name     string
	channels int64
	stride   int
}{
	{"p2o.Add.43", 48, 4},
	{"p2o.Add.71", 96, 8},
	{"p2o.Add.147", 192, 16},
	{"p2o.Add.215", 384, 32},
}

// TestDetectorBackbone checks the candidate embedding tensors: the
// weights of the Convs that read each stage output give its channels.
func TestDetectorBackbone(t *testing.T) {
	m, err := Decode(readModel(t, assets.OCRDetector))
	if err != nil {
		t.Fatal(err)
	}
	g := &m.Graph
	for _, st := range detectorStages {
		var channels int64
		for _, c := range g.Consumers(st.name) {
			if c.OpType != "Conv" {
				continue
			}
			w, ok := g.Constant(c.Inputs[1])
			if !ok || len(w.Dims) != 4 {
				t.Fatalf("%s: Conv %s weight not found", st.name, c.Name)
			}
			// Weight [out, in/group, kh, kw]: every Conv reading the
			// stage (the next stage's depthwise conv, the projection
			// into the neck) must agree.
			in := w.Dims[1] * c.Attrs.Int("group", 1)
			if channels != 0 && in != channels {
				t.Errorf("%s: Convs disagree: %d and %d input channels", st.name, channels, in)
			}
			channels = in
		}
		if channels != st.channels {
			t.Errorf("%s: %d channels, want %d", st.name, channels, st.channels)
		}
		if p, ok := g.Producer(st.name); !ok || p.OpType != "Add" {
			t.Errorf("%s: producer %v", st.name, p)
		}
	}
}

func TestAddOutputsDetector(t *testing.T) {
	data := readModel(t, assets.OCRDetector)
	orig := bytes.Clone(data)
	before, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	last := detectorStages[len(detectorStages)-1].name
	out, err := AddOutputs(data, last, "sigmoid_0.tmp_0")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, orig) {
		t.Fatal("AddOutputs changed its input")
	}
	checkSpliced(t, data, out)
	after, err := Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	want := *before
	want.Graph.Outputs = append(append([]ValueInfo{}, before.Graph.Outputs...), ValueInfo{Name: last, ElemType: Float})
	if !reflect.DeepEqual(after, &want) {
		t.Errorf("after AddOutputs: outputs %v, want %v; or other fields changed", after.Graph.Outputs, want.Graph.Outputs)
	}
}

// TestSummaryFile prints the summary of any model file; a tool for people,
// not a check:
//
//	ONNX_SUMMARY_FILE=model.onnx go test -run TestSummaryFile -v ./internal/onnx
func TestSummaryFile(t *testing.T) {
	path := os.Getenv("ONNX_SUMMARY_FILE")
	if path == "" {
		t.Skip("set ONNX_SUMMARY_FILE to print a model's summary")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + Summary(m))
}
