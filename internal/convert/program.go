package convert

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"dataplus/internal/infer"
	"dataplus/internal/onnx"
)

// Options configure Compile.
type Options struct {
	// Outputs are the value names to return, in order; empty means the
	// graph outputs. Any intermediate value name is allowed.
	Outputs []string
	// DType is the compute type: dtypes.Float32 (the default, also for
	// the zero value) or dtypes.BFloat16 (weights stored and inputs cast
	// to bfloat16; outputs are always returned as float32).
	DType dtypes.DType
	// Device is the device that holds the weights and runs the program.
	Device backends.DeviceNum
}

// Program is a model compiled for a backend: its weights live on the
// device, and a graph is compiled for each distinct set of input shapes
// on first use. It is safe for concurrent use.
type Program struct {
	model   *Model
	plan    *plan
	backend backends.Backend
	dtype   dtypes.DType
	device  backends.DeviceNum

	// execs holds one graph.Exec per set of input shapes: an Exec
	// compiles under its own lock, so separate ones let several shapes
	// compile at once (Warm).
	execMu  sync.Mutex
	execs   map[string]*graph.Exec
	weights []*tensors.Tensor // in plan.weights order, on the device

	mu     sync.RWMutex // Run and Warm hold it shared, Close exclusively
	closed bool
}

// Compile prepares a program on a backend: weights (large float
// initializers and Constants) are uploaded once and kept on the device as
// parameters, not embedded as graph constants; graphs are compiled per
// distinct input-shape set on first use and cached for the program's life.
func (m *Model) Compile(backend backends.Backend, opts Options) (*Program, error) {
	if backend == nil {
		return nil, errors.New("compile: nil backend")
	}
	dtype := opts.DType
	if dtype == dtypes.InvalidDType {
		dtype = dtypes.Float32
	}
	if dtype != dtypes.Float32 && dtype != dtypes.BFloat16 {
		return nil, fmt.Errorf("compile: dtype %s is not supported (float32 or bfloat16)", dtype)
	}
	if int(opts.Device) < 0 || int(opts.Device) >= backend.NumDevices() {
		return nil, fmt.Errorf("compile: device %d not in [0, %d)", opts.Device, backend.NumDevices())
	}
	pl, err := m.planFor(opts.Outputs)
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	if len(pl.inputs)+len(pl.weights) == 0 {
		return nil, errors.New("compile: the outputs depend on no input and no weight")
	}
	p := &Program{
		model:   m,
		plan:    pl,
		backend: backend,
		dtype:   dtype,
		device:  opts.Device,
	}
	if err := p.uploadWeights(); err != nil {
		p.freeWeights()
		return nil, fmt.Errorf("compile: %w", err)
	}
	p.execs = map[string]*graph.Exec{}
	return p, nil
}

// uploadWeights copies each weight to the device, in the compute dtype.
func (p *Program) uploadWeights() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("upload weights: %v", r)
		}
	}()
	for _, name := range p.plan.weights {
		t := p.model.consts[name]
		fs, err := t.Floats()
		if err != nil {
			return fmt.Errorf("weight %q: %w", name, err)
		}
		dims := make([]int, len(t.Dims))
		for i, d := range t.Dims {
			dims[i] = int(d)
		}
		var tt *tensors.Tensor
		if p.dtype == dtypes.BFloat16 {
			tt = tensors.FromFlatDataAndDimensions(toBF16s(fs), dims...)
		} else {
			tt = tensors.FromFlatDataAndDimensions(fs, dims...)
		}
		if err := tt.MaterializeOnDevice(p.backend, true, p.device); err != nil {
			return fmt.Errorf("weight %q: %w", name, err)
		}
		tt.FinalizeLocal() // the device copy is the only one (a no-op for shared buffers)
		p.weights = append(p.weights, tt)
	}
	return nil
}

func (p *Program) freeWeights() {
	for _, w := range p.weights {
		_ = w.FinalizeAll()
	}
	p.weights = nil
}

// graphFn builds the graph for one set of input shapes: params are the
// weights then the inputs, in plan order. Errors panic, which graph.Exec
// turns into errors.
func (p *Program) graphFn(params []*graph.Node) []*graph.Node {
	outs, err := p.build(params)
	if err != nil {
		panic(err)
	}
	return outs
}

func (p *Program) build(params []*graph.Node) ([]*graph.Node, error) {
	nw := len(p.plan.weights)
	if len(params) != nw+len(p.plan.inputs) {
		return nil, fmt.Errorf("%d parameters for %d weights and %d inputs", len(params), nw, len(p.plan.inputs))
	}
	b := &builder{
		m:     p.model,
		g:     params[0].Graph(),
		dtype: p.dtype,
		opset: p.model.opset,
		vals:  map[string]*value{},
	}
	for i, name := range p.plan.weights {
		b.vals[name] = nodeValue(params[i])
	}
	for j, in := range p.plan.inputs {
		x := params[nw+j]
		k := kindFloat
		if in.ElemType != onnx.Undefined {
			k, _ = kindOf(in.ElemType)
		}
		b.vals[in.Name] = nodeValue(b.toKind(x, k))
	}
	nodes := p.model.graph.Nodes
	for _, i := range p.plan.nodes {
		if err := b.buildNode(&nodes[i]); err != nil {
			return nil, err
		}
	}
	outs := make([]*graph.Node, len(p.plan.outputs))
	for i, name := range p.plan.outputs {
		v, err := b.value(name)
		if err != nil {
			return nil, err
		}
		x := b.node(v)
		if x.DType() != dtypes.Float32 {
			if x.DType() == dtypes.Bool {
				x = graph.Where(x, graph.Scalar(b.g, dtypes.Float32, 1), graph.Scalar(b.g, dtypes.Float32, 0))
			} else {
				x = graph.ConvertDType(x, dtypes.Float32)
			}
		}
		outs[i] = x
	}
	return outs, nil
}

