package infer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	ort "github.com/yalue/onnxruntime_go"

	"dataplus/internal/assets"
	"dataplus/internal/record"
)

// ORTOptions configure the ONNX Runtime CPU backend.
type ORTOptions struct {
	// AssetsDir holds libonnxruntime.so.1 (see package assets).
	AssetsDir string
	// IntraOpThreads is the threads one Run may use. Zero means
	// GOMAXPROCS divided by Sessions, at least 1.
	IntraOpThreads int
	// Sessions is how many sessions are expected to run at the same time
	// (one per batcher); it only sets the default IntraOpThreads.
	Sessions int
	Logger   *slog.Logger
}

// ortEnv is the process's one ONNX Runtime environment: the library can
// be loaded and initialised only once per process.
var ortEnv struct {
	once    sync.Once
	path    string
	version string
	err     error
}

// ORT is the ONNX Runtime CPU backend.
type ORT struct {
	threads int
	log     *slog.Logger

	mu       sync.Mutex
	sessions map[*ortSession]struct{}
	closed   bool
}

// NewORT loads the ONNX Runtime shared library from the assets directory
// (once per process) and returns the backend. A missing library is an
// error wrapping record.ErrUnavailable that says how to install it.
func NewORT(opts ORTOptions) (*ORT, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lib, err := assets.Path(opts.AssetsDir, assets.ORTLibrary)
	if err != nil {
		return nil, fmt.Errorf("load onnxruntime: %w: %w", record.ErrUnavailable, err)
	}
	ortEnv.once.Do(func() {
		ortEnv.path = lib
		ort.SetSharedLibraryPath(lib)
		if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
			ortEnv.err = err
			return
		}
		ortEnv.version = ort.GetVersion()
		log.Info("onnxruntime loaded", "version", ortEnv.version, "library", lib)
	})
	if ortEnv.err != nil {
		return nil, fmt.Errorf("load onnxruntime from %s: %w: %w", ortEnv.path, record.ErrUnavailable, ortEnv.err)
	}
	if ortEnv.path != lib {
		log.Warn("onnxruntime already loaded from another path; using it", "loaded", ortEnv.path, "asked", lib)
	}
	threads := opts.IntraOpThreads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0) / max(1, opts.Sessions)
	}
	return &ORT{
		threads:  max(1, threads),
		log:      log,
		sessions: map[*ortSession]struct{}{},
	}, nil
}

// ORTVersion reports the loaded ONNX Runtime version ("" before NewORT
// succeeded).
func ORTVersion() string { return ortEnv.version }

// Name implements Backend.
func (b *ORT) Name() string { return "onnxruntime-cpu" }

// Threads returns the default intra-op threads per Run.
func (b *ORT) Threads() int { return b.threads }

