// Package conformance checks a candidate backend against ONNX Runtime:
// it runs the same ONNX models with the same random inputs on both and
// compares every output.
//
// Two catalogs feed it. Catalog (and OpCases, the part the converter
// claims) holds small single-op and tiny multi-node models built in code,
// one or more for every operator package convert supports, covering the
// attribute variants and opset forms that changed the operator's meaning
// (Clip bounds as attributes or inputs, Slice and Squeeze axes as
// attributes or inputs, Softmax before and after opset 13, Resize
// coordinate modes, Conv and pooling padding). ModelCases holds the real
// models of an assets directory (the bundled PaddleOCR models and any
// exported torchvision model beside them) at sizes chosen by Sizes.
//
// A Runner runs a model: ORTRunner is the reference, GoMLXRunner runs
// the graph through package convert on a GoMLX backend (the pure-Go
// simplego backend on any machine, XLA on a GPU). Run feeds each case
// fresh random inputs (drawn from Options.Seed, printed in every report)
// to both runners and passes the case when the relative error
// max|cand−ref| / max(max|ref|, 1e-6) of every output is within the
// tolerance and shapes match; any error, missing output, or NaN or Inf
// where the reference is finite fails it. Report prints as an aligned
// table (Table) or JSON (WriteJSON).
//
// The reference takes and returns float32 tensors only, so catalog
// models have float32 inputs and outputs: integer operands (indices,
// shapes, axes) are initializers or Constants, and an op whose result is
// not float is followed by a Cast to float.
//
// The package imports infer (the ONNX Runtime backend and Tensor), onnx
// (building and reading models), assets (file names) and convert. It is
// used by the `dataplus conformance` command and its own tests.
package conformance
