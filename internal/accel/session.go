package accel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"golang.org/x/sync/errgroup"

	"dataplus/internal/convert"
	"dataplus/internal/infer"
	"dataplus/internal/onnx"
)

// DefaultBuckets are the batch sizes compiled for each input shape when
// none are configured.
var DefaultBuckets = []int{1, 8, 64}

// GoMLXOptions configure a GoMLX backend.
type GoMLXOptions struct {
	Backend backends.Backend     // an XLA (GPU) or SimpleGo (tests) backend; Close finalizes it
	Devices []backends.DeviceNum // devices to use; nil means device 0
	Name    string               // e.g. "xla-cuda"; reported by Name
	DType   dtypes.DType         // dtypes.Float32 or dtypes.BFloat16
	// Buckets are the batch sizes compiled per input shape; a batch is
	// padded up to the next one, and one larger than the last is split.
	Buckets []int
	Logger  *slog.Logger
}

// GoMLX runs converted ONNX models on a GoMLX backend: every device holds
// a compiled program with its own copy of the weights, batches are padded
// to a bucket, and each goes to the device with the fewest in flight.
type GoMLX struct {
	opts    GoMLXOptions
	log     *slog.Logger
	devices []*deviceState
	pickMu  sync.Mutex // makes choosing a device and counting it one step
}

// deviceState is one device's load and totals.
type deviceState struct {
	num     backends.DeviceNum
	desc    string
	batches atomic.Int64
	items   atomic.Int64 // real items, not padding
	padded  atomic.Int64 // padding rows

	mu     sync.Mutex
	active int           // batches running now
	since  time.Time     // when active went from 0 to 1
	busy   time.Duration // time with at least one batch running, up to since
}

// begin and end bracket a batch's run; busy counts the time with at least
// one batch running (overlapping batches count once).
func (d *deviceState) begin() {
	d.mu.Lock()
	if d.active == 0 {
		d.since = time.Now()
	}
	d.active++
	d.mu.Unlock()
}

func (d *deviceState) end() {
	d.mu.Lock()
	d.active--
	if d.active == 0 {
		d.busy += time.Since(d.since)
	}
	d.mu.Unlock()
}

// running is the number of batches running on the device.
func (d *deviceState) running() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.active
}

// busyNow is busy including the batch running now.
func (d *deviceState) busyNow() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.active > 0 {
		return d.busy + time.Since(d.since)
	}
	return d.busy
}

// DeviceStats are one device's totals since the backend opened.
type DeviceStats struct {
	Device      string        `json:"device"`
	Description string        `json:"description,omitempty"`
	Batches     int64         `json:"batches"`
	Items       int64         `json:"items"`
	Padding     int64         `json:"padding"`
	Busy        time.Duration `json:"busy_ns"`
}

