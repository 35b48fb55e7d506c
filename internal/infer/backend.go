package infer

import (
	"context"
	"fmt"
)

// Backend loads models for one kind of device.
type Backend interface {
	// Name identifies the backend in logs and metrics ("onnxruntime-cpu").
	Name() string
	// Load creates a session for the model in spec.
	Load(ctx context.Context, spec Spec) (Session, error)
	// Close releases the backend and every session it loaded that is
	// still open.
	Close() error
}

// Spec says what to load. Exactly one of File and Data is set.
type Spec struct {
	Name string // for logs and errors
	File string // path of an .onnx file
	Data []byte // the model bytes, when the registry rewrote the graph

	// Outputs names the tensors Run returns; empty means every graph
	// output.
	Outputs []string

	// IntraOpThreads overrides the backend's default threads per Run
	// when positive.
	IntraOpThreads int
}

// Session runs one loaded model. Run may be called from several
// goroutines at once; a batch is one Run call with the items stacked
// along dimension 0 of every input.
type Session interface {
	Inputs() []TensorInfo
	Outputs() []TensorInfo
	Run(ctx context.Context, inputs map[string]Tensor) (map[string]Tensor, error)
	Close() error
}

// TensorInfo describes a session input or output. A dimension of -1 is
// dynamic (batch, height or width).
type TensorInfo struct {
	Name  string
	Shape []int64
	Type  string // element type, "float32" for every tensor dataplus runs
}

func (ti TensorInfo) String() string { return fmt.Sprintf("%s %s%v", ti.Name, ti.Type, ti.Shape) }

// Tensor is a dense float32 tensor in row-major order.
type Tensor struct {
	Shape []int64
	Data  []float32
}

// NewTensor returns a zeroed tensor of the given shape.
func NewTensor(shape ...int64) Tensor {
	return Tensor{Shape: shape, Data: make([]float32, numElements(shape))}
}

// Len returns the number of elements the shape describes.
func (t Tensor) Len() int { return numElements(t.Shape) }

// Check reports whether the data length matches the shape.
func (t Tensor) Check() error {
	for _, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("tensor shape %v: negative dimension", t.Shape)
		}
	}
	if n := t.Len(); n != len(t.Data) {
		return fmt.Errorf("tensor shape %v needs %d values, has %d", t.Shape, n, len(t.Data))
	}
	return nil
}

// Item returns item i along dimension 0 as a tensor with a leading
// dimension of 1. The data aliases t's.
func (t Tensor) Item(i int) Tensor {
	per := numElements(t.Shape[1:])
	shape := append([]int64{1}, t.Shape[1:]...)
	return Tensor{Shape: shape, Data: t.Data[i*per : (i+1)*per : (i+1)*per]}
}

// Stack concatenates tensors of equal shape along dimension 0. The result
// shares data with items[0] when that is the only item.
func Stack(items []Tensor) (Tensor, error) { return stack(nil, items, false) }

// StackInto is Stack writing into dst's storage when it is large enough
// (a new slice otherwise); it always copies.
func StackInto(dst []float32, items []Tensor) (Tensor, error) { return stack(dst, items, true) }

func stack(dst []float32, items []Tensor, copyOne bool) (Tensor, error) {
	if len(items) == 0 {
		return Tensor{}, fmt.Errorf("stack: no tensors")
	}
	first := items[0].Shape
	if len(first) == 0 {
		return Tensor{}, fmt.Errorf("stack: scalar tensors")
	}
	total := int64(0)
	size := 0
	for i, it := range items {
		if err := it.Check(); err != nil {
			return Tensor{}, fmt.Errorf("stack item %d: %w", i, err)
		}
		if !sameDims(it.Shape[1:], first[1:]) {
			return Tensor{}, fmt.Errorf("stack: item %d has shape %v, item 0 %v", i, it.Shape, first)
		}
		total += it.Shape[0]
		size += len(it.Data)
	}
	if len(items) == 1 && !copyOne {
		return items[0], nil // a batch of one is its item
	}
	if cap(dst) < size {
		dst = make([]float32, 0, size)
	}
	out := Tensor{Shape: append([]int64{total}, first[1:]...), Data: dst[:0]}
	for _, it := range items {
		out.Data = append(out.Data, it.Data...)
	}
	return out, nil
}

func numElements(shape []int64) int {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	return n
}

func sameDims(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