// Run executes with float32 inputs by name (all static shapes, batch dim
// included) and returns the requested outputs as float32 (cast if the
// value is int or bool). It is safe for concurrent use. Errors inside
// GoMLX are returned as errors naming the node.
func (p *Program) Run(inputs map[string]infer.Tensor) (_ map[string]infer.Tensor, err error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return nil, errors.New("run: program closed")
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("run: %v", r)
		}
	}()
	args, err := p.args(inputs, true)
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	exec, err := p.execFor(inputs)
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	outs, err := exec.ExecOnDevice(p.device, args...)
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	defer func() {
		for _, t := range outs {
			_ = t.FinalizeAll()
		}
	}()
	if len(outs) != len(p.plan.outputs) {
		return nil, fmt.Errorf("run: %d outputs, want %d", len(outs), len(p.plan.outputs))
	}
	res := make(map[string]infer.Tensor, len(outs))
	for i, t := range outs {
		data, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return nil, fmt.Errorf("run: output %q: %w", p.plan.outputs[i], err)
		}
		shape := make([]int64, t.Rank())
		for a, d := range t.Shape().Dimensions {
			shape[a] = int64(d)
		}
		res[p.plan.outputs[i]] = infer.Tensor{Shape: shape, Data: data}
	}
	return res, nil
}

// args checks the inputs and returns the Exec arguments: the weights,
// then each input as a tensor (donated when donate is set).
func (p *Program) args(inputs map[string]infer.Tensor, donate bool) ([]any, error) {
	for name := range inputs {
		if !slices.ContainsFunc(p.model.inputs, func(v onnx.ValueInfo) bool { return v.Name == name }) {
			return nil, fmt.Errorf("unknown input %q", name)
		}
	}
	args := make([]any, 0, len(p.weights)+len(p.plan.inputs))
	for _, w := range p.weights {
		args = append(args, w)
	}
	for _, info := range p.plan.inputs {
		t, ok := inputs[info.Name]
		if !ok {
			return nil, fmt.Errorf("missing input %q", info.Name)
		}
		if err := checkInput(info, t); err != nil {
			return nil, err
		}
		dims := make([]int, len(t.Shape))
		for a, d := range t.Shape {
			dims[a] = int(d)
		}
		if !donate {
			args = append(args, tensors.FromFlatDataAndDimensions(t.Data, dims...))
			continue
		}
		// Straight from the caller's slice to the device: no host copy
		// in between (a batch of 256 ResNet inputs is 154 MB).
		buf, err := p.backend.BufferFromFlatData(p.device, t.Data, shapes.Make(dtypes.Float32, dims...))
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", info.Name, err)
		}
		tt, err := tensors.FromBuffer(p.backend, buf)
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", info.Name, err)
		}
		d, err := graph.DonateTensorBuffer(tt, p.backend, p.device)
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", info.Name, err)
		}
		args = append(args, d)
	}
	return args, nil
}

// checkInput compares a tensor with the declared shape of an input.
func checkInput(info onnx.ValueInfo, t infer.Tensor) error {
	if err := t.Check(); err != nil {
		return fmt.Errorf("input %q: %w", info.Name, err)
	}
	if info.Shape == nil {
		return nil
	}
	if len(info.Shape) != len(t.Shape) {
		return fmt.Errorf("input %q: shape %v, model wants rank %d", info.Name, t.Shape, len(info.Shape))
	}
	for a, d := range info.Shape {
		if d.Param == "" && d.Value > 0 && t.Shape[a] != d.Value {
			return fmt.Errorf("input %q: shape %v, model wants %v", info.Name, t.Shape, info.Shape)
		}
	}
	return nil
}

// Warm compiles the graph for the given input shapes, so that the first
// Run with them does not pay for it. On device 0 it compiles without
// running; on another device it runs once on zeros.
func (p *Program) Warm(shapes map[string][]int64) (err error) {
	inputs := make(map[string]infer.Tensor, len(shapes))
	for name, s := range shapes {
		inputs[name] = infer.NewTensor(s...)
	}
	if p.device != 0 {
		_, err := p.Run(inputs)
		if err != nil {
			return fmt.Errorf("warm: %w", err)
		}
		return nil
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return errors.New("warm: program closed")
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("warm: %v", r)
		}
	}()
	args, err := p.args(inputs, false)
	if err != nil {
		return fmt.Errorf("warm: %w", err)
	}
	defer func() {
		for _, a := range args[len(p.weights):] {
			_ = a.(*tensors.Tensor).FinalizeAll()
		}
	}()
	exec, err := p.execFor(inputs)
	if err != nil {
		return fmt.Errorf("warm: %w", err)
	}
	if err := exec.PreCompile(args...); err != nil {
		return fmt.Errorf("warm: %w", err)
	}
	return nil
}

// Close frees the device weights and the compiled graphs. It waits for
// Runs in progress; later Runs fail.
func (p *Program) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	for _, e := range p.execs {
		e.Finalize()
	}
	p.execs = nil
	p.freeWeights()
	return nil
}

// execFor returns the Exec for the inputs' shapes, making it on first use.
func (p *Program) execFor(inputs map[string]infer.Tensor) (*graph.Exec, error) {
	key := ""
	for _, info := range p.plan.inputs {
		key += fmt.Sprint(inputs[info.Name].Shape)
	}
	p.execMu.Lock()
	defer p.execMu.Unlock()
	if e, ok := p.execs[key]; ok {
		return e, nil
	}
	e, err := graph.NewExec(p.backend, p.graphFn)
	if err != nil {
		return nil, err
	}
	e.SetMaxCache(-1)
	p.execs[key] = e
	return e, nil
}