// NewGoMLX wraps a GoMLX backend.
func NewGoMLX(opts GoMLXOptions) (*GoMLX, error) {
	if opts.Backend == nil {
		return nil, errors.New("gomlx backend: no backend")
	}
	if len(opts.Devices) == 0 {
		opts.Devices = []backends.DeviceNum{0}
	}
	if opts.DType == dtypes.InvalidDType {
		opts.DType = dtypes.Float32
	}
	if len(opts.Buckets) == 0 {
		opts.Buckets = DefaultBuckets
	}
	opts.Buckets = slices.Clone(opts.Buckets)
	slices.Sort(opts.Buckets)
	opts.Buckets = slices.Compact(opts.Buckets)
	if opts.Buckets[0] < 1 {
		return nil, fmt.Errorf("gomlx backend: batch buckets %v must be positive", opts.Buckets)
	}
	if opts.Name == "" {
		opts.Name = "gomlx-" + opts.Backend.Name()
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := &GoMLX{opts: opts, log: log}
	for _, d := range opts.Devices {
		if int(d) < 0 || int(d) >= opts.Backend.NumDevices() {
			return nil, fmt.Errorf("gomlx backend: device %d does not exist (the backend has %d)", d, opts.Backend.NumDevices())
		}
		b.devices = append(b.devices, &deviceState{num: d, desc: opts.Backend.DeviceDescription(d)})
	}
	return b, nil
}

// Name names the backend.
func (b *GoMLX) Name() string { return b.opts.Name }

// Buckets are the compiled batch sizes.
func (b *GoMLX) Buckets() []int { return slices.Clone(b.opts.Buckets) }

// Devices describes the devices in use.
func (b *GoMLX) Devices() []string {
	var out []string
	for _, d := range b.devices {
		out = append(out, fmt.Sprintf("%d: %s", d.num, d.desc))
	}
	return out
}

// Stats are the per-device totals.
func (b *GoMLX) Stats() []DeviceStats {
	var out []DeviceStats
	for _, d := range b.devices {
		out = append(out, DeviceStats{
			Device: fmt.Sprint(d.num), Description: d.desc,
			Batches: d.batches.Load(), Items: d.items.Load(), Padding: d.padded.Load(),
			Busy: d.busyNow(),
		})
	}
	return out
}

// Busy is the time with at least one batch running, summed over devices.
func (b *GoMLX) Busy() time.Duration {
	var t time.Duration
	for _, d := range b.devices {
		t += d.busyNow()
	}
	return t
}

// Close finalizes the GoMLX backend (sessions should be closed first).
func (b *GoMLX) Close() error {
	b.opts.Backend.Finalize()
	return nil
}

// Load converts the model and prepares one program per device. Compiling
// happens per input shape, on first use or in Warm.
func (b *GoMLX) Load(ctx context.Context, spec infer.Spec) (infer.Session, error) {
	data := spec.Data
	if data == nil {
		var err error
		if data, err = os.ReadFile(spec.File); err != nil {
			return nil, fmt.Errorf("load %s: %w", spec.Name, err)
		}
	}
	m, err := convert.Load(data)
	if err != nil {
		return nil, fmt.Errorf("load %s on %s: %w", spec.Name, b.opts.Name, err)
	}
	s := &gomlxSession{b: b, name: spec.Name, outputNames: spec.Outputs}
	for _, in := range m.Inputs() {
		s.inputs = append(s.inputs, infer.TensorInfo{Name: in.Name, Shape: dims(in), Type: "float32"})
	}
	if len(s.outputNames) == 0 {
		for _, out := range m.Outputs() {
			s.outputNames = append(s.outputNames, out.Name)
		}
	}
	known := map[string]infer.TensorInfo{}
	for _, out := range m.Outputs() {
		known[out.Name] = infer.TensorInfo{Name: out.Name, Shape: dims(out), Type: "float32"}
	}
	for _, name := range s.outputNames {
		info, ok := known[name]
		if !ok {
			info = infer.TensorInfo{Name: name, Type: "float32"}
		}
		s.outputs = append(s.outputs, info)
	}
	for _, d := range b.devices {
		p, err := m.Compile(b.opts.Backend, convert.Options{Outputs: s.outputNames, DType: b.opts.DType, Device: d.num})
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("load %s on %s device %d: %w", spec.Name, b.opts.Name, d.num, err)
		}
		s.programs = append(s.programs, p)
	}
	b.log.Info("model converted", "model", spec.Name, "backend", b.opts.Name, "devices", len(b.devices),
		"dtype", b.opts.DType, "buckets", b.opts.Buckets)
	return s, nil
}

// dims turns a value's ONNX dimensions into a shape, -1 for symbolic or
// unknown ones.
func dims(v onnx.ValueInfo) []int64 {
	out := make([]int64, len(v.Shape))
	for i, d := range v.Shape {
		out[i] = -1
		if d.Value > 0 {
			out[i] = d.Value
		}
	}
	return out
}

// gomlxSession is one model on every device.
type gomlxSession struct {
	b           *GoMLX
	name        string
	inputs      []infer.TensorInfo
	outputs     []infer.TensorInfo
	outputNames []string
	programs    []*convert.Program // by device, as b.devices
	closeOnce   sync.Once
	// padBufs keeps padded batches (*[]float32) for reuse: a program
	// has copied its input to the device when Run returns (go-xla waits
	// for the transfer), and a fresh bucket-sized slice costs zeroing
	// and page faults on every partial batch.
	padBufs sync.Pool
}