// Load implements Backend. Every dimension the model leaves dynamic
// (batch, image height and width) stays dynamic.
func (b *ORT) Load(ctx context.Context, spec Spec) (Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("load model %s: %w", spec.Name, err)
	}
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("load model %s: backend closed", spec.Name)
	}

	var ins, outs []ort.InputOutputInfo
	var err error
	if spec.Data != nil {
		ins, outs, err = ort.GetInputOutputInfoWithONNXData(spec.Data)
	} else {
		ins, outs, err = ort.GetInputOutputInfo(spec.File)
	}
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", spec.Name, err)
	}
	s := &ortSession{backend: b}
	for _, in := range ins {
		s.inputs = append(s.inputs, infoOf(in))
	}
	if len(spec.Outputs) == 0 {
		for _, out := range outs {
			s.outputs = append(s.outputs, infoOf(out))
		}
	} else {
		for _, name := range spec.Outputs {
			i := indexOfInfo(outs, name)
			if i < 0 {
				return nil, fmt.Errorf("load model %s: no output %q", spec.Name, name)
			}
			s.outputs = append(s.outputs, infoOf(outs[i]))
		}
	}
	for _, ti := range append(append([]TensorInfo{}, s.inputs...), s.outputs...) {
		if ti.Type != "float32" {
			return nil, fmt.Errorf("load model %s: tensor %s is %s; only float32 tensors are supported", spec.Name, ti.Name, ti.Type)
		}
	}

	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("load model %s: session options: %w", spec.Name, err)
	}
	defer opts.Destroy()
	threads := b.threads
	if spec.IntraOpThreads > 0 {
		threads = spec.IntraOpThreads
	}
	if err := opts.SetIntraOpNumThreads(threads); err != nil {
		return nil, fmt.Errorf("load model %s: %w", spec.Name, err)
	}
	// One operator at a time; the threads go to each operator instead.
	if err := opts.SetInterOpNumThreads(1); err != nil {
		return nil, fmt.Errorf("load model %s: %w", spec.Name, err)
	}
	// Idle workers sleep instead of spinning: several sessions share
	// the cores, and a spinning pool steals them from the others.
	if err := opts.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"); err != nil {
		return nil, fmt.Errorf("load model %s: %w", spec.Name, err)
	}

	// No arena and no memory patterns: inputs follow the page size, and
	// the arena kept the peak of every shape seen for the life of the
	// process (about 640 MB more RSS over 80 corpus files with two
	// scales; docs/performance.md), for no measurable speed.
	if err := opts.SetCpuMemArena(false); err != nil {
		return nil, fmt.Errorf("load model %s: %w", spec.Name, err)
	}
	if err := opts.SetMemPattern(false); err != nil {
		return nil, fmt.Errorf("load model %s: %w", spec.Name, err)
	}

	inNames, outNames := names(s.inputs), names(s.outputs)
	if spec.Data != nil {
		s.sess, err = ort.NewDynamicAdvancedSessionWithONNXData(spec.Data, inNames, outNames, opts)
	} else {
		s.sess, err = ort.NewDynamicAdvancedSession(spec.File, inNames, outNames, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", spec.Name, err)
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		s.sess.Destroy()
		return nil, fmt.Errorf("load model %s: backend closed", spec.Name)
	}
	b.sessions[s] = struct{}{}
	b.log.Debug("model loaded", "model", spec.Name, "threads", threads, "inputs", s.inputs, "outputs", s.outputs)
	return s, nil
}

