// Package onnx reads and writes ONNX model files (the ModelProto protobuf)
// with google.golang.org/protobuf/encoding/protowire: no generated code and
// no third-party ONNX package.
//
// It owns the parts of the format dataplus needs: the graph (nodes,
// attributes, initializers, inputs, outputs and value_info), tensor data,
// and AddOutputs, which exposes an inner tensor (a backbone activation, a
// pooled feature) as a graph output by splicing the graph field and
// keeping every other byte of the file as it was. Decode treats its input
// as hostile: every length is bounds-checked, allocations are limited by
// the input size, and it returns an error instead of panicking.
//
// Fields dataplus does not use (doc strings, metadata_props, functions,
// training info, sub-graphs in attributes, sparse tensors) are skipped on
// Decode and not written by Encode.
//
// The package imports only the standard library and protowire; it must not
// import the inference backends, the pipeline or the command.
package onnx