func (s *gomlxSession) Inputs() []infer.TensorInfo  { return s.inputs }
func (s *gomlxSession) Outputs() []infer.TensorInfo { return s.outputs }

// Close frees every device's program.
func (s *gomlxSession) Close() error {
	var errs []error
	s.closeOnce.Do(func() {
		for _, p := range s.programs {
			errs = append(errs, p.Close())
		}
	})
	return errors.Join(errs...)
}

// bucket returns the batch size an n-item batch is padded to, and
// whether n fits in the largest bucket.
func (s *gomlxSession) bucket(n int) (int, bool) {
	for _, b := range s.b.opts.Buckets {
		if n <= b {
			return b, true
		}
	}
	return s.b.opts.Buckets[len(s.b.opts.Buckets)-1], false
}

// Warm compiles the programs for items of itemShape (leading dimension 1)
// at every bucket on every device, several at a time.
func (s *gomlxSession) Warm(ctx context.Context, itemShape []int64) error {
	if len(s.inputs) != 1 {
		return fmt.Errorf("warm %s: model has %d inputs, want 1", s.name, len(s.inputs))
	}
	g, _ := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for _, p := range s.programs {
		for _, bk := range s.b.opts.Buckets {
			shape := slices.Clone(itemShape)
			shape[0] = int64(bk)
			g.Go(func() error {
				if err := ctx.Err(); err != nil {
					return err
				}
				return p.Warm(map[string][]int64{s.inputs[0].Name: shape})
			})
		}
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("warm %s %v: %w", s.name, itemShape, err)
	}
	return nil
}