// Close implements Backend: it closes every session still open. The
// process-wide ONNX Runtime environment stays loaded for the next backend.
func (b *ORT) Close() error {
	b.mu.Lock()
	b.closed = true
	open := make([]*ortSession, 0, len(b.sessions))
	for s := range b.sessions {
		open = append(open, s)
	}
	b.mu.Unlock()
	var errs []error
	for _, s := range open {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

// ortSession is one ONNX Runtime session.
type ortSession struct {
	backend         *ORT
	inputs, outputs []TensorInfo

	mu     sync.RWMutex // Run holds it shared, Close exclusively
	sess   *ort.DynamicAdvancedSession
	closed bool
}

func (s *ortSession) Inputs() []TensorInfo  { return s.inputs }
func (s *ortSession) Outputs() []TensorInfo { return s.outputs }

// trimInterval is the least time between two releaseFreed calls: a trim
// costs page faults on the next run (tens of milliseconds), so it runs at
// most once a second, bounding its cost to a few percent.
const trimInterval = time.Second

// trim rate-limits releaseFreed across every session of the process.
var trim trimmer

type trimmer struct{ last atomic.Int64 }

// maybe calls releaseFreed unless it ran less than trimInterval ago.
func (t *trimmer) maybe() {
	now := time.Now().UnixNano()
	last := t.last.Load()
	if now-last < int64(trimInterval) || !t.last.CompareAndSwap(last, now) {
		return
	}
	releaseFreed()
}

// Run implements Session. Cancelling ctx terminates a Run in progress.
func (s *ortSession) Run(ctx context.Context, inputs map[string]Tensor) (map[string]Tensor, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, fmt.Errorf("run: session closed")
	}
	if len(inputs) != len(s.inputs) {
		return nil, fmt.Errorf("run: got %d inputs, model has %d (%v)", len(inputs), len(s.inputs), s.inputs)
	}
	in := make([]ort.Value, 0, len(s.inputs))
	defer func() {
		for _, v := range in {
			v.Destroy()
		}
	}()
	for _, info := range s.inputs {
		t, ok := inputs[info.Name]
		if !ok {
			return nil, fmt.Errorf("run: missing input %q", info.Name)
		}
		if err := checkShape(info, t); err != nil {
			return nil, fmt.Errorf("run: %w", err)
		}
		v, err := ort.NewTensor(ort.NewShape(t.Shape...), t.Data)
		if err != nil {
			return nil, fmt.Errorf("run: input %s: %w", info.Name, err)
		}
		in = append(in, v)
	}

	runOpts, err := ort.NewRunOptions()
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	terminated := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(terminated)
		runOpts.Terminate()
	})
	out := make([]ort.Value, len(s.outputs))
	runErr := s.sess.RunWithOptions(in, out, runOpts)
	if !stop() {
		<-terminated // the AfterFunc ran or is running: let it finish before Destroy
	}
	runOpts.Destroy()
	defer func() {
		for _, v := range out {
			// The wrapper can leave a typed nil behind when it could not
			// copy an output (a rank-0 one): nothing to release there.
			if v != nil && !reflect.ValueOf(v).IsNil() {
				v.Destroy()
			}
		}
	}()
	if runErr != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("run: %w", ctx.Err())
		}
		for _, o := range s.outputs {
			if o.Shape != nil && len(o.Shape) == 0 {
				return nil, fmt.Errorf("run: output %s is a scalar (rank 0), which onnxruntime_go cannot return; reshape it to [1] in the model: %w", o.Name, runErr)
			}
		}
		return nil, fmt.Errorf("run: %w", runErr)
	}
	defer trim.maybe()
	res := make(map[string]Tensor, len(out))
	for i, v := range out {
		t, ok := v.(*ort.Tensor[float32])
		if !ok {
			return nil, fmt.Errorf("run: output %s is not a float32 tensor", s.outputs[i].Name)
		}
		// GetData is a Go copy of the ORT buffer; it outlives Destroy.
		res[s.outputs[i].Name] = Tensor{Shape: []int64(t.GetShape().Clone()), Data: t.GetData()}
	}
	return res, nil
}

// Close implements Session. It waits for Runs in progress.
func (s *ortSession) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.backend.mu.Lock()
	delete(s.backend.sessions, s)
	s.backend.mu.Unlock()
	if err := s.sess.Destroy(); err != nil {
		return fmt.Errorf("close session: %w", err)
	}
	return nil
}

// checkShape compares a tensor with the model's declared input shape.
func checkShape(info TensorInfo, t Tensor) error {
	if err := t.Check(); err != nil {
		return fmt.Errorf("input %s: %w", info.Name, err)
	}
	if len(info.Shape) != len(t.Shape) {
		return fmt.Errorf("input %s: shape %v, model wants %v", info.Name, t.Shape, info.Shape)
	}
	for i, d := range info.Shape {
		if d >= 0 && t.Shape[i] != d {
			return fmt.Errorf("input %s: shape %v, model wants %v", info.Name, t.Shape, info.Shape)
		}
	}
	return nil
}

func infoOf(i ort.InputOutputInfo) TensorInfo {
	typ := fmt.Sprint(i.DataType)
	if i.DataType == ort.TensorElementDataTypeFloat {
		typ = "float32"
	}
	return TensorInfo{Name: i.Name, Shape: []int64(i.Dimensions.Clone()), Type: typ}
}

func indexOfInfo(infos []ort.InputOutputInfo, name string) int {
	for i, in := range infos {
		if in.Name == name {
			return i
		}
	}
	return -1
}

func names(infos []TensorInfo) []string {
	out := make([]string, len(infos))
	for i, ti := range infos {
		out[i] = ti.Name
	}
	return out
}
