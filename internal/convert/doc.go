// Package convert runs ONNX models on GoMLX: it translates an ONNX graph
// (decoded by package onnx) into a GoMLX computation graph and executes it
// on any backends.Backend, the pure-Go simplego CPU backend or XLA.
//
// Load decodes a model and checks every node against the supported
// operators (Ops), their opsets (default-domain opsets 7 to 22) and their
// attribute values. Whatever is
// not supported is reported there, in one *UnsupportedError that names
// each op (or attribute value) and the first node using it, for example
//
//	unsupported ONNX ops: Foo (node "x", opset 13), Resize mode "cubic" (node "y")
//
// so a model the converter cannot run fails at Load, never with a wrong
// answer later.
//
// # Values and constant folding
//
// While a graph is built, every ONNX value is either known on the host
// (a small tensor of float32, int64 or bool data) or a GoMLX graph node.
// Initializers, Constant nodes and the outputs of any op whose inputs are
// all host-known are host values: the op is folded on the host. Graph
// shapes are static (one graph per set of input shapes), so Shape and Size
// of a graph node are host values too. This is what makes the shape
// arithmetic of exported models (Shape, Gather, Unsqueeze, Concat, Slice,
// Cast, Mul, Div, Range, ConstantOfShape, Expand, Where, Equal, Reshape,
// ...) disappear from the graph, and it lets ops that need constant
// arguments (Reshape's shape, Slice's starts, Resize's scales, Pad's pads)
// read them. Ops without a host form, or with a graph input, are built in
// the graph, a host value becoming a graph constant.
//
// Every ONNX floating-point type is computed in the program's compute type
// (float32, or bfloat16), every integer type as int64, bool as bool.
//
// # Weights
//
// Float constants with more than 64 elements (initializers, and the value
// of Constant nodes, which paddle2onnx uses for every weight) are weights:
// Compile uploads them once to the device, in the compute type, and passes
// them to every graph as parameters instead of embedding them as
// constants. Smaller constants and all integer ones are embedded.
//
// # Programs
//
// Compile returns a Program for some outputs (the graph outputs, or any
// intermediate value, read as an embedding); only the nodes, inputs and
// weights those outputs need are kept. A graph is built and compiled for
// each distinct set of input shapes on first use (graph.Exec) and cached
// for the program's life; Warm does it ahead of time. Run takes and
// returns float32 tensors and is safe for concurrent use. GoMLX reports
// errors by panicking; they are recovered and returned as errors naming
// the ONNX node and op.
//
// # bfloat16
//
// With Options.DType bfloat16, weights are stored in bfloat16 (rounded to
// nearest even), inputs are cast to bfloat16 in the graph, and outputs are
// cast back to float32. Sums and normalisations (ReduceSum/Mean/L1/L2,
// GlobalAveragePool, AveragePool, Softmax, LogSoftmax, BatchNormalization
// parameters, InstanceNormalization and LayerNormalization) accumulate in
// float32.
//
// # Precision
//
// On simplego, float32 results match ONNX Runtime 1.30 to about 1e-5
// relative (tests). On XLA GPUs, GoMLX builds dots and convolutions with
// the default precision, which lets XLA use TF32 for float32: measured on
// an H100, ResNet-50 logits differ from ONNX Runtime by 2e-4 relative, the
// PP-OCRv4 recognizer by 1e-2 (2e-7 and 7e-4 with NVIDIA_TF32_OVERRIDE=0,
// which covers cuBLAS and cuDNN but not XLA's Triton GEMMs).
//
// The package is pure Go; the XLA backend is chosen by the caller.
package convert