// Run runs a batch: it is cut into pieces no larger than the largest
// bucket, each padded to its bucket and run on the least loaded device.
func (s *gomlxSession) Run(ctx context.Context, inputs map[string]infer.Tensor) (map[string]infer.Tensor, error) {
	if len(s.inputs) != 1 || len(inputs) != 1 {
		return nil, fmt.Errorf("run %s: %d inputs given, the model has %d; this backend runs single-input models", s.name, len(inputs), len(s.inputs))
	}
	name := s.inputs[0].Name
	x, ok := inputs[name]
	if !ok {
		return nil, fmt.Errorf("run %s: input %q missing", s.name, name)
	}
	if err := x.Check(); err != nil {
		return nil, fmt.Errorf("run %s: %w", s.name, err)
	}
	if len(x.Shape) == 0 || x.Shape[0] < 1 {
		return nil, fmt.Errorf("run %s: input shape %v has no batch", s.name, x.Shape)
	}
	n := int(x.Shape[0])
	largest := s.b.opts.Buckets[len(s.b.opts.Buckets)-1]
	var parts []map[string]infer.Tensor
	for start := 0; start < n; start += largest {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		end := min(n, start+largest)
		out, err := s.runPiece(slice(x, start, end))
		if err != nil {
			return nil, err
		}
		parts = append(parts, out)
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	out := map[string]infer.Tensor{}
	for _, o := range s.outputNames {
		items := make([]infer.Tensor, len(parts))
		for i, p := range parts {
			items[i] = p[o]
		}
		t, err := infer.Stack(items)
		if err != nil {
			return nil, fmt.Errorf("run %s: output %s: %w", s.name, o, err)
		}
		out[o] = t
	}
	return out, nil
}

// runPiece pads x to its bucket, runs it on the least loaded device and
// cuts the padding off the outputs.
func (s *gomlxSession) runPiece(x infer.Tensor) (map[string]infer.Tensor, error) {
	n := int(x.Shape[0])
	bk, _ := s.bucket(n)
	var dst []float32
	if p, ok := s.padBufs.Get().(*[]float32); ok {
		dst = *p
	}
	padded := padInto(dst, x, bk)
	if bk > n {
		defer s.padBufs.Put(&padded.Data)
	} else if dst != nil {
		s.padBufs.Put(&dst) // x went as it is: keep the buffer
	}
	i := s.b.pick() // counts the batch on the device
	d := s.b.devices[i]
	out, err := s.programs[i].Run(map[string]infer.Tensor{s.inputs[0].Name: padded})
	d.end()
	d.batches.Add(1)
	d.items.Add(int64(n))
	d.padded.Add(int64(bk - n))
	if err != nil {
		return nil, fmt.Errorf("run %s on device %d: %w", s.name, d.num, err)
	}
	for name, t := range out {
		if len(t.Shape) == 0 || int(t.Shape[0]) != bk {
			return nil, fmt.Errorf("run %s: output %s has shape %v, want a leading batch dimension of %d", s.name, name, t.Shape, bk)
		}
		if bk > n {
			out[name] = slice(t, 0, n)
		}
	}
	return out, nil
}

// pick returns the index of the device with the fewest batches running
// (the first of equals) and begins the new batch there; the caller ends it.
func (b *GoMLX) pick() int {
	b.pickMu.Lock()
	defer b.pickMu.Unlock()
	best, load := 0, -1
	for i, d := range b.devices {
		if l := d.running(); load < 0 || l < load {
			best, load = i, l
		}
	}
	b.devices[best].begin()
	return best
}

// pad returns x with zero rows added up to bk rows (x itself when it has
// that many).
func pad(x infer.Tensor, bk int) infer.Tensor { return padInto(nil, x, bk) }

// padInto is pad writing into dst's storage when it is large enough.
func padInto(dst []float32, x infer.Tensor, bk int) infer.Tensor {
	n := int(x.Shape[0])
	if bk <= n {
		return x
	}
	size := len(x.Data) / n * bk
	if cap(dst) < size {
		dst = make([]float32, size)
	}
	padded := infer.Tensor{Shape: slices.Clone(x.Shape), Data: dst[:size]}
	padded.Shape[0] = int64(bk)
	copy(padded.Data, x.Data)
	clear(padded.Data[len(x.Data):])
	return padded
}

// slice returns rows [start, end) of t's leading dimension (sharing data).
func slice(t infer.Tensor, start, end int) infer.Tensor {
	per := len(t.Data) / int(t.Shape[0])
	shape := slices.Clone(t.Shape)
	shape[0] = int64(end - start)
	return infer.Tensor{Shape: shape, Data: t.Data[start*per : end*per : end*per]}
}

// Warmer is a session that can compile ahead for items of a shape
// (leading dimension 1) at every batch bucket; the GPU sessions are.
type Warmer interface {
	Warm(ctx context.Context, itemShape []int64) error
}

// ResidentRunner is a session that can run over and over on an input kept
// on the device: benchmarks use it to leave the host-to-device copy out.
type ResidentRunner interface {
	Resident(x infer.Tensor) (step func() error, free func(), err error)
}

// Resident uploads x (padded to its bucket) to the first device and
// returns a function that runs the model on it.
func (s *gomlxSession) Resident(x infer.Tensor) (func() error, func(), error) {
	if len(s.inputs) != 1 {
		return nil, nil, fmt.Errorf("resident %s: model has %d inputs, want 1", s.name, len(s.inputs))
	}
	n := int(x.Shape[0])
	bk, ok := s.bucket(n)
	if !ok {
		return nil, nil, fmt.Errorf("resident %s: batch %d is larger than the largest bucket %d", s.name, n, bk)
	}
	d := s.b.devices[0]
	run, free, err := s.programs[0].Resident(map[string]infer.Tensor{s.inputs[0].Name: pad(x, bk)})
	if err != nil {
		return nil, nil, fmt.Errorf("resident %s: %w", s.name, err)
	}
	step := func() error {
		d.begin()
		defer d.end()
		return run()
	}
	return step, free, nil
}

// Backend is the GoMLX backend (the conformance suite runs on it).
func (b *GoMLX) Backend() backends.Backend { return b.opts.Backend }

// DeviceNums are the devices in use.
func (b *GoMLX) DeviceNums() []backends.DeviceNum {
	out := make([]backends.DeviceNum, len(b.devices))
	for i, d := range b.devices {
		out[i] = d.num
	}
	return out
}

// DType is the compute type.
func (b *GoMLX) DType() dtypes.DType { return b.opts.DType }
